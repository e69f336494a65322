"""The 2013 *Notice of Independent Medical Review Determination*: numbered determinations
("1) MAXIMUS Federal Services, Inc. has determined the request for X is not medically necessary"),
then numbered detail sections with their own labels; no decision word, the verdict is the phrase."""

from __future__ import annotations

import re

from imr_llm.parser.context import ParseContext
from imr_llm.parser.items import (
    MAX_ITEMS,
    TRAILER,
    assemble_item,
    cite_first_sentence,
    label_groups,
    read_block,
    stops_mid_sentence,
    strip_span,
)
from imr_llm.parser.layouts.base import NOT_ASSIGNED, Layout
from imr_llm.parser.verdict import (
    ends_denying_the_request,
    ends_on_a_bare_verdict,
    ends_with_a_closing,
    medically_necessary,
)
from imr_llm.schema import DisputedItem

_NOTICE = re.compile(
    r"Notice of Independent Medical Review Determination|"
    r"\d\) ?MAXIMUS Federal Services,? Inc\.? has determined the request",
    re.I,
)
_LABELS_2013 = (
    ("ca", re.compile(r"Medical Treatment Guideline\(s\) Relied [Uu]pon by the Claims Administrator ?:")),
    ("mx", re.compile(r"Medical Treatment Guideline\(s\) Relied [Uu]pon by the Expert Reviewer ?:")),
    ("dr", re.compile(r"Rationale for the Decision ?:")),
)
_REGARDING_START = re.compile(r"\d\) ?Regarding the request")


# the later layouts' label over each item's reasons (a 2013 notice says "Rationale for the Decision:")
_LATER_RATIONALE = re.compile(r"Decision rationale ?:", re.I)


def detect(flat: str) -> bool:
    """A 2013 notice: its title, or a numbered determination line, before any later layout's "Decision rationale:"
    (one such line pasted inside a 2016 letter's rationale had made the whole letter a 2013 notice, and its six
    real items were lost to one phantom)."""
    if not ("otice of" in flat or "has determined" in flat):
        return False
    m = _NOTICE.search(flat)
    return m is not None and _LATER_RATIONALE.search(flat, 0, m.start()) is None


def summary_stop(flat: str, start: int, stop: int) -> int:
    """The case summary ends where the first detail section ("1) Regarding the request ...") begins."""
    regarding = _REGARDING_START.search(flat, start, stop)
    return regarding.start() if regarding else stop


_DETERMINATION = re.compile(
    r"(?P<num>\d{1,2})\) ?MAXIMUS Federal Services,? Inc\.? has determined the request for "
    # the request never runs past the next numbered determination: a damaged verdict ("nolmedically") must not
    # borrow the next line's
    r"(?P<req>(?:(?!\d{1,2}\) ?MAXIMUS Federal).){1,500}?) (?P<verdict>is (?:not ?)?medically necessary"
    r"(?: and appropriate)?)\."
)
_REGARDING = re.compile(r"(?P<num>\d{1,2})\) ?Regarding the request for (?P<req>.{1,500}?):(?= )")


_ITEM_NUMBER = re.compile(r"\d{1,2}\)")


def _anchored(flat: str, pattern: re.Pattern[str], literal: str, back: int) -> list[re.Match[str]]:
    """Matches of `pattern` starting shortly before each `literal` (found by str.find), at most
    MAX_ITEMS * 2 of them: linear work however the text repeats itself."""
    found: list[re.Match[str]] = []
    at = flat.find(literal)
    for _ in range(2 * MAX_ITEMS):
        if at < 0:
            break
        numbers = list(_ITEM_NUMBER.finditer(flat, max(0, at - back), at))
        m = pattern.match(flat, numbers[-1].start(), at + len(literal) + 600) if numbers else None
        if m:
            found.append(m)
        at = flat.find(literal, at + len(literal))
    return found


def parse_notice_items(ctx: ParseContext) -> list[DisputedItem]:
    """2013 notices: numbered determinations, then numbered detail sections."""
    flat = ctx.flat
    determinations: dict[int, re.Match[str]] = {}
    details = {int(m.group("num")): m for m in _anchored(flat, _REGARDING, "Regarding the request for", 40)}
    first_detail = min((m.start() for m in details.values()), default=len(flat))
    for m in _anchored(flat, _DETERMINATION, "has determined the request for", 70):
        if m.start() > first_detail:
            # the notice lists its determinations before the first detail section: one inside a section's words
            # (a quoted or pasted line, "3) MAXIMUS ... has determined the request for Viagra ...") is no item
            ctx.warn(
                f"a determination line inside a detail section ({m.group('num')}) is not one of this letter's "
                "items; check the letter"
            )
            continue
        determinations.setdefault(int(m.group("num")), m)
    groups = label_groups(flat, _LABELS_2013, 0)
    trailer = TRAILER.search(flat, max((m.end() for m in details.values()), default=0))
    text_end = trailer.start() if trailer else len(flat)
    detail_list = sorted(details.values(), key=lambda m: m.start())
    items: list[DisputedItem] = []
    # every numbered determination, and every numbered detail section whose determination line could not be
    # read (damaged, cut): that request is still in the letter, its decision read only from its own section
    for i, num in enumerate(sorted(set(determinations) | set(details))[:MAX_ITEMS]):
        line = determinations.get(num)
        p = f"disputed_items.{i}"
        if line is not None:
            ctx.cite(f"{p}.request", *line.span("req"))
            ctx.cite(f"{p}.decision_text", *line.span("verdict"))
            ctx.cite(f"{p}.decision", line.start("req"), line.end("verdict"))
            says: bool | None = "not" not in line.group("verdict").replace("notmedically", "not medically").split()
            request, verdict = line.group("req"), line.group("verdict")
        else:
            found = details[num]
            ctx.cite(f"{p}.request", *found.span("req"))
            ctx.warn(f"item {i + 1}: its determination line ({num}) could not be read; check the letter")
            ctx.headings_without_decision.add(i)  # only its section's own closing verdict may decide it
            says, request, verdict = None, found.group("req"), None
        ca = mx = rationale = None
        rationale_at = 0
        d = details.get(num)
        if d is not None:
            after = [x.start() for x in detail_list if x.start() > d.start()]
            section_end = after[0] if after else text_end
            group = next((gr for gr in groups if d.end() <= min(x.start() for x in gr.values()) < section_end), {})
            order = sorted(group.items(), key=lambda kv: kv[1].start())
            for k, (kind, lab) in enumerate(order):
                stop = order[k + 1][1].start() if k + 1 < len(order) else section_end
                path = {
                    "ca": "claims_administrator_guideline_text",
                    "mx": "maximus_guideline_text",
                    "dr": "rationale",
                }[kind]
                value = read_block(ctx, f"{p}.{path}", lab.end(), stop)
                if kind == "ca":
                    ca = value
                elif kind == "mx":
                    mx = value
                else:
                    rationale, rationale_at = value, strip_span(flat, lab.end(), stop)[0]
        item = assemble_item(ctx, i, request, verdict, says, ca, mx, rationale, rationale_at)
        cite_first_sentence(ctx, p, item, rationale_at)
        items.append(item)
    _check_final(ctx, items)
    if items and items[-1].rationale and ends_on_a_bare_verdict(items[-1].rationale):
        pass  # "... Not medically necessary.": a terse reviewer's end
    elif items and items[-1].rationale and (ending := stops_mid_sentence(items[-1].rationale, ctx.ocr is not None)):
        # a notice cut inside its last rationale ("... Rationale for the Decision: The guidel") ends mid-sentence; a
        # whole one ends a sentence (the other cut checks are written on the 2016-17 letters' endings, not these)
        ctx.warn(f"item {len(items)}: its rationale stops mid-sentence ({ending!r}): the letter may be cut off there")
    elif (
        items
        and (last := items[-1].rationale)
        and medically_necessary(last) is None
        and not ends_with_a_closing(last)
        and not ends_denying_the_request(last, items[-1].request)
    ):
        # cut at a sentence's end before the rationale's conclusion ("The request for X is (not) medically necessary
        # and appropriate."), which every item of a notice closes on
        ctx.warn(f"item {len(items)}: its rationale ends without a conclusion: the letter may be cut off there")
    return items


_FINAL = re.compile(r"Final Determination ?: ?(?P<what>UPHOLD|OVERTURN)(?P<part> IN PART)?", re.I)


def _check_final(ctx: ParseContext, items: list[DisputedItem]) -> None:
    """The notice's own summary ("Final Determination: OVERTURN IN PART") against the items read: a letter that
    says some were overturned, with none read as overturned, has lost one."""
    m = _FINAL.search(ctx.flat)
    if m is None or not items:
        return
    decisions = {item.decision for item in items}
    if m.group("part"):
        expected_ok = "upheld" in decisions and "overturned" in decisions
    elif m.group("what").upper() == "OVERTURN":
        expected_ok = decisions == {"overturned"}
    else:
        expected_ok = decisions == {"upheld"}
    if not expected_ok:
        ctx.warn(
            f"the letter's Final Determination says {m.group(0).split(':', 1)[1].strip()!r}, which the items read "
            "do not match: a request or its decision may be missing; check the letter"
        )


LAYOUT = Layout(
    name="notice_2013",
    order=20,
    detect=detect,
    starts=("Notice of Independent Medical Review Determination",),
    # its items begin with the numbered determinations ("1) MAXIMUS Federal Services, Inc. has determined ...")
    items_begin=("has determined the request", "Rationale for the Decision"),
    items=parse_notice_items,
    summary_stop=summary_stop,
    prose_dates=("application_filed_date", "notice_of_assignment_date"),
    header_values=NOT_ASSIGNED,  # no "Date Assigned" in its header
)
