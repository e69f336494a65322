"""Reviewed letters out as gold files, in the format of the shared letters' README, so
`imr-llm eval WORKSPACE/gold/reviewed.toml` scores any backend against what people checked.

Why these files: `imr_llm.evals.gold.load_gold_dir` reads NAME.gold.json beside NAME.txt (and NAME.pdf
or a scan); the suite file beside them names the folder. NAME.txt is the text the letter was read as
(for a scan, its OCR text), which every evidence span and gold string refers to. The original upload
is copied beside it under the name the suites expect: NAME.pdf for a PDF with text, NAME.scan.pdf for
a scanned PDF, NAME.tif / .png / .jpg / .webp for an image, NAME.pages/ for photos of one letter.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imr_llm.web.review import latest
from imr_llm.web.workspace import EXPORT_MANIFEST, GOLD_SUITE, Workspace

SUITE_NAME = GOLD_SUITE
SUITE = """name = "reviewed"
description = "Letters reviewed in imr-llm serve (gold exported from the workspace)."
gold = "."
# "txt": the text each letter was read as; "pdf": PDFs with a text layer. Add "image", "scanned-pdf"
# and "pages" to read the reviewed scans, faxes and photos by OCR again (a few seconds a page).
inputs = ["txt", "pdf"]
backend = "{backend}"
scorers = ["fields", "items", "diagnoses", "guidelines", "grounding", "summary", "reasons"]
"""
HEADER: tuple[str, ...] = ("case_number", "date_of_injury", "ur_determination_date", "application_received_date")
HEADER += ("decision_date", "date_assigned", "priority")
REVIEWER = ("board_certifications", "subspecialties", "licensed_state", "certification_text", "licensure_text")
ITEM: tuple[str, ...] = ("request", "decision", "decision_text", "medically_necessary", "guidelines_cited")
ITEM += ("maximus_guideline_text",)
ITEM += ("claims_administrator_guideline_text", "rationale_first_sentence")


def gold_of(record: dict[str, Any], notes: str) -> dict[str, Any]:
    """The gold file of a (corrected) record: the gold keys, in gold order, and nothing else."""
    reviewer = record.get("reviewer") or {}
    items = []
    for item in record.get("disputed_items") or []:
        g = {k: item.get(k) for k in ITEM}
        g["guidelines_cited"] = g["guidelines_cited"] or []
        if item.get("item_heading_text"):
            g["item_heading_text"] = item["item_heading_text"]
        reason = item.get("reason") or {}
        if reason.get("topics"):
            g["reason_topics"] = list(reason["topics"])[:2]
            g["reason_sentences"] = list(reason.get("sentences") or [])[:3]
        items.append(g)
    gold: dict[str, Any] = {k: record.get(k) for k in HEADER}
    gold["reviewer"] = {k: reviewer.get(k) for k in REVIEWER}
    gold["reviewer"]["board_certifications"] = gold["reviewer"]["board_certifications"] or []
    gold["reviewer"]["licensed_state"] = gold["reviewer"]["licensed_state"] or []
    gold["diagnoses"] = record.get("diagnoses")
    gold["disputed_items"] = items
    gold["patient_age"] = record.get("patient_age")
    gold["patient_sex"] = record.get("patient_sex")
    gold["notes"] = notes
    return gold


def notes_of(row: sqlite3.Row, audit: list[sqlite3.Row]) -> str:
    changed = sorted(p for p, (action, _, _) in latest(audit).items() if action == "correct")
    fixed = f"corrected: {', '.join(changed)}" if changed else "no field corrected"
    return (
        f"Reviewed in imr-llm serve by {row['reviewed_by']} at {row['reviewed_at']} (workspace letter {row['id']}); "
        f"{fixed}. Extracted by the tool, then confirmed or corrected field by field by a person."
    )


def name_of(row: sqlite3.Row, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "-", row["case_number"] or "") or f"letter-{row['id']}"
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}-{row['id']}" if n == 1 else f"{base}-{row['id']}-{n}"
    return name


@dataclass(frozen=True)
class Exported:
    folder: Path
    names: list[str]
    suite: Path


def repeats(rows: list[sqlite3.Row]) -> dict[int, list[int]]:
    """Reviewed letters that are one file uploaded again (the same bytes): the id the export keeps (the latest
    review; `rows` come in review order) -> the ids it leaves out. One letter uploaded three times is one gold
    letter, never three that the eval would count as three agreeing letters."""
    by_file: dict[str, list[int]] = {}
    for row in rows:
        by_file.setdefault(row["sha256"] or f"letter-{row['id']}", []).append(int(row["id"]))
    return {ids[-1]: ids[:-1] for ids in by_file.values() if len(ids) > 1}


def distinct(letters: list[tuple[sqlite3.Row, dict[str, Any]]]) -> list[tuple[sqlite3.Row, dict[str, Any]]]:
    """`letters` with each repeated upload left out (`repeats`), in review order."""
    left_out = {i for ids in repeats([row for row, _ in letters]).values() for i in ids}
    return [(row, record) for row, record in letters if int(row["id"]) not in left_out]


def export(workspace: Workspace, letters: list[tuple[sqlite3.Row, dict[str, Any]]], backend: str) -> Exported:
    """Write one NAME.gold.json + NAME.txt (+ the original) per reviewed letter and the suite file. The
    folder is rebuilt each time, so it holds exactly the reviewed letters, each file once (`distinct`)."""
    folder = workspace.gold
    workspace.clear_gold()
    workspace.private_dir(folder)
    # a name a file already there has (one a person put there) is never written over
    taken: set[str] = {p.name.split(".")[0] for p in folder.iterdir()}
    kept = set(taken)
    for row, record in distinct(letters):
        name = name_of(row, taken)
        taken.add(name)
        gold = gold_of(record, notes_of(row, workspace.db.audit(int(row["id"]))))
        workspace.write_private(folder / f"{name}.gold.json", json.dumps(gold, indent=2, ensure_ascii=False) + "\n")
        workspace.write_private(folder / f"{name}.txt", row["text"] or "")
        _original(workspace, row, record, folder, name)
    suite = folder / SUITE_NAME
    workspace.write_private(suite, SUITE.format(backend=backend))
    names = taken - kept
    ours = sorted(p.name for p in folder.iterdir() if any(p.name.startswith(f"{n}.") for n in names))
    written = [*ours, SUITE_NAME]
    workspace.write_private(folder / EXPORT_MANIFEST, json.dumps({"files": written}))
    return Exported(folder, sorted(names), suite)


def _original(workspace: Workspace, row: sqlite3.Row, record: dict[str, Any], folder: Path, name: str) -> None:
    files = workspace.uploads(int(row["id"]))
    if not files or row["kind"] in ("text", "pasted"):
        return
    if row["kind"] == "pages":
        pages = workspace.private_dir(folder / f"{name}.pages")
        for path in files:
            workspace.write_private(pages / path.name, path.read_bytes())
        return
    source = record.get("source") or {}
    text_layer = source.get("kind") == "pdf"
    suffix = files[0].suffix if row["kind"] != "pdf" else ".pdf" if text_layer else ".scan.pdf"
    workspace.write_private(folder / f"{name}{suffix}", files[0].read_bytes())
