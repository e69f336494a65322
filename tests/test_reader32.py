"""What the thirty-second reader found on unseen letters, each a general rule tested both ways. All letters here are
synthetic.

- the sessions the letter says were had already count against the guideline's number: 8 done and 6 more asked for
  where the guidelines allow 10 gives the step to ask for no more than the guidelines allow (with the line that
  there are other reasons), where 2 done and 6 more does not, nor 10 done (nothing left to ask for);
- "VAS" is explained.
"""

from __future__ import annotations

import pytest

from imr_llm.summary.build import build_summary
from imr_llm.summary.facts import sessions_had_before as _had_before
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."
ASKED = "Physical therapy for the low back 2 times a week for 3 weeks"
RATIONALE = (
    "By the notes, {done} previous sessions of therapy were completed. There is no documentation of measured "
    "gains from them. The guidelines allow up to 10 visits for this strain. Therefore, the request is not "
    "medically necessary."
)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_sessions_had_before_count_against_the_guidelines_number(lang: str) -> None:
    c = get_language(lang).c.next
    past = build_summary(one(ASKED, "Upheld", RATIONALE.format(done="8")), lang).items[0].next_step
    # wrong before (a reader): only records of gains, where 8 done and 6 more go past the 10 the guidelines allow
    assert past.startswith(c.guideline_number.split("{")[0]), past
    assert c.other_reasons in past, past
    within = build_summary(one(ASKED, "Upheld", RATIONALE.format(done="2")), lang).items[0].next_step
    # right as it was: 2 done and 6 more stay within the 10
    assert not within.startswith(c.guideline_number.split("{")[0]), within
    used_up = build_summary(one(ASKED, "Upheld", RATIONALE.format(done="10")), lang).items[0].next_step
    # right as it was: with the 10 had already, "ask for no more than the guidelines allow" leaves nothing to ask
    assert not used_up.startswith(c.guideline_number.split("{")[0]), used_up
    for done in ("8", "2", "10"):
        outcome = summarize(one(ASKED, "Upheld", RATIONALE.format(done=done)), lang)
        assert outcome.checks.passed, outcome.checks.problems


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("8 previous sessions were completed", 8),
        ("no gains from the prior eight therapy sessions", 8),
        ("6 sessions have been completed", 6),
        # not the worker's history: the guideline's number, another kind of care, or two counts that disagree
        ("The guidelines allow up to 10 visits.", 0),
        ("the prior 8 chiropractic visits", 0),
        ("4 prior sessions; later, 6 prior sessions", 0),
    ],
)
def test_the_sessions_had_before_are_read_only_from_the_workers_history(text: str, count: int) -> None:
    assert _had_before(text, ASKED) == count


def test_a_pain_score_is_explained() -> None:
    rationale = "There is no VAS pain score. Therefore, the request is not medically necessary."
    item = build_summary(one("Pain cream 30 grams", "Upheld", rationale), "en").items[0]
    assert any(term.startswith("VAS:") for term in item.reason.terms), item.reason.terms
    vases = build_summary(one("Pain cream 30 grams", "Upheld", "The vases were broken. " + rationale), "en")
    assert sum(term.startswith("VAS:") for term in vases.items[0].reason.terms) <= 1


@pytest.mark.parametrize(
    ("sentence", "restated"),
    [
        # a reader counted "Here is the reason in the reviewer's own words" for a request past the guidelines
        ("The requested visits are in excess of the guidelines.", True),
        ("The requested therapy is in excess of what the guidelines recommend.", True),
        # no finding against the request: a worker's pain, a weight
        ("The worker reports pain in excess of 8/10 at night.", False),
        ("The worker's weight is in excess of 250 pounds.", False),
    ],
)
def test_a_request_in_excess_of_the_guidelines_is_said_plainly(sentence: str, restated: bool) -> None:
    from imr_llm.summary.restate import restate

    assert (restate(sentence, "upheld", "Physical therapy 8 sessions") is not None) is restated


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_an_excess_step_answers_the_excess_reason(lang: str) -> None:
    rationale = (
        "The requested visits are in excess of the guidelines. The notes give no objective explanation of why "
        "this worker would need excess therapy rather than a home program."
    )
    item = build_summary(one("Physical therapy 8 sessions", "Upheld", rationale + CLOSE), lang).items[0]
    # right: the step about excess therapy answers both sentences, which make one point: no "more than one reason"
    assert get_language(lang).c.next.other_reasons not in item.next_step, item.next_step
    other = (
        "The requested visits are in excess of the guidelines. There is no documentation of measured "
        "gains from the earlier visits."
    )
    step = build_summary(one("Physical therapy 8 sessions", "Upheld", other + CLOSE), lang).items[0].next_step
    # wrong otherwise: a step about the gains alone leaves the amount standing
    assert (
        get_language(lang).c.next.other_reasons in step
        or get_language(lang).c.next.guideline_number.split("{")[0] in step
        or "no more" in step
        or "no más" in step
    ), step
