"""Hardening, round six: a thirteenth hostile probe's findings, each the wrong output it must not produce and the
right output it must keep. Letters are synthetic (tests/letters.py); sentences are written for these tests.

- The firm taper line ("Do not stop this medicine suddenly") only when a sentence says the worker uses the drug
  asked for: not the guidelines' talk of long-term use, not a negation, not another drug.
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from tests.letters import Item, make_letter

FIRM = "Do not stop this medicine suddenly."
IF_TAKEN = "If you already take this medicine"


def _taper(request: str, rationale: str) -> str:
    record = parse_text(make_letter(Item(request, "Upheld", rationale)))
    return build_summary(record).items[0].taper_warning or ""


@pytest.mark.parametrize(
    "sentence",
    [
        "Extended use can be suitable if the claimant shows measured gains in function and less pain.",
        "There is no indication that the claimant is on tramadol.",
        "The claimant was weaned off hydrocodone in 2015.",
        "The claimant is on ibuprofen and acetaminophen.",
        "The claimant has been off opioids since 2015.",
        "The claimant tolerated continued physical therapy for several months.",
    ],
)
def test_no_firm_taper_line_without_a_sentence_that_the_worker_takes_it(sentence: str) -> None:
    rationale = (
        f"Opioids are a second choice after other pain medicines. {sentence} There is no record of first-line "
        "medicines tried before. The request is not medically necessary."
    )
    line = _taper("Tramadol 50mg #60", rationale)
    assert line.startswith(IF_TAKEN) and FIRM not in line, line


@pytest.mark.parametrize(
    "sentence",
    [
        "The claimant has been on tramadol for two years.",
        "The claimant is currently taking tramadol twice a day.",
        "The claimant has been on chronic opioid treatment for at least 6 months.",
        "The request for tramadol was noted to be a refill.",
    ],
)
def test_the_firm_taper_line_when_a_sentence_says_the_worker_takes_it(sentence: str) -> None:
    rationale = (
        f"Opioids are a second choice after other pain medicines. {sentence} There is no record of first-line "
        "medicines tried before. The request is not medically necessary."
    )
    assert _taper("Tramadol 50mg #60", rationale).startswith(FIRM)


def _approved(request: str, rationale: str) -> tuple[str, str | None]:
    item = build_summary(parse_text(make_letter(Item(request, "Overturned", rationale)))).items[0]
    return item.next_step, item.already_given


@pytest.mark.parametrize(
    "sentence",
    [
        "Upon retrospective review of the records, the worker tolerates anti-inflammatory pills.",
        "A retrospective review of the pharmacy notes shows steady use without stomach upset.",
        "The requested naproxen was dispensed on 10/03/2016 with benefit, and a further month is now requested.",
    ],
)
def test_a_look_back_at_records_or_an_earlier_fill_is_not_care_already_given(sentence: str) -> None:
    step, given = _approved(
        "Naproxen 500mg #60", f"The guidelines support anti-inflammatory pills for flares of pain. {sentence}"
    )
    assert given is None and "5 working days" in step and "20 days" not in step, step
    # the right output kept: a retrospective request, and the requested care given on a date, are care already given
    step, given = _approved(
        "Naproxen 500mg #60",
        "The guidelines support anti-inflammatory pills for flares. This is a retrospective request for the pills.",
    )
    assert given is not None and "20 days" in step, step
    step, given = _approved(
        "Naproxen 500mg #60",
        "The guidelines support anti-inflammatory pills for flares. The requested naproxen was dispensed on "
        "10/03/2016.",
    )
    assert given is not None and "October 3, 2016" in given, given


def _why(rationale: str, request: str = "CT scan of the head") -> str:
    item = build_summary(parse_text(make_letter(Item(request, "Upheld", rationale)))).items[0]
    return f"{item.reason.text} {item.next_step}"


@pytest.mark.parametrize(
    "sentence",
    [
        "There is no documentation that the UR physician was reached by the treating provider.",
        "There is no documentation that the QME physician reviewed the scan.",
        "There is no documentation that a physician other than the requesting provider saw the worker.",
        "There is no documentation that the pain management physician examined the worker.",
    ],
)
def test_another_doctor_is_never_your_doctor(sentence: str) -> None:
    said = _why(
        f"The guidelines allow a CT scan after a head injury with warning signs. {sentence} The request is "
        "not medically necessary."
    )
    for wrong in ("UR your doctor", "QME your doctor", "a your doctor", "management your doctor", "your your"):
        assert wrong not in said, said


def test_the_worker_s_own_doctor_is_still_your_doctor_and_utilization_review_keeps_its_name() -> None:
    said = _why(
        "The guidelines allow a CT scan after a head injury with warning signs. There is no documentation that the "
        "treating physician found such signs. The request is not medically necessary."
    )
    assert "your doctor found such signs" in said, said
    said = _why(
        "The guidelines allow a CT scan after a head injury with warning signs. There is no documentation that the "
        "claimant's physician found such signs. The request is not medically necessary."
    )
    assert "your doctor found such signs" in said and "your your" not in said, said
    said = _why(
        "The guidelines allow a CT scan after a head injury with warning signs. There is no documentation of the "
        "outcome of the earlier utilization review. The request is not medically necessary."
    )
    assert "utilization review" in said and "use review" not in said, said
