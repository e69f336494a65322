"""Find a quoted string in the letter: exact, then whitespace/hyphen-insensitive, then fuzzy.

Used to ground what an LLM says it read. A quote that is found verbatim or
modulo line wrapping is `exact`; one found only approximately is `fuzzy`
(rapidfuzz partial alignment over the de-wrapped text); otherwise `none`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from imr_llm.schema import Alignment, Span
from imr_llm.textnorm import FlatText, clean_chars

FUZZY_CUTOFF = 88.0
_SEPARATORS = r"[\s\-\u2013\u2014]*"
_MAX_REGEX_QUOTE = 2000


@dataclass(frozen=True)
class Grounding:
    span: Span | None

    @property
    def alignment(self) -> Alignment:
        return self.span.alignment if self.span else Alignment.NONE


def _loose_pattern(quote: str) -> re.Pattern[str] | None:
    chars = [c for c in quote if not c.isspace() and c not in "-\u2013\u2014"]
    if not chars or len(chars) > _MAX_REGEX_QUOTE:
        return None
    return re.compile(_SEPARATORS.join(re.escape(c) for c in chars), re.IGNORECASE)


class Grounder:
    """Grounds quotes against one letter; build once per letter."""

    def __init__(self, text: FlatText) -> None:
        self.text = text
        self.clean = clean_chars(text.raw)  # same length as raw; page noise blanked

    def find(self, quote: str | None) -> Grounding:
        if quote is None or not quote.strip():
            return Grounding(None)
        quote = quote.strip()
        at = self.clean.find(quote)
        if at >= 0:
            return Grounding(Span(start=at, end=at + len(quote), alignment=Alignment.EXACT))
        # most quotes are the de-wrapped wording: find it in the flat text and map back (cheap)
        flat_quote = " ".join(quote.split())
        at = self.text.flat.find(flat_quote)
        if at >= 0:
            start, end = self.text.raw_span(at, at + len(flat_quote))
            return Grounding(Span(start=start, end=end, alignment=Alignment.EXACT))
        pattern = _loose_pattern(quote)
        if pattern is not None:
            m = pattern.search(self.clean)
            if m:
                return Grounding(Span(start=m.start(), end=m.end(), alignment=Alignment.EXACT))
        if len(quote) < 4:
            return Grounding(None)
        fuzzy = fuzz.partial_ratio_alignment(quote, self.text.flat, score_cutoff=FUZZY_CUTOFF)
        if fuzzy is None or fuzzy.dest_end <= fuzzy.dest_start:
            return Grounding(None)
        start, end = self.text.raw_span(fuzzy.dest_start, fuzzy.dest_end)
        return Grounding(Span(start=start, end=end, alignment=Alignment.FUZZY))
