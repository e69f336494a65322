"""The record's scored fields, in one place: which fields there are, how two values compare
(whitespace- and hyphen-insensitive), how items of two records pair up, and how a JSON path
("disputed_items.2.request") is read and written. Used by the evals, the cross-check and the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

HEADER_FIELDS = (
    "case_number",
    "date_of_injury",
    "ur_determination_date",
    "application_received_date",
    "decision_date",
    "date_assigned",
    "priority",
    "patient_age",
    "patient_sex",
)
REVIEWER_FIELDS = (
    "board_certifications",
    "subspecialties",
    "licensed_state",
    "certification_text",
    "licensure_text",
)
ITEM_FIELDS = (
    "request",
    "decision",
    "decision_text",
    "medically_necessary",
    "guidelines_cited",
    "maximus_guideline_text",
    "claims_administrator_guideline_text",
    "rationale_first_sentence",
    "item_heading_text",
)
# The key fields: every gold field with one mechanical answer. Diagnoses are
# scored separately (set F1): how a run-on statement splits is a judgement call.
KEY_FIELDS = (
    *HEADER_FIELDS,
    *(f"reviewer.{f}" for f in REVIEWER_FIELDS),
    *(f"disputed_items[].{f}" for f in ITEM_FIELDS),
)


@dataclass(frozen=True)
class AnswerField:
    """One field of the LLM's answer schema and the record field it fills: the one table from which the
    answer becomes a record (`LLMLetter.to_record`), a record becomes an answer (`examples.answer_for`)
    and the cross-check and the eval choose what to compare."""

    record: str  # the record's field name (in its group: the letter, its reviewer, each item)
    answer: str  # the answer schema's field it comes from
    derived: bool = False  # computed from `answer`, never asked for itself (medically_necessary)
    compared: bool = True  # compared with the parser and scored (decision_text is the decision's quote)


# what the LLM's answer schema asks for, in its order (it has no priority, no subspecialties or
# certification/licensure text, no claims-administrator guideline)
ANSWER_TOP = tuple(AnswerField(f, f) for f in HEADER_FIELDS if f != "priority")
ANSWER_REVIEWER = (
    AnswerField("board_certifications", "reviewer_certifications"),
    AnswerField("licensed_state", "reviewer_states"),
)
ANSWER_ITEM = (
    AnswerField("request", "request"),
    AnswerField("decision", "decision"),
    AnswerField("decision_text", "decision_quote", compared=False),
    AnswerField("medically_necessary", "decision", derived=True),
    AnswerField("guidelines_cited", "guidelines_cited"),
    AnswerField("maximus_guideline_text", "maximus_guideline_text"),
    AnswerField("rationale_first_sentence", "rationale_first_sentence"),
)
LLM_TOP_FIELDS = tuple(f.record for f in ANSWER_TOP if f.compared)
LLM_REVIEWER_FIELDS = tuple(f.record for f in ANSWER_REVIEWER if f.compared)
LLM_ITEM_FIELDS = tuple(f.record for f in ANSWER_ITEM if f.compared)

# the header's dates in the order every IMR keeps them: injury, UR denial, application, assignment, decision
HEADER_DATE_FIELDS = (
    "date_of_injury",
    "ur_determination_date",
    "application_received_date",
    "date_assigned",
    "decision_date",
)
# a disagreement on one of these means the letter needs review
CRITICAL_FIELDS = frozenset(
    {
        "case_number",
        "date_of_injury",
        "ur_determination_date",
        "decision_date",
        "request",
        "decision",
        "medically_necessary",
    }
)
# values whose evidence span the grounding scorer counts
GROUNDED_TOP_FIELDS = ("case_number", "date_of_injury", "ur_determination_date", "decision_date", "patient_age")
GROUNDED_ITEM_FIELDS = ("request", "decision", "maximus_guideline_text", "rationale_first_sentence")
ALIGN_THRESHOLD = 60.0
MISSING_ITEM = "<item not found>"  # what a field of an item the extractor missed shows as


_HYPHENS = re.compile(r"\s*-\s*")


def norm_text(value: str) -> str:
    return _HYPHENS.sub("", " ".join(value.split())) if "-" in value else " ".join(value.split())


def compact(value: str) -> str:
    """norm_text without any space, case-folded: for "is this value somewhere in that text" tests."""
    return norm_text(value).replace(" ", "").casefold()


def dates_from_another_label(record: dict[str, Any], reference: dict[str, Any]) -> int:
    """Header dates of `record` stated wrongly with the value of another of `reference`'s dates (the UR
    denial date as the decision date): the misreading that can tell a worker the appeal window has passed."""
    count = 0
    for field in HEADER_DATE_FIELDS:
        value = record.get(field)
        if value is None or str(value) == str(reference.get(field)):
            continue
        count += any(str(reference.get(other)) == str(value) for other in HEADER_DATE_FIELDS if other != field)
    return count


def values_equal(gold: Any, predicted: Any) -> bool:
    """Gold vs extracted value, modulo whitespace and hyphenation (the shared README: compare
    whitespace-insensitively; "California,Virginia" and "California, Virginia" are one value)."""
    if isinstance(gold, str) and isinstance(predicted, str):
        return norm_text(gold).replace(" ", "") == norm_text(predicted).replace(" ", "")
    if isinstance(gold, list) and isinstance(predicted, list):
        return len(gold) == len(predicted) and all(values_equal(g, p) for g, p in zip(gold, predicted, strict=True))
    if isinstance(gold, bool) or isinstance(predicted, bool):
        return gold is predicted
    return bool(gold == predicted)


@dataclass
class ItemAlignment:
    pairs: list[tuple[int, int]]  # (gold index, predicted index)
    missed: list[int]  # gold items with no predicted match
    extra: list[int]  # predicted items with no gold match


def align_items(gold_items: list[dict[str, Any]], predicted_items: list[dict[str, Any]]) -> ItemAlignment:
    """Pair gold and predicted items: same position first, then best fuzzy request match."""
    pairs: list[tuple[int, int]] = []
    free_gold = set(range(len(gold_items)))
    free_pred = set(range(len(predicted_items)))

    def similarity(g: int, p: int) -> float:
        return float(
            fuzz.token_set_ratio(
                norm_text(str(gold_items[g].get("request", ""))),
                norm_text(str(predicted_items[p].get("request", ""))),
            )
        )

    for i in range(min(len(gold_items), len(predicted_items))):
        if similarity(i, i) >= ALIGN_THRESHOLD:
            pairs.append((i, i))
            free_gold.discard(i)
            free_pred.discard(i)
    candidates = sorted(
        ((similarity(g, p), g, p) for g in free_gold for p in free_pred), key=lambda t: (-t[0], t[1], t[2])
    )
    for score, g, p in candidates:
        if score < ALIGN_THRESHOLD:
            break
        if g in free_gold and p in free_pred:
            pairs.append((g, p))
            free_gold.discard(g)
            free_pred.discard(p)
    return ItemAlignment(sorted(pairs), sorted(free_gold), sorted(free_pred))


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted JSON path ("disputed_items.0.request"); None when any step is missing."""
    node = data
    for part in path.split("."):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return None
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted JSON path whose parents exist."""
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
