"""The expert reviewer's licensure and certifications, as the letter words them."""

from __future__ import annotations

import re

from imr_llm.parser.context import ParseContext
from imr_llm.schema import Reviewer

# 2016-17: two labelled lines inside the "HOW THE IMR ..." boilerplate
_LABELLED = re.compile(
    r"State\(s\) of Licensure: ?(?P<lic>.{0,300}?) ?Certification\(s\)/Specialty: ?(?P<cert>.{0,500}?)"
    r" ?(?=CLINICAL CASE SUMMARY|DOCUMENTS REVIEWED|Case Summary|$)"
)
# 2013 / 2014-15 / professional review: one sentence of prose
_PROSE = re.compile(
    r"(?P<cert_text>[Bb]oard [Cc]ertified in (?P<cert>[^.]{1,200}?)"
    r"(?:,? (?:and )?has a subspecialty in (?P<sub>[^.]{1,200}?))?)"
    r",? (?:and )?(?:is )?(?P<lic_text>licensed (?:to practice )?in (?P<states>[^.]{1,200}?))\."
)
_STATE_SPLIT = re.compile(r" ?, ?(?:and )?| and ")


def _find_certified(flat: str, start: int) -> int:
    hits = [i for i in (flat.find("oard Certified in", start), flat.find("oard certified in", start)) if i >= 0]
    return min(hits) - 1 if hits else -1


def _split(text: str, sep: re.Pattern[str]) -> list[str]:
    return [part.strip() for part in sep.split(text) if part.strip()]


def parse_reviewer(ctx: ParseContext) -> Reviewer:
    flat = ctx.flat
    m = None
    at = flat.find("State(s) of Licensure")
    for _ in range(3):  # bounded work however often the label repeats
        if at < 0:
            break
        m = _LABELLED.match(flat, at, at + 1200)
        if m and m.group("cert"):
            break
        at = flat.find("State(s) of Licensure", at + 10)
    if m and m.group("cert"):
        ctx.cite("reviewer.licensure_text", *m.span("lic"))
        ctx.cite("reviewer.certification_text", *m.span("cert"))
        return Reviewer(
            board_certifications=_split(m.group("cert"), re.compile(r",")),
            subspecialties=None,
            licensed_state=_split(m.group("lic"), re.compile(r",")),
            certification_text=m.group("cert"),
            licensure_text=m.group("lic"),
        )
    m = None
    at = 0
    for _ in range(3):  # the reviewer sentence is one of the first mentions; bounded work on odd input
        at = _find_certified(flat, at)
        if at < 0:
            break
        m = _PROSE.match(flat[: at + 700], at)
        if m:
            break
        at += 10
    if m:
        ctx.cite("reviewer.certification_text", *m.span("cert_text"))
        ctx.cite("reviewer.licensure_text", *m.span("lic_text"))
        return Reviewer(
            board_certifications=_split(m.group("cert"), re.compile(r" ?, ?")),
            subspecialties=_split(m.group("sub"), re.compile(r" ?, ?")) if m.group("sub") else None,
            licensed_state=_split(m.group("states"), _STATE_SPLIT),
            certification_text=m.group("cert_text"),
            licensure_text=m.group("lic_text"),
        )
    ctx.warn("reviewer qualifications not found")
    return Reviewer()
