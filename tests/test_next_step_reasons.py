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
            "The guidelines allow up to 10 visits. The requested 12 sessions exceeds the guideline recommendation. "
            "There was also a lack of documentation of measured gains from the earlier visits.",
        ),
        # wrong: two separate missing records, the second too long to be named in the step
        (
            "Sleep aid liquid 5mg/ml, 150ml",
            "There was no documentation that the worker could not swallow capsules or tablets. There was also no "
            "documentation that the worker had trouble sleeping, reported it on any visit, had tried sleep aids "
            "bought at a store, or had been taught better sleep habits over several weeks of care.",
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
