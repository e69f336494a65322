"""The expert reviewer's licensure and certifications, as the letter words them."""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from imr_llm.parser.context import ParseContext
from imr_llm.schema import Reviewer

# Where a reviewer may be licensed: the 50 states, the District of Columbia and the territories (the names
# the U.S. Census Bureau uses). On a scan a state is taken only as one of these names.
US_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas",
    "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York",
    "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
    "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming", "Puerto Rico", "Guam", "U.S. Virgin Islands",
)  # fmt: skip
MAX_STATE_EDITS = 2  # "Mississipp1", "Califormia", "Virgima": a letter or two misread

# Board certifications as IMR letters print them: the ABMS member boards' specialties and subspecialties
# (ABMS Guide to Medical Specialties) with the variants letters use, and the non-physician reviewers'
# fields. On a scan a name one or two letters off exactly one of these is that name ("Pan Management");
# a name that is not one of these is kept as read, and the record asks for a look.
SPECIALTIES = (
    "Addiction Medicine", "Allergy & Immunology", "Anesthesiology", "Cardiology", "Cardiovascular Disease",
    "Chiropractic", "Chiropractic Medicine", "Clinical Neurophysiology", "Clinical Psychology", "Acupuncture",
    "Dermatology", "Emergency Medicine", "Endocrinology", "Family Medicine", "Family Practice",
    "Gastroenterology", "General Surgery", "Geriatric Medicine", "Hand Surgery", "Hospice & Palliative Medicine",
    "Infectious Disease", "Internal Medicine", "Medical Toxicology", "Nephrology", "Neurological Surgery",
    "Neurology", "Neuromuscular Medicine", "Neurosurgery", "Nuclear Medicine", "Obstetrics & Gynecology",
    "Occupational Medicine", "Ophthalmology", "Orthopaedic Surgery", "Orthopedic Surgery", "Orthopedics",
    "Otolaryngology", "Pain Management", "Pain Medicine", "Physical Medicine & Rehabilitation",
    "Physical Medicine and Rehabilitation", "Physical Therapy", "Plastic Surgery", "Podiatry", "Podiatric Surgery",
    "Preventive Medicine", "Psychiatry", "Psychology", "Public Health & General Preventive Medicine",
    "Pulmonary Disease", "Radiology", "Diagnostic Radiology", "Rheumatology", "Sleep Medicine", "Spine Surgery",
    "Sports Medicine", "Surgery", "Urology", "Vascular Surgery", "Dentistry", "Oral & Maxillofacial Surgery",
)  # fmt: skip
_EDGE = " .,;:'\"\u2018\u2019\u201c\u201d|{}[]~\u2014\u2013-_=*^`"

# 2016-17: two labelled lines inside the "HOW THE IMR ..." boilerplate
# (on a scan a label's parenthesis or colon may be lost or read as another mark: "Certification(s/Specialty:",
# "Specialty'")
_LABELLED = re.compile(
    r"State\(?s\)? of Licensure[:;'.]? ?(?P<lic>.{0,300}?) ?Certification\(?s\)?/?Specialty[:;'.]? ?(?P<cert>.{0,500}?)"
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


def _closest(part: str, names: tuple[str, ...]) -> tuple[str, int]:
    """The name `part` is fewest letters off (ignoring case), and how many; a name about as near as another
    (within one letter) is no match (edits reported as 99)."""
    near = process.extract(part, names, scorer=Levenshtein.distance, limit=2, processor=str.casefold)
    best, edits = near[0][0], int(near[0][1])
    if edits and len(near) > 1 and near[1][1] - edits < 2:
        return best, 99
    return best, edits


def _ocr_states(ctx: ParseContext, states: list[str], fixes: dict[str, str] | None = None) -> list[str]:
    """On a scan, each state as one of the U.S. state names: a name one or two letters off from exactly one
    state (and three or more from any other) is that state; anything else is left out, with a warning.
    OCR reads a comma as a period ("Texas.New York"), so a period separates states too."""
    out: list[str] = []
    for part in [p.strip(_EDGE) for s in states for p in s.split(".")]:
        if not part:
            continue
        best, edits = _closest(part, US_STATES)
        if edits <= MAX_STATE_EDITS and len(part) >= 2 * edits + 2:
            out.append(best)
            if fixes is not None and edits:
                fixes[part] = best
        else:
            ctx.warn(f"reviewer.licensed_state: {part!r} is not a state name as read by OCR; left out")
    return out


def _ocr_certifications(ctx: ParseContext, names: list[str], fixes: dict[str, str] | None = None) -> list[str]:
    """On a scan, each certification without the specks OCR put at its edges ("Occupational Medicine.",
    "} Preventive Medicine"), split where a comma was read as a period, and one or two letters set right when
    it is then that near exactly one known name. A name this tool does not know is kept, with a warning."""
    parts: list[str] = []
    for name in names:
        pieces = [p.strip(_EDGE) for p in re.split(r"\.\s+", name)]
        if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces):
            parts += pieces
        else:
            parts.append(" ".join(name.replace(". ", " ").split()).strip(_EDGE))
    out: list[str] = []
    for part in [p for p in parts if p]:
        best, edits = _closest(part, SPECIALTIES)
        if edits == 0:
            out.append(part)  # as printed ("Orthopedic" or "Orthopaedic")
        elif edits <= MAX_STATE_EDITS and len(part) >= 4 * edits + 4:
            out.append(best)
            if fixes is not None:
                fixes[part] = best
        else:
            out.append(part)
            ctx.warn(
                f"reviewer.board_certifications: {part!r} as read by OCR is not a specialty this tool knows; check it"
            )
    return out


def parse_reviewer(ctx: ParseContext) -> Reviewer:
    reviewer = _parse_reviewer(ctx)
    if ctx.ocr is None:
        return reviewer
    update: dict[str, object] = {}
    if reviewer.licensed_state:
        fixes: dict[str, str] = {}
        update["licensed_state"] = _ocr_states(ctx, reviewer.licensed_state, fixes)
        update["licensure_text"] = _fixed(reviewer.licensure_text, fixes)
    if reviewer.board_certifications:
        fixes = {}
        update["board_certifications"] = _ocr_certifications(ctx, reviewer.board_certifications, fixes)
        update["certification_text"] = _fixed(reviewer.certification_text, fixes)
    return reviewer.model_copy(update=update) if update else reviewer


def _fixed(text: str | None, fixes: dict[str, str]) -> str | None:
    """The printed text with the names set right in the list set right in it too (same words, one place)."""
    for read, taken in fixes.items():
        text = re.sub(rf"(?<!\w){re.escape(read)}(?!\w)", taken, text, count=1) if text else text
    return text


def _parse_reviewer(ctx: ParseContext) -> Reviewer:
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
