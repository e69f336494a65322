"""Reading "medically necessary" or not from a rationale's own words.

The heading's Upheld/Overturned is the decision of record; the rationale's
conclusion is read to cross-check it, and is the decision itself in layouts
whose headings carry no decision word (2013 notices, professional reviews).
"""

from __future__ import annotations

import re

from imr_llm.parser.sentences import split_sentences

_NECESSITY = re.compile(r"medically ?(?:necessary|appropriate|reasonable|indicated)|not ?medically", re.I)
_NEGATIVE = re.compile(
    r"\bnot\b|\bnot-|notmedically|\bunnecessary\b|\bno longer\b|\bnon-?certified\b|\bcannot\b|\bisn't\b",
    re.I,
)
_VERDICT_FIRST = re.compile(r"^(?P<word>Yes|No),")
# Opioid denials close with a weaning paragraph after the conclusion.
_WEANING = re.compile(r"\bwean|\btaper", re.I)
_DECIDING = re.compile(
    r"\b(?:request|requested|treatment|service|it|this|these|therefore|thus|as such|given|consequently|"
    r"reversing|deem|I am|overturn|uphold|recommended)\b",
    re.I,
)


def conclusion_sentence(rationale: str) -> str | None:
    """The sentence that states the verdict: the last one about medical necessity
    that is not part of a weaning paragraph."""
    for s in reversed(split_sentences(rationale)):
        if _NECESSITY.search(s) and not _WEANING.search(s) and _DECIDING.search(s):
            return s
    first = _VERDICT_FIRST.match(rationale.strip())
    return rationale.strip().split(". ")[0] if first else None


def medically_necessary(rationale: str) -> bool | None:
    """True / False as the rationale concludes, None when it states no verdict."""
    sentence = conclusion_sentence(rationale)
    if sentence is None:
        return None
    first = _VERDICT_FIRST.match(sentence)
    if first:
        return first.group("word") == "Yes"
    return not _NEGATIVE.search(sentence)


_PHRASE = re.compile(
    r"\b(?:is|was|are|were|be)\b[^.,;]*?(?:medically ?(?:necessary|appropriate|reasonable)(?: and appropriate)?)",
    re.I,
)


def verdict_phrase(sentence: str) -> str:
    """The words that state the verdict ("is not medically necessary"), or the sentence."""
    m = _PHRASE.search(sentence)
    return m.group(0) if m else sentence
