"""One scored input of an eval run: its gold and the records extracted from it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LetterResult(BaseModel):
    """One input of a run: what was scored against what."""

    name: str
    input: str
    input_sha256: str | None = None  # identity across runs (with the case number), wherever it was read from
    gold: dict[str, Any]
    record: dict[str, Any] | None = Field(default=None, description="the scored side: LLM record, or parser's")
    parser: dict[str, Any] | None = None
    merged: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None  # LLMRun
    error: str | None = None
    error_kind: str | None = None
    epoch: int = 0  # which repeat of the run this is (`--repeat N`: 0 .. N-1)

    def scored(self) -> dict[str, Any]:
        """The scored record, or an empty one when the extractor produced none (every field a miss)."""
        return self.record or {"reviewer": {}, "disputed_items": []}
