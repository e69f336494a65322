"""The flat table: one row per disputed item, with the letter's key fields (CSV, for spreadsheets
and pandas). Rebuilt from the JSON Lines output, so it always matches it, resumed runs included.
Cells that a spreadsheet would take for a formula start with an apostrophe (`neutralise`)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from imr_llm.outputs import atomic_write, csv_cell, file_sha256, read_regular

COLUMNS: tuple[tuple[str, str], ...] = (
    ("input_path", "the letter file"),
    ("case_number", "IMR case number (CM16-0235724), empty for letters without one"),
    ("template", "letter layout: final_2016, final_2014, notice_2013, maximus_imr, professional_review"),
    ("decision_date", "date of the IMR determination (ISO)"),
    ("date_of_injury", "ISO"),
    ("ur_determination_date", "date of the UR denial the IMR reviewed (ISO)"),
    ("application_received_date", "ISO"),
    ("date_assigned", "ISO"),
    ("reviewer_specialty", "reviewer's certifications / specialties, '; '-separated"),
    ("reviewer_states", "states of licensure, '; '-separated"),
    ("patient_age", "as stated"),
    ("patient_sex", "male / female"),
    ("diagnoses", "the diagnoses as the case summary words them, '; '-separated"),
    ("diagnosis_codes", "their ICD-10-CM codes in the same order, '; '-separated; '?' where no code is certain"),
    ("item_number", "1-based position of the item in the letter"),
    ("items_in_letter", "how many disputed items the letter has"),
    ("request", "the disputed request as the heading words it"),
    ("decision", "upheld (denial stands) / overturned (to be authorized); empty when it could not be read"),
    ("medically_necessary", "true exactly when overturned"),
    ("guidelines_cited", "short names from the MAXIMUS guideline line, '; '-separated"),
    ("reason_topic", "what the decision turned on (functional_improvement, conservative_care, clinical_findings, ...)"),
    (
        "kind",
        "kind of care (medication, imaging, electrodiagnostic, lab_test, therapy, injection, surgery, "
        "surgery_related, equipment, visit, home_care, other); empty when no rule is sure",
    ),
    ("kind_detail", "a finer code some kinds have (chiropractic, acupuncture, program, functional_test, medical_test)"),
    ("drug_ingredients", "medication: the ingredients' generic names, '; '-separated"),
    ("drug_class", "medication: the product's class (opioid, nsaid, muscle_relaxant, ..., multiple)"),
    ("drug_strength", "medication: the strength as printed, normalised (7.5 mg, 5%)"),
    ("drug_quantity", "medication: the amount asked for (#60, 240 g)"),
    ("drug_compounded", "medication: true for a compounded product"),
    ("drug_brand", "medication: the brand or product name the request uses"),
    ("body_site", "the body site code, 'multiple' when several; empty when not stated"),
    ("body_sites", "every body site code, '; '-separated"),
    ("body_site_source", "where the site was read: request, guideline (the chapter cited) or diagnoses"),
    ("partly_authorized", "true when UR had authorized part of the original request"),
    ("needs_review", "true when the parser warned (e.g. a decision it could not read), or LLM and parser disagree"),
    (
        "llm_error",
        "the model's failure kind (transport, invalid_output, truncated, refused, timeout): parser's record kept",
    ),
    ("warnings", "parser warnings, '; '-separated"),
)


def _row(record: dict[str, Any], i: int, item: dict[str, Any]) -> dict[str, Any]:
    reviewer = record.get("reviewer") or {}
    return {
        "input_path": (record.get("source") or {}).get("path"),
        "case_number": record.get("case_number"),
        "template": record.get("template"),
        "decision_date": record.get("decision_date"),
        "date_of_injury": record.get("date_of_injury"),
        "ur_determination_date": record.get("ur_determination_date"),
        "application_received_date": record.get("application_received_date"),
        "date_assigned": record.get("date_assigned"),
        "reviewer_specialty": "; ".join(reviewer.get("board_certifications") or []),
        "reviewer_states": "; ".join(reviewer.get("licensed_state") or []),
        "patient_age": record.get("patient_age"),
        "patient_sex": record.get("patient_sex"),
        "diagnoses": "; ".join(record.get("diagnoses") or []),
        "diagnosis_codes": "; ".join((c.get("code") or "?") for c in record.get("coded_diagnoses") or []),
        "item_number": i,
        "items_in_letter": len(record.get("disputed_items") or []),
        "request": item.get("request"),
        "decision": item.get("decision"),
        "medically_necessary": item.get("medically_necessary"),
        "guidelines_cited": "; ".join(item.get("guidelines_cited") or []),
        "reason_topic": (item.get("reason") or {}).get("topic"),
        **_care(item),
        "partly_authorized": item.get("item_heading_text") is not None,
        "needs_review": record.get("needs_review", False),
        "llm_error": (record.get("llm") or {}).get("error_kind"),
        "warnings": "; ".join(record.get("warnings") or []),
    }


def _care(item: dict[str, Any]) -> dict[str, Any]:
    """The item's kind, drug and body site columns (imr_llm.care)."""
    kind, drug, site = item.get("kind") or {}, item.get("drug") or {}, item.get("body_site") or {}
    return {
        "kind": kind.get("code"),
        "kind_detail": kind.get("detail"),
        "drug_ingredients": "; ".join(x.get("name", "") for x in drug.get("ingredients") or []) or None,
        "drug_class": drug.get("drug_class"),
        "drug_strength": drug.get("strength"),
        "drug_quantity": drug.get("quantity"),
        "drug_compounded": drug.get("compounded") if drug else None,
        "drug_brand": drug.get("brand"),
        "body_site": site.get("code"),
        "body_sites": "; ".join(site.get("sites") or []) or None,
        "body_site_source": site.get("source"),
    }


def neutralise(value: Any) -> Any:
    """A cell as the table writes it (`outputs.csv_cell`: no formula, no raw control character)."""
    return csv_cell(value)


def write_table(jsonl: Path, table: Path) -> tuple[int, int]:
    """Stream `jsonl` into `table` (CSV); error records have no items and give no rows, nor does a line
    edited by hand into something that is not a letter record (`"reviewer": "x"`). Returns (rows, records
    left out for that reason)."""
    from pydantic import ValidationError

    from imr_llm.schema import LetterRecord

    rows = left_out = 0
    with jsonl.open(encoding="utf-8") as src, atomic_write(table, newline="") as dst:  # never through a link
        writer = csv.DictWriter(dst, fieldnames=[c for c, _ in COLUMNS])
        writer.writeheader()
        for line in src:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if not isinstance(record, dict) or not isinstance(record.get("disputed_items"), list):
                continue
            try:
                LetterRecord.model_validate(record)  # the shape `_row` reads
            except ValidationError:
                left_out += 1
                continue
            for i, item in enumerate(record["disputed_items"], 1):
                if isinstance(item, dict):
                    writer.writerow({k: neutralise(v) for k, v in _row(record, i, item).items()})
                    rows += 1
    with atomic_write(written_mark(table)) as mark:
        json.dump({"table": table.name, "sha256": file_sha256(table)}, mark)
    return rows, left_out


def written_mark(table: Path) -> Path:
    """Beside the table, the hash of the table as the last run wrote it (`edited_table`)."""
    return table.with_name(f".{table.name}.imr-llm.json")


def unmarked_table(table: Path) -> bool:
    """Whether `table` is a table in this tool's shape with no mark beside it (`written_mark`): copied without it
    (`cp *.csv`), edited perhaps, or written by an older release; whether a person changed it cannot be told."""
    try:
        return table.is_file() and table.stat().st_size > 0 and not os.path.lexists(written_mark(table))
    except OSError:
        return False


def edited_table(table: Path) -> bool:
    """Whether `table` changed since a run wrote it (a cell a person edited, a column added): a rerun rebuilds the
    table from the records, so it would lose those edits without a word. A table with no mark beside it (an older
    release wrote none) or one whose mark is not ours is not known to be edited."""
    raw = read_regular(written_mark(table), 64 * 1024)
    try:
        known = json.loads(raw or b"{}").get("sha256")
    except (ValueError, AttributeError, RecursionError):
        return False
    try:
        # an empty file is the one a run's lock makes for a table not there yet: nothing of a person's in it
        return isinstance(known, str) and table.is_file() and table.stat().st_size > 0 and file_sha256(table) != known
    except OSError:
        return False


def foreign_table(table: Path) -> bool:
    """Whether an existing, non-empty `table` is not a table this tool wrote (its first line is not
    the header of `COLUMNS`): a run must never overwrite a letter or another program's CSV with one."""
    try:
        if not table.is_file() or table.stat().st_size == 0:
            return False
        with table.open(encoding="utf-8", errors="replace", newline="") as f:
            first = f.readline(64 * 1024)
    except OSError:
        return False
    return next(csv.reader([first]), []) != [c for c, _ in COLUMNS]
