"""What a perfect model would answer for a sample letter, built from its gold file."""

from __future__ import annotations

from typing import Any

from imr_llm.schema import LetterRecord


def perfect_answer(record: LetterRecord) -> dict[str, Any]:
    """LLMLetter arguments that state exactly what the parser read (quotes taken from the letter)."""
    return {
        "case_number": record.case_number,
        "date_of_injury": record.date_of_injury.isoformat() if record.date_of_injury else None,
        "ur_determination_date": record.ur_determination_date.isoformat() if record.ur_determination_date else None,
        "decision_date": record.decision_date.isoformat() if record.decision_date else None,
        "patient_age": record.patient_age,
        "patient_sex": record.patient_sex,
        "reviewer_certifications": record.reviewer.board_certifications,
        "reviewer_states": record.reviewer.licensed_state,
        "diagnoses": record.diagnoses or [],
        "disputed_items": [
            {
                "request": item.request,
                "decision": item.decision,
                "decision_quote": item.decision_text,
                "guidelines_cited": item.guidelines_cited or [],
                "maximus_guideline_text": item.maximus_guideline_text,
                "rationale_first_sentence": item.rationale_first_sentence,
            }
            for item in record.disputed_items
        ],
    }
