"""The *MAXIMUS FEDERAL SERVICES / IMR DECISION(S) AND RATIONALE(S)* variant: a header block and
labelled items under that heading."""

from __future__ import annotations

import re

from imr_llm.parser.items import parse_labelled_items
from imr_llm.parser.layouts.base import Layout

_MAXIMUS_IMR = re.compile(r"IMR DECISION\(S\) AND RATIONALE\(S\)")


def detect(flat: str) -> bool:
    return "DECISION(S)" in flat and _MAXIMUS_IMR.search(flat) is not None


LAYOUT = Layout(
    name="maximus_imr",
    order=30,
    detect=detect,
    starts=("MAXIMUS FEDERAL SERVICES, INC.",),
    items=parse_labelled_items,
)
