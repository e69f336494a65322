"""Score extracted records against gold files, field by field.

Records and gold files share field names (see `imr_llm.schema`), so scoring is a
walk over the gold keys. Strings compare whitespace-insensitively and
hyphen-insensitively (the gold keeps split-word hyphens such as "documen-tation"
as the letter prints them). Items are aligned by position when their requests
match, otherwise by fuzzy request similarity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from imr_llm.fields import (
    HEADER_FIELDS,
    ITEM_FIELDS,
    LLM_ITEM_FIELDS,
    LLM_REVIEWER_FIELDS,
    LLM_TOP_FIELDS,
    MISSING_ITEM,
    REVIEWER_FIELDS,
    align_items,
    norm_text,
    values_equal,
)


@dataclass(frozen=True)
class FieldResult:
    letter: str
    field: str  # generic name, e.g. "disputed_items[].request"
    path: str  # concrete path, e.g. "disputed_items.2.request"
    gold: Any
    predicted: Any
    correct: bool


def _get(record: dict[str, Any], key: str) -> Any:
    return record.get(key)


@dataclass(frozen=True)
class FieldScope:
    """Which key fields an extractor is scored on: the parser reads them all; a model is scored on the
    fields its answer schema asks for (a field it was never asked is not its miss)."""

    name: str
    header: tuple[str, ...]
    reviewer: tuple[str, ...]
    item: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.header) + len(self.reviewer) + len(self.item)


PARSER_SCOPE = FieldScope("parser: every key field", HEADER_FIELDS, REVIEWER_FIELDS, ITEM_FIELDS)
LLM_SCOPE = FieldScope(
    "model: the fields its answer schema asks for", LLM_TOP_FIELDS, LLM_REVIEWER_FIELDS, LLM_ITEM_FIELDS
)


def score_letter(
    letter: str, gold: dict[str, Any], record: dict[str, Any], scope: FieldScope = PARSER_SCOPE
) -> list[FieldResult]:
    """One FieldResult per key field of the gold in `scope` (items: per aligned item)."""
    out: list[FieldResult] = []
    for f in scope.header:
        g, p = gold.get(f), _get(record, f)
        out.append(FieldResult(letter, f, f, g, p, values_equal(g, p)))
    g_rev, p_rev = gold.get("reviewer") or {}, record.get("reviewer") or {}
    for f in scope.reviewer:
        g, p = g_rev.get(f), p_rev.get(f)
        out.append(FieldResult(letter, f"reviewer.{f}", f"reviewer.{f}", g, p, values_equal(g, p)))
    g_items = gold.get("disputed_items") or []
    p_items = record.get("disputed_items") or []
    alignment = align_items(g_items, p_items)
    for gi, pi in alignment.pairs:
        for f in scope.item:
            g, p = g_items[gi].get(f), p_items[pi].get(f)
            out.append(
                FieldResult(letter, f"disputed_items[].{f}", f"disputed_items.{gi}.{f}", g, p, values_equal(g, p))
            )
    for gi in alignment.missed:
        for f in scope.item:
            g = g_items[gi].get(f)
            out.append(FieldResult(letter, f"disputed_items[].{f}", f"disputed_items.{gi}.{f}", g, MISSING_ITEM, False))
    return out


def set_f1(gold: list[str] | None, predicted: list[str] | None) -> tuple[float, float, float]:
    """Precision, recall, F1 of two string sets (normalised). Both empty -> perfect."""
    g = {norm_text(x) for x in gold or []}
    p = {norm_text(x) for x in predicted or []}
    if not g and not p:
        return 1.0, 1.0, 1.0
    tp = len(g & p)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Scorecard:
    """Aggregate of many letters' field results."""

    results: list[FieldResult] = field(default_factory=list)
    item_counts: list[tuple[str, int, int, int]] = field(default_factory=list)  # letter, gold, predicted, matched
    diagnoses: list[tuple[str, float, float, float]] = field(default_factory=list)

    def add(self, letter: str, gold: dict[str, Any], record: dict[str, Any], scope: FieldScope = PARSER_SCOPE) -> None:
        self.results += score_letter(letter, gold, record, scope)
        alignment = align_items(gold.get("disputed_items") or [], record.get("disputed_items") or [])
        self.item_counts.append(
            (
                letter,
                len(gold.get("disputed_items") or []),
                len(record.get("disputed_items") or []),
                len(alignment.pairs),
            )
        )
        self.diagnoses.append((letter, *set_f1(gold.get("diagnoses"), record.get("diagnoses"))))

    def extend(self, other: Scorecard) -> None:
        self.results += other.results
        self.item_counts += other.item_counts
        self.diagnoses += other.diagnoses

    @property
    def key_field_accuracy(self) -> float:
        return sum(r.correct for r in self.results) / len(self.results) if self.results else 0.0

    def field_accuracy(self) -> dict[str, float]:
        by: dict[str, list[bool]] = defaultdict(list)
        for r in self.results:
            by[r.field].append(r.correct)
        return {f: sum(v) / len(v) for f, v in by.items()}

    @property
    def decision_accuracy(self) -> float:
        """Share of gold items whose decision was extracted correctly (missed items count as wrong)."""
        d = [r.correct for r in self.results if r.field == "disputed_items[].decision"]
        return sum(d) / len(d) if d else 0.0

    def item_prf(self) -> tuple[float, float, float]:
        gold = sum(c[1] for c in self.item_counts)
        pred = sum(c[2] for c in self.item_counts)
        tp = sum(c[3] for c in self.item_counts)
        precision = tp / pred if pred else 0.0
        recall = tp / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def diagnoses_f1(self) -> float:
        return sum(d[3] for d in self.diagnoses) / len(self.diagnoses) if self.diagnoses else 0.0

    def errors(self) -> list[FieldResult]:
        return [r for r in self.results if not r.correct]
