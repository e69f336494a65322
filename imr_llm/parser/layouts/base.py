"""What a letter layout is (the `Layout` record): here, apart from the registry, so the layout modules
import it without importing the package that imports them (no import cycle)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from imr_llm.parser.context import ParseContext
from imr_llm.schema import DisputedItem


def _no_stop(flat: str, start: int, stop: int) -> int:
    return stop


# the 2016-17 header table's values; the 2013 notices and professional reviews print all but "Date Assigned"
TABLE_VALUES = (
    "case_number",
    "date_assigned",
    "date_of_injury",
    "decision_date",
    "ur_determination_date",
    "application_received_date",
    "priority",
)
NOT_ASSIGNED = tuple(v for v in TABLE_VALUES if v != "date_assigned")


@dataclass(frozen=True)
class Layout:
    name: str  # the record's `template`
    order: int  # detection order: lower is tried first (more specific layouts first)
    detect: Callable[[str], bool]  # is the de-wrapped text a letter of this layout?
    starts: tuple[str, ...]  # literal text where one letter begins
    items: Callable[[ParseContext], list[DisputedItem]]
    header: bool = True  # has the block with Case Number, dates, priority
    # the values its header prints (a scan that reads none of one says so; parser.ocr_review)
    header_values: tuple[str, ...] = TABLE_VALUES
    summary_stop: Callable[[str, int, int], int] = _no_stop  # where its case summary ends, within [start, stop)
    prose_dates: tuple[str, ...] = ()  # fields its letters state only in running text
    # literal text where its items have begun: past it, another layout's opening words open another letter
    items_begin: tuple[str, ...] = ("Decision rationale",)
