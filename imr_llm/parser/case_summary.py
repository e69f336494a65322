"""The clinical case summary: where it is, patient age and sex, and the dates that letters
without a header block state only in prose (diagnoses: `diagnoses.py`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from imr_llm.care.drugs import find_names
from imr_llm.parser.context import ParseContext
from imr_llm.parser.dates import ANY_DATE, parse_date

# literal anchors, found with str.find (much faster than a regex alternation)
_SUMMARY_STARTS = ("CLINICAL CASE SUMMARY", "Expert Reviewer Case Summary:", "CASE SUMMARY:", "Case Summary:")
_SUMMARY_ENDS = (
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "IMR DECISION(S) AND RATIONALE(S)",
    "DOCUMENTS REVIEWED",
    "Documents Reviewed for Determination:",
    "MEDICAL TREATMENT GUIDELINE",
)
_SUMMARY_INTRO = re.compile(
    r"(?:The expert reviewer developed the following clinical case summary based on a review of the case "
    r"file, including all medical records: ?|Disclaimer: The following case summary was taken directly "
    r"from the utilization review denial/modification dated [^.]*\. ?)",
    re.I,
)

_AGE_SEX = re.compile(r"\b(?P<age>\d{1,3})[- ]years?[- ]old,? (?P<sex>male|female|man|woman|gentleman|lady)\b", re.I)
_SEX_ONLY = re.compile(r"\b(?:is|was) an? (?P<sex>male|female|man|woman)\b", re.I)
_SEX_WORDS = {
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "female": "female",
    "woman": "female",
    "lady": "female",
}

_DOI_PROSE = re.compile(
    rf"(?:date of injury (?:of|on|was|is) |(?:industrial|work(?:-related)?|occupational|industrial-work) "
    rf"injury on |injured (?:at work )?on )(?P<date>{ANY_DATE})",
    re.I,
)
_UR_PROSE = re.compile(
    rf"(?:utilization review|UR)(?: (?:determination|denial|decision|report))?(?: letter)?,? (?:dated|on) "
    rf"(?P<date>{ANY_DATE})",
    re.I,
)
_FILED_2013 = re.compile(rf"application for Independent Medical Review was filed on (?P<date>{ANY_DATE})", re.I)
_NOTICE_2013 = re.compile(
    rf"Notice of Assignment and Request for Information was provided to the above parties on (?P<date>{ANY_DATE})",
    re.I,
)


def _first(flat: str, anchors: tuple[str, ...], start: int) -> tuple[int, int] | None:
    hits = [(i, i + len(a)) for a in anchors if (i := flat.find(a, start)) >= 0]
    return min(hits) if hits else None


_DATE_HINTS = {
    "date_of_injury": "injur",
    "ur_determination_date": "dated|utilization review",  # "... review (determination) dated", "... review on"
    "application_filed_date": "was filed on",
    "notice_of_assignment_date": "notice of assignment",
}


def summary_span(flat: str, stop_at: Callable[[str, int, int], int]) -> tuple[int, int] | None:
    """Where the case summary is; `stop_at` (the layout's) may end it earlier."""
    opened = _first(flat, _SUMMARY_STARTS, 0)
    if opened is None:
        return None
    closed = _first(flat, _SUMMARY_ENDS, opened[1])
    stop = closed[0] if closed else len(flat)
    stop = stop_at(flat, opened[1], stop)
    start = opened[1]
    while start < stop and flat[start] == " ":
        start += 1
    intro = _SUMMARY_INTRO.match(flat, start, stop)
    if intro:
        start = intro.end()
    return start, stop


_AGE_RANGE = re.compile(r"\d{1,3}(?:-?\s*(?:to|or)\s*|\s*[-/]\s*)$")


# the age-and-sex phrase of someone else ("a 19 year old male coworker", "whose 6 year old female child"), or the
# worker's age then ("a 27 year old male at the time of injury and is now a 29 year old male")
_OTHER_PERSON_AFTER = re.compile(
    r"[ \t,]*(?:\w+[ \t]+){0,2}?(?:co-?workers?|child|children|son|daughter|wife|husband|spouse|partner|friend|driver|"
    r"passenger|customer|client|supervisor|manager|relative|brother|sister|mother|father|parent|patient's|"
    r"claimant's)\b|\W*at the time of (?:the |his |her )?(?:injury|accident|incident)",
    re.I,
)
# the people a case summary names besides the worker
_OTHER_PEOPLE = (
    r"co-?workers?|supervisor|manager|foreman|boss|wife|husband|spouse|partner|child|son|daughter|friend|driver|"
    r"passenger|customer|client|mother|father|brother|sister|relative|witness"
)
_OTHER_PERSON_BEFORE = re.compile(
    rf"\b(?:whose|his|her|their)\s+(?:\w+\s+)?$|\b(?:{_OTHER_PEOPLE})\b[^.;()]{{0,12}}$",
    re.I,
)


def _workers_age_sex(ctx: ParseContext, start: int, end: int) -> re.Match[str] | None:
    """The first age-and-sex phrase in the case summary that is the worker's now (see `_OTHER_PERSON_AFTER`)."""
    for m in _AGE_SEX.finditer(ctx.flat, start, end):
        if _OTHER_PERSON_AFTER.match(ctx.flat, m.end(), min(end, m.end() + 40)):
            continue
        if _OTHER_PERSON_BEFORE.search(ctx.flat, max(start, m.start() - 24), m.start()):
            continue
        return m
    return None


MIN_WORKER_AGE = 14  # California's youngest working age: an injured worker's age below it is a misread


def parse_patient(ctx: ParseContext, start: int, end: int) -> tuple[int | None, str | None]:
    m = _workers_age_sex(ctx, start, end)
    if not m:
        sex = _SEX_ONLY.search(ctx.flat, start, end)
        if sex is None:
            return None, None
        ctx.cite("patient_sex", *sex.span("sex"))
        return None, _SEX_WORDS[sex.group("sex").lower()]
    ctx.cite("patient_sex", *m.span("sex"))
    age = int(m.group("age"))
    if _AGE_RANGE.search(ctx.flat, max(start, m.start() - 16), m.start("age")):
        # "a 55- to 60-year-old female": two ages, neither the worker's for sure
        ctx.warn(f"the patient's age reads as a range ending in {age}; left empty")
        return None, _SEX_WORDS[m.group("sex").lower()]
    if age > 120:  # a misread ('24' read as '240' on a scan): never a record that cannot be valid
        ctx.warn(f"the patient's age reads {age}, which is not an age in years; left empty")
        return None, _SEX_WORDS[m.group("sex").lower()]
    split = re.search(r"\d[ \t]+$", ctx.flat[max(start, m.start("age") - 4) : m.start("age")]) is not None
    if age < MIN_WORKER_AGE or split:
        # "a 3 4-year-old" (a digit split off by a scan or a typist) read as 4: a worker's age is never a child's,
        # and a digit just before it means the number is not whole
        ctx.warn(f"the patient's age reads {age}, which may not be the whole number; left empty")
        return None, _SEX_WORDS[m.group("sex").lower()]
    ctx.cite("patient_age", *m.span("age"))
    return age, _SEX_WORDS[m.group("sex").lower()]


def prose_date(ctx: ParseContext, field: str, start: int, end: int) -> dt.date | None:
    """A date that letters without a header state only in running text."""
    pattern = {
        "date_of_injury": _DOI_PROSE,
        "ur_determination_date": _UR_PROSE,
        "application_filed_date": _FILED_2013,
        "notice_of_assignment_date": _NOTICE_2013,
    }[field]
    lowered = ctx.flat[start:end].lower() if end - start < 200_000 else ctx.flat[start : start + 200_000].lower()
    m = None
    for hint in _DATE_HINTS[field].split("|"):
        at = lowered.find(hint)
        for _ in range(5):  # a few mentions at most: bounded work however the text repeats
            if at < 0:
                break
            lo = start + max(0, at - 80)
            m = pattern.search(ctx.flat, lo, min(end, lo + 300))
            if m and field == "date_of_injury" and _of_someone_else(ctx.flat, m.start("date")):
                m = None  # "A coworker injured on 01/05/2015 was also seen": another person's injury
            if m:
                break
            at = lowered.find(hint, at + len(hint))
        if m:
            break
    if not m:
        return None
    value = parse_date(m.group("date"))
    if value is not None:
        ctx.cite(field, *m.span("date"))
    return value


# another person a sentence's injury date may be of (the worker is never named so)
_SOMEONE_ELSE = re.compile(
    rf"\b(?:(?:{_OTHER_PEOPLE})s?|another (?:worker|employee|person)|other (?:workers?|employees?))\b", re.I
)


def _of_someone_else(flat: str, at: int) -> bool:
    """The date at `at` is in a sentence that names another person before it."""
    before = flat[max(0, at - 200) : at]
    sentence = _SENTENCE_END.split(before)[-1]
    return _SOMEONE_ELSE.search(sentence) is not None


# -- a denied drug the case summary names, that no item decides ----------------------------------------

_DENIED = re.compile(r"\b(?:denied|non-?certif\w*|not certified|modified|not medically necessary)\b", re.I)
_ABOUT_THE_REQUEST = re.compile(r"\brequest|\butilization review\b|\bUR\b", re.I)
# a sentence tells more than one outcome ("non-certified the MRI and certified Hydrocodone"): each clause apart
_CLAUSES = re.compile(
    r";|,?\s+(?:and|but|while)\s+(?=(?:(?:it|they|then|was|were)\s+)?(?:certified|approved|authorized|modified|denied|non-?certified)\b)",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def denied_drugs_not_decided(summary: str, asked: frozenset[str]) -> list[str]:
    """Drugs (as the case summary prints them) that a clause of the case summary says were denied or modified,
    and that no disputed item asks for (`asked`: the items' ingredients, by any name). The case summary
    retells the denial under review, so a drug it names there and no item holds points to a page of requests
    that is not here (the letter's last page lost at an item's end). Only drugs count: a drug has one name
    table (brand and generic meet), where "surgery" or "creams" name items in words no rule can match."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(summary):
        if not _ABOUT_THE_REQUEST.search(sentence):
            continue
        for clause in _CLAUSES.split(sentence):
            if not _DENIED.search(clause):
                continue
            for hit in find_names(clause):
                if hit.match == "exact" and not set(hit.product.ingredients) & asked and hit.printed not in out:
                    out.append(hit.printed)
    return out
