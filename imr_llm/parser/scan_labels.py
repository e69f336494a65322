"""Item labels a scan garbled, read where they stand: "Claims Adubclateiter guideline:", "MAX IMl Ss
guideline:", "Ision rationale:", "Claims-Administrater-guideline:".

On a scan a label OCR misread is not found by the label patterns, so its item merges into the one before
(its decision then unread, its request wrong). A garbled label is read only with the evidence a label has
in these letters: a word two letters from "guideline" or "rationale" with a colon that starts a line of the
page, a guideline block that opens as one does, and a place in an item's order of labels (a rationale label
after a guideline label). Typed text never goes through here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from imr_llm.parser.context import ParseContext

if TYPE_CHECKING:
    LabelSet = tuple[tuple[str, re.Pattern[str]], ...]


def misread_labels(ctx: ParseContext, start: int, labels: LabelSet) -> list[tuple[str, re.Match[str]]]:
    """The garbled labels of a scan's items from `start`, each (kind, match), that stand where their kind
    does; `labels` are the layout's own label patterns (kind, pattern), whose matches are left to them."""
    flat = ctx.flat
    return _in_order(flat, start, labels, _place_unknown(flat, start, labels, _garbled(ctx, start, labels)))


# a word followed by a colon, where a scan's garbled label may be; its first words are up to three short tokens
_LABEL_WORD = re.compile(r"(?<![A-Za-z])(?P<word>[A-Za-z]{7,11}) ?:")
_LABEL_AT = re.compile(r"[^:]*?[A-Za-z]{7,11} ?:")
_LABEL_WORDS = {"guideline": ("ca", "mx"), "guidelines": ("ca", "mx"), "rationale": ("dr",)}
_PREFIXES = {"ca": "claimsadministrator", "mx": "maximus", "dr": "decision"}
_SPECK_LETTERS = 3
_LABEL_REACH = 45
_GUIDELINE_OPENS = re.compile(r"\W{0,3}(?:\S{1,10} based on|The (?:Claims|Expert|Reviewer|MAXIMUS))", re.I)


def _garbled(ctx: ParseContext, start: int, labels: LabelSet) -> list[tuple[str, re.Match[str]]]:
    """On a scan, the item labels OCR garbled ("Claims Adubclateiter guideline:", "MAX IMl Ss guideline:",
    "Ision rationale:", "Claims Administrator puideline:"): a word at most two letters from "guideline" or
    "rationale", with a colon, whose line of the page starts at most three short words before it; a guideline
    block must open as one does ("Decision based on", "The Claims Administrator ..."). A guideline label is
    the Claims Administrator's or MAXIMUS's by what is left of its first words, or, when nothing but a speck
    is, by its place (the Claims Administrator's comes first in an item). Labels read right are left to the
    label patterns."""
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.fuzz import ratio

    flat = ctx.flat
    exact = [m.span() for _, pattern in labels for m in pattern.finditer(flat, start)]
    found: list[tuple[str, re.Match[str]]] = []
    for w in _LABEL_WORD.finditer(flat, start):
        word = w.group("word").lower()
        kinds = next((k for x, k in _LABEL_WORDS.items() if Levenshtein.distance(word, x, score_cutoff=2) <= 2), None)
        if kinds is None or any(s < w.end() and w.start() < e for s, e in exact):
            continue
        at = _line_start_before(ctx, w.start(), start)
        if at is None:
            continue  # not where a line starts: a label always begins its line
        m = _LABEL_AT.match(flat, at)
        if m is None or m.end() != w.end():
            continue
        if kinds != ("dr",) and not _GUIDELINE_OPENS.match(flat, m.end()):
            continue  # a guideline block opens "Decision based on ..." or "The Claims Administrator / Expert ..."
        pre = "".join(c for c in flat[at : w.start()].lower() if c.isalpha())
        if len(pre) <= _SPECK_LETTERS and not word[:1].islower():
            continue  # a capitalised "Guidelines:" where a line happens to start is the letter's own words
        if len(pre) <= _SPECK_LETTERS:  # nothing left of its first words but a speck or two: named by its place
            found.append(("dr" if kinds == ("dr",) else "?", m))
            continue
        scores = {k: ratio(pre, _PREFIXES[k]) for k in kinds}
        best = max(scores, key=lambda k: scores[k])
        if scores[best] >= 50 and (len(kinds) == 1 or scores[best] - min(scores.values()) >= 15):
            found.append((best, m))
    return found


def _line_start_before(ctx: ParseContext, at: int, floor: int) -> int | None:
    """Where the page's line holding flat[at] starts, when that is a few words before it (at most 45
    characters: "Claims.Administrator ", "Claims-Administrater-")."""
    raw = ctx.text.raw
    r = ctx.text.raw_offset(at)
    line_start = max(raw.rfind("\n", 0, r), raw.rfind("\f", 0, r)) + 1
    if r - line_start > _LABEL_REACH:
        return None
    for p in range(max(floor, at - _LABEL_REACH), at + 1):
        if p > floor and ctx.flat[p - 1] != " ":
            continue  # a word starts here
        q = ctx.text.raw_offset(p)
        if q >= line_start and not any(c.isalnum() for c in raw[line_start:q]):
            return p
    return None


def _place_unknown(
    flat: str, start: int, labels: LabelSet, misread: list[tuple[str, re.Match[str]]]
) -> list[tuple[str, re.Match[str]]]:
    """A garbled guideline label named by its place: after a 'Claims Administrator guideline' of the same
    item it is MAXIMUS's, else the Claims Administrator's."""
    if not any(kind == "?" for kind, _ in misread):
        return misread
    placed = sorted(
        [(m.start(), kind) for kind, pattern in labels for m in pattern.finditer(flat, start)]
        + [(m.start(), kind) for kind, m in misread if kind != "?"]
    )
    out = []
    for kind, m in misread:
        if kind == "?":
            before = [k for s, k in placed if s < m.start()]
            last = before[-1] if before else "dr"
            kind = "mx" if last == "ca" else "ca"
        out.append((kind, m))
    return out


_COMES_AFTER = {"ca": (None, "dr"), "mx": ("ca",), "dr": ("ca", "mx")}  # an item's labels, in their order


def _in_order(
    flat: str, start: int, labels: LabelSet, misread: list[tuple[str, re.Match[str]]]
) -> list[tuple[str, re.Match[str]]]:
    """Only the garbled labels that stand where their kind does: a rationale label after a guideline label, a
    MAXIMUS label after a Claims Administrator label, a Claims Administrator label first or after a
    rationale. "UR rationale:" in the middle of a rationale is the letter's own words, not a label."""
    if not misread:
        return misread
    everyone = sorted(
        [(m.start(), kind, False, m) for kind, pattern in labels for m in pattern.finditer(flat, start)]
        + [(m.start(), kind, True, m) for kind, m in misread]
    )
    kept: list[tuple[str, re.Match[str]]] = []
    previous: str | None = None
    for _, kind, garbled, m in everyone:
        if garbled and previous not in _COMES_AFTER[kind]:
            continue
        if garbled:
            kept.append((kind, m))
        previous = kind
    return kept
