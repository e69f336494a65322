"""Checks that evidence spans really hold the values they are cited for."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from imr_llm.fields import compact, get_path
from imr_llm.parser.dates import parse_date
from imr_llm.schema import LetterRecord
from imr_llm.textnorm import clean_chars

_SEX_WORDS = {"male": {"male", "man", "gentleman"}, "female": {"female", "woman", "lady"}}


def span_holds(value: Any, quoted: str) -> bool:
    """Whether the text `quoted` states `value` (modulo whitespace and hyphenation)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and len(value) == 10 and value[4] == "-"):
        parsed = parse_date(" ".join(quoted.split()))
        return parsed is not None and parsed.isoformat() == str(value)
    if isinstance(value, str) and value in _SEX_WORDS:
        return compact(quoted) in _SEX_WORDS[value]
    if value in ("upheld", "overturned") and value not in quoted.lower():
        # layouts without a decision word: the evidence is the verdict ("is not medically necessary")
        said = " ".join(quoted.lower().split())
        if "medically" not in said:
            return False
        negative = re.search(r"\bnot\b|notmedically|\bnon-?certif", said) is not None
        return bool(negative == (value == "upheld"))
    return compact(str(value)) in compact(quoted)


def evidence_problems(record: LetterRecord, raw_text: str) -> list[str]:
    """One message per evidence span whose text does not hold its value."""
    data = record.model_dump(mode="json")
    text = clean_chars(raw_text)  # same length: blanks page-noise lines the parser skipped
    problems = []
    for path, span in record.evidence.items():
        value = get_path(data, path)
        quoted = text[span.start : span.end]
        if value is None or not span_holds(value, quoted):
            problems.append(f"{path}: value {value!r} not in text {quoted[:80]!r} at {span.start}-{span.end}")
    return problems
