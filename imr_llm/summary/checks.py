"""Checks run on every summary, offline or LLM-written, and reported with it.

- reading ease of our own prose (quoted letter text excluded): English Flesch-Kincaid
  grade <= 8 (target 6); Spanish Fernandez Huerta >= 60 (target 70, "bastante fácil");
- every disputed item present, with the decision of the record (right polarity);
- no item that the record does not have;
- every date, number and name (capitalised words, acronyms, drug and procedure
  words) traceable to the record or to the fixed wording of our templates;
- length within bounds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache

from pydantic import BaseModel, Field

from imr_llm.schema import LetterRecord
from imr_llm.summary import readability
from imr_llm.summary.model import Lang, Summary
from imr_llm.summary.render import TEMPLATES

ITEM_MARKER = {"en": "Request", "es": "Pedido"}
END_MARKER = {"en": "What you can do now", "es": "Lo que puede hacer ahora"}
APPROVED = {
    "en": ("it is approved", "must approve", "overturned", "reversed", "is medically necessary"),
    "es": ("sí está aprobado", "debe aprobar", "overturned", "revocada", "se cambió"),
}
NOT_APPROVED = {
    "en": ("not approved", "denial stands", "upheld", "turned down", "not medically necessary"),
    "es": ("no está aprobado", "no será aprobado", "se mantiene", "upheld", "confirmada"),
}
_MONTHS = {
    "en": "January|February|March|April|May|June|July|August|September|October|November|December",
    "es": "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre",
}
_MEDICAL_WORD = re.compile(
    r"\b\w+(?:ectomy|otomy|plasty|scopy|graphy|gram|codone|morphone|profen|oxib|azepam|azolam|prazole|"
    r"tidine|triptan|tramadol|gabapentin|pregabalin|mycin|cillin|cycline|floxacin|sone|olone|caine|"
    r"therapy|injection|scan)\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Z][a-z]+(?:[A-Z][a-z]+)*)\b", re.M)
_NUMBER = re.compile(r"\b\d+(?:[.,/]\d+)*\b")
MIN_WORDS = 120
WORDS_PER_ITEM = 150
BASE_MAX_WORDS = 450


class ItemCheck(BaseModel):
    number: int
    present: bool
    polarity_ok: bool


class SummaryChecks(BaseModel):
    passed: bool
    lang: Lang
    grade: float | None = Field(default=None, description="Flesch-Kincaid grade of our prose (English)")
    ease: float | None = Field(default=None, description="Fernandez Huerta reading ease (Spanish)")
    target_met: bool
    items: list[ItemCheck]
    invented_items: list[str] = Field(default_factory=list)
    untraceable: list[str] = Field(default_factory=list)
    words: int
    length_ok: bool
    problems: list[str] = Field(default_factory=list)


@cache
def _template_vocabulary() -> str:
    """Every word our own templates use: those need no support from the record."""
    return " ".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.j2")).casefold()


def _record_text(record: LetterRecord) -> str:
    return json.dumps(
        record.model_dump(mode="json", exclude={"evidence", "crosscheck", "llm"}), ensure_ascii=False
    ).casefold()


def _record_dates(record: LetterRecord) -> set[dt.date]:
    dates = {
        d
        for d in (
            record.date_of_injury,
            record.ur_determination_date,
            record.application_received_date,
            record.decision_date,
            record.date_assigned,
            record.application_filed_date,
            record.notice_of_assignment_date,
        )
        if d is not None
    }
    return dates


def _dates_in(text: str, lang: Lang) -> list[tuple[str, dt.date | None]]:
    months = _MONTHS[lang].split("|")
    found: list[tuple[str, dt.date | None]] = []
    if lang == "en":
        pattern = re.compile(rf"\b({_MONTHS['en']}) (\d{{1,2}}), (\d{{4}})\b")
        for m in pattern.finditer(text):
            found.append((m.group(0), _safe_date(int(m.group(3)), months.index(m.group(1)) + 1, int(m.group(2)))))
    else:
        pattern = re.compile(rf"\b(\d{{1,2}}) de ({_MONTHS['es']}) de (\d{{4}})\b", re.I)
        for m in pattern.finditer(text):
            found.append(
                (m.group(0), _safe_date(int(m.group(3)), months.index(m.group(2).lower()) + 1, int(m.group(1))))
            )
    for m in re.finditer(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})\b", text):
        year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
        found.append((m.group(0), _safe_date(year, int(m.group(1)), int(m.group(2)))))
    return found


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _sections(text: str, lang: Lang) -> dict[int, str]:
    marker = ITEM_MARKER[lang]
    end = text.find(END_MARKER[lang])
    body = text if end < 0 else text[:end]
    parts = re.split(rf"(?m)^#*\s*{marker} (\d+):", body)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def check_summary(text: str, summary: Summary, record: LetterRecord) -> SummaryChecks:
    """Check rendered summary `text` (Markdown or plain) against the record it claims to summarise."""
    lang = summary.lang
    problems: list[str] = []
    quoted = summary.quoted()
    prose = readability.strip_quotes(text, quoted)

    grade = ease = None
    if lang == "en":
        grade = round(readability.english_grade(prose), 2)
        passes_reading = grade <= readability.EN_MAX_GRADE
        target_met = grade <= readability.EN_TARGET_GRADE
        if not passes_reading:
            problems.append(f"reading grade {grade} is above {readability.EN_MAX_GRADE}")
    else:
        ease = round(readability.spanish_ease(prose), 2)
        passes_reading = ease >= readability.ES_MIN_EASE
        target_met = ease >= readability.ES_TARGET_EASE
        if not passes_reading:
            problems.append(f"reading ease {ease} is below {readability.ES_MIN_EASE}")

    sections = _sections(text, lang)
    item_checks: list[ItemCheck] = []
    for i, item in enumerate(record.disputed_items, 1):
        section = sections.get(i, "")
        present = bool(section) and item.request in section
        plain = readability.strip_quotes(section, quoted).casefold()
        says_yes = any(p in plain for p in APPROVED[lang])
        says_no = any(p in plain for p in NOT_APPROVED[lang])
        polarity_ok = (says_yes and not says_no) if item.decision == "overturned" else (says_no and not says_yes)
        item_checks.append(ItemCheck(number=i, present=present, polarity_ok=polarity_ok))
        if not present:
            problems.append(f"item {i} ({item.request!r}) is missing")
        elif not polarity_ok:
            problems.append(f"item {i} does not state its decision ({item.decision}) unambiguously")
    invented = [f"{ITEM_MARKER[lang]} {n}" for n in sections if n > len(record.disputed_items) or n < 1]
    problems += [f"{name} is not an item of the letter" for name in invented]

    record_text = _record_text(record)
    vocabulary = _template_vocabulary()
    known_dates = _record_dates(record)
    untraceable: list[str] = []
    for shown, date in _dates_in(prose, lang):
        if date is None or date not in known_dates:
            untraceable.append(shown)
    without_dates = prose
    for shown, _ in _dates_in(prose, lang):
        without_dates = without_dates.replace(shown, " ")
    without_markers = re.sub(rf"{ITEM_MARKER[lang]} \d+:", " ", without_dates)
    for number in _NUMBER.findall(without_markers):
        if number.casefold() not in record_text and number not in vocabulary:
            untraceable.append(number)
    for word in set(_NAME.findall(without_markers)) | set(_MEDICAL_WORD.findall(without_markers)):
        if word.casefold() not in record_text and word.casefold() not in vocabulary:
            untraceable.append(word)
    untraceable = sorted(set(untraceable))
    problems += [f"{u!r} is not in the letter" for u in untraceable]

    words = len(text.split())
    max_words = BASE_MAX_WORDS + WORDS_PER_ITEM * len(record.disputed_items)
    length_ok = MIN_WORDS <= words <= max_words
    if not length_ok:
        problems.append(f"{words} words (expected {MIN_WORDS}-{max_words})")

    return SummaryChecks(
        passed=not problems,
        lang=lang,
        grade=grade,
        ease=ease,
        target_met=target_met,
        items=item_checks,
        invented_items=invented,
        untraceable=untraceable,
        words=words,
        length_ok=length_ok,
        problems=problems,
    )
