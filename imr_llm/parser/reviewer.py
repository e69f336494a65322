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


def _split(text: str, sep: re.Pattern[str]) -> list[str]:
    return [part.strip() for part in sep.split(text) if part.strip()]


def parse_reviewer(ctx: ParseContext) -> Reviewer:
    flat = ctx.flat
    m = _LABELLED.search(flat)
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
    m = _PROSE.search(flat)
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
