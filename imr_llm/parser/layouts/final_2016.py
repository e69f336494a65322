"""The 2016-2017 *IMR Final Determination* letter: the Case Number header block, then labelled items."""

from __future__ import annotations

from imr_llm.parser.items import parse_labelled_items
from imr_llm.parser.layouts.base import Layout
from imr_llm.parser.layouts.labelled import case_header_at_top, labelled


def detect(flat: str) -> bool:
    return labelled(flat) and case_header_at_top(flat)


LAYOUT = Layout(name="final_2016", order=40, detect=detect, starts=("Case Number:",), items=parse_labelled_items)
