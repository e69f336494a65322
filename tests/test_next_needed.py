"""The reviewer's own words on what would be needed, in the next step (readers 41 and 42: the easy fix left out).

Two readers found next steps that said only "read the reviewer's words and decide whether to ask again" where
the reviewer had written what would be needed or would fit: a one-month home trial before buying a TENS unit,
a first-line drug tried before a lidocaine patch, the number of visits and which hand. The step now quotes the
reviewer's sentence on what would be needed (never a sentence that denies it, history, a missing reason, or a
line about stopping a drug), and a request that leaves out two details ("... nor does it state whether ...")
names both.
"""

from __future__ import annotations

import pytest

from imr_llm import summarize
from imr_llm.summary.facts import says_what_is_needed, what_is_needed
from tests.test_reader41 import _letter, _page

GENERIC = "Your doctor can read the reviewer's words and decide whether to ask again with more information."

TENS = (
    "The worker has chronic low back pain. TENS is not supported as a primary treatment, but a one-month home "
    "trial may be considered as an adjunct to active therapy. The notes mention only that the unit felt good at "
    "the clinic. The purchase is not medically necessary."
)
PATCH = (
    "The worker has burning pain in one hand. Topical lidocaine may be recommended after a trial of a first-line "
    "agent such as an antidepressant or gabapentin. The notes list only ibuprofen. The patch is not medically "
    "necessary."
)


@pytest.mark.parametrize(
    ("request_", "rationale", "needed"),
    [
        ("TENS unit purchase", TENS, "a one-month home trial may be considered"),
        ("Lidocaine 5% patch #30", PATCH, "after a trial of a first-line agent"),
    ],
)
def test_the_step_quotes_what_the_reviewer_wrote_would_be_needed(request_: str, rationale: str, needed: str) -> None:
    for lang in ("en", "es"):
        _, _, step = _page(_letter((request_, "Upheld", rationale)), lang=lang)
        # wrong before: the stock step alone ("read the reviewer's words ...")
        assert needed in step, (lang, step)
    _, _, step = _page(_letter((request_, "Upheld", rationale)))
    assert step.startswith("The reviewer wrote what would be needed:"), step


@pytest.mark.parametrize(
    "sentence",
    [
        "A one-month home trial may be considered as an adjunct to active therapy.",
        "Purchase requires documentation of a one-month home trial with pain and function recorded.",
        "Imaging is advised only when an operation is planned.",
        "Plain x-rays of the knee should be obtained first.",
        "Eight visits would be within guideline limits, but I cannot certify therapy without a body part.",
        "The guideline recommends an initial trial of four sessions in the first month.",
        "A 7-day rental would be consistent with the guideline.",
    ],
)
def test_sentences_saying_what_would_be_needed_are_read(sentence: str) -> None:
    assert says_what_is_needed(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Surgery would not be appropriate for this worker.",  # denied in its own clause
        "A stress test should therefore not be ordered before the operation.",
        "A repeat study is not required.",
        "No reason was given for why she would require a gel rather than tablets.",  # a missing reason
        "The patient was prescribed naproxen for an initial trial in May.",  # history
        "Given that an initial trial has already been authorized, more sessions are not appropriate.",
        "Weaning should be documented once the drug stops helping.",  # the safety line's business
        "Home exercise requires an effort of the worker's own.",  # a definition, not a requirement
        'The guideline states "a trial may be considered" for this.',  # another document's words
        "UR stated that six visits would be appropriate.",  # utilization review's words
    ],
)
def test_sentences_that_do_not_say_what_would_be_needed_are_not(sentence: str) -> None:
    assert not says_what_is_needed(sentence)


def test_a_sentence_the_page_already_shows_is_pointed_to_not_repeated() -> None:
    rationale = "Purchase requires documentation of a one-month home trial. None is documented."
    sentence = "Purchase requires documentation of a one-month home trial."
    assert what_is_needed(rationale, []) == (sentence, False)
    assert what_is_needed(rationale, [sentence]) == (None, True)
    # a sentence that points back is never quoted alone: what it points to is not on the page
    assert what_is_needed("A trial is advised. That trial should be documented first.", []) == (None, False)


def test_a_step_that_names_something_is_kept() -> None:
    # right both ways: a step that already says what to add is not replaced by a quote
    rationale = (
        "There is no documentation of a trial of physical therapy. Surgery is recommended only after a trial of "
        "therapy. The request is not medically necessary."
    )
    _, _, step = _page(_letter(("Lumbar fusion", "Upheld", rationale)))
    assert step != GENERIC and not step.startswith("The reviewer wrote what would be needed"), step


def test_an_approval_gets_no_such_step() -> None:
    _, _, step = _page(_letter(("TENS unit purchase", "Overturned", TENS.replace("not medically", "medically"))))
    assert "would be needed" not in step


def test_a_request_missing_two_details_names_both() -> None:
    rationale = (
        "Therapy may help after this injury. The request as submitted does not specify the number of sessions, nor "
        "does it state whether therapy is for one or both hands. The request is not medically necessary."
    )
    _, _, step = _page(_letter(("Occupational therapy", "Upheld", rationale)))
    # wrong before: the stock step, though the page's own reason names both details
    assert "could say the number of sessions" in step, step
    assert "whether therapy is for one or both hands" in step, step


def test_the_quoted_fix_is_left_out_of_the_reading_grade_and_our_own_words_are_not() -> None:
    summary = summarize(_letter(("TENS unit purchase", "Upheld", TENS)), "en")
    quoted = summary.quoted()
    # the reviewer's sentence in the step is the letter's words: not scored as our prose
    assert any("a one-month home trial may be considered" in q for q in quoted), quoted
    # our own words around it still are
    assert not any("Your doctor can read this" in q for q in quoted)
