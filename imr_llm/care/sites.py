"""Which body part an item is about, in a small vocabulary of sites.

Three places, in this order (each only when the one before says nothing):

1. **The request's own words** ("MRI of the right knee", "Facet joint injections L4-5", "Lumbar support").
   A vague word alone ("back support", "spine") is not a site; beside a precise one ("for neck, back") it
   makes the request's sites incomplete, and then there is no site at all (never half of one).
2. **The guideline chapter the reviewer cited** (MTUS Low Back Complaints, ODG Knee & Leg, ...), when the
   item's diagnoses agree: a chapter covers one or two sites (Low Back: lumbar or thoracic spine), and the
   diagnoses must name exactly one of them, or (a one-site chapter) name no site at all. A chapter cited for
   a general topic (durable medical equipment) says nothing about the body. Reviewers do cite a chapter of
   another region (a knee MRI decided on Low Back Complaints): the diagnoses' check keeps that out.
3. **The diagnoses**, when together they name exactly one site, and only for care that treats or examines
   the injured part (therapy, imaging, nerve tests, injections, surgery, equipment): never for a medicine, a
   visit, a lab test or help at home, whose body part the diagnoses do not tell.

Otherwise null: a site is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SITES: dict[str, str] = {
    "head": "head, brain, skull, face",
    "cervical_spine": "neck, cervical spine (C1-C7)",
    "thoracic_spine": "upper or mid back, thoracic spine (T1-T12)",
    "lumbar_spine": "low back, lumbar or lumbosacral spine (L1-S1), sacrum, coccyx",
    "shoulder": "shoulder, rotator cuff, AC joint",
    "elbow": "elbow, epicondyle",
    "wrist_hand": "forearm, wrist, hand, fingers, thumb",
    "upper_extremity": "arm or upper extremity as a whole",
    "hip_pelvis": "hip, pelvis, groin, buttock",
    "knee": "knee, patella, meniscus",
    "ankle_foot": "ankle, foot, heel, toes",
    "lower_extremity": "leg, thigh or lower extremity as a whole",
    "chest": "chest, ribs",
    "abdomen": "abdomen",
}

# site -> (words, any case; abbreviations and spinal levels, upper case only)
_TERMS: tuple[tuple[str, str, str], ...] = (
    ("cervical_spine", r"cervical|cervicothoracic|neck|c-?spine", r"C[1-7](?:\s*-\s*C?[1-7])?"),
    (
        "thoracic_spine",
        r"thoracic(?! outlet)|thoracolumbar|cervicothoracic|mid[- ]back|upper back|dorsal spine|t-?spine",
        r"T(?:1[0-2]|[1-9])(?:\s*-\s*T?(?:1[0-2]|[1-9]))?",
    ),
    (
        "lumbar_spine",
        r"lumbar|lumbosacral|lumbo-sacral|thoracolumbar|low(?:er)? back|l-?spine|sacral|sacrum|sacroiliac|"
        r"coccyx|coccygeal",
        r"L[1-5](?:\s*-\s*[LS]?[1-5])?|S1|SI joints?",
    ),
    ("head", r"head|brain|brainstem|skull|cranial|scalp|face|facial", r""),
    ("shoulder", r"shoulders?|rotator cuff|acromioclavicular|subacromial|glenohumeral|clavicle|scapula", r"AC joint"),
    ("elbow", r"elbows?|epicondyl\w*|cubital|olecranon", r""),
    ("wrist_hand", r"wrists?|hands?|fingers?|thumbs?|forearms?|carpal|digits?|palms?", r""),
    ("upper_extremity", r"upper (?:extremit(?:y|ies)|limbs?)|arms?|humer(?:us|al)", r"RUE|LUE|BUEs?"),
    ("hip_pelvis", r"hips?|pelvis|pelvic|groin|buttocks?|gluteal", r""),
    ("knee", r"knees?|patella\w*|menisc\w*", r"ACL"),
    ("ankle_foot", r"ankles?|foot|feet|heels?|toes?|plantar|achilles|calcane\w*", r""),
    (
        "lower_extremity",
        r"lower (?:extremit(?:y|ies)|limbs?)|legs?|thighs?|calf|femur|femoral|tibias?|tibial|fibula|fibular",
        r"RLE|LLE|BLEs?",
    ),
    ("chest", r"chest|ribs?", r""),
    ("abdomen", r"abdomen|abdominal", r""),
)
# typing slips the letters print ("lumber paravertebrals")
_SLIPS: tuple[tuple[str, str], ...] = (("lumbar_spine", r"lumber"), ("wrist_hand", r"carpel"))
_VAGUE = re.compile(r"\b(?:back|spine|spinal|extremit(?:y|ies))\b", re.I)
_SPINE_WORD = re.compile(
    r"cervical|thoracic|lumbar|lumbosacral|lumbo-sacral|sacral|thoracolumbar|cervicothoracic", re.I
)
_SIDE = re.compile(r"\b(?:(?P<b>bilateral|both|bilat\.?)|(?P<l>left|lt\.?)|(?P<r>right|rt\.?))\b", re.I)


def _compile(words: str, codes: str) -> re.Pattern[str]:
    pattern = r"(?<![\w-])(?:(?i:" + words + r"))(?![\w])"
    if codes:
        pattern = r"(?:" + pattern + r"|(?<![\w-])(?:" + codes + r")(?![\w]))"
    return re.compile(pattern)


_PATTERNS = tuple((code, _compile(words, codes)) for code, words, codes in _TERMS)
_SLIP_PATTERNS = tuple((code, re.compile(rf"(?<![\w-])(?:{alt})(?![\w])", re.I)) for code, alt in _SLIPS)


@dataclass(frozen=True)
class SiteHit:
    code: str
    start: int
    end: int
    match: str  # exact | fuzzy (a known slip)


# a body word that names a device, not the body part ("knee scooter": for a foot or ankle)
_DEVICE_NAMES = re.compile(r"\bknee (?:scooter|walker|caddy)s?\b|\bhand[- ]held\b|\bhead of (?:the )?bed\b", re.I)


@lru_cache(maxsize=8192)
def find_sites(text: str) -> tuple[SiteHit, ...]:
    """Every site word in `text`, in order (one word can name two sites: "thoracolumbar")."""
    text = _DEVICE_NAMES.sub(lambda m: " " * len(m.group(0)), text)
    hits: list[SiteHit] = []
    for code, pattern in _PATTERNS:
        hits += [SiteHit(code, m.start(), m.end(), "exact") for m in pattern.finditer(text)]
    for code, pattern in _SLIP_PATTERNS:
        hits += [SiteHit(code, m.start(), m.end(), "fuzzy") for m in pattern.finditer(text)]
    # "lower back" is the low back, not the lower extremity; "upper back" not the upper extremity
    hits = [h for h in hits if not _inside_longer(h, hits)]
    return tuple(sorted(hits, key=lambda h: (h.start, h.code)))


def _inside_longer(hit: SiteHit, hits: list[SiteHit]) -> bool:
    return any(
        o is not hit and o.start <= hit.start and hit.end <= o.end and (o.end - o.start) > (hit.end - hit.start)
        for o in hits
    )


def has_vague(text: str, hits: tuple[SiteHit, ...]) -> bool:
    """A vague body word ("back", "spine") that no precise site word covers: "cervical and lumbar spine" is
    precise, "neck, back" is not."""
    for m in _VAGUE.finditer(text):
        if any(h.start <= m.start() < h.end for h in hits):
            continue
        if m.group(0).lower() in ("spine", "spinal") and any(_belongs(text, h, m.start()) for h in hits):
            continue
        return True
    return False


def _belongs(text: str, hit: SiteHit, start: int) -> bool:
    """ "spine" after a spinal adjective, with only spaces, commas, "and" or "or" between them."""
    if hit.end > start or not _SPINE_WORD.fullmatch(text[hit.start : hit.end]):
        return False
    gap = text[hit.end : start]
    return re.fullmatch(r"[\s,]*(?:(?:and|&|/|or)\s*)?", gap, re.I) is not None


def side_of(text: str) -> str | None:
    sides = set()
    for m in _SIDE.finditer(text):
        sides.add("bilateral" if m["b"] else "left" if m["l"] else "right")
    if "bilateral" in sides:
        return "bilateral" if len(sides) == 1 else None
    return sides.pop() if len(sides) == 1 else None


# -- guideline chapters -----------------------------------------------------------------------------

# chapter name (MTUS ACOEM parts, ODG chapters, ACOEM 3rd ed chapters) -> the sites it covers
_CHAPTERS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p, re.I), sites)
    for p, sites in (
        (r"\blow[- ]?back\b", ("lumbar_spine", "thoracic_spine")),
        (r"\bneck (?:and|&) upper back\b", ("cervical_spine", "thoracic_spine")),
        (r"\bshoulder\b", ("shoulder",)),
        (r"\belbow\b", ("elbow",)),
        (r"\bforearm,? wrist,? (?:and|&) hand\b|\bwrist (?:and|&) hand\b", ("wrist_hand",)),
        (r"\bhip (?:and|&) (?:pelvis|groin)\b", ("hip_pelvis",)),
        (r"\bknee(?: (?:and|&) leg)?\b", ("knee",)),
        (r"\bankle (?:and|&) foot\b", ("ankle_foot",)),
        (r"\bhead\b", ("head",)),
    )
)
# a section that is about a kind of care, not a region (ODG keeps its DME topic in the Knee chapter)
_GENERAL_SECTION = re.compile(r"durable medical equip|\bDME\b|general approach", re.I)
_NOT_A_CHAPTER = re.compile(r"\bChronic Pain\b|\bOpioid|\bAcupuncture|\bPostsurgical|\bGeneral Approaches", re.I)


@dataclass(frozen=True)
class ChapterSites:
    sites: tuple[str, ...]
    start: int
    end: int


def chapter_sites(guideline_text: str) -> list[ChapterSites]:
    """The body chapters a MAXIMUS guideline line cites, each with its sites; none when a chapter is cited
    for a general topic (DME)."""
    if _GENERAL_SECTION.search(guideline_text):
        return []
    found: list[ChapterSites] = []
    for pattern, sites in _CHAPTERS:
        for m in pattern.finditer(guideline_text):
            if any(c.start <= m.start() < c.end for c in found):
                continue
            found.append(ChapterSites(sites, m.start(), m.end()))
    return sorted(found, key=lambda c: c.start)
