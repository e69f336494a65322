"""A request read from a scan is words, the heading's own: what merged or misread lines put around it is cut
away, or the page says the request could not be read.

On a scan a heading's request can come with the end of the sentence before it ("... is not medically
necessary X"), the items' intro, specks from a page's edge, a decision word and what follows it, or lose
its first words to a speck read as a sentence end. Each rule here cuts only what is not the request, says
so in a warning when words were cut, and leaves the request empty (the page then says it could not be
read) rather than show a worker a sentence that is not the care asked for. Typed text never goes through
here.
"""

from __future__ import annotations

import re

from imr_llm.parser.context import ParseContext
from imr_llm.parser.ocr_review import overlaps
from imr_llm.parser.typed_requests import BEFORE_A_REQUEST, IS_READ, LINE_BREAK, NOT_A_REQUEST, WORDY
from imr_llm.parser.verdict import after_conclusion, is_weaning_talk
from imr_llm.schema import DisputedItem

_REQUEST_IN_RATIONALE = re.compile(
    r"\bthe (?:current |first-time )?request(?:ed)? (?:for (?:an? |the )?)?(?P<x>[^.;:]{3,150}?) "
    r"(?:is|was|would be|are|were) (?:not |also |therefore |considered |deemed |determined to be )*"
    r"(?:medically|supported|indicated|recommended|certified|appropriate|necessary)",
    re.I,
)


def readable_requests(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """A request is words: punctuation or a fragment read from a scan is replaced by the rationale's own
    naming of it ("The request for X is not medically necessary"), or left empty, with a warning."""
    for i, item in enumerate(items):
        tidy = tidy_request(item.request)
        if tidy != item.request and is_request(tidy):
            _narrow(ctx, f"disputed_items.{i}.request", tidy)
            if _letters(tidy) != _letters(item.request):  # words cut, not only specks: ask for a look
                ctx.warn(f"item {i + 1}: the request was read together with other text; check it against the letter")
            item.request = tidy
        _own_lines(ctx, i, item)
        _without_unsure_lines(ctx, i, item)
        _whole_heading_line(ctx, i, item)
        if i > 0:
            _words_after_a_conclusion(ctx, i, items[i - 1])
        if is_request(item.request):
            continue
        found = _REQUEST_IN_RATIONALE.search(item.rationale or "")
        if found is not None and is_request(found.group("x")):
            ctx.warn(f"item {i + 1}: the request's heading could not be read; its name was taken from the rationale")
            item.request = found.group("x").strip()
            ctx.evidence.pop(f"disputed_items.{i}.request", None)
        else:
            ctx.warn(f"item {i + 1}: the request could not be read; check it against the letter")
            item.request = ""
            ctx.evidence.pop(f"disputed_items.{i}.request", None)


# what a scan's merged or misordered lines put around a heading's request: the heading's own decision word
# and the specks after it ("MRI of the right hand: Upheld Say a eet"), the end of the sentence before it
# ("the original request, X", "set forth below: X", "is not medically necessary: X"), and specks at its
# edges ("'Single positional MRI", ": Flector 1.3% patch")
_TRAILING_DECISION = re.compile(r"\s*:\s*(?P<word>Upheld|Overturned)\b.*$", re.S)
_LEADING_SENTENCE = re.compile(
    r"^.{0,160}?(?:\b(?:original request|set(?:[- ]|\W{1,3} )forth below|medically necessary)\s*[,:;.]\s+"
    rf"|{IS_READ} (?:not )?medically necessary\b[,:;.]?\s+)",
    re.S,
)
_EDGE_SPECKS = " '\"`:;,.-_~|=*^\u2018\u2019\u201c\u201d\u2014\u2013"


def _own_lines(ctx: ParseContext, i: int, item: DisputedItem) -> None:
    """A heading's request read together with the lines before it keeps only its own lines: those after the
    last line that holds the letter's own words (`NOT_A_REQUEST`), with a warning; a heading that has no
    line of its own is left to `readable_requests` (the rationale's naming of it, or empty)."""
    path = f"disputed_items.{i}.request"
    span = ctx.evidence.get(path)
    if span is None or not NOT_A_REQUEST.search(item.request):
        return
    raw = ctx.text.raw[span["start"] : span["end"]]
    cut = max((m.end() for m in NOT_A_REQUEST.finditer(raw)), default=0)
    newline = raw.find("\n", cut)
    own = raw[newline + 1 :] if newline >= 0 else ""
    request = " ".join(own.split())
    if request and is_request(request):
        ctx.warn(f"item {i + 1}: the request was read together with other text; check it against the letter")
        start = span["end"] - len(own.lstrip())
        ctx.cite_raw(path, start, span["end"])
        item.request = request
    else:
        item.request = ""  # no line of its own: the rationale's naming of it, or empty (readable_requests)


_HEADING_LINE_REACH = 120


def _whole_heading_line(ctx: ParseContext, i: int, item: DisputedItem) -> None:
    """A heading begins its line. A request read from the middle of its line lost its first words to a speck
    read as a sentence end ("MRI of the Right. Shoulder without contrast: Overturned" had given "Shoulder
    without contrast"): it is read from the line's start, with a warning. Not when what stands before it is
    the letter's own words (a conclusion, the partial approval's sentences)."""
    path = f"disputed_items.{i}.request"
    span = ctx.evidence.get(path)
    if span is None or item.item_heading_text or not item.request:
        return
    raw = ctx.text.raw
    start = span["start"]
    line_start = max(raw.rfind("\n", 0, start), raw.rfind("\f", 0, start)) + 1
    before = raw[line_start:start]
    if not any(c.isalpha() for c in before) or len(before) > _HEADING_LINE_REACH:
        return
    if NOT_A_REQUEST.search(before) or BEFORE_A_REQUEST.search(before) or before.rstrip().endswith(":"):
        return
    request = " ".join((before + raw[start : span["end"]]).split()).strip(_EDGE_SPECKS)
    if not is_request(request):
        return
    ctx.warn(f"item {i + 1}: a mark in the request's heading was read as a sentence end; check it against the letter")
    ctx.cite_raw(path, line_start + len(before) - len(before.lstrip()), span["end"])
    item.request = request


def _without_unsure_lines(ctx: ParseContext, i: int, item: DisputedItem) -> None:
    """A heading's request whose first lines OCR read with low confidence throughout (specks from a page's
    edge, a blot: "sets 1 nama be tM Salassa / Jamar grip test") keeps only the lines after them, with a
    warning; a line with any sure word stays."""
    path = f"disputed_items.{i}.request"
    span = ctx.evidence.get(path)
    if span is None or ctx.ocr is None or not ctx.ocr.low_confidence:
        return
    raw = ctx.text.raw
    breaks = [m.end() for m in LINE_BREAK.finditer(raw, span["start"], span["end"])]
    start = span["start"]
    for cut in breaks:
        if not all(
            overlaps({"start": k, "end": k + 1}, ctx.ocr.low_confidence) for k in range(start, cut) if raw[k].isalnum()
        ):
            break
        start = cut
    request = " ".join(raw[start : span["end"]].split())
    if start == span["start"] or not request or not is_request(request):
        return
    ctx.warn(f"item {i + 1}: the request was read together with other text; check it against the letter")
    ctx.cite_raw(path, start, span["end"])
    item.request = request


_STRAY_REACH = 200  # a heading's first line or two; a longer run is the rationale going on


def _words_after_a_conclusion(ctx: ParseContext, i: int, previous: DisputedItem) -> None:
    """Words between the previous item's conclusion and this heading may be this heading's first line, cut
    off by a speck read as a sentence end ("MRI of the right shoulder. / without contrast: Overturned"):
    said, not guessed."""
    tail = after_conclusion(previous.rationale or "")
    if tail and len(tail) <= _STRAY_REACH and not is_weaning_talk(tail):
        ctx.warn(
            f"item {i + 1}: the words before its heading ({tail[:60]!r}) may be part of its request; check it "
            "against the letter"
        )


# specks read as a short token before a heading's first word: "ee Right L5-S1 ...", "y Injection of ...", "\u00a5- MRI"
_LEADING_SPECK = re.compile(r"^(?:[^\w\s]+|(?!(?:an?|x|of|to|in|on|at|or|by|up|no)\b)[a-z]{1,2}[^\w\s]*) +(?=[A-Z0-9])")


# a sentence that quotes another decision ("... prior IMR decision: Upheld."), never a request's heading
_QUOTES_A_DECISION = re.compile(
    r"\b(?:stated|noted|prior IMR|previous|decision|determination|UR letter|IMR|reviewed|was|were)\b", re.I
)


def tidy_request(request: str) -> str:
    """A scanned heading's request without what merged lines put around it (see above); "" stays ""."""
    decided = _TRAILING_DECISION.search(request)
    after = request[decided.end("word") :].strip(_EDGE_SPECKS) if decided else ""
    if decided and _QUOTES_A_DECISION.search(request[: decided.start()]) and is_request(after):
        request = after  # a quoted decision read onto the heading after it, which lost its own decision word
    text = _TRAILING_DECISION.sub("", request)
    text = _LEADING_SENTENCE.sub("", text)
    text = text.strip(_EDGE_SPECKS)
    return _LEADING_SPECK.sub("", text).strip(_EDGE_SPECKS)


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def _narrow(ctx: ParseContext, path: str, value: str) -> None:
    """The value's evidence narrowed to where it stands inside the old span (kept as it was when not found)."""
    span = ctx.evidence.get(path)
    if span is None:
        return
    at = ctx.text.raw.find(value, span["start"], span["end"])
    if at >= 0:
        ctx.cite_raw(path, at, at + len(value))


# the letter's own block labels: a "request" that holds one is a guideline or rationale block a scan
# misplaced as a heading, never the care asked for
_BLOCK_LABEL = re.compile(r"\bguidelines?\s*[:;]|\bdecision based on\b|\bdecision rationale\b", re.I)


# a heading's decision word alone, read where its request should be (a scan that ran the heading's request into
# the line before it): never the care asked for
_DECISION_ONLY = re.compile(r"\W*(?:not\s+)?(?:upheld|overturned|overtumed)\W*", re.I)


def is_request(text: str) -> bool:
    if _BLOCK_LABEL.search(text) or _DECISION_ONLY.fullmatch(text):
        return False
    words = WORDY.findall(text)
    letters = sum(c.isalpha() for c in text)
    visible = sum(not c.isspace() for c in text)
    return bool(words) and letters >= 0.5 * max(1, visible) and len(text) <= 600
