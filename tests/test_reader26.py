"""A twenty-sixth independent reader's findings (a worker's advocate, 12 letters read rounds before): each fixed by a
general rule and tested both ways on synthetic letters."""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.summarize import summarize
from tests.letters import Item, make_letter

SAID = "The letter says physical therapy was approved."
DICHO = "La carta dice que se aprobó terapia física."


def _step(item: Item, lang: str = "en") -> str:
    outcome = summarize(parse_text(make_letter(item)), lang)
    assert outcome.checks.passed, outcome.checks.problems
    return outcome.summary.items[0].next_step


def test_care_the_letter_says_was_approved_and_not_yet_tried_is_the_way_forward() -> None:
    """An MRI and a nerve test denied for want of a trial of therapy, where the letter says therapy had just been
    approved: the step asked for "records of trying therapy, if there are any"; the way forward is to try it."""
    mri = Item(
        "MRI of the neck",
        "Upheld",
        "Imaging is advised when symptoms last after a course of simpler care. Records show the worker has been "
        "authorized for 8 visits of physical therapy last month. There is no note that the worker has tried and "
        "failed simpler care, such as physical therapy, before asking for the scan. Therefore, the request is not "
        "medically necessary.",
    )
    assert SAID in _step(mri) and "Once you have tried it" in _step(mri)
    assert DICHO in _step(mri, "es")


@pytest.mark.parametrize(
    "rationale",
    [
        # the approval is of the care itself: never "try it first" for a request for that care
        "Physical therapy 12 visits was the original request. Physical therapy 4 visits was authorized by the "
        "Claims Administrator. There is no note of any gain from the visits already given. Therefore, the request "
        "is not medically necessary.",
        # therapy was not approved
        "Physical therapy was not approved at the last review. There is no note that the worker has tried and "
        "failed simpler care. Therefore, the request is not medically necessary.",
        # therapy was approved, but the reviewer's point is another one
        "Records show the worker has been authorized for 8 visits of physical therapy. The exam shows no weakness "
        "or numbness in the arms. Therefore, the request is not medically necessary.",
    ],
)
def test_an_approval_of_the_care_asked_for_or_none_or_a_point_elsewhere_adds_no_such_step(rationale: str) -> None:
    request = "Physical therapy 12 visits" if rationale.startswith("Physical therapy 12") else "MRI of the neck"
    step = _step(Item(request, "Upheld", rationale))
    assert SAID not in step and "was approved" not in step


def test_no_special_circumstances_to_go_outside_the_guidelines_follows_the_point_it_presumes() -> None:
    """A muscle relaxant denied as taken past the guideline's few weeks: the page led with the closing "no special
    circumstances to justify going past the guidelines", which presumes the request is outside them; the
    reviewer's point on why comes first. Alone, it is still the reason; the topic is unchanged."""
    rationale = (
        "The guidelines advise this drug only for a short course of two to three weeks. The records show the worker "
        "has used it well past that course. The treating doctor does not establish a need for long term use. The "
        "treating doctor does not give any special circumstances to justify going past the guidelines. "
        "Therefore, the request is not medically necessary."
    )
    outcome = summarize(parse_text(make_letter(Item("Tizanidine 4mg #60", "Upheld", rationale))), "en")
    why = outcome.summary.items[0].reason.text
    assert outcome.checks.passed
    assert "special circumstances" in why and why.index("long term use") < why.index("special circumstances")
    alone = rationale.replace("The treating doctor does not establish a need for long term use. ", "").replace(
        "The records show the worker has used it well past that course. ", ""
    )
    page = summarize(parse_text(make_letter(Item("Tizanidine 4mg #60", "Upheld", alone))), "en").summary
    assert "special circumstances" in page.items[0].reason.text  # right way: alone, it is the reason
