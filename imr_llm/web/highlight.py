"""The letter text cut at every evidence boundary, so each piece knows which fields it is evidence of.

Why pieces and not nested marks: spans overlap (a rationale holds its first sentence and the reason
sentences), and HTML marks cannot cross. Each piece carries every path that covers it; the page
marks a piece by its most specific (shortest) span, links it to that field (the reverse direction
works without script), and the script lights up all pieces of a chosen field. Offsets are those of
the record's `evidence`, in the text the letter was read as; the text itself is only escaped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

SINGULAR = {"diagnoses": "diagnosis", "disputed items": "item"}
WIDE = 600  # a span longer than this (a whole rationale or case summary) is not coloured until chosen


@dataclass(frozen=True)
class Piece:
    start: int
    text: str
    paths: tuple[str, ...]  # every field whose evidence covers this piece, most specific first
    starts: tuple[str, ...]  # fields whose evidence begins here (anchors for "show in letter")
    wide: bool  # covered only by wide spans

    @property
    def primary(self) -> str | None:
        return self.paths[0] if self.paths else None


def spans(evidence: dict[str, Any], length: int) -> list[tuple[int, int, str]]:
    out = []
    for path, span in evidence.items():
        start, end = int(span["start"]), int(span["end"])
        if 0 <= start < end <= length:
            out.append((start, end, path))
    return out


def pieces(text: str, evidence: dict[str, Any]) -> list[Piece]:
    found = spans(evidence, len(text))
    cuts = sorted({0, len(text), *(s for s, _, _ in found), *(e for _, e, _ in found)})
    by_start: dict[int, list[str]] = {}
    for s, _, path in found:
        by_start.setdefault(s, []).append(path)
    out: list[Piece] = []
    for a, b in itertools.pairwise(cuts):
        covering = sorted((e - s, path) for s, e, path in found if s <= a and e >= b)
        paths = tuple(path for _, path in covering)
        wide = bool(covering) and covering[0][0] > WIDE
        out.append(Piece(a, text[a:b], paths, tuple(sorted(by_start.get(a, []))), wide))
    return out


def anchor(path: str) -> str:
    """The element id of a field's row (`f-...`) or of its evidence in the text (`ev-...`) share this."""
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in path)


@dataclass(frozen=True)
class FieldRow:
    path: str
    label: str
    value: str
    start: int


def label(path: str) -> str:
    """ "disputed_items.0.reason.sentences.1" -> "Item 1 · reason sentence 2"."""
    parts = path.split(".")
    out = []
    if parts[0] == "disputed_items" and len(parts) > 2:
        out.append(f"Item {int(parts[1]) + 1}")
        parts = parts[2:]
    words = []
    for k, part in enumerate(parts):
        if part.isdigit():
            words.append(str(int(part) + 1))
        else:
            name = part.replace("_", " ")
            if k + 1 < len(parts) and parts[k + 1].isdigit():  # one element of a list: singular
                name = SINGULAR.get(name, name[:-1] if name.endswith("s") else name)
            words.append(name)
    out.append(" ".join(words))
    return " · ".join(out)


def field_rows(record: dict[str, Any], evidence: dict[str, Any], length: int) -> list[FieldRow]:
    """Every value that has evidence, in the order it appears in the letter."""
    from imr_llm.fields import get_path

    rows = []
    for start, _, path in sorted(spans(evidence, length)):
        value = get_path(record, path)
        text = "" if value is None else str(value)
        rows.append(FieldRow(path, label(path), text if len(text) <= 240 else text[:237] + "…", start))
    return rows
