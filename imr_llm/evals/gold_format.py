"""The gold format, as a typed model: what `imr-llm eval` scores against, checked before a run.

One NAME.gold.json per letter, beside the letter (NAME.txt, NAME.pdf, an image, or a folder of page
photos). The format is the shared one (docs/gold-format.md says what each key means); this model is
its JSON Schema (`imr-llm gold schema`), `imr-llm gold check DIR` validates a folder against it and
against its letters, and `imr-llm gold init LETTERS/ --out DIR` writes a starting gold file per
letter from the parser's record, for a person to correct.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from imr_llm.regular import NotRegular, read_text, regular
from imr_llm.schema import ReasonTopic

MAX_GOLD_BYTES = 2_000_000
MAX_DEPTH = 12  # a gold file is four levels deep; far more is not a gold file (and would exhaust the parser)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldReviewer(_Strict):
    board_certifications: list[str]
    subspecialties: list[str] | None
    licensed_state: list[str]
    certification_text: str
    licensure_text: str


class GoldItem(_Strict):
    request: str = Field(description="the disputed service as the item heading words it, without ':' and the decision")
    decision: Literal["upheld", "overturned"]
    decision_text: str = Field(description="the decision word(s) as printed")
    medically_necessary: bool = Field(description="true exactly when overturned")
    guidelines_cited: list[str] = Field(description="short names of what the MAXIMUS guideline line cites")
    maximus_guideline_text: str | None = Field(description="null only when the letter has no such line")
    claims_administrator_guideline_text: str | None = Field(description="null only when the letter has no such line")
    rationale_first_sentence: str | None
    item_heading_text: str | None = Field(default=None, description="only for partly authorized requests")
    reason_topics: list[ReasonTopic] | None = Field(default=None, min_length=1, max_length=2)
    reason_sentences: list[str] | None = Field(default=None, min_length=1, max_length=3)
    note: str | None = None

    @field_validator("medically_necessary")
    @classmethod
    def _agrees(cls, value: bool, info: Any) -> bool:
        decision = info.data.get("decision")
        if decision is not None and value != (decision == "overturned"):
            raise ValueError("medically_necessary must be true exactly when the decision is overturned")
        return value


class GoldLetter(_Strict):
    case_number: str | None
    date_of_injury: dt.date | None
    ur_determination_date: dt.date | None
    application_received_date: dt.date | None
    decision_date: dt.date | None
    date_assigned: dt.date | None
    priority: str | None
    reviewer: GoldReviewer
    diagnoses: list[str] | None
    disputed_items: list[GoldItem] = Field(min_length=1)
    patient_age: StrictInt | None = Field(ge=0, le=120)  # strict: JSON true is not an age of 1
    patient_sex: Literal["male", "female"] | None
    notes: str = Field(description="this letter's quirks and every judgement the annotator made")
    # an extension for 2013 notices, which state these two dates in their text
    application_filed_date: dt.date | None = None
    notice_of_assignment_date: dt.date | None = None


def gold_schema() -> dict[str, Any]:
    return GoldLetter.model_json_schema()


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack += [(v, depth + 1) for v in node.values()]
        elif isinstance(node, list):
            stack += [(v, depth + 1) for v in node]
    return deepest


def read_gold(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """A gold file's JSON and what is wrong with it (one line each); None when it cannot be read at all."""
    try:
        size = regular(path).stat().st_size
        if size > MAX_GOLD_BYTES:
            return None, [f"too large for a gold file ({size:,} bytes)"]
        text = read_text(path).removeprefix("\ufeff")  # a byte-order mark (Windows editors write one) is no content
    except NotRegular:
        return None, ["not a regular file (a FIFO, device or socket): never read"]
    except (OSError, UnicodeDecodeError) as e:
        return None, [f"cannot read ({getattr(e, 'strerror', None) or type(e).__name__})"]
    if text.count("[") + text.count("{") > 20_000 and _nesting(text) > MAX_DEPTH:
        return None, [f"nested more than {MAX_DEPTH} levels deep: not a gold file"]
    try:
        data = json.loads(text, object_pairs_hook=_no_repeated_keys)
    except _RepeatedKey as e:
        return None, [f"the key {e.args[0]!r} is given twice in one object (which one is meant?)"]
    except (ValueError, RecursionError) as e:  # JSONDecodeError, and a number of 4,300 digits or more
        why = str(e).splitlines()[0][:120] if str(e) else "too deep"
        return None, [f"not JSON ({'a number of thousands of digits' if 'integer string' in why else why})"]
    if not isinstance(data, dict):
        return None, ["not a JSON object"]
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # "\ud800": a lone surrogate, which no text can hold (a report would fail on it)
        return None, ["holds a \\uD800-\\uDFFF escape that is not a character (a lone surrogate)"]
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        return None, [f"nested more than {MAX_DEPTH} levels deep: not a gold file"]
    try:
        GoldLetter.model_validate(data)
    except ValidationError as e:
        return data, [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()[:20]]
    return data, []


class _RepeatedKey(Exception):
    pass


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once: Python's json keeps the last of two silently."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def _nesting(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


# the keys of a record that are gold keys, in the gold order (the 2013 extension only when the record has it)
GOLD_KEYS = tuple(GoldLetter.model_fields)
_EXTENSION = ("application_filed_date", "notice_of_assignment_date")
ITEM_KEYS = tuple(k for k in GoldItem.model_fields if k not in ("reason_topics", "reason_sentences", "note"))


def gold_from_record(record: dict[str, Any], note: str) -> dict[str, Any]:
    """A starting gold file: the record's gold keys, in the gold order (for a person to correct)."""
    out: dict[str, Any] = {}
    for key in GOLD_KEYS:
        if key == "notes":
            out[key] = note
        elif key == "reviewer":
            reviewer = record.get("reviewer") or {}
            out[key] = {k: reviewer.get(k) for k in GoldReviewer.model_fields}
        elif key == "disputed_items":
            out[key] = []
            for item in record.get("disputed_items") or []:
                entry = {k: item.get(k) for k in ITEM_KEYS if k != "item_heading_text" or item.get(k)}
                reason = item.get("reason") or {}
                if reason.get("topics"):
                    entry["reason_topics"] = reason["topics"][:2]
                if reason.get("sentences"):
                    entry["reason_sentences"] = reason["sentences"][:3]
                out[key].append(entry)
        elif key in _EXTENSION:
            if record.get(key) is not None:
                out[key] = record.get(key)
        else:
            out[key] = record.get(key)
    return out
