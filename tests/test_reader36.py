"""What the thirty-sixth reader found on unseen letters, each a general rule tested both ways. All letters here are
synthetic.

- a missing reason for the request as a whole ("no reason given for the medical need of this request") names
  nothing to add: a later point naming a record (no trial of therapy) is the step, not "explain why you need this";
- "has not documented A; nor B" (or "..., and there are no B"): the step names B too (it had named A alone);
- a finding that the worker is not in a state the care needs ("is not enrolled in a functional restoration
  program") is one of the reasons a new request could answer (the step had followed the other alone);
- a guideline's limit on how long ("not recommended for more than two weeks") beside the reviewer's finding
  of long use is said first, and the step is the past-the-guideline's-time one (the limit was on no line of the
  page, and the step asked only for a reason);
- "a program of functional benefit" stays a program of functional benefit (it read "a program of improvement in
  what you can do").
"""

from __future__ import annotations

import pytest

from imr_llm.summary.build import build_summary
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.restate import restate
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."
MRI = "MRI of the thoracic spine"
BARE = "There is no evidence based reason from the doctor as to the medical need for this request."
TRIAL = "Furthermore, there is no evidence that the worker has tried and failed 4 weeks of home exercise before this."


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_bare_missing_rationale_gives_way_to_a_named_record(lang: str) -> None:
    letter = one(MRI, "Upheld", f"{BARE} {TRIAL}{CLOSE}")
    step = build_summary(letter, lang).items[0].next_step
    first = step.split(". ")[0]
    # wrong before (a reader): "the new request could explain why you need this", the named record left behind
    assert "home exercise" in first, step
    assert summarize(letter, lang).checks.passed


def test_a_bare_missing_rationale_alone_keeps_its_step() -> None:
    step = build_summary(one(MRI, "Upheld", BARE + CLOSE), "en").items[0].next_step
    # right as it was: nothing else to follow
    assert step.startswith(get_language("en").c.next.again) and "need" in step and "home exercise" not in step, step


NOR = (
    "The treating doctor has not documented exam findings of a pinched nerve such as lost reflexes or weakness; nor "
    "nerve conduction findings of a pinched nerve."
)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_nor_clause_is_named_in_the_step_too(lang: str) -> None:
    step = build_summary(one("Lumbar epidural injection at L5-S1", "Upheld", NOR + CLOSE), lang).items[0].next_step
    # wrong before (a reader): the step named the exam findings and left out the nerve test the sentence also missed
    assert "nerve conduction findings" in step and step.count(get_language(lang).c.next.again) == 1, step


def test_a_sentence_without_a_nor_clause_gets_no_second_record() -> None:
    one_gap = NOR.split(";")[0] + "."
    step = build_summary(one("Lumbar epidural injection at L5-S1", "Upheld", one_gap + CLOSE), "en").items[0].next_step
    assert "nerve conduction" not in step and "A new request could include" not in step, step


UNMET = "Also, the worker is not enrolled in a functional restoration program that this add-on would support."
RECORD = "There is a lack of documentation of less pain or more activity from the earlier sessions."


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_finding_of_an_unmet_state_is_a_reason_the_step_says_there_is_more_than(lang: str) -> None:
    c = get_language(lang).c.next
    step = build_summary(one("TENS unit 30 day rental", "Upheld", f"{RECORD} {UNMET}{CLOSE}"), lang).items[0].next_step
    # wrong before (a reader): records of less pain alone, as if they were enough
    assert c.other_reasons in step, step


def test_a_finding_that_names_no_unmet_state_adds_no_line() -> None:
    c = get_language("en").c.next
    finding = "The worker was seen on three visits for the same pain."
    step = build_summary(one("TENS unit 30 day rental", "Upheld", f"{RECORD} {finding}{CLOSE}"), "en").items[0]
    assert c.other_reasons not in step.next_step, step.next_step


LIMIT = "This drug is not recommended for more than two weeks."
LONG = "The worker has been on long term treatment with this medication."
REASON = "No reason is given for care beyond what the guidelines recommend."


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_limit_on_how_long_beside_long_use_is_said_first_with_its_step(lang: str) -> None:
    c = get_language(lang).c.next
    letter = one("Tizanidine 4mg #90", "Upheld", f"The guidelines allow a short course. {LIMIT} {LONG} {REASON}{CLOSE}")
    item = build_summary(letter, lang).items[0]
    # wrong before (a reader): the limit on no line of the page, and a step asking only for a reason
    assert item.reason.sentences[0] == LIMIT, item.reason.sentences
    assert item.next_step.startswith(c.too_long), item.next_step
    assert summarize(letter, lang).checks.passed


def test_a_limit_on_how_long_without_long_use_keeps_its_order() -> None:
    letter = one("Tizanidine 4mg #30", "Upheld", f"{REASON} {LIMIT}{CLOSE}")
    item = build_summary(letter, "en").items[0]
    # right as it was: the reviewer found no long use; the limit is not put first, nor the past-the-time step
    assert not item.next_step.startswith(get_language("en").c.next.too_long), item.next_step


def test_a_program_of_functional_benefit_stays_one() -> None:
    r = restate("The worker has not joined a program of functional benefit.", "upheld", "TENS unit")
    assert r is not None and "program of functional benefit" in r.plain["x"], r.plain
    r = restate("There is no documentation of functional benefit.", "upheld", "TENS unit")
    assert r is not None and "improvement in what you can do" in r.plain["x"], r.plain  # right as it was


AND_NO = (
    "The treating doctor has failed to document if the worker completed home exercise for 6 weeks and there are no "
    "exam findings to show a pinched nerve."
)


def test_an_and_there_are_no_clause_is_named_in_the_step_too() -> None:
    step = build_summary(one("MRI of the thoracic spine", "Upheld", AND_NO + CLOSE), "en").items[0].next_step
    # wrong before (a reader): the step named the home exercise alone, not the exam findings also missing
    assert "home exercise" in step and "exam findings" in step and step.index("home") < step.index("exam"), step
