"""The twenty-eighth probe's leftovers and the twenty-ninth probe's cases, each tested both ways (the wrong output it
must not produce, and the right one). All letters here are synthetic."""

from __future__ import annotations

import pytest

_HEADING = "MRI of the right shoulder without contrast: Overturned"


def _basic(heading: str) -> str:
    from tests.conftest import SAMPLES

    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    assert _HEADING in letter
    return letter.replace(_HEADING, heading)


@pytest.mark.parametrize("word", ["Uph eld", "Uphe1d", "Upheid", "Uphled", "Up-heId"])
def test_a_damaged_upheld_over_an_approving_rationale_is_no_decision(word: str) -> None:
    from imr_llm.parser import parse_text
    from imr_llm.summary.render import Format, render_text
    from imr_llm.summary.summarize import summarize

    record = parse_text(_basic(f"MRI of the right shoulder without contrast: {word}"))
    item = record.disputed_items[1]
    # wrong before (the probe): the rationale alone made it "overturned", and the page said "This is approved"
    assert item.decision is None
    assert any("decision word is damaged" in w for w in record.warnings)
    assert "This is approved" not in render_text(summarize(record, "en").summary, Format.MD)
    assert item.request == "MRI of the right shoulder without contrast"  # the damaged word is not the request


@pytest.mark.parametrize("word", ["0verturned", "Overtu rned", "Ovenurned"])
def test_a_damaged_overturned_that_the_rationale_agrees_with_is_read(word: str) -> None:
    from imr_llm.parser import parse_text

    record = parse_text(_basic(f"MRI of the right shoulder without contrast: {word}"))
    item = record.disputed_items[1]
    # right: two readings that agree (a damaged "Overturned" and "medically necessary") give the decision
    assert item.decision == "overturned"
    assert item.request == "MRI of the right shoulder without contrast"
    assert not any("decision word is damaged" in w for w in record.warnings)


@pytest.mark.parametrize("tail", ["Norco", "2 sessions", "DOS 11/11/2016", "left knee", "Over", "Not Upheld"])
def test_a_heading_tail_that_is_no_decision_word_is_kept_as_the_request(tail: str) -> None:
    from imr_llm.parser.items import damaged_decision

    # right: a request's own last words are never taken for a damaged decision word
    assert damaged_decision(f"Medication: {tail}") is None
    assert damaged_decision("MRI: Uph eld") == ("Uph eld", False)  # wrong: a damaged "Upheld" read as nothing


_REVIEW_CLOSING = "12 sessions for the cervical spine is not medically necessary."


@pytest.mark.parametrize(
    ("title", "closing", "decision"),
    [
        ("IS/WAS NOT", "is medically necessary.", None),  # wrong before (the probe): shown "This is approved"
        ("IS/WAS", "is not medically necessary.", None),  # the same disagreement the other way round
        ("IS/WAS", "is medically necessary.", "overturned"),  # right: title and conclusion agree
        ("IS/WAS NOT", "is not medically necessary.", "upheld"),
        ("IS/IS NOT", "is medically necessary.", "overturned"),  # right: a title that offers both reads no outcome
        ("IS OR IS NOT", "is not medically necessary.", "upheld"),
    ],
)
def test_a_professional_review_whose_title_and_conclusion_disagree_is_not_decided(
    title: str, closing: str, decision: str | None
) -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    review = (SAMPLES / "synth-professional-review.txt").read_text(encoding="utf-8")
    assert _REVIEW_CLOSING in review and "IS/WAS NOT\nMEDICALLY NECESSARY:" in review
    review = review.replace("IS/WAS NOT\nMEDICALLY NECESSARY:", f"{title}\nMEDICALLY NECESSARY:")
    record = parse_text(review.replace(_REVIEW_CLOSING, f"12 sessions for the cervical spine {closing}"))
    assert record.disputed_items[0].decision == decision
    assert any("rationale's title says" in w for w in record.warnings) is (decision is None)


def test_a_professional_review_followed_by_another_letter_is_read_as_itself_and_says_so() -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    review = (SAMPLES / "synth-professional-review.txt").read_text(encoding="utf-8")
    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    record = parse_text(review + letter)
    # wrong before (the probe): the second letter was dropped without a word, and the review's reviewer was the
    # second letter's
    assert any("the file holds 2 letters" in w for w in record.warnings) and record.needs_review
    assert record.template == "professional_review" and record.case_number == "CM15-0900606"
    assert [i.decision for i in record.disputed_items] == ["upheld"]
    assert "Physical Medicine" in (record.reviewer.certification_text or "")
    # right: the review alone is one letter, read as before
    alone = parse_text(review)
    assert not any("letters" in w for w in alone.warnings) and alone.reviewer == record.reviewer
