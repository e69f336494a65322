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
    return _CASE_HEADER.search(flat[:600]) is not None
