"""A next step that follows one of the page's reasons when the reviewer gave several (a reader, on unseen letters:
"ask for no more than the guidelines allow" where the reviewer also found no record of improvement; "show the
records of pill use" where a second, separate record was missing): following it alone would leave the others
standing, so the step says the reviewer gave more than one. A page with one reason, a second sentence that
gives an instance of the first, a red flag the worker lacks, or a ban, gets no such line (a false line there
would send the worker after reasons the letter does not give)."""

from __future__ import annotations

import pytest

from imr_llm.summary.build import build_summary
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."


def _step(request: str, rationale: str, lang: str = "en") -> str:
    return build_summary(one(request, "Upheld", rationale + CLOSE), lang).items[0].next_step


def _other(lang: str) -> str:
    return get_language(lang).c.next.other_reasons


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        # wrong (the reader): an amount step alone, where a missing record of improvement is also a reason
        (
            "Chiropractic care 3 times a week for 4 weeks",
            "The guidelines allow up to 10 visits. The requested 12 visits exceed what the guidelines recommend. "
            "There was also a lack of documentation of measured gains from the earlier visits.",
        ),
        # wrong: two separate missing records, the second too long to be named in the step
        (
            "Sleep aid liquid 5mg/ml, 150ml",
            "There was no documentation that the worker could not swallow capsules or tablets. There was also no "
            "documentation that the worker had trouble sleeping, reported it on any visit, had tried sleep aids "
            "bought at a store, or had been taught better sleep habits over several weeks of care.",
        ),
        # wrong (a reader): the step names two records; a third point stands only in the quoted summing verdict
        (
            "MRI of the right knee",
            "There is no record that home exercises were taught. There is no documentation of a home exercise "
            "program. Absent documentation of a brace trial and standing x-rays of the knee, an MRI of the knee is "
            "not indicated.",
        ),
    ],
)
def test_a_step_that_answers_one_of_several_reasons_says_there_are_more(lang: str, asked: str, rationale: str) -> None:
    step = _step(asked, rationale, lang)
    assert _other(lang) in step, step
    outcome = summarize(one(asked, "Upheld", rationale + CLOSE), lang)
    assert outcome.checks.passed, outcome.checks.problems


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        # one reason
        ("Knee brace", "There is no documentation of instability of the knee on exam."),
        # the quoted summing verdict names the same point the step follows
        (
            "Knee brace",
            "There is no documentation of instability of the knee on exam. Absent documentation of instability of "
            "the knee on exam, a brace is not indicated.",
        ),
        # the second sentence is an instance of the first, not another reason
        (
            "EMG of the arms",
            "The office visit made no mention of numbness in the arms that would support a nerve problem. There "
            "was, for instance, no mention of numbness in the right arm that would support a nerve problem.",
        ),
        # a red flag the worker lacks is no record to go and find
        ("MRI of the low back", "There are no red flags. There is no documentation of a nerve deficit on exam."),
        # a ban: asking again is not likely to help, whatever else the reviewer wrote
        (
            "Ketoprofen cream 120 grams",
            "Ketoprofen is not recommended for use on the skin. There is no documentation of failed oral medicines.",
        ),
    ],
)
def test_a_step_with_no_other_answerable_reason_gets_no_such_line(lang: str, asked: str, rationale: str) -> None:
    step = _step(asked, rationale, lang)
    assert _other(lang) not in step, step


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_care_the_reviewer_says_was_not_had_yet_is_the_way_forward_not_its_records(lang: str) -> None:
    """A reader: "a new request could include records that show that you have failed simpler treatment, if there
    are any" where the reviewer wrote that the worker has not yet had physical therapy: no such records exist."""
    rationale = (
        "The guidelines call for a trial of conservative care before imaging. There is no documentation that the "
        "worker has failed conservative treatment. She has not had any physical therapy so far."
    )
    step = _step("MRI of the low back", rationale, lang)
    care = get_language(lang).c.next.care_names["physical_therapy"]
    assert get_language(lang).c.next.care_not_had.format(care=care) == step, step
    assert summarize(one("MRI of the low back", "Upheld", rationale + CLOSE), lang).checks.passed


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        # a record not found is not care not had: the records step stands
        (
            "MRI of the low back",
            "The guidelines call for a trial of conservative care first. There is no documentation that the worker "
            "has had physical therapy.",
        ),
        # the request is that care itself
        ("Physical therapy 6 sessions", "The worker has not yet had physical therapy. There is no exam on file."),
        # another document's words, in quotes
        (
            "MRI of the low back",
            'The request failed a trial of conservative care. The form says "he has not yet had physical therapy".',
        ),
    ],
)
def test_no_care_not_had_line_where_the_reviewer_did_not_write_it(lang: str, asked: str, rationale: str) -> None:
    care = get_language(lang).c.next.care_names["physical_therapy"]
    assert get_language(lang).c.next.care_not_had.format(care=care) not in _step(asked, rationale, lang)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("asked", ["Physical therapy 3 times a week for 4 weeks", "Physical therapy 12 sessions"])
def test_a_step_to_explain_excess_care_also_gives_asking_for_fewer(lang: str, asked: str) -> None:
    """A reader: "explain why you would need excess physical therapy" for a first course, where asking for no more
    than the guidelines allow is the easy fix the reviewer's words leave open."""
    rationale = (
        "The guidelines allow a short course of therapy. There is no clear explanation why the worker would need "
        "excess physical therapy instead of a home program."
    )
    step = _step(asked, rationale, lang)
    assert get_language(lang).c.next.fewer in step, step
    assert summarize(one(asked, "Upheld", rationale + CLOSE), lang).checks.passed


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        # excess of something not counted in visits: a brace worn too much
        ("Wrist splint", "There is no clear explanation why the worker would need excessive splinting."),
        # a step that does not ask about excess
        ("Physical therapy 12 sessions", "There is no documentation of measured gains from earlier therapy."),
    ],
)
def test_no_fewer_line_where_the_step_is_not_about_too_many_visits(lang: str, asked: str, rationale: str) -> None:
    assert get_language(lang).c.next.fewer not in _step(asked, rationale, lang)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    "rationale",
    [
        "The guidelines support imaging when pain lasts beyond the first weeks. The scan is being asked for only "
        "1 week since the injury.",
        "There is knee pain with a positive exam, however the pain has not been ongoing for longer than 4 to 6 weeks.",
    ],
)
def test_a_request_the_reviewer_found_too_early_says_time_can_change_it(lang: str, rationale: str) -> None:
    """A reader: "Your doctor can read the reviewer's words ..." for an MRI denied as too early, where by the
    decision's date the injury was three months old: time alone changes that reason."""
    step = _step("MRI of the left knee", rationale, lang)
    assert get_language(lang).c.next.too_early in step, step
    assert summarize(one("MRI of the left knee", "Upheld", rationale + CLOSE), lang).checks.passed


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    "rationale",
    [
        # a limit on how long is the other way round
        "This drug is not recommended for use beyond 4 weeks, and the worker has taken it for months.",
        # the complaint has lasted long enough: no early finding
        "The knee pain has been present for more than 6 weeks. There is no documentation of a positive exam.",
        # the guideline's words, not the reviewer's finding about this worker
        "The guidelines state that imaging is too early in the first month of symptoms. There is no "
        "documentation of a positive exam.",
    ],
)
def test_no_too_early_line_where_the_reviewer_did_not_find_it_early(lang: str, rationale: str) -> None:
    assert get_language(lang).c.next.too_early not in _step("MRI of the left knee", rationale, lang)


def _response_first(lang: str) -> str:
    return get_language(lang).c.next.response_first


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        # a reader: "ask for no more than the guidelines allow" alone, where the reviewer wanted the first results
        (
            "Physical therapy 12 visits",
            "Eight visits could be reasonable, yet 12 were asked for, which goes past the guidelines, above all "
            "without first assessing the response to the first visits.",
        ),
        ("Acupuncture 6 visits", "More visits are not supported pending the results of the approved trial of four."),
    ],
)
def test_a_reviewer_who_wants_the_first_results_gets_a_step_that_says_so(lang: str, asked: str, rationale: str) -> None:
    step = _step(asked, rationale, lang)
    assert _response_first(lang) in step, step
    assert summarize(one(asked, "Upheld", rationale + CLOSE), lang).checks.passed


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        # a missing record of the response: the step already asks for it; no "wanted to know first"
        ("Physical therapy 12 visits", "The notes do not document any response to the prior visits."),
        # the response was known and was poor
        ("Physical therapy 12 visits", "The response to the initial visits was poor, with no gain in motion."),
        # a guideline's passage, not the reviewer's own point
        (
            "Physical therapy 12 visits",
            "The MTUS states that further visits are not recommended before the results of the initial visits are "
            "known. There is no documentation of a home exercise program.",
        ),
    ],
)
def test_no_first_results_line_without_the_reviewers_own_point(lang: str, asked: str, rationale: str) -> None:
    step = _step(asked, rationale, lang)
    assert _response_first(lang) not in step, step
