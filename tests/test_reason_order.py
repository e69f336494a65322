"""Which of the reviewer's reasons the page says first. A test or care the worker already had, asked for again
without a reason the reviewer could see, makes the other points moot: a reader found that point left "in the
letter" behind two lesser ones. It is said first, and the step follows it; other pages keep the reviewer's order."""

from __future__ import annotations

from imr_llm.summary.build import build_summary
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."
REPEAT = (
    "There is no documentation of failed home exercise. There is no record of locking of the knee on exam. "
    "The worker had a knee MRI on 3/3/2016. It is not clear why a repeat study is needed now."
)


def test_the_reviewers_question_why_a_test_already_done_is_asked_again_comes_first() -> None:
    item = build_summary(one("MRI of the left knee", "Upheld", REPEAT + CLOSE), "en").items[0]
    assert item.reason.plain[0].source.startswith("It is not clear why a repeat study"), item.reason.plain
    assert "why a repeat study is needed" in item.next_step, item.next_step
    # a second reader: "an additional study", the worker named between
    other = REPEAT.replace("why a repeat study is needed now", "as to why the worker would need an additional study")
    item = build_summary(one("MRI of the left knee", "Upheld", other + CLOSE), "en").items[0]
    assert "additional study" in item.reason.plain[0].source, item.reason.plain


def test_without_such_a_question_the_reviewers_order_stands() -> None:
    rationale = REPEAT.replace(" It is not clear why a repeat study is needed now.", "")
    item = build_summary(one("MRI of the left knee", "Upheld", rationale + CLOSE), "en").items[0]
    assert item.reason.plain[0].source.startswith("There is no documentation of failed home exercise"), item.reason
    # a repeat the reviewer does not question (a second opinion asked for, "another" visit) is no such point
    other = "There is no record of locking of the knee on exam. It is unclear why a second visit is needed."
    item = build_summary(one("Office visit", "Upheld", other + CLOSE), "en").items[0]
    assert item.reason.plain[0].source.startswith("There is no record of locking"), item.reason


def test_the_requests_own_history_is_never_given_as_the_reason() -> None:
    # a reader: "you were requested for an MRI, but this was denied" shown as the reviewer's reason
    rationale = (
        "The worker has low back pain with a positive leg raise. The worker earlier had a CT of the low back after "
        "the fall, and this showed wear, but no sign of a disc bulge; the worker was requested for an MRI, but this "
        "was denied."
    )
    item = build_summary(one("MRI of the low back", "Upheld", rationale + CLOSE), "en").items[0]
    assert not any("was denied" in s for s in item.reason.sentences), item.reason


def test_care_had_before_without_gains_is_still_a_reason() -> None:
    rationale = "The worker previously had 24 visits of therapy, and there is no record of gains in function."
    item = build_summary(one("Physical therapy 8 visits", "Upheld", rationale + CLOSE), "en").items[0]
    assert item.reason.plain and not item.reason.quoted, item.reason
