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
