"""A scan's specks around the first heading (issue 23, the dev scan suite's dark copier renderings): the line
"... set forth below:" read as "set * forth below:" and run into the heading, whose colon gained a speck
("DOS: 11/11/2016:.") with its decision word on the next line. The request was read as "Upheld" and the
decision as none; a request that is a decision word alone is never a request."""

from __future__ import annotations

from imr_llm.parser import parse_text
from imr_llm.summary.summarize import summarize
from tests.letters import Item, make_letter
from tests.test_scan_review import scan

RATIONALE = (
    "There is no documentation that the worker could not take pills by mouth. The request for Ketoprofen cream "
    "apply twice a day, 60 grams is not medically necessary."
)
INTRO = "set forth below:\n"


def _specked(text: str, heading: str, speck: str) -> str:
    assert text.count(INTRO) == 1 and text.count(f"{heading}: Upheld\n") == 1
    text = text.replace(f"{heading}: Upheld\n", f"{heading}{speck}\nUpheld\n")
    return text.replace(INTRO, "set * forth below:")


def test_a_heading_run_into_the_line_before_with_a_speck_after_its_colon_is_read() -> None:
    request = "Ketoprofen cream apply twice a day, 60 grams"
    text = _specked(make_letter(Item(request, "Upheld", RATIONALE)), request, ":.")
    record = parse_text(text, scan(text))
    item = record.disputed_items[0]
    # wrong (the dev scan suite): request "Upheld", decision none
    assert item.request == request and item.decision == "upheld", (item.request, item.decision)


def test_a_request_that_is_a_decision_word_alone_is_never_shown_as_the_request() -> None:
    request = "Ketoprofen cream apply twice a day, 60 grams"
    # a speck no heading reading takes (a period for the colon): the request had been read as the decision word;
    # it is the rationale's naming of it, or none, and the decision is not stated
    text = _specked(make_letter(Item(request, "Upheld", RATIONALE)), request, ";.")
    record = parse_text(text, scan(text))
    item = record.disputed_items[0]
    assert item.request.lower() not in ("upheld", "overturned"), item.request
    assert item.request in ("", "Ketoprofen cream apply twice a day, 60 grams"), item.request
    assert record.needs_review
    page = summarize(record, "en").summary.render("md")
    assert 'Request 1: "Upheld"' not in page


def test_a_clean_scan_of_the_same_letter_is_read_as_before() -> None:
    request = "Ketoprofen cream apply twice a day, 60 grams"
    text = make_letter(Item(request, "Upheld", RATIONALE))
    record = parse_text(text, scan(text))
    assert record.disputed_items[0].request == request and record.disputed_items[0].decision == "upheld"
    assert not any("request" in w for w in record.warnings), record.warnings


def test_a_warning_said_twice_but_for_an_aside_is_said_once_and_different_ones_stay() -> None:
    """The page of a dark copy said "case number: read by OCR with low confidence" twice, once with "(a second
    reading agreed)"; the longer is kept, in the first one's place. Warnings about other things all stay."""
    from imr_llm.summary.build import _once_each

    low = "case_number: read by OCR with low confidence; check it against the letter"
    agreed = "case_number: read by OCR with low confidence (a second reading agreed); check it against the letter"
    other = "decision_date: read by OCR with low confidence; check it against the letter"
    assert _once_each([low, other, agreed]) == [agreed, other]
    assert _once_each([agreed, low]) == [agreed]
    assert _once_each([low, other]) == [low, other]
