"""The reviewer's reason: which sentences of a rationale give it, and their topic (synthetic sentences)."""

from __future__ import annotations

import pytest

from imr_llm.parser.reasons import agrees, classify_sentence, find_reason

GUIDE = "The MTUS guidelines recommend an initial trial of six visits of physical therapy for this condition."
CONCLUSION = "Therefore, the request is not medically necessary."


@pytest.mark.parametrize(
    ("case_sentence", "topic"),
    [
        ("The request did not specify the frequency or the duration of the sessions.", "request_details"),
        (
            "There is no record of objective functional improvement from the prior sessions.",
            "functional_improvement",
        ),
        (
            "In this case, there is no evidence that the patient failed a trial of first-line medications.",
            "conservative_care",
        ),
        ("However, the examination did not document any neurological deficits in the legs.", "clinical_findings"),
        ("The 12 sessions requested would exceed the guideline recommendation.", "guideline_amount"),
        ("There is no indication that the patient is monitored with urine drug screens.", "safety_monitoring"),
        (
            "As the requested surgical intervention is not medically necessary, the requested ancillary service is "
            "not medically necessary.",
            "linked_service",
        ),
    ],
)
def test_the_case_sentence_is_chosen_over_the_guideline_and_the_conclusion(case_sentence: str, topic: str) -> None:
    rationale = f"{GUIDE} {case_sentence} {CONCLUSION}"
    found = find_reason(rationale, "upheld", "Physical therapy 12 sessions")
    assert found.sentences[0].text(rationale) == case_sentence
    assert found.topic == topic and found.confident
    assert CONCLUSION not in [s.text(rationale) for s in found.sentences]


def test_a_bare_conclusion_is_never_the_reason_when_a_real_one_exists() -> None:
    rationale = (
        "No, the request for acupuncture was not medically necessary. The MTUS notes acupuncture is an option. "
        "Here, the applicant had already received eight sessions without any documented improvement in function. "
        "The request for acupuncture, thus, was not medically necessary."
    )
    found = find_reason(rationale, "upheld", "Acupuncture 6 sessions")
    assert found.sentences[0].text(rationale).startswith("Here, the applicant had already received")
    assert found.topic == "functional_improvement"


def test_an_approval_is_not_explained_by_what_is_missing() -> None:
    rationale = (
        "The guidelines support imaging when red flags are present. There is no documentation of a prior x-ray. "
        "In this case, the records document progressive weakness and a positive straight leg raise on examination. "
        "The request is medically necessary."
    )
    found = find_reason(rationale, "overturned", "MRI of the lumbar spine")
    assert found.sentences[0].text(rationale).startswith("In this case, the records document progressive weakness")
    assert found.topic == "clinical_findings" and found.confident


def test_a_sentence_that_says_the_opposite_of_the_decision_is_not_paraphrased() -> None:
    # an upheld item whose only case sentence says the treatment helped: quote it, never say "did not help"
    rationale = f"{GUIDE} In this case, the claimant reported benefit from the first six visits. {CONCLUSION}"
    found = find_reason(rationale, "upheld", "Physical therapy 12 sessions")
    assert not found.confident
    assert not agrees("In this case, the claimant reported benefit from the first six visits.", "upheld")
    assert agrees("There was no documentation of benefit.", "upheld")
    assert not agrees("There is no documentation of benefit and no exam findings.", "overturned")


def test_linked_service_needs_a_named_service_that_was_not_approved() -> None:
    named = "Given that the ibuprofen was deemed to be not medically necessary, the pantoprazole is not necessary."
    found = find_reason(named, "upheld", "Pantoprazole 40mg #30")
    assert found.linked_service == "ibuprofen" and found.topic == "linked_service"
    unnamed = "There is no documentation that the patient will undergo surgery, and bracing is for after surgery."
    assert find_reason(unnamed, "upheld", "Elbow brace").linked_service is None
    itself = "As the requested knee arthroscopy is not medically necessary, it is not certified."
    assert find_reason(itself, "upheld", "Requested knee arthroscopy").linked_service is None


def test_no_rationale_no_reason() -> None:
    found = find_reason("", "upheld")
    assert found.topic is None and not found.sentences and not found.confident


def test_classify_sentence_orders_by_strength() -> None:
    assert classify_sentence("The request did not specify the quantity of sessions.")[0] == "request_details"
    assert classify_sentence("The patient reported a nice day.") == []
