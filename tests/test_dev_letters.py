"""The real letters in ../shared/letters: accuracy gates, robustness, evidence spans, renderings.

These skip (with the reason) when ../shared is absent; CI has it.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from imr_llm.evals.gold import GoldLetter, load_gold_dir
from imr_llm.evals.scoring import Scorecard
from imr_llm.fields import KEY_FIELDS
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.parser.evidence import evidence_problems
from imr_llm.schema import LetterRecord
from imr_llm.textnorm import flatten
from tests.conftest import DEV, UNLABELED, needs_pdftotext, needs_shared

pytestmark = [needs_shared, pytest.mark.shared]

KEY_FIELD_TARGET = 0.98


@cache
def dev_letters() -> list[GoldLetter]:
    return load_gold_dir(DEV)


@cache
def parsed(path: Path) -> tuple[LetterRecord, str]:
    loaded = load_file(path)
    return parse_text(loaded.text, loaded.source), loaded.text


@pytest.mark.parametrize("kind", ["txt", "pdf"])
def test_dev_key_field_accuracy_and_decisions(kind: str) -> None:
    card = Scorecard()
    letters = [letter for letter in dev_letters() if letter.kinds((kind,))]
    assert len(letters) >= (40 if kind == "pdf" else 41)
    for letter in letters:
        record, _ = parsed(letter.input(kind))
        card.add(letter.name, letter.gold, json.loads(record.model_dump_json()))
    errors = [f"{e.letter} {e.path}: {e.predicted!r} != {e.gold!r}" for e in card.errors()]
    assert card.key_field_accuracy >= KEY_FIELD_TARGET, errors
    assert card.decision_accuracy == 1.0, errors
    assert card.item_prf() == (1.0, 1.0, 1.0)
    assert {r.field for r in card.results} == set(KEY_FIELDS)


def test_dev_evidence_spans_hold_their_values() -> None:
    checked = 0
    for letter in dev_letters():
        for path in (letter.input(kind) for kind in letter.kinds()):
            record, text = parsed(path)
            assert evidence_problems(record, text) == [], path.name
            checked += len(record.evidence)
    assert checked > 2000


def test_every_unlabeled_pdf_parses_with_one_item_per_rationale() -> None:
    pdfs = sorted(UNLABELED.glob("*.pdf"))
    assert len(pdfs) >= 100
    for pdf in pdfs:
        record, text = parsed(pdf)
        blocks = len(re.findall(r"Decision rationale:", flatten(text).flat))
        assert len(record.disputed_items) == blocks, pdf.name
        assert evidence_problems(record, text) == [], pdf.name


def test_no_whole_real_letter_is_said_to_miss_a_page_of_requests() -> None:
    """The false alarm's side of the lost-last-page warning (tests/test_hardening_round8.py has the catch): the
    drugs a whole letter's case summary says were denied are all decided in its items."""
    pdfs = sorted(UNLABELED.glob("*.pdf")) + sorted(DEV.glob("*.pdf"))
    assert len(pdfs) >= 140
    alarms = [
        (pdf.name, w)
        for pdf in pdfs
        for w in parsed(pdf)[0].warnings
        if "a page with more requests may be missing" in w or "the file holds" in w
    ]
    assert alarms == []


def comparable(record: LetterRecord) -> dict[str, object]:
    """The record without what legitimately differs between renderings."""
    data = json.loads(
        record.model_dump_json(
            exclude={
                "evidence": True,
                "source": True,
                "coded_diagnoses": {"__all__": {"evidence"}},
                "disputed_items": {
                    "__all__": {
                        "kind": {"evidence"},
                        "body_site": {"evidence"},
                        "drug": {"ingredients": {"__all__": {"evidence"}}},
                    }
                },
            }
        )
    )
    return json.loads(re.sub(r"\s+", " ", json.dumps(data)))  # type: ignore[no-any-return]


@needs_pdftotext
def test_raw_layout_and_pdfium_renderings_give_the_same_record(tmp_path: Path) -> None:
    for letter in dev_letters():
        if letter.pdf is None or letter.txt is None:
            continue
        layout = tmp_path / f"{letter.name}.layout.txt"
        subprocess.run(["pdftotext", "-layout", str(letter.pdf), str(layout)], check=True)
        raw_record = comparable(parsed(letter.txt)[0])
        assert comparable(parsed(letter.pdf)[0]) == raw_record, f"{letter.name}: pdfium vs -raw"
        assert comparable(parse_text(layout.read_text())) == raw_record, f"{letter.name}: -layout vs -raw"
