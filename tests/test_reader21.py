"""The twenty-first independent reader's findings, each a general rule tested both ways (the wrong output it must
not give, the right output it must keep), in synthetic letters.

- a worker's pain that did not get better is history under a request for a scan or a test (it argues for
  looking), never a gap, and never "records of improvement" to send; under a request for more therapy it stays
  the reviewer's point;
- where the reviewer looked for signs of a serious problem and found none, the step says that finding them later is
  what could change it (not the stock line), and never for a risk of misuse;
- "the above guidelines" is "the guidelines" on a page with nothing above; "measurable objective functional
  improvement" says "measured" once;
- a step asking for records the reviewer did not see says "if there are any".
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from tests.letters import Item, make_letter

DENIED = "Therefore, the request is not medically necessary."


def _item(request: str, rationale: str, lang: str = "en") -> tuple[str, str]:
    record = parse_text(make_letter(Item(request, "Upheld", f"{rationale} {DENIED}")))
    item = build_summary(record, lang=lang).items[0]
    return item.reason.text, item.next_step


@pytest.mark.parametrize(
    ("asked", "improvement_is_a_reason"),
    [
        ("MRI of the left elbow without contrast", False),  # a scan: history, which argues for looking
        ("EMG of the left arm", False),
        ("Physical therapy 6 sessions for the left elbow", True),  # more of the care: the reviewer's point
    ],
)
def test_pain_that_did_not_get_better_is_no_gap_under_a_request_for_a_test(
    asked: str, improvement_is_a_reason: bool
) -> None:
    rationale = "The elbow x-ray report was not submitted. There was no improvement in the left elbow pain."
    why, step = _item(asked, rationale)
    assert ("The reviewer found no improvement" in why) is improvement_is_a_reason, why
    if not improvement_is_a_reason:
        assert "improvement" not in step, step  # never "records of improvement" for a test that would look for why


@pytest.mark.parametrize(
    ("rationale", "warning_step"),
    [
        ("There were no red flag findings on the exam of the low back.", True),
        ("There was no documentation of progressive neurological deficits or cauda equina symptoms.", True),
        # a risk of misuse the reviewer looked for is never something to find later: the stock step
        ("There is no documentation of a risk of abuse or aberrant behavior.", False),
    ],
)
def test_signs_the_reviewer_looked_for_and_did_not_find_give_their_step(rationale: str, warning_step: bool) -> None:
    _, step = _item("CT of the low back", rationale)
    assert ("If your doctor finds such signs later" in step) is warning_step, step
    assert "records of" not in step  # never a record of a red flag or a risk to send
    _, paso = _item("CT of the low back", rationale, "es")
    assert ("Si su médico encuentra esas señales más adelante" in paso) is warning_step, paso


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("the above guidelines", "from the guidelines"),
        ("the guidelines", "from the guidelines"),  # the right output kept
    ],
)
def test_the_above_guidelines_are_the_guidelines_on_a_page_with_nothing_above(said: str, expected: str) -> None:
    why, step = _item(
        "Cyclobenzaprine 7.5mg #60", f"The records do not show special circumstances to warrant deviation from {said}."
    )
    assert expected in why and "above" not in why and "aforementioned" not in why, why
    assert step.endswith(", if there are any."), step  # records the reviewer did not see: only if they exist


@pytest.mark.parametrize("qualifier", ["measurable objective", "objective"])
def test_measured_improvement_is_said_once(qualifier: str) -> None:
    why, _ = _item(
        "Physical therapy 6 sessions", f"There was no {qualifier} functional improvement with prior therapy."
    )
    assert why.startswith("The reviewer found no measured improvement in what you can do with prior therapy"), why
    assert "measurable measured" not in why


@pytest.mark.parametrize(
    ("last", "a_point"),
    [
        (
            "Records indicate that the worker has been on this drug for 4 months, which does not appear to be the "
            "shortest duration possible.",
            True,
        ),
        (
            "Records indicate that the worker has been on this drug for 4 months, in excess of the recommended "
            "treatment period.",
            True,
        ),
        ("Records indicate that the worker has been on this drug for 4 months.", False),  # history, not a point
    ],
)
def test_care_past_the_guidelines_limit_on_how_long_is_one_of_the_reviewers_points(last: str, a_point: bool) -> None:
    from imr_llm.parser.reasons import _THRESHOLD, find_reason

    rationale = (
        "The records do not document failure of first-line treatment. The records do not indicate a diagnosis "
        f"of muscle spasm. {last} {DENIED}"
    )
    found = find_reason(rationale, "upheld", "Diclofenac 75mg #60")
    score = next(s.score for s in found.sentences if rationale[s.start : s.end] == last)
    assert (score >= _THRESHOLD) is a_point, score


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        ("There are no findings consistent with cauda equina syndrome.", "cauda equina syndrome: "),
        ("There is no improvement on the regimen.", "regimen: "),
        ("There is no improvement on the current plan.", None),  # the right output kept: nothing to explain
    ],
)
def test_terms_readers_met_unexplained_are_explained_in_both_languages(sentence: str, term: str | None) -> None:
    from imr_llm.summary.languages import get_language

    for lang in ("en", "es"):
        lines = get_language(lang).terms(sentence)
        assert any(line.startswith(term) for line in lines) if term else lines == [], lines


def test_a_scans_gap_in_nerve_findings_ranks_before_its_gap_in_talk_of_surgery() -> None:
    from imr_llm.parser.reasons import find_reason

    surgery = "There is no documentation that surgery has been considered."
    nerve = "The exam notes did not show neurological deficits, and the x-rays did not show a fracture."
    rationale = f"{nerve} {surgery} {DENIED}"

    def ranked(asked: str) -> list[str]:
        return [rationale[s.start : s.end] for s in find_reason(rationale, "upheld", asked).sentences]

    assert ranked("MRI of the lumbar spine")[0] == nerve  # a scan: the exam findings of a nerve problem first
    # the right output kept: for other care the talk of surgery keeps its weight (here it ranks first)
    assert ranked("Lumbar epidural steroid injection")[0] == surgery


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("physical examination findings to support the x-ray", True),
        ("physical examination findings to suggest a new injury", False),  # which findings: kept whole
    ],
)
def test_a_spanish_name_keeps_what_says_which_findings(missing: str, named: bool) -> None:
    from imr_llm.summary.languages import get_language

    assert (get_language("es").gist(missing) is not None) is named
