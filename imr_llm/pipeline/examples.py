"""Few-shot examples for prompts: a letter and the answer a perfect model would give.

The answer is built from the parser's record of the example letter (synthetic letters kept in the
prompt's own folder, which the parser reads exactly), in the LLM's answer schema.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from imr_llm.fields import ANSWER_ITEM, ANSWER_REVIEWER, ANSWER_TOP
from imr_llm.llm.prompts import PromptTemplate
from imr_llm.parser import parse_text
from imr_llm.pipeline.answer import LLMItem, LLMLetter
from imr_llm.schema import LetterRecord
from imr_llm.textnorm import flatten


def answer_for(record: LetterRecord) -> dict[str, Any]:
    """LLMLetter arguments stating exactly what the record says: the field table (`fields.ANSWER_*`) read
    the other way, in the answer schema's order."""
    return {
        **{f.answer: _plain(getattr(record, f.record), f.answer) for f in ANSWER_TOP},
        **{f.answer: _plain(getattr(record.reviewer, f.record), f.answer) for f in ANSWER_REVIEWER},
        "diagnoses": record.diagnoses or [],
        "disputed_items": [
            {f.answer: _plain(getattr(item, f.record), f.answer, LLMItem) for f in ANSWER_ITEM if not f.derived}
            for item in record.disputed_items
        ],
    }


def _plain(value: Any, answer: str, model: type[BaseModel] = LLMLetter) -> Any:
    """A record value as the answer states it: a date as YYYY-MM-DD, an absent list as []."""
    if value is None and model.model_fields[answer].default_factory is list:
        return []
    return to_jsonable_python(value)


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
