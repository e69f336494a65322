"""Reading "medically necessary" or not from a rationale's own words.

The heading's Upheld/Overturned is the decision of record; the rationale's
conclusion is read to cross-check it (the two disagreeing, no decision is stated),
and is the decision itself in layouts whose headings carry no decision word (2013
notices, professional reviews).
"""

from __future__ import annotations

import re
from functools import lru_cache

from imr_llm.parser.sentences import split_sentences
from imr_llm.words import NUMBER_WORDS

_NECESSITY = re.compile(r"medically ?(?:necessary|appropriate|reasonable|indicated)|not ?medically", re.I)
# a negation of a negation ("is not medically unnecessary", "It is not the case that the request is not medically
# necessary", "There is no reason to find the request not medically necessary"): whichever way it reads, it is
# not a plain verdict, and no decision is read from it
_TWO_NEGATIONS = re.compile(
    r"\b(?:not|never|cannot|no longer|\w+n['\u2019]t)\W+(?:(?:medically|so|entirely|wholly|at all|be|been)\W+){0,2}"
    r"(?:unnecessary|unreasonable|unwarranted|unsupported|unjustified|unindicated|unneeded|inappropriate|"
    r"non-?certified|non-?essential|excessive)\b|"
    r"\bnot the case\b|\bno (?:reason|basis|grounds) to (?:find|deem|consider|conclude|call|say|hold|deny)\b|"
    r"\bcannot be said\b",
    re.I,
)
# "not" as a word whatever stands beside it ("not,", "not-", "(not", and on scans "not:", "not.medically",
# "isnot"): a conclusion with a negation is never read as "necessary"
_NEGATIVE = re.compile(
    r"\bnot\b|\b(?:is|are|was|were|be)not(?:\b|(?=medically))|\bnot(?=medically)|\bunnecessary\b|\bno longer\b|"
    r"\bnon-?certified\b|\bcannot\b|\b\w+n['\u2019]t\b"
)
_DOUBT = re.compile(
    r"\b(?:none|neither|nor|never|lacks?|lacking|absence|absent|fails?|failed|failure|unlikely|doubt\w*|"
    r"questionable|insufficient|inadequate|unsupported|unproven|unclear|uncertain|assuming|presum\w*|pending|"
    r"denied|deny|denies)\b|\bno (?:\w+ ){0,2}(?:evidence|documentation|indication|reason|support|basis|need|"
    r"rationale|justification|findings?)\b|\bwithout (?:\w+ ){0,2}(?:evidence|documentation|indication|support|"
    r"findings?|improvement)\b"
)
_NAMES_THE_REQUEST = re.compile(r"\b(?:request|requested|requests|this|these|it|proposed)\b")
_VERDICT_FIRST = re.compile(r"^(?P<word>Yes|No),")
# Opioid denials close with a weaning paragraph after the conclusion.
_WEANING = re.compile(r"\bwean|\btaper", re.I)
_DECIDING = re.compile(
    r"\b(?:request|requested|treatment|service|it|this|these|therefore|thus|as such|given|consequently|"
    r"reversing|deem|I am|overturn|uphold|recommended)\b|"
    r"\b(?:is|are|was|were)(?: \w+){0,4} medically (?:necessary|appropriate)"
    r"(?: (?:or|and) (?:medically )?(?:necessary|appropriate))?\W*$",
    re.I,
)


# someone else's verdict, reported: "The treating provider stated that the request is medically necessary",
# "The provider argued that "the request is medically necessary."": never the reviewer's conclusion
_REPORTED = re.compile(
    r"\b(?:stated|states|argued|argues|opined|opines|claimed|claims|asserted|asserts|believes|believed|felt|feels|"
    r"maintains|maintained|contends|contended|wrote|writes|insists|insisted)\s+(?:that\s+)?[^,;]{0,120}?medically",
    re.I,
)
_QUOTES = re.compile(r"[\"\u201c\u201d]")


# another's view, a question or a hedge: "According to the treating provider, ...", "Per the provider's appeal
# letter, ...", "The patient reports that ...", "A prior reviewer found ...", "... was previously deemed ...",
# "Is the request medically necessary?", "A future request may be ...", "... would be ... if ...", "... when ..."
_PARTY = (
    r"(?:the |a |an |his |her |their |this )?(?:treating |requesting |attending |primary |prior |previous |other )?"
    r"(?:provider|physician|doctor|chiropractor|therapist|surgeon|treater|patient|claimant|applicant|injured worker|"
    r"attorney|appeal|ur\b|utilization review|peer)"
)
_ANOTHERS = re.compile(
    rf"\b(?:according to {_PARTY}|in the (?:opinion|view) of {_PARTY}|per {_PARTY}|by {_PARTY}|"
    rf"in {_PARTY}'s (?:opinion|view)|"
    r"previously (?:deemed|found|certified|approved|determined|considered)|"
    r"(?:a|the|another) (?:prior |previous |first |other |ur |utilization review |utilization )?reviewer\b|"
    # "The previous determination concluded ... not medically necessary", another's verdict ("I am reversing the
    # prior review decision and ...", with no reporting verb after it, is the reviewer's own)
    r"\b(?:previous|prior|initial|original|earlier|first|ur|utilization review) (?:review )?(?:determination|"
    r"decision|denial|review|non-?certification) (?:\w+ ){0,2}?(?:concluded|found|determined|stated|said|held|"
    r"deemed|indicated|noted|considered)\b|"
    r"(?:provider|physician|doctor|chiropractor|therapist|surgeon|treater|patient|claimant|applicant|worker|"
    r"attorney|appeal|dr)\W+(?:\w+\W+){0,3}?(?:reports?|reported|says?|said|notes? that|noted that|finds|found|"
    r"feels|thinks|thought|deems|deemed|wrote|writes|documented|documents)\b|"
    # "the provider requested X as medically necessary" (no verb of its own: "the requested X is not seen as
    # medically necessary" is the reviewer's verdict)
    r"\b(?:requested|prescribed|ordered|submitted)\b(?:(?!\b(?:is|are|was|were|be|been|not)\b)[^.]){0,80}"
    r"\bas (?:being )?medically)",
    re.I,
)
_HEDGE = re.compile(
    r"\?|\b(?:may|might|could|would|should|if|unless|when|whenever|whether|provided that)\b|"
    r"\bonce\b(?! (?:a|an|per|every|daily|weekly|monthly)\b)|"  # "once a week" is a frequency, not a condition
    r"^\W*with\b|"  # "With documentation of X, the request is medically necessary": a condition
    r"^\W*(?:is|are|was|were|does|do|can) (?:the|this|these|it)\b",  # a question that lost its mark
    re.I,
)
_QUOTE_MARKS = re.compile("[\"\u201c\u201d'\u2018\u2019]")


# a named person's words ("Dr. Smith documented that ...", read as "Smith documented that ..." once "Dr." ended a
# sentence)
_NAMED_SPEAKER = re.compile(
    r"^\W*(?:Dr\.?\s+)?[A-Z][a-z]+\s+(?:documented|documents|reported|reports|noted|notes|wrote|writes|felt|feels|"
    r"believed|believes|thinks|thought|indicated|indicates)\s+that\b"
)


# the sentence before announces another's words ("I cannot agree with the following statement from the provider.",
# "The appeal letter concluded as follows:"): the verdict after it is the one quoted, not the reviewer's (a probe: a
# heading with no decision word was decided "approved" from such a quoted closing)
_ANNOUNCED = re.compile(
    r"\b(?:the following|as follows|(?:as|is) (?:stated|quoted|written) below)\b[^.:]{0,80}[.:]\s*$|:\s*$", re.I
)


def _reported(sentence: str) -> bool:
    """The sentence reports another's verdict, or quotes its necessity words."""
    if _REPORTED.search(sentence) or _ANOTHERS.search(sentence) or _NAMED_SPEAKER.search(sentence):
        return True
    at = sentence.lower().find("medically")
    return at >= 0 and len(_QUOTES.findall(sentence, 0, at)) % 2 == 1


def _hedged(sentence: str) -> bool:
    """A question, or a verdict under a condition or a modal: "would be medically necessary if ..."."""
    return _HEDGE.search(sentence) is not None


def plain_verdict(sentence: str) -> bool:
    """A conclusion stated outright in the reviewer's own voice: no question, hedge or condition, nobody else's
    words, no quotation marks. What a heading that lost its decision word may be decided by."""
    return not _hedged(sentence) and not _reported(sentence) and _QUOTE_MARKS.search(sentence) is None


@lru_cache(maxsize=8)  # one rationale is asked by the decision, the cross-check and the cut-off checks
def conclusion_sentence(rationale: str) -> str | None:
    """The sentence that states the verdict: the last one about medical necessity
    that is not part of a weaning paragraph, nor another's verdict the rationale reports."""
    pos = len(rationale)
    for _ in range(50):  # the verdict is among the last sentences that mention it
        # scan backwards from each "medically" (fast) instead of splitting every sentence
        pos = rationale.rfind("edically", 0, pos)
        if pos < 0:
            break
        start = _sentence_start(rationale, pos)
        end = _sentence_end(rationale, pos)
        sentence = rationale[start:end]
        if (
            _NECESSITY.search(sentence)
            and not _WEANING.search(sentence)
            and _DECIDING.search(sentence)
            and not _reported(sentence)
            and not (_hedged(sentence) and _NEGATIVE.search(sentence.lower()) is None)  # never a hedged approval
            and not _ANNOUNCED.search(rationale, max(0, start - _REACH), start)
        ):
            return sentence
        pos = start
    # "... is not a medical necessity for the patient now." (some reviewers' closing words)
    pos = max((m.start() for m in _MEDICAL_NECESSITY.finditer(rationale)), default=-1)  # "Medical necessity ..." too
    if pos >= 0:
        start, end = _sentence_start(rationale, pos), _sentence_end(rationale, pos)
        if _A_NECESSITY.search(rationale[start:end]):
            return rationale[start:end]
    first = _VERDICT_FIRST.match(rationale.strip())
    return rationale.strip().split(". ")[0] if first else None


# a closing that names no medical necessity: "Given the above, the request is not supported.", "Therefore, the
# requested MRI is not warranted at this time." It decides nothing (a verdict is read only as above); it only tells
# the cut-off check that the rationale ends where a reviewer ends one
_CLOSING = re.compile(
    # the request (or this treatment) is not supported / warranted / certified ...
    r"(?:^|[,;]\s)(?:the|this|these|such)\s(?:[\w/&-]+\s){0,3}?(?:request(?:ed)?|treatment|service|procedure|study|"
    r"medication|item)s?\b(?:\s[\w/&,() -]+?)??\s(?:is|are|was|were|would be|will be|cannot be|can not be|could not be|"
    r"can be)\s(?:not\s)?(?:\w+ly\s)?(?:supported|warranted|certified|non-?certified|recommended|indicated|appropriate|"
    r"reasonable|necessary|justified|approved|authorized|established)\b[^.]{0,60}[.!]\W*$|"
    # "I cannot recommend this request.", "The request does not meet guideline criteria."
    r"\bI (?:cannot|can not|do not|am unable to) (?:recommend|support|certify|approve)\b[^.]*\b(?:request|treatment)\b|"
    r"\b(?:request|treatment|service)\b[^.]{0,80}\bdoes not meet (?:the )?(?:\w+ )?(?:guidelines?'?s? )?criteria\b|"
    # "Therefore, the denial is upheld.", "Thus the UR decision is upheld."
    r"\b(?:denial|non-?certification|decision|determination)\s+(?:is|was|remains|stands)\s+(?:upheld|affirmed|"
    r"maintained)\b",
    re.I,
)


def ends_with_a_closing(rationale: str) -> bool:
    """The rationale's last sentence closes on the request without naming medical necessity."""
    text = rationale.rstrip()
    last = text[_sentence_start(text, max(0, len(text) - 2)) :]
    return (_CLOSING.search(last) is not None or _NECESSITY_CLOSE.search(last) is not None) and not _hedged(last)


# a verdict said without a subject, as a terse reviewer ends ("... this is not the acute phase. Not medically
# necessary.", "Medically necessary and appropriate.", "Non-certified."): the rationale's end, whatever it says (the
# heading's word decides; a bare verdict decides nothing alone)
_BARE_VERDICT = re.compile(
    r"(?:^|[.!?:]\s+|\n)(?:(?:therefore|thus|hence|so|accordingly|as such|in summary|in conclusion),?\s+)?"
    r"(?:(?:(?:is|are)\s+)?(?:not|non)[- ]?)?(?:medically\s+(?:nec{1,2}es{1,2}ary|appropriate|reasonable)"
    r"(?:\s+(?:and|or)\s+(?:appropriate|reasonable))?|certified|recommended for (?:non-?)?certification)"
    r"(?:\s+at this time)?"
    # the reviewer's advice after it ("Not medically necessary; the provider should taper.")
    r"(?:\s*[;,]\s*(?:the (?:provider|prescriber|physician|doctor) should|a (?:taper|wean)\w*|with )[^.;]{0,80})?"
    r"[.!]?[\"'\u201d\u2019)\]]*\s*$",
    re.I,
)


def ends_on_a_bare_verdict(rationale: str) -> bool:
    """The rationale's last sentence is a verdict said without a subject ("Not medically necessary.")."""
    return _BARE_VERDICT.search(rationale[-200:]) is not None


def ends_denying_the_request(rationale: str, request: str) -> bool:
    """The rationale's last sentence denies this request in other words than medical necessity ("The requested
    MRI is therefore unnecessary.", "At this time, an MRI of the lumbar spine is not warranted.", "... is not
    medically necessary at this time, although it may become so if symptoms worsen."): the end of a whole
    rationale. One on other care ("In general, surgery is not warranted.") is not."""
    text = rationale.rstrip()
    last = text[_sentence_start(text, max(0, len(text) - 2)) :]
    if not _DENIAL_CLOSE.search(last):
        return False
    return _names_the_request_in(last, request)


def _names_the_request_in(sentence: str, request: str) -> bool:
    """The sentence is about this request: it says "request(ed)", or shares a word of care with it."""
    return _REQUEST_NAMED.search(sentence) is not None or bool(_content_words(sentence) & _content_words(request))


_DENIAL_CLOSE = re.compile(
    r"\b(?:is|are|was|were)\b(?: (?:therefore|thus|also|currently|still|clearly))? (?:not (?:medically )?"
    r"(?:necessary|warranted|indicated|supported|appropriate|reasonable|justified)|(?:medically )?unnecessary)"
    r"(?: (?:at this time|here|now))?(?:,? (?:although|though|but|even though)\b[^.]*)?\W*$",
    re.I,
)
_REQUEST_NAMED = re.compile(r"\brequest(?:ed|s)?\b", re.I)


# "... A sacroiliac joint injection is medically necessary.": a verdict, if on other care, ends the rationale too
# ("... is not medically unnecessary.": a closing whose polarity is left unread, not a cut)
_NECESSITY_CLOSE = re.compile(
    r"\b(?:is|are|was|were|be)\b(?: \w+){0,4} medically (?:necessary|appropriate|unnecessary|unreasonable|"
    r"inappropriate)\W*$",
    re.I,
)


def after_conclusion(rationale: str) -> str | None:
    """What a rationale says after its conclusion (stripped: "" when the conclusion ends it); None when it
    has no conclusion. A scan's next heading, or the rest of a cut-off one, can stand there."""
    sentence = conclusion_sentence(rationale)
    if sentence is None:
        return None
    return rationale[rationale.rfind(sentence) + len(sentence) :].strip()


def is_weaning_talk(text: str) -> bool:
    """Opioid denials close with a weaning paragraph after the conclusion."""
    return _WEANING.search(text) is not None


_MEDICAL_NECESSITY = re.compile(r"medical necessity", re.I)
_A_NECESSITY = re.compile(
    r"\b(?:is|are|was|were) (?:not )?a medical necessity\b|"
    r"\bmedical necessity\b[^.]{0,60}\b(?:is|has|had|have|was)(?: not)?(?: been)? established\b",
    re.I,
)


_ENDS = (". ", "? ", "! ", '." ', ".\u201d ", ".) ")


_REACH = 800  # a sentence longer than this is cut: bounded work on pathological input


def _sentence_start(text: str, pos: int) -> int:
    lo = max(0, pos - _REACH)
    found = [i + len(e) for e in _ENDS if (i := text.rfind(e, lo, pos)) >= 0]
    return max(found) if found else lo


def _sentence_end(text: str, pos: int) -> int:
    hi = min(len(text), pos + _REACH)
    ends = [i + 1 for i in (text.find(e, pos, hi) for e in _ENDS) if i >= 0]
    return min(ends) if ends else hi


def medically_necessary(rationale: str) -> bool | None:
    """True / False as the rationale concludes, None when it states no verdict."""
    sentence = conclusion_sentence(rationale)
    if sentence is None or _TWO_NEGATIONS.search(sentence):
        return None
    first = _VERDICT_FIRST.match(sentence)
    if first:
        return first.group("word") == "Yes"
    lowered = sentence.lower()
    if _NEGATIVE.search(lowered) is not None:
        return False
    # an approval only when nothing in the sentence denies or doubts it: "There is no evidence that ...",
    # "fails to establish that ...", "is neither ... nor ...", "unlikely": read as nothing, never as approved
    if _DOUBT.search(lowered):
        return None
    if not _NAMES_THE_REQUEST.search(lowered):
        # "... the request is not medically necessary. Continued home exercise is medically necessary.": an
        # approval of something else after the request's own denial is no approval of the request
        before = conclusion_sentence(rationale[: rationale.rfind(sentence)])
        if before is not None and _NAMES_THE_REQUEST.search(before.lower()) and _NEGATIVE.search(before.lower()):
            return None
    return True


# -- a verdict stated plainly -------------------------------------------------------------------------------
#
# Where the rationale alone decides (a heading without its decision word, a layout whose headings carry none)
# and where it cross-checks a heading or a model's answer, a verdict is read only from a sentence that states it
# in one of the plain forms below, never from any sentence with "medically necessary" in it and no "not". Reading
# by a list of negations was beaten by each new wording ("isn't" with a typographic apostrophe, "in no way", "far
# from", "only a trial of six sessions is ...", "I disagree that ..."): a denial stated as an approval. Here an
# approval must be an outright "the request (for X) / X is medically necessary", with no negation, limit, hedge,
# condition or other party anywhere in the sentence; a denial must put its negation in the verdict's own clause
# ("is not", "isn't", "cannot be considered", "not a medical necessity"). Anything else reads as no verdict: the
# decision is left empty and the page says so. Over the 150 real letters here, 313 of 316 conclusions are read
# this way as their headings say, none the other way (3 have no verdict sentence or a form left unread).
_ADJ = r"(?:necessary|appropriate|reasonable|indicated)"
_PLAIN_LEAD = (
    r"(?:therefore|thus|hence|as such|accordingly|consequently|in conclusion|in summary|overall|ultimately|"
    r"at this time|at present|in this (?:case|situation|instance)|"
    r"(?:based (?:up)?on|given|in light of|in view of|considering) [^,;]{1,160}|for (?:these|the above) reasons?)"
)
_REQUEST_NP = (
    r"(?:the |this |these |an? )?(?:(?:current|currently|requested|proposed|original|first-time|remaining|"
    r"retrospective|prospective|above|initial|additional|continued|ongoing)\s+)*"
    r"(?:request(?:ed)?|requests|treatment|service|procedure|medication|item|it|surgery|therapy)"
    r"(?:\s+(?:for|of)\s+(?P<object>[^;]{1,240}?))?"
)
# the care as the letter names it ("MRI of the left knee without contrast"): a noun phrase
_NAMED_NP = (
    r"(?P<named>(?!(?:I|it|there|this|that|instead|rather|only|although|while|though|after|before|prior|had|if|"
    r"when|unless|with|without|once|until|in|on|at|by|per|from|during|since|for|to|of|nothing|none|nobody|"
    r"everything|something|anything|every|all|each|any|some)\b)[A-Za-z][^,;:]{0,160}?)"
)
_ADJS = rf"\s+medically\s+{_ADJ}(?:(?:,|,?\s+(?:and|or))\s+(?:medically\s+)?{_ADJ})*"
_PLAIN_APPROVAL = re.compile(
    rf"^(?:{_PLAIN_LEAD},?\s+)*(?:"
    rf"(?:{_REQUEST_NP}|{_NAMED_NP})\s+(?:is|was|are|were|remains|has been|have been)"
    r"(?:\s+(?:also|therefore|thus|hence|currently|still|now|deemed|determined|found|considered|certified|"
    r"established|to be|as|being|hereby|supported by (?:the )?(?:guidelines?|mtus|odg|acoem) and (?:is|was)))*"
    rf"{_ADJS}"
    r"(?:,?\s+(?:at this time|at present|currently|(?:for|in the care of) (?:this|the) (?:patient|claimant|"
    r"injured worker|applicant|employee|worker)|in this (?:case|instance)|as (?:requested|submitted|written)|"
    r"per (?:the )?(?:[A-Za-z0-9 /-]{1,60})?(?:guidelines?|mtus|odg|acoem)\b[^.;]{0,40}|"
    r"based (?:up)?on the (?:above|guidelines?|submitted documentation|clinical information)))*"
    r"|I (?:am|have) (?:reversing|reversed|overturning|overturned) the (?:prior|previous|original) "
    rf"(?:utilization )?review(?:'s)? (?:decision|determination)(?: and (?:deem|find|consider) [^;]{{1,240}}? "
    rf"to be{_ADJS})?"
    r")\s*[.!]?$",
    re.I,
)
_NAMED_NOT_A_NOUN = re.compile(
    r"\b(?:that|which|who|whom|whose|is|was|are|were|be|been|being|has|have|had|does|did|do|shows?|showed|"
    r"indicates?|indicated|alleges?|alleged|documented|documents|states?|stated|notes?|noted|reports?|reported|"
    r"says?|said|opinion|view|according|believes?|thinks?|feels?|found|finds|deemed|recommended|certified|"
    r"considered|approved|authorized|denied|upheld|overturned|provider|physician|doctor|attorney|reviewer|"
    r"patient|claimant|applicant|fewer|more|less|some|part|partial|portion|half|trial|limited|reduced|other|"
    r"alternative|\d{4})\b",
    re.I,
)
# anything that limits, negates, hedges or disputes an approval, anywhere in its sentence
_NOT_PLAIN = re.compile(
    r"\b(?:not|no|nor|never|none|neither|only|rather|instead|except|than|but|unless|if|until|yet|cannot|lack\w*|"
    r"absen\w*|fail\w*|insufficient|inadequate|unclear|uncertain|unlikely|questionable|pending|assum\w*|"
    r"presum\w*|provided that|would|could|should|may|might|doubt\w*|disagree\w*|incorrect|false|unfounded|"
    r"denied|deny|question\w*)\b|n['\u2019]t\b|\?",
    re.I,
)
_NEGATION_WORD = r"(?:not|never|cannot|no longer|neither|nor|no)"
_PLAIN_DENIAL = re.compile(
    # the negation and its verdict with no subject between: "As the patient cannot work the request is medically
    # necessary" is an approval whose comma was left out, not a denial
    # (nor a verb of its own: "The sessions that were not authorized are medically necessary")
    rf"(?:(?:\b{_NEGATION_WORD}\b|n['\u2019]t\b)(?:(?!\b(?:request|requests|it|this|they|he|she|patient|claimant|"
    rf"applicant|worker|is|are|was|were)\b)[^,;.]){{0,70}}?\b|\bnot)medically\b|\bunnecessary\b|"
    r"\bnon-?certified\b|\bnot a medical necessity\b|"
    r"\bmedical necessity\b[^,;]{0,120}?\b(?:is|has|was|have)(?: not| yet to be)(?: been)? "
    r"(?:established|demonstrated|met|shown)\b",
    re.I,
)
# a negation that does not deny: "not only medically necessary but ...", "no doubt that ...", "cannot be denied"
_NOT_A_DENIAL = re.compile(
    r"\bnot (?:only|just|merely|simply)\b|\b(?:doubt|question|dispute|uncertain\w*|deny|denied|incorrect|"
    r"disagree\w*)\b",
    re.I,
)
_VERDICT_WORD = re.compile(r"medically|\bunnecessary\b|\bnon-?certified\b|\bmedical necessity\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:and|but|while|whereas|yet|although|though|because|since|so)\b", re.I)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")
_TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def plain_reading(sentence: str, request: str | None = None) -> bool | None:
    """True / False when `sentence` states a verdict in a plain form (see above); None otherwise. A letter
    (or a scan) with characters that hide a word ("n\u00adot", a Cyrillic "\u043e") is read as no verdict. With
    the `request`, an approval naming a number the request does not ("Six sessions of chiropractic manipulation
    are medically necessary" for 12 sessions, "Zero sessions ...") approves part of it, or none: no verdict."""
    text = " ".join(sentence.split())
    if not text.isprintable() or _INVISIBLE.search(text) or not text.translate(_TYPOGRAPHIC).isascii():
        return None
    if _TWO_NEGATIONS.search(text):
        return None
    first = _VERDICT_FIRST.match(text)
    if first:
        return _verdict_first(first.group("word"), text[first.end() :])
    if len(_BOTH_WAYS.findall(text)) > len(_BOTH_WAYS_DENIED.findall(text)) > 0:
        return None  # "... is medically necessary and not medically necessary": both verdicts, no verdict
    # the verdict's own clause: from the last break before its last verdict word to the end ("The request does not
    # exceed the guideline limit and is medically necessary": the "not" is another clause's)
    words = list(_VERDICT_WORD.finditer(text))
    head = text[: words[-1].end()] if words else text
    breaks = list(_CLAUSE_BREAK.finditer(head))
    clause = text[breaks[-1].end() :] if breaks else text
    if _PLAIN_DENIAL.search(clause):
        return None if _NOT_A_DENIAL.search(clause) else False
    if _NOT_PLAIN.search(text):
        return None
    m = _PLAIN_APPROVAL.match(text)
    if m is None or (m.group("named") and _NAMED_NOT_A_NOUN.search(m.group("named"))):
        return None
    if request is not None and (not _counts_within(text, request) or not _names_the_request(m, request)):
        return None
    return True


_BOTH_WAYS = re.compile(r"\bmedically necessary\b", re.I)
_BOTH_WAYS_DENIED = re.compile(r"\b(?:not|never|un)\W*(?:\w+\W+){0,2}?medically necessary\b", re.I)


# an approval of a part: "medically necessary in part", "at a reduced frequency", "a modified number"
_IN_PART = re.compile(
    r"\b(?:in part|part of|partial\w*|partly|reduced|fewer|less|limited|modified|lower|shorter|smaller)\b", re.I
)
_UPHOLDING = re.compile(
    r"\b(?:upheld|uphold\w*|affirm\w*|denied|deny\w*|non-?certified)\b|"
    r"\b(?:denial|non-?certification|decision|determination)\s+(?:is|was|remains|stands)\s+(?:upheld|affirmed|"
    r"maintained|correct|appropriate)\b",
    re.I,
)


def _verdict_first(word: str, rest: str) -> bool | None:
    """ "Yes, the request for X was medically necessary ..." / "No, the request ... was not medically necessary":
    the answer word only when the rest of the sentence says it too ("Yes, the denial is upheld; the request is not
    medically necessary" answers nothing plainly)."""
    denies = _PLAIN_DENIAL.search(rest) is not None or _UPHOLDING.search(rest) is not None
    if word == "Yes":
        return None if denies or _NOT_PLAIN.search(rest) or _IN_PART.search(rest) else True
    return False if denies and not re.search(r"\boverturn\w*|\bapprov\w*|\bauthoriz\w*", rest, re.I) else None


def _content_words(text: str) -> set[str]:
    lowered = text.lower()
    for phrase, word in _SAME_PHRASE:
        lowered = lowered.replace(phrase, word)
    return {
        _SAME_PART.get(w, w)
        for w in re.findall(r"[a-z]+", lowered)
        if (len(w) > 2 or w in _SHORT_TERMS) and w not in _PLAIN_WORDS and w not in _NUMBER_WORDS
    }


_SHORT_TERMS = frozenset({"ct", "pt", "ot", "iv"})  # care named in two letters ("CT of the neck")
_PLAIN_WORDS = frozenset(
    "the a an of for to and or with without in on at by per this that these request requested current".split()  # noqa: SIM905
)


def _names_the_request(m: re.Match[str], request: str) -> bool:
    """The approval is of this request: "the request (for X)", or care named with a word of the request's ("MRI
    of the left knee" for "MRI left knee"); never other care ("A home exercise program is medically necessary"
    closing a chiropractic denial)."""
    named = m.group("named") or m.group("object")  # "X is ...", or "the request for X is ..."
    if not named:
        return True

    request = _DAMAGED_WORD.sub("", request)  # a heading's damaged decision word ("...: Ove#turned") names no care
    words, asked = _content_words(named), _content_words(request)
    # the care it names shares a word with the request that is not a body part or a count ("Cervical spine
    # surgery" shares only "cervical" with cervical chiropractic care), and has no word the request lacks (below);
    # a brand and its generic name are spelled alike ("Naprosyn" for "Naproxen"); and it is the same kind of care
    # (a collar is equipment, not therapy)
    from imr_llm.care.kinds import classify_kind

    if _TIME_UNITS.search(named) and not _TIME_UNITS.search(request):
        return False  # "12 sessions per month" is not the request's 12 sessions
    if not _levels(named) <= _levels(request):
        return False  # "at C4-5" is not the request's "L4-5"
    if _MULTI.search(request) and any(not any(_alike(b, a) for a in words) for b in asked - _UNITS - _GENERIC_CARE):
        return False  # "MRI of the lumbar spine" approves one part of "MRI of the cervical and lumbar spine"
    for left_out in _LEFT_OUT.finditer(named):  # "Physical therapy without aquatic therapy" for both of them
        word = left_out.group(1).lower()
        if word in asked and not re.search(rf"\b(?:without|w/o)\s+(?:the\s+)?{re.escape(word)}\b", request, re.I):
            return False
    (no, yes), (no_asked, yes_asked) = _without(named), _without(request)
    if (yes and no_asked and not yes_asked) or (no and yes_asked and not no_asked):
        return False  # "MRI ... with contrast" is not the MRI without it
    care, care_asked = words - _UNITS - _ANATOMY - _GENERIC_CARE, asked - _UNITS - _ANATOMY - _GENERIC_CARE
    if not any(_alike(a, b) for a in care for b in care_asked):
        return False
    # every word of the care it names is the request's: "Right knee arthroscopy" is not the left knee's, "Aquatic
    # therapy" not physical therapy, "Discontinuing X" or "TENS unit purchase" (for a rental) not X; a word the
    # request lacks makes it other care, or a part of this one: no verdict (the page says so), never an approval
    if any(not any(_alike(a, b) for b in asked) for a in words - _UNITS - _GENERIC_CARE):
        return False
    kind, kind_asked = classify_kind(named), classify_kind(request)
    return not (kind and kind_asked and kind.code != kind_asked.code and "other" not in (kind.code, kind_asked.code))


def names_other_care(sentence: str, request: str) -> bool:
    """The verdict sentence's subject names care that shares no word of care with `request` ("Therefore, the
    cervical pillow is not medically necessary" for chiropractic care): its verdict is another request's. A subject
    naming no care ("the request", "the requested treatments", "these services", "it") is no other care."""
    verdict = _PHRASE.search(sentence)
    if verdict is None:
        return False
    subject = sentence[: verdict.start()]
    named = _REQUEST_FOR.search(subject)
    # "the request for X, 12 sessions" names X; else the words after the lead ("Given no change, the pillow")
    return other_care(subject[named.end() :] if named else subject.rsplit(",", 1)[-1], request)


def other_care(care: str, request: str) -> bool:
    """`care` (words that name care: "cervical pillow", "prior lumbar MRI") shares no word of care with `request`.
    Words that name no kind of care ("the request", "these services", "it", an amount: "all 24 at the outset") are
    no other care."""
    from imr_llm.care.kinds import classify_kind

    if classify_kind(care) is None:
        # "the request for 12 sessions at once", "for all 24 at the outset": an amount of this care, no other care
        return False
    named = _content_words(care) - _UNITS - _ANATOMY - _GENERIC_CARE - _NOT_CARE
    asked = _content_words(request) - _UNITS - _ANATOMY - _GENERIC_CARE
    return bool(named) and not any(_alike(a, b) for a in named for b in asked)


def _alike(a: str, b: str) -> bool:
    """Two words of care name the same thing: one spelling ("knees", "knee"), a brand and its generic spelled
    alike ("Naprosyn", "Naproxen"), or a word and its start ("chiro", "chiropractic")."""
    from rapidfuzz import fuzz

    a, b = a.removesuffix("s") if len(a) > 3 else a, b.removesuffix("s") if len(b) > 3 else b
    return a == b or (len(a) >= 5 and len(b) >= 5 and fuzz.ratio(a, b) >= _NAME_ALIKE) or a[:4] == b[:4] == a


OTHER_CARE_WARNING = "its rationale's conclusion is about other care"
OTHER_KIND_WARNING = "its rationale speaks of other care"
AGAINST_HEADING_WARNING = "heading says"  # "heading says Overturned but the rationale concludes not medically ..."


def concluded_on_other_care(rationale: str, request: str) -> str | None:
    """The closing verdict's "the request for X" when X is other care than `request` (a drug of its own, or care
    sharing no word of care with it): the rationale is another request's (a page lost after this heading), or
    the letter's slip. None when it names this request, or names no request."""
    from imr_llm.care.drugs import ingredients_named

    sentence = conclusion_sentence(rationale)
    named = _CONCLUDED_FOR.search(sentence) if sentence is not None else None
    if named is None:
        return None
    care = named.group("care")
    drugs, asked = ingredients_named(care), ingredients_named(request)
    # a drug by any of its names ("Prilosec" for omeprazole); other care by its words
    other = not drugs & asked if drugs else other_care(care, request)
    return care if other else None


# "the request for X is not medically necessary", or a closing that names the care itself ("Therefore, the (requested)
# MRI of the right shoulder is medically necessary"; never "the request", "the remaining request", "the treatment")
_CONCLUDED_FOR = re.compile(
    r"(?:\brequests? for (?:the |an? )?|^(?:(?:therefore|thus|hence|consequently|as such|accordingly),?\s*)?the "
    r"(?:requested )?(?!(?:(?:remaining|current|above|proposed|present|original|disputed|prescribed) )?"
    r"(?:requests?|requested|treatment|services?|care|items?|medications?|same|study|studies|tests?|testing|imaging|"
    r"procedures?|surgery|surgeries|operation|injections?|drugs?|medicines?|therapy|therapies|programs?|equipment|"
    r"devices?|supplies|visits?|sessions?|consultation|evaluation|referral|scans?|x-?rays?|it|this|these|that|those)\b))"
    r"(?P<care>[^,;]{3,160}?) (?:is|are|was|were|would be|cannot be|can not be)\b[^.]*?medically necessary",
    re.I,
)
_REQUEST_FOR = re.compile(r"\brequests? (?:for|of)\b|\brequested\b", re.I)
_NOT_CARE = frozenset("therefore thus such result requests treatment services all both each it they".split())  # noqa: SIM905


# a request of several parts: "X and Y", "X & Y", "X + Y", "X/Y" between words ("EMG/NCV"); a comma only separates
# a request's details ("Physical therapy, 2 times a week, right knee")
_MULTI = re.compile(r"\s(?:and|&|\+)\s|[A-Za-z]{2,}/[A-Za-z]{2,}")
_LEVEL = re.compile(r"\b([CTLS])\s?(\d{1,2})(?:\s?-\s?([CTLS])?\s?(\d{1,2}))?\b")


def _levels(text: str) -> set[str]:
    """Spinal levels a text names, one by one: "L4-5" {L4, L5}, "L5-S1" {L5, S1}."""
    out: set[str] = set()
    for m in _LEVEL.finditer(text):
        out.add(f"{m.group(1)}{m.group(2)}")
        if m.group(4):
            out.add(f"{m.group(3) or m.group(1)}{m.group(4)}")
    return out


_DAMAGED_WORD = re.compile(r":\s*\S{0,14}$")
_TIME_UNITS = re.compile(r"\b(?:per|a|an|each|every)\s+(?:day|week|month|year)\b|\b(?:daily|weekly|monthly)\b", re.I)
_LEFT_OUT = re.compile(r"\b(?:without|w/o|excluding|except|not including|minus)\s+(?:the\s+)?([a-z]+)", re.I)
_WITHOUT = re.compile(r"\b(?:without|w/o|w/out|non-?contrast)\b", re.I)
_WITH = re.compile(r"\b(?:with|w/)\s*(?:and without\s*)?(?:iv\s*)?(?:contrast|dye|gadolinium)\b", re.I)


def _without(text: str) -> tuple[bool, bool]:
    """Whether care names "without (contrast)" and "with contrast": the two are different studies."""
    return bool(_WITHOUT.search(text)), bool(_WITH.search(text))


_NAME_ALIKE = 75.0
_ANATOMY = frozenset(
    """cervical thoracic lumbar lumbosacral sacral spine spinal neck back knee knees shoulder shoulders hip hips
    wrist wrists hand hands elbow elbows ankle ankles foot feet arm arms leg legs head pelvis left right bilateral
    upper lower extremity extremities""".split()  # noqa: SIM905
)
# words that name no other care: "Continued Norco", "Additional physical therapy", "The requested treatment"
_GENERIC_CARE = frozenset(
    """continued continuing ongoing additional further request requested treatment treatments care service services
    use usage medication medications date dates dos sodium potassium hcl hydrochloride twice once thrice""".split()  # noqa: SIM905
)
_SAME_PART = {"lumbosacral": "lumbar", "neck": "cervical", "ncv": "ncs"}  # one region (one test) named two ways
_SAME_PHRASE = (("low back", "lumbar"), ("lower back", "lumbar"), ("upper back", "thoracic"))
_UNITS = frozenset(
    """sessions session visits visit times week weeks month months days day tablets tablet capsules mg mcg ml gram
    grams units unit refills refill supply dose doses""".split()  # noqa: SIM905
)


_NUMBER_WORDS = {w: str(k) for w, k in NUMBER_WORDS.items()}
_NUMBER_WORDS.update(
    {
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "seventy": "70",
        "eighty": "80",
        "ninety": "90",
        "hundred": "100",
        "half": "half",
    }
)


_COUNTED = re.compile(
    r"(?P<hash>#\s*)?(?P<n>\d+(?:\.\d+)?|[a-z]+)(?:\s*(?P<unit>mg|mcg|ml|g|grams?|sessions?|visits?|weeks?|days?|"
    r"months?|times?|tablets?|tabs?|capsules?|caps?|units?|refills?|hours?|patch(?:es)?|treatments?)\b)?",
    re.I,
)
# one count named two ways: "12 visits" for "12 sessions", "120 tablets" for "#120"
_UNIT = {
    "gram": "g",
    "tab": "#",
    "tablet": "#",
    "cap": "#",
    "capsule": "#",
    "patche": "patch",
    "visit": "session",
    "treatment": "session",
}
_TIMES = {"once": "1", "twice": "2", "thrice": "3"}  # "twice a week" is "2 times a week"


def _counted(text: str) -> set[tuple[str, str | None]]:
    """The counts a text names, as (number, unit): "Six sessions" (6, session), "#10" (10, #), "2x6" (2, None)."""
    out: set[tuple[str, str | None]] = set()
    for m in _COUNTED.finditer(text):
        word = m.group("n").lower()
        n = word if word[0].isdigit() else _NUMBER_WORDS.get(word) or _TIMES.get(word)
        if n is None:
            continue
        unit = "#" if m.group("hash") else (m.group("unit") or "").lower().removesuffix("s") or None
        unit = "time" if word in _TIMES else unit
        out.add((n, _UNIT.get(unit, unit) if unit else None))
    return out


_GRID = re.compile(r"\b(\d{1,2})\s*x\s*(\d{1,2})\b", re.I)


def _course(request: str) -> set[tuple[str, str | None]]:
    """A course's total: "2 times a week for 4 weeks" or "2x4" is 8 sessions (and "2x6" is 2 times for 6 weeks)."""
    counted = _counted(request)
    times = [int(float(n)) for n, u in counted if u == "time"]
    weeks = [int(float(n)) for n, u in counted if u == "week"]
    out: set[tuple[str, str | None]] = {(str(t * w), "session") for t in times for w in weeks}
    for m in _GRID.finditer(request):
        a, b = int(m.group(1)), int(m.group(2))
        out |= {(str(a), "time"), (str(b), "week"), (str(a * b), "session")}
    return out


def _counts_within(text: str, request: str) -> bool:
    """Every count the approval names is the request's, with its unit: "Six sessions" is not "for 6 weeks",
    "#10" is not "10mg #120"; a bare number only needs the number."""
    asked = _counted(request) | _course(request)
    numbers = {n for n, _ in asked}
    return all((n, u) in asked if u is not None else n in numbers for n, u in _counted(text))


def concluded_plainly(rationale: str, request: str | None = None) -> bool | None:
    """The rationale's verdict (its conclusion sentence) when stated plainly; None otherwise (`request`: see
    `plain_reading`)."""
    sentence = conclusion_sentence(rationale)
    if sentence is None:
        return None
    reading = plain_reading(sentence, request)
    if reading is True and rationale.rstrip().endswith(sentence.rstrip()) and sentence.rstrip()[-1:].isalnum():
        # the rationale stops on "... is medically necessary" with no period: a cut there may have taken the rest
        # of the sentence ("... only if improvement is documented, which it is not"); no approval from it
        return None
    if reading is not None:
        # "Therefore, the request is not medically necessary. Continued home exercise is medically necessary.":
        # an approval after a plain denial is of something else, or a rationale at odds with itself; so is a
        # denial right after a plain approval of the request ("... is medically necessary at this time. The request
        # is not medically necessary.")
        head = rationale[: rationale.rfind(sentence)]
        before = conclusion_sentence(head)
        # (a denial is doubted only by the approval right before it; a heading's word decides such letters, and the
        # cross-check still says when a rationale's first and last verdicts disagree)
        adjacent = before is not None and head.rstrip().endswith(before.rstrip())
        if (
            before is not None
            and (reading or adjacent)
            and plain_reading(before, None if reading else request) is (not reading)
        ):
            return None
    return reading


_PHRASE = re.compile(
    r"\b(?:is|was|are|were|be)\b[^.,;]*?(?:medically ?(?:necessary|appropriate|reasonable)(?: and appropriate)?)",
    re.I,
)


def verdict_phrase(sentence: str) -> str:
    """The words that state the verdict ("is not medically necessary"), or the sentence."""
    m = _PHRASE.search(sentence)
    return m.group(0) if m else sentence


# -- a closing in other words: a second reading for the heading's cross-check, never a decision -----------------
#
# "The request for an MRI ... is non-certified.", "I therefore uphold the prior utilization review decision, and the
# MRI ... is denied.", "Accordingly, medical necessity for the MRI ... has not been established.", "... is
# warranted.", "I am reversing the prior utilization review decision and deem ... to be appropriate.": the verdict
# said without "medically necessary". A probe gave headings the opposite word: the page stated the heading's
# decision, the closing unread. Such a closing decides nothing alone; against the heading, no decision is stated.
_OTHER_DENIAL = re.compile(
    r"\b(?:is|are|was|were|remains?|be|been|hereby)\s+(?:(?:hereby|therefore|thus|also|again|respectfully)\s+)*"
    r"(?:non-?certified|not certified|denied|not approved|not authorized|not (?:supported|warranted|indicated|"
    r"recommended|justified|established|substantiated))\b|"
    r"\buphold(?:s|ing)?\s+the\s+(?:prior\s+|previous\s+|original\s+|initial\s+)?(?:utilization\s+review|UR|"
    r"review(?:er)?'?s?)\s+(?:decision|determination|denial|non-?certification)\b|"
    r"\bmedical necessity\b[^.;]{0,160}?\b(?:has|have|is|was)\s+not\s+(?:been\s+)?(?:established|demonstrated|shown|"
    r"met|substantiated)\b",
    re.I,
)
_OTHER_APPROVAL = re.compile(
    r"\b(?:is|are|was|were)\s+(?:(?:hereby|therefore|thus|also|now)\s+)*(?:certified|approved|authorized|"
    r"warranted|justified)\b|"
    r"\b(?:revers(?:e|es|ing|ed)|overturn(?:s|ing|ed)?)\s+the\s+(?:prior\s+|previous\s+|original\s+|initial\s+)?"
    r"(?:utilization\s+review|UR|review(?:er)?'?s?)\s+(?:decision|determination|denial|non-?certification)\b",
    re.I,
)
# nothing of a denial or a doubt in an approval's sentence ("is not warranted" is read above as a denial)
_NOT_AN_APPROVAL = re.compile(r"\b(?:not|no|never|nor|unless|if|until|only|would|could|may|might)\b|n't\b", re.I)
# another's view: "The provider states that the MRI is not supported"
_SAYS_THAT = re.compile(
    r"\b(?:states?|stated|notes?|noted|reports?|reported|argues?|argued|claims?|claimed|believes?|opines?|opined|"
    r"feels?|felt|contends?|contended|asserts?|asserted) that\b",
    re.I,
)
_NEGATED_BEFORE = re.compile(r"\b(?:not|cannot|can't|never|no longer)\s+(?:\w+\s+)?$", re.I)
_REVIEWER_SPEAKS = re.compile(r"\bI\b")  # "I therefore uphold the prior utilization review decision"


def closing_in_other_words(rationale: str, request: str) -> bool | None:
    """True / False when the rationale's last sentence (a weaning paragraph aside) states the request's verdict in
    words other than "medically necessary" (see above); None otherwise. Read only to cross-check a heading."""
    spans = split_sentences(rationale[-2000:])[-4:]
    while spans and is_weaning_talk(spans[-1]):
        spans.pop()
    if not spans:
        return None
    last = " ".join(spans[-1].split())
    if _reported(last) or _QUOTE_MARKS.search(last) or "?" in last or _SAYS_THAT.search(last):
        return None
    if re.search(r"\bmedically\b", last, re.I):
        return None  # "medically necessary" is read plainly, or not at all ("The request cannot be denied, as it is
        # medically necessary.")
    if not (_names_the_request_in(last, request) or _REVIEWER_SPEAKS.search(last)):
        return None
    # "The request cannot be denied.", "should not be non-certified": a denial's words under a negation deny nothing
    denial = any(not _NEGATED_BEFORE.search(last, 0, m.start()) for m in _OTHER_DENIAL.finditer(last))
    approval = _OTHER_APPROVAL.search(last) is not None and not _NOT_AN_APPROVAL.search(last)
    if denial == approval:
        return None
    return approval
