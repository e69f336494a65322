"""What the labelled layouts (2014-2017 letters and the MAXIMUS "IMR DECISION(S)" variant) share:
items found as groups of "Claims Administrator guideline: / MAXIMUS guideline: / Decision rationale:"."""

from __future__ import annotations

import re

_FINAL = re.compile(r"HOW THE IMR FINAL DETERMINATION WAS MADE|IMR ISSUES, DECISIONS AND RATIONALES")
_ITEM_LABEL = re.compile(r"Decision ?rationale ?:|Claims ?Administrator ?guideline ?:")
_CASE_HEADER = re.compile(r"Case ?Number ?:")


def labelled(flat: str) -> bool:
    return _FINAL.search(flat) is not None or _ITEM_LABEL.search(flat) is not None


def case_header_at_top(flat: str) -> bool:
    """The 2016-17 header block at the top: its "Case Number:" label, or (that label lost: a cropped photo, a damaged
    line, a number redacted) two of its date labels, which no other layout prints at its top."""
    top = flat[:600]
    return _CASE_HEADER.search(top) is not None or len({m.group(0) for m in HEADER_DATE_LABEL.finditer(top)}) >= 2


# the 2016-17 header's date labels: a "Case Number:" line with one of these after it opens a letter's header
HEADER_DATE_LABEL = re.compile(r"Date ?Assigned:|Decision ?Date:|UR ?Denial ?Date:|Date ?of ?Injury:")
