"""Guideline lines -> short names (the gold vocabulary).

MTUS parts are named by their part, never by their sections ("Section(s): 3.3.9
Opioids for Chronic Pain ..." must not add the Chronic Pain guidelines); any ODG
citation is "ODG"; other sources become "Non-MTUS: <short name>".
"""

from __future__ import annotations

import re

from imr_llm.words import english_words

# (spellings in the MTUS part of a line, short name); the MTUS chapters of ACOEM 2004.
# Plain substrings, not regexes: str.find is much faster and these are literal names.
MTUS_PARTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Chronic Pain",), "MTUS Chronic Pain Medical Treatment Guidelines"),
    (("Acupuncture",), "MTUS Acupuncture Medical Treatment Guidelines"),
    (("Opioid Treatment", "Opioids Treatment"), "MTUS Opioid Treatment"),
    (("Postsurgical", "Post-surgical", "Post-Surgical"), "MTUS Postsurgical Treatment Guidelines"),
    (("General Approach",), "MTUS General Approaches"),
    (("Low Back Complaints",), "MTUS Low Back Complaints"),
    (("Neck and Upper Back Complaints",), "MTUS Neck and Upper Back Complaints"),
    (("Shoulder Complaints",), "MTUS Shoulder Complaints"),
    (("Elbow Complaints",), "MTUS Elbow Complaints"),
    (
        ("Forearm, Wrist, and Hand Complaints", "Forearm, Wrist and Hand Complaints"),
        "MTUS Forearm, Wrist, and Hand Complaints",
    ),
    (("Knee Complaints",), "MTUS Knee Complaints"),
    (("Ankle and Foot Complaints",), "MTUS Ankle and Foot Complaints"),
    (("Stress Related Conditions",), "MTUS Stress Related Conditions"),
    (("Eye Chapter", "Eye Complaints", "Eye 20"), "MTUS Eye"),
)
MTUS_NAMES = frozenset(name for _, name in MTUS_PARTS)
# the part names as printed after "MTUS", for reading them through OCR misreadings ("MTUS Chrome Pain Medical
# Treatment 2016"): the official titles, so a few wrong letters in a long name still name one part
_PRINTED_PARTS: tuple[tuple[str, str], ...] = (
    ("Chronic Pain Medical Treatment", "MTUS Chronic Pain Medical Treatment Guidelines"),
    ("Acupuncture Medical Treatment", "MTUS Acupuncture Medical Treatment Guidelines"),
    *((spellings[0], name) for spellings, name in MTUS_PARTS[2:]),
)
_PART_START = re.compile(r"\bMTUS\b[:\s]*|,? \band\s+")

MAX_LINE = 4000
_NO_EVIDENCE = re.compile(r"did not cite any medical evidence", re.I)
_NON_MTUS = re.compile(r"Non-? ?MTUS(?: Citation)?:?", re.I)
_SECTIONS = re.compile(r"Section\(s\):.{0,3000}?(?=, and |\.\s+Decision|\.?\s*$)")
_PAGES = re.compile(r"Page\(s\):\s*[\d, -]+")

_ODG = re.compile(r"Official Disability Guidelines|\bODG\b")
# ODG chapter names: a Non-MTUS citation that starts with one of them is ODG even
# when the guideline itself is not named ("Low Back (Hyperstimulation analgesia)").
_ODG_CHAPTER = re.compile(
    r"^(?:Low Back|Neck (?:&|and) Upper Back|Knee (?:&|and) Leg|Shoulder|Elbow|Pain|Head|"
    r"Forearm,? Wrist,? (?:&|and) Hand|Ankle (?:&|and) Foot|Hip (?:&|and) Pelvis|"
    r"Fitness for Duty|Mental Illness (?:&|and) Stress|Carpal Tunnel Syndrome|Burns|Chronic Pain)"
    r"\b[^.]*?(?:\(|,|/|Chapter|Section|Topic)",
    re.I,
)
_ACOEM = re.compile(r"ACOEM Occupational Medicine Practice Guidelines,? (\d+(?:st|nd|rd|th) ed)", re.I)
_UPTODATE = re.compile(r"(?:et al\.?\s*)?([^.]{4,200}?)\.\s*Topic \d+[^U]{0,200}?UpToDate", re.I)
# (a web address broken at a line end reads with a space before or after a "/" once de-wrapped)
_CMS = re.compile(r"cms\.gov(?:\S|\s(?=/)){0,300}?/\s?(R\d+[A-Z]+)\.pdf", re.I)
_ORGS = re.compile(
    r"National Heart, Lung, and Blood Institute|National Institutes of Health|"
    r"Centers for Disease Control and Prevention|U\.S\. Food and Drug Administration|"
    r"American Academy of [A-Z][a-z]+(?: [A-Z][a-z]+)*|American College of [A-Z][a-z]+(?: [A-Z][a-z]+)*"
)


def _mtus_names(mtus_part: str, misread: bool = False) -> list[tuple[int, str]]:
    text = mtus_part
    if "Section(s)" in text:
        text = _SECTIONS.sub(" ", text)
    if "Page(s)" in text:
        text = _PAGES.sub(" ", text)
    found: list[tuple[int, str]] = []
    for spellings, name in MTUS_PARTS:
        at = [i for i in (text.find(s) for s in spellings) if i >= 0]
        if at:
            found.append((min(at), name))
    if misread:
        named = {name for _, name in found}
        found += [(at, name) for at, name in _misread_parts(text) if name not in named]
    return found


def _misread_parts(text: str) -> list[tuple[int, str]]:
    """Part names a few OCR misreadings away from one official title, where a part's name starts (after
    "MTUS", or "and" between two parts). At most one edit in ten letters, and no second title nearly as
    close: "Chrome Pain Medical Treatment" is the Chronic Pain guidelines, "Low Back Complamnts" the Low
    Back chapter; a garbled word that could be two parts names neither."""
    from rapidfuzz.distance import Levenshtein

    found: list[tuple[int, str]] = []
    for m in _PART_START.finditer(text):
        at = m.end()
        scored = []
        for printed, name in _PRINTED_PARTS:
            allowed = max(1, len(printed) // 10)
            best = min(
                Levenshtein.distance(printed, text[at : at + len(printed) + k], score_cutoff=12) for k in range(-2, 3)
            )
            scored.append((best, allowed, name))
        scored.sort()
        (best, allowed, name), runner_up = scored[0], scored[1][0]
        if best <= allowed and runner_up > best + 2:
            found.append((at, name))
    return found


def _non_mtus_names(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    odg = _ODG.search(text)
    if odg:
        found.append((odg.start(), "ODG"))
    elif _ODG_CHAPTER.match(text.strip()):
        found.append((0, "ODG"))
    if "ACOEM" in text:
        found += [
            (m.start(), f"Non-MTUS: ACOEM Occupational Medicine Practice Guidelines, {m.group(1)}")
            for m in _ACOEM.finditer(text)
        ]
    if "UpToDate" in text:
        found += [(m.start(), f"Non-MTUS: UpToDate, {m.group(1).strip()}") for m in _UPTODATE.finditer(text)]
    if "cms.gov" in text:
        found += [(m.start(), f"Non-MTUS: Medicare (cms.gov transmittal {m.group(1)})") for m in _CMS.finditer(text)]
    for m in _ORGS.finditer(text):
        title = re.search(r"([^.]{0,200}\?)\s*$", text[max(0, m.start() - 200) : m.start()])
        name = f"{m.group(0)}, {title.group(1).strip()}" if title else m.group(0)
        found.append((m.start(), f"Non-MTUS: {name}"))
    if not found and text.strip():
        head = re.split(r"[.,;(]", text.strip(), maxsplit=1)[0].strip()
        found.append((0, f"Non-MTUS: {head[:80]}"))
    return found


_SPLIT_WORD = re.compile(r"\b([A-Za-z][a-z]+)- ?([a-z]+)\b")


def _unsplit(m: re.Match[str]) -> str:
    """A word hyphenated at a line end ("Com-plaints") as one word, when it is one; "anti-inflammatory" stays."""
    joined = m.group(1) + m.group(2)
    return joined if joined.lower() in english_words() else m.group(0)


def normalize_guidelines(line: str | None, misread: bool = False) -> list[str] | None:
    """Short names of what a guideline line cites, in order of appearance.

    [] when the reviewer "did not cite any medical evidence"; None for no line. `misread`: the line was
    read by OCR, so an MTUS part's title a few misread letters away is still read (`_misread_parts`).
    """
    if line is None:
        return None
    line = line[:MAX_LINE]  # real lines are a few hundred characters; bounded work on odd input
    if _NO_EVIDENCE.search(line):
        return []
    if "-" in line:
        line = _SPLIT_WORD.sub(_unsplit, line)  # "Low Back Com-plaints" (a line-end hyphen kept by the de-wrap)
    names: list[tuple[int, str]] = []
    non = _NON_MTUS.search(line)
    mtus_part = line[: non.start()] if non else line
    names += _mtus_names(mtus_part, misread)
    if non:
        names += [(non.end() + pos, name) for pos, name in _non_mtus_names(line[non.end() :])]
    elif _ODG.search(line):
        names.append((_ODG.search(line).start(), "ODG"))  # type: ignore[union-attr]
    out: list[str] = []
    for _, name in sorted(names, key=lambda p: p[0]):
        if name not in out:
            out.append(name)
    # a line that cites something no rule reads is not "no medical evidence" ([]): unknown (None)
    return out or None
