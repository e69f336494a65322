"""De-wrapping of letter text, with a map back to the input's character offsets.

Every parser regex runs over the *flat* text (one space between words, line-end
hyphens joined, page noise removed), which is the form the gold strings are
written in. Evidence spans must point into the text the user gave us, so the
flat text keeps a piecewise map back to the raw offsets.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right
from collections.abc import Iterator

from imr_llm.textclean import PageNumbers, blank_running_lines, repair_ocr

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


class FlatText:
    """The de-wrapped text plus the offset map back to the raw input.

    The map is built lazily and only as far as it is asked for: text that is not a letter never
    pays for it, and a huge odd input pays only for the part the parser cites.
    """

    def __init__(self, raw: str, flat: str, cleaned_body: str, body_start: int) -> None:
        self.raw = raw
        self.flat = flat
        self._flat_starts = [0]
        self._raw_starts = [body_start]
        self._segments: Iterator[tuple[int, int]] | None = None
        self._body = cleaned_body
        self._body_start = body_start
        self._shift = 0  # raw minus flat, so far
        self._joins = True
        self._runs = True
        self._exhausted = False
        self.page_numbers: PageNumbers = {}  # printed at the pages' edges (imr_llm.textclean.page_numbers)

    def _extend_to(self, flat_index: int) -> None:
        if self._segments is None:
            self._segments = _runs(self._body, self._joins, self._runs)
        while self._flat_starts[-1] <= flat_index and not self._exhausted:
            run = next(self._segments, None)
            if run is None:
                self._exhausted = True
                return
            s, e = run
            self._shift += (e - s) - 1  # the run became one character ("-" kept, or one space)
            self._flat_starts.append(e - self._shift)
            self._raw_starts.append(self._body_start + e)

    def raw_offset(self, flat_index: int) -> int:
        self._extend_to(flat_index)
        k = bisect_right(self._flat_starts, flat_index) - 1
        return self._raw_starts[k] + (flat_index - self._flat_starts[k])

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a flat [start, end) span to the raw text."""
        if end <= start:
            r = self.raw_offset(start)
            return r, r
        return self.raw_offset(start), self.raw_offset(end - 1) + 1

    def truncated(self, end: int) -> FlatText:
        """The same text cut at flat offset `end` (same offsets)."""
        copy = FlatText(self.raw, self.flat[:end], self._body, self._body_start)
        copy._joins, copy._runs = self._joins, self._runs
        copy.page_numbers = self.page_numbers
        return copy


def _runs(body: str, joins_found: bool, runs_found: bool) -> Iterator[tuple[int, int]]:
    """Length-changing runs in order: hyphen joins, and whitespace runs a join did not swallow."""
    joins = (m.span() for m in _HYPHEN_JOIN.finditer(body)) if joins_found else iter(())
    spaces = (m.span() for m in _WHITE_RUN.finditer(body)) if runs_found else iter(())
    swallowed = -1
    for s, e in heapq.merge(joins, spaces):
        if body[s] == "-":
            swallowed = s + 1
        elif s == swallowed:
            continue
        yield s, e


_FIX_PAIRS = tuple((chr(c), str(f)) for c, f in _CHAR_FIXES.items())
_PAGE_WORD = re.compile(r"Page[ \t]+\d")


def clean_chars(raw: str, ocr: bool = False, numbers: PageNumbers | None = None) -> str:
    """Same-length cleanup: odd characters fixed, OCR misreadings undone (OCR text only), running
    headers and footers and page-noise lines blanked (imr_llm.textclean); `numbers` is filled with the page
    numbers printed at the pages' edges."""
    text = raw
    for char, fix in _FIX_PAIRS:  # `in` + replace is far faster than str.translate with a dict
        if char in text:
            text = text.replace(char, fix)
    if ocr:
        text = repair_ocr(text)
    if "\f" in text or _PAGE_WORD.search(text):
        text = blank_running_lines(text, misread=ocr, numbers=numbers)
    if _PAGE_WORD.search(text):
        text = _PAGE_NOISE.sub(lambda m: " " * len(m.group(0)), text)
    return text


def flatten(raw: str, ocr: bool = False) -> FlatText:
    """De-wrap `raw` the way the gold strings are written (see shared README)."""
    numbers: PageNumbers = {}
    text = clean_chars(raw, ocr, numbers)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    body = text[start:end]
    joined, n_joins = _HYPHEN_JOIN.subn("-", body)
    flat = " ".join(joined.split())
    # exact shortcuts for the offset map: no join leaves the length alone, and when de-wrapping
    # keeps the joined text's length, every whitespace run left was a single character
    text_flat = FlatText(raw, flat, body, start)
    text_flat.page_numbers = numbers
    text_flat._joins, text_flat._runs = n_joins > 0, len(flat) != len(joined)
    return text_flat
