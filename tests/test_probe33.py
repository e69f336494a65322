"""The thirty-third hostile probe (about 3,400 damaged variants): a typed request that swallowed the words before it.

In a text letter, or a PDF's text layer, the words before an item's heading were read into its request whenever
they did not end a sentence: the end of a rationale whose last line was lost ("Therefore, the request for physical
therapy ... is not MRI of the right shoulder without contrast", shown as approved), a reference or a web address
closing the rationale, a fax line at the top of a page, the words of a partly approved heading whose first line was
lost, the label of a decision printed on its own line ("CT scan of head Decision"). The same damage on a scan was
already said. Each case is tested with the damaged letter (its request read from its own line, and said) and with
whole letters (nothing said).
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from tests.conftest import DEV, SAMPLES, needs_shared

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
OLDER = (SAMPLES / "synth-2014.txt").read_text(encoding="utf-8")
MRI = "MRI of the right shoulder without contrast"
SAID = ("were read into its request", "begins in lower case", "partly approved heading", "could not be read")


def _said(record: LetterRecord) -> list[str]:
    return [w for w in record.warnings if any(s in w for s in SAID)]


def test_a_lost_closing_line_is_not_read_into_the_next_request() -> None:
    damaged = BASIC.replace("(12 sessions) is not\nmedically necessary.\nMRI", "(12 sessions) is not\nMRI", 1)
    record = parse_text(damaged)
    # wrong before: "Therefore, the request for physical therapy ... (12 sessions) is not MRI of the right shoulder"
    assert [i.request for i in record.disputed_items][1] == MRI
    assert record.disputed_items[1].decision == "overturned"  # the heading's own word, as printed
    assert _said(record) and record.needs_review


def test_the_older_layouts_lost_closing_line_too() -> None:
    damaged = OLDER.replace("unit purchase is \n\nnot medically necessary. \n", "unit purchase is \n", 1)
    assert damaged != OLDER
    record = parse_text(damaged)
    assert [i.request for i in record.disputed_items][1] == "Tramadol ER 150mg #30"
    assert _said(record) and record.needs_review


@pytest.mark.parametrize(
    "closing",
    [
        "medically necessary.\nReference: ODG Low Back, Physical therapy\n",
        "medically necessary.\nReferences:\n1. ODG Low Back, Physical therapy\n",
        "medically necessary. See https://www.dir.ca.gov/dwc/MTUS/MTUS-Guidelines\n",
        '"medically necessary"\n',
        "medically necessary [MTUS]\n",
        "medically necessary.\nFROM: Law Offices of A & B (555) 555-0100\n",
        "medically necessary.\nJan 03 2017 09:12AM OFFICE FAX p.3\n",
    ],
)
def test_a_line_that_is_no_request_before_a_heading_is_left_out_and_said(closing: str) -> None:
    record = parse_text(BASIC.replace("medically necessary.\nMRI", closing + "MRI", 1))
    assert [i.request for i in record.disputed_items][1] == MRI
    assert _said(record)


def test_a_request_that_lost_its_first_line_says_so() -> None:
    damaged = BASIC.replace("MRI of the right shoulder without contrast: Overturned", "without contrast: Overturned")
    record = parse_text(damaged.replace("without contrast: Overturned", "shoulder\nwithout contrast: Overturned"))
    assert any("begins in lower case" in w for w in record.warnings), record.warnings


def test_the_words_of_a_partly_approved_heading_are_cut_from_the_request() -> None:
    record = parse_text(
        BASIC.replace(
            "MRI of the right shoulder without contrast: Overturned",
            "MRI of both shoulders was original request, MRI of the right shoulder without contrast: Overturned",
        )
    )
    assert [i.request for i in record.disputed_items][1] == MRI
    assert any("partly approved heading" in w for w in record.warnings), record.warnings


def test_a_decision_on_its_own_line_leaves_its_label_out_of_the_request() -> None:
    styled = BASIC.replace(f"{MRI}: Overturned", f"{MRI}\nDecision: Overturned")
    record = parse_text(styled)
    assert [i.request for i in record.disputed_items][1] == MRI  # wrong before: "... without contrast Decision"
    # a request whose own words end so keeps them
    fitness = "Functional capacity evaluation for a fitness determination"
    kept = parse_text(BASIC.replace(f"{MRI}: Overturned", f"{fitness}: Overturned"))
    assert [i.request for i in kept.disputed_items][1] == fitness
    lost = parse_text(styled.replace(f"{MRI}\nDecision", "Decision"))
    assert lost.disputed_items[1].request == ""  # wrong before: a request named "Decision", approved
    assert _said(lost) and lost.needs_review


def test_whole_letters_and_a_request_wrapped_on_two_lines_say_nothing() -> None:
    for path in sorted(SAMPLES.glob("*.txt")):
        assert not _said(parse_text(path.read_text(encoding="utf-8"))), path.name
    wrapped = parse_text(BASIC.replace(f"{MRI}: Overturned", "MRI of the right shoulder\nwithout contrast: Overturned"))
    assert [i.request for i in wrapped.disputed_items][1] == MRI
    assert not _said(wrapped)


@needs_shared
def test_no_real_letter_is_told_its_request_holds_other_words() -> None:
    for path in sorted(DEV.glob("*.txt")):
        assert not _said(parse_text(path.read_text(encoding="utf-8"))), path.name


def test_a_second_decision_date_after_spaces_is_said_but_a_header_in_columns_is_not() -> None:
    spaced = BASIC.replace("Decision Date: 12/30/2016", "Decision Date: 12/30/2016 12/31/2016", 1)
    record = parse_text(spaced)
    # wrong before: the first date taken, nothing said (a comma, "and" or "(revised ...)" between them was said)
    assert any(w.startswith("decision_date: the letter gives more than one date") for w in record.warnings)
    for path in sorted(SAMPLES.glob("*.txt")):  # synth-2016-columns prints two labels' values on one line
        record = parse_text(path.read_text(encoding="utf-8"))
        assert not any("more than one date" in w for w in record.warnings), path.name


def _corrected_date(value: str) -> dict[str, object]:
    import json

    from imr_llm.web.review import corrected

    record = parse_text(BASIC).model_dump(mode="json")
    audit = [{"action": "correct", "path": "decision_date", "new": json.dumps(value)}]
    return corrected(record, audit)  # type: ignore[arg-type]


def test_a_decision_date_corrected_by_hand_out_of_order_is_said_on_the_page() -> None:
    fixed = _corrected_date("2015-12-30")  # a year early: before the injury of 2016-09-14
    assert fixed["decision_date"] == "2015-12-30"  # the person's correction stands
    assert any(str(w).startswith("decision_date: corrected by hand") for w in fixed["warnings"]), fixed["warnings"]
    assert fixed["needs_review"] is True
    # the other way: a correction that keeps the order says nothing
    fine = _corrected_date("2016-12-29")
    assert not any("corrected by hand" in str(w) for w in fine["warnings"]), fine["warnings"]
