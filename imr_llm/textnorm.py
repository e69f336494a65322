"""De-wrapping of letter text, with a map back to the input's character offsets.

Every parser regex runs over the *flat* text (one space between words, line-end
hyphens joined, page noise removed), which is the form the gold strings are
written in. Evidence spans must point into the text the user gave us, so the
flat text keeps a piecewise map back to the raw offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

# One-for-one character fixes, so offsets stay valid: PDF libraries emit
# soft hyphens or STX for hyphenation points, NBSP and odd spaces, and CR.
_CHAR_FIXES = str.maketrans(
    {
        "\xa0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u200b": " ",
        "\ufeff": " ",
        "\x02": "-",
        "\xad": "-",
        "\ufffe": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\r": "\n",
        "\v": "\n",
    }
)

# Lines that a PDF-to-text tool or a scanner adds at page breaks.
_PAGE_NOISE = re.compile(
    r"(?im)^[ \t]*(?:(?:IMR )?Case (?:Number|No\.?):?[ \t]*CM\d\d-\d{5,7}[ \t]+)?"
    r"(?:-[ \t]*)?Page[ \t]+\d+(?:[ \t]+of[ \t]+\d+)?(?:[ \t]*-)?[ \t]*$"
)

# A line-end hyphen joins the next non-empty line (hyphen kept); any other
# whitespace run that is not a single space becomes one space.
# Runs whose length changes when de-wrapped (a lone "\n" -> " " keeps offsets in
# step). Two scans, because patterns that start with a literal or a class scan fast.
_HYPHEN_JOIN = re.compile(r"-[ \t]*[\n\f]\s*")
_WHITE_RUN = re.compile(r"\s\s+")  # (measured faster than \s{2,})


@dataclass(frozen=True)
class FlatText:
    """The de-wrapped text plus the offset map back to the raw input."""

    raw: str
    flat: str
    _flat_starts: list[int] = field(repr=False)
    _raw_starts: list[int] = field(repr=False)

    def raw_offset(self, flat_index: int) -> int:
        k = bisect_right(self._flat_starts, flat_index) - 1
        return self._raw_starts[k] + (flat_index - self._flat_starts[k])

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a flat [start, end) span to the raw text."""
        if end <= start:
            r = self.raw_offset(start)
            return r, r
        return self.raw_offset(start), self.raw_offset(end - 1) + 1


_FIX_PAIRS = tuple((chr(c), str(f)) for c, f in _CHAR_FIXES.items())
_PAGE_WORD = re.compile(r"Page[ \t]+\d")


def clean_chars(raw: str) -> str:
    """Same-length cleanup: odd characters fixed and page-noise lines blanked."""
    text = raw
    for char, fix in _FIX_PAIRS:  # `in` + replace is far faster than str.translate with a dict
        if char in text:
            text = text.replace(char, fix)
    if _PAGE_WORD.search(text):
        text = _PAGE_NOISE.sub(lambda m: " " * len(m.group(0)), text)
    return text


def flatten(raw: str) -> FlatText:
    """De-wrap `raw` the way the gold strings are written (see shared README)."""
    text = clean_chars(raw)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    body = text[start:end]
    flat = " ".join(_HYPHEN_JOIN.sub("-", body).split())
    # offset map: after each replaced run, flat and raw advance in step again
    flat_starts = [0]
    raw_starts = [start]
    shift = 0  # raw minus flat
    joins = [m.span() for m in _HYPHEN_JOIN.finditer(body)] if "-" in body else []
    runs = [m.span() for m in _WHITE_RUN.finditer(body)]
    if joins:  # a hyphen join swallows the whitespace run right after its "-"
        swallowed = {s + 1 for s, _ in joins}
        runs = sorted([r for r in runs if r[0] not in swallowed] + joins)
    for s, e in runs:
        shift += (e - s) - 1  # the run became one character ("-" kept, or one space)
        flat_starts.append(e - shift)
        raw_starts.append(start + e)
    return FlatText(raw, flat, flat_starts, raw_starts)


def squash(text: str) -> str:
    """Whitespace- and hyphen-insensitive form, for comparing extracted strings."""
    return re.sub(r"[\s\-\u2013\u2014]+", "", text.translate(_CHAR_FIXES)).casefold()
