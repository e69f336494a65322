"""A typed heading's request is its own lines: what stands before them is another text's, cut away and said.

In a typed letter (a text file, or a PDF's text layer) a heading begins its line, and a long request may wrap
onto the next. When the line before a heading lost its end (a line of the letter lost: "... the request for
physical therapy is not" with "medically necessary." gone), or ends without a sentence's period (a reference,
a web address, a fax header at the top of a page), the heading's request was read from the last sentence end
before it: "Therefore, the request for physical therapy ... is not MRI of the right shoulder". A hostile tester
found 107 of 237 such losses in the dev letters shown to the worker as a request, and some as approved.

Here a request that starts in the middle of a line (after the end of another sentence on it), or holds a line
of the letter's own words (a verdict, "the request", a reference, an address, a fax line) before its last line,
keeps only its own lines after them, with a warning (the previous rationale may have lost its end); a request
that begins in lower case (outside a partial approval's heading) may have lost its first line, and says so.
Scans have their own rules (`imr_llm.parser.scan_requests`).
"""

from __future__ import annotations

import re

from imr_llm.parser.context import ParseContext
from imr_llm.schema import DisputedItem

IS_READ = r"\b(?:is|are|[1Il|t][sS])"  # "is" as OCR reads it too: "1s", "ts", "IS"
# the letter's own words around the items, never a request's: a typed line or a scan that lost the end of the sentence
# before a heading ("... the request is not medically necessary", "... set forth below:") runs it into the request
NOT_A_REQUEST = re.compile(
    r"Final Determination|set(?:[- ]|\W{1,3} )forth|DECISIONS AND|RATIONALES?\b|items/serv|"
    r"\b(?:the|this|current) request\b|"
    rf"{IS_READ} (?:not )?medically nec",
    re.I,
)
LINE_BREAK = re.compile(r"[\n\f]")
WORDY = re.compile(r"[A-Za-z]{3,}")  # a word of three letters or more: a request has one
# a line that is no request's: a reference, a web address, a bracketed or quoted close, a fax or sender's line
_NOT_A_REQUEST_LINE = re.compile(
    r"^\s*(?:references?|sources?|citations?|see also)\b|https?://|\bwww\.|[\]\"\u201d]\s*$|"
    r"\bFAX\b|^\s*(?:FROM|TO|RE|CC):|\b\d{1,2}:\d{2}\s?(?:AM|PM)\b|\bp\.\s?\d+\s*$|"
    # a rationale's words, never a request's
    r"\b(?:therefore|as such|however|additionally|moreover|furthermore|in the absence of|given (?:that|the|there)|"
    r"documentation|guidelines?|"
    r"recommend\w*|medically|(?:is|are|was|were|do|does|did) not|there (?:is|are|was|were) no|ODG|MTUS|ACOEM)\b",
    re.I,
)
# what may stand before a request on its heading's line: the partial approval's sentences ("... was the original
# request. X: Upheld"); in a typed letter, a list's number too
BEFORE_A_REQUEST = re.compile(r"original request|authorized|eligible portion", re.I)
_LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s*$")


# the label of a decision printed on its own line ("Decision: Overturned", "Status: UPHELD"), read onto the request
_DECISION_LABEL = re.compile(r"(?:^|\s)(?:decision|status|determination|outcome)\s*$", re.I)
# the words of a partly approved heading ("X was the original request. ... The remaining IMR eligible portion of the
# original request, Y: Upheld") left in a request when the heading was not read as one
_PARTIAL_WORDS = re.compile(
    r"^.{0,200}\b(?:(?:was (?:the )?)?original request|eligible portion(?: of the original request)?)\s*[,:]\s*",
    re.I | re.S,
)


def own_request_lines(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """Each typed request without the words of another text before its own lines (see the module's docstring)."""
    raw = ctx.text.raw
    for i, item in enumerate(items):
        path = f"disputed_items.{i}.request"
        span = ctx.evidence.get(path)
        if item.item_heading_text or not item.request:
            continue  # a partial approval's heading: its remaining portion may well begin in lower case
        label = _DECISION_LABEL.search(item.request)
        if label is not None and (
            span is None or not LINE_BREAK.split(raw[span["start"] : span["end"]])[-1].strip().isalpha()
        ):
            label = None  # the word ends a request's own line ("... for a fitness determination"): the request's
        if label is not None:
            # "CT scan of head / Decision: Upheld": the decision line's label is no part of the request; a request
            # that is only the label lost its own line
            item.request = item.request[: label.start()].strip()
            if not item.request:
                ctx.warn(f"item {i + 1}: the request could not be read (its own line is not there); check the letter")
                ctx.evidence.pop(path, None)
                continue
            if span is not None:
                ctx.cite_raw(path, span["start"], span["start"] + len(item.request))
        if item.request[0].islower():
            # "treatment: Upheld" under a rationale: the heading's first line ("Wound care nurse, ...") is not here
            ctx.warn(
                f"item {i + 1}: its request begins in lower case ({item.request[:40]!r}): its first words may be "
                "lost (a line of the letter missing?); check the letter"
            )
        partial = _PARTIAL_WORDS.match(item.request)
        if partial is not None and WORDY.search(item.request[partial.end() :]):
            # "... was original request, Cyclobenzaprine 7.5mg #27: Upheld" with the line before lost: a partly
            # approved heading not read as one; the request is what follows its words, and the page says to check
            ctx.warn(
                f"item {i + 1}: its request holds the words of a partly approved heading read without the rest of "
                f"it ({item.request[: partial.end()].strip()[-60:]!r}): a line of the letter may be lost; check the "
                "letter"
            )
            item.request = item.request[partial.end() :].strip()
            if span is not None:
                ctx.cite_raw(path, span["end"] - len(item.request), span["end"])
            continue
        if span is None:
            continue
        start, end = span["start"], span["end"]
        lines = LINE_BREAK.split(raw[start:end])
        line_start = max(raw.rfind("\n", 0, start), raw.rfind("\f", 0, start)) + 1
        before = raw[line_start:start]
        mid_line = any(c.isalpha() for c in before) and not (
            BEFORE_A_REQUEST.search(before) or _LIST_NUMBER.match(before)
        )
        if len(lines) < 2:
            continue  # one line: a heading that begins where its line does, or a layout's own
        cut = max(
            (k for k, line in enumerate(lines[:-1]) if NOT_A_REQUEST.search(line) or _NOT_A_REQUEST_LINE.search(line)),
            default=0 if mid_line else -1,
        )
        if cut < 0:
            continue
        own = "\n".join(lines[cut + 1 :])
        request = " ".join(own.split())
        if not WORDY.search(request):
            continue  # no words of its own on its line: left as read (its warnings come from elsewhere)
        dropped = " ".join(" ".join(lines[: cut + 1]).split())
        ctx.warn(
            f"item {i + 1}: the words before its heading ({dropped[:60]!r}) were read into its request; they are "
            "not the request (a line of the letter may be lost there, and the rationale before it may have lost its "
            "end); check the letter"
        )
        ctx.cite_raw(path, end - len(own.lstrip()), end)
        item.request = request
