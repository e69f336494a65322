"""Which of the known letter layouts a text is (see the shared README)."""

from __future__ import annotations

import re

from imr_llm.schema import Template
from imr_llm.textnorm import FlatText

_PROFESSIONAL = re.compile(r"MEDICAL PROFESSIONAL REVIEW|ISSUE AT DISPUTE ?:")
_PROFESSIONAL_2 = re.compile(r"MEDICAL REVIEWER QUALIFICATIONS|RATIONALE FOR WHY THE REQUESTED")
_NOTICE_2013 = re.compile(
    r"Notice of Independent Medical Review Determination|"
    r"\d\) ?MAXIMUS Federal Services,? Inc\.? has determined the request",
    re.I,
)
_MAXIMUS_IMR = re.compile(r"IMR DECISION\(S\) AND RATIONALE\(S\)")
_FINAL = re.compile(r"HOW THE IMR FINAL DETERMINATION WAS MADE|IMR ISSUES, DECISIONS AND RATIONALES")
_CASE_HEADER = re.compile(r"Case ?Number ?:")
_ITEM_LABEL = re.compile(r"Decision ?rationale ?:|Claims ?Administrator ?guideline ?:")


# where a letter of each layout begins: a second one means the file holds several letters
_STARTS: dict[Template, tuple[str, ...]] = {
    Template.FINAL_2016: ("Case Number:",),
    Template.MAXIMUS_IMR: ("MAXIMUS FEDERAL SERVICES, INC.",),
    Template.NOTICE_2013: ("Notice of Independent Medical Review Determination",),
    Template.FINAL_2014: ("HOW THE IMR FINAL DETERMINATION WAS MADE",),
    Template.PROFESSIONAL_REVIEW: ("MEDICAL PROFESSIONAL REVIEW",),
}
_MAX_LETTERS_COUNTED = 1000


def first_letter(text: FlatText, template: Template) -> tuple[FlatText, int]:
    """The first letter of a file that may hold several, and how many more follow."""
    flat = text.flat
    for anchor in _STARTS[template]:
        first = flat.find(anchor)
        if first < 0:
            continue
        nxt = flat.find(anchor, first + len(anchor) + 200)
        if nxt < 0:
            return text, 0
        more, at = 1, nxt
        while more < _MAX_LETTERS_COUNTED and (at := flat.find(anchor, at + len(anchor))) >= 0:
            more += 1
        return text.truncated(nxt), more
    return text, 0


def detect_template(flat: str) -> Template | None:
    """The layout of `flat`, or None when it is not an IMR determination letter."""
    # cheap substring tests first: most letters are 2016-17 ones
    if ("REVIEW" in flat or "DISPUTE" in flat) and _PROFESSIONAL.search(flat) and _PROFESSIONAL_2.search(flat):
        return Template.PROFESSIONAL_REVIEW
    if ("otice of" in flat or "has determined" in flat) and _NOTICE_2013.search(flat):
        return Template.NOTICE_2013
    if "DECISION(S)" in flat and _MAXIMUS_IMR.search(flat):
        return Template.MAXIMUS_IMR
    if _FINAL.search(flat) or _ITEM_LABEL.search(flat):
        head = flat[:600]
        return Template.FINAL_2016 if _CASE_HEADER.search(head) else Template.FINAL_2014
    return None
