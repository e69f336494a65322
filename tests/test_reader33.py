"""What the thirty-third reader found on unseen letters, each a general rule tested both ways. All letters here are
synthetic.

- a sentence that finds a record missing and no warning signs ("no record of how the therapy went and no sign of a
  red flag on exam") gives a step that names the record, then says a later exam could find the signs: the step had
  named only the signs;
- "no discussion of surgery" stays a discussion in the parts of a list ("no surgery" read as if surgery were what
  the worker lacked).
"""

from __future__ import annotations

import pytest

from imr_llm.summary.build import build_summary
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.restate import missing_parts, restate, safe_missing
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

ASKED = "MRI of the right knee"
CLOSE = " Therefore, the request is not medically necessary."
MIXED = (
    "Here, there is no record of how the worker did with the home exercises and no red flag noted at the last "
    "visit to call for an MRI of the knee."
)
SIGNS_ONLY = "Here, there is no red flag noted at the last visit to call for an MRI of the knee."


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_missing_record_beside_absent_warning_signs_is_named(lang: str) -> None:
    c = get_language(lang).c.next
    step = build_summary(one(ASKED, "Upheld", MIXED + CLOSE), lang).items[0].next_step
    # wrong before (a reader): only "if your doctor finds such signs later"; the record a request can add was left out
    assert step.startswith(c.again), step
    assert "home exercises" in step and c.warning_signs in step, step
    assert "red flag" not in step.split(c.warning_signs)[0].lower(), step  # never records of a red flag to send
    assert summarize(one(ASKED, "Upheld", MIXED + CLOSE), lang).checks.passed


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_absent_warning_signs_alone_keep_the_later_exam_step(lang: str) -> None:
    c = get_language(lang).c.next
    step = build_summary(one(ASKED, "Upheld", SIGNS_ONLY + CLOSE), lang).items[0].next_step
    # right as it was: nothing but the signs, never records of a red flag to send
    assert step in (c.warning_signs, c.generic), step


@pytest.mark.parametrize(
    ("sentence", "cut"),
    [
        (MIXED, "how you did with the home exercises"),
        (SIGNS_ONLY, None),  # nothing left to ask for: all of it a red flag
        ("There is no record of a home program and no record of a brace trial.", None),  # nothing to cut
    ],
)
def test_only_the_missing_things_that_name_no_alarm_are_kept(sentence: str, cut: str | None) -> None:
    r = restate(sentence, "upheld", ASKED)
    assert r is not None
    safe = safe_missing(r)
    assert (safe.plain["x"] if safe is not None else None) == cut


def test_a_missing_discussion_stays_a_discussion() -> None:
    parts = missing_parts("documentation of the home exercises and no discussion of surgery")
    assert parts == ["documentation of the home exercises", "discussion of surgery"]
    # "and no documentation of B" is still B
    assert missing_parts("record of A and no documentation of a brace trial") == ["record of A", "a brace trial"]


ONE_POINT = "There is no record of how the worker did with the home exercises."
MORE_POINTS = (
    "There is no record of how the worker did with the home exercises. The knee was said to be stable at the last "
    "visit, and a brace trial is not documented to have failed."
)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_step_that_follows_one_of_the_points_the_why_says_there_are_more_of_says_so(lang: str) -> None:
    c = get_language(lang).c
    item = build_summary(one(ASKED, "Upheld", MORE_POINTS + CLOSE), lang).items[0]
    assert c.reason.more in item.reason.text or c.reason.more_in_letter in item.reason.text, item.reason.text
    # wrong before (a reader): a step naming one condition where the reviewer named more, with no word of them
    assert c.next.other_points in item.next_step or c.next.other_reasons in item.next_step, item.next_step
    assert item.next_step.count(c.next.other_points) <= 1 and not (
        c.next.other_points in item.next_step and c.next.other_reasons in item.next_step
    )
    assert summarize(one(ASKED, "Upheld", MORE_POINTS + CLOSE), lang).checks.passed
    # right as it was: one point, no such line
    single = build_summary(one(ASKED, "Upheld", ONE_POINT + CLOSE), lang).items[0]
    assert c.next.other_points not in single.next_step, single.next_step


TWO_SENTENCES = (
    "There is no record of how the worker did with the home exercises. There is no documentation of any red flag "
    "noted at the last visit to call for an MRI of the knee."
)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_records_step_beside_a_point_that_no_warning_signs_were_found_says_both(lang: str) -> None:
    c = get_language(lang).c.next
    step = build_summary(one(ASKED, "Upheld", TWO_SENTENCES + CLOSE), lang).items[0].next_step
    # wrong before (the thirty-fourth reader): records of the first point alone, the warning signs left unsaid
    assert step.startswith(c.again) and c.warning_signs in step, step
    assert step.count(c.warning_signs) == 1
    assert summarize(one(ASKED, "Upheld", TWO_SENTENCES + CLOSE), lang).checks.passed
    # right as it was: no point about warning signs, no such line
    single = build_summary(one(ASKED, "Upheld", ONE_POINT + CLOSE), lang).items[0].next_step
    assert c.warning_signs not in single, single
