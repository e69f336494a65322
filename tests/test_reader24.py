"""The twenty-fourth independent reader's findings, each a general rule tested both ways, in synthetic letters.

- a denial whose points say an exam showed none of the signs the care needs ("had no focal deficits on
  examination") tells the worker a later exam could find them (it was the stock "read the
  reviewer's words"); never when another criterion a new request could meet is among the points (surgery
  considered, simpler care failed), nor when the exam did show the signs.
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from tests.letters import Item, make_letter

DENIED = "Therefore, the request is not medically necessary."
GENERIC = "Your doctor can read the reviewer's words"
LATER = "If your doctor finds such signs later"


def _step(request: str, rationale: str, lang: str = "en") -> str:
    record = parse_text(make_letter(Item(request, "Upheld", f"{rationale} {DENIED}")))
    return build_summary(record, lang=lang).items[0].next_step


@pytest.mark.parametrize(
    "finding",
    [
        "The worker had no focal deficits on examination.",
        "The physical exam documents no focal nerve deficits in the legs.",
    ],
)
def test_an_exam_without_the_signs_says_a_later_exam_could_find_them(finding: str) -> None:
    step = _step("MRI of the thoracic spine", f"Imaging is advised when the exam shows nerve deficits. {finding}")
    # wrong (the reader): the stock "Your doctor can read the reviewer's words ..."
    assert LATER in step and GENERIC not in step, step
    spanish = _step(
        "MRI of the thoracic spine", f"Imaging is advised when the exam shows nerve deficits. {finding}", "es"
    )
    assert "más adelante" in spanish, spanish


@pytest.mark.parametrize(
    "finding",
    [
        # another criterion a new request could meet: the step is not only about a later exam
        "The exam shows a pinched nerve, but the notes never say whether surgery was discussed.",
        # the exam did show the signs
        "The worker had focal neurological deficits on exam, and the records are otherwise complete.",
    ],
)
def test_an_exam_with_the_signs_or_another_criterion_keeps_its_step(finding: str) -> None:
    step = _step("MRI of the thoracic spine", f"Imaging is advised when the exam shows nerve deficits. {finding}")
    assert LATER not in step, step


SEVERAL = "The reviewer made more than one point. Their words are below. Here is one of them"
# no form says it (a rule for "patients" in general inside it): quoted only
FIRST = (
    "However, there was no documentation that an operation on the wrist is planned, as bracing should be avoided "
    "except for patients having an operation."
)
ADDED = "There was also no note of special reasons to go past the guidelines in this case."


def _why(rationale: str) -> tuple[str, str]:
    record = parse_text(make_letter(Item("Wrist brace", "Upheld", f"{rationale} {DENIED}")))
    item = build_summary(record).items[0]
    return item.reason.text, item.reason.quote


def test_a_point_added_to_one_no_plain_line_says_never_leads_the_why() -> None:
    why, quote = _why(f"{FIRST} {ADDED}")
    # wrong (the reader): "The reviewer found no special factors ..." first, as if it were the reason
    assert why.startswith(SEVERAL), why
    assert quote.index("operation on the wrist") < quote.index("special reasons"), quote


@pytest.mark.parametrize(
    "rationale",
    [
        # the point it adds to is said plainly too
        f"There is no record of a recent exam of the wrist. {ADDED}",
        # nothing before it
        ADDED,
    ],
)
def test_an_added_point_with_its_first_point_said_or_none_before_reads_as_before(rationale: str) -> None:
    why, _ = _why(rationale)
    assert not why.startswith(SEVERAL), why
