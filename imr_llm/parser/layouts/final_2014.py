"""The 2014-2015 letter: no header block, the reviewer described in prose, labelled items; its dates
are read from the case summary."""

from __future__ import annotations

from imr_llm.parser.items import parse_labelled_items
from imr_llm.parser.layouts.base import Layout
from imr_llm.parser.layouts.labelled import labelled

LAYOUT = Layout(
    name="final_2014",
    order=50,  # after final_2016: same labels, no Case Number header
    detect=labelled,
    starts=("HOW THE IMR FINAL DETERMINATION WAS MADE",),
    items=parse_labelled_items,
    header=False,
)
