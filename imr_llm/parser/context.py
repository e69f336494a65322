"""What every parser step shares: the flat text and the evidence being collected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from imr_llm.textnorm import FlatText

if TYPE_CHECKING:
    from imr_llm.loaders.ocr import OcrWord
    from imr_llm.schema import OcrInfo


@dataclass
class ParseContext:
    text: FlatText
    evidence: dict[str, dict[str, int]] = field(default_factory=dict)  # validated into Spans by the record
    warnings: list[str] = field(default_factory=list)
    enrich: bool = True  # False: items only, no reasons (for an item count, e.g. an answer budget)
    words: Sequence[OcrWord] = ()  # OCR only: every word with its box (the header is read by its layout)
    ocr: OcrInfo | None = None
    # items whose heading, in a layout whose headings carry Upheld/Overturned, was read without one: on a scan
    # their conclusion alone is a single reading, never a decision (ocr_review.corroborate_decisions)
    headings_without_decision: set[int] = field(default_factory=set)
    # the damaged decision word cut from such a heading ("MRI: Uph eld"), and whether it is like "Overturned": a
    # conclusion against it is not taken (items.assemble_item)
    damaged_words: dict[int, tuple[str, bool]] = field(default_factory=dict)
    # a decision word at the end of such a heading with no colon before it ("Cyclobenzaprine 7.5mg #60 Upheld"), cut
    # from the request, and whether it is "Overturned": taken only where the rationale's closing agrees
    trailing_words: dict[int, bool] = field(default_factory=dict)
    # header dates read only in part ("11/30/201"): a date the letter's text gives for that label must agree with
    # the digits that were read (`core.parse_read`), or it is another date
    partly_read: dict[str, str] = field(default_factory=dict)

    @property
    def flat(self) -> str:
        return self.text.flat

    def cite_raw(self, path: str, start: int, end: int) -> None:
        """Record that the value at JSON `path` was read from raw[start:end] (the input's own offsets)."""
        self.evidence[path] = {"start": start, "end": end}

    def cite(self, path: str, start: int, end: int) -> None:
        """Record that the value at JSON `path` was read from flat[start:end]."""
        raw_start, raw_end = self.text.raw_span(start, end)
        self.evidence[path] = {"start": raw_start, "end": raw_end}

    _seen: set[str] = field(default_factory=set)

    def warn(self, message: str) -> None:
        if message not in self._seen:
            self._seen.add(message)
            self.warnings.append(message)
