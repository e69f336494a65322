"""Diagnoses from the case summary: whole, one entry per diagnosis, with an ICD-10-CM code when
one is certain.

The rules (the README repeats them):

1. **Where.** A diagnosis statement opens with "diagnosed with / as having", "is undergoing
   treatment for", "is being treated for", "Diagnoses include / are", "The current diagnoses are
   documented as", "has diagnoses that include", "gave the applicant diagnoses of", "a diagnosis
   of". The first statement in the case summary is taken whole; a later one adds its diagnoses
   only when it reads as a plain list (short entries, no verb, no "such as") and only the ones
   not already named, so "He was also diagnosed with insomnia" counts and "diagnosed with a
   contusion and initial x-rays reveal..." does not.
2. **Lead-ins go**: "diagnoses of", "diagnosed with", "include", "noted to include:", a stray
   "is" or "as", a leading article. The statement ends at its sentence's period.
3. **Split** on semicolons, commas and "and" (never inside parentheses or "and/or"), then put
   back together what is one diagnosis:
   - an **official ICD-10-CM name** that holds commas or "and" ("Other intervertebral disc
     displacement, lumbosacral region", "Strain of muscle, fascia and tendon of lower back",
     "Dizziness and giddiness") stays whole;
   - a **qualifier** ("initial encounter", "subsequent", "sequela", "unspecified", "lumbosacral
     region", "right arm") belongs to the diagnosis before it;
   - a **site or side alone** belongs to the condition it shares: after a diagnosis that ends
     in a site ("strain in right hip, ankle, and foot", "contusion of face, scalp and neck") it
     joins that one; before one ("right and left shoulder joint sprain", "neck, back and
     shoulder pain", "cervical, thoracic and lumbar muscle strain") it joins the next;
   - a single condition word before "and" and a longer phrase that starts with a condition
     ("sprain and strain of the lumbar spine", "numbness and weakness of both hands") is one;
     a lone generic word after "and" ("... heel pain and injury") stays with what it follows;
   - anything else is its own diagnosis: "hypertension and dyslipidemia" is two, "lumbar strain
     and bulging of the lumbar disc" is two.
   A run with no punctuation is split only before "rule out" and "status post".
4. **Codes** come from `imr_llm.icd10`: exact, fuzzy (a measured threshold, no added side or
   site), or none. "Possible", "rule out", "history of" and "status post" get none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from imr_llm.icd10 import Icd10Index, icd10_index
from imr_llm.parser.context import ParseContext
from imr_llm.schema import CodedDiagnosis, LetterRecord

_DX_OPENER = re.compile(
    r"(?:(?:currently |was currently |also |later )?diagnosed (?:as having|with)|"
    r"(?:is|was|has been|had been) (?:also )?(?:currently )?(?:undergoing treatments? for|being treated for|"
    r"treated for)|"
    r"[Dd]iagnoses(?:,? and-or impressions,?)? (?:are|were|include[sd]?|(?:were )?noted to include)|"
    r"[Tt]he (?:current |working |other |additional )?diagnos[ie]s (?:is|are|was|were) documented(?: as)?|"
    r"[Tt]he (?:current |working |other |additional )?diagnos[ie]s (?:is|are|was|were|include)|"
    r"has diagnos[ie]s (?:that|which) includes?|has had (?:a )?diagnos[ie]s of|"
    r"(?:gave|given) (?:the (?:applicant|patient|claimant|injured worker) )?(?:a )?diagnos[ie]s of|"
    r"(?:a|with a|the) diagnosis of)"
    r":? (?P<body>.{1,1500}?)(?:\.[\"\u201d]?(?= |$)|\.(?=[A-Z][a-z])|$)",
)
_WEAK_OPENER = re.compile(r"(?:a|with a|the) diagnosis of", re.I)
_LEAD_IN = re.compile(
    r"^(?:(?:the |a |an )?(?:following |current |working )?diagnos[ie]s (?:of|include[sd]?|are|is|was|were|as)\b|"
    r"diagnosed (?:with|as(?: having)?)\b|(?:were |was )?noted to include\b|include[sd]?\b|"
    r"(?:is|are|was|were|as|of|with|for)\b(?= \w+ \w+)|(?:a|an|the)\b)[\s:]*",
    re.I,
)
# words that name a place on the body, a side, or the part of an ICD name that says where
_SITE_WORDS = """
right left bilateral both upper lower low mid middle anterior posterior lateral medial distal proximal
sided side dorsal volar palmar plantar superior inferior multiple right-sided left-sided
head face facial scalp skull neck cervical thoracic lumbar lumbosacral sacral sacrum sacroiliac coccyx
spine spinal back chest thorax rib ribs abdomen abdominal pelvis pelvic groin inguinal hip hips buttock
buttocks thigh thighs knee knees leg legs calf shin ankle ankles foot feet heel heels toe toes shoulder
shoulders arm arms elbow elbows forearm forearms wrist wrists hand hands finger fingers thumb thumbs
digit digits extremity extremities limb limbs joint joints ligament ligaments tendon tendons muscle
muscles fascia disc discs vertebra vertebrae nerve nerves region level area part parts site wall
girdle trunk torso jaw eye eyes ear ears meniscus patella labrum rotator cuff paraspinal paravertebral
"""
_FUNCTION_WORDS = "of the a an in at to on his her their"
_SITE = frozenset(_SITE_WORDS.split()) | frozenset(_FUNCTION_WORDS.split())
_FUNCTION = frozenset(_FUNCTION_WORDS.split())
_QUALIFIER = frozenset({"initial", "subsequent", "encounter", "encounters", "sequela", "unspecified", "nos"})
_SPINE_LEVEL = re.compile(r"^[CTLS]\d{1,2}(?:[-/][CTLS]?\d{1,2})?$", re.I)
# conditions of one place: after "and", a single one shares the site of the diagnosis before it
# ("wrist tendinitis and bursitis"); a condition of the whole person does not ("back pain and insomnia")
_LOCAL = re.compile(
    r"^(?:\w+itis|injury|injuries|pain|trauma|strain|sprain|contusion|swelling|stiffness|numbness|weakness|"
    r"tenderness|spasms?|effusion|instability|tear)$"
)
# a procedure named in the list is not a diagnosis ("fracture of the finger and repair on 10-22-16")
_PROCEDURE = re.compile(
    r"^(?:repair|surgery|surgical|excision|release|fusion|arthroscop\w*|\w+ectomy|\w+plasty|\w+otomy|"
    r"injection|procedure|operation)\b",
    re.I,
)
# modifiers that do not change what kind of piece a phrase is
_MODIFIER = re.compile(
    r"^(?:(?:rule out|r/o|possible|probable|suspected|suspect|history of|status post|s/p|mild|moderate|"
    r"severe|acute|chronic|persistent|recurrent)\s+)+",
    re.I,
)
_CONDITION_START = re.compile(
    r"^(?:strain|sprain|contusion|pain|fracture|tear|injur|numbness|weakness|tingling|stiffness|swelling|"
    r"laceration|abrasion|dislocation|spasm|tendin|tendon|bursitis|derangement|instability|impingement)",
    re.I,
)
_RUN_SPLIT = re.compile(r" (?=rule out |status post )")
_SEPARATOR = re.compile(r";|,(?: and\b| or\b)?| and (?!/|or\b|-or\b)")
_NOT_A_LIST = re.compile(
    r"\b(?:is|are|was|were|has|have|had|reveal\w*|report\w*|complet\w*|indicat\w*|showed|shows|to|which|that|"
    r"who|because|therefore|however|such as|resulting|based|noted|when|if|not|no|any)\b",
    re.I,
)


@dataclass
class _Piece:
    start: int  # offsets in the body
    end: int
    separator: str  # the separator before it ("" for the first)
    locked: bool = False  # an official name: never split, never merged into another

    def text(self, body: str) -> str:
        return body[self.start : self.end]


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9/'-]+", text.lower())


def _core(text: str) -> str:
    return _MODIFIER.sub("", text.strip())


def _is_site(text: str) -> bool:
    words = [w for word in _words(_core(text)) for w in re.split(r"[-/]", word) if w]
    return bool(words) and all(w in _SITE or _SPINE_LEVEL.match(w) for w in words)


def _is_qualifier(text: str) -> bool:
    words = _words(text)
    if not words:
        return False
    if all(w in _SITE or w in _QUALIFIER or _SPINE_LEVEL.match(w) for w in words) and any(
        w in _QUALIFIER for w in words
    ):
        return True
    return _is_site(text) and words[-1] in {"region", "level", "site"}


def _ends_with_site(text: str) -> bool:
    words = _words(text)
    return bool(words) and (words[-1] in _SITE or words[-1] in _QUALIFIER or bool(_SPINE_LEVEL.match(words[-1])))


def _bracketed(body: str) -> list[bool]:
    """Which characters are inside a closed pair of brackets (an unclosed "[" from a scan is text)."""
    inside = [False] * len(body)
    opened: list[int] = []
    for i, ch in enumerate(body):
        if ch in "([":
            opened.append(i)
        elif ch in ")]" and opened:
            a = opened.pop()
            for k in range(a + 1, i):
                inside[k] = True
    return inside


def _pieces(body: str) -> list[_Piece]:
    """Cut at separators outside parentheses."""
    pieces: list[_Piece] = []
    inside = _bracketed(body)
    at, separator = 0, ""
    i = 0
    while (m := _SEPARATOR.search(body, i)) is not None:  # the next place a separator matches (as match() there)
        i = m.start()
        if not inside[i] and (m.group(0) != " and " or i > at):
            pieces.append(_Piece(at, i, separator))
            separator, at = m.group(0), m.end()
            i = m.end()
            continue
        i += 1
    pieces.append(_Piece(at, len(body), separator))
    for piece in pieces:  # trim blanks inside each piece's span
        while piece.start < piece.end and body[piece.start] in " \t":
            piece.start += 1
        while piece.end > piece.start and body[piece.end - 1] in " \t":
            piece.end -= 1
    return [p for p in pieces if p.end > p.start]


def _lock_official_names(body: str, pieces: list[_Piece], index: Icd10Index | None) -> list[_Piece]:
    """Join the longest runs of pieces that together are an official ICD-10-CM name."""
    if index is None:
        return pieces
    out: list[_Piece] = []
    i = 0
    while i < len(pieces):
        joined = None
        for j in range(min(len(pieces), i + 8) - 1, i, -1):
            if ";" in "".join(p.separator for p in pieces[i + 1 : j + 1]):
                continue
            if index.is_official(body[pieces[i].start : pieces[j].end]):
                joined = j
                break
        if joined is None:
            out.append(pieces[i])
            i += 1
        else:
            out.append(_Piece(pieces[i].start, pieces[joined].end, pieces[i].separator, locked=True))
            i = joined + 1
    return out


def _group(body: str, pieces: list[_Piece]) -> list[tuple[int, int]]:
    """Put back together the pieces that are one diagnosis (rule 3); spans in the body."""
    groups: list[list[int]] = []  # [start, end] of each diagnosis
    pending: int | None = None  # start of sites waiting for their condition
    for k, piece in enumerate(pieces):
        text = piece.text(body)
        strong = piece.separator == ";"
        nxt = pieces[k + 1] if k + 1 < len(pieces) else None
        if piece.locked:
            groups.append([pending if pending is not None else piece.start, piece.end])
            pending = None
        elif groups and not strong and pending is None and _is_qualifier(text):
            groups[-1][1] = piece.end
        elif _is_site(text):
            if groups and not strong and pending is None and _ends_with_site(body[groups[-1][0] : groups[-1][1]]):
                groups[-1][1] = piece.end
            elif pending is None:
                pending = piece.start
        elif (
            groups
            and not strong
            and pending is None
            and piece.separator.strip() == "and"
            and len(_words(text)) == 1
            and _LOCAL.match(_words(text)[0])
            and any(w in _SITE - _FUNCTION for w in _words(body[groups[-1][0] : groups[-1][1]]))
        ):
            groups[-1][1] = piece.end  # "wrist tendinitis and bursitis", "heel pain and injury"
        elif _PROCEDURE.match(text):
            continue
        else:
            start = pending if pending is not None else piece.start
            pending = None
            words = _words(_core(text))
            if (
                nxt is not None
                and len(words) == 1
                and nxt.separator.strip() == "and"
                and len(_words(nxt.text(body))) >= 2
                and _CONDITION_START.match(_core(nxt.text(body)))
            ):
                pending = start  # "sprain and strain of the lumbar spine"
                continue
            groups.append([start, piece.end])
    if pending is not None:  # sites with no condition after them: keep them with the one before
        if groups:
            groups[-1][1] = pieces[-1].end
        else:
            groups.append([pending, pieces[-1].end])
    return [(a, b) for a, b in groups]


def split_diagnoses(body: str, index: Icd10Index | None = None) -> list[str]:
    """The diagnoses in one statement's body, in order, without duplicates."""
    body = body.strip().strip('"\u201c\u201d').rstrip(".").strip()
    while (m := _LEAD_IN.match(body)) and m.end() > 0:
        body = body[m.end() :]
    out: list[str] = []
    for a, b in _group(body, _lock_official_names(body, _pieces(body), index)):
        for piece in _RUN_SPLIT.split(body[a:b]):
            piece = re.sub(r"^(?:(?:and|or|a|an|the)\s+)+", "", piece.strip(" ,;:"), flags=re.I)
            piece = re.sub(r"\s+(?:and|or)$", "", piece).strip(' ,;:"\u201c\u201d')
            if piece and piece not in out:
                out.append(piece)
    return out


def _already_named(candidate: str, found: list[str]) -> bool:
    """Whether a later statement's diagnosis restates one already found ("knee sprain" after
    "right knee sprain", "post concussion syndrome" after "postconcussion syndrome")."""
    mine = set(_words(candidate.replace("-", " "))) - {"of", "the", "a", "an", "and", "in"}
    compact = re.sub(r"[^a-z]", "", candidate.lower())
    for dx in found:
        theirs = _words(dx.replace("-", " "))
        if all(any(fuzz.ratio(w, t) >= 88 for t in theirs) for w in mine):
            return True
        if compact and compact in re.sub(r"[^a-z]", "", dx.lower()):
            return True
    return False


def _later_statement(pieces: list[str]) -> bool:
    """A later statement adds diagnoses only when it reads as a plain list."""
    return bool(pieces) and all(len(p.split()) <= 10 and not _NOT_A_LIST.search(p) for p in pieces)


def parse_diagnoses(ctx: ParseContext, start: int, end: int) -> list[str] | None:
    """Every diagnosis the case summary lists (rule 1), with its evidence span."""
    hints = [i for i in (ctx.flat.find("iagnos", start, end), ctx.flat.find("treat", start, end)) if i >= 0]
    if not hints:
        return None
    index = icd10_index()
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    at = max(start, min(hints) - 60)
    for _ in range(8):  # bounded work however the text repeats
        stop = min(end, at + 4000) if not found else end
        # every opener holds "iagnos" or "treat" within its first 60 characters: start the search near the next one
        keys = [i for i in (ctx.flat.find("iagnos", at, stop), ctx.flat.find("treat", at, stop)) if i >= 0]
        if not keys:
            break
        m = _DX_OPENER.search(ctx.flat, max(at, min(keys) - 60), stop)
        if m is None:
            break
        at = m.end()
        body_start, body_end = m.span("body")
        pieces = split_diagnoses(m.group("body"), index)
        later = bool(found)
        if later and (_WEAK_OPENER.match(m.group(0)) or not _later_statement(pieces)):
            continue  # "requires a diagnosis of radiculopathy": guideline talk, not the patient's list
        for dx in pieces:
            if dx in found or (later and _already_named(dx, found)):
                continue
            hit = ctx.flat.find(dx, body_start, body_end + 1)
            found.append(dx)
            spans.append((hit, hit + len(dx)) if hit >= 0 else (-1, -1))
    for i, (a, b) in enumerate(spans):
        if a >= 0:
            ctx.cite(f"diagnoses.{i}", a, b)
    return found or None


def _proposal_for(dx: str, proposed: Mapping[str, str]) -> str | None:
    if dx in proposed:
        return proposed[dx]
    for words, code in proposed.items():
        if fuzz.token_set_ratio(dx.lower(), words.lower()) >= 90:
            return code
    return None


def with_codes(record: LetterRecord, proposed: Mapping[str, str] | None = None) -> LetterRecord:
    """The record with `coded_diagnoses`: each diagnosis, its evidence span and its ICD-10-CM code.

    The table's code (exact or fuzzy) comes first; a code the model `proposed` (diagnosis words ->
    code) fills a diagnosis the table left uncoded only when `Icd10Index.check_proposed` accepts it.
    Called by the parser, for the model's own record, and again after the merge."""
    if not record.diagnoses:
        return record.model_copy(update={"coded_diagnoses": None, "icd10cm_release": None})
    index = icd10_index()
    coded: list[CodedDiagnosis] = []
    for i, dx in enumerate(record.diagnoses):
        found = index.code(dx) if index is not None else None
        by = "table"
        if found is None and index is not None and proposed:
            code = _proposal_for(dx, proposed)
            found = index.check_proposed(code, dx) if code else None
            by = "llm"
        coded.append(
            CodedDiagnosis(
                text=dx,
                code=found.code if found else None,
                description=found.description if found else None,
                match=found.match if found else None,
                score=found.score if found else None,
                proposed_by=by if found else None,
                evidence=record.evidence.get(f"diagnoses.{i}"),
            )
        )
    release = f"ICD-10-CM {index.release}" if index is not None else None
    return record.model_copy(update={"coded_diagnoses": coded, "icd10cm_release": release})
