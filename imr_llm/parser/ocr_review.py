"""What OCR was unsure of: key values from unsure or misread words are named in the warnings, a decision
is stated only when two readings agree, what a scan may have lost is said, and a quoted sentence ends as
one (a scan's requests: `parser.scan_requests`).

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
from imr_llm.parser.items import RATIONALE_LABEL, leave_undecided
from imr_llm.parser.lexicon import misread_words
from imr_llm.parser.verdict import after_conclusion, conclusion_sentence, medically_necessary
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


def overlaps(span: dict[str, int] | None, spans: list[Span]) -> bool:
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
        if concluded is None and item.decision == "upheld":
            concluded = _garbled_denial(item.rationale or "", item.request)
        problems: list[str] = []
        if item.decision_source == "heading":
            if overlaps(ctx.evidence.get(f"disputed_items.{i}.decision"), unsure):
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
            leave_undecided(ctx, i, item)


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


# a denial's closing sentence whose "medically" or "necessary" OCR garbled ("the request is not ee necessary.",
# "the request 1 is not \u2014 necessary.", "X is not medically popucnaG"): its own "not", the last words of the
# rationale, is read as the denial it is. Only to confirm a heading's confident "Upheld", never to approve: a lost
# "not" cannot be told from a speck, so an approval is read only as `medically_necessary` reads it.
_LAST_SENTENCE = re.compile(r"(?:^|[.!?]\s+)(?P<sentence>[^.!?]+?)[\W_]*$")
_DENIAL_END = re.compile(r"\b(?:is|are|was|were|be)\s+not\b(?P<rest>(?:[\W_]+[^\W_]+){1,3})[\W_]*$", re.I)
_NAMES_IT = re.compile(r"\b(?:request|requested|requests|therefore|thus|hence|as such|this|these|it)\b", re.I)


def _garbled_denial(rationale: str, request: str | None) -> bool | None:
    """False when the rationale ends on a sentence naming the request (or the care) that says it "is not"
    followed by at most three words, one of them "medically" or "necessary" as OCR may garble them; else None."""
    from rapidfuzz.fuzz import ratio

    last = _LAST_SENTENCE.search(rationale.strip())
    if last is None:
        return None
    sentence = last.group("sentence")
    named = _NAMES_IT.search(sentence) or (request and request[:12].lower() in sentence.lower())
    end = _DENIAL_END.search(sentence)
    if not named or end is None:
        return None
    words = re.findall(r"[^\W_]+", end.group("rest").lower())
    if any(w in ("only", "just", "merely") or w.startswith(("un", "non")) for w in words):
        return None  # "not only necessary but ...", "not unnecessary": never a plain denial
    if any(ratio(w, target) >= 75 for w in words for target in ("medically", "necessary")):
        return False
    return None


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
        return overlaps(span, unsure)
    return overlaps({"start": found[-1].start(), "end": found[-1].end()}, unsure)


def blocks_not_read(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """More 'Decision rationale:' blocks in the text than items read: pages out of order put a rationale before
    the items' heading, where no item is looked for. Any input, not only a scan: a PDF put together again from a
    fax or a scan in another order has its text layer in that order too (on 158 real and sample letters in
    their own order the count is never above the items read)."""
    blocks = len(RATIONALE_LABEL.findall(ctx.flat))  # the parser's own item label
    if blocks > len(items):
        ctx.warn(
            f"the letter holds {blocks} 'Decision rationale' blocks but {len(items)} requests were read: some "
            "requests may be missing (pages out of order?); check the letter"
        )


def what_may_be_missing(
    ctx: ParseContext, items: list[DisputedItem], fields: dict[str, object], header: tuple[str, ...] = ()
) -> None:
    """What a scan may have lost, said rather than hidden: a page OCR read nothing on (its requests would
    vanish from the count a worker is told), more 'Decision rationale:' blocks than items read
    (`blocks_not_read`), and a header value not read at all (its label garbled past finding, so no other
    warning): each one the layout's header prints (`header`), and
    the case number and decision date in any layout (a scan that lost its table reads like the 2014 one)."""
    if ctx.ocr is None:
        return
    _heading_after_the_last_rationale(ctx, items)
    for n, confidence in enumerate(ctx.ocr.page_confidence, 1):
        if confidence <= 0 and n not in ctx.ocr.blank_pages:  # a blank page has nothing to lose
            ctx.warn(f"page {n}: OCR read no text on this page; anything on it (a request, its decision) is missing")
    blocks_not_read(ctx, items)
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
    tail = after_conclusion(items[-1].rationale or "") if items else None
    if tail and ":" in tail and len(tail) <= _TAIL_REACH:  # None, no conclusion: said already (may be cut off)
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
