"""What a reviewer checks, how a correction is read, and how far a letter is from trusted.

Why one module: the review page, the corrected record, the gold export and the queue order must
agree on which fields exist and what a valid value is. The fields are the gold format's key fields
(`imr_llm.fields`) plus the diagnoses and each item's reason; decision_text and medically_necessary
follow the decision. A correction never changes the stored record: the current record is the
parser's (or the merged) record with the latest audited value of each path applied on top.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal, get_args

from imr_llm.fields import HEADER_DATE_FIELDS, get_path, set_path
from imr_llm.schema import LetterRecord, ReasonTopic

Kind = Literal["text", "date", "int", "sex", "decision", "lines", "topics"]
TOPICS: tuple[str, ...] = get_args(ReasonTopic)
DECISIONS = ("upheld", "overturned")


@dataclass(frozen=True)
class FieldSpec:
    path: str
    label: str
    kind: Kind
    group: str
    nullable: bool = True  # "" means null (lines: an empty list when False)


def review_fields(record: dict[str, Any]) -> list[FieldSpec]:
    """The fields of one record a reviewer confirms or corrects, in reading order."""
    letter = "Letter"
    fields = [
        FieldSpec("case_number", "Case number", "text", letter),
        FieldSpec("decision_date", "Decision date", "date", letter),
        FieldSpec("date_of_injury", "Date of injury", "date", letter),
        FieldSpec("ur_determination_date", "UR denial date", "date", letter),
        FieldSpec("application_received_date", "Application received", "date", letter),
        FieldSpec("date_assigned", "Date assigned", "date", letter),
        FieldSpec("priority", "Priority", "text", letter),
        FieldSpec("patient_age", "Patient age", "int", letter),
        FieldSpec("patient_sex", "Patient sex", "sex", letter),
        FieldSpec("diagnoses", "Diagnoses (one a line)", "lines", letter),
        FieldSpec("reviewer.board_certifications", "Reviewer certifications (one a line)", "lines", letter, False),
        FieldSpec("reviewer.licensed_state", "Reviewer states (one a line)", "lines", letter, False),
        FieldSpec("reviewer.certification_text", "Certification text", "text", letter),
        FieldSpec("reviewer.licensure_text", "Licensure text", "text", letter),
    ]
    for n, _ in enumerate(record.get("disputed_items") or []):
        group = f"Item {n + 1}"
        p = f"disputed_items.{n}"
        fields += [
            FieldSpec(f"{p}.request", "Request", "text", group, False),
            FieldSpec(f"{p}.decision", "Decision", "decision", group),
            FieldSpec(f"{p}.guidelines_cited", "Guidelines cited (one a line)", "lines", group, False),
            FieldSpec(f"{p}.maximus_guideline_text", "MAXIMUS guideline text", "text", group),
            FieldSpec(f"{p}.claims_administrator_guideline_text", "Claims Administrator guideline text", "text", group),
            FieldSpec(f"{p}.rationale_first_sentence", "Rationale: first sentence", "text", group),
            FieldSpec(f"{p}.reason.topics", "Reason topics (1-2)", "topics", group, False),
            FieldSpec(f"{p}.reason.sentences", "Reason: the reviewer's sentences (one a line)", "lines", group, False),
        ]
    return fields


class BadValue(ValueError):
    """A correction that is not a valid value for its field (the message says what is expected)."""


def parse_value(spec: FieldSpec, raw: str) -> Any:
    """The typed value of a correction typed into the review form."""
    text = raw.replace("\r\n", "\n").strip()
    if spec.kind in ("lines", "topics"):
        values = [line.strip() for line in re.split(r"\n" if spec.kind == "lines" else r"[\n,]", text) if line.strip()]
        if spec.kind == "topics":
            unknown = [v for v in values if v not in TOPICS]
            if unknown:
                raise BadValue(f"unknown topic {', '.join(unknown)}; one of: {', '.join(TOPICS)}")
            if len(values) > 2:
                raise BadValue("at most two topics, most decisive first")
        return values if values or not spec.nullable else None
    if not text:
        if not spec.nullable:
            raise BadValue(f"{spec.label} cannot be empty")
        return None
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise BadValue("a date is written YYYY-MM-DD (e.g. 2016-12-30)") from None
    if spec.kind == "int":
        if not text.isdigit() or int(text) > 120:
            raise BadValue("an age is a whole number from 0 to 120")
        return int(text)
    if spec.kind == "sex":
        if text.lower() not in ("male", "female"):
            raise BadValue("male or female (empty: the letter does not say)")
        return text.lower()
    if spec.kind == "decision":
        if text.lower() not in DECISIONS:
            raise BadValue("upheld or overturned (empty: the letter does not say)")
        return text.lower()
    return " ".join(text.split())


def display(value: Any, spec: FieldSpec) -> str:
    """A value as the review form shows it (and takes it back)."""
    if value is None:
        return ""
    if spec.kind in ("lines", "topics"):
        return "\n".join(str(v) for v in value)
    return str(value)


def latest(audit: list[sqlite3.Row]) -> dict[str, tuple[str, Any, sqlite3.Row]]:
    """path -> (action, value, row) of the last confirm or correct of each path."""
    out: dict[str, tuple[str, Any, sqlite3.Row]] = {}
    for row in audit:
        if row["action"] in ("confirm", "correct"):
            out[row["path"]] = (row["action"], json.loads(row["new"]), row)
    return out


def corrected(record: dict[str, Any], audit: list[sqlite3.Row]) -> dict[str, Any]:
    """The record with every correction applied (validated as a LetterRecord)."""
    data = json.loads(json.dumps(record))
    for path, (action, value, _) in latest(audit).items():
        if action == "correct":
            apply(data, path, value)
    _against_the_rationale(data, record)
    _dates_out_of_order(data, record)
    return LetterRecord.model_validate(data).model_dump(mode="json")


def _dates_out_of_order(data: dict[str, Any], letter: dict[str, Any]) -> None:
    """A header date corrected by hand so that the dates break the order every IMR keeps (a decision date typed a
    year early, before the injury) is kept, and the worker's page is told to check it: the decision date starts the
    appeal clock."""
    from imr_llm.parser.header import out_of_order

    changed = [f for f in HEADER_DATE_FIELDS if data.get(f) != letter.get(f) and data.get(f)]
    if not changed:
        return
    dates: dict[str, object] = {}
    for field in HEADER_DATE_FIELDS:
        try:
            dates[field] = dt.date.fromisoformat(str(data[field])) if data.get(field) else None
        except ValueError:
            dates[field] = None
    broken = out_of_order(dates)
    for field in changed:
        if field in broken:
            data.setdefault("warnings", []).append(
                f"{field}: corrected by hand to {data[field]}, which breaks the order of the letter's dates (injury, "
                "UR denial, application, assignment, decision): check it against your letter"
            )
            data["needs_review"] = True


def _against_the_rationale(data: dict[str, Any], letter: dict[str, Any]) -> None:
    """A decision corrected by hand against what its rationale plainly concludes ("overturned" where the reviewer
    wrote "... is not medically necessary") is kept, but the worker's page is told to check it against the letter,
    and the reasons read for the letter's decision are not given as the reasons for the other one."""
    from imr_llm.parser.verdict import concluded_plainly

    read = letter.get("disputed_items") or []
    for i, item in enumerate(data.get("disputed_items") or []):
        before = read[i] if i < len(read) else {}
        decision = item.get("decision")
        if decision is None or decision == before.get("decision"):
            continue
        concludes = concluded_plainly(item.get("rationale") or "", item.get("request") or None)
        if concludes is None or concludes == (decision == "overturned"):
            continue
        said = "medically necessary" if concludes else "not medically necessary"
        data.setdefault("warnings", []).append(
            f"item {i + 1}: its decision was corrected by hand to {decision}, but its rationale concludes {said}: "
            "check this decision against your letter"
        )
        if item.get("reason") == before.get("reason"):  # the letter's reasons argue for the other decision
            item["reason"] = None
        data["needs_review"] = True


def apply(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    if parts[0] == "disputed_items" and len(parts) >= 3 and parts[2] == "reason":
        item = data["disputed_items"][int(parts[1])]
        reason = item.get("reason") or {"topic": None, "topics": [], "sentences": [], "confident": False}
        reason[parts[3]] = value
        if parts[3] == "topics":
            reason["topic"] = value[0] if value else None
        item["reason"] = reason
        return
    set_path(data, path, value)
    if parts[0] == "disputed_items" and parts[-1] == "decision":
        item = data["disputed_items"][int(parts[1])]
        item["medically_necessary"] = None if value is None else value == "overturned"
        printed = item.get("decision_text")
        if value is None:
            item["decision_text"] = None
        elif not printed or printed.strip().lower() not in DECISIONS or printed.strip().lower() != value:
            item["decision_text"] = value.capitalize()


def value_at(record: dict[str, Any], spec: FieldSpec) -> Any:
    return get_path(record, spec.path)


# -- how much a letter needs a person ----------------------------------------------------------

WEIGHTS = {
    "unread decision": 1000,
    "parser and model disagree": 400,
    "summary failed its checks": 200,
    "low-confidence OCR": 100,
    "parser warnings": 20,
    "needs review": 10,
}
LOW_OCR_CONFIDENCE = 75.0  # a page read with mean word confidence below this


def priority(record: dict[str, Any], summaries_failed: bool) -> tuple[int, list[str]]:
    """(score, reasons): unread decisions first, then parser/model disagreement, failed summary checks,
    low-confidence OCR, other warnings."""
    reasons: list[str] = []
    score = 0
    unread = sum(item.get("decision") is None for item in record.get("disputed_items") or [])
    if unread:
        reasons.append("unread decision")
        score += WEIGHTS["unread decision"] * unread
    cross = record.get("crosscheck") or {}
    if cross.get("needs_review") or any(f.get("status") == "disagree" for f in cross.get("fields") or []):
        reasons.append("parser and model disagree")
        score += WEIGHTS["parser and model disagree"]
    if summaries_failed:
        reasons.append("summary failed its checks")
        score += WEIGHTS["summary failed its checks"]
    ocr = (record.get("source") or {}).get("ocr")
    if ocr and (min(ocr.get("page_confidence") or [100.0]) < LOW_OCR_CONFIDENCE or ocr.get("unconfirmed")):
        reasons.append("low-confidence OCR")
        score += WEIGHTS["low-confidence OCR"]
    if record.get("warnings"):
        reasons.append("parser warnings")
        score += WEIGHTS["parser warnings"] + len(record["warnings"])
    if record.get("needs_review") and not reasons:
        reasons.append("needs review")
        score += WEIGHTS["needs review"]
    return score, reasons
