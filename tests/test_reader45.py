"""The forty-fifth reader (8 new letters, 26 items) and the last probe re-run: what they found, tested both ways.

- A partly approved heading in other words ("... was authorized by the Claims Administrator for weaning purposes",
  "The Claims Administrator authorized 6 sessions, leaving the remaining 6 sessions IMR eligible. The remaining
  request, physical therapy 6 sessions cervical spine is: Upheld"): the part approved before the review was on no
  page, and the opening said "None of the three was approved" to a worker who may then stop a covered medicine.
- "After more than three years of Norco this patient reports ..." with "abrupt discontinuation is not advised":
  only the conditional safety line.
- "Physical therapy ... -- Upheld" read from the rationale's closing with no word said of the heading.
"""

from __future__ import annotations

from imr_llm import summarize
from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.summary.facts import letter_mentions_weaning, says_taking
from tests.test_reader41 import BLOCKS, HEAD, OPENING, _letter

PT_RATIONALE = "Six sessions were authorized. More need documented progress first. Not medically necessary."


def _partial(heading: str) -> LetterRecord:
    return parse_text(HEAD + OPENING + heading + "\n" + BLOCKS + f"Decision rationale: {PT_RATIONALE}\n")


def test_a_partly_approved_heading_for_a_purpose_names_the_part() -> None:
    record = _partial(
        "Norco 10/325mg #120 was the original request. Norco 10/325mg #60 was authorized by the Claims Administrator "
        "for weaning purposes. The remaining IMR eligible portion of the original request, Norco 10/325mg #60: Upheld"
    )
    item = record.disputed_items[0]
    assert item.authorized_portion == "Norco 10/325mg #60", item  # wrong before: none, and no line on the page
    assert "stays approved" in (summarize(record, "en").items[0].partial or "")


def test_the_remaining_request_leaving_the_rest_eligible_names_the_part() -> None:
    record = _partial(
        "Physical therapy 12 sessions cervical spine was the original request. The Claims Administrator authorized 6 "
        "sessions, leaving the remaining 6 sessions IMR eligible. The remaining request, physical therapy 6 sessions "
        "cervical spine is:\nUpheld"
    )
    item = record.disputed_items[0]
    # wrong before: the request "The remaining request, physical therapy ...", no part approved named
    assert item.request == "physical therapy 6 sessions cervical spine", item.request
    assert item.authorized_portion == "6 sessions"
    assert "This review was about the other 6 sessions." in (summarize(record, "en").items[0].partial or "")


def test_a_whole_original_request_left_eligible_stays_whole() -> None:
    # right both ways: "leaving the original request IMR eligible" is still the review of the request as a whole
    record = _partial(
        "Physical therapy 12 sessions cervical spine was the original request. The Claims Administrator authorized a "
        "home exercise kit, leaving the original request IMR eligible. The original request, physical therapy 12 "
        "sessions cervical spine: Upheld"
    )
    assert record.disputed_items[0].authorized_portion == "a home exercise kit"
    assert "as a whole" in (summarize(record, "en").items[0].partial or "")


def test_years_of_a_drug_said_after_its_length_and_advice_not_to_stop_abruptly() -> None:
    sentence = "After more than three years of Norco this patient reports a two-point decrease in pain."
    assert says_taking("Norco 10/325mg #60", sentence)
    assert not says_taking("Norco 10/325mg #60", "After three years of therapy she returned to work.")
    assert letter_mentions_weaning("The #60 allows for a gradual taper, and abrupt discontinuation is not advised.")
    assert not letter_mentions_weaning("Abrupt discontinuation is not advised when guidelines say so.")


def test_a_dashed_decision_word_read_with_a_plain_closing_is_said() -> None:
    rationale = "The knee locks daily. Therefore, the request for an MRI of the knee is medically necessary."
    from tests.test_reader41 import BLOCKS as B

    record = parse_text(HEAD + OPENING + f"MRI of the knee -- Overturned\n{B}Decision rationale: {rationale}\n")
    item = record.disputed_items[0]
    assert item.request == "MRI of the knee" and item.decision == "overturned"
    assert any("no colon before it" in w for w in record.warnings), record.warnings  # wrong before: nothing said
    colon = _letter(("MRI of the knee", "Overturned", rationale))
    assert not any("no colon" in w for w in colon.warnings)  # the colon form: nothing to say


def test_a_nonbenzodiazepine_is_not_glossed_as_a_benzodiazepine() -> None:
    from imr_llm.summary.languages import get_language

    for lang in ("en", "es"):
        language = get_language(lang)
        assert language.terms("Zolpidem is a nonbenzodiazepine hypnotic.") == []  # wrong before: "such as Valium"
        assert language.terms("Lorazepam is a non-benzodiazepine? No, a benzodiazepine.")  # right both ways
