"""What OCR was unsure of: key values from unsure words are named in the warnings, a decision is stated
only when two readings agree, a request is words, not punctuation, and a quoted sentence ends as one.

A decision read from a scan needs two readings that agree: the heading's Upheld/Overturned, read with
good confidence and the same the second time (`OcrInfo.unconfirmed`), and the rationale's own
conclusion ("is / is not medically necessary"). Otherwise it is left null, with a warning, and the
summary says the decision could not be read: one misread word never tells a worker "approved". Where the
layout's headings carry the decision word and the scan lost it, the conclusion alone is not enough; in
layouts whose headings never carry one, the conclusion is the decision and must be read with confidence.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from imr_llm.parser.context import ParseContext
from imr_llm.parser.items import RATIONALE_LABEL
from imr_llm.parser.lexicon import misread_words
from imr_llm.parser.verdict import conclusion_sentence, medically_necessary
from imr_llm.schema import DisputedItem, Reviewer, Span

# the values a reader acts on: an unsure reading of one of these must be checked against the letter
_KEY_VALUE = re.compile(
    r"^(?:case_number|date_of_injury|ur_determination_date|application_received_date|decision_date|"
    r"date_assigned|priority|patient_age|patient_sex|reviewer\.\w+|diagnoses\.\d+|"
    r"disputed_items\.\d+\.(?:request|decision|maximus_guideline_text|claims_administrator_guideline_text|"
    r"rationale_first_sentence|item_heading_text))$"
)


def low_confidence_warnings(evidence: dict[str, dict[str, int]], low: list[Span]) -> list[str]:
    """One warning per key value whose evidence overlaps a low-confidence OCR span (sorted, merged)."""
    if not low:
        return []
    starts = [s.start for s in low]
    out = []
    for path, span in evidence.items():
        if not _KEY_VALUE.match(path):
            continue
        k = bisect_right(starts, span["end"] - 1) - 1  # the last low span starting inside or before
        if k >= 0 and low[k].end > span["start"]:
            out.append(f"{path}: read by OCR with low confidence; check it against the letter")
    return sorted(out)


def _overlaps(span: dict[str, int] | None, spans: list[Span]) -> bool:
    if span is None:
        return False
    starts = [s.start for s in spans]
    k = bisect_right(starts, span["end"] - 1) - 1
    return k >= 0 and spans[k].end > span["start"]


def corroborate_decisions(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """On a scan, null every decision that two readings do not confirm (see the module's docstring)."""
    if ctx.ocr is None:
        return
    unsure = sorted([*ctx.ocr.low_confidence, *ctx.ocr.unconfirmed], key=lambda s: s.start)
    for i, item in enumerate(items):
        if item.decision is None:
            continue
        concluded = _concluded(item.rationale or "")
        problems: list[str] = []
        if item.decision_source == "heading":
            if _overlaps(ctx.evidence.get(f"disputed_items.{i}.decision"), unsure):
                problems.append("its decision word was not read with confidence")
            if concluded is None:
                problems.append("the rationale's conclusion could not be read to confirm it")
            elif concluded != item.medically_necessary:
                problems.append("the heading and the rationale's conclusion disagree")
        elif i in ctx.headings_without_decision:
            # the heading's word was lost on the scan: the conclusion alone is one reading ("is not: medically
            # necessary" read as "is ... medically necessary" would turn a denial into an approval)
            problems.append(
                "its heading's Upheld/Overturned could not be read, and the conclusion alone is one reading"
            )
        elif _conclusion_unsure(ctx, i, item, unsure):
            problems.append("its conclusion was not read with confidence")
        if problems:
            ctx.warn(
                f"item {i + 1}: the decision read from the scan is not confirmed ({'; '.join(problems)}); left empty"
            )
            item.decision = None
            item.medically_necessary = None
            item.decision_source = None
            ctx.evidence.pop(f"disputed_items.{i}.decision", None)


# marks a scan put between two words of one sentence: a lower-case word follows, so no sentence ends there
# ("is not. 'medically necessary", "medically: necessary", "is 'not medically", "medically -necessary")
_MARK = "['\"`\u2018\u2019\u201c\u201d\u2014\u2013_~|-]"
_SPECKS_IN_SENTENCE = re.compile(rf"(?<=[A-Za-z]) ?(?:[.:;]|{_MARK})+ ?{_MARK}*(?=[a-z])")


def unspecked(rationale: str) -> str:
    """The rationale with the marks a scan put inside its sentences read as spaces, for reading its
    conclusion a second time: never a word added or taken away, so never a "not" (the heading's own
    decision word must still agree with what this reads)."""
    return _SPECKS_IN_SENTENCE.sub(" ", rationale)


_READ_AS_IS = (
    "request",
    "item_heading_text",
    "maximus_guideline_text",
    "claims_administrator_guideline_text",
    "rationale_first_sentence",
)


def misread_word_warnings(ctx: ParseContext, items: list[DisputedItem], fields: dict[str, object]) -> None:
    """On a scan, a key value holding a word OCR was sure of but that is one typical misreading from a known
    word ("motton", "Californta") is named in a warning, so the record asks for a look (`parser.lexicon`);
    the value is kept as read."""
    values: list[tuple[str, str | None]] = []
    reviewer = fields.get("reviewer")
    if isinstance(reviewer, Reviewer):
        values += [("reviewer.certification_text", reviewer.certification_text)]
        values += [("reviewer.licensure_text", reviewer.licensure_text)]
    diagnoses = fields.get("diagnoses")
    if isinstance(diagnoses, list):
        values += [(f"diagnoses.{k}", str(d)) for k, d in enumerate(diagnoses)]
    for i, item in enumerate(items):
        values += [(f"disputed_items.{i}.{name}", getattr(item, name)) for name in _READ_AS_IS]
    for path, value in values:
        found = misread_words(value) if value else []
        if found:  # which word it may be is not said: a guess shown to a reader is a value not read
            ctx.warn(
                f"{path}: the scan's '{found[0][0]}' is not a known word (a misreading?); check it against the letter"
            )


# a "not" OCR misread as another short word ("is net medically necessary", "is hot medically necessary"):
# the same letters OCR confuses (parser.lexicon), right before "medically"
_NOT_MISREAD = re.compile(r"\b(?!not\b)[nmh][oce0][tirlf1j]\b(?=\W{1,3}(?:be\W{1,3})?medically\b)", re.I)


def _concluded(rationale: str) -> bool | None:
    """The rationale's conclusion, read through specks (`unspecked`); None when it cannot be read or its
    "not" may have been misread as another word: the one word that turns a denial into an approval."""
    if not rationale:
        return None
    concluded = medically_necessary(rationale)
    if concluded is None:
        rationale = unspecked(rationale)
        concluded = medically_necessary(rationale)
    sentence = conclusion_sentence(rationale)
    if concluded is not None and sentence is not None and (_NOT_MISREAD.search(sentence) or _unclear_slot(sentence)):
        return None
    return concluded


# what may stand between "is" and "medically necessary" in an approval's conclusion; anything else there
# ("is nat", "is no t", "is n ot", "is nt", "is rot") may be a "not" the scan misread
_SLOT = re.compile(
    r"\b(?:is|are|was|were|be|been)\b(?P<slot>[^.;:]{0,60}?)\bmedically\W{1,3}(?:necessary|appropriate)", re.I
)
_SLOT_WORDS = frozenset(
    [
        "also",
        "therefore",
        "thus",
        "hence",
        "considered",
        "deemed",
        "determined",
        "found",
        "to",
        "be",
        "now",
        "currently",
        "still",
        "hereby",
        "certified",
        "as",
        "being",
        "reasonable",
        "and",
    ]
)


_COPULA = re.compile(r"\b(?:is|are|was|were|be|been)\b", re.I)


def _unclear_slot(sentence: str) -> bool:
    """An approval whose words between "is" and "medically necessary" are not all plain ones."""
    if medically_necessary(sentence) is not True:
        return False
    slots = list(_SLOT.finditer(sentence))
    if not slots:
        return False
    slot = _COPULA.split(slots[-1].group("slot"))[-1]  # after the last "is" ("is supported ... and is")
    words = re.findall(r"[^\s,]+", slot)
    return any(w.lower().strip("'\"()") not in _SLOT_WORDS for w in words)


def _conclusion_unsure(ctx: ParseContext, i: int, item: DisputedItem, unsure: list[Span]) -> bool:
    sentence = conclusion_sentence(item.rationale or "")
    span = ctx.evidence.get(f"disputed_items.{i}.rationale")
    if sentence is None or span is None or _NOT_MISREAD.search(sentence) or _unclear_slot(sentence):
        return True
    # the sentence as the page has it (its line breaks), the last one so worded: a rationale may open with
    # the verdict it closes with, and only the closing one decides
    words = sentence.split()
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    found = list(pattern.finditer(ctx.text.raw, span["start"], span["end"])) if words else []
    if not found:  # not found as read: check the whole rationale's span
        return _overlaps(span, unsure)
    return _overlaps({"start": found[-1].start(), "end": found[-1].end()}, unsure)


_WORDY = re.compile(r"[A-Za-z]{3,}")
_REQUEST_IN_RATIONALE = re.compile(
    r"\bthe (?:current |first-time )?request(?:ed)? (?:for (?:an? |the )?)?(?P<x>[^.;:]{3,150}?) "
    r"(?:is|was|would be|are|were) (?:not |also |therefore |considered |deemed |determined to be )*"
    r"(?:medically|supported|indicated|recommended|certified|appropriate|necessary)",
    re.I,
)


def what_may_be_missing(
    ctx: ParseContext, items: list[DisputedItem], fields: dict[str, object], header: tuple[str, ...] = ()
) -> None:
    """What a scan may have lost, said rather than hidden: a page OCR read nothing on (its requests would
    vanish from the count a worker is told), more 'Decision rationale:' blocks in the text than items read
    (pages out of order put headings before the items' section), and a header value not read at all (its
    label garbled past finding, so no other warning): each one the layout's header prints (`header`), and
    the case number and decision date in any layout (a scan that lost its table reads like the 2014 one)."""
    if ctx.ocr is None:
        return
    _heading_after_the_last_rationale(ctx, items)
    for n, confidence in enumerate(ctx.ocr.page_confidence, 1):
        if confidence <= 0:
            ctx.warn(f"page {n}: OCR read no text on this page; anything on it (a request, its decision) is missing")
    blocks = len(RATIONALE_LABEL.findall(ctx.flat))  # the parser's own item label
    if blocks > len(items):
        ctx.warn(
            f"the letter holds {blocks} 'Decision rationale' blocks but {len(items)} requests were read: some "
            "requests may be missing (pages out of order?); check the letter"
        )
    # a scan whose header table was lost reads like the 2014 layout, which has none: the case number and the
    # decision date are asked for whatever the layout
    for name in dict.fromkeys((*header, "case_number", "decision_date")):
        if fields.get(name) is None and not any(w.startswith(f"{name}:") for w in ctx.warnings):
            ctx.warn(f"{name}: not read from the scan; check it against the letter")


_TAIL_REACH = 300  # a heading and a speck or a footer line; a longer tail is a paragraph of the rationale


def _heading_after_the_last_rationale(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """A scan that stops after its last rationale's conclusion with a heading-like line ("Naproxen 550mg # 60:
    Overturned / 3", "Hot/cold therapy wrap: Uph", a heading whose label line was cut) has lost an item the
    parser cannot read: said, so the worker is not told a shorter list is the whole letter."""
    last = items[-1].rationale if items else None
    sentence = conclusion_sentence(last) if last else None
    if not last or sentence is None:
        return  # no conclusion: already said (the letter may be cut off inside it)
    tail = last[last.rfind(sentence) + len(sentence) :].strip()
    if tail and ":" in tail and len(tail) <= _TAIL_REACH:
        ctx.warn(
            f"the letter may go on after item {len(items)} (a heading after its rationale: {tail[:60]!r}); "
            "it looks cut off; check the letter"
        )


# the item texts quoted whole that are sentences: in the letters' text layers each ends with a period (or
# a closing quote); one read from a scan that does not has lost its last mark or word ("pg. 607" for "pg.
# 607.", a speck or the page edge), so its words may not be the letter's
_SENTENCES = {
    "maximus_guideline_text": "MAXIMUS guideline text",
    "claims_administrator_guideline_text": "Claims Administrator guideline text",
    "rationale_first_sentence": "rationale's first sentence",
}
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*\s*$|[\"\u201d]\s*$")


def unfinished_sentences(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """On a scan, a quoted sentence that does not end as one is named in a warning (see `_SENTENCES`)."""
    for i, item in enumerate(items):
        for name, label in _SENTENCES.items():
            value = getattr(item, name)
            if value and not _SENTENCE_END.search(value):
                ctx.warn(
                    f"disputed_items.{i}.{name}: the {label} read from the scan does not end as a sentence (a last "
                    "mark or word may be lost); check it against the letter"
                )


def readable_requests(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """A request is words: punctuation or a fragment read from a scan is replaced by the rationale's own
    naming of it ("The request for X is not medically necessary"), or left empty, with a warning."""
    for i, item in enumerate(items):
        tidy = tidy_request(item.request)
        if tidy != item.request and _is_request(tidy):
            _narrow(ctx, f"disputed_items.{i}.request", tidy)
            if _letters(tidy) != _letters(item.request):  # words cut, not only specks: ask for a look
                ctx.warn(f"item {i + 1}: the request was read together with other text; check it against the letter")
            item.request = tidy
        _own_lines(ctx, i, item)
        _without_unsure_lines(ctx, i, item)
        _whole_heading_line(ctx, i, item)
        if i > 0:
            _words_after_a_conclusion(ctx, i, items[i - 1])
        if _is_request(item.request):
            continue
        found = _REQUEST_IN_RATIONALE.search(item.rationale or "")
        if found is not None and _is_request(found.group("x")):
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
    r"^.{0,160}?(?:\b(?:original request|set[- ]forth below|medically necessary)\s*[,:;.]\s+"
    r"|\b(?:is|are|[1Il|t][sS]) (?:not )?medically necessary\b[,:;.]?\s+)",
    re.S,
)
_EDGE_SPECKS = " '\"`:;,.-_~|=*^\u2018\u2019\u201c\u201d\u2014\u2013"


# the letter's own words around the items, never a request's: a scan that lost the end of the sentence before a
# heading ("... the request is not medically necessary", "... set forth below:") runs it into the request
_NOT_A_REQUEST = re.compile(
    r"Final Determination|set forth|DECISIONS AND|RATIONALES?\b|items/serv|\b(?:the|this|current) request\b|"
    r"\b(?:is|are|[1Il|t][sS]) (?:not )?medically nec",
    re.I,
)


def _own_lines(ctx: ParseContext, i: int, item: DisputedItem) -> None:
    """A heading's request read together with the lines before it keeps only its own lines: those after the
    last line that holds the letter's own words (`_NOT_A_REQUEST`), with a warning; a heading that has no
    line of its own is left to `readable_requests` (the rationale's naming of it, or empty)."""
    path = f"disputed_items.{i}.request"
    span = ctx.evidence.get(path)
    if span is None or not _NOT_A_REQUEST.search(item.request):
        return
    raw = ctx.text.raw[span["start"] : span["end"]]
    cut = max((m.end() for m in _NOT_A_REQUEST.finditer(raw)), default=0)
    newline = raw.find("\n", cut)
    own = raw[newline + 1 :] if newline >= 0 else ""
    request = " ".join(own.split())
    if request and _is_request(request):
        ctx.warn(f"item {i + 1}: the request was read together with other text; check it against the letter")
        start = span["end"] - len(own.lstrip())
        ctx.cite_raw(path, start, span["end"])
        item.request = request
    else:
        item.request = ""  # no line of its own: the rationale's naming of it, or empty (readable_requests)


_LINE_BREAK = re.compile(r"[\n\f]")
# what may stand before a request on its heading's line: the partial approval's sentences
_BEFORE_A_REQUEST = re.compile(r"original request|authorized|eligible portion", re.I)
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
    if _NOT_A_REQUEST.search(before) or _BEFORE_A_REQUEST.search(before) or before.rstrip().endswith(":"):
        return
    request = " ".join((before + raw[start : span["end"]]).split()).strip(_EDGE_SPECKS)
    if not _is_request(request):
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
    breaks = [m.end() for m in _LINE_BREAK.finditer(raw, span["start"], span["end"])]
    start = span["start"]
    for cut in breaks:
        if not all(
            _overlaps({"start": k, "end": k + 1}, ctx.ocr.low_confidence) for k in range(start, cut) if raw[k].isalnum()
        ):
            break
        start = cut
    request = " ".join(raw[start : span["end"]].split())
    if start == span["start"] or not request or not _is_request(request):
        return
    ctx.warn(f"item {i + 1}: the request was read together with other text; check it against the letter")
    ctx.cite_raw(path, start, span["end"])
    item.request = request


_STRAY_REACH = 200  # a heading's first line or two; a longer run is the rationale going on


def _words_after_a_conclusion(ctx: ParseContext, i: int, previous: DisputedItem) -> None:
    """Words between the previous item's conclusion and this heading may be this heading's first line, cut
    off by a speck read as a sentence end ("MRI of the right shoulder. / without contrast: Overturned"):
    said, not guessed."""
    rationale = previous.rationale or ""
    sentence = conclusion_sentence(rationale)
    if sentence is None:
        return
    tail = rationale[rationale.rfind(sentence) + len(sentence) :].strip()
    if tail and len(tail) <= _STRAY_REACH and not _WEANING_TALK.search(tail):
        ctx.warn(
            f"item {i + 1}: the words before its heading ({tail[:60]!r}) may be part of its request; check it "
            "against the letter"
        )


_WEANING_TALK = re.compile(r"\bwean|\btaper", re.I)  # opioid denials close with a weaning paragraph


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
    if decided and _QUOTES_A_DECISION.search(request[: decided.start()]) and _is_request(after):
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


def _is_request(text: str) -> bool:
    if _BLOCK_LABEL.search(text):
        return False
    words = _WORDY.findall(text)
    letters = sum(c.isalpha() for c in text)
    visible = sum(not c.isspace() for c in text)
    return bool(words) and letters >= 0.5 * max(1, visible) and len(text) <= 600
