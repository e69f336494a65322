"""A patient summary as data: rendered to Markdown, text, HTML or JSON, and checked."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, PrivateAttr

from imr_llm.schema import Decision, ReasonTopic

if TYPE_CHECKING:
    from imr_llm.summary.checks import SummaryChecks


class EvidenceSpan(BaseModel):
    start: int
    end: int


class PlainSentence(BaseModel):
    """One plain sentence, and the reviewer's sentence it restates (`imr_llm.summary.restate`)."""

    text: str
    source: str = Field(description="the reviewer's sentence, as printed")
    form: str = Field(description="the form recognised in it (no_record, request_silent, finding, ...)")


class PlainReason(BaseModel):
    """Why the item was decided so: the reviewer's own sentences, their topic, and the plain restatement."""

    topic: ReasonTopic | None = None
    sentences: list[str] = Field(default_factory=list, description="the reviewer's sentences shown, as printed")
    evidence: list[EvidenceSpan] = Field(default_factory=list, description="their offsets in the input text")
    text: str = Field(description="the plain sentences; when `quoted`, an introduction to the reviewer's words")
    quote: str = Field(
        default="",
        description="the sentences as the page quotes them: in the letter's order, each run of adjacent sentences "
        "in its own quotation marks, ' … ' where the letter's words between them are left out",
    )
    plain: list[PlainSentence] = Field(default_factory=list, description="each plain sentence with its source")
    quoted: bool = Field(default=False, description="no plain wording was safe: the reviewer's words carry the reason")
    terms: list[str] = Field(default_factory=list, description="glossary lines for words in those sentences")
    source: Literal["offline", "llm"] = "offline"
    translation: str = Field(
        default="",
        description="the quote machine-translated into the summary's language (`imr_llm.summary.translate`); empty "
        "for English, when no engine is installed, or when the translation did not keep the quote's numbers and "
        "negation",
    )

    def shown_quote(self) -> str:
        """The reviewer's words as the page quotes them."""
        return self.quote or ('"' + " ".join(self.sentences[:2]) + '"' if self.sentences else "")


class MachineTranslation(BaseModel):
    """The reviewer's words quoted in a step, and their machine translation shown beside them."""

    source: str
    text: str


class ItemSummary(BaseModel):
    number: int
    request: str = Field(description="the letter's own words for the treatment (quoted, kept as written)")
    kind: str = Field(description="what kind of treatment, in plain words")
    decision: Decision | None
    decision_line: str = Field(description="the decision, as one bold line")
    meaning: str = Field(description="what the decision means")
    reason: PlainReason
    next_label: str = Field(description="what happens next / what could change this")
    next_step: str
    taper_warning: str | None = Field(default=None, description="do not stop an opioid or benzodiazepine at once")
    already_given: str | None = Field(default=None, description="retrospective request: care already given")
    partial: str | None = Field(default=None, description="what UR had approved before, apart from this decision")
    warnings: list[str] = Field(default_factory=list, description="what the record warns about this item, in words")
    authorized_portion: str | None = Field(default=None, description="what UR had already approved, quoted")
    translations: list[MachineTranslation] = Field(
        default_factory=list, description="the reviewer's words quoted in the next step, machine-translated beside them"
    )


class Summary(BaseModel):
    lang: str
    source: Literal["offline", "llm"] = "offline"
    case_number: str | None = None
    decision_date: dt.date | None = None
    date_of_injury: dt.date | None = None
    case_line: str | None = None
    opening: str
    warnings: list[str] = Field(default_factory=list, description="what the record warns about the letter")
    items: list[ItemSummary]
    _checks: SummaryChecks | None = PrivateAttr(default=None)

    @property
    def checks(self) -> SummaryChecks | None:
        """The checks this summary passed or failed (set by `imr_llm.summarize`)."""
        return self._checks

    def attach_checks(self, checks: SummaryChecks) -> None:
        self._checks = checks

    def render(self, fmt: str = "md") -> str:
        """Markdown, plain text, a printable HTML page, or JSON; a failed check shows at the top."""
        from imr_llm.errors import ConfigError
        from imr_llm.summary.formats import Format
        from imr_llm.summary.render import render

        try:
            chosen = Format(fmt)
        except ValueError:
            raise ConfigError(f"unknown format {fmt!r}; choose one of {', '.join(f.value for f in Format)}") from None
        checks = self._checks.model_dump(mode="json") if self._checks is not None else None
        return render(self, chosen, checks)

    @property
    def decisions(self) -> list[Decision | None]:
        return [item.decision for item in self.items]

    def quoted(self) -> list[str]:
        """Strings copied from the letter (and glossary terms): left out of the reading-grade score."""
        out: list[str] = []
        for item in self.items:
            out += [s for s in (item.request, item.authorized_portion) if s]
            out += item.reason.sentences
            out += [item.reason.translation] if item.reason.translation else []
            out += [t.text for t in item.translations]
            out += [t.split(":", 1)[0] for t in item.reason.terms]
            out += [q for p in item.reason.plain for q in _QUOTED.findall(p.text)]
            out += _QUOTED.findall(item.next_step)  # the reviewer's sentence on what would be needed
        if self.case_number:
            out.append(self.case_number)
        return out


_QUOTED = re.compile(r'"([^"]{3,})"')


@dataclass
class SummaryOutcome:
    """A summary with its checks, and why an LLM rewrite was not used (if one was tried)."""

    summary: Summary
    checks: SummaryChecks
    rejected: list[str] = field(default_factory=list)
