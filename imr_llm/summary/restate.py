"""The reviewer's sentence, restated: recognise its form and keep its content.

A plain "Why" used to be worded from a topic label ("Your records did not show signs
of nerve problems"), so a topic error, or a reviewer whose point was narrower than
the topic, became a finding about the worker that the reviewer never wrote. Here the
plain sentence is the reviewer's own sentence, rewritten only by meaning-preserving
steps:

1. its form is recognised ("There is no documentation of X", "The request did not
   specify X", "It is unclear whether X", "X is not recommended for Y", "Given that
   X is not medically necessary, Y is not", "The provider agreed X", or, for any other
   sentence in which the reviewer applies the rules to this worker, "The reviewer
   found that X");
2. its slots (X, Y) keep the reviewer's words, with only these changes: the worker
   ("the patient", "the claimant", ...) becomes "you" (verbs agree), the requesting
   doctor becomes "your doctor", hard terms are replaced by the plain words of the
   glossary below, citations ("ACOEM Chapter 12, Table 12-8, page 309") are dropped;
3. a language words the form ("The reviewer found no record of {x}.").

So every content word of a plain sentence comes from the reviewer's sentence, the
request, the glossary or the language's fixed frame, and a negation in the sentence
stays a negation (`imr_llm.summary.checks` verifies both). A sentence with no
recognised form, or whose polarity does not match the decision, is not restated: the
summary then says the reviewer's words follow, and quotes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from imr_llm.care.drugs import DOSE_TIMES_A_DAY
from imr_llm.parser.reasons import LIFTED_BY_RECORDS, RULE_WHEN
from imr_llm.schema import Decision


class Form(StrEnum):
    NO_RECORD = "no_record"  # There is no documentation of X
    NONE_FOUND = "none_found"  # There were no X / a lack of X (a finding, not a document)
    RECORDS_SILENT = "records_silent"  # The clinical note does not address X
    REQUEST_SILENT = "request_silent"  # The request did not specify X
    DOCTOR_SILENT = "doctor_silent"  # The provider did not specify X
    UNCLEAR = "unclear"  # It is unclear whether X
    NO_RATIONALE = "no_rationale"  # There was no rationale for X / The rationale as to why X is not apparent
    NOT_RECOMMENDED = "not_recommended"  # The guidelines do not recommend X / X is not recommended for Y
    LINKED = "linked"  # Given that X is not medically necessary, Y is not
    DOCTOR_AGREED = "doctor_agreed"  # The provider agreed X
    GIVEN = "given"  # Given that X, Y
    RECORD_SHOWS = "record_shows"  # There is documentation of X (an approval)
    GUIDELINE = "guideline"  # The guidelines state that X is not recommended for topical use (about this request)
    FINDING = "finding"  # any other sentence applying the rules to this worker
    ALREADY_APPROVED = "already_approved"  # X had been approved before (and this request repeats it)
    TRIAL_APPROVED = "trial_approved"  # a first trial was approved before, and this request goes past it
    BEYOND_TRIAL = "beyond_trial"  # ... the words for going past it
    REPEAT = "repeat"  # This request would be duplicative / redundant (after the approval it repeats)


# forms that state something is missing (a denial's reason); the others carry their own polarity
NEGATIVE_FORMS = frozenset(
    {
        Form.NO_RECORD,
        Form.NONE_FOUND,
        Form.RECORDS_SILENT,
        Form.REQUEST_SILENT,
        Form.DOCTOR_SILENT,
        Form.UNCLEAR,
        Form.NO_RATIONALE,
        Form.NOT_RECOMMENDED,
        Form.LINKED,
    }
)

# the forms whose next step names something to show (a ban or a linked service names nothing): never a risk or a
# red flag (see ALARMING)
ASKS_FOR = NEGATIVE_FORMS - {Form.NOT_RECOMMENDED, Form.LINKED}


@dataclass(frozen=True)
class Restatement:
    """One reviewer sentence in a recognised form. Slots hold the reviewer's words: `slots` verbatim
    (for a language that quotes them), `plain` rewritten into plain English by the steps above."""

    form: Form
    sentence: str
    slots: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)
    negated: bool = False
    when: str | None = None  # "11/30/2016" from a leading "On 11/30/2016," (the records of that date)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# -- sentence shape -------------------------------------------------------------------------

_LEAD = _rx(
    r"^(?:(?:however|additionally|in addition|moreover|furthermore|further|also|and|but|yet|thus|again|"
    r"in this case|in this instance|in this situation|in this patient|"
    r"in (?:the|this) (?:claimant|patient|applicant|worker|injured worker|employee)'s case|here|"
    r"in the case of (?:the|this) (?:claimant|patient|applicant|worker|injured worker|employee)|"
    r"at this time|currently|unfortunately|notably|specifically|overall|finally|lastly|"
    r"it (?:was|is|has been) (?:also )?(?:noted|documented|reported|indicated) that|"
    r"it (?:does |would )?(?:appears?|seems?) that|"
    r"(?:in|within|upon review of|based on|from|per) the (?:submitted |available |provided |clinical |medical )*"
    r"(?:documentation|records?|notes?|information|reports?)(?: (?:submitted|provided|presented|available|"
    r"reviewed))?(?: for (?:this )?review)?)\b,?\s+)+"
)
_LEAD_DATE = _rx(
    r"^(?:on|as of|at the (?:visit|examination|exam|evaluation) (?:on|of|dated)|(?:in|per) the (?:clinical |"
    r"progress |office )?(?:note|report|visit|examination|exam|evaluation) (?:dated|of|from|on))\s+"
    r"(?P<when>\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}-\d{1,2}-\d{2,4}|[A-Z][a-z]+ \d{1,2},? \d{4}),\s+"
)
_PERSON = (
    r"(?:the |this |our )(?:patient|claimant|applicant|injured (?:worker|employee|individual)|worker|employee|iw|"
    r"individual)"
)
_DOCTOR = (
    r"(?:the |this )?(?:treating |requesting |attending |primary |prescribing |referring )?"
    r"(?:provider|physician|doctor|treater|prescriber|surgeon|practitioner|clinician)"
)
NEGATION = _rx(
    r"\b(?:not|no|lack|lacks|lacking|without|never|none|neither|nor|cannot|unclear|absence|absent|failed|fails|"
    r"insufficient|exceeds?|exceeded|exceeding|excessive|redundant|unable|inability|unspecified|unsupported)\b|n't\b|"
    # "the visits asked for are in excess of the guidelines" (never "pain in excess of 8/10")
    r"\bin excess of (?:the |what (?:the )?)?(?:guidelines?|recommend\w*|MTUS|ODG|ACOEM|California|CA)\b"
)
_CITATION_PAREN = _rx(
    r"\s*\((?=[^()]*(?:\bMTUS\b|\bACOEM\b|\bODG\b|\bpages?\b|\bpp?\.|\btable\b|\bchapter\b|§|\bsection\b|"
    r"\b(?:19|20)\d\d\b|\bguidelines?\b|\bet al\b))[^()]{0,160}\)"
)
_CITATION = _rx(
    r"\b(?:the )?(?:MTUS|ACOEM|ODG|CA MTUS)(?:[ -](?:Guidelines?|Chronic Pain(?: Medical Treatment Guidelines)?|"
    r"Guideline in ACOEM|in ACOEM|Practice Guidelines))*(?:,? (?:Chapter|Table|page|pages|pg\.?|p\.|Section)s? "
    r"[\w.,-]*\w)+"
)
_HISTORY = _rx(
    r"\b(?:complain(?:s|ed)? of|presented (?:with|to)|presents with|chief complaint|underwent|was seen|"
    r"year[- ]old|date of injury|was injured|sustained an? |diagnoses (?:include|included|were|are))\b|"
    # the request's own history: asked for before and denied (by UR), which is how the dispute began, never a reason
    r"\b(?:was|were) (?:previously |initially |also )?(?:requested|submitted|asked for)\b.{0,60}?\b(?:but|and) "
    r"(?:this|it|that|they|the request) (?:was|were) (?:denied|non-?certified|not certified|modified)\b"
)
_GUIDELINE_SUBJECT = _rx(
    r"^(?:according to |per |as (?:noted|stated|per) (?:in )?|regarding [^,]{1,60}, )?(?:the )?(?:current )?"
    r"(?:california |ca |cal )?(?:mtus|acoem|odg|official disability|guidelines?|medicare|cms|evidence|literature|"
    r"studies|research|the (?:guidelines?|mtus))\b"
)
_CASE_SUBJECT = _rx(
    rf"^(?:there (?:is|was|are|were|has been|have been)\b|(?:patient|claimant|applicant) (?:is|was|has|had|does|did)\b|"
    rf"it (?:is|was|remains) (?:also )?(?:unclear|not clear)\b|"
    rf"{_PERSON}\b|{_DOCTOR}\b|(?:his|her|their) |(?:he|she) |(?:the |this )?(?:(?:initial|original|current|present) "
    r"(?:treatment )?request\b|(?:originally |initially )?request(?:ed)?|documentation|records?|"
    r"(?:clinical |progress |office )?notes?|clinical (?:information|documentation)|medical (?:records|documents)|"
    r"submitted|"
    r"available|physical exam(?:ination)?|exam(?:ination)?|imaging|mri|x-?rays?|electrodiagnostic|therapy|treatment|"
    r"(?:prior|previous|recent) |medication|use|usage|ongoing|continued|additional|further|no |the rationale|"
    r"rationale|authorization|given (?:that|the)|as the|since the|because the|a request|this request|"
    r"without |outcome|efficacy))"
)


# "Therapy outcome was not included for review", "Detailed evidence of X has been documented"
_PASSIVE_RECORD = _rx(
    r"^[^,;]{3,150}? (?:was|were|is|are|has been|have been|had been)(?: not)?(?: \w+ly)? (?:documented|included|"
    r"provided|noted|indicated|described|reported|submitted|established|demonstrated|shown|apparent|evident|"
    r"quantified|specified|detailed|addressed|discussed|recorded|found)\b"
)


# "... for this condition so this request is not medically necessary": the verdict is said elsewhere
_TRAILING_VERDICT = _rx(
    r"[,;]?\s+(?:and )?(?:therefore|thus|hence|as such|consequently),? (?:the|this) (?:current )?(?:request|treatment|"
    r"service|medication)\b[^.;]{0,200}?\b(?:not )?(?:medically necessary|supported|appropriate|warranted|indicated)"
    r"(?: at this time)?$"
)


# "Given the lack of notes on failed simpler care, the MRI request is not
# medically necessary": a verdict whose own reason is a lack; the reason is restated as "there is a lack of X"
REASONED_VERDICT = _rx(
    r"^(?:(?:given|due to|because of|based on) (?:the )?(?P<lack>lack|absence|paucity)|in the (?P<absence>absence)) "
    r"of (?P<x>[^;]{5,}),\s+(?P<verdict>(?:the |this |a |an )?[^,;]{0,250}?\b(?:is|are|was|were|be)\b[^,;]{0,60}?"
    r"(?:medically necessary|supported|appropriate|warranted|indicated|established)(?: at this time)?)$"
)


def is_reasoned_verdict(sentence: str) -> bool:
    """The reviewer's verdict with its own reason in it, opening with that reason ("Given the lack of X, and Y,
    the request is not ..."): when such a sentence ranks first and cannot be restated, a lesser sentence is not
    restated in its place (the reviewer's words are quoted)."""
    return bool(_REASONED_START.match(sentence)) and REASONED_VERDICT.match(_core(sentence, lacks=False)[0]) is not None


_REASONED_START = re.compile(r"^(?:given|due to|because of|based on|in the absence of)\b", re.I)


_ANAPHORA = _rx(r"(?:such|this|these|that|those|it|the above|said)\b")  # "the absence of such evidence": of what?


def _reasoned_verdict(text: str) -> str:
    """The lack a reasoned verdict rests on, as a sentence of its own; a lack of several things joined by
    ", and" is left as it is (", and the chronic risk of continued treatment" is not one more lack)."""
    m = REASONED_VERDICT.match(text)
    if (
        m is None
        or re.search(r",\s*(?:and|or|but)\b|\band the\b", m.group("x"))
        or _ANAPHORA.match(m.group("x"))
        or re.search(r"\b(?:lack|absence|paucity) of\b|\bno \w", m.group("verdict"), re.I)  # more reasons in it
    ):
        return text
    return f"there is a {m.group('lack') or m.group('absence')} of {m.group('x')}"


_CONCESSIVE = _rx(
    r"^(?:while|although|though|whereas|even though)\b[^;]{10,}?,\s+(?:here,\s+)?(?:however|here),?\s+"
    r"(?P<main>(?:the|there|this|it|he|she|no|in)\b.{10,})$"
)

# "Although there was evidence of X (Y and Z), the record failed to show W": a concession in one clause (no comma
# inside it, so the split is certain), then what the records lack; the lack is the point
_CONCEDED_LACK = _rx(
    r"^(?:while|although|though|whereas|even though)\b[^,;]{10,300},\s+"
    r"(?P<main>(?:the (?:submitted |provided |available |medical |clinical )?(?:records?|documentation|notes?)|"
    r"there (?:is|was|are|were|has been|have been) no)\b.{10,})$"
)

# "Although additional therapy may be appropriate, the requested 6 sessions exceed the guidelines": the care is granted
# in kind, and the amount asked for is the point (the step: ask for no more than the guidelines allow)
_CONCEDED_CARE = _rx(
    r"^(?:(?:while|although|though|even though)\b[^,;]{5,200}?|[^,;]{5,200}?)\b(?:may|might|could|would|can) be "
    r"(?:medically )?(?:appropriate|reasonable|indicated|supported|recommended|warranted|necessary)\b[^,;]{0,80}"
    r"(?:,\s+(?=(?:the|this)\b)|,?\s+but\s+)"
    r"(?P<main>(?:the|this)\b[^;]{0,200}?\b(?:exceeds?|exceeded|exceeding|in excess of)\b.{3,})$"
)

_MORE_MISSING = re.compile(
    r",? (?:and|or|nor) (?:there (?:is|are|was|were) )?no (?:(?:objective |clear |prior |further )?"
    r"(?:documentation|records?|evidence|indications?)s? "
    r"(?:of|that|about|regarding|for|to support|supporting|showing) )?",
    re.I,
)


def missing_parts(x: str) -> list[str]:
    """The things one "no X" sentence says are missing: "A, and no documentation of B" is A and B (a next
    step asks for records of both, never for "no documentation"); "A and no discussion of B" keeps "discussion of
    B" (a discussion of surgery is no surgery: a reader found "no surgery" in a Spanish page)."""
    parts = [p.strip(" ,") for p in _MORE_MISSING.split(x)]
    return [p for p in parts if p] or [x]


def safe_missing(r: Restatement) -> Restatement | None:
    """A "no A and no B" restatement cut to the missing things that name no risk or red flag (see `alarming`), when
    some do and some do not: "no record of how the brace did and no red flag on exam" is "no record of how the
    brace did" for a step to ask for. None when there is no such cut (one missing
    thing, all of them alarming, none of them, or its plain and verbatim parts do not line up)."""
    if r.form not in (Form.NO_RECORD, Form.NONE_FOUND):
        return None
    plain, verbatim = missing_parts(r.plain.get("x", "")), missing_parts(r.slots.get("x", ""))
    if len(plain) < 2 or len(plain) != len(verbatim):
        return None
    kept = [k for k, part in enumerate(plain) if not alarming(part) and not alarming(verbatim[k])]
    if not kept or len(kept) == len(plain):
        return None
    join = ", and no "
    slots = {**r.slots, "x": join.join(verbatim[k] for k in kept)}
    if "quote" in slots:
        slots["quote"] = slots["x"]
    return replace(r, slots=slots, plain={**r.plain, "x": join.join(plain[k] for k in kept)})


# -- the head of one missing thing ------------------------------------------------------------------
# A language that quotes the reviewer's English may also name the missing thing in its own words, from its
# phrase table, when a phrase names the whole of it ("signs of nerve damage"). The words before it that say
# nothing ("any", "the presence of") are skipped; what may follow is only the reason it was wanted ("to
# support the requested MRI", "at this time", "on the examination provided for review"), or a second missing
# thing after "or" / "and" that the table names too. Anything else after it ("in the arms", "from the prior
# sessions", "to suggest a new injury") narrows or widens it, and a name for the head alone would say more or
# less than the reviewer did: no name, the quote only.
HEAD_LEAD = _rx(r"^(?:that\s+)?(?:(?:any|a|an|the)\s+)?(?:presence of\s+(?:(?:any|a|an|the)\s+)?)?")
HEAD_RECORD = _rx(
    r"^(?:(?:a |any |the )?(?:clear |objective |medical )?(?:records?|documentation|evidence|information) "
    r"(?:of|showing|regarding|about)\s+)"
    r"(?:(?:any|a|an|the)\s+)?"
)
HEAD_TAIL = _rx(
    r"^\s*(?:(?:noted|documented|recorded|found|seen|identified)\b\s*)?(?:$|,?\s*(?:"
    r"(?:(?:that|which) (?:would |could |might |will )?|in order )?(?:to )?"
    # (never "to suggest X", "to indicate X": those say which findings, and a name for the head alone drops it)
    r"(?:(?:support|warrant|justify|necessitate|require|substantiate)s?|calls? for)\b|"
    r"at this (?:time|point)\b|"
    r"(?:noted |documented |found |seen )?on (?:the )?(?:most recent |recent )?(?:physical |clinical )?"
    r"exam(?:ination)?s?\b|"
    r"(?:provided )?for review\b|for (?:this request|(?:the )?treatment)\b|before (?:this|the) request\b))"
)
# "A or B", "A and B", "A, B, or C": missing things, each named on its own or none (a bare comma joins a list that
# an "or" / "and" closes: the word is the list's last)
HEAD_JOIN = _rx(r"^\s*(?:,?\s*(?P<word>or|and)\s+(?!/)|,\s+(?=[a-z]))")


# the connective before a verdict: a restatement of the sentence that follows it may leave it out
_VERDICT_LEAD = _rx(r"^(?:as such|therefore|thus|hence|consequently|accordingly),?\s+")


def core_of(sentence: str) -> str:
    """The part of a sentence a restatement must keep: no leading connective or date, no citation, no
    closing verdict ("therefore the request is not medically necessary")."""
    text, _ = _core(sentence)
    text = _VERDICT_LEAD.sub("", text)  # "As such, authorization of the request would be redundant"
    return _CITATION.sub(" ", _CITATION_PAREN.sub(" ", text))


# words a restatement may leave out: connectives, the words of the form it recognised ("there was a lack
# of documentation"), the worker and the doctor (now "you", "your doctor"), citation words
DROPPABLE = frozenset(
    """
    however additionally addition moreover furthermore also this case here there lack absence absent paucity
    documentation documented evidence indication information records record mention discussion reports report
    notation data noted provided submitted available presented review reviewed clear clearly patient
    patients claimant applicant injured worker employee individual treating requesting attending provider
    physician doctor treater prescriber the that which were does have been specify specified state stated
    indicate indicated identify document documents indicating showing demonstrating documenting regarding
    concerning unclear rationale rational reason explanation justification apparent evident guidelines guideline
    specifically recommend recommended support supported given since because failed fails request requested
    submitted also still further currently unfortunately notably within based upon from therefore thus hence
    consequently medically necessary appropriate warranted service usage would document show reveal demonstrate
    continuation purchase authorization lists listing identifying naming without
    establish include contain mention note address discuss describe detail noting stating reflecting confirming
    """.split()  # noqa: SIM905
)


def _core(sentence: str, lacks: bool = True) -> tuple[str, str | None]:
    """The sentence without its leading connectives ("However, in this case,") and date ("On 11/30/2016,"),
    without its closing period; and the date. With `lacks`, a verdict resting on a lack is the lack."""
    text = " ".join(sentence.split()).strip()
    when = None
    for _ in range(3):
        before = text
        text = _LEAD.sub("", text)
        m = _LEAD_DATE.match(text)
        if m:
            when = m.group("when")
            text = text[m.end() :]
        if text == before:
            break
    text = _VERB_LOST.sub(r"\1 is no", text)  # "there no proposed program": the letter lost its verb
    for typo, meant in _TYPOS:  # a slip of the letter's typing the page need not repeat
        text = typo.sub(meant, text)
    closing = re.search(r"[.;:]+(?P<q>[\"'\u201d]?)$", text)
    text = text[: closing.start()].strip() if closing else text
    # 'but "NCS is not recommended."': a quote the reviewer opened is closed again, before the period
    if closing and closing.group("q") == '"' and text.count('"') % 2:
        text += '"'
    elif closing and closing.group("q") == "\u201d" and text.count("\u201c") > text.count("\u201d"):
        text += "\u201d"
    text = _TRAILING_VERDICT.sub("", text).strip(" ,;")
    text = _ASIDE_MARKER.sub(" ", text)  # "there was, in short, neither ...": a marker, no content
    if lacks:
        text = _reasoned_verdict(text)
    # "While the guideline notes X, here, however, the provider failed to ...": the point is the second part
    m = _CONCESSIVE.match(text) or _CONCEDED_LACK.match(text) or _CONCEDED_CARE.match(text)
    if m:
        text = m.group("main")
    return text, when


_VERB_LOST = re.compile(r"^(there) no\b", re.I)
# slips seen in the letters whose meaning is certain from the words around them
_TYPOS = (
    (re.compile(r"\btrail (and|&) failure\b", re.I), r"trial \1 failure"),
    (re.compile(r"\b(guidelines?|MTUS|ODG|ACOEM) stat that\b", re.I), r"\1 state that"),
    (
        re.compile(
            r"\b(after|since|before|following) the injured\b(?! (?:worker|employee|party|patient|person))", re.I
        ),
        r"\1 the injury",
    ),
    (re.compile(r"\bin (topical|oral) for (?=(?:is|are|was|were|has|have)\b)", re.I), r"in \1 form "),
    # "for several month": a plural count with its "s" left off ("a two week trial" is a modifier, and stays)
    (re.compile(r"\b(several|many|a few) (day|week|month|year)\b(?!['-])", re.I), r"\1 \2s"),
    # "record of failure of failure of simpler therapy": a word and its preposition typed twice (one word twice, as
    # "had had", can be right; so can a clause said twice, "... not recommended is not recommended")
    (re.compile(r"\b(\w+ (?:of|to|for|in|with|on)) \1\b", re.I), r"\1"),
)
_ASIDE_MARKER = re.compile(r",\s*in (?:short|summary|sum|essence|brief|other words),\s*", re.I)


# -- the forms ------------------------------------------------------------------------------

_Q = (
    r"(?:(?:any |clear |significant |objective |clinical |documented |recent |specific |adequate |sufficient |"
    r"detailed |current |medical |further |subjective |physical |exam(?:ination)? |written |quantified |"
    r"quantifiable |measurable |functional |supporting |submitted |firm |definitive |convincing |reliable |"
    r"compelling |substantial |concrete |explicit |formal |updated |new |additional )*)"
)
_DOC = r"(?:documentation|evidence|information|indication|records?|mention|discussion|reports?|notation|data)"
_LINK = (
    r"(?P<link>of|that|regarding|about|concerning|indicating|showing|demonstrating|documenting|to support|"
    r"to show|to indicate|to demonstrate|to suggest|supporting|noting|stating|describing|reflecting|confirming|"
    r"for|as to|on|in)"
)
# "no indication the patient has ...": a clause follows with no "that"
_CLAUSE = (
    r"(?=(?:the |this |his |her |he |she |patient |claimant |applicant |any |first|prior |previous |it |they )|"
    # "no documentation physical therapy was started": a short noun phrase and its verb
    r"(?:[a-z/-]+ ){1,3}(?:was|were|has been|had been|have been|is|are) (?!not\b))"
)
_LINK_PLAIN = {
    "of": "of",
    "that": "that",
    "regarding": "about",
    "about": "about",
    "concerning": "about",
    "indicating": "showing",
    "showing": "showing",
    "demonstrating": "showing",
    "documenting": "showing",
    "to support": "to support",
    "to show": "to show",
    "to indicate": "to show",
    "to demonstrate": "to show",
    "to suggest": "to suggest",
    "supporting": "supporting",
    "noting": "showing",
    "stating": "showing",
    "describing": "describing",
    "reflecting": "showing",
    "confirming": "showing",
    "for": "for",
    "as to": "about",
    "on": "on",
    "in": "in",
}
_RECORD_VERBS = {
    "document": "show",
    "show": "show",
    "indicate": "show",
    "reveal": "show",
    "demonstrate": "show",
    "establish": "show",
    "support": "support",
    "include": "include",
    "provide": "include",
    "contain": "include",
    "mention": "mention",
    "note": "mention",
    "address": "talk about",
    "discuss": "talk about",
    "describe": "describe",
    "detail": "describe",
    "report": "report",
}
# words the restatement itself may bring (the plain links and verbs above): the checks allow them
RESTATE_WORDS = " ".join([*_LINK_PLAIN.values(), *_RECORD_VERBS.values(), "why", "what", "whether", "if", "how"])
_SAY_VERBS = r"(?:specify|state|include|indicate|identify|document|provide|list|mention|note|detail|describe|outline)"

_NO_RECORD = (
    _rx(
        rf"^there (?:is|was|are|were|has been|have been) (?:also )?(?:a |an )?(?:lack|absence|paucity) of "
        rf"(?P<q>{_Q}){_DOC}"
        rf"(?: (?:provided|submitted|available|presented|noted))?(?: for review)?\s+(?:{_LINK}\s+|{_CLAUSE})(?P<x>.+)$"
    ),
    _rx(
        rf"^there (?:is|was|are|were|has been|have been) (?:also )?(?:still )?no (?P<q>{_Q}){_DOC}"
        rf"(?: (?:provided|submitted|available|presented|noted))?(?: for review)?\s+(?:{_LINK}\s+|{_CLAUSE})(?P<x>.+)$"
    ),
    _rx(
        rf"^(?:{_PERSON}|(?:the |this )?(?:documentation|records?|submitted documentation|medical records|"
        rf"clinical (?:information|documentation|notes?))) (?:does|did|do) not (?:have|contain|include|provide) "
        rf"(?:any )?(?P<q>{_Q}){_DOC}\s+{_LINK}\s+(?P<x>.+)$"
    ),
    _rx(rf"^(?:a |the )?(?:lack|absence) of (?P<q>{_Q}){_DOC}\s+{_LINK}\s+(?P<x>.+)$"),
)
# ", and the claimant is improving with therapy": a clause of its own after the missing thing, with its own subject
# and verb; what it says was found, not missing (the probe: "no record of failed care, and you are improving" was
# asked for as records, and the Spanish page said no record of the improvement the reviewer reported)
_SUBJECT_VERB = (
    r"(?!there\s+(?:is|are|was|were|has been|have been)\s+(?:also\s+)?no\b)"  # "and there is no B": B missing too
    r"(?:(?:he|she|they|it|there|we|i)\s+(?:[a-z]+ly\s+)?|(?:the|this|that|these|those|his|her|their|an?)\s+"
    # "and the urine drug screen of 10/14/2016 was inconsistent" (a reader: found no record of that, in Spanish)
    r"(?:[\w'/-]+\s+){0,5}?)"
    r"(?:is|are|was|were|has|have|had|does|did|do|reports?|reported|remains?|remained|continues?|continued|"
    r"states?|stated|notes?|noted|says|said|tolerates?|tolerated|underwent|shows?|showed|demonstrates?|demonstrated|"
    r"presents?|presented|can|cannot|could|will|would|may|might|should|must)\b"
)
_OWN_CLAUSE = _rx(
    rf"(?:,\s+|\s+)(?:and|but|while|whereas|although|though|yet|since|given that|because)\s+{_SUBJECT_VERB}|"
    rf";\s*{_SUBJECT_VERB}|"
    r",\s+(?:nor\s+(?:does|did|do|is|was|has|have|had)|which\s+(?:the|he|she|they)|with\s+the\s+[\w'-]+\s+"
    r"(?:reporting|stating|saying|noting))\b"
)


def own_clause(x: str) -> str:
    """The missing thing without a following clause that has its own subject and verb (see `_OWN_CLAUSE`)."""
    m = _OWN_CLAUSE.search(x)
    return x[: m.start()] if m is not None and m.start() >= 3 else x


_NONE_FOUND = (
    # "a lack of a clear rationale": "found no clear rationale", never "found no a clear rationale"
    _rx(r"^there (?:is|was|are|were|has been|have been) (?:also )?(?:a |an )?(?:lack|absence) of (?:an? )?(?P<x>.+)$"),
    _rx(r"^there (?:is|was|are|were|has been|have been) (?:also )?(?:still )?no (?P<x>.+)$"),
)
_RECORDS_SILENT = _rx(
    r"^(?P<subj>(?:the |this )?(?:submitted |available |provided |most recent |recent |latest )?(?:clinical |medical |"
    r"progress |office )?(?:documentation|records?|notes?|reports?|documents|information|clinical information|"
    r"medical records|"
    r"physical exam(?:ination)?|exam(?:ination)?)(?: (?:submitted|provided|available|presented|reviewed))?"
    r"(?: for review)?(?: dated [\w/,-]+(?: \d{4})?)?) (?:(?:did|does|do) not|fail(?:s|ed)? to) "
    r"(?:clearly |adequately |objectively )?"
    r"(?P<verb>document|show|indicate|reveal|demonstrate|establish|support|include|provide|contain|mention|note|"
    r"address|discuss|describe|detail|report)s? (?P<x>.+)$"
)
_REQUEST_SILENT = _rx(
    r"^(?:the |this )?(?:current |original )?(?:request(?:ed)?|prescription|order|rfa|request for authorization)"
    r"(?P<what> (?:for )?[\w%/.,' -]{1,60}?)?(?: as (?:submitted|written|requested))?(?: in question)?"
    # "The request, however, does not include a quantity": the aside is no part of what was left out
    r"(?:,? (?:however|though|moreover|furthermore|in addition|additionally),)?"
    rf"(?: also)? (?:did not|does not|do not|failed to|fails to|has not|have not) (?:clearly |also )?{_SAY_VERBS}"
    r"(?:ed|d|s)? (?P<x>.+)$"
)
_DOCTOR_SILENT = _rx(
    rf"^{_DOCTOR}(?: also)? (?:did not|does not|(?:has |have |had )?failed to|has not) (?:clearly |also )?"
    rf"{_SAY_VERBS}(?:ed|d|s)? "
    r"(?P<x>.+)$"
)
_UNCLEAR = _rx(
    r"^it (?:is|was|remains) (?:also |still )?(?:unclear|not clear)(?: (?:of|as to|from the (?:documentation|"
    r"records)))?(?: the rational(?:e)? as to)? (?P<wh>what|why|whether|if|how|which|when|where|who)\b (?P<x>.+)$"
)
_NO_RATIONALE = (
    _rx(
        r"^there (?:is|was|are|were|has been) (?:also )?(?:a |an )?(?:no|lack of|absence of) (?P<q>(?:clear |"
        r"documented |specific |adequate |sufficient |clinical |medical )*)(?:rational(?:e)?|reason|explanation|"
        r"justification)(?: (?:provided|given|documented|noted))?\s+(?P<link>for|as to why|to explain why|why|"
        r"as to|regarding|explaining why)\s+(?P<x>.+)$"
    ),
    _rx(
        r"^(?:the |a )?(?:clear )?(?:rational(?:e)?|reason|explanation|justification) (?P<link>as to why|for|why|"
        r"regarding)\s+(?P<x>.+?) (?:is|was|has) not (?:been )?(?:apparent|provided|documented|clear|evident|"
        r"given|stated|explained|established)$"
    ),
)
_NOT_RECOMMENDED = (
    _rx(
        r"^(?:(?:given|since|as|because)(?: that)?(?: that)? )?(?:the )?(?:current )?(?:california |ca )?"
        r"(?:mtus |acoem |odg |"
        r"official disability )?(?:guidelines?|mtus|acoem|odg)(?: guidelines?)? (?:specifically |clearly |"
        r"also )?(?:do|does) not (?P<verb>recommend|support) (?P<x>[^,;]+?)(?:,\s*(?:the|this|its|their|such|"
        r"further|continued|ongoing)\b[^,;]*\b(?:not|cannot)\b[^;]*)?$"
    ),
    _rx(
        r"^(?:(?:the )?(?:current )?(?:guidelines?|mtus|odg|acoem)(?: guidelines?)?(?: also)? (?:state|states|indicate|"
        r"indicates|note|notes|specify|specifies|say|says) that )?"
        r"(?P<x>(?:the )?(?:use of |usage of )?[\w%/' -]{3,60}?) (?:is|are) not recommended"
        r"(?P<y> (?:for|in|as|beyond|after|when|without|unless|outside|except|by)\b[^;]{1,120})?$"
    ),
    _rx(
        r"^(?P<x>(?:the )?(?:use of |usage of )?[\w%/' -]{3,80}?) (?:is|are) not (?P<verb>supported|recommended) by "
        r"(?:the )?(?:current )?(?:guidelines?|mtus|odg|acoem)(?: guidelines?)?$"
    ),
)
_NOT_APPROVED = (
    r"(?:(?:is|was|has been|were|have been) (?:also )?(?:(?:determined|deemed|found|considered) (?:to be )?)?"
    r"(?:not (?:medically necessary|certified|approved|authorized|supported|indicated)|non-?certified|denied)|"
    # "has not been found medically necessary"
    r"(?:is|was|were|has|have) not (?:also )?(?:been )?(?:(?:determined|deemed|found|considered) (?:to be )?)?"
    r"(?:medically necessary|certified|approved|authorized))"
)
_LINKED = _rx(
    r"^(?:as|since|because|given(?: that)?) (?:the )?(?P<svc>[\w/'&, -]{2,80}?) "
    + _NOT_APPROVED
    + r"(?: [^,]{0,80})?, (?P<rest>.+)$"
)
# "The primary surgical procedure was not certified, so there is no indication for post-operative rehabilitation"
_LINKED_SO = _rx(
    r"^(?:the )?(?P<svc>[\w/'&, -]{2,80}?) "
    + _NOT_APPROVED
    + r"[,;]? (?:and )?(?:so|therefore|thus|hence),? (?P<rest>.+)$"
)
# "The request for authorization lists "PT 2x4" without identifying which body part is to be treated": what the
# request left out, said of the request
_REQUEST_WITHOUT = _rx(
    r"^(?:the |this )?(?:request(?: for authorization)?|rfa|order|prescription)\b[^.;]{0,80}?\bwithout "
    r"(?:identifying|specifying|stating|naming|indicating|listing|saying) (?P<x>.{3,160})$"
)
# "The required monitoring has not been documented": what the records lack, said of it in the passive
_PASSIVE_NO_RECORD = _rx(
    r"^(?!(?:this|that|these|those|it|such|which|none|all|each)\b)"  # what the sentence before named: quoted
    r"(?P<x>(?:the |any )?[\w' -]{3,80}?) (?:has|have|had|was|were|is|are) not (?:been )?(?:clearly )?"
    r"(?:documented|recorded)"  # "was not provided" stays the reviewer's finding ("the new request could show X")
    r"(?: (?:in|within) the (?:submitted )?(?:records?|file|notes|documentation)(?: submitted| provided)?)?"
    r"(?: for review)?$|"
    # "No acute exacerbation documented.": the same, said tersely (it read "found that no acute exacerbation recorded")
    r"^no (?P<y>[\w' -]{3,80}?) (?:is |are |was |were |has been |have been )?(?:documented|recorded)"
    r"(?: (?:in|within) the (?:submitted )?(?:records?|file|notes|documentation))?$"
)
_AGREED = _rx(
    rf"(?:^|,\s*|\bthat (?:on (?P<when>[\d/-]+) )?)(?P<subj>{_DOCTOR})"
    # an aside between commas ("the treating provider, in a peer-to-peer discussion with the UR physician, agreed")
    r"(?:,(?P<aside>[^,]{0,80}),| [^,]{0,40}?)? (?:himself |herself |themselves )?"
    r"(?:agreed|concurred|acknowledged|conceded|accepted)(?P<x>\b.+)$"
)
_RECORD_SAYS = _rx(r"(?:the )?(?:file|records?|notes?|documentation) (?:shows?|indicates?|notes?|reflects?)")
_GIVEN = _rx(
    r"^(?:given (?:that )?|since |because |as (?!(?:noted|stated|per|such|well|discussed|mentioned|outlined|"
    r"described|indicated|recommended|cited|previously|above|a result)\b))(?P<x>[^,]{8,200}), (?P<y>[^,].{8,})$"
)
_RECORD_SHOWS = _rx(
    rf"^there (?:is|was|are|were|has been|have been) (?:now |currently |also )?(?P<q>{_Q}){_DOC}"
    r"(?: provided| submitted)?"
    rf"\s+{_LINK}\s+(?P<x>.+)$"
)


def restate(sentence: str, decision: Decision | None, request: str = "") -> Restatement | None:
    """The sentence in a recognised form, or None when no form fits, the sentence is a bare verdict, or it
    does not carry the decision's polarity (a denial's reason says something is missing; an approval's
    does not)."""
    from imr_llm.parser.reasons import about_studies, holds_decision, is_bare_conclusion, is_categorical

    if decision is None or is_bare_conclusion(sentence, request, decision) or holds_decision(sentence):
        return None
    if about_studies(sentence):  # "no documentation in the literature": what studies show, never a record to add
        return None
    text, when = _core(sentence)
    if len(text) < 12 or len(text) > 600 or _VERDICT.match(text) or _points_back(text) or _NO_LACK.search(text):
        return None
    negated = bool(NEGATION.search(text))
    if decision == "upheld" and not negated and not _AGREED.search(text):
        return None  # a denial's reason says something is missing, or that the treating doctor agreed
    found = _match(text, decision, negated)
    if found is None and _GUIDELINE_SUBJECT.match(text) and is_categorical(text, request, decision):
        found = Form.GUIDELINE, {"x": text}
    if found is None:
        return None
    form, slots = found
    if form in NEGATIVE_FORMS and decision != "upheld":
        return None
    plain: dict[str, str] = {}
    for name, value in slots.items():
        rewritten = plain_english(value) if name not in ("link", "wh", "verb", "q", "quote") else value
        if name == "lead" and rewritten:
            rewritten = first_lower(rewritten) + ", "
        if rewritten is None and name != "q":
            return None  # a pronoun we cannot place, or nothing left
        plain[name] = rewritten or ""
    return Restatement(form, sentence, slots, plain, negated, when)


# a gap denied ("There is no lack of documentation of functional improvement"): said the other way round, a
# form would turn it into a missing record; the reviewer's words are quoted
_NO_LACK = re.compile(
    r"\b(?:no|not an?|never an?|without an?|without any) (?:\w+ )?(?:lack|absence|shortage|paucity|deficiency) of\b|"
    r"\bnot (?:lacking|absent|missing)\b",
    re.I,
)


# conditions named only by pointing back to the sentence before ("any of these medical conditions")
THESE_CONDITIONS = re.compile(
    r"\b(?:these|those|such) (?:\w+ )?(?:conditions|criteria|diagnoses|indications|requirements|disorders|diseases)",
    re.I,
)
# what a sentence names only by pointing to the sentence before it ("any of these medical conditions", "No such trial
# has taken place", "Twelve sessions exceeds that", "Without these details, ..."): alone it tells the worker nothing
# (a reader: "The reviewer found that no record in the record would change that"); quoted, it comes with the sentence
# before it (`imr_llm.summary.build.letter_order_quote`)
NEEDS_ANTECEDENT = re.compile(
    THESE_CONDITIONS.pattern + r"|\bsuch\b(?!\s+as\b)|"
    r"\b(?:exceeds?|exceeded|exceeding|beyond|change|changes|than) that(?=\s*(?:[.,;]|$))|"
    # "more than twice that limit", "well beyond that number": the limit is in the sentence before
    r"\b(?:twice|double|triple|three times|half|above|over|under|below|within|past|exceed\w*|beyond) (?:that|this) "
    r"(?:limit|number|amount|dose|level|maximum|threshold|recommendation|cap)\b|"
    r"\b(?:these|those) (?:\w+ )?(?:details|measures|findings|factors|elements|steps|points|items|requirements)\b|"
    r"^none of (?:these|those|this|that|it|them)\b|^(?:that|these|those) (?!request)\w+ (?:is|was|are|were|has|had)\b|"
    r"^this (?:use|dose|course|amount|approach|plan|finding|regimen) (?:is|was)\b|"
    # a bare pronoun for what the sentence before named ("That meets the guideline.", "It is not recommended for
    # chondromalacia patellae"; a reader found both quoted alone); never the empty "it" of "It is unclear whether"
    r"^(?:that|this|they) (?!(?:is|was|are|were) (?:not )?(?:\w+ )?(?:that|to|whether|if|why|how|when)\b)"
    r"(?:meets?|met|exceeds?|exceeded|satisfies|satisfied|fulfills?|fulfilled|falls?|fell|is|was|are|were|has|had|"
    r"does|did|remains?)\b|"
    r"^it (?:(?:is|was) (?:also )?(?:not )?(?:recommended|indicated|supported|approved|certified|effective|helpful|"
    r"used|prescribed|an? |the )|(?:meets|met|exceeds|exceeded|satisfies|satisfied|falls|fell)\b)",
    re.I,
)
# a sentence that points back to what the letter said before it ("the above conditions", "the aforementioned
# criteria") cannot stand alone as a plain sentence: the reader never saw what it points to; it is quoted
_POINTS_BACK = re.compile(
    r"\b(?:the above(?![- ](?:mentioned )?(?:request|requested|service|medication|treatment|item|guidelines?|mtus|"
    r"odg|acoem)\b)|"
    # "No other exam findings are documented": other than what the letter listed before it
    r"^there (?:is|are|was|were) no other\b|" + THESE_CONDITIONS.pattern + r"|"
    # "any of these medical conditions": the ones the guideline's sentence before it named (alone, it reads as no
    # diagnosis at all)
    r"above[- ]mentioned|aforementioned|afore-mentioned|(?:as|was|were) (?:noted|mentioned|stated|discussed|outlined|"
    r"listed|described|detailed) above)\b|" + NEEDS_ANTECEDENT.pattern,
    re.I,
)

# "Given the above, ...", "As noted above, ...": a lead that sums up, the sentence itself still stands alone
_ABOVE_LEAD = re.compile(
    r"^(?:given|based (?:up)?on|in light of|in view of|considering|per|from|with|for|as (?:noted|mentioned|stated|"
    r"discussed|outlined)|(?:as|was) (?:noted|mentioned|stated|discussed) above)(?: (?:all )?(?:of )?(?:the )?above"
    r"(?: (?:information|reasons?|findings|discussion|documentation|criteria))?)?\s*,\s*",
    re.I,
)


def _points_back(text: str) -> bool:
    return _POINTS_BACK.search(_ABOVE_LEAD.sub("", text, count=1)) is not None


def restate_repeat(sentences: tuple[str, ...]) -> list[Restatement]:
    """The reviewer's finding that this request repeats care approved before (`sentences` from
    `imr_llm.parser.reasons.repeat_of_approval`): the approval, then the word for the repeat, each kept whole
    in plain English. Empty when a sentence cannot be put plainly (the reviewer's words are quoted)."""
    from imr_llm.parser.reasons import BEYOND_TRIAL

    out = []
    trial = any(BEYOND_TRIAL.search(sentence) for sentence in sentences)
    for k, sentence in enumerate(sentences):
        text, when = _core(sentence, lacks=False)
        text = _VERDICT_LEAD.sub("", text)
        plain = plain_english(text)
        if plain is None or len(text) < 12:
            return []
        if k == 0:
            form = Form.TRIAL_APPROVED if trial else Form.ALREADY_APPROVED
        else:
            form = Form.BEYOND_TRIAL if trial else Form.REPEAT
        out.append(Restatement(form, sentence, {"x": text}, {"x": plain}, bool(NEGATION.search(text)), when))
    return out


def _match(text: str, decision: str, negated: bool) -> tuple[Form, dict[str, str]] | None:
    m = _LINKED.match(text) or _LINKED_SO.match(text)
    if m and decision == "upheld" and NEGATION.search(m.group("rest")):
        svc = m.group("svc").strip()
        if not re.fullmatch(r"(?:the )?(?:request(?:ed)?|treatment|service|item|it|this)(?: service)?", svc, re.I):
            return Form.LINKED, {"x": svc}
    m = _AGREED.search(text)
    if m and len(m.group("x").split()) >= 2:
        slots = {"x": m.group("x").strip(), "quote": text}
        lead = text[: m.start()].strip(" ,")
        if _RECORD_SAYS.fullmatch(lead) or m.group("when") or m.group("aside"):
            # "The file shows that on 09/11/2017 the treating provider, in a peer-to-peer discussion, agreed":
            # "on 09/11/2017, in a peer-to-peer discussion, your doctor agreed" (the letter says it already)
            parts = [f"on {m.group('when')}" if m.group("when") else "", (m.group("aside") or "").strip()]
            lead = ", ".join(p for p in parts if p)
        if lead:
            slots["lead"] = lead
        return Form.DOCTOR_AGREED, slots
    for rx in _NOT_RECOMMENDED:
        m = rx.match(text)
        if m and decision == "upheld" and not _NAMES_GUIDELINE.search(m.group("x")):
            slots = {"x": m.group("x").strip()}
            if m.groupdict().get("y"):
                slots["y"] = m.group("y").strip()
            verb = (m.groupdict().get("verb") or "recommend").lower()
            slots["verb"] = {"supported": "support", "recommended": "recommend"}.get(verb, verb)
            return Form.NOT_RECOMMENDED, slots
    m = _UNCLEAR.match(text)
    if m:
        return Form.UNCLEAR, {"wh": m.group("wh").lower(), "x": m.group("x")}
    for rx in _NO_RATIONALE:
        m = rx.match(text)
        if m:
            # "no specific clinical rationale": the reviewer's qualifiers are kept ("no reason" would say more)
            q = " ".join((m.groupdict().get("q") or "").split())
            return Form.NO_RATIONALE, {"link": _why_link(m.group("link")), "x": m.group("x"), "q": q}
    for rx in _NO_RECORD:
        m = rx.match(text)
        if m:
            x = own_clause(m.group("x"))
            slots = {"link": _LINK_PLAIN[(m.group("link") or "that").lower()], "x": x}
            slots["q"] = " ".join(m.group("q").split())
            slots["quote"] = text[m.start("q") : m.start("x") + len(x)]
            if TALKED_ABOUT.match(slots["quote"]) and decision == "upheld":
                # "no discussion of surgery" is not "no record of surgery" (which reads: you had none): the
                # reviewer's own noun stays
                return Form.NONE_FOUND, {"x": slots["quote"]}
            return Form.NO_RECORD, slots
    m = _REQUEST_WITHOUT.match(text)
    if m and decision == "upheld" and not _POINTS_BACK.search(m.group("x")) and not _OWN_CLAUSE.search(m.group("x")):
        # "The request for authorization lists "PT 2x4" without identifying which body part is to be treated"
        return Form.REQUEST_SILENT, {"x": m.group("x")}
    m = _PASSIVE_NO_RECORD.match(text)
    if m and decision == "upheld" and not _POINTS_BACK.search(m.group("x") or m.group("y")):
        x = m.group("x") or m.group("y")
        x = x[0].lower() + x[1:] if re.match(r"[A-Z][a-z]", x) else x  # "MRI findings" keeps its capitals
        return Form.NO_RECORD, {"link": "of", "x": x, "q": "", "quote": x}
    m = _RECORDS_SILENT.match(text)
    if m:
        verb = _RECORD_VERBS[m.group("verb").lower()]
        return Form.RECORDS_SILENT, {"verb": verb, "subj": m.group("subj"), "x": m.group("x")}
    m = _REQUEST_SILENT.match(text)
    if m and not _NOR.search(m.group("x")):
        slots = {"x": m.group("x")}
        what = (m.group("what") or "").strip()
        if what and what.lower() not in ("service", "treatment", "medication") and not what.lower().startswith("as "):
            slots["what"] = m.group("what").strip()
        return Form.REQUEST_SILENT, slots
    m = _DOCTOR_SILENT.match(text)
    if m and not _NOR.search(m.group("x")):
        return Form.DOCTOR_SILENT, {"x": m.group("x")}
    for rx in _NONE_FOUND:
        m = rx.match(text)
        if m and decision == "upheld":
            # "no red flag conditions noted": "found no red flag conditions", never "found no ... noted"
            return Form.NONE_FOUND, {"x": _NOTED_AT_END.sub("", own_clause(m.group("x")))}
    if decision == "overturned" and not negated:
        m = _RECORD_SHOWS.match(text)
        if m:
            slots = {
                "link": _LINK_PLAIN[m.group("link").lower()],
                "x": m.group("x"),
                "q": " ".join(m.group("q").split()),
            }
            slots["quote"] = text[m.start("q") :]
            return Form.RECORD_SHOWS, slots
    from imr_llm.parser.reasons import lack_names_nothing

    m = _ABSENT.match(text)
    if m and decision == "upheld" and NEGATION.search(m.group("y")) and not lack_names_nothing(m.group("x")):
        # "Absent red flags or a plan for surgery, the MRI is not supported": what
        # the reviewer found missing, then its verdict
        return Form.NONE_FOUND, {"x": m.group("x")}
    m = _GIVEN.match(text) or _GIVEN.match(_comma_before_verdict(text))
    if m:
        x, y = m.group("x"), m.group("y")
        if decision == "upheld" and not NEGATION.search(text):
            return None
        if _SECOND_CAUSE.match(y) or _JOINED.match(y):
            # "As X, and as Y, Z": two causes; split at the first comma it reads "so and as Y" (quoted); "Given X,
            # but there is no reason to doubt Y": no "so" joins X to what follows
            return None
        if _VERDICT.match(y) and decision == "upheld" and _PASSIVE_NO_RECORD.match(x) is not None:
            # "Because the required monitoring has not been documented, continuation is not supported"
            return _match(x, decision, True)
        if _VERDICT.match(y) and (decision != "upheld" or NEGATION.search(x)):
            # "given that X, the request is not supported": the reason is X
            return (Form.FINDING, {"x": x}) if _applies(x) or _GUIDELINE_SUBJECT.match(x) else None
        if _applies(x) or _GUIDELINE_SUBJECT.match(x):
            return Form.GIVEN, {"x": x, "y": y}
        return None
    if _applies(text) and not _HISTORY.search(text):
        return Form.FINDING, {"x": text}
    return None


# "has not documented A nor has there been B", "failed to document A and there are no B": a second missing thing
# in another clause; the words run together as one slot ("did not show A nor has there been B"), so the sentence
# is not read in that form (the next step reads its clauses one by one)
# "no discussion of surgery", "no mention of the applicant's willingness": what was not talked about, not a record
TALKED_ABOUT = _rx(r"^(?:[a-z]+ )*?(?:discussion|mention)\b")
_NOR = _rx(r"\bnor\b|\band there (?:is|are|was|were|has been|have been) no\b")
_NOTED_AT_END = _rx(r"\s+(?:noted|documented|indicated|provided|submitted|presented)$")
_ABSENT = _rx(r"^(?:absent|in the absence of) (?P<x>[^,;]{6,150}), (?P<y>[^,;].{8,})$")
_JOINED = _rx(r"^(?:but|and|or|yet|so|however|although|though)\b")
_SECOND_CAUSE = _rx(r"^(?:and|or|but) (?:as|since|because|given)\b")
# "... is not medically necessary", "would not be supported", "cannot be considered appropriate": a verdict's words
_VERDICT_WORDS = (
    r"(?: (?:is|are|was|were|would|would be|cannot be|can not be))(?: also| not| be| therefore| considered| deemed|"
    r" determined| seen| as| to)* (?:medically )?(?:necessary|appropriate|supported|warranted|indicated|"
    r"recommended|reasonable|approved|certified)"
)
_VERDICT = _rx(
    # "Medical necessity for this scan is not established": a verdict, no reason in it
    r"^(?:(?:then|therefore|thus|hence|as such|consequently|accordingly),? )?medical necessity(?: (?:for|of) "
    r"[^,;]{1,150}?)? (?:is|has|was|has been) not(?: been| yet been)? (?:established|demonstrated|met)$|"
    r"^(?:(?:then|therefore|thus|hence|as such|consequently|accordingly),? )?"
    r"(?:the |this )?"
    r"(?:current |ongoing |continued |further |additional )?(?:request(?:ed)?|"
    r"usage|use|treatment|service|medication|item|therapy|it|sessions|visits|continuation|purchase)"
    r"(?: (?:for|of) [^,;]{1,150}?)?"
    rf"{_VERDICT_WORDS}(?: at this time| here| per the guidelines?)?$"
)


_NAMES_GUIDELINE = _rx(r"\b(?:guidelines?|mtus|odg|acoem|official disability|states?|stat)\b")

# "As X the requested studies would not be supported": a cause and its verdict with the comma left out (as many
# reviewers write, and as OCR drops it); the verdict's own start ("the requested", "this request", "medical
# necessity") is where the comma belongs, and only a whole verdict after it (see _VERDICT) puts one there
_CAUSE_START = _rx(r"^(?:given (?:that )?|since |because |as )")
_VERDICT_START = _rx(r"\s(?=(?:(?:then|therefore|thus|hence)\s)?(?:(?:the|this) request(?:ed)?\b|medical necessity\b))")

# "the tests asked for would not be supported now": the verdict of any request, by its words
_VERDICT_CLAUSE = _rx(rf"^(?:the|this) request(?:ed)?\b[^,;]{{0,150}}?{_VERDICT_WORDS}\b[^,;]{{0,40}}$")


def _comma_before_verdict(text: str) -> str:
    cause = _CAUSE_START.match(text)
    if "," in text or not cause:
        return text
    for m in reversed(list(_VERDICT_START.finditer(text, cause.end() + 8))):
        if _VERDICT.match(text[m.end() :].rstrip(". ")) or _VERDICT_CLAUSE.match(text[m.end() :]):
            return f"{text[: m.start()]}, {text[m.end() :]}"
    return text


def _why_link(link: str) -> str:
    return "why" if "why" in link.lower() else ("about" if link.lower() in ("as to", "regarding") else "for")


def _applies(text: str) -> bool:
    """The reviewer applies the rules to this worker (not a guideline passage, not case history)."""
    if _GUIDELINE_SUBJECT.match(text) or re.match(r"^(?:given|since|as|because)\b", text, re.I):
        return False
    if RULE_WHEN.match(text):
        return False  # "Imaging of the shoulder is appropriate when ...": a rule told in general, no one's case
    return bool(_CASE_SUBJECT.match(text) or _PASSIVE_RECORD.match(text))


# a next step never asks the worker to show records of these (the reviewer's criteria, not advice)
# what a next step never asks records of: a risk, misuse, a red flag or an emergency the reviewer looked for
ALARMING = _rx(
    r"\b(?:risk|abuse|addiction|misuse|cancer|infection|tumou?r|malignan\w*|fracture|red flags?|warning signs?|"
    r"overdose|suicid\w*|aberrant|dependen\w*|progressive neurolog\w*|cauda equina|bowel|bladder|incontinen\w*|"
    r"saddle an\w*|myelopath\w*|diversion|divert\w*|drug[- ]seeking|inconsistent|sepsis|septic|hemorrhag\w*|"
    r"toxicity|intoxicat\w*|illicit|illegal|substance (?:use|abuse)|alcohol\w*|positive (?:urine )?(?:drug|"
    r"toxicology)\w*)\b"
)

# the monitoring a guideline asks for while a drug is given ("monitoring for aberrant behaviour", "a risk assessment",
# "screening for misuse"): a record a new request can add, not a risk or a red flag the worker has
_MONITORING = _rx(
    r"\b(?:monitor\w*|screen\w*|assess\w*|evaluat\w*|check\w*)\s+(?:for|of)\s+(?:(?:potential|possible|any|"
    r"signs? of|the)\s+){0,2}(?:aberran\w*|misuse|abuse|addiction|diversion|risks?)(?:\s+(?:drug[- ])?"
    r"(?:behaviou?rs?|taking|use))?|\b(?:opioid |addiction |abuse |misuse )?risk (?:assessments?|screening)"
    r"(?: (?:for|of) (?:(?:opioid|drug|substance) )?(?:abuse|misuse|addiction))?\b|"
    r"\baberrant (?:drug[- ])?behaviou?r (?:monitoring|screening)\b"
)


def alarming(sentence: str) -> bool:
    """The sentence names a risk or a red flag (see ALARMING), once the monitoring it asks for is set aside: "no
    record of monitoring, such as a drug screen" asks for a record a new request can add; "a history of substance
    abuse" or "no red flags" does not."""
    return ALARMING.search(_MONITORING.sub(" ", sentence)) is not None


# a ban the guideline lifts when something is shown or tried first: the reviewer's records could meet it
CONDITIONAL_BAN = _rx(
    r"\b(?:if|unless|until|absent|except|only (?:if|when|after|for))\b|"
    r"\bwithout (?:(?:objective |clear |documented )?(?:evidence|documentation|signs?|findings?|(?:a )?trials?|"
    r"failure|improvement)|(?:\w+ )?functional improvement)\b|"
    r"\bas (?:a )?(?:first|1st)[- ]line\b|\b(?:more|longer) than \d|\bbeyond \d|" + LIFTED_BY_RECORDS
)
# ... of which these are signs of a serious problem an exam could find later (never misuse, a risk or a test result)
SERIOUS_SIGNS = _rx(
    r"\b(?:red flags?|warning signs?|cancer|infection|tumou?r|malignan\w*|fracture|progressive neurolog\w*|"
    r"cauda equina|myelopath\w*)\b"
)
# an exam that showed none of the signs that would call for the care ("had no focal deficits on examination", "the
# physical exam documents no nerve deficits", "no exam findings suggesting a pinched nerve"): signs a later exam
# could find
EXAM_SIGNS_ABSENT = _rx(
    r"\b(?:no|not|without|nor)\b[^.;]{0,60}?\b(?:nerve|neurolog\w*|focal|warning signs?|red flags?|tissue insult|"
    r"deficits?|radicul\w*|entrapment|instability)\b[^.;]{0,40}?\b(?:on|in) (?:the )?(?:physical |clinical )?"
    r"exam(?:ination)?s?\b|"
    r"\b(?:physical|clinical|neurolog\w*) exam(?:ination)? (?:\w+ ){0,2}?(?:noted|showed|revealed|documents?|was|is)"
    r" (?:no|not|normal|unremarkable)\b|"
    r"\bno (?:\w+ ){0,2}?(?:neurolog\w* )?exam(?:ination)? findings (?:suggest|indicat|consistent|of)\w*"
)
# a criterion besides the exam's signs that records or a plan could meet (surgery considered, simpler care failed):
# with one of these among the points, a later exam's signs are not all a new request needs
OTHER_CRITERION = _rx(r"\b(?:surg\w*|operat\w*|conservative|simpler|fail\w*|therapy|therapies|treatments?)\b")
# the reviewer wanted the signs excluded, not found: "no documentation of red flags being ruled out"
RULED_OUT = _rx(
    r"\bruled? out\b|\bexclu(?:de|ded|ding|sion)\b|\b(?:the )?absence of (?:any )?(?:red flags?|warning signs?)"
)
MISUSE = _rx(
    r"\b(?:risk|abuse|addiction|misuse|aberrant|diversion|divert\w*|drug[- ]seeking|illicit|illegal|alcohol\w*|"
    r"substance|overdose|suicid\w*|toxicity|intoxicat\w*|inconsistent|positive)\b"
)


def is_guideline_passage(sentence: str) -> bool:
    text, _ = _core(sentence)
    return bool(_GUIDELINE_SUBJECT.match(text))


# -- the slot, in plain English -------------------------------------------------------------------

# a term used as a noun, not as a modifier of the next word ("red flag findings" keeps its words)
_NOT_A_MODIFIER = (
    r"(?=\s*(?:[.,;:)]|$)|\s(?:or|and|to|that|were|was|are|is|noted|for|of|in|on|such|with|present|documented|"
    r"identified|found|seen|at)\b)"
)
_TIMES_A_DAY = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}
_AFTER_DOSE = r"(?:(?<=\d )|(?<=mg )|(?<=mcg )|(?<=ml )|(?<=tablet )|(?<=tab ))"

# Hard term -> plain words, replaced inline. Each is a noun phrase for a noun phrase (or an adjective
# for an adjective), so the sentence keeps its grammar. The same words explain the term in the glossary.
# "functional improvement results": a noun phrase used as a modifier keeps the reviewer's words ("improvement in
# what you can do results" is not English)
_NOUN_AFTER = (
    r"(?!\s(?:results?|scores?|goals?|measures?|measurements?|outcomes?|testing|tests?|status|data|criteria)\b)"
)
PLAIN_TERMS: tuple[tuple[str, str], ...] = (
    # "measurable objective functional improvement": "measured" said once
    (
        rf"(?:measurable|quantifiable|measured|objective),? (?:and )?(?:objective|measurable) "
        rf"functional improvement{_NOUN_AFTER}",
        "measured improvement in what you can do",
    ),
    (rf"objective functional improvement{_NOUN_AFTER}", "measured improvement in what you can do"),
    (rf"objective improvement in function{_NOUN_AFTER}", "measured improvement in what you can do"),
    # "no word of pain or functional improvement": improvement in either, never "records of pain"
    (rf"pain (or|and) functional improvement{_NOUN_AFTER}", r"improvement in pain \1 in what you can do"),
    (rf"(?<!\bor )(?<!\band )functional improvement{_NOUN_AFTER}", "improvement in what you can do"),
    (rf"improvement in function{_NOUN_AFTER}", "improvement in what you can do"),
    (rf"(?<!\bprogram of )functional (?:benefit|gains?){_NOUN_AFTER}", "improvement in what you can do"),
    (r"neurolog(?:ic|ical) deficits", "signs of nerve damage"),
    (r"neurolog(?:ic|ical) deficit", "sign of nerve damage"),
    (r"neurolog(?:ic|ical) (?:dysfunction|compromise|abnormalit(?:y|ies))", "nerve problems"),
    (r"neurolog(?:ic|ical) findings", "signs of nerve problems"),
    (r"objective findings", "findings the doctor measured or saw"),
    (r"conservative care (treatment|therapy|measures|management)", r"simpler \1"),
    (r"conservative (care|treatments?|therap(?:y|ies)|measures|management|modalities)", r"simpler \1"),
    (r"upper extremities", "arms"),
    (r"upper extremity", "arm"),
    (r"lower extremities", "legs"),
    (r"lower extremity", "leg"),
    (r"red[- ]flag (?:findings|conditions|symptoms|signs)", "warning signs of a serious problem"),
    (r"red[- ]flag (?:finding|condition|symptom|sign)", "warning sign of a serious problem"),
    (rf"red flags{_NOT_A_MODIFIER}", "warning signs of a serious problem"),
    # "no emergence of red flag": a red flag with no article is the kind, not one of them
    (
        rf"(?<!\ba )(?<!\bone )(?<!\bany )(?<!\beach )(?<!\bno )red flag{_NOT_A_MODIFIER}",
        "warning signs of a serious problem",
    ),
    (rf"red flag{_NOT_A_MODIFIER}", "warning sign of a serious problem"),
    (r"radiculopathy", "a pinched nerve (radiculopathy)"),
    (r"nerve root (?:compromise|compression|impingement)", "a pinched nerve"),
    (r"tissue insult", "tissue damage"),
    (r"nerve impairment", "nerve damage"),
    (
        r"(?:dermatomal|myotomal)(?: (?:or|and|and/or) (?:dermatomal|myotomal))? (?:pattern|distribution)",
        "pattern that follows a nerve",
    ),
    (r"objective functional deficits", "measured limits in what you can do"),
    (r"functional deficits", "limits in what you can do"),
    (r"objective deficits", "problems the doctor measured or saw"),
    (r"subjective complaints(?! (?:section|portion|part|heading|field))", "complaints you reported"),
    # "indicated": called for, as a verdict on the care now ("is not indicated.", "is not indicated at this time");
    # "indicated for long term use": what the care is meant for; never "the record indicated that" (showed), nor
    # a past "was not indicated", which as often says a finding was not shown ("improvement ... was not indicated")
    (
        r"(is|are|be) (not |medically )?indicated(?=\s*[.,;)]|\s*$| at this (?:time|point)| in this case)",
        r"\1 \2called for",
    ),
    (r"(is|are|was|were) not indicated for", r"\1 not meant for"),
    (r"(to|would|could|may|might|not|which|that|does|do|did) warrant", r"\1 call for"),
    (r"(is|are|was|were|be) (not |medically )?warranted", r"\1 \2called for"),
    (r"espoused", "set out"),
    (r"clinical indication(s?)", r"medical reason\1"),
    (r"(is|are) not established", r"\1 not shown"),
    (r"(has|have) not been established", r"\1 not been shown"),
    (r"cardiovascular", "heart"),
    (r"hepatic", "liver"),
    (r"renal", "kidney"),
    (r"activities of daily living", "daily activities"),
    (r"(?<!\()paresthesias?/dysesthesias?", "numbness, tingling or painful feelings (paresthesias/dysesthesias)"),
    (r"(?<![(/])paresthesia(s?)(?!/)", r"numbness or tingling (paresthesia\1)"),
    # "beyond a self-directed exercise plan": the article goes with the phrase ("a exercise" is no English)
    (
        r"(?:(?:a|an|the) )?(?:active )?self[- ]directed (?:physical medicine|home exercises?(?: program| plan)?|"
        r"exercises?(?: program| plan)?)",
        "exercise you do on your own",
    ),
    (r"plain[- ]film radiographs?", "x-rays"),
    (r"plain[- ]films?(?= (?:studies|study|analysis|imaging|evaluation|series|report)\b)", "x-ray"),
    (r"plain[- ]film(s?)", r"x-ray\1"),
    (r"radiograph(s?)", r"x-ray\1"),
    (r"(?:treatment )?modalities", "treatments"),
    (r"(?:treatment )?modality", "treatment"),
    (r"adverse (?:side )?effects", "harmful side effects"),
    (r"osteonecrosis", "bone death (osteonecrosis)"),
    (r"is contingent (?:up)?on", "depends on"),
    (r"are contingent (?:up)?on", "depend on"),
    # the spine's parts by their plain names, the reviewer's word kept beside (never twice: "(?<!\()")
    (r"(?<!\()(the )?lumbar spine", r"\1lower back (lumbar spine)"),
    (r"(?<!\()(the )?cervical spine", r"\1neck (cervical spine)"),
    (r"(?<!\()(the )?thoracic spine", r"\1mid-back (thoracic spine)"),
    (r"maxim(?:um|al) medical improvement", "the point where you are not expected to get better"),
    (r"nonsteroidal anti-?inflammatory (?:drugs?|medications?|medicines?)", "anti-inflammatory pain medicines"),
    (r"NSAIDs", "anti-inflammatory pain medicines"),
    (r"NSAID", "anti-inflammatory pain medicine"),
    (r"proton pump inhibitors?", "medicine that lowers stomach acid"),
    (r"gastrointestinal", "stomach"),
    (r"topical (medications?|creams?|analgesics?|compounds?|products?|agents?)", r"\1 put on the skin"),
    (r"oral (medications?|medicines?|analgesics?|agents?|pills?)", r"\1 taken by mouth"),
    (r"exceptional (factors|circumstances)", r"special \1"),
    (r"extenuating (factors|circumstances)", r"special \1"),
    (r"durable medical equipment", "medical equipment for home use"),
    (r"home exercise (?:program|plan)", "home exercise plan"),
    (r"urine drug (?:screens|tests)", "urine drug tests"),
    (r"urine drug (?:screen|test)", "urine drug test"),
    (r"peer[- ]to[- ]peer", "doctor-to-doctor"),
    # "evidence based rationale ... as to the medical necessity of X": a reason backed by medical studies for
    # why X is needed
    (r"evidenced?[- ]based (?:rationale|reason(?:ing)?|explanation)", "reason backed by medical studies"),
    (
        r"as to the medical necessity (?:for|of) (?:this|the) request(?:ed (?:service|treatment|medication|procedure|"
        r"study|test))?",
        "for why you need this",
    ),
    (r"as to the medical necessity (?:for|of)", "for why you need"),
    (r"in adjunct to|as an adjunct to|adjunct to", "as an add-on to"),
    (r"(?:is|are|was|were) indicative of", "pointed to"),
    (r"indicative of", "pointing to"),
    (r"quantifiable", "measurable"),
    (r"quantified", "measured"),
    (r"utiliz(?:ation|e)(?! review)", "use"),  # "utilization review" is the review's name (the glossary's UR)
    (r"utilizing", "using"),
    (r"utilized", "used"),
    (r"(?:is|are) contraindicated", "should not be used"),
    (r"exacerbat(?:ed|es)", "made worse"),
    # "deviation from the above guidelines": the page has no "above"
    (r"the (?:above|aforementioned|above[- ](?:mentioned|referenced|cited|noted)) guidelines", "the guidelines"),
    (r"prior to", "before"),
    (r"subsequent to", "after"),
    *((rf"{_AFTER_DOSE}{p}\.?(?=\W|$)", _TIMES_A_DAY[n]) for p, n in DOSE_TIMES_A_DAY),
    (rf"{_AFTER_DOSE}daily(?=\W|$)", "once a day"),
    (rf"{_AFTER_DOSE}(?:prn|p\.r\.n\.?)(?=\W|$)", "as needed"),
    (r"documentation", "record"),
    (r"documented", "recorded"),
)
PLAIN_TERM_PATTERNS = tuple((re.compile(rf"(?<![\w-]){p}(?![\w-])", re.I), r) for p, r in PLAIN_TERMS)

# a plain phrase put where the reviewer's word had its own article or modifier: "any possible a pinched nerve",
# "cervical a pinched nerve", "pain medicine medication", "objective, improvement in what you can do"
_TIDY_AFTER_TERMS = tuple(
    (re.compile(p, re.I), r)
    for p, r in (
        (r"\b(a|an|the|any|no|possible|probable|suspected|of (?:a|the)|\w+al|\w+ar) a (pinched nerve)", r"\1 \2"),
        (r"\b(medicines?) (?:medications?|medicines?|meds)\b", r"\1"),
        (
            r"\b(objective|measured|measurable|significant|sustained|clinical)\s*,\s*(improvement in what you can do)",
            r"\1 \2",
        ),
    )
)
_DOCTOR_NP = re.compile(rf"\b{_DOCTOR}\b", re.I)
_OTHER_PEOPLE = re.compile(r"\b(?:reviewer|therapist|surgeon|nurse|examiner|adjuster|attorney|evaluator)\b", re.I)
_PRONOUNS = re.compile(r"\b(?:he|she|his|her|him|himself|herself|hers)\b", re.I)
_ADVERB = (
    r"(?:also|still|not|never|already|previously|currently|recently|reportedly|now|then|only|further|again|"
    r"subsequently|ever|\w+ly)"
)
_PERSON_POSSESSIVE = re.compile(rf"\b{_PERSON}'s\b", re.I)
_PERSON_OWNING = re.compile(
    rf"\b{_PERSON}(?= (?:physical|exam|examination|history|medical|records?|symptoms|complaints|condition|pain|"
    r"treatment|medications?|injury|diagnos[ie]s|presentation|function|progress|response|responses|recovery|"
    r"improvement|compliance|adherence)\b)",
    re.I,
)
# "depends on claimant response to the therapy": the worker's own, with the reviewer's article left out
_BARE_OWNING = re.compile(
    r"\b(?:patient|claimant|applicant)(?= (?:response|responses|progress|recovery|improvement|compliance|adherence)"
    r" to\b)",
    re.I,
)
_PERSON_SUBJECT = re.compile(rf"\b{_PERSON}\b(?P<adv> {_ADVERB})?(?: (?P<verb>[a-z']+))?", re.I)
# "indicating patient had" (no article): a person only when a verb follows; "patient specific goals" is not
_BARE_SUBJECT = re.compile(
    rf"\b(?:patient|claimant|applicant)\b(?P<adv> {_ADVERB})?(?: (?P<verb>(?:is|was|has|had|does|did|would|will|could|"
    r"can|should|may|might|must|were|are|failed|required|requires|reported|reports|remains|remained|continues|"
    r"continued|underwent|received|used|uses|tried|attempted|completed|demonstrated|presented|needs|needed)))\b",
    re.I,
)
_BARE_PERSON = re.compile(r"\b(?:patient|claimant|applicant)s?\b", re.I)
_AGREE = {
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "isn't": "aren't",
    "wasn't": "weren't",
    "hasn't": "haven't",
    "doesn't": "don't",
    "goes": "go",
}
_NOT_VERBS = frozenset(
    {
        "this", "his", "its", "was", "has", "is", "as", "us", "thus", "plus", "always", "perhaps", "status",
        "previous", "various", "serious", "continuous", "nervous", "numerous", "bus", "yes", "less", "unless",
        "across", "regardless", "process", "progress", "access", "success", "class", "pass", "focus", "bonus",
    }
)  # fmt: skip


def _agree(verb: str) -> str:
    """The verb after "you": "is" -> "are", "reports" -> "report"; other words unchanged."""
    low = verb.lower()
    if low in _AGREE:
        return _AGREE[low]
    if low in _NOT_VERBS or len(low) < 4 or not low.endswith("s") or low.endswith(("ss", "us", "is", "ous")):
        return verb
    if low.endswith("ies"):
        return verb[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def plain_english(text: str) -> str | None:
    """The reviewer's words, with the worker as "you", the requesting doctor as "your doctor", hard terms
    in plain words and citations dropped. None when a he/she cannot be placed (another person is named)."""
    out = _CITATION_PAREN.sub("", text)
    out = _CITATION.sub("the guidelines", out)
    pronouns = bool(_PRONOUNS.search(out))
    if pronouns and (_DOCTOR_NP.search(out) or _OTHER_PEOPLE.search(out)):
        return None  # "he" could be the doctor or the worker
    out = _PERSON_POSSESSIVE.sub("your", out)
    out = _PERSON_OWNING.sub("your", out)  # "the claimant physical exam" (the reviewer's "'s" left out)
    out = _BARE_OWNING.sub("your", out)
    out = _PERSON_SUBJECT.sub(_you, out)
    out = _BARE_SUBJECT.sub(_you, out)
    if _BARE_PERSON.search(out):
        return None  # "patient" left: used as a modifier ("patient specific goals"); quote instead
    if pronouns:
        out = re.sub(r"\b(?:his|her)\b", "your", out, flags=re.I)
        out = re.sub(r"\b(?:he|she)\b(?: (?P<verb>[a-z']+))?", _you, out, flags=re.I)
        out = re.sub(r"\b(?:him|himself|herself)\b", "you", out, flags=re.I)
    if re.match(r"you\b", out):
        # "the patient has tried a muscle relaxant but is not shown to ...": the verb after "but" has the same subject
        # and after a comma: "you had insomnia issues, has failed sleep aids" -> "you had ..., have failed ..."
        out = re.sub(
            r"(\b(?:but|and|or|yet)|,) (is|was|has|does)\b", lambda m: f"{m.group(1)} {_agree(m.group(2))}", out
        )
    people = [m for m in _DOCTOR_NP.finditer(out) if not _MODIFIER_AFTER.match(out, m.end())]
    if any(_another_doctor(out, m) for m in people):
        return None  # "the UR physician", "a physician other than ...", "the AME physician": not the worker's doctor
    out = _YOUR_DOCTOR.sub("your doctor", out)
    out = _DOCTOR_NP.sub(
        lambda m: (
            m.group(0)
            if _YOUR_BEFORE.search(out, 0, m.start()) or _MODIFIER_AFTER.match(out, m.end())
            else "your doctor"
        ),
        out,
    )
    for pattern, replacement in PLAIN_TERM_PATTERNS:
        out = pattern.sub(replacement, out)
    out = re.sub(r"\b([Aa])n (?=(?!h)[b-df-hj-np-tv-z][a-z])", r"\1 ", out)  # "an objective" -> "a measured"
    for pattern, replacement in _TIDY_AFTER_TERMS:
        out = pattern.sub(replacement, out)
    out = re.sub(r"\s+([,.;])", r"\1", " ".join(out.split())).strip(" ,;")
    return out or None


# a doctor noun with no article or role of its own takes the words before it: "UR physician", "pain management
# physician", "a physician", "any other provider". Only after these is a bare one the worker's doctor.
_BEFORE_BARE_DOCTOR = re.compile(
    r"(?:^|[\s(]|^\W*)(?:by|to|from|with|and|or|that|of|for|if|as|when|whether|than|nor|but|per|your)\s+$|(?:^|[.;:,(]\s*)$",
    re.I,
)
_YOUR_BEFORE = re.compile(r"\byour\s+$", re.I)
# "a spine surgeon evaluation", "a physician visit": the noun names the kind of visit, not a person
_MODIFIER_AFTER = re.compile(
    r"\s+(?:eval(?:uation)?s?|consult(?:ation)?s?|referrals?|visits?|follow[- ]?ups?|assessments?)\b", re.I
)
# the doctor who did a review, not the one who asked for care: "the physician who performed the utilization review"
_DID_THE_REVIEW = re.compile(
    r"\s+(?:who|that)\s+(?:\w+\s+)?(?:performed|conducted|completed|did|wrote|issued|made)\s+(?:the\s+|a\s+|this\s+)?"
    r"(?:utilization|UR|peer|prior|initial|first|independent|IMR|QME|AME)\b",
    re.I,
)
_YOUR_DOCTOR = re.compile(r"\byour (?:provider|physician|doctor|treater|prescriber|practitioner|clinician)\b", re.I)


def _another_doctor(text: str, m: re.Match[str]) -> bool:
    """A doctor noun phrase that is not the worker's own doctor: a bare noun after a word that names another
    role ("the UR physician", "a QME physician", "a physician other than ..."), or one followed by "other than"."""
    if re.match(r"\s+other than\b", text[m.end() :], re.I) or _DID_THE_REVIEW.match(text[m.end() :]):
        return True  # "a physician other than ...", "the physician who performed the utilization review"
    words = m.group(0).split()
    if len(words) > 1:
        return False  # "the treating physician", "this provider": an article or a role of its own
    return _BEFORE_BARE_DOCTOR.search(text[: m.start()]) is None


def _you(m: re.Match[str]) -> str:
    adverb = m.groupdict().get("adv") or ""
    verb = m.groupdict().get("verb")
    if verb is None:
        return "you" + adverb
    return f"you{adverb} {_agree(verb)}"


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def first_lower(text: str) -> str:
    """Lower-case the first letter, unless the first word is an acronym ("MRI"), mixed case ("OxyContin")
    or a name followed by a dose ("Naprosyn 550 mg")."""
    words = text.split(" ", 2)
    word = words[0]
    if len(word) > 1 and (word.isupper() or any(c.isupper() for c in word[1:])):
        return text
    if len(words) > 1 and words[1][:1].isdigit():
        return text
    return text[:1].lower() + text[1:]


_DIAGNOSIS_LIST = _rx(
    r"^(?:(?:the |his |her )?(?:(?:patient|injured worker|claimant|applicant|employee)'s )?(?:working |current )?"
    r"diagnos[ie]s|dx)\b[^.]{0,20}(?:include|included|are|were|:)"
)


def is_diagnosis_list(sentence: str) -> bool:
    """ "In this case, the worker's current diagnoses are ...": a list, never a reason."""
    return _DIAGNOSIS_LIST.match(_core(sentence)[0]) is not None


def quotable(sentence: str, decision: Decision | None) -> bool:
    """A sentence that can stand as the reason when no form fits: the reviewer's own application to this
    worker, saying the decision's way; never a guideline passage, case history, diagnosis list, citation
    or bare verdict."""
    from imr_llm.parser.reasons import FOR_THIS_CONDITION, LABEL_ENTRY, TOO_LONG, agrees, holds_decision

    if LABEL_ENTRY.match(sentence.strip()) or sentence.lstrip().startswith("("):
        return False  # a guideline's table entry; an aside in parentheses ("(Conductive hearing loss involves ...")
    if holds_decision(sentence):
        return False  # "# Decision: Overturned The request ...": a decision word is never quoted as a reason
    text, _ = _core(sentence)
    stripped = _CITATION.sub("", _CITATION_PAREN.sub("", text)).strip(" ,;")
    if len(stripped) < 20 or _VERDICT.match(stripped):
        return False
    applied_number = FOR_THIS_CONDITION.search(text) is not None and _AMOUNT.search(text) is not None
    history = _HISTORY.search(text)
    if history and decision == "overturned" and re.fullmatch(r"year[- ]old", history.group(0), re.I):
        # an approval's "This 67 year old worker takes meloxicam daily and had a GI bleed": the worker's risk, the
        # reason (a case history's opening, "The claimant presented with ...", stays history)
        history = _HISTORY.search(text, history.end())
    if (_GUIDELINE_SUBJECT.match(text) and not applied_number) or history or _DIAGNOSIS_LIST.match(text):
        return False
    if _ADVICE.search(text):
        return False
    if applied_number and decision == "upheld":
        return True  # "The guidelines allow up to 10 visits for this patient's diagnosis": the limit, applied
    if decision == "upheld" and (TOO_LONG.search(text) or _OUTSIDE_THE_GUIDELINE.search(text)):
        return True  # the worker's use measured against the guideline's limit: "past the recommended period"
    if _RULE_MODAL.search(text) and not _APPLIED.search(text):
        return False  # a rule told in general ("the dose may later need a change"): no one's case
    # a normal exam or test is a denial's reason too ("Neurological exam is unremarkable"), though it has no "not"
    return agrees(sentence, decision) or (decision == "upheld" and _NORMAL_FINDING.search(text) is not None)


# the request measured against the guideline ("..., and that is outside the guideline"): the reviewer's application
_OUTSIDE_THE_GUIDELINE = _rx(r"\b(?:is|are|falls?|fell|was|were) outside (?:of )?the (?:guidelines?|recommend\w*)\b")
# a guideline's number of visits given for this worker's condition (`FOR_THIS_CONDITION`): the limit, applied
_AMOUNT = _rx(r"\b(?:up to |a maximum of |no more than )?\d+ (?:visits|sessions|treatments)\b")
# a sentence that says what should or may be done, about no one in particular, is the rule, not its application
_RULE_MODAL = _rx(r"\b(?:should|may|might|must|can|could|needs? to|(?:is|are) (?:generally )?recommended)\b")
# the sentence is about this worker, this request or its records: an application of the rules, not a rule
_APPLIED = _rx(
    r"\b(?:patient|claimant|applicant|injured worker|worker|employee|individual|IW|he|she|his|her|him|they|"
    r"records?|documentation|documented|document|notes?|submitted|provided|this case|case|here|request(?:ed|s)?|"
    r"provider|physician|doctor|treater|surgeon|exam(?:ination)?|imaging|MRI|x-?rays?|study|studies|test(?:s|ing)?|"
    r"report(?:s|ed)?|findings?|history|symptoms?|complaints?|pain|diagnos[ie]s|trial|use|prior|previous|current(?:ly)?|"
    r"recent(?:ly)?|noted|evidence|indication|rationale|clear|unclear)\b"
)


# the reviewer's advice on what to do next ("the worker warrants close monitoring ...; consideration of
# additional expertise should be considered", "are advised to consult"): no reason for the decision
_ADVICE = _rx(
    r"\bwarrants? (?:close |careful |continued )*(?:monitoring|follow[- ]?up|observation)\b|\bshould be considered\b|"
    r"\b(?:is|are) (?:strongly )?advised to\b|\bit is (?:recommended|suggested) that (?:the )?(?:patient|claimant|"
    r"applicant|injured worker|treating|provider|physician)"
)
_NORMAL_FINDING = _rx(
    r"\b(?:unremarkable|within normal limits|(?:was|were|is|are|remains?|remained) (?:essentially |otherwise )?"
    r"(?:normal|negative|benign|intact))\b"
)


# -- what a finding says is missing, in a shape a new request could answer. For the next step only: the Why keeps
# the reviewer's whole sentence ("The reviewer found that the kind of brace asked for is not given"),
# and the step names the missing thing in the reviewer's words ("the new request could show the type of hearing
# device requested"). A finding with none of these shapes keeps the generic step.
_INFO_NOUN = _rx(
    r"\b(?:reports?|results?|status|rationale|outcomes?|history|documentation|records?|notes?|information|details?|"
    r"plan|goals?|timing|dates?|findings|measurements?|scores?|response|duration|frequency|dosage|doses?|strength|"
    r"type|number|amount|analysis|improvement|benefit|gains?|evidence|reason|explanation|diagnosis|level|location|"
    r"quantity|objective|deficits?|failure|trial|use)\b"
)
# "X is not specified", "X has not been documented", "X was not included for review", "X could not be established
# through the supplied documentation": the subject X is what a new request could show. A verb that may be a
# verdict on care ("is not indicated", "was not provided", "could not be established") needs a subject that is a
# piece of information ("the worker's job status is not provided"), never care ("physical therapy is not
# indicated") or the request's necessity.
_NOT_STATED = _rx(
    # "how many visits he has had is not noted" names the missing thing; "how" alone does not
    r"^(?P<x>(?!(?:this|that|these|those|it|such|they|there|no|none|neither|which|what|whether|why|here|"
    r"however)\b|how\b(?! (?:many|much|often|long)\b))[^,;:]{6,160}?) "
    r"(?:(?:is|was|are|were|has|have|had)(?: also| still)? not(?: been)?|could not be|cannot be|can ?not be)"
    r"(?: (?:clearly|adequately|objectively|specifically|fully|consistently|sufficiently|properly|formally))? "
    r"(?P<verb>specified|stated|documented|noted|reported|described|identified|outlined|detailed|mentioned|"
    r"quantified|discussed|addressed|explained|recorded|provided|included|indicated|established|determined|"
    r"confirmed|verified)"
    r"(?: (?:for review|(?:in|within|from|through|by|on) (?:the )?(?:[\w-]+ ){0,3}(?:records?|documentation|notes?|"
    r"reports?|request|file|exam(?:ination)?)))?$"
)
_MAY_BE_VERDICT = frozenset({"provided", "included", "indicated", "established", "determined", "confirmed", "verified"})
_TALKED = frozenset({"discussed", "addressed", "mentioned"})
_TALKED_INFO = _rx(r"\b(?:plan|goals?|results?|response|outcomes?|frequency|duration|rationale|history|status)\b")
_NOT_INFO = _rx(r"\b(?:necessity|necessary|request(?:ed)?|appropriate(?:ness)?|certification|authori[sz]ation)\b")
# "... visits without any measured record of gains", "the last note made no mention of
# X": the record the reviewer did not find, named after its link word
_WITHOUT_RECORD = _rx(
    rf"\b(?:without|made no|makes no|contained no|contains no) (?:any )?(?P<q>{_Q})"
    rf"(?:documentation|mention|discussion|records?|reports?|notation)\s+{_LINK}\s+(?P<x>[^,;]{{4,}})$"
)
# "It is not noted what functional improvement ...", "It was not clearly stated why a brace was chosen"
_NOT_NOTED_WH = _rx(
    r"^it (?:is|was|has not been|had not been)(?: also| still)? (?:not )?(?:clearly |specifically )?"
    r"(?:noted|stated|documented|specified|explained|described|reported|indicated|mentioned)"
    r" (?P<wh>what|why|whether|how|when|which|where)\b (?P<x>.+)$"
)

# "There is nothing specific regarding the need for a lift chair": what the new request could show
_NOTHING_ON = _rx(
    r"^there (?:is|was|has been)(?: also| still)? nothing(?: (?:specific|specifically|documented|noted|"
    r"provided|submitted|in the records?|in the file))* (?:regarding|about|concerning|as to|addressing) "
    r"(?P<x>[^,;]{6,160})$"
)


def missing_detail(clause: str) -> Restatement | None:
    """A finding's clause that names what was missing ("X was not specified", "without documentation of X",
    "it is not noted why X"), as the restatement a next step follows: the missing thing in the reviewer's words.
    None when the clause has none of these shapes, points back, names a risk (a red flag is never something to
    ask for), or cannot be put plainly."""
    text, _ = _core(clause)
    text = text.strip().rstrip(".")
    if len(text) < 12 or _points_back(text) or alarming(text) or _NOR.search(text):
        return None
    if (m := _NOT_STATED.match(text)) is not None:
        x = m.group("x")
        if m.group("verb").lower() in _MAY_BE_VERDICT and (not _INFO_NOUN.search(x) or _NOT_INFO.search(x)):
            return None
        if m.group("verb").lower() in _TALKED and not (_INFO_NOUN.search(x) or _TALKED_INFO.search(x)):
            # "surgery has not been discussed": what was not talked about, not a thing a request shows (a reader:
            # "the new request could show surgery" read as if planning surgery would get the MRI approved)
            return None
        form, slots = Form.DOCTOR_SILENT, {"x": x}
    elif (m := _NOTHING_ON.match(text)) is not None:
        form, slots = Form.DOCTOR_SILENT, {"x": m.group("x")}
    elif (m := _NOT_NOTED_WH.match(text)) is not None:
        form, slots = Form.UNCLEAR, {"wh": m.group("wh").lower(), "x": m.group("x")}
    elif (m := _WITHOUT_RECORD.search(text)) is not None:
        slots = {"link": _LINK_PLAIN[m.group("link").lower()], "x": m.group("x"), "q": " ".join(m.group("q").split())}
        slots["quote"] = text[m.start("q") :]
        form = Form.NO_RECORD
    else:
        return None
    plain: dict[str, str] = {}
    for name, value in slots.items():
        rewritten = plain_english(value) if name in ("x", "quote") else value
        if not rewritten and name != "q":
            return None  # a pronoun we cannot place, or nothing left
        plain[name] = rewritten or ""
    return Restatement(form, clause, slots, plain, True, None)
