"""Few-shot examples for prompts: a letter and the answer a perfect model would give.

The answer is built from the parser's record of the example letter (synthetic letters kept in the
prompt's own folder, which the parser reads exactly), in the LLM's answer schema.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from imr_llm.llm.prompts import PromptTemplate
from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.textnorm import flatten


def answer_for(record: LetterRecord) -> dict[str, Any]:
    """LLMLetter arguments stating exactly what the record says."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "case_number": record.case_number,
        "date_of_injury": iso(record.date_of_injury),
        "ur_determination_date": iso(record.ur_determination_date),
        "application_received_date": iso(record.application_received_date),
        "decision_date": iso(record.decision_date),
        "date_assigned": iso(record.date_assigned),
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


def load_examples(paths: list[Path]) -> list[dict[str, str]]:
    """[{letter, answer}] for the template's `examples` loop."""
    examples = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        examples.append({"letter": flatten(text).flat, "answer": json.dumps(answer_for(parse_text(text)))})
    return examples


def examples_for(prompt: PromptTemplate) -> list[dict[str, str]]:
    """The prompt's few-shot examples, built once per set of example files."""
    return _cached(prompt.examples)


@functools.lru_cache(maxsize=16)
def _cached(paths: tuple[Path, ...]) -> list[dict[str, str]]:
    return load_examples(list(paths))
