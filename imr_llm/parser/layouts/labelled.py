"""What the labelled layouts (2014-2017 letters and the MAXIMUS "IMR DECISION(S)" variant) share:
items found as groups of "Claims Administrator guideline: / MAXIMUS guideline: / Decision rationale:"."""

from __future__ import annotations

import re

_FINAL = re.compile(r"HOW THE IMR FINAL DETERMINATION WAS MADE|IMR ISSUES, DECISIONS AND RATIONALES")
_CASE_HEADER = re.compile(r"Case ?Number ?:")


_LABEL_KINDS = re.compile(
    r"(?P<dr>Decision ?[Rr]ationale ?:)|(?P<ca>Claims ?Administrator ?[Gg]uideline)|(?P<mx>MAXIMUS ?[Gg]uideline)"
)


def labelled(flat: str) -> bool:
    """The form's headings, or two kinds of its item labels: a utilization review's letter (the denial an IMR is
    asked about) also prints a "Decision rationale:", but never the Claims Administrator's and MAXIMUS's
    guideline labels beside it."""
    if _FINAL.search(flat) is not None:
        return True
    kinds: set[str | None] = set()
    for m in _LABEL_KINDS.finditer(flat):
        kinds.add(m.lastgroup)
        if len(kinds) >= 2:
            return True
    return False


def case_header_at_top(flat: str) -> bool:
    """The 2016-17 header block at the top: its "Case Number:" label, or (that label lost: a cropped photo, a damaged
    line, a number redacted) two of its date labels, which no other layout prints at its top."""
    return any(_opens_header(top) for top in _tops(flat))


def _opens_header(top: str) -> bool:
    return _CASE_HEADER.search(top) is not None or len({m.group(0) for m in HEADER_DATE_LABEL.finditer(top)}) >= 2


_MADE = re.compile(r"HOW THE IMR FINAL DETERMINATION WAS MADE")
_TOP = 600


def header_start(flat: str) -> int:
    """Where the 2016-17 header block begins: its "Case Number:" label, the first thing the form prints (so a fax
    cover sheet's "Date: 02/01/2017" before it is never a header date); without that label, the file's start, or
    after a cover sheet, the first date label in the stretch before "HOW THE IMR FINAL DETERMINATION WAS MADE"."""
    made = _MADE.search(flat)
    if made is None:
        return 0  # another layout (the 2013 notice prints its date before its case number)
    case = _CASE_HEADER.search(flat, 0, _TOP)
    if case is not None:
        return case.start()
    if _opens_header(flat[:_TOP]) or made.start() <= _TOP:
        return 0
    lo = made.start() - _TOP
    label = _CASE_HEADER.search(flat, lo, made.start()) or HEADER_DATE_LABEL.search(flat, lo, made.start())
    return label.start() if label is not None else 0


def _tops(flat: str) -> list[str]:
    """The file's top, and the letter's: the header stands just before "HOW THE IMR FINAL DETERMINATION WAS MADE",
    after whatever came first (a fax cover sheet, an attorney's note), as in each of the 150 real letters here."""
    made = _MADE.search(flat)
    return [flat[:_TOP]] + ([flat[max(0, made.start() - _TOP) : made.start()]] if made and made.start() > _TOP else [])


# the 2016-17 header's date labels: a "Case Number:" line with one of these after it opens a letter's header
HEADER_DATE_LABEL = re.compile(r"Date ?Assigned:|Decision ?Date:|UR ?Denial ?Date:|Date ?of ?Injury:")
