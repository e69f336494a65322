"""A patient summary as data: rendered to Markdown, text, HTML or JSON, and checked."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from imr_llm.schema import Decision

Lang = Literal["en", "es"]


class ItemSummary(BaseModel):
    number: int
    request: str = Field(description="the letter's own words for the treatment (quoted, kept as written)")
    kind: str = Field(description="what kind of treatment, in plain words")
    decision: Decision
    reason: str = Field(description="why, in plain words")
    reviewer_words: str | None = Field(default=None, description="the rationale's conclusion, quoted")
    authorized_portion: str | None = Field(default=None, description="what UR had already approved, quoted")


class Summary(BaseModel):
    lang: Lang
    source: Literal["offline", "llm"] = "offline"
    case_number: str | None = None
    decision_date: dt.date | None = None
    date_of_injury: dt.date | None = None
    intro: str | None = Field(default=None, description="an LLM rewrite's opening; the offline one is templated")
    items: list[ItemSummary]

    def quoted(self) -> list[str]:
        """Strings copied from the letter: shown in quotes, left out of the reading-grade score."""
        out: list[str] = []
        for item in self.items:
            out += [s for s in (item.request, item.reviewer_words, item.authorized_portion) if s]
        if self.case_number:
            out.append(self.case_number)
        return out
