"""Letter layouts: one object per layout, in one registry.

A layout says how to recognise its letters, where one letter begins (to notice files that hold
several), whether it has the header block, how its case summary ends, which dates it states only
in prose, and how to read its disputed items. The parser asks the registry, in detection order,
which layout a text is; nothing else branches on layout names. A new layout is one module here
(registering a `Layout`) and a synthetic sample letter with its gold in samples/.
"""

from __future__ import annotations

import re

from imr_llm.parser.layouts.base import Layout
from imr_llm.registry import Registry
from imr_llm.textnorm import FlatText

LAYOUTS: Registry[Layout] = Registry("imr_llm.layouts", "letter layout")


def register_layout(layout: Layout) -> Layout:
    return LAYOUTS.register(layout.name, layout)


def get_layout(name: str) -> Layout:
    return LAYOUTS.get_or_fail(name)


def detect_layout(flat: str) -> Layout | None:
    """The layout of `flat`, or None when it is not an IMR determination letter. In detection order (the more
    specific first), except in a file that holds letters of several layouts: the first letter's, the one whose
    opening words come first (a 2016 letter then a professional review had been read as a review, its own items
    lost). A layout whose opening words are not found (lost on a scan) keeps its place in the order."""
    LAYOUTS.load_plugins()
    chosen: Layout | None = None
    chosen_at = -1
    for layout in sorted(LAYOUTS.values(), key=lambda lay: lay.order):
        if not layout.detect(flat):
            continue
        at = min((i for a in layout.starts if (i := flat.find(a)) >= 0), default=-1)
        if chosen is None:
            chosen, chosen_at = layout, at
            if at < 0:
                return chosen
        elif 0 <= at < chosen_at:
            chosen, chosen_at = layout, at
    return chosen


_MAX_LETTERS_COUNTED = 1000


def first_letter(text: FlatText, layout: Layout) -> tuple[FlatText, int]:
    """The first letter of a file that may hold several, and how many more follow: another letter of the same
    layout, or, once the first letter's items have begun, a letter of another layout (a 2014 letter after a
    2016 one: the first letter's own words hold the 2014 opening, but only before its items)."""
    try:
        return _first_letter(text, layout)
    except _TooManyOpenings:
        return text, UNCOUNTED


def _first_letter(text: FlatText, layout: Layout) -> tuple[FlatText, int]:
    flat = text.flat
    for anchor in layout.starts:
        first = flat.find(anchor)
        if first < 0:
            continue
        nxt = _next_opening(text, anchor, first + len(anchor) + 200, layout)
        while nxt >= 0 and _same_page_again(flat, first, nxt, layout):
            # the first page fed twice (a scanner's double feed): the same letter goes on, its page said twice (a
            # running "Case Number:" line atop a later page was blanked before, see `parser.core.read_letter`)
            nxt = _next_opening(text, anchor, nxt + len(anchor) + 200, layout)
        other, its_anchor = _other_layout_after_items(text, first, layout)
        if nxt < 0 and other < 0:
            return text, 0
        if other >= 0 and (nxt < 0 or other < nxt):
            # the letters after it are counted by the second letter's own opening (a 2016 letter holds the 2014
            # one's "HOW THE IMR ..." line too: counted by it, one letter would be two)
            return text.truncated(other), 1 + _count(flat, its_anchor, other)
        return text.truncated(nxt), _count(flat, anchor, nxt - 1)
    return text, 0


def _items_begun(flat: str, layout: Layout, start: int, end: int | None = None) -> int:
    """Where the letter of `layout` at `start` has begun its items (-1: not before `end`)."""
    return min(
        (i for a in layout.items_begin if (i := flat.find(a, start, len(flat) if end is None else end)) >= 0),
        default=-1,
    )


_SAME_OPENING = 400  # characters of a letter's opening (its header and more) that two letters never share


def _same_page_again(flat: str, first: int, nxt: int, layout: Layout) -> bool:
    """Before the first letter's items have begun, the text at `nxt` opens as the letter at `first` did, word for
    word: its first page again (a scanner's double feed), not another letter (which has its own case number and
    dates)."""
    if _items_begun(flat, layout, first, nxt) >= 0:
        return False
    a = " ".join(flat[first : first + _SAME_OPENING].split())
    b = " ".join(flat[nxt : nxt + _SAME_OPENING].split())
    return len(a) > 200 and a[:300] == b[:300]


_OPENING_READ = 40_000  # characters after another letter's opening words in which its layout must be recognised


def _next_opening(text: FlatText, anchor: str, start: int, layout: Layout) -> int:
    """Where the next letter of `layout` opens with `anchor` at or after `start` (-1: none). Its opening words
    begin a line, and the text from them is a letter of that layout: a rationale's sentence that names a prior
    "Notice of Independent Medical Review Determination" or a "Case Number:" opens no letter (one had cut a
    letter there, and its approved second item vanished from the worker's page)."""
    flat = text.flat
    at = flat.find(anchor, start)
    for _ in range(_OPENINGS_TRIED):
        if at < 0 or _opens_letter(text, at, anchor, layout):
            return at
        at = flat.find(anchor, at + len(anchor))
    raise _TooManyOpenings


# lines that may open another letter, each read for its layout (a page of text apiece): a file holds a few letters,
# and a megabyte of "Case Number:" lines had cost a minute; past this many the file is said to hold more, unread
_OPENINGS_TRIED = 16
UNCOUNTED = -1  # `first_letter`'s count when the file had too many such lines to check


class _TooManyOpenings(Exception):
    pass


def _opens_letter(text: FlatText, at: int, anchor: str, layout: Layout) -> bool:
    """The opening words stand as a letter's do: first on their line, the line's rest no prose (a title alone, or
    "Case Number: CM16-0247624" and another label), and the text from them is a letter of the layout."""
    raw = text.raw
    raw_at = text.raw_offset(at)
    line_start = max(raw.rfind("\n", 0, raw_at), raw.rfind("\f", 0, raw_at)) + 1  # a page's start is a line's
    if raw[line_start:raw_at].strip(" \t\f\u00a0"):
        return False  # words before it on its line: inside a sentence
    line_end = raw.find("\n", raw_at)
    if _PROSE_WORD.search(raw, raw_at + len(anchor), len(raw) if line_end < 0 else line_end):
        return False  # the line goes on as a sentence ("... Determination dated 1/1/2015 was considered.")
    return layout.detect(text.flat[at : at + _OPENING_READ])


_PROSE_WORD = re.compile(r"\b[a-z]{2,}\b")  # a lower-case word: prose, which a title line or header row never has


def _other_layout_after_items(text: FlatText, first: int, layout: Layout) -> tuple[int, str]:
    """Where a letter of another layout begins after the first letter's first item (-1: none), and the opening
    words it was found by."""
    flat = text.flat
    items = _items_begun(flat, layout, first)
    if items < 0:
        return -1, ""
    found = [
        (at, anchor)
        for other in LAYOUTS.values()
        if other.name != layout.name
        for anchor in other.starts
        if (at := _next_opening(text, anchor, items, other)) >= 0
    ]
    return min(found, default=(-1, ""))


def _count(flat: str, anchor: str, after: int) -> int:
    """Letters that begin with `anchor` after `after` (at most _MAX_LETTERS_COUNTED)."""
    more, at = 0, after
    while more < _MAX_LETTERS_COUNTED and (at := flat.find(anchor, at + 1)) >= 0:
        more += 1
        at += len(anchor) - 1
    return more


def _register_builtins() -> None:
    """The five layouts of the shared README (imported here so the registry is full on first use)."""
    from imr_llm.parser.layouts import final_2014, final_2016, maximus_imr, notice_2013, professional_review

    for module in (professional_review, notice_2013, maximus_imr, final_2016, final_2014):
        register_layout(module.LAYOUT)


_register_builtins()

__all__ = ["LAYOUTS", "UNCOUNTED", "Layout", "detect_layout", "first_letter", "get_layout", "register_layout"]
