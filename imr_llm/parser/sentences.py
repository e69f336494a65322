"""Sentence rules shared by the parser and the scorers."""

from __future__ import annotations

import re

# tokens whose trailing period does not end a sentence
ABBREVIATIONS = frozenset({"i.e", "e.g", "etc", "vs", "dr", "mr", "mrs", "ms", "no", "approx", "fig", "st", "jr", "sr"})
_CLOSERS = "\"'\u201d\u2019)]"
_PERIOD = re.compile(r"\.")
_LAST_WORD = re.compile(r"(\S+)$")


def first_sentence_end(text: str, start: int = 0) -> int:
    """Index just past the first sentence-ending period at or after `start`.

    A period ends a sentence when whitespace or the end of the text follows it,
    possibly after closing quotes or brackets (which belong to the sentence), and
    the token before it is not an abbreviation such as "i.e.". Without such a
    period, the end of the text.
    """
    n = len(text)
    for m in _PERIOD.finditer(text, start):
        end = m.end()
        while end < n and text[end] in _CLOSERS:
            end += 1
        if end < n and not text[end].isspace():
            continue
        word = _LAST_WORD.search(text, max(start, m.start() - 40), m.start())
        token = word.group(1).lower().lstrip("(\"'") if word else ""
        if token in ABBREVIATIONS:
            continue
        return end
    return n


def first_sentence(text: str) -> str:
    return text[: first_sentence_end(text)]


# A sentence break for splitting prose: ., ! or ? (plus closers) then a space.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+")


def split_sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_BREAK.split(text) if s]
