"""The synthetic letters in samples/ (all five layouts, several renderings) parse to their gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm.errors import NotAnImrLetter
from imr_llm.evals.scoring import Scorecard
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.parser.evidence import evidence_problems
from imr_llm.schema import Template
from tests.conftest import SAMPLES, load_gold, sample_names
from tests.pdfs import make_pdf

TEMPLATES = {
    "synth-2013-notice": Template.NOTICE_2013,
    "synth-2014": Template.FINAL_2014,
    "synth-2016-basic": Template.FINAL_2016,
    "synth-2016-columns": Template.FINAL_2016,
    "synth-2016-layout": Template.FINAL_2016,
    "synth-2016-partial": Template.FINAL_2016,
    "synth-maximus-imr": Template.MAXIMUS_IMR,
    "synth-professional-review": Template.PROFESSIONAL_REVIEW,
}


def score(name: str, text: str) -> Scorecard:
    card = Scorecard()
    record = parse_text(text)
    card.add(name, load_gold(SAMPLES / f"{name}.gold.json"), json.loads(record.model_dump_json()))
    return card


def test_every_sample_has_a_known_template() -> None:
    assert sorted(TEMPLATES) == sample_names()


@pytest.mark.parametrize("name", sample_names())
def test_sample_matches_gold(name: str) -> None:
    text = (SAMPLES / f"{name}.txt").read_text()
    record = parse_text(text)
    assert record.template == TEMPLATES[name]
    card = score(name, text)
    assert [f"{e.path}: {e.predicted!r} != {e.gold!r}" for e in card.errors()] == []
    gold = load_gold(SAMPLES / f"{name}.gold.json")
    assert record.diagnoses == gold["diagnoses"]
    assert record.warnings == []
    assert evidence_problems(record, text) == []


def blank_lines(text: str) -> str:
    return "".join(line + "  \n\n" for line in text.split("\n"))


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def page_footers(text: str) -> str:
    pages = text.split("\f")
    return "\f".join(f"{p}\n      Page {i} of {len(pages)}\n" for i, p in enumerate(pages, 1))


@pytest.mark.parametrize("render", [blank_lines, crlf, page_footers], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", sample_names())
def test_noisy_renderings_parse_the_same(name: str, render: object) -> None:
    text = render((SAMPLES / f"{name}.txt").read_text())  # type: ignore[operator]
    card = score(name, text)
    assert card.errors() == []
    assert evidence_problems(parse_text(text), text) == []


@pytest.mark.parametrize("name", sample_names())
def test_encrypted_pdf_rendering_parses_the_same(name: str, tmp_path: Path) -> None:
    pdf = make_pdf((SAMPLES / f"{name}.txt").read_text(), tmp_path / f"{name}.pdf")
    loaded = load_file(pdf)
    assert loaded.source.kind == "pdf"
    card = score(name, loaded.text)
    assert card.errors() == []


@pytest.mark.parametrize(
    "text",
    [
        "Dear customer, thank you for your order of 12/01/2016. Your parcel ships tomorrow.",
        "UTILIZATION REVIEW DETERMINATION\nThe request for physical therapy is non-certified.\n",
        "<html><body><h1>IMR decision search</h1></body></html>",
    ],
)
def test_other_texts_are_not_imr_letters(text: str) -> None:
    with pytest.raises(NotAnImrLetter):
        parse_text(text)


def test_letter_cut_off_mid_item_keeps_what_it_has_and_warns() -> None:
    text = (SAMPLES / "synth-2016-partial.txt").read_text()
    cut = text[: text.index("Associated surgical service") + 80]  # mid-heading of item 3
    record = parse_text(cut)
    # the cut item's heading word is kept as written, but no rationale reads it a second time: no decision stated
    assert [i.decision for i in record.disputed_items] == ["upheld", "upheld", None]
    assert record.disputed_items[2].decision_text == "Overturned"
    assert record.disputed_items[2].rationale is None
    assert any("no decision rationale" in w and "decision is left empty" in w for w in record.warnings)


def test_heading_decision_and_rationale_disagree_is_flagged() -> None:
    text = (
        (SAMPLES / "synth-2016-basic.txt")
        .read_text()
        .replace("without contrast is medically necessary.", "without contrast is not medically necessary.")
    )
    record = parse_text(text)
    # two readings that disagree: neither is the decision (the heading's word is kept as written)
    assert record.disputed_items[1].decision is None and record.disputed_items[1].decision_text == "Overturned"
    assert any("item 2: heading says Overturned" in w for w in record.warnings)


def test_an_unenriched_parse_finds_the_same_items_without_reasons_or_codes() -> None:
    """`enrich=False` (the batch request budget) must count exactly the items a full parse finds."""
    for name in sample_names():
        text = (SAMPLES / f"{name}.txt").read_text()
        full, light = parse_text(text), parse_text(text, enrich=False)
        assert [i.request for i in light.disputed_items] == [i.request for i in full.disputed_items], name
        assert all(i.reason is None for i in light.disputed_items)
        assert any(i.reason is not None for i in full.disputed_items), name
        assert light.coded_diagnoses is None and (full.coded_diagnoses is not None or not full.diagnoses), name
