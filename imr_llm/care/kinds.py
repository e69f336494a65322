"""What kind of care a request asks for: one stable code, from the request's own words.

The rules, in order; the first that holds decides:

1. A named drug (drugs.toml) in an injection request ("Toradol injection") is an `injection`; in therapy visits
   ("acupuncture visits with capsaicin patch") it is `therapy`; otherwise it is a `medication`, whatever else
   the request says: "post-op Percocet" and "Associated surgical service: Norco" are medicines, not services
   that go with a surgery.
2. `surgery_related`: an associated surgical service, anything pre-/post-/peri-operative, a medical clearance,
   an assistant surgeon, a hospital stay.
3. The kinds named by their own words: nerve tests (`electrodiagnostic`), scans (`imaging`), specimen tests
   (`lab_test`), `injection`, equipment nouns (a TENS *unit*, a heat *pad*, a *wrap*, a *brace*: before
   therapy, since "hot/cold therapy wrap" is equipment), a functional capacity evaluation (`other`), therapy
   visits and modalities (`therapy`), `home_care` (a nurse's visits are help at home), `visit` (consults,
   evaluations, exams, referrals: after therapy, so a "physical therapy evaluation" is therapy), `surgery`
   (after the visit, so a "surgical consultation" is a visit), then known `other` care (function tests, an
   ECG, gym memberships, programs).
4. A drug form or dose with no known name ("unknown cream 10%", "compounded topical") is a `medication`.
5. Nothing matched: no kind (null). Never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from imr_llm.care.drugs import find_names


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


@dataclass(frozen=True)
class KindHit:
    code: str
    detail: str | None
    start: int
    end: int
    match: str = "exact"


_INJECTION = _rx(
    r"\b(?:inject\w*|epidural\w*|ESIs?|(?:nerve|facet|medial branch|stellate|sympathetic|genicular|occipital|"
    r"trigger point|SI joint|sacroiliac) blocks?|blocks?\b(?= at| of|,| \()|trigger points? (?:injection|therapy)|"
    r"radiofrequency|RFA|ablation|neurotomy|rhizotomy|neurolytic|viscosupplement\w*|Synvisc|Orthovisc|Euflexxa|"
    r"platelet[- ]rich plasma|PRP|botox|botulinum|prolotherapy|IM\b|intramuscular|infusion)"
)
_THERAPY_VISITS = _rx(r"\b(?:acupuncture|physical therapy|chiropractic|chiro\w*|occupational therapy)\b")
_SURGERY_RELATED = _rx(
    r"\bassociated surgical services?\b|\bpost[- ]?op(?:erative(?:ly)?)?\b|\bpre[- ]?op(?:erative)?\b|"
    r"\bperi[- ]?op(?:erative)?\b|\bmedical clearance\b|\bclearance\b|\bassistant surgeon\b|\bsurgical assist\w*\b|"
    r"\bPA assist\b|\bco-?surgeon\b|\b(?:inpatient|hospital) stay\b|\blength of stay\b|\bsurgical (?:center|facility)\b"
)
_ELECTRODIAGNOSTIC = _rx(
    r"\b(?:EMGs?|NCSs?|NCVs?|electromyogra\w*|nerve conduction|electrodiagnostic|SSEPs?|somatosensory evoked|"
    r"evoked potentials?|EEG|electroencephalogra\w*|quantitative sensory testing)\b"
)
_IMAGING = _rx(
    r"\b(?:MRIs?|MRAs?|MR arthrogram\w*|magnetic resonance|CT\b|CAT scan|computed tomography|x-?rays?|"
    r"radiograph\w*|(?:diagnostic )?ultrasound (?:of|to)\b|ultrasound imaging|sonogram|bone scan|DEXA|DXA|"
    r"PET scan|myelogra\w*|arthrogra\w*|discogra\w*|fluoroscop\w* (?:study|exam)|scans?)\b"
)
_IMAGING_NOT = _rx(r"impedance imaging|\bTPII\b")
_LAB = _rx(
    r"\b(?:urine (?:drug )?(?:test\w*|screen\w*)|urine toxicology|urinalysis|UDS|UDT|drug (?:test\w*|screen\w*)|"
    r"toxicology|blood (?:test\w*|work|draw)|labs?|laboratory|CBC|CMP|BMP|metabolic panel|lipid panel|"
    r"(?:liver|hepatic|renal|kidney|thyroid) (?:function|panel)|hemoglobin A1c|HbA1c|genetic (?:test\w*|"
    r"screen\w*)|pharmacogenetic\w*|cytokine DNA|urine test)\b"
)
_EQUIPMENT = _rx(
    r"\b(?:(?:TENS|H-?wave|interferential|IF|cryotherapy|cold therapy|hot/cold|heat(?:ing)?|muscle stimulator|"
    r"neuromuscular stimulator|vasopneumatic|compression|continuous passive motion|CPM|traction|stimulator|"
    r"home|game ready|polar care) (?:unit|device|machine|system)s?|TENS|H-?wave|braces?|bracing|splints?|"
    r"orthos[ie]s|orthotics?|supports?|wheelchairs?|walkers?|canes?|crutch\w*|scooters?|pillows?|mattress\w*|"
    r"hospital beds?|beds?|commodes?|shower chair|bath\w*/shower chair|chairs?|cushions?|collars?|slings?|"
    r"wraps?|pads?|workstations?|sit[- ]stand\w*|desks?|hearing aids?|gloves|wipes|stockings|"
    r"compression (?:garments?|sleeves?)|TLSO|LSO|DME|durable medical equipment|grab bars?|raised toilet seat|"
    r"reacher|ice (?:packs?|machine)|cold packs?|hot packs?|keyboard|ergonomic \w+)\b"
)
_THERAPY = _rx(
    r"\b(?:physical therapy|PT|physiotherapy|occupational therapy|OT|hand therapy|chirophysio\w*|work hardening|"
    r"work conditioning|aquatic\w*|pool therapy|myofascial|massage|manual therapy|speech therapy|vestibular|"
    r"therapeutic exercises?|biofeedback|e-?stim\w*|electrical (?:muscle )?stimulation|(?:pulsed |therapeutic )?"
    r"ultrasound(?! (?:of|to|guid\w*)\b)|infrared(?: therapy)?|laser therapy|LLLT|shock ?wave|ESWT|"
    r"neurostimulation therapy|hyperstimulation|traction|decompression therapy|iontophoresis|paraffin|"
    r"psychotherapy|cognitive behavioral therapy|CBT|counseling sessions|psychological (?:treatment|therapy|"
    r"sessions)|chiropractic|chiro|chiropractor|manipulation|adjustments?|acupuncture|electroacupuncture|"
    r"dry needling|rehab(?:ilitation)? (?:sessions|visits|therapy))\b"
)
_THERAPY_DETAIL: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "therapy",
        _rx(
            r"physical therapy|\bPT\b|physiotherapy|occupational therapy|\bOT\b|hand therapy|chirophysio|"
            r"work hardening|work conditioning|aquatic|myofascial|massage|manual therapy|speech therapy"
        ),
    ),
    ("chiropractic", _rx(r"chiro|manipulation|adjustment")),
    ("acupuncture", _rx(r"acupunct|dry needling")),
    ("program", _rx(r"psycho|counsel|cognitive|\bCBT\b")),
)
_VISIT = _rx(
    r"\b(?:consult\w*|evaluations?|eval|second opinion|follow[- ]?ups?|office visits?|referrals?|specialist|"
    r"re-?evaluations?|re-?exam\w*|exam(?:ination)?s?|assessments?|appointments?|TOC|transfer of care|"
    r"visits? with|medication management|psych(?:iatric|ological)? (?:visits?|consult\w*))\b"
)
# a request that opens with the visit ("Re-exam with chiropractor", "Referral to a surgeon for ...")
_VISIT_FIRST = _rx(
    r"\W*(?:(?:retrospective|initial|new|additional|one|1)\s+)?(?P<word>re-?exam\w*|exam(?:ination)?s?|"
    r"re-?evaluations?|consult\w*|referrals?|follow[- ]?ups?|office visits?|second opinion)\b"
)
# a course of visits: "twice a week for 3 weeks", "2x3", "x 6 sessions"; a referral to a therapist for a course is
# the therapy ("Referral to chiropractor ..., twice a week for 3 weeks"), not one visit with a doctor
_COURSE = _rx(
    r"\b(?:\d+|one|two|three|four|five|six|once|twice)\s*(?:x|times?)\s*(?:a|per|/)?\s*(?:week|wk)|"
    r"\btwice (?:a|per) week|\b\d+\s*x\s*\d+\b|\b\d+\s*(?:sessions|visits|treatments)\b"
)
# a named procedure is a surgery even when the request also says "evaluation" ("knee arthroscopy with
# evaluation of ACL"); the bare words "surgery", "surgical" give way to a visit ("spine surgery consultation")
_PROCEDURE = _rx(
    r"\b(?:arthroscop\w*|\w+ectomy|\w+ectomies|arthroplasty|arthrodesis|fusion|laminotomy|foraminotomy|"
    r"tenodesis|ORIF|open reduction|internal fixation|(?:carpal|cubital) tunnel release|rotator cuff repair|"
    r"kyphoplasty|vertebroplasty|amputation|capsulorrhaphy)\b"
)
_HOME = _rx(
    r"\b(?:home health\w*|home care|in-?home|nursing|nurse|RN|LVN|home (?:health )?aides?|aides?|caregivers?|"
    r"housekeep\w*|homemaker|attendant care|home assistance|chore services?)\b"
)
_SURGERY = _rx(
    r"\b(?:surgery|surgeries|surgical|arthroscop\w*|\w+ectomy|\w+ectomies|\w+plasty|\w+plasties|\w+otomy|"
    r"\w+ostomy|repair|release|fusion|arthrodesis|decompression|replacement|arthroplasty|reconstruction|"
    r"implant\w*|ORIF|open reduction|internal fixation|hardware removal|removal of hardware|debridement|"
    r"spinal cord stimulator|neuroplasty|tenodesis|carpal tunnel release|discectomy|laminectomy|"
    r"foraminotomy|kyphoplasty|vertebroplasty|amputation|capsulorrhaphy)\b"
)
_OTHER: tuple[tuple[str | None, re.Pattern[str]], ...] = (
    ("functional_test", _rx(r"\bfunctional capacity\b|\bFCE\b|\bfitness for duty\b")),
    (
        "medical_test",
        _rx(
            r"\b(?:grip (?:strength )?test\w*|range of motion (?:of )?test\w*|ROM test\w*|muscle (?:strength )?test\w*|"
            r"EKG|ECG|electrocardiogra\w*|echocardiogra\w*|holter|sleep study|polysomnogra\w*|stress test|"
            r"pulmonary function|spirometry|audiogra\w*|hearing test|vision test|computeri[sz]ed \w+ test\w*|"
            r"impedance imaging|TPII|thermography|test(?:ing)?)\b"
        ),
    ),
    (
        "program",
        _rx(
            r"\b(?:gym|membership|functional restoration|restoration program|weight loss|program|"
            r"exercise (?:kit|equipment|program)|yoga|pilates|swimming|pool membership|rehabilitation unit|"
            r"detox\w*|inpatient rehab\w*)\b"
        ),
    ),
    (None, _rx(r"\b(?:transportation|interpreter|translation services?|mileage|travel)\b")),
)
_DRUG_FORM = _rx(
    r"\b(?:\d+(?:\.\d+)?\s*(?:mg|mcg)|tablets?|tabs?|capsules?|caps|creams?|gels?|patch(?:es)?|ointments?|"
    r"lotions?|solutions?|suspensions?|liniments?|sprays?|suppositor\w*|refills?|compound\w*|medications?\b(?! "
    r"management)|transdermal|topical|oral|by mouth|PO|q\d+h|prn|bid|tid|qid|daily dose)\b"
)


def _first(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return pattern.search(text)


def _therapy_detail(text: str) -> str:
    for detail, pattern in _THERAPY_DETAIL:
        if pattern.search(text):
            return detail
    return "therapy"


@lru_cache(maxsize=8192)  # the same requests come back letter after letter
def classify_kind(request: str) -> KindHit | None:
    """The kind of care `request` asks for, with the words that decided it; None when no rule is sure."""
    names = find_names(request)
    if names:
        first = names[0]
        inj = _first(_INJECTION, request)
        if inj is not None:
            return KindHit("injection", None, inj.start(), inj.end())
        visits = _first(_THERAPY_VISITS, request)
        if visits is not None:
            return KindHit("therapy", _therapy_detail(request), visits.start(), visits.end())
        return KindHit("medication", None, first.start, first.end, first.match)
    m = _first(_SURGERY_RELATED, request)
    if m is not None:
        return KindHit("surgery_related", None, m.start(), m.end())
    m = _first(_ELECTRODIAGNOSTIC, request)
    if m is not None:
        return KindHit("electrodiagnostic", None, m.start(), m.end())
    m = _first(_IMAGING, request)
    if m is not None and not _IMAGING_NOT.search(request):
        return KindHit("imaging", None, m.start(), m.end())
    m = _first(_LAB, request)
    if m is not None:
        return KindHit("lab_test", None, m.start(), m.end())
    m = _first(_INJECTION, request)
    if m is not None:
        return KindHit("injection", None, m.start(), m.end())
    m = _first(_EQUIPMENT, request)
    if m is not None and not _THERAPY_VISITS.search(request):
        return KindHit("equipment", None, m.start(), m.end())
    for detail, pattern in _OTHER[:2]:
        m = pattern.search(request)
        if m is not None and detail == "functional_test":
            return KindHit("other", detail, m.start(), m.end())
    m = _VISIT_FIRST.match(request)
    course = _COURSE.search(request) if m is not None else None
    if m is not None and not (course is not None and _first(_THERAPY, request) is not None):
        return KindHit("visit", None, m.start("word"), m.end("word"))
    m = _first(_THERAPY, request)
    if m is not None:
        return KindHit("therapy", _therapy_detail(request), m.start(), m.end())
    m = _first(_PROCEDURE, request)
    if m is not None:
        return KindHit("surgery", None, m.start(), m.end())
    m = _first(_HOME, request)
    if m is not None:
        return KindHit("home_care", None, m.start(), m.end())
    m = _first(_VISIT, request)
    if m is not None:
        return KindHit("visit", None, m.start(), m.end())
    m = _first(_SURGERY, request)
    if m is not None:
        return KindHit("surgery", None, m.start(), m.end())
    for detail, pattern in _OTHER:
        m = pattern.search(request)
        if m is not None:
            return KindHit("other", detail, m.start(), m.end())
    m = _first(_DRUG_FORM, request)
    if m is not None:
        return KindHit("medication", None, m.start(), m.end())
    return None


# the words a rationale uses for care of a kind, beyond a request's own name for it ("imaging", "the study",
# "electrodiagnostic testing"): a rationale under a scan's heading that says none of them is about other care.
# Only kinds whose every rationale names them (checked on the 300 items of the real letters); a drug's or a
# therapy's reviewer may speak of it by a class or a plan, so those kinds are not checked
_SPOKEN_OF: dict[str, re.Pattern[str]] = {
    "imaging": _rx(_IMAGING.pattern + r"|\bimaging\b|\bradiolog\w*|\bstud(?:y|ies)\b|\b(?:plain )?films?\b|\bviews\b"),
    "electrodiagnostic": _rx(
        _ELECTRODIAGNOSTIC.pattern + r"|\belectrodiagnos\w*|\bstud(?:y|ies)\b|\bnerve (?:test\w*|stud\w*)|\bneedle\b"
    ),
    "injection": _rx(_INJECTION.pattern + r"|\bshots?\b|\bblocks?\b|\bsteroid\b"),
    "functional_test": _rx(
        r"\bfunctional (?:capacity|testing|evaluation|assessment)|\bFCE\b|\bfitness for duty\b|\btesting\b|"
        r"\bevaluations?\b"
    ),
}
# care named so that it cannot be another kind's: the words of another kind in such a rationale
_NAMED: dict[str, re.Pattern[str]] = {
    "imaging": _rx(
        r"\b(?:MRIs?|MRAs?|magnetic resonance|CAT scan|computed tomography|x-?rays?|radiographs?|"
        r"bone scan|myelogra\w*|arthrogra\w*|discogra\w*)\b"
    ),
    "electrodiagnostic": _ELECTRODIAGNOSTIC,
    "injection": _rx(
        r"\b(?:inject\w*|epidural\w*|ESIs?|(?:nerve|facet|medial branch|genicular) blocks?|"
        r"radiofrequency|ablation|neurotomy|rhizotomy|viscosupplement\w*|platelet[- ]rich plasma)\b"
    ),
    "functional_test": _rx(r"\bfunctional capacity\b|\bFCE\b|\bfitness for duty\b"),
    "therapy": _THERAPY_VISITS,
}


def speaks_only_of_other_care(rationale: str, request: str, guideline: str = "") -> str | None:
    """Words of another kind of care in an item's rationale (and its guideline block, `guideline`) that say no word
    of `request`'s own kind: the text is another request's (a page lost after this item's heading). Only when that
    kind is what the text is about: named in the guideline block, or three times in the rationale (a terse
    rationale under a scan that names care tried first, "no trial of physical therapy", is the scan's own). None
    when the text speaks of this kind, or the request's kind is not one checked (see `_SPOKEN_OF`)."""
    hit = classify_kind(request)
    kind = None if hit is None else (hit.detail if hit.code == "other" else hit.code)
    own = _SPOKEN_OF.get(kind or "")
    if own is None or own.search(rationale) or own.search(guideline):
        return None
    for other, named in _NAMED.items():
        if other == kind:
            continue
        first = named.search(rationale) or named.search(guideline)
        if first is not None and (named.search(guideline) or len(named.findall(rationale)) >= 3):
            return first.group(0)
    return None
