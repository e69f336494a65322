"""Language-independent facts about an item that a summary puts in plain words.

Each function reads only the record (the request as worded, the partial-approval
heading, the rationale and its reason sentences) and returns keys, never prose:
each language (`imr_llm.summary.languages`) words the keys. Anything not found is
None, and the summary then says less, never more.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from imr_llm.care import classify_kind
from imr_llm.care.drugs import ingredients_named
from imr_llm.parser.dates import ANY_DATE, parse_date
from imr_llm.parser.reasons import sentence_spans
from imr_llm.words import NUMBER_WORDS


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
    TRANSPORT = "transport"
    TREATMENT = "treatment"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# The kind of care is the research classifier's stable code (imr_llm.care.kinds, the record's `kind`); the
# summary words it with the language's [kinds] phrase. A finer `detail` picks a finer phrase where the
# catalogue has one ("chiropractic care", "a test of what your body can do").
_PHRASES: dict[tuple[str, str | None], Kind] = {
    ("medication", None): Kind.MEDICINE,
    ("imaging", None): Kind.SCAN,
    ("electrodiagnostic", None): Kind.NERVE_TEST,
    ("lab_test", None): Kind.MEDICAL_TEST,
    ("therapy", "therapy"): Kind.THERAPY,
    ("therapy", "chiropractic"): Kind.CHIROPRACTIC,
    ("therapy", "acupuncture"): Kind.ACUPUNCTURE,
    ("therapy", "program"): Kind.PROGRAM,
    ("therapy", None): Kind.THERAPY,
    ("injection", None): Kind.INJECTION,
    ("surgery", None): Kind.SURGERY,
    ("surgery_related", None): Kind.WITH_SURGERY,
    ("equipment", None): Kind.EQUIPMENT,
    ("visit", None): Kind.VISIT,
    ("home_care", None): Kind.HOME_HELP,
    ("other", "functional_test"): Kind.FUNCTIONAL_TEST,
    ("other", "medical_test"): Kind.MEDICAL_TEST,
    ("other", "program"): Kind.PROGRAM,
    ("other", None): Kind.TREATMENT,
}


def kind_phrase(code: str | None, detail: str | None = None) -> Kind:
    """The catalogue's kind for a care code (and its detail); "a treatment" when there is no code."""
    if code is None:
        return Kind.TREATMENT
    return _PHRASES.get((code, detail)) or _PHRASES.get((code, None)) or Kind.TREATMENT


def treatment_kind(request: str) -> Kind:
    """What sort of care `request` is, by the care classifier (a post-op drug is a medicine; a consult,
    evaluation, second opinion or follow-up is a visit, never a surgery)."""
    hit = classify_kind(request)
    if (
        hit is not None
        and hit.code == "electrodiagnostic"
        and _NO_MUSCLE.search(request)
        and not _MUSCLE.search(request)
    ):
        # an EEG records the brain's waves, an SSEP the nerves' answer to a touch: neither is "nerve and muscle tests"
        return Kind.MEDICAL_TEST
    if _TRANSPORT.search(request):
        return Kind.TRANSPORT  # "Taxi transportation to and from physical therapy" is a ride, not the therapy
    kind = kind_phrase(hit.code, hit.detail) if hit is not None else Kind.TREATMENT
    if kind in (Kind.SURGERY, Kind.WITH_SURGERY) and _VISIT_FOR.search(request):
        return Kind.VISIT  # "Evaluation for possible carpal tunnel release", "Knee arthroscopy follow-up": a visit
    if kind is Kind.VISIT and _WEEKLY_COURSE.search(request):
        # "Physical exam 2 times 6": a course twice a week for weeks is not "a visit with a doctor" (the letter's
        # name for it may be a slip); the plain words say only that it is a treatment
        return Kind.TREATMENT
    return kind


_TRANSPORT = _rx(r"\b(?:transportation|transport|taxi|cab|ride|rides|mileage|uber|lyft|ambulette)\b")
# a visit about a surgery, not the surgery: an evaluation, a consultation, a follow-up, a second opinion
# (the visit's word heads the request, or ends it; "arthroscopy with evaluation of the ACL" is the surgery)
_VISIT_WORD = r"(?:evaluations?|evals?|re-?evaluations?|consult(?:ation)?s?|follow[- ]?ups?|second opinions?)"
_VISIT_FOR = _rx(rf"^(?:[\w-]+\s+){{0,2}}?{_VISIT_WORD}\b|\b{_VISIT_WORD}(?:\s+visits?)?\W*$")
_WEEKLY_COURSE = _rx(
    r"\b\d+ ?(?:x|times) ?(?:(?:a |per |/ ?)(?:week|wk)\b|weekly\b|(?:for |x ?)?\d+\b)|"
    r"\b(?:twice|three times) (?:a |per )?week"
)
_NO_MUSCLE = _rx(
    r"\b(?:EEGs?|electroencephalogra\w*|SSEPs?|somatosensory|evoked potentials?|quantitative sensory test\w*)\b"
)
_MUSCLE = _rx(r"\b(?:EMGs?|electromyogra\w*)\b")


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
# the letter says, in the reviewer's own voice, that the decision is not a call to stop at once, or that
# this worker's drug should be weaned: "should not be interpreted as a recommendation to stop long-term
# opioids abruptly", "appropriate weaning should be considered". Not a guideline's "a gradual tapering of
# anti-depressants may be undertaken" when pain is in remission, nor "tapering should be considered when ...".
_NOT_A_STOP = _rx(
    r"\bnot be (?:interpreted|construed|read) as a recommendation to (?:stop|discontinue)\b|"
    r"\bnot (?:be )?(?:stopped|discontinued) (?:abruptly|suddenly|all at once)\b"
)
_WEAN_ADVISED = _rx(
    r"\b(?:weaning|tapering|taper)\b[^.;]{0,40}\b(?:is|are|be) (?:recommended|advised|indicated|appropriate|"
    r"considered|warranted)|\bshould be (?:weaned|tapered)\b|"
    # "the provider should taper", "the prescriber should wean the patient off"
    r"\b(?:provider|prescriber|physician|doctor|treater)s? (?:should|may|can) (?:taper|wean)\b|"
    # "Discontinuation should be gradual", "should be stopped gradually", "rather than abrupt stopping" (a reader: no
    # line for a hypnotic taken nightly for two years, under "Discontinuation should be gradual")
    r"\b(?:discontinuation|withdrawal|stopping|cessation)\b[^.;]{0,20}\b(?:should|must) be (?:gradual|slow|"
    r"supervised|tapered)\b|\bshould be (?:stopped|discontinued|reduced) (?:gradually|slowly)\b|"
    r"\brather than (?:abrupt|sudden)(?:ly)? (?:stopp\w*|discontinu\w*|cessation|withdrawal)\b|"
    # "abrupt discontinuation is not advised", "to allow for a gradual taper"
    r"\b(?:abrupt|sudden) (?:discontinuation|cessation|stopping|withdrawal) is not (?:advised|recommended)\b|"
    r"\bto allow (?:for )?an? (?:gradual|slow) (?:taper|wean\w*)\b"
)
_CONDITION = _rx(r"\b(?:if|when|whenever|unless|until)\b")
# the guidelines' own talk of tapering; narrower than `_GENERAL` below, which also refuses "recommended" (the
# reviewer's "weaning is recommended" is advice for this worker)
_GUIDELINE_TALK = _rx(r"\b(?:guidelines?|MTUS|ODG|ACOEM|studies|literature)\b")
_QUOTED_PASSAGE = re.compile(r"[\"\u201c][^\"\u201c\u201d]{0,3000}[\"\u201d]")


def needs_taper_warning(request: str) -> bool:
    """An opioid or a benzodiazepine: stopping at once can be dangerous."""
    return bool(_OPIOIDS.search(request) or _BENZODIAZEPINES.search(request))


# "1 tab 1 hour before the exam", "a single dose before the MRI": a dose for one occasion, not a drug the worker
# takes day by day; "if you already take this medicine, do not stop it suddenly" would warn of nothing
_ONE_TIME = _rx(
    r"\b(?:\d+(?:/\d+)? ?(?:hours?|hrs?|minutes?|mins?) (?:before|prior to)|(?:before|prior to) (?:the |an? |each )?"
    r"(?:exam|examination|mri|ct|scan|procedure|surgery|test|study|imaging|injection|dental work)|"
    r"one[- ]time (?:dose|use)|single dose|once only)\b"
)


def one_time_dose(request: str) -> bool:
    return _ONE_TIME.search(request) is not None


# the letter says the worker already takes the drug: a continuation, a refill, "currently", "has been on"
_TAKING = _rx(
    r"\b(?:continu(?:e|ed|es|ing|ation)|refills?|currently (?:taking|on|using|prescribed|utilizing)|"
    r"(?:has|have|had) been (?:taking|on|using|utilizing|prescribed|maintained on|treated with)|ongoing (?:use|usage)|"
    r"long[- ]term (?:use|usage|opioid)|chronic (?:use|usage|opioid)|wean(?:ing|ed)?|taper(?:ing|ed)?|"
    r"remains? on|is (?:taking|on)|was (?:taking|on) (?:this|the|\w+ \d)|since \d{4}|for (?:several|many|\d+) "
    r"(?:months|years))\b"
)
# ... or that it is new: a first prescription, a short course after surgery, never filled
_NEW = _rx(
    r"\b(?:initial|first|new) (?:prescription|trial)|post-?op(?:erative(?:ly)?)?|after (?:the )?surgery|"
    r"never (?:filled|started|taken)"
)


# a sentence about this worker (not a guideline passage about opioids in general: "continued use requires ...")
_WORKER = _rx(r"\b(?:patient|claimant|injured worker|employee|applicant|he|she|his|her)\b")
_GENERAL = _rx(r"\b(?:guidelines?|MTUS|ODG|ACOEM|recommend(?:s|ed)?|risks?)\b")
# the letters' stock sentence about the decision itself: "This decision addresses the medical necessity of
# opioids as they have been prescribed to this patient" is written for a first trial too
_DECISION_TALK = _rx(r"\bdecision\b|\bmedical necessity of\b")
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def says_taking(request: str, rationale: str | None) -> bool:
    """The letter says the worker is taking this drug now (only then is the firm taper line said): the request
    asks to continue or refill it, or a sentence about the worker (not about the guidelines or risks in
    general) says they take it. "The chronic risk of continued treatment" says nothing of the sort."""
    text = f"{request} {rationale or ''}"
    if _NEW.search(text):
        return False
    if _TAKING.search(request):
        return True
    drug = _drug_name(request)
    asked = ingredients_named(request)
    sentences = _SENTENCES.split(_QUOTED_PASSAGE.sub(" ", rationale or ""))
    # advice to wean is not evidence: reviewers write "appropriate weaning should be considered" for a drug the
    # letter's own medication list does not hold; nor is the guidelines' talk of "long-term use", a negation ("no
    # indication that the claimant is on tramadol", "has been off opioids"), or a sentence about another drug
    # ("The claimant is on ibuprofen"). Unsure, the conditional line and the letter's words are said instead.
    for sentence in sentences:
        use = _TAKING_NOW.search(sentence) or _SINCE.search(sentence)
        if use is None and drug is not None and (years := _YEARS_OF.search(sentence)) is not None:
            use = years if sentence.lower().startswith(drug, years.end()) else None
        if use is None or not (_WORKER.search(sentence) or (drug is not None and drug in sentence.lower())):
            continue
        # a negation before the verb of use or right after it ("is not taking"); a clause after it ("..., and there
        # is no documentation of improvement") says nothing about the use
        start = max((m.end() for m in _CLAUSE_START.finditer(sentence, 0, use.start())), default=0)
        if _NOT_TAKING.search(sentence[start : use.end()] + sentence[use.end() : use.end() + 12].split(",")[0]):
            continue  # (only the use's own clause: "they do not describe relief from Norco, which he has taken for
            # over a year" says he takes it)
        # the guidelines' talk before the statement of use ("Guidelines caution that patients who have been on ..."),
        # never a risk named after it ("He has taken alprazolam for a year, and combined use increases risk")
        if _GENERAL.search(sentence[: use.start()]) or _DECISION_TALK.search(sentence) or _DOUBT.search(sentence):
            continue
        if not _another_drug(sentence, asked, drug):
            return True
    return False


# in a sentence of the rationale, only a statement of use: "has been on", "is taking", "remains on", a refill
_TAKING_NOW = _rx(
    r"\b(?:refills?|currently (?:taking|on|using|prescribed|utilizing)|"
    r"(?:has|have|had) been (?:taking|on|using|utilizing|prescribed|maintained on|treated with)|"
    r"remains? on|is (?:taking|on|using)|was (?:taking|on) (?:this|the|\w+ \d)|"
    # "He has taken alprazolam for about a year", "has used it daily for nine months"
    r"(?:has|have) (?:taken|used)\b[^.;]{0,60}?\b(?:for|over) "
    r"(?:over |about |roughly |approximately |nearly |more than "
    r"|at least |the (?:past|last) )?(?:\w+ )?(?:years?|months?|weeks?))\b"
)
# "After more than three years of Norco this patient reports ..." (a reader: the conditional line only): a use only
# when the drug itself follows
_YEARS_OF = _rx(
    r"\b(?:after|despite|following) (?:more than |over |nearly |about |at least |almost )?\w+ (?:years?|months?) "
    r"(?:of|on) "
)
_CLAUSE_START = re.compile(r",\s+(?:which|who|but)\s+|;\s+", re.I)  # a clause of its own, never "no X that ..."
_NOT_TAKING = _rx(
    r"\b(?:no|not|never|without|off|denies|denied|discontinued|stopped|ceased|weaned|tapered|quit|until)\b|n't\b"
)


def _another_drug(sentence: str, asked: frozenset[str], drug: str | None) -> bool:
    """The sentence names drugs, none of them the one asked for."""
    named = ingredients_named(sentence)
    if not named:
        return False
    return not (named & asked) and not (drug is not None and drug in sentence.lower())


# a sentence that doubts or supposes ("it is unclear how long the claimant has been taking tramadol", "If the
# claimant does not meet the criteria, tapering ...") does not say the worker takes the drug
_DOUBT = _rx(r"\b(?:unclear|not clear|unknown|uncertain|not known)\b|^\W*if\b")


# "Treatment has been tramadol since at least 3-2-2015"
_SINCE = _rx(
    rf"\bsince (?:at least )?(?:{ANY_DATE}|(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{4})"
)


def _drug_name(request: str) -> str | None:
    """The request's first word, lower-cased, when it can name a drug ("norco" in "Norco 10/325mg #90")."""
    m = re.match(r"\s*(?:refill of |continue |continued )?([A-Za-z][A-Za-z-]{3,})", request, re.I)
    return m.group(1).lower() if m else None


def _weaning_advised(sentence: str) -> bool:
    return bool(
        _WEAN_ADVISED.search(sentence) and not _GUIDELINE_TALK.search(sentence) and not _CONDITION.search(sentence)
    )


# the drug was stopped before this review, or the reviewer says to stop it at once (diversion): "has already stopped
# the medication", "it was discontinued by the prescriber", "should be discontinued immediately rather than weaned"
_STOPPED = re.compile(
    r"\b(?:has|had|have) (?:already |since |previously )?(?:stopped|discontinued|ceased)\b|"
    r"\b(?:was|were|has been|had been) (?:already |previously )?(?:stopped|discontinued)\b|"
    r"\bno longer (?:taking|using|on)\b|"
    # never "tapered rather than stopped abruptly", "should not be discontinued abruptly" (a reader: the conditional
    # line for a hypnotic taken nightly for nine months, under that very advice)
    r"(?<!rather than )(?<!instead of )(?<!not be )(?<!never be )(?<!not being )"
    r"\b(?:discontinued|stopped) (?:immediately|at once|abruptly)\b|"
    r"\bweaning (?:is|was) not (?:necessary|needed|required|indicated)\b",
    re.I,
)


# the letter says the worker has not started the drug: "This is a new prescription", "never filled", "opioid naive"
_NEVER_TAKEN = _rx(
    r"\b(?:is|was) (?:a )?new prescription\b|\bnewly prescribed\b|\bnever (?:been )?(?:filled|started|dispensed)\b|"
    r"\b(?:has|have|was|were) not (?:yet )?(?:been )?(?:started|filled|begun|dispensed)\b|\bopioid[- ]na[iï]ve\b"
)
# ... or that the drug is to replace the one taken now ("tramadol, which is to be replaced by hydrocodone"): the
# worker takes the other one (a probe: the firm "do not stop this medicine suddenly" for the drug not yet started)
_TO_REPLACE = _rx(
    r"\b(?:(?:is|are) to be|will be|would be|is being|are being|to be) (?:replaced|switched|changed|transitioned|"
    r"converted|rotated)\b[^.;]{0,40}?\b(?:by|with|to|for)\b|\b(?:switch|switching|change|changing|transition|"
    r"transitioning|rotate|rotating|convert|converting)\b[^.;]{0,40}?\bto\b"
)
# ... or, in a sentence naming the drug, that the worker has not taken it ("has never taken tramadol"); said of other
# care ("has not tried NSAIDs first"), it says nothing of this drug
_NOT_TAKEN_THIS = _rx(
    r"\b(?:has|have) (?:never |not (?:yet )?)(?:taken|tried|used|been (?:on|prescribed))\b|\bnot previously "
    r"(?:prescribed|taken|tried|used)\b"
)


def says_never_taken(request: str, rationale: str | None) -> bool:
    """The letter says the worker has not taken this drug (a new prescription, never filled): no line about not
    stopping it suddenly, firm or conditional, is said (a reader: "If you already take this medicine, do not stop it
    suddenly" under a drug the letter says was never started, alarming and beside the point)."""
    own = _QUOTED_PASSAGE.sub(" ", rationale or "")
    drug = _drug_name(request)
    return not _TAKING.search(request) and any(
        (
            _NEVER_TAKEN.search(sentence)
            or (drug and drug in sentence.lower() and _NOT_TAKEN_THIS.search(sentence))
            or (drug and (m := _TO_REPLACE.search(sentence)) and drug in sentence.lower()[m.end() :])
        )
        and not _GENERAL.search(sentence)
        for sentence in _SENTENCES.split(own)
    )


def letter_says_stopped(rationale: str | None) -> bool:
    """The letter says the worker no longer takes the drug, or must stop it at once: the page then says only "if you
    already take this medicine, do not stop it suddenly; ask your doctor" (never the firm line, which would contradict
    the letter)."""
    return bool(rationale and _STOPPED.search(rationale))


def letter_mentions_weaning(rationale: str | None) -> bool:
    """The reviewer says this decision is not a call to stop the drug at once, or that it should be weaned:
    only then does the page say "the letter also says ...". Words inside a quoted guideline passage, a
    sentence about the guidelines, or a condition ("tapering should be considered when ...") do not count."""
    if not rationale:
        return False
    own = _QUOTED_PASSAGE.sub(" ", rationale)
    return any(_NOT_A_STOP.search(sentence) or _weaning_advised(sentence) for sentence in _SENTENCES.split(own))


# -- a first trial already approved ----------------------------------------------------------

# "has already been certified a first trial"; "was already certified 4 visits"
_TRIAL_GIVEN = _rx(
    r"\b(?:already|previously)(?: been)? (?:authorized|approved|certified) (?:an? |the )?(?:initial|first) trial\b|"
    # "The earlier review approved a trial of 4 sessions": the first trial was approved before
    r"\b(?:prior|previous|earlier) (?:reviewer|review|UR|utilization review)(?: has| had)? (?:authorized|approved|"
    r"certified) (?:an? |the )?(?:(?:initial|first) trial\b|trial of (?:(?:the |an )?(?:initial|first) )?\d+)"
)
_NOT_BEFORE = _rx(r"\b(?:not|never|no)\W+(?:\w+\W+)?$")


def first_trial_approved(rationale: str | None, part_approved: bool) -> bool:
    """The reviewer denies more of the care than the first trial the guidelines allow, and that trial was
    approved before (by the reviewer's words, the same pair of sentences the reason finder leads with, or by the
    part of the request the claims administrator approved): the way forward is the trial's results, not more
    records."""
    from imr_llm.parser.reasons import BEYOND_TRIAL, repeat_of_approval

    own = _QUOTED_PASSAGE.sub(" ", rationale or "")
    if any(not _NOT_BEFORE.search(own[max(0, m.start() - 20) : m.start()]) for m in _TRIAL_GIVEN.finditer(own)):
        return True
    if any(BEYOND_TRIAL.search(sentence) for sentence in repeat_of_approval(own)):
        return True
    return part_approved and BEYOND_TRIAL.search(own) is not None


# -- conservative care approved, not yet tried ------------------------------------------------------

_CONSERVATIVE = {
    "physical_therapy": r"physical therapy|physiotherapy",
    "chiropractic": r"chiropractic(?: care| treatment| therapy| sessions| manipulation)?",
    "acupuncture": r"acupuncture",
    "occupational_therapy": r"occupational therapy",
    "home_exercise": r"(?:a )?home exercise program",
}
_CARE = "|".join(f"(?P<{key}>{pattern})" for key, pattern in _CONSERVATIVE.items())
# "8 visits of physical therapy were certified last time", "the worker was approved to start physical therapy",
# "has been authorized for 4 chiropractic visits"; never the care this item asks for (the form line "X was
# authorized by the Claims Administrator" names the item's own approved part)
_CARE_APPROVED = (
    _rx(
        rf"\b(?:{_CARE})\b(?P<between>[^.;]{{0,60}}?)\b(?:was|were|has been|have been|had been)\s+"
        r"(?:recently\s+|just\s+|previously\s+|also\s+)?(?:approved|authorized|certified)\b(?! by the claims)"
    ),
    _rx(
        r"\b(?:was|were|has been|had been|have been)\s+(?:recently\s+|just\s+|previously\s+|also\s+)?"
        r"(?:approved|authorized|certified)\s+(?:to undergo|to attend|to start|for)\s+"
        rf"(?P<between>(?:[\w-]+\s+){{0,5}}?)(?:{_CARE})\b"
    ),
)
# the reviewer's point is that such care was not tried, or not finished, before this request
_NOT_TRIED = _rx(
    r"\b(?:fail\w*|tri(?:ed|al)|trying|attempt\w*|complet\w*|undergone|undergo|yet to|exhaust\w*)\b[^.]{0,80}?"
    r"\b(?:conservative|therapy|physiotherapy|chiropractic|acupuncture|exercise)|"
    r"\bconservative (?:care|treatment|therapy|management|measures)\b[^.]{0,60}?\b(?:not|no|yet|fail\w*)\b"
)


_CONSERVATIVE_KINDS = (Kind.THERAPY, Kind.CHIROPRACTIC, Kind.ACUPUNCTURE)


def conservative_care_approved(rationale: str | None, letter_summary: str | None, request: str) -> str | None:
    """The kind of conservative care ("physical_therapy", ...) the letter says was approved and not yet tried,
    when the reviewer's point is that such care was not tried or finished before this request (an MRI, a nerve
    test, an injection): the way forward is to try it first. None for a request that is that care itself."""
    own = _QUOTED_PASSAGE.sub(" ", rationale or "")
    if not own or not _NOT_TRIED.search(own):
        return None
    if re.search(_CARE, request, re.I) or treatment_kind(request) in _CONSERVATIVE_KINDS:
        return None
    for text in (own, letter_summary or ""):
        for pattern in _CARE_APPROVED:
            for m in pattern.finditer(text):
                if re.search(r"\bnot\b|\bnon-?cert|\bdenied\b|\bif\b", m.group("between") or "", re.I):
                    continue
                if re.search(r"\b(?:not|never)\s*$", text[max(0, m.start() - 12) : m.start()], re.I):
                    continue
                return next(key for key in _CONSERVATIVE if m.group(key))
    return None


# the reviewer's own sentence that the worker has not had such care yet: "She has not had any
# physical therapy so far", "the worker has yet to try chiropractic care"; never a sentence about records ("no
# documentation of physical therapy" is a record to find, which the step already asks for)
_CARE_NOT_HAD = (
    _rx(
        r"\b(?:has|have|had)\s+not\s+(?:yet\s+|previously\s+|ever\s+)?(?:had|tried|undergone|attended|started|"
        rf"received|participated in)\s+(?:any\s+|a\s+(?:course|trial)\s+of\s+)?(?:{_CARE})\b"
    ),
    _rx(
        r"\b(?:has|have)\s+yet\s+to\s+(?:have|try|undergo|attend|start|receive|begin)\s+"
        rf"(?:any\s+|a\s+(?:course|trial)\s+of\s+)?(?:{_CARE})\b"
    ),
)


# the reviewer's own finding that it is too early for the care: the complaint not yet present for the guidelines'
# weeks, or the request made days or weeks after the injury ("only 1 week since injury", "has not been noted to be
# present for more than 4-6 weeks"); time alone can change it. Never a limit on how long (which is the other way)
_TOO_EARLY = _rx(
    r"\bnot (?:yet )?(?:been )?(?:noted |documented |reported )?(?:to be )?(?:present|ongoing) for (?:more|longer) "
    r"than \d+(?:\s*(?:-|to)\s*\d+)? weeks\b|"
    r"\b(?:less|fewer) than \d+(?:\s*(?:-|to)\s*\d+)? weeks (?:since|after|from|post)\b|"
    r"\b(?:only|just) \d+(?:\s*(?:-|to)\s*\d+)? (?:days?|weeks?) (?:since|after|from|post)\b|"
    r"\btoo (?:early|soon)\b|\bhas not (?:yet )?been \d+(?:\s*(?:-|to)\s*\d+)? weeks\b"
)


# the reviewer's own point that the results of the care already given or approved must be known first ("above all
# without first assessing the response to the first visits", "pending the results of the approved trial"):
# more may be supported once they are. Never "no documentation of response" (a record to find: the step asks for it)
_RESPONSE_FIRST = _rx(
    r"\bwithout (?:first )?(?:evaluating|assessing|reviewing|knowing|seeing|an? (?:evaluation|assessment|review) of)"
    r" (?:the )?(?:\w+'s )?(?:response|results?|outcome|benefit)s? (?:to|of|from) (?:the )?"
    r"(?:initial|first|prior|previous|earlier|current|ongoing|approved|completed|recent)\b|"
    r"\b(?:pending|until|before) (?:the )?(?:response|results?|outcome|benefit)s? (?:to|of|from) (?:the )?"
    r"(?:initial|first|prior|previous|earlier|current|ongoing|approved|completed|recent)\b"
)


def says_response_first(sentence: str) -> bool:
    """The sentence asks for the results of the earlier care before more (see `_RESPONSE_FIRST`)."""
    return _RESPONSE_FIRST.search(sentence) is not None


def says_too_early(sentence: str) -> bool:
    """The sentence finds it too early for the care (see `_TOO_EARLY`)."""
    return _TOO_EARLY.search(sentence) is not None


def about_care_not_tried(sentence: str) -> bool:
    """The sentence is about conservative care not tried or not failed first ("no record that the worker has
    failed conservative treatment")."""
    return _NOT_TRIED.search(sentence) is not None


def conservative_care_not_had(rationale: str | None, request: str) -> str | None:
    """The kind of conservative care the reviewer writes the worker has not had yet, when the reviewer's point is
    that such care was not tried first (an MRI before any therapy): records of it cannot be found, and the way
    forward is to have it first. None for a request that is that care itself, or a sentence in quotes (another
    document's words)."""
    own = _SINGLE_QUOTED.sub(" ", _QUOTED_PASSAGE.sub(" ", rationale or ""))
    if not own or not _NOT_TRIED.search(own) or _CARE_HAD.search(own):
        return None  # the letter also says such care was had ("has since completed 12 sessions")
    if re.search(_CARE, request, re.I) or treatment_kind(request) in _CONSERVATIVE_KINDS:
        return None
    for start, end in sentence_spans(own):
        sentence = own[start:end]
        if _NOT_THE_REVIEWERS_FINDING.search(sentence):
            continue  # a condition, a doubt, a denial of it, another's claim, a time since or until
        for pattern in _CARE_NOT_HAD:
            m = pattern.search(sentence)
            if m is not None:
                return next(key for key in _CONSERVATIVE if m.group(key))
    return None


# another document's words in single quotes ('he has not yet had physical therapy')
_SINGLE_QUOTED = re.compile(r"(?<![A-Za-z])['\u2018][^'\u2018\u2019]{8,400}['\u2019](?![A-Za-z])")
# a sentence that is no finding of the reviewer's that the care was never had: "if ...", "unclear whether ...", "it is
# not true that ...", "the attorney claims ...", "not since 2014", "not at the first visit, but has since ..."
_NOT_THE_REVIEWERS_FINDING = _rx(
    r"\b(?:if|whether|unless|unclear|not true|untrue|claim\w*|alleg\w*|assert\w*|argu\w*|since|until|but|however|"
    r"although|at the (?:first|initial) visit|at that time|previously|then)\b"
)
# the letter says such care was had: "completed 12 sessions", "attended 6 visits of physical therapy"
_CARE_HAD = _rx(
    r"\b(?:completed|attended|had|underwent|undergone|received|finished)\s+(?:\w+\s+){0,3}?"
    r"(?:\d+|several|many|multiple|numerous)\s+(?:\w+\s+)?(?:sessions|visits|treatments)\b"
)


# -- care already given --------------------------------------------------------------------

_RETRO = _rx(r"\bretro(?:spective(?:ly)?|active)?\b")
# "DOS" as a word: never the start of "dose" ("may repeat dose 1/2 hour after" is no date of service)
_DOS = _rx(rf"\b(?:DOS|date of service|dates of service|D\.O\.S\.)(?![a-z])\s*[:(]?\s*(?P<date>{ANY_DATE})?")
_MORE_DATES = _rx(r"\s*(?:-|\u2013|\u2014|to|through|thru|until|,|;|&|and)\s*\d")


@dataclass(frozen=True)
class CareAlreadyGiven:
    date: dt.date | None  # the date of service, when the request gives one
    # the letter says so ("Retrospective", "was performed on"); a date of service alone is also written on a
    # request still awaiting approval ("... cream ..., DOS: 03/14/2017" while the worker waits for it), so
    # the page then says neither that the care was given nor that it is still to come
    sure: bool = True


# the rationale says the requested care was given: "the requested injection was performed on 11/2/2016"
# "retrospective review" is the reviewer's look back over the records ("Upon retrospective review of the records,
# ..."), not care given: only a retrospective request is
_GIVEN_ON = _rx(
    rf"\b(?:retrospective(?:ly)?|retro) request\b|\bthe requested [^.]{{1,80}}? (?:was|were) (?:already )?"
    rf"(?:performed|done|completed|administered|dispensed|provided|given|rendered)(?: on (?P<date>{ANY_DATE}))?"
)


# the request's own words say when it was given: "Toradol 60mg IM injection administered on 10/20/2016"
_GIVEN_DATED = _rx(
    rf"\b(?:administered|performed|done|given|dispensed|provided|rendered|completed) on (?P<date>{ANY_DATE})"
)
# the rationale says the care it names was given on a date: "The urine drug screen was performed on 10/20/2016"
_NAMED_GIVEN_ON = _rx(
    rf"\b(?:the|this|an?) (?P<care>[^.;]{{3,60}}?) (?:was|were) (?:already )?"
    rf"(?:performed|done|completed|administered|dispensed|given|rendered) on (?P<date>{ANY_DATE})"
)


def _names_care(named: str, request: str) -> bool:
    """The care a sentence names shares a word of four letters or more with the request ("urine drug screen")."""
    words = {w for w in re.findall(r"[a-z]{4,}", request.lower()) if w not in _NOT_CARE_WORDS}
    return bool(words & set(re.findall(r"[a-z]{4,}", named.lower())))


_NOT_CARE_WORDS = frozenset("with without left right bilateral times week weeks month months request requested".split())  # noqa: SIM905


def care_already_given(
    request: str, rationale: str | None = None, heading: str | None = None
) -> CareAlreadyGiven | None:
    """Care already given: a retrospective request, or a rationale that says the requested care was performed;
    with its date when the letter gives one. A date of service alone is care that may have been given (`sure`
    false)."""
    dated: dt.date | None = None
    dos_only = False
    for text in (request, heading or ""):
        dos = _DOS.search(text)
        if dos is not None and dos.group("date") and dated is None and not _MORE_DATES.match(text, dos.end()):
            # "DOS 11/18/16-12/01/16", "DOS 11/18/16, 12/01/16": a range or a list is not one day; no date is said
            dated = parse_date(dos.group("date"))
        if _RETRO.search(text):
            return CareAlreadyGiven(dated)
        if (given := _GIVEN_DATED.search(text)) is not None:
            return CareAlreadyGiven(parse_date(given.group("date")))
        dos_only = dos_only or dos is not None
    for m in _GIVEN_ON.finditer(rationale or ""):
        if _MORE_NOW.search(_sentence_around(rationale or "", m.start(), m.end())):
            continue  # "The requested drug was dispensed on 11/01/2016, and a further month is now requested"
        return CareAlreadyGiven(parse_date(m.group("date")) if m.group("date") else dated)
    for m in _NAMED_GIVEN_ON.finditer(rationale or ""):
        if _names_care(m.group("care"), request) and not _MORE_NOW.search(
            _sentence_around(rationale or "", m.start(), m.end())
        ):
            return CareAlreadyGiven(parse_date(m.group("date")))
    return CareAlreadyGiven(dated, sure=False) if dos_only else None


# an earlier round of the care, with more of it asked for now: not the care this review is about
_MORE_NOW = _rx(r"\b(?:now|further|additional|another|refills?|more|next|continued|continuation|again)\b")


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n\n", 0, start))
    right = text.find(". ", end)
    return text[left + 1 : right if right >= 0 else len(text)]


# -- partly authorized requests ---------------------------------------------------------------

# what a request counts ("12 sessions", "#60 tablets")
_COUNTED = "sessions|visits|treatments|tablets|capsules|pills|patches|injections"
_COUNT = _rx(
    r"(?:#\s?(?P<hash>\d{1,4})\b)|(?:\((?P<paren>\d{1,3}) (?P<punit>sessions|visits|treatments)\))|"
    r"(?:\b(?P<n>\d{1,3}|" + "|".join(NUMBER_WORDS) + rf")\b[^,.;()#]{{0,40}}?\b(?P<unit>{_COUNTED}|units|months?)\b)|"
    r"(?:\b(?P<times>\d{1,2}) (?:times|x) (?:a |per )?week (?:for|x) (?P<weeks>\d{1,2}) weeks?\b)"
)


_COUNT_NOUN = _rx(rf"\b(?:{_COUNTED})\b")
_VISITS_CARE = _rx(r"\b(?:therapy|PT|chiropract\w*|acupuncture|rehab\w*|sessions|visits)\b")
_TIMES_WEEKS = _rx(r"\b(?P<t>[1-5]) ?(?:times|x) ?(?P<w>\d{1,2})\b(?! ?(?:mg|mcg|ml|%|months?|days?|hours?|refills?))")


@dataclass(frozen=True)
class Quantity:
    value: int
    unit: str  # "#" for the letter's "#30", else a plural noun ("sessions")


def quantity(text: str | None) -> Quantity | None:
    """The one count a request wording gives ("#30", "12 sessions", "2 times a week for 6 weeks")."""
    if not text:
        return None
    found: list[Quantity] = []
    noun = _COUNT_NOUN.search(text)
    for m in _COUNT.finditer(text):
        if m.group("hash"):
            # "Chiropractic therapy sessions ..., #8" counts sessions: "8 sessions", not "#8"
            found.append(Quantity(int(m.group("hash")), noun.group(0).lower() if noun else "#"))
        elif m.group("paren"):
            found.append(Quantity(int(m.group("paren")), m.group("punit").lower()))
        elif m.group("n"):
            raw = m.group("n").lower()
            found.append(Quantity(int(raw) if raw.isdigit() else NUMBER_WORDS[raw], m.group("unit").lower()))
        elif m.group("times"):
            found.append(Quantity(int(m.group("times")) * int(m.group("weeks")), "sessions"))
    if not found and _VISITS_CARE.search(text):  # "Physical therapy 2 times 6", "PT 2x6": a week's visits x weeks
        found += [Quantity(int(m.group("t")) * int(m.group("w")), "sessions") for m in _TIMES_WEEKS.finditer(text)]
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
    if other_care(original or "", authorized or ""):
        return None  # "Tizanidine #27 was authorized" of "Baclofen #30": other care, never a part of this request
    if len({asked.unit, approved.unit, rest.unit}) != 1 or asked.value != approved.value + rest.value:
        return None
    return PartialNumbers(asked, approved, rest)


_CARE_WORD = re.compile(r"[a-z]{4,}")
_NOT_CARE = frozenset(
    _COUNTED.split("|")
    + """units month months times week weeks with without right left bilateral purchase rental refill refills
    each total""".split()  # noqa: SIM905
)


def other_care(original: str, authorized: str) -> bool:
    """The two wordings name different care: each has words of its own and they share none ("Tizanidine 4mg" and
    "Baclofen 100mg"), nor a drug by another of its names ("Norco" and "Hydrocodone/APAP"); a wording of counts
    alone ("#27", "6 visits") names none."""
    a = set(_CARE_WORD.findall(original.lower())) - _NOT_CARE
    b = set(_CARE_WORD.findall(authorized.lower())) - _NOT_CARE
    if not a or not b or a & b:
        return False
    return not (ingredients_named(original) & ingredients_named(authorized))


# -- the number of visits the guideline allows, when the request was over it ---------------------

_ALLOWS = _rx(
    r"\b(?:guide-?lines?|MTUS|ODG|ACOEM)\b[^.;]{0,60}?\b(?:recommends?|allows?|supports?|support|recommend|allow|"
    r"indicates?|limits?)\b[^.;]{0,25}?\b(?:up to |a maximum of |a total of |no more than |)(?P<number>(?:\d{1,2}|"
    + "|".join(NUMBER_WORDS)
    + r")(?:(?:-| to )\d{1,2})?) (?P<unit>(?:physical therapy |chiropractic |acupuncture |therapy |supervised )?"
    r"(?:visits|sessions|treatments))\b"
)


_FIRST_TRIAL = _rx(r"\btrial\b")
_LATER_COUNT = _rx(r"\b(\d{1,2}) (?:visits|sessions|treatments)\b")


def _more_later(rationale: str, m: re.Match[str]) -> bool:
    """A larger count of the same kind later in the sentence ("6 visits ..., and with improvement, up to 18
    visits"): the first number is a first step, not the limit."""
    end = rationale.find(". ", m.end())
    rest = rationale[m.end() : end if end >= 0 else len(rationale)]
    first = m.group("number").split("-")[-1].split(" to ")[-1]
    if not first.isdigit():
        return False
    return any(int(c.group(1)) > int(first) for c in _LATER_COUNT.finditer(rest))


# kinds of counted care a guideline's number may be for: a number said of one kind is not another's limit
_COUNTED_KINDS = {
    "physical therapy": re.compile(r"\bphysical therap|\bphysiotherap|\bPT\b", re.I),
    "chiropractic": re.compile(r"\bchiro\w*|\bmanipulation\b", re.I),
    "acupuncture": re.compile(r"\bacupunct", re.I),
    "occupational therapy": re.compile(r"\boccupational therap|\bOT\b"),
    "massage": re.compile(r"\bmassage", re.I),
    "psychotherapy": re.compile(r"\bpsychotherap|\bcognitive behavio|\bCBT\b|\bbiofeedback", re.I),
    "aquatic therapy": re.compile(r"\baqua(?:tic)? therap|\bpool therap", re.I),
}


def _kinds(text: str) -> set[str]:
    return {kind for kind, rx in _COUNTED_KINDS.items() if rx.search(text)}


def guideline_number(rationale: str | None, request: str = "") -> str | None:
    """ "10 visits" when the rationale says what the guideline allows ("The MTUS recommends up to 10
    visits"), else None. Said only with a reason about the amount (see `build`). A number whose sentence names
    another kind of care than the request ("For acupuncture the guidelines allow up to 6 treatments" for physical
    therapy) is that care's limit, not this one's."""
    if not rationale:
        return None
    found: set[str] = set()
    asked = _kinds(request)
    for m in _ALLOWS.finditer(rationale):
        if _FIRST_TRIAL.search(m.group(0)) or _more_later(rationale, m):
            return None  # "a trial of 6 visits, and with improvement up to 18": what is allowed depends on the trial
        start = max(rationale.rfind(". ", 0, m.start()) + 1, 0)
        end = rationale.find(". ", m.end())
        named = _kinds(rationale[start : end if end >= 0 else len(rationale)])
        if request and named and not named & asked:
            continue
        found.add(f"{m.group('number')} {m.group('unit')}")
    return found.pop() if len(found) == 1 else None


_VISIT_UNITS = ("session", "visit", "treatment")


def same_unit(a: str, b: str) -> bool:
    """Two count units of one kind: "visits" and "sessions" of a therapy are counted the same way."""
    a, b = a.lower().rstrip("s"), b.lower().rstrip("s")
    return a == b or (a in _VISIT_UNITS and b in _VISIT_UNITS)


_CARE_KINDS = (
    r"physical therapy|PT|chiropractic|chiro|acupuncture|occupational therapy|OT|massage|aquatic therapy|therapy"
)
_HAD_BEFORE = re.compile(
    # "8 previous sessions", "the prior eight sessions"
    r"\b(?:(?P<first>previous|prior|completed|past|earlier) )?"
    rf"(?P<n>\d{{1,2}}|{'|'.join(NUMBER_WORDS)}) (?:(?P<when>previous|prior|completed|past|earlier) )?"
    rf"(?:(?P<kind>{_CARE_KINDS}) )?(?:sessions|visits|treatments)\b"
    r"(?P<done> (?:were|was|have been|had been) (?:already )?(?:provided|completed|attended|received|rendered|done))?",
    re.I,
)


def sessions_had_before(rationale: str, request: str) -> int:
    """The sessions of this care the letter says the worker already had ("8 previous therapy sessions",
    "6 sessions have been completed"), when it says so once; 0 otherwise (a guideline's "up to 10 visits" is no
    history, nor are sessions of another kind of care)."""
    counts = set()
    for m in _HAD_BEFORE.finditer(rationale):
        if not (m.group("first") or m.group("when") or m.group("done")):
            continue
        kind = m.group("kind")
        if kind and not re.search(rf"\b{re.escape(kind)}\b", request, re.I):
            continue
        raw = m.group("n").lower()
        counts.add(int(raw) if raw.isdigit() else NUMBER_WORDS[raw])
    return counts.pop() if len(counts) == 1 else 0


# what the reviewer writes would be needed for the care, or what would fit: a requirement ("Purchase requires
# documentation of a one-month trial", "must be documented", "only after a trial of first-line agents"), a first
# step ("x-rays should be obtained first", "an initial trial of 3-4 visits"), or what would fit ("A 7-day rental
# would be consistent with the guideline", "Eight visits would be within guideline limits"). Readers found the
# generic step ("read the reviewer's words") where the reviewer had written the easy fix.
_TRIAL_KIND = r"(?:initial |first |home |short |time-limited |\d+[- ](?:day|week|month) |one[- ]month |two[- ]week )"
_NEEDED = _rx(
    r"\b(?:requires?|required|would require) (?:(?:objective |clear |prior |written )?(?:documentation|evidence)|"
    r"(?:objective(?:ly)? |clear(?:ly)? )?documented|"
    r"an? (?:initial |prior |home |documented )?(?:trial|course|failure)|(?:prior )?failure|that)\b|"
    r"\bonly (?:after|if|when|once|following|in (?:patients|cases|the presence|the setting))\b|"
    r"\b(?:should|must|needs? to|would need to|has to|have to) (?:first |also )?(?:be )?(?:first )?"
    r"(?:tried|trialed|attempted|documented|obtained|completed|performed|demonstrated|shown|provided|specified|"
    r"identified|established|addressed)\b|"
    r"\b(?:would|could|may|might) (?:be|have been) (?:reasonable|appropriate|supported|supportable|considered|"
    r"reconsidered|certified|indicated|within|consistent|warranted|medically necessary|recommended)\b|"
    rf"\b(?:is|are) recommended (?:for |as )?an? {_TRIAL_KIND}?trial\b|\brecommends? an? {_TRIAL_KIND}?trial\b"
)
# a negation in the cue's own clause before it ("should therefore not be done before surgery", "is not required")
_NEEDED_DENIED = _rx(r"\b(?:not|never|no longer|cannot|can't|isn't|aren't|wouldn't|neither|nor|no)\b")
# history, a finding, or another person's words: not what this reviewer finds would be needed (no reason given for
# why she would need a gel, a drug given last spring as a first trial, a trial already approved); and never advice
# on stopping a drug (the safety line's)
_NEEDED_HISTORY = _rx(
    r"\b(?:UR|utilization review|the (?:prior|previous|initial) (?:reviewer|review|denial|decision)|"
    r"(?:was|were) (?:told|advised|instructed|prescribed|given|authorized|approved|certified)|"
    r"(?:has|have|had) (?:already )?been (?:authorized|approved|certified|given|prescribed)|"
    r"(?:he|she|they|patient|claimant|applicant) (?:states?|stated|reports?|reported)|"
    r"(?:requesting|treating) (?:provider|physician|doctor) (?:states?|stated|notes?|noted|wrote|recommends?|"
    r"recommended)|rationale|reason|explanation|why)\b|"
    r"^there (?:is|was|are|were|has been|have been) (?:also )?(?:a |an )?(?:no|lack|absence)\b"
)
_ABOUT_STOPPING = _rx(r"(?:^|\bthat\s+)\W*(?:the\s+)?(?:taper\w*|wean\w*|discontinu\w*|stopp\w*)\b")
_NEEDED_VERDICT = _rx(
    r"\b(?:is|are|was|were) not (?:medically necessary|supported|indicated|certified|recommended|appropriate|"
    r"warranted|reasonable|necessary)\b"
)
_CLAUSE_CUT = re.compile(r";|,\s+(?=(?:but|however|yet|although|though|whereas|while)\b)|\.\s", re.I)


def _before_cue(sentence: str, start: int) -> str:
    """The words of the cue's own clause before it ("the surgery would not" of "..., but the surgery would not be
    appropriate")."""
    cuts = [m.end() for m in _CLAUSE_CUT.finditer(sentence, 0, start)]
    return sentence[max(cuts, default=0) : start]


def _cue_clause(sentence: str, start: int) -> str:
    """The cue's own clause, from its start to the next clause cut."""
    end = next((m.start() for m in _CLAUSE_CUT.finditer(sentence, start)), len(sentence))
    return _before_cue(sentence, start) + sentence[start:end]


def says_what_is_needed(sentence: str) -> bool:
    """The sentence says what would be needed for the care, or what would fit (see `_NEEDED`), in a clause that does
    not deny it, and is no verdict, nor another person's words, nor a quote of another document."""
    if '"' in sentence or "\u201c" in sentence or len(sentence.split()) > 60 or _NEEDED_HISTORY.search(sentence):
        return False
    return any(
        not _NEEDED_DENIED.search(before := _before_cue(sentence, m.start()))
        and not _ABOUT_STOPPING.search(before)  # "Tapering should be documented": the safety line's business
        and not _NEEDED_VERDICT.search(_cue_clause(sentence, m.start()))
        for m in _NEEDED.finditer(sentence)
    )


# what would fit, in the reviewer's own voice ("A one-month rental trial would be appropriate, but purchase was not
# medically necessary", "A smaller quantity, such as #120, ... would be reasonable"): said beside any step
_WOULD_FIT = _rx(
    r"\b(?:would|could) (?:be|have been) (?:reasonable|appropriate|supported|supportable|certified|within|"
    r"consistent|reconsidered|medically necessary)\b"
)


def would_fit(sentence: str) -> bool:
    """The sentence says, in the reviewer's own voice, what would fit instead (see `_WOULD_FIT`)."""
    return says_what_is_needed(sentence) and any(
        not _NEEDED_DENIED.search(_before_cue(sentence, m.start())) for m in _WOULD_FIT.finditer(sentence)
    )


def what_is_needed(
    rationale: str | None, shown: list[str], test: Callable[[str], bool] = says_what_is_needed
) -> tuple[str | None, bool]:
    """The reviewer's first sentence in the rationale that says what would be needed for the care (or what would
    fit), not among the sentences the page already shows, and whether one the page shows says it. A sentence that
    points back ("That trial should be documented") is never quoted alone: what it points to is not on the page."""
    text = rationale or ""
    spans = list(sentence_spans(text))
    shown_norm = [" ".join(s.split()) for s in shown]
    above = False
    for a, b in spans:
        sentence = " ".join(text[a:b].split())
        if not test(sentence):
            continue
        if any(sentence in s or s in sentence for s in shown_norm):
            above = True
            continue
        if _POINTS_BACK_NEEDED.match(sentence):
            continue
        return sentence, above
    return None, above


_POINTS_BACK_NEEDED = _rx(r"^(?:this|that|these|those|such|it|they)\b")
