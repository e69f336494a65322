"""Fill each disputed item's `kind`, `drug` and `body_site` (imr_llm.schema) from the record.

`with_care(record, raw)` is called by the parser (and on a model's record): it reads only the record (the
request, the MAXIMUS guideline line, the diagnoses) and, when the letter's text is given, points each value's
evidence at the words it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imr_llm.care.drugs import NameHit, drug_table, find_names, quantity, strengths
from imr_llm.care.kinds import KindHit, classify_kind
from imr_llm.care.sites import chapter_sites, find_sites, has_vague, side_of
from imr_llm.schema import BodySite, CareKind, DisputedItem, DrugInfo, DrugIngredient, LetterRecord, Span
from imr_llm.textnorm import clean_chars

# the care whose body part the diagnoses can tell (it treats or examines the injured part)
# (not equipment: gloves, a hospital bed or a wheelchair are not about the injured part)
DIAGNOSIS_SITE_KINDS = frozenset({"therapy", "imaging", "electrodiagnostic", "injection", "surgery"})
# the care whose body part a guideline chapter can tell (the above, and equipment or a medicine decided on a
# body chapter: "back support" on Low Back Complaints)
CHAPTER_SITE_KINDS = DIAGNOSIS_SITE_KINDS | {"medication", "equipment"}
# classes that go with another drug in one product (misoprostol with an NSAID, glucosamine or MSM in a kit)
_ADJUNCT_CLASSES = frozenset({"medical_food", "prostaglandin"})
# no FDA-approved topical product of these exists: a cream, gel or ointment of one is compounded
_COMPOUNDED_TOPICALS = frozenset(
    {"ketoprofen", "cyclobenzaprine", "gabapentin", "baclofen", "flurbiprofen", "tramadol", "amitriptyline"}
)
_TOPICAL = re.compile(r"\b(?:creams?|gels?|ointments?|lotions?|topical|transdermal|base|liniment)\b", re.I)
_COMPOUND_WORD = re.compile(r"\bcompound(?:ed|ing)?\b", re.I)
# requests are a line or two; an odd input's runaway "request" is read only this far (bounded work)
MAX_REQUEST = 600
_NOT_A_SITE_DX = re.compile(r"^\s*(?:rule out|r/o|possible|probable|suspected|history of)\b", re.I)


class _Spans:
    """Evidence spans inside a value whose own span is known: walks the letter's text under that span beside
    the de-wrapped value. Whitespace runs, line-end joins and blanked page-noise lines (a running header inside
    a request) are the only differences; anything else and there is no span."""

    def __init__(self, raw: str | None, ocr: bool) -> None:
        self.raw, self.ocr = raw, ocr
        self._aligned: dict[tuple[int, int, str], list[int] | None] = {}  # kind, drug and site share a request

    def sub(self, base: Span | None, value: str, start: int, end: int) -> Span | None:
        if self.raw is None or base is None or not (0 <= start < end <= len(value)):
            return None
        key = (base.start, base.end, value)
        if key not in self._aligned:
            self._aligned[key] = self._align(base, value)
        where = self._aligned[key]
        if where is None:
            return None
        a, b = where[start], where[end - 1]
        if a < 0 or b < 0:
            return None
        return Span(start=base.start + a, end=base.start + b + 1)

    def _align(self, base: Span, value: str) -> list[int] | None:
        """Where each character of `value` is in the window (-1: a space the letter does not have)."""
        assert self.raw is not None
        text = clean_chars(self.raw[base.start : base.end], ocr=self.ocr)  # same length as the window
        i, j = 0, 0
        where: list[int] = [-1] * len(value)
        while j < len(value) and i < len(text):
            c, r = value[j], text[i]
            if c == r or c.casefold() == r.casefold():
                where[j] = i
                i += 1
                j += 1
            elif r.isspace():
                if c == " ":
                    where[j] = i
                    j += 1
                while i < len(text) and text[i].isspace():
                    i += 1
            elif c == " ":
                j += 1
            elif i > 0 and text[i - 1] == "\n" and "\n" in text[i:]:
                i = text.index("\n", i)  # a running header or footer line the window alone did not blank
            else:
                return None
        return where


@dataclass(frozen=True)
class _Dx:
    index: int
    text: str
    sites: frozenset[str]


def with_care(record: LetterRecord, raw: str | None = None) -> LetterRecord:
    """`record` with every item's kind, drug and body site (null where no rule is sure)."""
    spans = _Spans(raw, ocr=record.source.ocr is not None)
    dxs = _diagnoses(record)
    items = [_classify(record, i, item, dxs, spans) for i, item in enumerate(record.disputed_items)]
    return record.model_copy(update={"disputed_items": items})


def _classify(record: LetterRecord, i: int, item: DisputedItem, dxs: list[_Dx], spans: _Spans) -> DisputedItem:
    base = record.evidence.get(f"disputed_items.{i}.request")
    request = item.request[:MAX_REQUEST]
    hit = classify_kind(request)
    kind = None if hit is None else _kind(hit, request, base, spans)
    drug = None
    if hit is not None and hit.code in ("medication", "injection"):
        drug = _drug(request, base, spans, medication=hit.code == "medication")
    site = _site(record, i, item, request, hit.code if hit else None, dxs, spans)
    return item.model_copy(update={"kind": kind, "drug": drug, "body_site": site})


def _kind(hit: KindHit, request: str, base: Span | None, spans: _Spans) -> CareKind:
    return CareKind(
        code=hit.code,
        detail=hit.detail,
        term=request[hit.start : hit.end],
        match=hit.match,
        evidence=spans.sub(base, request, hit.start, hit.end),
    )


# -- drugs -----------------------------------------------------------------------------------------------


def _blank(text: str, hits: tuple[NameHit, ...]) -> str:
    out = list(text)
    for h in hits:
        out[h.start : h.end] = " " * (h.end - h.start)
    return "".join(out)


def _drug(request: str, base: Span | None, spans: _Spans, medication: bool) -> DrugInfo | None:
    table = drug_table()
    hits = find_names(request)
    if not hits and not medication:
        return None
    blanked = _blank(request, hits)
    ingredients: list[DrugIngredient] = []
    brand: str | None = None
    product_class: str | None = None
    compounded = bool(_COMPOUND_WORD.search(request))
    for k, h in enumerate(hits):
        nxt = next((x.start for x in hits[k + 1 :] if x.product.ingredients != h.product.ingredients), len(request))
        own = strengths(blanked, h.end, nxt)
        if h.product.brand:
            brand = brand or h.product.key
            compounded = compounded or h.product.compounded
            if len(hits) == 1:
                product_class = h.product.drug_class
        for name in h.product.ingredients:
            if any(x.name == name for x in ingredients):
                continue
            ingredients.append(
                DrugIngredient(
                    printed=h.printed,
                    name=name,
                    strength=own[0].text if own and len(h.product.ingredients) == 1 else None,
                    drug_class=table.ingredients[name].drug_class,
                    match=h.match,
                    evidence=spans.sub(base, request, h.start, h.end),
                )
            )
    separately_named = len({h.product.ingredients for h in hits})
    topical = bool(_TOPICAL.search(request))
    if separately_named >= 2 and (topical or sum("%" in x.strength for x in ingredients if x.strength) >= 2):
        compounded = True
    if topical and len(ingredients) == 1 and ingredients[0].name in _COMPOUNDED_TOPICALS:
        compounded = True
    all_strengths = strengths(blanked)
    strength = None
    if all_strengths and (separately_named <= 1 or not compounded):  # "Diclofenac/misoprostol 75-0.2mg"
        strength = all_strengths[0].text
    amount = quantity(blanked)
    return DrugInfo(
        ingredients=ingredients,
        brand=brand,
        compounded=compounded,
        strength=strength,
        quantity=amount[0] if amount else None,
        drug_class=_product_class(ingredients, product_class),
    )


def _product_class(ingredients: list[DrugIngredient], product_class: str | None) -> str | None:
    classes = [x.drug_class for x in ingredients if x.drug_class]
    if not classes:
        return None
    if "opioid" in classes:
        return "opioid"
    if product_class:
        return product_class
    main = {c for c in classes if c not in _ADJUNCT_CLASSES} or set(classes)
    return main.pop() if len(main) == 1 else "multiple"


# -- body sites ---------------------------------------------------------------------------------------------


def _diagnoses(record: LetterRecord) -> list[_Dx]:
    out = []
    for k, dx in enumerate(record.diagnoses or []):
        dx = dx[:MAX_REQUEST]
        if _NOT_A_SITE_DX.search(dx):
            continue
        sites = frozenset(h.code for h in find_sites(dx))
        if sites:
            out.append(_Dx(k, dx, sites))
    return out


def _site(
    record: LetterRecord, i: int, item: DisputedItem, request: str, kind: str | None, dxs: list[_Dx], spans: _Spans
) -> BodySite | None:
    hits = find_sites(request)
    if hits:
        if has_vague(request, hits):
            return None  # "neck, back": part of the request's sites is not stated precisely
        sites = sorted({h.code for h in hits})
        a, b = min(h.start for h in hits), max(h.end for h in hits)
        return BodySite(
            code=sites[0] if len(sites) == 1 else "multiple",
            sites=sites,
            side=side_of(request) if len(sites) == 1 else None,
            source="request",
            term=request[a:b],
            match="fuzzy" if any(h.match == "fuzzy" for h in hits) else "exact",
            evidence=spans.sub(record.evidence.get(f"disputed_items.{i}.request"), request, a, b),
        )
    dx_sites = frozenset().union(*(d.sites for d in dxs)) if dxs else frozenset()
    guideline = (item.maximus_guideline_text or "")[: MAX_REQUEST * 4]
    chapters = chapter_sites(guideline) if kind in CHAPTER_SITE_KINDS else []
    if chapters:
        candidates = {s for c in chapters for s in c.sites}
        if len(candidates) == 1:
            chosen = next(iter(candidates)) if not dx_sites or candidates <= dx_sites else None
        else:
            both = candidates & dx_sites
            chosen = next(iter(both)) if len(both) == 1 else None
        if chosen is None:
            return None  # the chapter and the diagnoses disagree, or the chapter covers two sites
        chapter = next(c for c in chapters if chosen in c.sites)
        return BodySite(
            code=chosen,
            sites=[chosen],
            source="guideline",
            term=guideline[chapter.start : chapter.end],
            evidence=spans.sub(
                record.evidence.get(f"disputed_items.{i}.maximus_guideline_text"), guideline, chapter.start, chapter.end
            ),
        )
    if kind in DIAGNOSIS_SITE_KINDS and len(dx_sites) == 1:
        chosen = next(iter(dx_sites))
        dx = dxs[0]
        found = next(h for h in find_sites(dx.text) if h.code == chosen)
        return BodySite(
            code=chosen,
            sites=[chosen],
            source="diagnoses",
            term=dx.text[found.start : found.end],
            match=found.match,
            evidence=spans.sub(record.evidence.get(f"diagnoses.{dx.index}"), dx.text, found.start, found.end),
        )
    return None
