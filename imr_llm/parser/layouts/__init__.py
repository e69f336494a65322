"""Letter layouts: one object per layout, in one registry.

A layout says how to recognise its letters, where one letter begins (to notice files that hold
several), whether it has the header block, how its case summary ends, which dates it states only
in prose, and how to read its disputed items. The parser asks the registry, in detection order,
which layout a text is; nothing else branches on layout names. A new layout is one module here
(registering a `Layout`) and a synthetic sample letter with its gold in samples/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from imr_llm.errors import ConfigError
from imr_llm.parser.context import ParseContext
from imr_llm.schema import DisputedItem
from imr_llm.textnorm import FlatText


def _no_stop(flat: str, start: int, stop: int) -> int:
    return stop


@dataclass(frozen=True)
class Layout:
    name: str  # the record's `template`
    order: int  # detection order: lower is tried first (more specific layouts first)
    detect: Callable[[str], bool]  # is the de-wrapped text a letter of this layout?
    starts: tuple[str, ...]  # literal text where one letter begins
    items: Callable[[ParseContext], list[DisputedItem]]
    header: bool = True  # has the block with Case Number, dates, priority
    summary_stop: Callable[[str, int, int], int] = _no_stop  # where its case summary ends, within [start, stop)
    prose_dates: tuple[str, ...] = ()  # fields its letters state only in running text


LAYOUTS: dict[str, Layout] = {}


def register_layout(layout: Layout) -> Layout:
    LAYOUTS[layout.name] = layout
    return layout


def get_layout(name: str) -> Layout:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ConfigError(f"unknown letter layout {name!r}; known: {', '.join(LAYOUTS)}") from None


def detect_layout(flat: str) -> Layout | None:
    """The layout of `flat`, or None when it is not an IMR determination letter."""
    for layout in sorted(LAYOUTS.values(), key=lambda lay: lay.order):
        if layout.detect(flat):
            return layout
    return None


_MAX_LETTERS_COUNTED = 1000


def first_letter(text: FlatText, layout: Layout) -> tuple[FlatText, int]:
    """The first letter of a file that may hold several, and how many more follow."""
    flat = text.flat
    for anchor in layout.starts:
        first = flat.find(anchor)
        if first < 0:
            continue
        nxt = flat.find(anchor, first + len(anchor) + 200)
        if nxt < 0:
            return text, 0
        more, at = 1, nxt
        while more < _MAX_LETTERS_COUNTED and (at := flat.find(anchor, at + len(anchor))) >= 0:
            more += 1
        return text.truncated(nxt), more
    return text, 0


def _register_builtins() -> None:
    """The five layouts of the shared README (imported here so the registry is full on first use)."""
    from imr_llm.parser.layouts import final_2014, final_2016, maximus_imr, notice_2013, professional_review

    for module in (professional_review, notice_2013, maximus_imr, final_2016, final_2014):
        register_layout(module.LAYOUT)


_register_builtins()

__all__ = ["LAYOUTS", "Layout", "detect_layout", "first_letter", "get_layout", "register_layout"]
