"""Records -> two flat tables an analyst loads directly: letters and items, joined by `letter_id`.

Everything here is read from the records as the parser (or a model) wrote them; the derived columns are the
ICD-10-CM chapter of each diagnosis code, the reviewer's specialties normalised (printed beside them) and the
decision month.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ICD-10-CM chapters by their code ranges (the CMS tabular list; unchanged since FY2016 except U00-U85, 2020)
ICD10CM_CHAPTERS: tuple[tuple[str, str, str, str], ...] = (
    ("01", "A00", "B99", "Certain infectious and parasitic diseases"),
    ("02", "C00", "D49", "Neoplasms"),
    ("03", "D50", "D89", "Diseases of the blood and immune mechanism"),
    ("04", "E00", "E89", "Endocrine, nutritional and metabolic diseases"),
    ("05", "F01", "F99", "Mental, behavioral and neurodevelopmental disorders"),
    ("06", "G00", "G99", "Diseases of the nervous system"),
    ("07", "H00", "H59", "Diseases of the eye and adnexa"),
    ("08", "H60", "H95", "Diseases of the ear and mastoid process"),
    ("09", "I00", "I99", "Diseases of the circulatory system"),
    ("10", "J00", "J99", "Diseases of the respiratory system"),
    ("11", "K00", "K95", "Diseases of the digestive system"),
    ("12", "L00", "L99", "Diseases of the skin and subcutaneous tissue"),
    ("13", "M00", "M99", "Diseases of the musculoskeletal system and connective tissue"),
    ("14", "N00", "N99", "Diseases of the genitourinary system"),
    ("15", "O00", "O9A", "Pregnancy, childbirth and the puerperium"),
    ("16", "P00", "P96", "Certain conditions originating in the perinatal period"),
    ("17", "Q00", "Q99", "Congenital malformations and chromosomal abnormalities"),
    ("18", "R00", "R99", "Symptoms, signs and abnormal findings, not elsewhere classified"),
    ("19", "S00", "T88", "Injury, poisoning and certain other consequences of external causes"),
    ("20", "V00", "Y99", "External causes of morbidity"),
    ("21", "Z00", "Z99", "Factors influencing health status and contact with health services"),
    ("22", "U00", "U85", "Codes for special purposes"),
)


def icd10cm_chapter(code: str | None) -> str | None:
    """ "13 Musculoskeletal ..." for M54.5; None for no code."""
    if not code:
        return None
    head = code.replace(".", "").upper()[:3]
    for number, lo, hi, title in ICD10CM_CHAPTERS:
        if lo <= head <= hi:
            return f"{number} {title}"
    return None


# reviewer certifications as printed -> one name per specialty (ABMS board names where there is one)
_SPECIALTIES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), name)
    for p, name in (
        (r"^(?:public health (?:&|and) )?general preventive medicine$|^preventive medicine$", "Preventive Medicine"),
        (r"^occupational medicine$", "Occupational Medicine"),
        (r"^family (?:practice|medicine)$", "Family Medicine"),
        (
            r"^physical medicine\s*(?:&|and)?\s*rehab(?:ilitation)?$|^PM\s*&\s*R$",
            "Physical Medicine and Rehabilitation",
        ),
        (r"^pain (?:management|medicine)$", "Pain Medicine"),
        (r"^orthop(?:a)?edic(?:s| surgery)?$", "Orthopaedic Surgery"),
        (r"^hospice (?:&|and) palliative medicine$", "Hospice and Palliative Medicine"),
        (r"^internal medicine$", "Internal Medicine"),
        (r"^sports medicine$", "Sports Medicine"),
        (r"^anesthesiology$|^anesthesia$", "Anesthesiology"),
        (r"^medical toxicology$", "Medical Toxicology"),
        (r"^emergency medicine$", "Emergency Medicine"),
        (r"^neurology$", "Neurology"),
        (r"^neuromuscular medicine$", "Neuromuscular Medicine"),
        (r"^neurological surgery$|^neurosurgery$", "Neurological Surgery"),
        (r"^psychiatry$", "Psychiatry"),
        (r"^psychology$|^clinical psychology$", "Psychology"),
        (r"^chiropract(?:ic|or)(?: medicine)?$", "Chiropractic"),
        (r"^acupuncture$", "Acupuncture"),
        (r"^rheumatology$", "Rheumatology"),
        (r"^plastic surgery$", "Plastic Surgery"),
        (r"^hand surgery$", "Surgery of the Hand"),
        (r"^general surgery$|^surgery$", "Surgery"),
        (r"^podiatr(?:y|ic(?: medicine| surgery)?)$", "Podiatry"),
        (r"^dentistry$|^dental$", "Dentistry"),
    )
)


def normalise_specialty(printed: str) -> str:
    """One name per specialty ("Family Practice" -> "Family Medicine"); an unknown one is kept as printed
    (spaces tidied), never mapped by guesswork."""
    text = " ".join(printed.split()).strip(" ,;.")
    for pattern, name in _SPECIALTIES:
        if pattern.match(text):
            return name
    return text


LETTER_COLUMNS: dict[str, str] = {
    "letter_id": "key: the SHA-256 of the letter file (or of its record line when the file is not known)",
    "input_path": "the letter file",
    "case_number": "IMR case number",
    "template": "letter layout",
    "decision_date": "date of the IMR determination",
    "decision_month": "its month (YYYY-MM)",
    "date_of_injury": "date of injury",
    "ur_determination_date": "date of the UR decision the IMR reviewed",
    "reviewer_specialties_printed": "the reviewer's certifications / specialties as printed",
    "reviewer_specialties": "the same, one normalised name each (Family Practice -> Family Medicine)",
    "reviewer_states": "states of licensure",
    "patient_age": "age as stated",
    "patient_sex": "male / female",
    "diagnoses": "the diagnoses as the case summary words them",
    "diagnosis_codes": "their ICD-10-CM codes where one is certain",
    "icd10cm_chapters": "the ICD-10-CM chapters of those codes",
    "items_in_letter": "disputed items in the letter",
    "needs_review": "the record should be checked by a person",
}
ITEM_COLUMNS: dict[str, str] = {
    "letter_id": "key: the letter (letters table)",
    "item_number": "1-based position in the letter",
    "request": "the request as the heading words it",
    "decision": "upheld (denial stands) / overturned (to be authorized); null when it could not be read",
    "upheld": "true when upheld, false when overturned, null when unread",
    "kind": "kind of care (the care classifier's stable code)",
    "kind_detail": "finer code of some kinds",
    "drug_ingredients": "medication: generic names of the ingredients",
    "drug_class": "medication: the product's class",
    "drug_strength": "medication: strength as printed, normalised",
    "drug_quantity": "medication: amount asked for",
    "drug_compounded": "medication: a compounded product",
    "drug_brand": "medication: the brand or product name used",
    "body_site": "body site code ('multiple' when several)",
    "body_sites": "every body site code",
    "body_site_source": "request, guideline (chapter cited) or diagnoses",
    "guidelines_cited": "short names of what the MAXIMUS guideline line cites",
    "reason_topic": "what the decision turned on (parser's topic)",
    "partly_authorized": "UR had authorized part of the original request",
}


@dataclass
class Tables:
    letters: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # lines that were not records (errors, bad JSON)
    repeated: int = 0  # records of a letter already counted (the same file, or the same case number)


def _letter_id(record: dict[str, Any], line: str) -> str:
    sha = (record.get("source") or {}).get("sha256")
    if isinstance(sha, str) and sha:
        return sha
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _same_letter(record: dict[str, Any], letter_id: str) -> str:
    """What makes two records one letter: its IMR case number when one was read (the same letter as a PDF and
    as text, or downloaded twice, has different files but one case), else the file."""
    case = record.get("case_number")
    return f"case:{' '.join(case.split()).upper()}" if isinstance(case, str) and case.strip() else letter_id


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def read_records(path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """Each line's record as a dict, or {} (skipped and counted) for a line that is not a valid letter
    record: not JSON, an error record, or one edited by hand into another shape (`"reviewer": "x"`)."""
    from pydantic import ValidationError

    from imr_llm.schema import LetterRecord

    with path.open(encoding="utf-8", errors="replace") as f:  # a line that is not UTF-8 is no record: skipped
        for line in f:
            try:
                record = json.loads(line)
                if isinstance(record, dict) and record.get("disputed_items"):
                    LetterRecord.model_validate(record)  # the shape every table below relies on
            except (ValueError, RecursionError, ValidationError):
                yield {}, line
                continue
            yield (record if isinstance(record, dict) else {}), line


def tables(records: Iterable[tuple[dict[str, Any], str]]) -> Tables:
    """Flatten records into the letters and items tables (error records and non-records are skipped)."""
    out = Tables()
    seen: set[str] = set()
    for record, line in records:
        items = record.get("disputed_items")
        if not isinstance(items, list) or not items:
            out.skipped += 1
            continue
        letter_id = _letter_id(record, line)
        same = _same_letter(record, letter_id)
        if letter_id in seen or same in seen:  # one letter counted once: its copies are not more evidence
            out.repeated += 1
            continue
        seen.update((letter_id, same))
        reviewer = record.get("reviewer") or {}
        printed = _list(reviewer.get("board_certifications"))
        coded = record.get("coded_diagnoses") or []
        codes = [c.get("code") for c in coded if isinstance(c, dict) and c.get("code")]
        decided = record.get("decision_date")
        out.letters.append(
            {
                "letter_id": letter_id,
                "input_path": (record.get("source") or {}).get("path"),
                "case_number": record.get("case_number"),
                "template": record.get("template"),
                "decision_date": decided,
                "decision_month": decided[:7] if isinstance(decided, str) and len(decided) >= 7 else None,
                "date_of_injury": record.get("date_of_injury"),
                "ur_determination_date": record.get("ur_determination_date"),
                "reviewer_specialties_printed": printed,
                "reviewer_specialties": list(dict.fromkeys(normalise_specialty(p) for p in printed)),
                "reviewer_states": _list(reviewer.get("licensed_state")),
                "patient_age": record.get("patient_age"),
                "patient_sex": record.get("patient_sex"),
                "diagnoses": _list(record.get("diagnoses")),
                "diagnosis_codes": codes,
                "icd10cm_chapters": list(dict.fromkeys(c for c in map(icd10cm_chapter, codes) if c)),
                "items_in_letter": len(items),
                "needs_review": bool(record.get("needs_review")),
            }
        )
        for n, item in enumerate(items, 1):
            if isinstance(item, dict):
                out.items.append(_item_row(letter_id, n, item))
    return out


def _item_row(letter_id: str, n: int, item: dict[str, Any]) -> dict[str, Any]:
    kind, drug, site = item.get("kind") or {}, item.get("drug") or {}, item.get("body_site") or {}
    decision = item.get("decision")
    return {
        "letter_id": letter_id,
        "item_number": n,
        "request": item.get("request"),
        "decision": decision if decision in ("upheld", "overturned") else None,
        "upheld": None if decision not in ("upheld", "overturned") else decision == "upheld",
        "kind": kind.get("code"),
        "kind_detail": kind.get("detail"),
        "drug_ingredients": [x.get("name") for x in drug.get("ingredients") or [] if x.get("name")],
        "drug_class": drug.get("drug_class"),
        "drug_strength": drug.get("strength"),
        "drug_quantity": drug.get("quantity"),
        "drug_compounded": bool(drug.get("compounded")) if drug else None,
        "drug_brand": drug.get("brand"),
        "body_site": site.get("code"),
        "body_sites": _list(site.get("sites")),
        "body_site_source": site.get("source"),
        # [] is "no medical evidence cited"; None a line missing, or citing nothing the parser reads
        "guidelines_cited": _list(cited) if isinstance(cited := item.get("guidelines_cited"), list) else None,
        "reason_topic": (item.get("reason") or {}).get("topic"),
        "partly_authorized": item.get("item_heading_text") is not None,
    }
