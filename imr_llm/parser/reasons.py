"""What each decision turned on: the reviewer's own sentences, and their topic.

A rationale mixes three kinds of sentences: the guideline quoted or paraphrased
("The MTUS recommends ..."), the case history ("The patient complained of ..."),
and the reviewer applying the one to the other ("In this case, there is no
documentation of ...", "The request did not specify ...", "Given that the surgery
is not medically necessary, ..."). Only the last kind says why *this* request was
decided as it was, so each sentence is scored on general cues of that kind (who
the subject is, whether it states that something was or was not documented, a
"here / in this case / however" opening), never on the words of one letter.
Bare conclusions ("Therefore, the request is not medically necessary.") carry no
reason and rank last.

Each chosen sentence is classified into one of the topics of the shared gold
format (`TOPICS`) by cue phrases. The decision gives the polarity (upheld: the
thing was missing or not met; overturned: it was shown). When no cue says what a
sentence is about, the topic is `None` and `confident` is False: a summary then
quotes the reviewer instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import get_args

from imr_llm.care.drugs import drug_table, find_names, ingredients_named
from imr_llm.care.sites import find_sites
from imr_llm.cues import CueSet, Scan
from imr_llm.parser.sentences import first_sentence_end
from imr_llm.schema import ReasonTopic as Topic

TOPICS: tuple[Topic, ...] = get_args(Topic)
MAX_SENTENCES = 3
_MAX_SCANNED = 80  # a rationale has a few dozen sentences; bounded work on odd input
MAX_SENTENCE = 1500


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _lowered_rx(pattern: str) -> re.Pattern[str]:
    """A case-insensitive pattern for text already lowercased: about 3x faster than re.I in CPython's
    engine, which matters for the topic cues, the parser's costliest step. (Only for patterns without
    upper-case escapes such as \\S or \\W, which lowercasing would change.)"""
    return re.compile(pattern.lower())


# -- what kind of sentence is it ---------------------------------------------------------

_LEAD = r"^(?:(?:however|additionally|in addition|moreover|furthermore|further|also|and|but|yet|thus|again),? )*"
# the reviewer applies the rules to this case
_APPLIES = _rx(
    _LEAD
    + r"(?:in this (?:case|situation|instance|patient)|in (?:the|this) (?:claimant|patient|injured worker)'s case|"
    r"here\b|given (?:that|the (?:patient|injured|claimant|applicant|worker|lack|absence|prior|cervical|ongoing))|"
    r"based on the (?:documentation|records|clinical|information|submitted)|within the documentation|"
    r"in the (?:documentation|records|clinical note)|at this (?:point|time)|without\b|currently\b|"
    r"the (?:(?:available|provided|submitted|reviewed|clinical|medical|current|most recent|recent) )*"
    r"(?:documentation|records?|notes?|medical records|clinical information|"
    r"treating physician|"
    r"provider|attending provider|requesting physician|request(?:ed)?(?: service)?)\b|"
    r"there (?:is|was|are|were|has been|have been)\b|"
    # "No gain in function after the therapy was documented."
    r"no (?:[\w-]+ ){1,8}?(?:was|were|has been|have been) (?:documented|noted|reported|found|identified|provided|"
    r"submitted|described|observed|demonstrated)\b|"
    r"the (?:patient|injured worker|applicant|claimant|worker|employee|iw)\b|(?:this|the) (?:individual|iw)\b|"
    r"(?:he|she) (?:is|was|has|had|does|did)\b|patient (?:does|did|is|was|has)\b|"
    r"as the requested|since the requested|"
    r"(?:therapy|treatment|the) outcome|medical necessity for)"
)
# a decision word inside a rationale (none in the 150 real letters): a heading or another decision quoted there
# ("# Decision: Overturned", "The UR letter stated "Viagra: Overturned" in error"), never a reason of this one
DECISION_WORD = re.compile(r"(?<![A-Za-z])(?:overturned|upheld)(?![A-Za-z])", re.I)  # "__Overturned__" too
# a decision said the other ways a heading or a form says it ("# Not approved", "Decision: Certified", "**Denied**",
# "__Medically necessary__", "Viagra: Overturned"): a fragment with no verb, at a sentence's start and followed by
# the next sentence or the end, or marked as a heading anywhere; in none of the 415 rationales of the real letters,
# so never one of the reviewer's sentences
_DECISION_WORDS = (
    r"partially\s+approved|not\s+approved|disapproved|approved|not\s+certified|non[-\u2010\u2011\u2013]?certified|"
    r"certified|not\s+authori[sz]ed|authori[sz]ed|denied|rejected|(?:not\s+)?medically\s+necessary|overturn(?:ed)?|"
    r"upheld|uphold|no\s+aprobad[oa]|aprobad[oa]|denegad[oa]|no\s+autorizad[oa]|autorizad[oa]"
)
_DECISION_PHRASE = (
    r"(?i:(?:(?:decision|result|determination|status|outcome)\s*[:\-\u2013]\s*)?"
    rf"(?P<phrase>{_DECISION_WORDS}))(?![A-Za-z])(?:\*\*?|__?|</b>)?[.:!?]?(?i:\s*(?:yes|no)\b[.!]?)?"
)  # "Medically Necessary: No", "Medically necessary? Yes."
_HEADING_MARK = r"(?:#{1,6}|>|\*\*?|__?|<b>)"
DECISION_LINE = re.compile(
    rf"^\s*(?:{_HEADING_MARK}|[-*\u2022]|\d+[.)])?\s*(?:[A-Za-z][^.!?:\n]{{0,80}}:\s*)?{_DECISION_PHRASE}"
    r"(?:\s*\([^()]{0,40}\))?(?=\s+[A-Z]|\s*$)"
)
_MARKED_DECISION = re.compile(
    rf"(?:(?:^|(?<=\s)){_HEADING_MARK}\s*|(?i:\bdecision\s*[:\-\u2013]\s*)){_DECISION_PHRASE}"
)
_ANY_DECISION = re.compile(rf"(?i)(?<![A-Za-z])(?P<phrase>{_DECISION_WORDS})(?![A-Za-z])")
# "This request is approved.", "The MRI is not approved at this time.": the decision of the care itself, as a
# sentence of its own (in the real letters' rationales, the words come only of a drug's licence, "not approved in
# another form", which this does not read)
_CARE_DECIDED = re.compile(
    r"(?i)^(?:this|the) (?:[\w/%-]+ ){0,8}?(?:is|are) "
    r"(?P<phrase>not approved|approved|not certified|non-?certified|certified|not authori[sz]ed|authori[sz]ed|denied)"
    r"(?: (?:at this time|as requested|as written))?\s*[.!]?\s*$"
)
# a decision of another time or request ("was upheld at IMR in 2015", "non-certified by UR on 11/17/2016"): history,
# never a contradiction of this one (still never the reason)
_HISTORY_WORDS = (
    r"\b(?:prior|previous(?:ly)?|earlier|past|last year|by (?:the )?(?:UR|utilization review|claims administrator)|"
    r"in (?:19|20)\d\d)\b"
)
_SLASH_DATE = r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"
_OTHER_DECISION = re.compile(rf"(?i){_HISTORY_WORDS}|{_SLASH_DATE}")
# a short unit with no verb: a heading, a form's field, a stamp ("[Approved]", "Medically Necessary: No") before
# the reviewer's next sentence; it is split off (`sentence_spans`) and never quoted
_OPENER = (
    r"(?:The|In|This|There|However|Therefore|Given|Based|According|Per|Regarding|Although|Since|Because|Thus|"
    r"Additionally|Furthermore|Moreover)"
)
_FRAGMENT_HEAD = re.compile(rf"^\s*(?P<frag>(?:\S+\s+){{0,9}}?\S+?)\s+(?P<mark>[^\w\s]{{0,3}})(?={_OPENER}\b)")
_VERB_WORDS = (
    "is", "are", "was", "were", "has", "have", "had", "be", "been", "being", "does", "do", "did", "can", "could",
    "would", "should", "will", "may", "might", "must", "shall", "state", "states", "note", "notes", "recommend",
    "recommends", "support", "supports", "show", "shows", "indicate", "indicates", "document", "documents",
    "report", "reports", "include", "includes", "require", "requires", "appear", "appears", "remain", "remains",
    "continue", "continues", "underwent", "received", "reveal", "reveals", "revealed",
)  # fmt: skip
_VERB = re.compile(r"(?i)\b(?:" + "|".join(_VERB_WORDS) + r")\b")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_LOOKALIKE = str.maketrans(
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456",
    "ABEKMHOPCTXaeopcyxi",
)
_SPACED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z] ){3,}[A-Za-z](?![A-Za-z])")
_DIGIT_IN_WORD = re.compile(r"(?<=[A-Za-z])[10](?=[A-Za-z])")
_BROKEN_WORD = re.compile(r"^(\W*)([A-Za-z]{2,10}) ([A-Za-z]{2,10})\b")
_WORDS_WHOLE = re.compile(r"(?i)(?:dis)?approved|(?:non)?certified|authori[sz]ed|denied|rejected|overturned|upheld")
_OBSCURED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z] ){3}|[A-Za-z][10][A-Za-z]")  # spaced letters, a digit for a letter


def _decision_text(text: str) -> str:
    """`text` as decision words are looked for in it: compatibility forms folded (full-width letters, ligatures),
    zero-width characters dropped, Cyrillic look-alikes read as Latin, spaced letters joined ("A P P R O V E D"),
    a digit inside a word read as the letter it stands for ("Den1ed")."""
    folded = (
        text if text.isascii() else unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).translate(_LOOKALIKE)
    )
    joined = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), folded)
    # a decision word broken by one space at the start ("Appr oved": a zero-width character read as a space)
    joined = _BROKEN_WORD.sub(
        lambda m: (
            m.group(1) + m.group(2) + m.group(3) if _WORDS_WHOLE.fullmatch(m.group(2) + m.group(3)) else m.group(0)
        ),
        joined,
    )
    return _DIGIT_IN_WORD.sub(lambda m: "i" if m.group(0) == "1" else "o", joined)


def _may_be_fragment(text: str) -> bool:
    """A cheap look before the pattern: a unit split off is one that may hold a decision (a decision word near the
    start, or letters that may hide one); any other is left to the sentence's own end."""
    head = text[:120]
    lowered = head.lower()
    squeezed = lowered[:24].replace(" ", "")
    return (
        any(key in lowered or key in squeezed for key in _DECISION_KEYS)
        or not head.isascii()
        or _OBSCURED.search(head) is not None
    )


def fragment_end(text: str) -> int | None:
    """The end of a short unit with no verb at the start of `text`, when the reviewer's next sentence follows it
    ("Authorized The request for ..."), else None. None of the real letters' 415 rationales has one."""
    if not _may_be_fragment(text):
        return None
    m = _FRAGMENT_HEAD.match(text[:200])
    if m is None or _VERB.search(m.group("frag")) or re.search(r"[,;:.!?][\"')\]]*$", m.group("frag")):
        return None  # a sentence that ends as one is split where it ends
    return m.end() if m.group("mark") else m.end("frag")  # a mark before the next sentence goes with the unit


def _is_fragment(text: str) -> bool:
    """A heading, a form's field or a stamp, not a sentence: no verb, and short (at most 4 words when it ends
    as a sentence does: "Approved.", "Medically necessary? No."; "He denied numbness." is a sentence)."""
    words = text.split()
    ended = text.rstrip().endswith((".", "!"))
    return 0 < len(words) <= (4 if ended else 10) and not _VERB.search(text) and not text.rstrip().endswith((",", ";"))


_DECISION_KEYS = (
    "approv", "certif", "denied", "necessar", "overturn", "upheld", "uphold", "authori", "reject", "aprobad",
    "denegad", "autorizad",
)  # fmt: skip


def may_open_with_decision(text: str) -> bool:
    """A cheap test before the patterns: a decision phrase's word within a line's length of the start."""
    head = text[:120].lower()
    return any(key in head for key in _DECISION_KEYS)


@lru_cache(maxsize=4096)  # one sentence is asked of by the reason finder, the item's checks and the summary
def _said(sentence: str) -> re.Match[str] | None:
    lowered = sentence.lower()
    squeezed = lowered[:24].replace(" ", "")  # "Appr oved": a word broken by a space at the start
    if (
        not any(key in lowered or key in squeezed for key in _DECISION_KEYS)
        and sentence.isascii()
        and not _OBSCURED.search(sentence)
    ):
        return None  # the common case, at once: plain letters with no decision word in them
    text = _decision_text(sentence)
    lowered = text.lower()
    if not any(key in lowered for key in _DECISION_KEYS):
        return None
    marked = "decision" in lowered or any(mark in text for mark in ("#", "*", "_", ">"))
    return (
        (DECISION_LINE.match(text) if may_open_with_decision(text) else None)
        or (_MARKED_DECISION.search(text) if marked else None)
        or _CARE_DECIDED.match(text.strip())
        or (_ANY_DECISION.search(text) if _is_fragment(text) else None)
    )


# a form's boxes: "[X] Denied [ ] Approved": the ticked one is the decision, an empty one none
_TICKED = re.compile(rf"\[\s*[xX\u2713\u2714]\s*\]\s*(?P<phrase>{_DECISION_WORDS})(?![A-Za-z])", re.I)
_UNTICKED = re.compile(rf"\[\s*\]\s*(?:{_DECISION_WORDS})(?![A-Za-z])", re.I)


def _ticked(sentence: str) -> bool | None:
    """The decision of a form's ticked box in a short unit with no verb ("[X] Denied [ ] Approved."), else None."""
    if "[" not in sentence or len(sentence.split()) > 12 or _VERB.search(sentence):
        return None
    text = _decision_text(sentence)
    ways = {_positive(m.group("phrase"), text) for m in _TICKED.finditer(text)}
    return ways.pop() if len(ways) == 1 else None


def decision_said(sentence: str) -> bool | None:
    """Whether a sentence holds a decision said as a heading, a form or a stamp says it, or as the care's own
    decision ("This request is approved."): True for an approval ("Approved", "Decision: Overturned",
    "[Authorized]"), False for a denial ("# Not approved", "Upheld", "Medically Necessary: No"), None for none,
    and None for a decision of another time or request ("non-certified by UR on 11/17/2016"). Such a unit is
    never the reviewer's reason, and it is never glued to the sentence after it."""
    if _OTHER_DECISION.search(sentence):
        return None
    ticked = _ticked(sentence)
    if ticked is not None:
        return ticked
    m = _said(sentence)
    return None if m is None else _positive(m.group("phrase"), sentence)


def _positive(phrase: str, sentence: str) -> bool:
    """Whether a decision phrase read in `sentence` approves: "Approved", "Overturned", "Medically necessary" do;
    "Not approved", "Denied", "Upheld", "Medically Necessary: No" do not."""
    phrase = " ".join(phrase.lower().split())
    # "Medically Necessary: No", "necessary? No.": the "No" right after this phrase, never another field's
    # ("Decision: Approved; Modified: No." approves)
    said = r"\s+".join(map(re.escape, phrase.split()))
    no = re.search(rf"(?i){said}\W{{0,3}}[:?]\s*no\b", sentence) is not None
    negative = phrase.startswith(("not", "non", "no ", "dis")) or phrase in ("denied", "upheld", "uphold", "rejected")
    return not (negative or phrase.startswith("denegad") or no)


# a decision struck through: "~~Denied~~", "<s>Denied</s>", "<del>Not medically necessary</del>"
_STRUCK = re.compile(r"~~[^~]{1,60}~~|<(s|del|strike)>[^<]{1,60}</\1>", re.I)
# history in words ("prior", "by UR"): a stamp's own date ("Approved 12/30/2016") is no sign of another decision
_OTHER_DECISION_WORDS = re.compile(rf"(?i){_HISTORY_WORDS}")


def said_both_ways(sentence: str) -> bool:
    """A unit that says a decision both ways ("~~Denied~~ Approved", "[Approved] [Denied]", "~~Not medically
    necessary~~ Medically necessary", dated or not: a stamp struck through and stamped again, two forms' fields
    run together): which one is this item's cannot be told from it, whatever the heading says. Only a unit read as
    a decision, or one with a decision struck through; a sentence of history in words is never one."""
    if _OTHER_DECISION_WORDS.search(sentence):
        return False
    struck = _STRUCK.search(sentence) is not None and any(key in sentence.lower() for key in _DECISION_KEYS)
    if not struck and _said(_OTHER_DATE.sub("", sentence)) is None:
        return False
    text = _UNTICKED.sub(" ", _decision_text(sentence))  # an empty box says nothing
    return len({_positive(m.group("phrase"), text) for m in _ANY_DECISION.finditer(text)}) > 1


def is_stamp(unit: str) -> bool:
    """A stamp or a form's boxes, not a heading line: a decision struck through, a ticked box, or both ways said."""
    struck = _STRUCK.search(unit) is not None and any(key in unit.lower() for key in _DECISION_KEYS)
    return struck or _ticked(unit) is not None or said_both_ways(unit)


_OTHER_DATE = re.compile(rf"\s*{_SLASH_DATE}")


def holds_decision(sentence: str) -> bool:
    """A decision word, or a decision said as a heading, a form, a stamp or the care's own decision (of this
    request or another): never quoted or restated as a reason."""
    return DECISION_WORD.search(sentence) is not None or _said(sentence) is not None or _ticked(sentence) is not None


def other_decision(sentence: str) -> bool:
    """A decision word about another time or request ("was upheld at IMR in 2015"): history, not a contradiction."""
    return _OTHER_DECISION.search(sentence) is not None


# "The guidelines allow up to 10 visits for this patient's diagnosis": the guideline applied to this worker's
# condition, not the guideline's general rule
FOR_THIS_CONDITION = _rx(
    r"\bfor (?:the|this) (?:claimant|patient|applicant|injured worker|worker|employee)'s "
    r"(?:condition|diagnosis|injury)\b"
)
# "While the guideline notes X, here, however, the provider failed to ..."
_APPLIES_INSIDE = _rx(
    r"\b(?:here,? however|, here,|in this (?:case|instance|situation)|however, here)\b|"
    # "the 6 more sessions asked for ... is in excess of the guidelines": the request measured
    r"\b(?:the|this) (?:\w+ ){0,2}?request(?:ed)?\b[^.;]{0,80}?\b(?:exceeds?|exceeded|(?:is|are|would be) in excess of)"
    r" (?:the )?(?:guidelines?|recommend)|"
    r"\b(?:which|that) (?:was|were|is|are|has|have)(?: not| been)* (?:described|documented|noted|shown|provided|"
    r"present|met)(?: here)?\b|\bhere\.?$|" + FOR_THIS_CONDITION.pattern
)
# for an upheld item, a sentence saying the treatment helped is a concession, not the reason
_BENEFIT_SHOWN = _rx(
    r"\b(?:showed|reported|with|has had) (?:some )?(?:benefit|improvement)\b|\b(?:has|have|had) improved with\b"
)
# an approval's reason in the reviewer's words for "this worker fits the guideline": "That use was within the
# guideline", "it matches the trial quantity exactly", "Both are met here", "He reports about 40% relief"
_MEETS_GUIDELINE = _rx(
    r"\b(?:within|consistent with|in keeping with|in line with|matches|meets|satisfies|fulfills)\b[^.;]{0,30}?"
    r"\b(?:the )?(?:guidelines?|guideline's|criteria|recommendations?|trial (?:quantity|amount|number))\b|"
    r"\b(?:criteria|both|all|each) (?:are|is|were|was|have been) (?:met|satisfied|documented)\b|"
    r"\breports? (?:about |approximately |roughly |nearly |over |more than )?\d+ ?% (?:relief|improvement|reduction)\b|"
    r"\b(?:concrete|measurable|objective|documented) (?:gains? in|improvement in) function\b"
)
_CASE_REF = _rx(
    r"\b(?:patient|injured worker|applicant|claimant|worker|employee|iw|individual|he|she|his|her|provider|physician|"
    r"documentation|records?|submitted|request(?:ed)?|this case|here)\b"
)
# what a record or a provider does, or fails to do, with a finding
_SHOW_VERB = (
    r"(?:provide|note|document|specify|include|detail|report|reveal|address|mention|describe|show|indicate|"
    r"establish|demonstrate|have|meet|support|discuss|identify|contain|reflect|substantiate|explain|outline)"
)
# a statement that something was, or was not, shown for this worker
_NOT_SHOWN = _rx(
    r"\b(?:lack of|lacks|lacking|absence of|no (?:clear |objective |significant |documented |further |recent |"
    r"specific |current |detailed |exceptional |extenuating |noted |firm |definitive |convincing |sufficient |"
    r"adequate |reliable |compelling |substantial |concrete |explicit |formal |updated |new |additional )*"
    r"(?:documentation|documented|evidence|indication|"
    r"mention|discussion|rationale|reason|findings?|history|factors|noted|report|description|describing|need|"
    r"endpoint|indication)|nothing specific|not (?:been )?(?:documented|provided|noted|included|specified|submitted|"
    r"addressed|established|apparent|clear|detailed|diagnosed|evident|reported|shown|demonstrated|met|described|"
    r"close|able|intolerant)|"
    # one set of verbs whatever the tense or person: "the record does not provide", "the notes do not include"
    rf"(?:did|does|do) not (?:{_SHOW_VERB} or )?{_SHOW_VERB}|"
    r"fail(?:s|ed)? to|(?:has|have) not yet (?:had|tried|undergone|completed)|"
    r"unclear|undermined|without (?:any )?(?:objective |documented )?(?:documentation|evidence|improvement)|"
    r"\bno (?:[\w-]+ ){0,8}?(?:was|were|has been|have been) (?:submitted|provided|documented|described|found|noted|"
    r"identified|reported|seen|present|evident)|"
    r"\bshows? no\b|\bthere no\b|"  # "there no proposed program": the letter's "there is no" with its verb lost
    # too soon: "MRI is being requested only 1 week since injury"
    r"only (?:\d+|one|two|three|four|a few) (?:days?|weeks?|months?) (?:since|after|from|post)|too (?:early|soon)|"
    r"made no mention|would (?:not be|exceed)|exceed(?:s|ing|ed)?|excessive|redundant|is not supported|"
    r"are not supported|not supported|contingent upon|is due to|is at odds|"
    # care the guideline wants first, not done: "Repeat x-rays were not performed", "no trial has been attempted"
    r"(?:was|were|has|have|had) not (?:been |yet been )?(?:performed|obtained|attempted|tried|repeated|completed)|"
    r"\bno (?:such |prior |previous )?(?:trial|attempt) (?:has|have|had) (?:taken place|occurred|been (?:done|made))|"
    r"\b(?:has|have|had) never (?:used|tried|had a trial|undergone|attempted)\b|"
    r"\bnone of (?:these|those|the|this|which)\b[^.;]{0,60}\b(?:appears?|(?:is|are|was|were) (?:documented|present|"
    r"found|noted|recorded|in the (?:file|records?|notes)))\b)"
)
_SHOWN = _rx(
    r"\b(?:has been (?:appropriately |objectively )?documented|there (?:is|was|has been) (?:objective |currently "
    r"objective |clear )?(?:documentation|evidence|indication|quantifiable)|(?:is|are|was|were) documented|"
    r"documented (?:evidence|improvement|benefit)|remains? symptomatic|with (?:improvement|benefit)|reported benefit|"
    r"showed benefit|(?:is|was|are|were|would appear to be) (?:supported|indicated|reasonable|compatible|appropriate|"
    r"warranted)|revealed|noted|meets?|has had|have had|in light of|given (?:the|that)|recently|reasonable|"
    r"no reason to doubt|experienced|first-time|shows|showed|demonstrates|demonstrated|confirms|confirmed)"
)
_GUIDELINE = _rx(
    r"^(?:(?:however|additionally|in addition|moreover|furthermore|further|also|more specifically),? )?"
    r"(?:per |according to |as (?:noted|stated|per) |regarding [^,]{1,60}, |in regard to [^,]{1,60}, )?"
    r"(?:the )?(?:current )?(?:california |ca[- ]|cal )?(?:mtus|acoem|odg|official disability|guidelines?|medicare|"
    r"cms|evidence|literature|studies|the (?:guidelines?|mtus)|national|american|physical medicine)"
)
_GUIDELINE_VERB = _rx(
    r"\b(?:guidelines?|mtus|acoem|odg)\b[^.]{0,40}?\b(?:states?|stat|indicates?|recommends?|notes?|supports?|refers?|"
    r"specif(?:y|ies)|allows?|advises?|quantifies|discusses|relies|limit|encourage)\b"
)
# a guideline's table entry or a list's heading: "Gout of the foot: There is no evidence ...",
# "Indications for EEG: ...", "His diagnoses include: ..."; a reviewer applies the rules in sentences, not entries
LABEL_ENTRY = re.compile(
    r"^(?!(?:[\w,/'()-]+ ){0,8}?(?:is|are|was|were|be|been|do|does|did|has|have|had|not|no|show|shows|document|"
    r"documents|indicate|indicates|notes?|states?)\b)"
    r"(?!(?i:note|notably|importantly|(?:in )?conclusion|(?:in )?summary|rationale|comment|impression|assessment|"
    r"findings|discussion|decision|reason)\b)"
    r"[A-Z][\w,/'()-]*(?: [\w,/'()-]+){0,7}: +\S"
)
_GENERIC_RULE = _rx(
    r"\b(?:is|are) (?:not )?(?:recommended|indicated|supported|considered|useful|warranted) (?:for|as|in|when|if|until|"
    r"only|to|after|on)\b|\bmay be (?:recommended|indicated|considered|appropriate|useful)\b|\bshould (?:be|not)\b"
)
_HISTORY = _rx(
    r"\b(?:complain(?:s|ed)? of|complaints? of|presented with|presents with|chief complaint|treatment plan|"
    r"was noted to have|year[- ]old|was prescribed|underwent|was seen|was recovering|was instructed|"
    r"is expected to|fainted|was authorized a one month)\b"
)
_CONCLUSION = _rx(
    r"\b(?:medically (?:necessary|appropriate|reasonable|indicated)|not medically|(?:is|was|would be) not supported|"
    r"would not be (?:supported|warranted|indicated|necessary|appropriate)|"
    r"(?:is|was) not (?:necessary|supported|warranted|indicated)|(?:is|was) (?:supported|necessary)|"
    r"request (?:is|was) (?:not )?(?:supported|necessary)|"
    r"medical necessity (?:(?:of|for) [^.;]{0,80}? )?(?:is|was|has|have|had) not (?:been )?"
    r"(?:established|demonstrated)|"
    r"reversing the (?:prior|previous)|do not support imaging)"
)
_THEREFORE = _rx(
    r"^(?:therefore|thus|hence|so|as such|consequently|accordingly|in conclusion|in light of (?:the|these) "
    r"(?:above|issues|findings)|given the above|based on the above|for (?:this|these) reasons?|under (?:these|the) "
    r"circumstances|in this situation|at present|as per|based on (?:the|this) (?:information|clinical information|"
    r"records provided|above)|(?:no|yes),)\b"
)
_VERDICT_ONLY = _rx(
    r"^(?:(?:therefore|thus|as such|consequently|accordingly|hence|given the above|based on the above),? )?"
    r"(?:the |this )?(?:(?:current |first-time |remaining )?request(?:ed)?(?: service)?(?: for [^;]{0,250}?)?|"
    r"[^,;]{0,40}?) (?:is|was|are|were|would be) (?:(?:considered|determined|deemed|seen as|found) (?:to )?"
    r"(?:not )?(?:be )?)?(?:not )?(?:medically )?(?:necessary|appropriate|supported|reasonable|indicated)"
    r"(?:,? (?:and |or )?(?:medically )?(?:necessary|appropriate|indicated))*"
    r"(?: (?:at this time|here|per the [^.]{0,80}|based on [^.]{0,80}))?[.!]?$"
)
# "As the requested surgical intervention is not medically necessary, the ancillary service is not"
# a service not approved: "is not medically necessary", "has been deemed non-certified", "has not been found medically
# necessary"
_NOT_APPROVED = (
    r"(?:(?:is|was|has been|were|have been) (?:(?:determined|deemed|found|considered) (?:to be )?)?"
    r"(?:not (?:medically necessary|certified|approved|authorized)|non-?certified|denied)|"
    r"(?:is|was|were|has|have) not (?:been )?(?:(?:determined|deemed|found|considered) (?:to be )?)?"
    r"(?:medically necessary|certified|approved|authorized))"
)
_LINKED = _rx(
    r"\b(?:as|since|because|given(?: that)?) (?:the )?(?P<svc>(?:requested |primary |associated |proposed )?"
    r"[a-z0-9 /'-]{2,60}?) " + _NOT_APPROVED
)
# the same tie said the other way round: "The primary surgical procedure was not certified, so there is no indication
# for post-operative rehabilitation"
_LINKED_SO = _rx(
    r"^(?:the )?(?P<svc>(?:requested |primary |associated |proposed )?[a-z0-9 /'-]{2,60}?) "
    + _NOT_APPROVED
    + r"[,;]? (?:and )?(?:so|therefore|thus|hence)\b"
)
_LINKED_OTHER = _rx(
    r"\b(?:ancillary|associated surgical|post-?operative|pre-?operative|undergoing surgical intervention|"
    r"except after surgery)\b"
)


# -- what is it about ----------------------------------------------------------------------

_TOPIC_CUES: tuple[tuple[Topic, float, re.Pattern[str]], ...] = (
    (
        "linked_service",
        4.0,
        _lowered_rx(
            r"\bancillary\b|\bassociated surgical\b|requested surgical (?:intervention|procedure)|"
            r"(?:surgery|arthroscopy|procedure|operation) (?:has been|was|is) (?:authorized|approved|certified)"
        ),
    ),
    (
        "request_details",
        3.0,
        _lowered_rx(
            r"\b(?:did not|does not|failed to|not|no) (?:clearly )?(?:specify|specified|state|stated|indicate)"
            r"[^.]{0,40}?\b(?:quantity|amount|number|frequency|duration|dose|dosage|location|body part|rental|"
            r"purchase|length|sessions|treatments|how many|type)|\bunspecified (?:quantity|number|rental|duration|"
            r"frequency|type|period|specialist|treatment)|unclear (?:of )?(?:what|which) (?:body part|area|region)|"
            r"no endpoint|rental or purchase|purchase or rental|short and long[- ]term goals|treatment plan with|"
            r"(?:not|no) (?:a )?specific (?:quantity|duration)"
        ),
    ),
    (
        "safety_monitoring",
        3.0,
        _lowered_rx(
            r"urine drug|drug (?:screen|test)|\bcures\b|aberrant|misuse|\babuse\b|addiction|dependen(?:ce|cy)|"
            r"side effects|adverse|contraindicat|opioid (?:agreement|contract)|risk (?:for|of) (?:abuse|misuse|"
            r"addiction|overdose|dependence)|\bmonitor(?:ed|ing)\b|sedation|overdose"
        ),
    ),
    (
        "functional_improvement",
        2.5,
        _lowered_rx(
            r"functional (?:improvement|benefit|gains?|response)|improvement in function|increase in function|"
            r"objective (?:response|improvement|benefit|gains)|\befficacy\b|pain relief|decrease in pain|"
            r"reduction in pain|with (?:improvement|benefit)|showed benefit|reported benefit|(?:therapy|treatment) "
            r"outcome|response to (?:the )?(?:prior|previous)|\bvas\b|documented improvement|"
            r"without (?:objective )?(?:documentation of )?(?:functional )?improvement|outcomes? from prior|"
            r"benefit from (?:previous|prior)|improvement with|decrease in pain medication|medication efficacy|"
            r"(?:clinical|measurable) (?:change|gains)|sessions (?:completed|attended) (?:to date|so far)|"
            r"gain in function|improvement in (?:function|work status|pain)|reduction of pain|pain (?:scores?|level) "
            r"(?:from|of) \d"
        ),
    ),
    (
        "conservative_care",
        2.5,
        _lowered_rx(
            r"conservative (?:care|treatment|therapy|measures|management)|first[- ]line|tried and failed|"
            r"trial and failure|trail and failure|trialed and failed|(?:failed|failure of) (?:to improve with )?"
            r"(?:conservative|physical therapy|oral|first|antidepressants|anticonvulsants|exercise|home exercise|"
            r"an exhaustive)|intolerant (?:to|of) (?:oral|medication)|(?:unable|inability) to (?:use|tolerate|swallow)|"
            r"able to swallow|versus oral|tolerate similar medication|(?:intolerance|reduction) (?:or intolerance )?"
            r"to medications|home (?:exercise )?plan|remains? symptomatic|has not responded|prior therapy|exhausted|"
            r"has yet to be completed|(?:ongoing|recent|further) conservative|"
            r"despite (?:\w+ ){0,8}?(?:rest|medications?|"
            r"therapy|treatment|care|injections?|exercises?)\b|not tolerated|(?:stomach upset|side effects?) with|"
            r"has not (?:yet )?had (?:any )?(?:physical |occupational )?therapy"
        ),
    ),
    (
        "guideline_amount",
        2.5,
        _lowered_rx(
            r"\bexceed(?:s|ing|ed)?\b|in excess of|\bexcessive\b|limit(?:s)? the use|beyond (?:the )?(?:recommended|"
            r"guideline)|(?:allow|recommend)s? (?:for )?(?:up to )?\d+ (?:visits|sessions)|\d+ (?:visits|sessions) "
            r"(?:over|for)|additional (?:\d+ |two |four |six |eight |ten |twelve )?(?:sessions|visits)|"
            r"already (?:been )?"
            r"authorized (?:the patient with )?(?:an )?(?:initial|\d+)|previously authorized \d+|short[- ]term use|"
            r"(?:on|using|utilized) (?:this|the) medication since|ongoing usage|longer than|recommended number|"
            r"initial trial|(?:at least |attended )?\d+ (?:previous |prior )?sessions|duration of (?:this|the) request|"
            r"(?:falls?|fits?|is|are) within (?:the )?(?:guidelines?|recommended|range)|(?:visits|sessions) have "
            r"already been (?:completed|authorized|provided)"
        ),
    ),
    (
        "clinical_findings",
        2.0,
        _lowered_rx(
            r"neurolog\w* (?:deficits?|dysfunction|findings|abnormalit\w*|compromise|exam)|objective findings|"
            r"red flags?|mental status|seizures?|\bexam(?:ination)? (?:findings|did not|revealed)|"
            r"physical examination did not|imaging (?:studies )?(?:demonstrating|showing)|radiculopathy|"
            r"diagnos(?:ed|is) (?:with|of)|has not been diagnosed|instability|motor strength|candidate for surgery|"
            r"gastrointestinal|peptic ulcer|\bgi\b|risk (?:factors?|of gastrointestinal)|high risk of|derangement|"
            r"fracture|trauma|night ?time pain|pain affecting activities|paresthesias|wound|hospitali[sz]ation|"
            r"neurologic dysfunction|nerve (?:compromise|impairment)|deficits in sensation|(?:clinical|subjective) "
            r"complaints of|clinical findings|osteoarthritis|neuropathic|findings? (?:consistent|indicative)|"
            r"medical (?:need|necessity) for (?:the|this)|nerve root|compression|weakness|stiffness|impingement|"
            r"(?:positive|negative) [\w-]+ (?:sign|test)|(?:no|without) [\w-]+ (?:complaints?|findings?)|"
            r"(?:complaint|finding)s? (?:was|were) (?:described|documented|noted)|asymptomatic|symptoms were|flare|"
            r"(?:mri|x-?rays?|imaging|study|studies|scan) (?:described|shows?|showed|revealed|reveals?)|"
            r"electrodiagnostic (?:study|testing) was|tear is suspected|suspected"
        ),
    ),
    (
        "indication",
        3.0,
        _lowered_rx(
            r"not recommended|do(?:es)? not (?:recommend|support)|(?:guidelines?|mtus|odg) (?:specifically )?do not|"
            r"experimental|insufficient (?:studies|evidence|literature)|contains? (?:at least )?(?:1|one|a) drug|"
            r"any (?:compounded|combination) (?:product|medication)|not supported for|given that the requested "
            r"service (?:is|contains)|not (?:approved|indicated) for (?:topical|oral)|recommended only|only in the "
            r"form of|(?:is|are) not indicated"
        ),
    ),
    (
        "indication",
        1.0,
        _lowered_rx(
            r"adjunct|acute phase|acute (?:basis|injuries)|beyond the acute|return to work|maximal medical "
            r"improvement|maximum medical improvement|work hardening|exceptional factors|extenuating factors|"
            r"\brecommended\b|is indicated|was indicated|supported by guidelines|guidelines? (?:support|recommend|"
            r"indicate)|usage is not supported|early (?:stage|phase)|first-time|rehabilitation program|"
            r"only (?:while|together with|when|after|for)|together with"
        ),
    ),
    (
        "other",
        2.0,
        _lowered_rx(
            r"\brational(?:e)? (?:for|as to why)[^.]{0,80}?(?:not (?:provided|apparent|documented)|was not)|"
            r"did not (?:provide|note) a rationale|no (?:clear )?rationale (?:for|as to)|redundant|duplicat(?:e|ive)|"
            r"(?:no|not|lack of)\b[^.]{0,30}\b(?:reason|rationale|explanation) (?:for|why|as to why|an additional)"
        ),
    ),
)


@dataclass(frozen=True)
class ReasonSentence:
    start: int  # offsets into the rationale
    end: int
    score: float
    topics: tuple[Topic, ...]

    def text(self, rationale: str) -> str:
        return rationale[self.start : self.end]


@dataclass
class ReasonFinding:
    """The reason for one item's decision, as found in its rationale."""

    topic: Topic | None
    topics: list[Topic] = field(default_factory=list)
    sentences: list[ReasonSentence] = field(default_factory=list)
    linked_service: str | None = None  # the other service the item depends on, as the letter names it
    confident: bool = False


_LEADING_CITATION = re.compile(r"\([^()]{1,80}\)(?= +[A-Z])")


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """[start, end) of each sentence of `text`, abbreviations ("i.e.") not ending one. A run longer than
    `MAX_SENTENCE` characters without a sentence end is cut there (real sentences stay under 800)."""
    yield from _spans(text)


@lru_cache(maxsize=256)  # one rationale is split by the reason finder, the item's checks and the summary
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(_split(text))


def forget_sentences() -> None:
    """Start a letter afresh: the splits and decision readings remembered are one letter's only (so a benchmark
    that parses the same letters again measures the work, not a memory of it)."""
    _spans.cache_clear()
    _said.cache_clear()


def _split(text: str) -> Iterator[tuple[int, int]]:
    at = 0
    n = len(text)
    for _ in range(_MAX_SCANNED):
        while at < n and text[at] == " ":
            at += 1
        if at >= n:
            return
        window = text[at : at + MAX_SENTENCE]
        cited = _LEADING_CITATION.match(window) or (
            DECISION_LINE.match(window) if may_open_with_decision(window) else None
        )
        # "... may be habit forming. (Smith, 2009) In this worker's case, there is no ...": the citation
        # closes the sentence before it, and the reviewer's own sentence starts after it; so does a decision
        # said as a heading ("# Not approved In this case, ..."), and any short unit with no verb ("[Authorized]")
        short = None if cited else fragment_end(window)
        end = at + (cited.end() if cited else short if short is not None else first_sentence_end(window))
        yield at, end
        at = end


_NEGATION = _rx(
    r"\b(?:not|no|lack|lacks|lacking|without|never|none|neither|nor|cannot|unclear|exceeds?|exceeded|excess(?:ive)?|"
    r"insufficient|only|absence|failed|redundant)\b|n't\b"
)


def agrees(sentence: str | Scan, decision: str | None) -> bool:
    """Whether a sentence can carry the decision's polarity: a denial's reason says something is
    missing, not recommended or too much; an approval's reason does not only list what is missing."""
    sc = _scan(sentence)
    if decision == "upheld":
        return bool(sc.search(_NOT_SHOWN) or sc.search(_NEGATION))
    if decision == "overturned":
        return not (sc.search(_NOT_SHOWN) and not sc.search(_SHOWN))
    return False


def classify_sentence(sentence: str | Scan) -> list[Topic]:
    """The topics a sentence is about, strongest cue first."""
    return [t for t, _ in _topics(_scan(sentence))]


def _topics(sc: Scan) -> list[tuple[Topic, float]]:
    found: dict[Topic, float] = {}
    for topic, weight, pattern in _TOPIC_CUES:
        hits = sc.count_lowered(pattern)
        if hits:
            found[topic] = found.get(topic, 0.0) + weight * min(hits, 2)
    return sorted(found.items(), key=lambda kv: -kv[1])


def _has_topic(sc: Scan) -> bool:
    return any(sc.search_lowered(pattern) for _, _, pattern in _TOPIC_CUES)


_GIVEN_THAT = re.compile(r"^given that\b", re.I)
# "The records sent for review fall short of the evidence based criteria for this
# service.": the verdict again, naming no criterion
_UNMET_CRITERIA = _rx(
    r"^(?:[\w ,-]{0,80}?\b)?(?:fails?|failed|does not|did not|do not) (?:to )?meet (?:the )?(?:evidence[- ]based )?"
    r"(?:(?:mtus|odg|acoem|ca mtus) )?(?:guidelines?'?|guideline's) (?:criteria|recommendations?|requirements?)"
    r"(?: (?:for|of) (?:the |this )?(?:requested |current )?(?:service|request|treatment|procedure|test|study|item)s?)?"
    r"(?: at this time)?\.?$|"
    # "Medical necessity for this scan is not established.": the verdict in other words
    r"^(?:(?:therefore|thus|hence|as such|consequently|accordingly),? )?medical necessity"
    r"(?: (?:for|of) [^,;]{1,150}?)? (?:is|has|was|has been) not(?: been| yet been)? "
    r"(?:established|demonstrated|met)(?: at this time)?\.?$"
)


def _is_bare_conclusion(sc: Scan, request: str) -> bool:
    """A verdict with no reason in it ("Therefore, the request is not medically necessary.")."""
    if sc.search(_UNMET_CRITERIA):
        return True
    if not sc.search(_CONCLUSION) or sc.search(_LINKED) or sc.match(_LINKED_SO) or sc.search(TOO_LONG):
        return False
    sentence = sc.text
    cause = _CAUSE_FIRST.match(sentence)
    if cause is not None and not lack_names_nothing(cause.group("x")) and _NOT_SHOWN.search(cause.group("x")):
        return False  # "Because the required monitoring has not been documented, continuation is not supported."
    rest = sentence.replace(request, " ") if request else sentence
    if _VERDICT_ONLY.match(rest.strip()):
        return True
    if sc.match(_THEREFORE) and not sc.match(_GIVEN_THAT):
        return True
    m = _GENERIC_LACK.match(rest.strip())
    if m and lack_names_nothing(m.group("x")):
        # "Without more reason for a scan, the request for this MRI cannot be considered medically
        # necessary": a lack that names nothing, then the verdict on the request
        asked = set(re.findall(r"[a-z]+", request.lower()))
        verdict = _REQUEST_NAMED.sub("request", m.group("rest").lower())
        named = {w for w in re.findall(r"[a-z]{4,}", verdict) if w not in _VERDICT_WORDS | asked}
        return len(named) <= 2
    words = [w for w in re.findall(r"[A-Za-z]+", rest) if len(w) > 3]
    return len(words) <= 7


def names_nothing(sentence: str) -> bool:
    """A verdict that opens with a lack naming nothing: "Without further indication for imaging, ..."."""
    m = _GENERIC_LACK.match(" ".join(sentence.split()))
    return m is not None and lack_names_nothing(m.group("x"))


def lack_names_nothing(what: str) -> bool:
    """What a lack is of names nothing a new request could show: "such evidence", "further indication for
    imaging"."""
    return not set(re.findall(r"[a-z]+", what.lower())) - _LACK_WORDS


# a verdict after its cause ("Because the required monitoring has not been documented, continuation is not supported")
_CAUSE_FIRST = _rx(r"^(?:because|since|as|given that)\s+(?P<x>[^,;]{8,160}),\s*(?P<rest>.+)$")
# a lack that names nothing ("Without further indication for imaging,", "In the absence of such evidence,")
_GENERIC_LACK = _rx(r"^(?:absent|without|in the absence of|lacking)\s+(?P<x>[^,;]{2,80}),\s*(?P<rest>.+)$")
_LACK_WORDS = frozenset(
    """
    a an the this that these those such any further additional more clear clearer sufficient adequate appropriate
    indication indications documentation documented evidence support supporting rationale information clinical
    medical necessity for of to imaging testing treatment therapy surgery medication service procedure request
    it them above said findings finding
    """.split()  # noqa: SIM905
)
# "the present request for an upright MRI of the low back is": the request, however it is named
_REQUEST_NAMED = _rx(r"\brequest(?:ed)? for [^,;]{0,120}?(?= (?:is|was|are|were|cannot|can ?not|would|could)\b)")
_VERDICT_WORDS = frozenset(
    """
    request requested this that time current currently cannot considered deemed determined found medically
    necessary appropriate indicated supported guidelines guideline established warranted reasonable would
    therefore point present
    """.split()  # noqa: SIM905
)


# The guidelines rule the requested thing out (or, for an approval, in): a reason no record could change,
# so it comes first when the sentence is about this request (its name, its form, "the request").
_CATEGORICAL_NO = _rx(
    r"\b(?:guidelines?|mtus|odg|acoem)\b[^.]{0,60}?\b(?:do(?:es)? not|don't|did not) (?:specifically )?"
    r"(?:recommend|support)\b|\bnot (?:recommended|supported|indicated)\b[^.]{0,30}?\b(?:by (?:the )?(?:guidelines?|"
    r"mtus|odg|acoem)|for (?:topical|oral|long[- ]term|chronic|use|the treatment)|in (?:topical|oral) form|as a "
    r"(?:primary|first)|beyond)|\bits (?:usage|use) is not supported\b|\bgiven that the requested (?:service|"
    r"medication|item|treatment|product) (?:is|contains)\b|\b(?:is|are) [\"'\u201c]?not (?:recommended|supported)\b|"
    # "ODG lists shockwave therapy for the knee as ... not recommended for knee osteoarthritis"
    r"\b(?:lists?|listed|rates?|rated|classifies|classified)\b[^.]{0,80}?\bas\b[^.;]{0,60}?\bnot recommended for\b|"
    r"\bnot recommended for (?:the )?(?:[\w-]+ ){0,3}?(?:pain|osteoarthritis|arthritis|conditions?|disorders?|"
    r"\w+itis|\w+opathy|\w+algia)\b"
)
_CATEGORICAL_YES = _rx(r"\b(?:guidelines?|mtus|odg|acoem)\b[^.]{0,60}?\b(?:supports?|recommends?|allows?|indicates?)\b")
_THIS_CASE = _rx(
    r"\b(?:this (?:individual|patient|claimant|injured worker|applicant|case|request|medication|therapy|treatment)|"
    r"the (?:patient|claimant|injured worker|applicant|request(?:ed)?)|here|in this case|has experienced|"
    r"the requested)\b"
)
_TOPICAL_REQUEST = _rx(r"\b(?:cream|gel|ointment|lotion|patch|compound\w*|topical|spray|rub|solution)\b|\d\s?%")
_TOPICAL_SENTENCE = _rx(r"\b(?:topical\w*|cream|gel|ointment|lotion|patch)\b")
_COMPOUND_SENTENCE = _rx(r"\bcompound\w*|\bcombination (?:product|medication)")
_COMPOUND_REQUEST = _rx(r"\bcompound\w*|%[^%]+%|/[^/]*/|\bwith\b")
_GENERIC = frozenset(
    """with without times week weeks right left bilateral spine lumbar cervical thoracic request purchase rental
    sessions session visits visit unspecified quantity supply tablets tablet the and for of to therapy treatment
    treatments physical test testing evaluation""".split()  # noqa: SIM905
)
# the reviewer's reading of the findings, not a condition the records state ("consistent with nerve pain")
FINDINGS_READ = r"\b(?:consistent with|suggestive of|suggesting|compatible with)\b"
# a ban that names what records could show (probes 27-28), shared by the parser's conditional test and the summary's
# conditional next step: "not recommended without at least 6 weeks of failed therapy", "without a significant change
# in symptoms", "in the absence of X", "for patients who have not failed conservative care", "for patients without
# neurologic deficits"
LIFTED_BY_RECORDS = (
    r"\bwithout (?:at least|an? (?:significant |documented |clear |objective |new |neurologic )?(?:change|deficit|"
    r"trial|failure|course|period|progression|worsening))\b|\bin the absence of\b|"
    r"\bfor (?:patients|individuals|persons|people|workers|claimants|those|cases)\s+(?:who|that|with|without|lacking|"
    r"whose|in whom|not)\b"
)
# "not recommended as a primary treatment, but a one-month trial may be considered if ...": a condition, not a ban
_CONDITIONAL = _rx(
    r"\bbut\b[^.]{0,80}\b(?:may|can|could|should|would) be (?:considered|recommended|indicated|supported|"
    r"appropriate|used|tried)|\bunless\b|\buntil\b|\bexcept (?:for|when|in|after)\b|"
    # a ban that lifts when something is shown: "absent evidence of X", "without evidence of X", "if there is no X"
    r"\babsent\b|\black(?:s|ing)? (?:of )?(?:objective |clear |documented )?(?:evidence|documentation|signs?|"
    r"findings?)\b|" + LIFTED_BY_RECORDS + "|"
    r"\bwithout (?:(?:(?:objective|clear|documented|recorded|measurable|significant|any) ){0,3}(?:evidence|"
    r"documentation|signs?|findings?|(?:a )?trials?|failure|improvement|gains?|benefit|progress|response|relief)|"
    r"(?:\w+ )?functional improvement)\b|\bif (?:there (?:is|are|was|were) )?no\b|"
    # a ban on routine use ("Routine sedation is not supported"): given for a cause, which records may show
    r"^(?:the )?routine\b|\bnot (?:be )?routinely\b|\broutine use of\b|"
    r"\bis recommended (?:if|when|for|only)|"
    # a limit on how long or with what, which this worker's records decide: "not recommended for longer than 2-3
    # weeks", "adding a relaxant to other agents is not recommended"
    r"\b(?:longer|more) than \d|\bbeyond \d|\baddition of\b|\bin combination with\b|\bto other agents\b|"
    # an order of use, which this worker's records decide: "not recommended as first line" is a second choice
    # once the first has failed, not a ban
    r"\bas (?:a )?(?:first|1st)[- ]line\b|\bsecond[- ]line\b|"
    # a ban on care used alone ("not supported as a stand-alone treatment"): as part of a program, or after a trial,
    # it may be; not a ban on the care
    r"\bas (?:a |an )?(?:stand-?alone|isolated|sole|solitary)\b|\bin isolation\b|" + FINDINGS_READ
    # a condition the reviewer read from the findings ("leg pain with tingling, consistent with nerve pain, which the
    # drug is not recommended for"): a new request whose records read otherwise may change it
)
_CONCERN = _rx(
    r"\b(?:risks?|concerns?|however|but|no (?:review|evidence|documentation)|lack of|absence of|not been|"
    # a condition that weighs against care, granted and set aside in an approval ("The patient is obese and has
    # diabetes"): never why it was approved
    r"obes(?:e|ity)|diabet(?:es|ic)|smok(?:er|es|ing)|history of (?:substance|drug|alcohol|opioid)\w*|comorbid\w*)\b"
)


@lru_cache(maxsize=1024)
def _request_words(request: str) -> frozenset[str]:
    """The words that name a request, not its form or quantity (one request is asked about per sentence), and
    the class of a drug it names ("benzodiazepine" for "Diazepam (Valium) 5mg")."""
    words = {w for w in re.findall(r"[a-z]{4,}", request.lower()) if w not in _GENERIC}
    words.update(w for a in re.findall(r"[a-z]+", request.lower()) for w in _SPELLED_OUT.get(a, ()))
    table = drug_table()
    for hit in find_names(request):
        if hit.match == "exact":
            for name in hit.product.ingredients:
                ingredient = table.ingredients.get(name)
                if ingredient is not None and ingredient.drug_class in _BANNED_AS_A_CLASS:
                    words.add(ingredient.drug_class)
    return frozenset(words)


# a request's abbreviation as a rationale spells it out ("ESWT" asked, "shockwave therapy ... not recommended")
_SPELLED_OUT: dict[str, tuple[str, ...]] = {
    "eswt": ("shockwave", "shock wave"),
    "tens": ("transcutaneous",),
    "emg": ("electromyogra",),
    "ncv": ("nerve conduction",),
    "ncs": ("nerve conduction",),
    "esi": ("epidural",),
    "prp": ("platelet",),
    "fce": ("functional capacity",),
    "cbt": ("cognitive behavio",),
    "hep": ("home exercise",),
}


# classes the guidelines rule out by the class's name ("Benzodiazepines are not recommended for long-term use",
# "Barbiturate-containing analgesic agents are not recommended for chronic pain"). Not opioids, NSAIDs or muscle
# relaxants: their class sentences are general ("do not recommend opioids, in general, for chronic pain") and the
# reviewer's reason is what the records lacked (on the dev letters, a class word for opioids put such a general
# sentence first)
_BANNED_AS_A_CLASS = frozenset({"benzodiazepine", "barbiturate"})


@lru_cache(maxsize=256)
def _request_form(request: str) -> tuple[bool, bool]:
    """Whether a request is a compound, and whether it is topical."""
    return bool(_COMPOUND_REQUEST.search(request)), bool(_TOPICAL_REQUEST.search(request))


def is_categorical(sentence: str | Scan, request: str, decision: str | None) -> bool:
    """The sentence says the guidelines rule this request out (a denial) or in for this worker (an approval)."""
    sc = _scan(sentence)
    if decision == "upheld":
        if not sc.search(_CATEGORICAL_NO) or sc.search(_CONDITIONAL) or sc.match(_THEREFORE):
            return False  # a condition, not a ban; or the closing verdict, which restates the reasons
        lowered = sc.lowered
        if _another_form(lowered, request):
            return False  # "Manipulation under anesthesia is not recommended" for a request for manipulation
        if another_purpose(lowered, request):
            return False  # "not recommended for the treatment of pain" for a drug asked for anxiety
        if any(w in lowered for w in _request_words(request)) or sc.search(_THIS_CASE):
            return True
        compound, topical = _request_form(request)
        if sc.search(_COMPOUND_SENTENCE):  # a rule for compounded products: only for a compound
            return compound
        return bool(topical and sc.search(_TOPICAL_SENTENCE))
    if decision == "overturned":
        return bool(sc.search(_CATEGORICAL_YES) and sc.search(_THIS_CASE) and not sc.search(_CONCERN))
    return False


# the subject of a ban, up to its verb: "manipulation under anesthesia is not recommended"
_BANNED_SUBJECT = re.compile(
    r"^(?:[\w\s,'-]{0,60}?\b(?:that|states?|says?|notes?)\s+)?(?P<subject>[a-z][\w\s/'-]{2,80}?)\s+"
    r"(?:is|are)\s+[\"'\u201c]?not\s+(?:recommended|supported)\b"
)
_QUALIFIER = re.compile(r"\b(?:under|with|without|for|in|of|after|during|using|via|to)\s+(?P<what>[\w\s/'-]+)$")


# a ban for one purpose: "sedatives are not recommended for the treatment of long-standing pain"
_PURPOSE_BAN = re.compile(
    r"\bnot\s+(?:recommended|supported|indicated)\s+(?:as\s+an?\s+\w+\s+)?for\s+(?:the\s+)?"
    r"(?:(?:treatment|management|relief)\s+of\s+)?(?P<what>[a-z][a-z\s,/-]{2,100})"
)
# the purpose a request names ("... for anxiety", "for the right elbow"): a clause of words, no count or time
_REQUEST_PURPOSE = re.compile(r"\bfor\s+(?P<what>[a-z][a-z\s/-]{2,40}?)\s*(?=[,;(]|$|\s\d)")
_NOT_PURPOSE = frozenset(
    """week weeks month months days sessions session visits visit times time hours hour daily nightly the
    right left both bilateral upper lower treatment therapy management relief use three four five seven eight nine
    twelve twice""".split()  # noqa: SIM905
)


def _purpose_words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text) if w not in _NOT_PURPOSE}


def another_purpose(lowered: str, request: str) -> bool:
    """The ban is for one purpose ("for ... pain") and the request names another ("for anxiety") with no word in
    common: the guideline the reviewer quoted does not rule this request out as such, and no page may say that
    asking again cannot change it."""
    ban = _PURPOSE_BAN.search(lowered)
    if ban is None:
        return False
    banned = _purpose_words(ban.group("what"))
    asked = [_purpose_words(m.group("what")) for m in _REQUEST_PURPOSE.finditer(request.lower())]
    asked = [words for words in asked if words]
    return bool(banned) and bool(asked) and not any(words & banned for words in asked)


def _another_form(lowered: str, request: str) -> bool:
    """The ban's subject names the request's care with a qualifier the request does not have ("manipulation
    under anesthesia", "manipulation of the knee" for "spinal manipulation of the low back"): a ban on
    another form of the care, not on this request."""
    m = _BANNED_SUBJECT.search(lowered)
    if m is None:
        return False
    subject = m.group("subject")
    asked = _request_words(request)
    if not any(w in subject for w in asked):
        return False
    q = _QUALIFIER.search(subject)
    if q is None:
        return False
    extra = {w for w in re.findall(r"[a-z]{4,}", q.group("what")) if w not in _GENERIC and w not in _PLAIN_WORDS}
    return bool(extra) and not extra & set(re.findall(r"[a-z]{4,}", request.lower()))


def _names_request(sentence: str | Scan, request: str) -> bool:
    lowered = _scan(sentence).lowered
    return any(w in lowered for w in _request_words(request))


def is_bare_conclusion(sentence: str | Scan, request: str = "", decision: str | None = None) -> bool:
    """A verdict with no reason in it. A short sentence that rules the request out by the guidelines
    ("Given that the service asked for is a cream, its use is not supported.") is a reason."""
    sc = _scan(sentence)
    if decision is not None and is_categorical(sc, request, decision):
        return _verdict_only(sc, request)
    return _is_bare_conclusion(sc, request)


def _verdict_only(sc: Scan, request: str) -> bool:
    text = sc.text
    return bool(_VERDICT_ONLY.match(text.replace(request, " ").strip() if request else text))


def _score(sc: Scan, position: float, request: str, overturned: bool) -> float:
    score = 0.0
    applies = bool(sc.match(_APPLIES)) or bool(sc.search(_APPLIES_INSIDE))
    guideline = bool(sc.match(_GUIDELINE)) or bool(sc.search(_GUIDELINE_VERB)) or bool(LABEL_ENTRY.match(sc.text))
    not_shown = sc.search(_NOT_SHOWN) is not None  # each cue searched once: this runs on every sentence
    told = not_shown and _other_care_told(sc, request)  # the history of other care, not a gap the reviewer found
    told = told or (_diagnostic(request) and sc.search(_NOT_BETTER) is not None)
    if not_shown and _diagnostic(request) and sc.search(_SURGERY_TALK) is not None:
        # a scan's guideline asks first for exam findings of a specific nerve problem, then for surgery being
        # considered: a gap in the talk of surgery ranks after a gap in the findings
        score -= _SURGERY_TALK_WEIGHT
    # no side effects, no contraindication, no sign of misuse: in the worker's favour, never why care was denied
    told = told or (not overturned and sc.search(_NO_HARM) is not None)
    not_shown = not_shown and not told
    shown = (sc.search(_SHOWN) is not None or sc.search(_MEETS_GUIDELINE) is not None) if overturned else False
    if applies and not told:
        score += 3.0
    if shown if overturned else not_shown:
        score += 3.0
    if overturned and not_shown:
        score -= 2.0  # a gap the reviewer noted but did not decide on
    if not overturned and not not_shown and sc.search(_BENEFIT_SHOWN):
        score -= 2.0
    if sc.search(_CASE_REF):
        score += 1.0
    if guideline and not applies:
        score -= 4.0
    elif not applies and sc.search(_GENERIC_RULE):
        score -= 2.0
    if not not_shown and (told or sc.search(_HISTORY)):
        score -= 2.0
    if _is_bare_conclusion(sc, request):
        score -= 6.0
    linked = sc.search(_LINKED) or sc.match(_LINKED_SO)
    if not overturned and linked is not None and _another_service(linked.group("svc"), request):
        score += 4.0  # "As the fusion is not medically necessary, neither is the associated hospital stay."
    if overturned and not shown and sc.search(_CONCERN):
        score -= 3.0  # a concern the reviewer noted and set aside is not why the care was approved
    if len(sc.text) < 25:
        score -= 1.0
    if not overturned and sc.search(TOO_LONG):
        score += 3.0  # the worker has had the care longer than the guideline's limit: the reviewer applies it
    if not overturned and sc.search(_DOCTOR_AGREED):
        score += 4.0  # the treating doctor agreed (to fewer visits, that a part was not needed): the worker must know
    if holds_decision(sc.text):
        score -= 8.0  # "# Decision: Overturned", another decision quoted: never the reviewer's reason for this one
    if _about_another_request(sc, request):
        score -= 8.0  # another request's history or verdict: never this one's reason
    if sc.match(RULE_WHEN):
        score -= 4.0  # a rule told in general ("Imaging is appropriate when ..."), no one's case
    if sc.match(_WORK_STATUS):
        score -= 4.0  # the case summary's recital ("The patient's work status is not provided"), never a reason
    if sc.search(_WHICH_GUIDELINE):
        score -= 4.0  # which guidelines the reviewer used, not why the care was decided
    if sc.search(NO_MODIFICATION):
        score -= 5.0  # the review's own rule ("the request cannot be modified"), never why the care was not needed
    return score + 0.5 * position  # later sentences apply the rules more often than early ones


# the review may not approve part of a request ("Since the request cannot be modified, ...", "Modification is not
# permitted in the IMR process"): a rule of the review, not the reviewer's reason (a reader: "the request cannot be
# modified" was the page's reason where the left arm had no symptoms)
NO_MODIFICATION = _rx(
    r"\b(?:cannot|can ?not|could not|may not|unable to|does not allow|do not allow|not able to)\b[^.;]{0,30}?"
    r"\b(?:be )?(?:modif\w*|partially (?:approv|certif)\w*|split)\b|"
    r"\bmodifications? (?:is|are|was|were) not (?:permitted|allowed|possible|an option)\b"
)
# the care has gone on past the guideline's limit on how long ("the drug has been taken for months, which is not the
# shortest duration", "past the recommended treatment period")
TOO_LONG = _rx(
    r"\b(?:not|never) (?:appear to )?(?:be )?(?:the|a) shortest (?:duration|period|time)\b|"
    r"\b(?:in excess of|exceeds?|exceeded|beyond|longer than|past) the (?:recommended |guideline |maximum )?"
    r"(?:treatment |short[- ]term )?(?:period|duration|time ?frame|time limit)\b|"
    r"\b(?:use|treatment|therapy|rental) (?:beyond|past|longer than|for more than) \d+ (?:days?|weeks?|months?)\b|"
    r"\b(?:long[- ]term|ongoing|prolonged|chronic|extended) use is (?:outside|beyond|not within) (?:of )?"
    r"the guidelines?\b|"
    r"\b(?:continuing|continued use|continuation)\b[^.;]{0,25}?\b(?:is|are|would be) (?:outside|beyond) (?:of )?"
    r"the guidelines?\b|"
    r"\b(?:times|longer than) the (?:recommended|guideline'?s?|allowed) (?:duration|period|length|time)\b"
)
# a sentence on what the earlier review (utilization review, its reviewer, the claims administrator) did, cited or
# thought ("Utilization review appears to have denied this because ...", "UR cited the shoulder chapter, ..."): the
# history of the dispute, which this reviewer may go on to reject; never this reviewer's reason
_EARLIER_REVIEW = _rx(
    r"^(?:(?:however|previously|initially|here|in this case|of note|notably),?\s+)?(?:the\s+)?"
    r"(?:(?:prior|previous|initial|original|earlier)\s+)?(?:utilization review|UR|claims administrator)"
    r"(?:['\u2019]s)?(?:\s+(?:physician|reviewer|review|doctor|determination|decision|letter|report))?"
    r"(?:\s+(?:dated|of|on)\s+[\w/,-]+(?:\s+\d{4})?)?,?"
    r"\s+(?:(?:appears? to have|seems? to have|had|has|have|may have|apparently|also|previously)\s+)?"
    r"(?:denied|cited|modified|non-?certified|noted|stated|based|reasoned|determined|found|felt|read|considered|"
    r"relied|used|applied|indicated|said|wrote|concluded|recommended)\b"
)
# a kind of care said to be right in general, on a condition ("Imaging of the shoulder is appropriate when physiologic
# evidence of tissue damage is present"): a guideline's rule in the reviewer's words (a reader: given as the finding
# for an approval whose reason was the worker's own signs)
RULE_WHEN = _rx(
    r"^(?:the )?(?:imaging|mri|x-?rays?|electrodiagnostic \w+|therapy|treatment|medications?|use|usage|surgery|"
    r"injections?)\b[^.;]{0,80}?\b(?:is|are) (?:generally |only )?(?:appropriate|indicated|recommended|supported|"
    r"reasonable|warranted|considered)\s+(?:when|if|for (?:patients|those|individuals|cases)|in (?:patients|cases|"
    r"the (?:presence|setting)))\b"
)


# the reviewer points to the deciding point in the sentence that follows: "The deciding issue is the response to that
# injection.", "The difficulty is duration.", "The key question is whether ..."
SIGNPOST = _rx(
    r"^(?:the |my )?(?:deciding|decisive|key|main|real|central|determining|critical|only) (?:issue|point|question|"
    r"factor|problem|concern)s? (?:here )?(?:is|are)\b|^the (?:difficulty|problem|issue|trouble) (?:here )?is\b"
)
_SIGNPOSTED = 3.0


def _pointed_to(spans: list[tuple[int, int]], scans: dict[int, Scan]) -> set[int]:
    """The sentences a signpost points to: the first of the next two that is not a guideline's passage (the reviewer
    may quote the rule before the finding that decides)."""
    pointed: set[int] = set()
    for k, (s, _) in enumerate(spans):
        if not scans[s].match(SIGNPOST):
            continue
        for a, _ in spans[k + 1 : k + 3]:
            if not (scans[a].match(_GUIDELINE) or scans[a].search(_GUIDELINE_VERB)):
                pointed.add(a)
                break
    return pointed


# the treating doctor agreed with the review ("the treating provider, in a peer-to-peer discussion, agreed to 6 visits",
# "the requesting provider himself accepted 6")
_DOCTOR_AGREED = _rx(
    r"\b(?:treating|requesting|attending|primary|prescribing) (?:provider|physician|doctor|surgeon)\b[^.;]{0,90}?"
    r"\b(?:agreed|accepted|concurred)\b"
)
# a sentence about the worker's work status is the case summary's recital: no guideline decides care on it
_WORK_STATUS = _rx(
    r"^(?:(?:the|his|her|current|present) )?(?:(?:patient|claimant|applicant|injured worker|employee)'s )?"
    r"(?:current )?work status\b"
)


# other care tried without result ("the claimant was previously treated with chiropractic care but without
# improvement", under a request for a scan) is the history of care that was not asked for (it may even be what the
# guideline wants tried first); the same words about the care asked for (under a request for more chiropractic
# care) stay a reason
# a sentence about another request ("the applicant's prior request for physical therapy was denied because ...",
# "The prior cervical MRI request was denied as ...", "The request for Norco, by contrast, was not indicated"): its
# reason is that request's, never this item's (a probe: it was the EMG denial's first plain "Why")
_VERB_AFTER = r"(?=\s+(?:is|was|are|were|has|had|have|would|will|could|may|might|did|does|do|exceeds?)\b|\s*[,;.]|$)"
_ANOTHER_REQUEST = _rx(
    rf"\b(?:prior|previous|earlier|past|former|separate|concurrent)\s+(?:(?P<named>(?:[\w/-]+\s+){{1,4}}?)requests?\b|"
    rf"requests? (?:for|of) (?:the |an? )?(?P<prior>[^,.;:()]{{3,80}}?){_VERB_AFTER})|"
    rf"\brequests? (?:for|of) (?:the |an? )?(?P<care>[^,.;:()]{{3,80}}?){_VERB_AFTER}"
)
_NOT_NAMING = _rx(r"\b(?:additional|more|further|continued|same|this|that|these|those|its|their|his|her|any|\d+)\b")


def _about_another_request(sc: Scan, request: str) -> bool:
    """The sentence speaks of a request for care other than `request`: an earlier request named by words of care it
    does not share, or a request for a drug the request does not name ("a proton pump inhibitor" for Pantoprazole is
    no other drug: a class names no ingredient)."""
    from imr_llm.parser.verdict import other_care

    if not request or "request" not in sc.lowered or not sc.can(_ANOTHER_REQUEST):  # most sentences name none
        return False
    for m in _ANOTHER_REQUEST.finditer(sc.text):
        earlier = _NOT_NAMING.sub(" ", m.group("named") or m.group("prior") or "").strip()
        if earlier and other_care(earlier, request):
            return True
        drugs = ingredients_named(m.group("care") or "")
        if drugs and not drugs & ingredients_named(request):
            return True
    return False


def _other_care_told(sc: Scan, request: str) -> bool:
    m = sc.search(_OTHER_CARE_FAILED)
    if m is None or _names_request(sc, request):
        return False
    return _NOT_SHOWN.search(sc.text[: m.start()] + " " + sc.text[m.end() :]) is None


# pain or symptoms that did not get better ("The hip pain had no improvement"), under a request
# for a test or a scan: the worker's history, which argues for looking, never a gap a new request could fill
_NOT_BETTER = _rx(
    r"\b(?:no|not any|without|lack of|absence of) (?:significant |meaningful |appreciable |reported )?"
    r"(?:improvement|relief)\b(?! (?:in|of) (?:function|what))|"
    r"\b(?:pain|symptoms?|complaints?) (?:has|have|had) not (?:improved|resolved|gotten better)\b"
)


# the absence of a harm ("no side effects", "There are no contraindications to an epidural injection", "no
# evidence of abuse or diversion"): the object missing is the harm itself, not a record or a test of it ("no
# documentation of monitoring for aberrant behavior" is a gap, and stays one)
_NO_HARM = _rx(
    r"\b(?:no|not any|without|denies|denied|free of)\s+(?:(?:evidence|signs?|indications?|history|reports?|"
    r"documentation|record|mention)\s+of\s+)?(?:any\s+)?(?:significant\s+|reported\s+|known\s+|obvious\s+)?"
    r"(?:(?:medication\s+)?side\s+effects|adverse\s+(?:effects|events|reactions)|contraindications?|"
    r"complications?|aberrant(?:\s+drug(?:[- ]related)?)?\s+behaviou?rs?|(?:substance\s+|drug\s+|alcohol\s+|opioid\s+)?"
    r"abuse|diversion|misuse|drug[- ]seeking)\b|"
    # no finding "that would contraindicate / preclude" the care: nothing stands in its way
    r"\b(?:that|which) would (?:contraindicate|preclude|prohibit)\b"
)


# no talk of surgery: "no note that the worker is a candidate for surgery", "nothing on whether surgery has been
# considered"
_SURGERY_TALK = _rx(
    r"\b(?:candidate for (?:surgery|surgical|operative)|surgical candidate|willingness to (?:consider|undergo|"
    r"contemplate)|(?:surgery|surgical intervention) (?:is|was|being|has been) (?:considered|contemplated|planned))"
)
_SURGERY_TALK_WEIGHT = 3.5


@lru_cache(maxsize=1024)
def _diagnostic(request: str) -> bool:
    """A request for a scan, a nerve test or a laboratory test: what it could find is the point, not a benefit."""
    from imr_llm.care.kinds import classify_kind

    hit = classify_kind(request) if request else None
    return hit is not None and hit.code in ("imaging", "electrodiagnostic", "lab_test")


_OTHER_CARE_FAILED = _rx(
    r"\b(?:previously|already|has been|had been|have been|was|were) (?:treated|managed|tried)\b[^.;]{0,80}?"
    r"\b(?:without|with no) (?:any )?(?:significant |lasting |sustained )?(?:improvement|benefit|relief)\b"
)
# "... a recent injury, so the chronic pain guidelines do not apply": the reviewer says which guidelines govern the
# case, then applies them in other sentences
_WHICH_GUIDELINE = _rx(
    r"\b(?:guidelines?|MTUS|ODG|ACOEM)\b[^.;]{0,40}\b(?:do|does|did) not apply\b|"
    r"\b(?:guidelines?|MTUS|ODG|ACOEM)\b[^.;]{0,40}\b(?:is|are|was|were) not (?:applicable|relevant)\b"
)
_THRESHOLD = 3.0
# a request that repeats care already approved: "An earlier review ... had already authorized this
# therapy. Approving it again would be redundant." The reason is the
# approval the reviewer found; the verdict sentence alone ("would be redundant") does not say what it repeats.
# "Redundant with" / "duplicative of" something else (another drug, a home program) is not a repeat of an approval.
_REPEATS = _rx(
    r"\b(?:would be|is|was|are|were|be) (?:a )?(?:redundant|duplicat(?:e|ive))(?: (?:request|service|in nature))?"
    r"(?! (?:with|of|to|as)\b)"
)
# more than the first trial the guidelines allow, after that trial was approved ("further visits would exceed what
# the guidelines recommend for an initial trial", a sentence or two after "was already certified 4 visits"): the
# approval is the point, as for a repeat
BEYOND_TRIAL = _rx(
    r"\bexceed(?:s|ed|ing)?\b[^.;]{0,80}?\b(?:initial|first) trial\b|"
    r"\bbeyond (?:the|an?) (?:initial|first) trial\b"
)
_APPROVED_BEFORE = _rx(
    r"\b(?:was|were|had been|has been|have been|is|are)(?: already| previously)* (?:approved|authorized|certified)\b|"
    r"\b(?:already|previously) (?:approved|authorized|certified)\b"
)
# a sentence the reviewer opens as an added point: "additionally", "in addition", "furthermore", "moreover", or
# "also" among its first words ("The request as submitted also failed to ...")
ADDED_POINT = _rx(r"^(?:additionally|in addition|furthermore|moreover|further,|also)\b|^(?:[\w'-]+,? ){1,5}?also\b")
_TOPIC_BONUS = 1.5
# the next sentence sets this one aside ("The patient has a history of substance abuse. However, ...")
_SET_ASIDE = _rx(
    r"^(?:however|nevertheless|nonetheless|even so|that said|that being said|having said that|all the same|regardless"
    r"|notwithstanding|be that as it may|irrespective of (?:this|that|these)|(?:despite|in spite of) (?:this|that|these"
    r"|the above)|this (?:does|did) not (?:change|alter|affect) the (?:outcome|decision|determination|conclusion))\b"
)
_SET_ASIDE_PENALTY = 3.0
# a point dismissed anywhere in its sentence ("However, this was not decisive.", "That, however, is not decisive.",
# "The reviewer nevertheless does not find this persuasive.", "Prior surgery is not a bar to further therapy.")
DISMISSED = _rx(
    r"\b(?:is|was|are|were|be) not (?:in itself |by itself |alone |itself )?(?:decisive|determinative|dispositive|"
    r"controlling|persuasive|compelling|convincing|a bar|a barrier|an obstacle|a contraindication|"
    r"a reason to (?:deny|withhold))\b|"
    r"\b(?:does|did|do) not (?:find|consider|regard|view|deem) (?:this|that|these|it|them) (?:to be |as )?(?:decisive|"
    r"determinative|dispositive|controlling|persuasive|compelling|convincing|significant|relevant|a bar|a barrier)\b|"
    r"^(?:this|that|it) (?:alone )?(?:does|did) not (?:preclude|bar|prevent|rule out)\b|"
    # "..., but I will not base the decision on that point", "this is not the basis for the determination"
    r"\b(?:will|do|did|does|would) not base (?:the|my|this) (?:decision|determination) on\b|"
    r"\b(?:is|was) not the basis (?:of|for) (?:the|this|my) (?:decision|determination)\b"
)


# what studies show: "no documentation in the literature", "studies have not shown", "research does not support"
LITERATURE = _rx(
    r"\b(?:in|from|within) the (?:medical |published |scientific |peer[- ]reviewed |current )?literature\b|"
    r"\b(?:studies|research|trials) (?:have |has |do |does )?(?:not|failed to|shown? no)\b"
)


def about_studies(sentence: str) -> bool:
    """Whether a sentence tells what studies show ("There is no documentation in the literature that ..."): a
    reason the reviewer may give, quoted as written, never restated as a record of this worker's to add."""
    return LITERATURE.search(sentence) is not None


def _taken_side(sc: Scan, request: str) -> bool:
    """A sentence that opens by setting the point before it aside and goes on with more than a verdict ("Even so,
    given persistent symptoms, the request ... is medically necessary")."""
    m = sc.match(_SET_ASIDE)
    if m is None:
        return False
    rest = sc.text[m.end() :].strip(" ,;:")
    rest = rest.replace(request, " ").strip() if request else rest
    return len(re.findall(r"[A-Za-z]{3,}", rest)) >= 4 and not _VERDICT_ONLY.match(rest)


def _agrees_with(sc: Scan, overturned: bool) -> bool:
    """The sentence points the decision's way: a finding shown for an approval, a gap for a denial (a concession
    set aside points the other way)."""
    if overturned:
        return sc.search(_SHOWN) is not None and sc.search(_NOT_SHOWN) is None
    return sc.search(_NOT_SHOWN) is not None and sc.search(_NO_HARM) is None


NO_EXCEPTION = _rx(
    r"\b(?:extenuating|exceptional|special|unique|unusual|compelling) (?:circumstances?|factors?|situations?)\b"
)
_ADDED_WEIGHT = 1.0  # more than the lean to later sentences (0.5 over a rationale): an added point follows its first
MAX_RATIONALE = 8000  # the longest real rationale seen is under 6,000 characters


def find_reason(rationale: str, decision: str | None, request: str = "") -> ReasonFinding:
    """The sentences of `rationale` that give the reason, their topics, and how sure we are."""
    overturned = decision == "overturned"
    rationale = rationale[:MAX_RATIONALE]
    spans = list(sentence_spans(rationale))
    if not spans:
        return ReasonFinding(topic=None)
    scans = {s: CUES.scan(rationale[s:e]) for s, e in spans}  # every cue of a sentence in one pass
    scored: list[tuple[int, int, float]] = []  # start, end, score
    against: set[int] = set()  # sentences that point away from the decision: never the reason, even the best of weak
    # sentences that only set the one before aside: never the reason at all
    marker_only: set[int] = set()
    regions = _spine_regions(request)
    pointed = _pointed_to(spans, scans)
    for k, (s, e) in enumerate(spans):
        position = k / max(1, len(spans) - 1)
        score = _score(scans[s], position, request, overturned)
        following = scans[spans[k + 1][0]] if k + 1 < len(spans) else None
        if (
            following is not None
            and (following.match(_SET_ASIDE) or following.search(DISMISSED))
            and not _agrees_with(scans[s], overturned)
        ):
            score -= _SET_ASIDE_PENALTY  # "X. However, Y": the reviewer grants X and decides on Y
            against.add(s)
        if scans[s].match(_EARLIER_REVIEW):
            marker_only.add(s)  # the earlier review's act or reason: never this reviewer's, even as the best of weak
        if scans[s].match(SIGNPOST):
            marker_only.add(s)  # "The deciding issue is the response to that injection.": it points, the next one says
        elif s in pointed:
            score += _SIGNPOSTED  # the sentence the reviewer pointed to as the deciding one
        if (scans[s].match(_SET_ASIDE) and not _taken_side(scans[s], request)) or scans[s].search(DISMISSED):
            # "The reviewer does not find this decisive.", "However, this was not decisive.", "While X, this is not
            # decisive.", "X is not a bar to further therapy.": a point set aside, no reason of its own
            marker_only.add(s)
        harm_absent = not overturned and scans[s].search(_NO_HARM) is not None
        concern = (
            overturned
            and scans[s].search(_CONCERN) is not None
            and not scans[s].match(_SET_ASIDE)  # "However, ..." is the side the reviewer takes
            and not _agrees_with(scans[s], overturned)
        )
        if harm_absent or concern:
            against.add(s)  # a harm absent in a denial, a concern granted in an approval: the other way
        if _about_another_region(rationale[s:e], regions) or (
            k > 0 and _about_another_drug(scans[s], rationale[spans[k - 1][0] : spans[k - 1][1]], request)
        ):
            score -= _ELSEWHERE_PENALTY
        # a sentence about a known topic ranks higher; asked only where it can still reach the threshold
        if score + _TOPIC_BONUS >= _THRESHOLD and _has_topic(scans[s]):
            score += _TOPIC_BONUS
        scored.append((s, e, score))
    if not overturned:
        scored = _criteria_applied(scored, scans, request)
    premise = _last_premise(scored, scans, request) if decision == "upheld" else None  # an approval's may be a concern
    if premise is not None and premise[0] in marker_only:
        premise = None  # "X. The reviewer does not find this decisive. Therefore, ...": the marker is no premise
    categorical = {
        s
        for s, _, _ in scored
        if is_categorical(scans[s], request, decision) and not _verdict_only(scans[s], request)  # asked once
    }
    against |= marker_only
    scored_reasons = [x for x in scored if x[0] not in marker_only]
    picked = [x for x in scored_reasons if x[2] >= _THRESHOLD or x[0] in categorical]
    confident = bool(picked)
    if not picked:
        # the side the reviewer takes after granting a point ("No deficits are documented. Even so, given persistent
        # symptoms, the request is medically necessary."); else the best of weak sentences, unless it points away
        # from the decision (a harm absent in a denial, a concern granted in an approval) or, for an approval, is
        # not about this case (a guideline's passage on what a test may show "in patients with ..."; a denial's
        # guideline ban is a reason): then no sentence is the reason, and the page says so
        taken = [
            x
            for k, x in enumerate(scored)
            if k > 0 and scored[k - 1][0] in against and _taken_side(scans[x[0]], request)
        ]
        best = taken[0] if taken else max(scored_reasons or scored, key=lambda x: x[2])
        sc = scans[best[0]]
        # an approval's finding said without a subject ("New objective motor deficit (ankle dorsiflexion 3/5) and
        # sensory change.") is about this case too; a guideline's passage is not (a reader: four approvals had "we
        # could not find one sentence" where the reviewer named the worker's findings)
        kinds = {t for t, _ in _topics(sc)}
        found = (
            # ... or tied to a service approved ("Because the procedure is certified, the associated crutches are
            # also medically necessary.")
            ("clinical_findings" in kinds or "linked_service" in kinds)
            and not (sc.match(_GUIDELINE) or sc.search(_GUIDELINE_VERB))
            and best[2] > -2.0
        )
        about_the_case = not overturned or sc.search(_CASE_REF) is not None or found
        picked = [best] if best[0] not in against and about_the_case else []
    # a reason the guidelines give for this very request comes first: no record could change it
    named = {s for s, _, _ in scored if s in categorical and _names_request(scans[s], request)}
    repeat = _repeat_of_approval(spans, scans) if decision == "upheld" else ()
    # a point the reviewer marks as added ("There was also ...", "Additionally, ...") follows the one it adds to
    added = {s for s, _, _ in picked if scans[s].match(ADDED_POINT)}
    # "no extenuating circumstances to warrant going outside the guidelines" presumes the request is outside them:
    # the sentence that says why comes first (it led a page where the reviewer's point was a drug taken past the
    # guideline's 2-3 weeks)
    exception = {s for s, _, _ in picked if scans[s].search(NO_EXCEPTION)} if not (overturned or categorical) else set()
    # a point marked as added goes after the points of its strength, never below a weaker sentence (a diagnosis, a
    # history line): three added points of equal weight to a first must not push a lesser sentence above them
    picked = sorted(
        picked,
        key=lambda x: (
            x[0] not in categorical,
            x[0] not in named,
            -(x[2] - (_ADDED_WEIGHT if x[0] in added else 0)),
            x[0],
        ),
    )
    if premise is not None and premise not in picked:  # a reason too, after those that rank above it
        picked.append(premise)
        confident = True
    if repeat:  # the approval it repeats, then the reviewer's word for it, in letter order, before any other reason
        picked = [x for x in scored if x[0] in repeat] + [x for x in picked if x[0] not in repeat]
        confident = True
    # the topics (each cue counted) only of the sentences kept; a repeat of an approval has none of its own, going
    # past a first trial already approved is about the guideline's amount, as its words say
    trial = any(scans[s].search(BEYOND_TRIAL) for s in repeat)
    chosen = [
        ReasonSentence(s, e, score, ("other",) if s in repeat and not trial else tuple(t for t, _ in _topics(scans[s])))
        for s, e, score in picked[:MAX_SENTENCES]
    ]
    topics: list[Topic] = []
    for choice in chosen:  # the topics by rank, before an exception not made is put after the points it presumes
        for first in choice.topics[:1]:
            if first not in topics:
                topics.append(first)
    linked = _linked_service(scans, chosen, request)
    if linked is None and topics and topics[0] == "linked_service":
        topics = topics[1:]
    if linked is not None and "linked_service" not in topics[:1]:
        topics = ["linked_service", *[t for t in topics if t != "linked_service"]]
    topic = topics[0] if topics else None
    chosen = [x for x in chosen if x.start not in exception] + [x for x in chosen if x.start in exception]
    if not chosen:
        return ReasonFinding(topic=None, linked_service=linked)
    carrier = next((x for x in chosen if x.topics[:1] == (topic,)), chosen[0])
    carrier_scan = scans[carrier.start]
    return ReasonFinding(
        topic=topic,
        topics=topics[:2],
        sentences=chosen,
        linked_service=linked,
        confident=confident
        and topic is not None
        and (topic == "linked_service" or bool(repeat) or agrees(carrier_scan, decision)),
    )


# A sentence about something other than this request, though its words read as a reason:
# - another region of the spine than the request's ("There are no neck complaints." under a request for therapy
#   to the low back, where the reviewer wrote one rationale for two regions): a finding about the other request;
# - "this medication" whose referent is another drug, named in the sentence before ("Her earlier medicine was
#   acetaminophen. She had no relief with this medication, and naproxen was then prescribed.", under a request
#   for naproxen): the history of that drug, not a finding about the one asked for.
_ELSEWHERE_PENALTY = 6.0
_SPINE = frozenset({"cervical_spine", "thoracic_spine", "lumbar_spine"})
_THIS_DRUG = _rx(r"\b(?:this|that|these|those|the same) (?:pain )?(?:medications?|medicines?|drugs?|agents?)\b")


@lru_cache(maxsize=1024)
def _spine_regions(text: str) -> frozenset[str]:
    return frozenset(h.code for h in find_sites(text) if h.code in _SPINE)


def _about_another_region(sentence: str, request_regions: frozenset[str]) -> bool:
    """The sentence names a region of the spine, and none of the request's (which names at least one)."""
    if not request_regions:
        return False
    named = _spine_regions(sentence)
    return bool(named) and not named & request_regions


def _about_another_drug(sc: Scan, previous: str, request: str) -> bool:
    """The sentence's "this medication" points back to a drug the sentence before names, one the request does
    not hold (and the sentence before names none the request holds)."""
    if not sc.search(_THIS_DRUG):
        return False
    asked = ingredients_named(request)
    before = ingredients_named(previous)
    return bool(asked) and bool(before) and not before & asked


_PREMISE_BONUS = 3.0


def _last_premise(
    scored: list[tuple[int, int, float]], scans: dict[int, Scan], request: str
) -> tuple[int, int, float] | None:
    """The sentence right before the rationale's closing verdict ("Long term use is not recommended. Therefore,
    the request ... is not medically necessary."): the premise the reviewer drew it from, a reason to show even
    when its cue words rank it low, after the ones that rank higher. None when it is a guideline passage, case
    history, a condition, or a verdict itself."""
    last = len(scored) - 1  # the verdict closes it, or is followed by one sentence at most (weaning talk aside)
    closing = next((k for k in (last, last - 1) if k > 0 and _is_bare_conclusion(scans[scored[k][0]], request)), None)
    if closing is None:
        return None
    s, e, score = scored[closing - 1]
    sc = scans[s]
    if (
        _is_bare_conclusion(sc, request)
        or sc.search(_CONCLUSION)
        or sc.match(_THEREFORE)
        or sc.match(_GUIDELINE)
        or sc.search(_GUIDELINE_VERB)
        or sc.search(_HISTORY)
        or _other_care_told(sc, request)
        or sc.match(_CONDITION_OPENING)
        or len(sc.text) < 25
        or score + _PREMISE_BONUS < _THRESHOLD
    ):
        return None
    return s, e, score


_CONDITION_OPENING = _rx(r"^(?:if|when|unless|should|once|until|provided)\b")


def _repeat_of_approval(spans: list[tuple[int, int]], scans: dict[int, Scan]) -> tuple[int, ...]:
    """The starts of the sentence saying the care was approved before and of the one saying this request
    repeats it (the same sentence, or up to two sentences apart, in that order); () when the rationale has no
    such pair."""
    for k, (s, _) in enumerate(spans):
        if not (scans[s].search(_REPEATS) or scans[s].search(BEYOND_TRIAL)):
            continue
        for j in range(k, max(-1, k - 3), -1):
            before = scans[spans[j][0]]
            if _CARE_DECIDED.match(_decision_text(before.text).strip()):
                continue  # "This request is approved.": a decision said of this care now, not an approval before
            if before.search(_APPROVED_BEFORE) and not before.search(_NEGATION):
                return (spans[j][0], s) if j != k else (s,)
    return ()


def repeat_of_approval(rationale: str) -> tuple[str, ...]:
    """The sentences of `rationale` that say this request repeats care approved before (see
    `_repeat_of_approval`), as printed."""
    rationale = rationale[:MAX_RATIONALE]
    spans = list(sentence_spans(rationale))
    scans = {s: CUES.scan(rationale[s:e]) for s, e in spans}
    ends = dict(spans)
    return tuple(rationale[s : ends[s]] for s in _repeat_of_approval(spans, scans))


# a guideline's criterion ("If there is no recovery or a new decline after the first visit, a CT scan may
# help ..."), and the reviewer's sentence that says this worker does not meet it ("There was
# no lack of recovery and no new decline after the first visit"): the deciding sentence,
# which a finding with stronger cue words ("no record that a fall was seen") had outranked
_CRITERION = _rx(
    r"\b(?:if|when|unless|in (?:patients|cases) with|for (?:patients|those) with|criteria|indicat(?:ed|ions?)|"
    r"recommended (?:for|when|if|after|in))\b"
)
_NOT_MET = _rx(r"\b(?:no|not|nor|without|lack(?:s|ing)?|absence|neither)\b")
_PLAIN_WORDS = frozenset(
    """this that with from there were have been which should would could their them they than then when where
    also such into only other some more most must will shall does done being over under after before about
    patient patients injured worker claimant applicant employee individual guidelines guideline recommended
    recommend recommends indicated indication indications criteria documentation documented records record
    provided submitted review request requested treatment treatments therapy medical clinical case noted note
    notes evidence including include includes following given based current currently time period""".split()  # noqa: SIM905
)
_CRITERION_WORDS = 4  # content words a reviewer's sentence shares with one criterion
_CRITERION_BONUS = 3.0
_NEXT_TO_CRITERION_BONUS = 1.0  # more than the lean to later sentences (0.5 over a rationale)


def _content_words(text: str, request_words: frozenset[str]) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _PLAIN_WORDS) - request_words


def _criterion_stems(sc: Scan, asked: frozenset[str]) -> frozenset[str]:
    """The stems of a guideline sentence's condition words ("... support creams for nerve pain only when oral drugs
    have not worked"); empty for any other sentence."""
    if not sc.search(_CRITERION) or sc.match(_APPLIES) or sc.search(_APPLIES_INSIDE) or sc.search(_NOT_SHOWN):
        return frozenset()
    if not (sc.match(_GUIDELINE) or sc.search(_GUIDELINE_VERB)):
        return frozenset()
    return frozenset(w[:5] for w in _content_words(sc.text, asked))


def _criteria_applied(
    scored: list[tuple[int, int, float]], scans: dict[int, Scan], request: str
) -> list[tuple[int, int, float]]:
    """Each sentence that says this worker does not meet a criterion one of the letter's guideline sentences
    states, in that criterion's own words, ranks as a deciding sentence."""
    asked = _request_words(request)
    criteria = [
        _content_words(scans[s].text, asked)
        for s, _, _ in scored
        if scans[s].search(_CRITERION) and not scans[s].match(_APPLIES) and not scans[s].search(_APPLIES_INSIDE)
    ]
    if not criteria:
        return scored
    out = []
    before: frozenset[str] = frozenset()  # the stems of the sentence before, when it states a criterion
    for s, e, score in scored:
        sc = scans[s]
        after_criterion, before = before, _criterion_stems(sc, asked)
        if (
            sc.search(_NOT_MET)
            and not sc.match(_GUIDELINE)
            and not sc.search(_GUIDELINE_VERB)
            and not sc.search(_GENERIC_RULE)
            and (sc.match(_APPLIES) or sc.search(_APPLIES_INSIDE))
        ):
            words = _content_words(sc.text, asked)
            if any(len(words & c) >= _CRITERION_WORDS for c in criteria):
                score += _CRITERION_BONUS
            elif frozenset(w[:5] for w in words) & after_criterion:
                # right after the guideline's condition, in some of its words ("... only when oral drugs have not
                # worked. There is no clear documentation the claimant has tried and failed oral drugs"): the
                # condition applied, ahead of gaps of equal weight after it
                score += _NEXT_TO_CRITERION_BONUS
        out.append((s, e, score))
    return out


def _linked_service(scans: dict[int, Scan], chosen: list[ReasonSentence], request: str) -> str | None:
    """The other service this item depends on, when a chosen sentence says it was not approved."""
    for sentence in chosen:
        sc = scans[sentence.start]
        m = sc.search(_LINKED) or sc.match(_LINKED_SO)
        if m is not None and _another_service(m.group("svc").strip(), request):
            return m.group("svc").strip()
    return None


def _another_service(service: str, request: str) -> bool:
    """The service a linked sentence names is other than this request (not the request itself, nor "the request")."""
    if request and service.lower() in request.lower():
        return False  # the sentence is about this request itself
    return not re.fullmatch(r"(?:the )?(?:request(?:ed)?|treatment|service|item|it|this)", service, re.I)


# every cue asked of a sentence, for one Hyperscan pass per sentence (imr_llm/cues.py)
CUES = CueSet(
    [
        _NEGATION,
        _THIS_DRUG,
        _NOT_SHOWN,
        _SHOWN,
        _CONCLUSION,
        _LINKED,
        _LINKED_SO,
        _DOCTOR_AGREED,
        _MEETS_GUIDELINE,
        RULE_WHEN,
        SIGNPOST,
        _THEREFORE,
        _GIVEN_THAT,
        _UNMET_CRITERIA,
        _APPLIES,
        _APPLIES_INSIDE,
        _GUIDELINE,
        _GUIDELINE_VERB,
        _BENEFIT_SHOWN,
        _CASE_REF,
        _GENERIC_RULE,
        _HISTORY,
        _CONCERN,
        _CATEGORICAL_NO,
        _CATEGORICAL_YES,
        _CONDITIONAL,
        _THIS_CASE,
        _COMPOUND_SENTENCE,
        _TOPICAL_SENTENCE,
        _CRITERION,
        ADDED_POINT,
        _CONDITION_OPENING,
        _REPEATS,
        _APPROVED_BEFORE,
        _NOT_MET,
        _NOT_BETTER,
        TOO_LONG,
        _NO_HARM,
        _SET_ASIDE,
        _SURGERY_TALK,
        *(pattern for _, _, pattern in _TOPIC_CUES),
    ]
)


def _scan(sentence: str | Scan) -> Scan:
    return sentence if isinstance(sentence, Scan) else CUES.scan(sentence)
