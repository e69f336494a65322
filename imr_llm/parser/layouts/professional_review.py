"""The *MEDICAL PROFESSIONAL REVIEW*: numbered requests under "ISSUE(S) AT DISPUTE", one shared
guideline section and one shared rationale; the decision is read from the rationale's conclusion."""

from __future__ import annotations

import re

from imr_llm.parser.context import ParseContext
from imr_llm.parser.items import (
    assemble_item,
    cite_first_sentence,
    leave_undecided,
    read_block,
    strip_span,
)
from imr_llm.parser.layouts.base import NOT_ASSIGNED, Layout
from imr_llm.parser.verdict import conclusion_sentence, names_other_care
from imr_llm.schema import DisputedItem

_PROFESSIONAL = re.compile(r"MEDICAL PROFESSIONAL REVIEW|ISSUE AT DISPUTE ?:")
_PROFESSIONAL_2 = re.compile(r"MEDICAL REVIEWER QUALIFICATIONS|RATIONALE FOR WHY THE REQUESTED")


def detect(flat: str) -> bool:
    return (
        ("REVIEW" in flat or "DISPUTE" in flat)
        and _PROFESSIONAL.search(flat) is not None
        and _PROFESSIONAL_2.search(flat) is not None
    )


_PRO_ISSUE = ("ISSUE AT DISPUTE", "ISSUES AT DISPUTE")
_PRO_CASE = ("CASE SUMMARY",)
_PRO_GUIDELINE = ("RELIED UPON BY PROFESSIONAL REVIEWER AND WHY",)
_PRO_RATIONALE = ("IS/WAS NOT MEDICALLY NECESSARY", "MEDICALLY NECESSARY:")
_PRO_QUALIFICATIONS = ("MEDICAL REVIEWER QUALIFICATIONS",)


def _section(flat: str, starts: tuple[str, ...], ends: tuple[str, ...], lo: int = 0) -> tuple[int, int] | None:
    """The text after the first of `starts` (and its colon) up to the first of `ends` (str.find: linear)."""
    hits = [(i, len(a)) for a in starts if (i := flat.find(a, lo)) >= 0]
    if not hits:
        return None
    i, n = min(hits)
    begin = i + n
    colon = flat.find(":", begin, begin + 3)
    begin = colon + 1 if colon >= 0 else begin
    stops = [j for b in ends if (j := flat.find(b, begin)) >= 0]
    return begin, min(stops) if stops else len(flat)


_TITLE = re.compile(r"RATIONALE FOR WHY THE REQUESTED [A-Z/() ]{0,40}?MEDICALLY NECESSARY")
# a title that offers both outcomes ("IS/IS NOT", "IS OR IS NOT", "IS (NOT)") is the form's generic one
_BOTH_WAYS = re.compile(r"\b(IS|WAS) ?(?:/|OR) ?\1 NOT\b|\(NOT\)|\bIS ?/ ?NOT\b")


def _title_says(flat: str, lo: int, hi: int) -> bool | None:
    """What the rationale's title reads: "... IS/WAS NOT MEDICALLY NECESSARY" (the "IS/WAS" a tense, the "NOT" the
    outcome) False, without the "NOT" True; a title that offers both, or none, None."""
    title = _TITLE.search(flat, lo, hi)
    if title is None or _BOTH_WAYS.search(title.group(0)):
        return None
    return " NOT " not in title.group(0)


_NUMBERED = re.compile(r"(?:^| )\d{1,2}[.)] (?P<req>.+?)(?=,? \d{1,2}[.)] |$)")


def parse_professional_items(ctx: ParseContext) -> list[DisputedItem]:
    flat = ctx.flat
    issue = _section(flat, _PRO_ISSUE, _PRO_CASE)
    if issue is None:
        return []
    guideline = _section(flat, _PRO_GUIDELINE, ("RATIONALE FOR WHY", *_PRO_QUALIFICATIONS))
    rationale_span = _section(flat, _PRO_RATIONALE, _PRO_QUALIFICATIONS, guideline[1] if guideline else 0)
    body_start, body_end = issue[0], min(issue[1], issue[0] + 3000)
    numbered = list(_NUMBERED.finditer(flat, body_start, body_end))
    spans = [m.span("req") for m in numbered] or [(body_start, body_end)]
    if not numbered:
        raw_lo, raw_hi = ctx.text.raw_span(*strip_span(flat, body_start, body_end))
        lines = [line for line in ctx.text.raw[raw_lo:raw_hi].splitlines() if line.strip()]
        if len(lines) > 1 and not any(line.rstrip().endswith((",", "-", "/", "and", "&")) for line in lines[:-1]):
            # unnumbered lines under the heading may be several requests, or one request wrapped: read as one, said
            ctx.warn(
                f"the issue at dispute runs over {len(lines)} unnumbered lines: read as one request; there may be "
                "several, check the letter"
            )
    items: list[DisputedItem] = []
    for i, (s, e) in enumerate(spans):
        s, e = strip_span(flat, s, e)
        p = f"disputed_items.{i}"
        request = flat[s:e].rstrip(".;, ")
        ctx.cite(f"{p}.request", s, s + len(request))
        mx = read_block(ctx, f"{p}.maximus_guideline_text", *guideline) if guideline else None
        rationale = read_block(ctx, f"{p}.rationale", *rationale_span) if rationale_span else None
        at = strip_span(flat, *rationale_span)[0] if rationale_span else None
        item = assemble_item(ctx, i, request, None, None, None, mx, rationale, at)
        if rationale_span:
            cite_first_sentence(ctx, p, item, rationale_span[0])
        if rationale_span and item.decision_text:
            at = flat.find(item.decision_text, rationale_span[0], rationale_span[1])
            if at >= 0:
                sentence_start = flat.rfind(". ", rationale_span[0], at)
                start = sentence_start + 2 if sentence_start >= 0 else rationale_span[0]
                ctx.cite(f"{p}.decision", start, at + len(item.decision_text))
                ctx.cite(f"{p}.decision_text", at, at + len(item.decision_text))
        title_at = rationale_span[0] if rationale_span else 0
        titled = _title_says(flat, max(0, title_at - 200), title_at)
        if item.decision is not None and titled is not None and titled != (item.decision == "overturned"):
            # the rationale's title is the form's own reading of the outcome: a conclusion at odds with it (one "not"
            # away) is a second reading that disagrees, so neither is taken, and the page says to check the letter
            ctx.warn(
                f"item {i + 1}: the rationale's title says '{'' if titled else 'not '}medically necessary' but its "
                f"conclusion says {'not ' if titled else ''}medically necessary; decision left empty, check the letter"
            )
            _undecided(ctx, i, item)
        if len(spans) > 1 and item.decision_source == "rationale" and rationale:
            # one rationale for every request: its conclusion decides only the requests it names (or all, when it
            # names them as a whole); another request's verdict is never this one's
            sentence = conclusion_sentence(rationale)
            if sentence is not None and names_other_care(sentence, item.request):
                ctx.warn(
                    f"item {i + 1}: the shared rationale's conclusion names other care ({sentence.strip()!r}); "
                    "decision left empty, check the letter"
                )
                _undecided(ctx, i, item)
        items.append(item)
    return items


def _undecided(ctx: ParseContext, i: int, item: DisputedItem) -> None:
    """`items.leave_undecided`, and the conclusion's words no longer given as the decision's text."""
    leave_undecided(ctx, i, item)
    item.decision_text = None
    ctx.evidence.pop(f"disputed_items.{i}.decision_text", None)


LAYOUT = Layout(
    name="professional_review",
    order=10,
    detect=detect,
    starts=("MEDICAL PROFESSIONAL REVIEW",),
    items_begin=(*_PRO_ISSUE, "RATIONALE FOR WHY"),
    items=parse_professional_items,
    header_values=NOT_ASSIGNED,  # no "Date Assigned" in its header
)
