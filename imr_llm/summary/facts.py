"""Language-independent facts about an item that a summary puts in plain words.

Each function reads only the record (the request as worded, the partial-approval
heading, the rationale and its reason sentences) and returns keys, never prose:
each language (`imr_llm.summary.languages`) words the keys. Anything not found is
None, and the summary then says less, never more.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from imr_llm.parser.dates import ANY_DATE, parse_date


class Kind(StrEnum):
    """What sort of care a request is, for one plain phrase ("a scan", "a visit with a doctor")."""

    WITH_SURGERY = "with_surgery"
    FUNCTIONAL_TEST = "functional_test"
    SCAN = "scan"
    NERVE_TEST = "nerve_test"
    MEDICAL_TEST = "medical_test"
    THERAPY = "therapy"
    CHIROPRACTIC = "chiropractic"
    ACUPUNCTURE = "acupuncture"
    VISIT = "visit"
    INJECTION = "injection"
    SURGERY = "surgery"
    MEDICINE = "medicine"
    EQUIPMENT = "equipment"
    HOME_HELP = "home_help"
    PROGRAM = "program"
    TREATMENT = "treatment"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# First match wins. Visits (consult, evaluation, second opinion, follow-up) come before
# surgery, so a "spine surgery evaluation" is a visit; hands-on therapy ("myofascial release")
# comes before surgery's "release".
_KINDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.WITH_SURGERY, _rx(r"associated surgical service|\bpost-?op(?:erative)?\b|\bpre-?op(?:erative)?\b")),
    (Kind.FUNCTIONAL_TEST, _rx(r"functional capacity|\bFCE\b")),
    (
        Kind.SCAN,
        _rx(
            r"\b(?:MRI|MRA|magnetic resonance|CT\b|CAT scan|computed tomography|x-?rays?|radiograph\w*|ultrasound|"
            r"sonogram|bone scan|imaging|scan|DEXA|PET)\b"
        ),
    ),
    (Kind.NERVE_TEST, _rx(r"\b(?:EMG|NCS|NCV|electromyograph\w*|nerve conduction|electrodiagnostic)")),
    (
        Kind.MEDICAL_TEST,
        _rx(
            r"\b(?:EKG|ECG|electrocardiogram|echocardiogram|holter|lab|labs|blood (?:test|work)|urine|drug screen|"
            r"sleep study|grip test|range of motion (?:of )?test|test(?:ing)?)\b"
        ),
    ),
    (
        Kind.THERAPY,
        _rx(
            r"physical therapy|\bPT\b|physiotherapy|occupational therapy|\bOT\b|hand therapy|chirophysio|"
            r"work hardening|work conditioning|aquatic|myofascial|massage|manual therapy|speech therapy"
        ),
    ),
    (Kind.CHIROPRACTIC, _rx(r"chiro|manipulation")),
    (Kind.ACUPUNCTURE, _rx(r"acupunct")),
    (
        Kind.VISIT,
        _rx(
            r"consult|evaluation|second opinion|follow[- ]?up|office visit|referral|specialist|\bvisits?\b|"
            r"re-?evaluation|assessment|appointment"
        ),
    ),
    (Kind.INJECTION, _rx(r"inject|epidural|\bblocks?\b|\bESI\b|trigger point|radiofrequency|ablation|neurotomy")),
    (
        Kind.SURGERY,
        _rx(
            r"surgery|surgical|arthroscop|ectomy|plasty|otomy|repair|release|fusion|decompression|replacement|"
            r"reconstruction|implant"
        ),
    ),
    (
        Kind.MEDICINE,
        _rx(
            r"\b(?:mg|mcg|ml|tablets?|tabs?|capsules?|caps|cream|gel|patch|ointment|lotion|solution|suspension|"
            r"refills?|supply|grams?|gm)\b|#\s?\d|\d+\s?%|compound"
        ),
    ),
    (
        Kind.EQUIPMENT,
        _rx(
            r"brace|splint|support|wheelchair|walker|cane|crutch|pillow|mattress|\bbed\b|chair|commode|TENS|"
            r"H-?wave|\bunit\b|device|orthotic|collar|cushion|equipment|DME|workstation|cold therapy|hot/cold|"
            r"heat(?:ing)? pad|wrap|sling"
        ),
    ),
    (Kind.HOME_HELP, _rx(r"home health|nursing|\bRN\b|aide|caregiver|housekeeping")),
    (
        Kind.PROGRAM,
        _rx(r"gym|membership|exercise|program|functional restoration|psycholog|counsel|cognitive|weight loss"),
    ),
)


def treatment_kind(request: str) -> Kind:
    for kind, pattern in _KINDS:
        if pattern.search(request):
            return kind
    return Kind.TREATMENT


# -- medicines that must not be stopped at once ----------------------------------------------

_OPIOIDS = _rx(
    r"\b(?:opioids?|opiates?|oxycodone|oxycontin|roxicodone|percocet|endocet|xtampza|hydrocodone|norco|vicodin|"
    r"lortab|hysingla|zohydro|tramadol|ultram|ultracet|conzip|tapentadol|nucynta|morphine|ms ?contin|kadian|"
    r"hydromorphone|dilaudid|exalgo|oxymorphone|opana|fentanyl|duragesic|methadone|codeine|tylenol (?:#|no\.? ?)3|"
    r"buprenorphine|butrans|belbuca|suboxone|meperidine|demerol|levorphanol|synapryn)\b"
)
_BENZODIAZEPINES = _rx(
    r"\b(?:benzodiazepines?|diazepam|valium|alprazolam|xanax|lorazepam|ativan|clonazepam|klonopin|temazepam|"
    r"restoril|chlordiazepoxide|librium|triazolam|halcion|oxazepam|clorazepate|tranxene|estazolam|midazolam)\b"
)
# "should not be interpreted as a recommendation to stop long-term opioids abruptly", weaning, tapering
_WEANING = _rx(
    r"\bnot be interpreted as a recommendation to stop\b|\babruptly\b|\bwean(?:ing|ed)?\b|\btaper(?:ing|ed)?\b"
)


def needs_taper_warning(request: str) -> bool:
    """An opioid or a benzodiazepine: stopping at once can be dangerous."""
    return bool(_OPIOIDS.search(request) or _BENZODIAZEPINES.search(request))


def letter_mentions_weaning(rationale: str | None) -> bool:
    return bool(rationale and _WEANING.search(rationale))


# -- care already given --------------------------------------------------------------------

_RETRO = _rx(r"\bretro(?:spective(?:ly)?|active)?\b")
_DOS = _rx(rf"\b(?:DOS|date of service|dates of service|D\.O\.S\.)\s*[:(]?\s*(?P<date>{ANY_DATE})?")


@dataclass(frozen=True)
class CareAlreadyGiven:
    date: dt.date | None  # the date of service, when the request gives one


def care_already_given(request: str) -> CareAlreadyGiven | None:
    """A retrospective request (care already given), with its date of service when stated."""
    dos = _DOS.search(request)
    if dos is None and not _RETRO.search(request):
        return None
    date = parse_date(dos.group("date")) if dos is not None and dos.group("date") else None
    return CareAlreadyGiven(date)


# -- partly authorized requests ---------------------------------------------------------------

_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_COUNT = _rx(
    r"(?:#\s?(?P<hash>\d{1,4})\b)|(?:\((?P<paren>\d{1,3}) (?P<punit>sessions|visits|treatments)\))|"
    r"(?:\b(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\b[^,.;()#]{0,40}?\b(?P<unit>sessions|visits|treatments|"
    r"tablets|capsules|pills|patches|units|injections|months?)\b)|"
    r"(?:\b(?P<times>\d{1,2}) (?:times|x) (?:a |per )?week (?:for|x) (?P<weeks>\d{1,2}) weeks?\b)"
)


@dataclass(frozen=True)
class Quantity:
    value: int
    unit: str  # "#" for the letter's "#30", else a plural noun ("sessions")


def quantity(text: str | None) -> Quantity | None:
    """The one count a request wording gives ("#30", "12 sessions", "2 times a week for 6 weeks")."""
    if not text:
        return None
    found: list[Quantity] = []
    for m in _COUNT.finditer(text):
        if m.group("hash"):
            found.append(Quantity(int(m.group("hash")), "#"))
        elif m.group("paren"):
            found.append(Quantity(int(m.group("paren")), m.group("punit").lower()))
        elif m.group("n"):
            raw = m.group("n").lower()
            found.append(Quantity(int(raw) if raw.isdigit() else _NUMBER_WORDS[raw], m.group("unit").lower()))
        elif m.group("times"):
            found.append(Quantity(int(m.group("times")) * int(m.group("weeks")), "sessions"))
    units = {q.unit for q in found}
    values = {q.value for q in found}
    if len(units) == 1 and len(values) == 1:
        return found[0]
    paren = [q for q in found if q.unit != "#"]
    return paren[0] if len(paren) == 1 else None


@dataclass(frozen=True)
class PartialNumbers:
    asked: Quantity
    approved_before: Quantity
    reviewed: Quantity


def partial_numbers(original: str | None, authorized: str | None, remaining: str) -> PartialNumbers | None:
    """The three counts of a partly authorized request, only when they add up (asked = approved + rest)."""
    asked, approved, rest = quantity(original), quantity(authorized), quantity(remaining)
    if asked is None or approved is None or rest is None:
        return None
    if len({asked.unit, approved.unit, rest.unit}) != 1 or asked.value != approved.value + rest.value:
        return None
    return PartialNumbers(asked, approved, rest)


# -- what exactly was missing (or shown), from the reviewer's reason sentences ---------------

DETAIL_CUES: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    # request_details: what the request did not say
    "request_details": (
        ("how_many", _rx(r"quantity|amount|number of|how many|unspecified (?:quantity|number)|sessions|treatments")),
        ("how_often", _rx(r"frequency|how often")),
        ("how_long", _rx(r"duration|how long|length|endpoint|period of time|unspecified rental")),
        ("body_part", _rx(r"body part|location|which area|what area|region")),
        ("rent_or_buy", _rx(r"rental or purchase|purchase or rental|rent or buy")),
        ("dose", _rx(r"\bdos(?:e|age)\b|strength")),
        ("goals", _rx(r"goals|treatment plan")),
        ("specialist", _rx(r"type of specialist|which specialist|unspecified type")),
    ),
    # clinical_findings: what the records did (not) show
    "clinical_findings": (
        (
            "nerve_signs",
            _rx(
                r"neurolog|nerve (?:compromise|impairment|dysfunction)|(?:deficits in|decreased) sensation|numbness|"
                r"reflex|radiculopathy"
            ),
        ),
        ("red_flags", _rx(r"red flags?")),
        ("diagnosis", _rx(r"diagnos")),
        ("imaging", _rx(r"imaging|x-?rays?|radiograph|MRI|CT\b")),
        ("stomach_risk", _rx(r"gastrointestinal|\bGI\b|peptic ulcer|stomach")),
        ("exam", _rx(r"exam(?:ination)?|objective findings|motor strength|instability")),
    ),
    # conservative_care: the simpler care named
    "conservative_care": (
        ("physical_therapy", _rx(r"physical therapy|\bPT\b|physiotherapy")),
        ("pills", _rx(r"\boral\b|\bpills?\b|by mouth|tablets?|liquid")),
        ("first_line_medicine", _rx(r"first[- ]line|antidepressant|anticonvulsant|anti-?epilep")),
        ("home_exercise", _rx(r"home exercise|home plan")),
    ),
    "safety_monitoring": (
        ("drug_tests", _rx(r"urine|drug (?:screen|test)|CURES|monitor|opioid (?:agreement|contract)|aberrant")),
        ("risks", _rx(r"risk|dependen|addiction|abuse|misuse|side effects|adverse|contraindicat")),
    ),
}


def reason_details(topic: str | None, sentences: list[str]) -> list[str]:
    """Detail keys of `topic` named in the reviewer's sentences, in a fixed order."""
    cues = DETAIL_CUES.get(topic or "")
    if not cues:
        return []
    text = " ".join(sentences)
    return [key for key, pattern in cues if pattern.search(text)]
