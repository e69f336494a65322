"""The drug of a medication request: ingredients (as printed and normalised), strength, quantity, class.

Names come from `drugs.toml` (its header says where the table comes from). A name is found when the table
has it word for word (`exact`), or, for a word of 7 letters or more that is no other word of the table, a
spelling at least 90% like a generic name (`fuzzy`: "Cyclobenzaprin", an OCR slip). Nothing else counts:
an unknown word is not a drug, so a request whose drug is not in the table has a kind but no ingredient.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process

FUZZY_MIN = 90.0

# How often a dose is taken, as a prescription abbreviates it ("bid": 2 times a day): one table for the summary's
# plain words ("twice a day"), the rewrite's count check and the plain-words check.
DOSE_TIMES_A_DAY: tuple[tuple[str, int], ...] = ((r"b\.?i\.?d", 2), (r"t\.?i\.?d", 3), (r"q\.?i\.?d", 4), (r"q\.?d", 1))
DOSE_ABBREVIATION = "|".join(p for p, _ in DOSE_TIMES_A_DAY)
_FUZZY_MIN_LEN = 7


@dataclass(frozen=True)
class Ingredient:
    name: str
    drug_class: str


@dataclass(frozen=True)
class Product:
    """A name in the table: an ingredient's own name or synonym, a one-ingredient brand, or a product."""

    key: str  # the name as the table writes it
    ingredients: tuple[str, ...]
    brand: bool
    compounded: bool = False
    drug_class: str | None = None  # the product's own class, when the table gives one


@dataclass
class DrugTable:
    classes: tuple[str, ...]
    ingredients: dict[str, Ingredient]
    names: dict[str, Product]  # lower-case name -> product
    pattern: re.Pattern[str]
    generic_names: list[str] = field(default_factory=list)


def _load() -> dict[str, Any]:
    with resources.files("imr_llm.care").joinpath("drugs.toml").open("rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def drug_table() -> DrugTable:
    data = _load()
    classes = tuple(data["classes"])
    ingredients: dict[str, Ingredient] = {}
    names: dict[str, Product] = {}
    for name, (drug_class, synonyms, brands) in data["ingredients"].items():
        ingredients[name] = Ingredient(name, drug_class)
        names[name.lower()] = Product(name, (name,), brand=False)
        for other in synonyms:
            names[other.lower()] = Product(other, (name,), brand=False)
        for brand in brands:
            names[brand.lower()] = Product(brand, (name,), brand=True)
    for name, spec in data["products"].items():
        names[name.lower()] = Product(
            name,
            tuple(spec["ingredients"]),
            brand=True,
            compounded=bool(spec.get("compounded", False)),
            drug_class=spec.get("class"),
        )
    alternatives = sorted(names, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in alternatives) + r")(?![\w])",
        re.I,
    )
    generic = [n for n, p in names.items() if not p.brand and len(n) >= _FUZZY_MIN_LEN and " " not in n]
    return DrugTable(classes, ingredients, names, pattern, generic)


# -- strengths and quantities ------------------------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)?"
_STRENGTH = re.compile(
    rf"(?<![\w#/.])(?P<s>{_NUM}(?:\s*%)?(?:\s*[-/]\s*{_NUM}(?:\s*%)?)*)\s*"
    r"(?P<u>mg\s*/\s*(?:\d+\s*)?ml|mg\s*/\s*(?:\d+\s*)?g|mcg\s*/\s*h(?:r|our)?|mcg|mg|%|units?)(?![a-z])",
    re.I,
)
_AMOUNT = re.compile(
    rf"(?<![\w/.])#?\s?(?P<n>{_NUM})\s*(?P<u>grams?|gms?|g|ml|mls|milliliters?|oz|ounces?|box(?:es)?|tubes?|"
    r"bottles?)(?![\w/])",
    re.I,
)
_COUNT = re.compile(rf"(?:#\s?|\bqty:?\s*|\bquantity:?\s*)(?P<n>{_NUM})\b", re.I)
_UNITS = {"gram": "g", "grams": "g", "gm": "g", "gms": "g", "g": "g", "ml": "ml", "mls": "ml"}
_UNITS |= {"milliliter": "ml", "milliliters": "ml", "oz": "oz", "ounce": "oz", "ounces": "oz"}
_UNITS |= {"box": "box", "boxes": "box", "tube": "tube", "tubes": "tube", "bottle": "bottle", "bottles": "bottle"}


def _norm_strength(number: str, unit: str) -> str:
    number = re.sub(r"\s+", "", number)
    unit = re.sub(r"\s+", "", unit.lower())
    unit = re.sub(r"/1(ml|g)$", r"/\1", unit)
    if unit == "%" or number.endswith("%"):
        return number if number.endswith("%") else number + "%"
    return f"{number} {unit}"


@dataclass(frozen=True)
class Strength:
    text: str
    start: int
    end: int


def strengths(text: str, start: int = 0, end: int | None = None) -> list[Strength]:
    end = len(text) if end is None else end
    return [Strength(_norm_strength(m["s"], m["u"]), m.start(), m.end()) for m in _STRENGTH.finditer(text, start, end)]


def quantity(text: str) -> tuple[str, int, int] | None:
    """The amount asked for: a mass or volume ('240 g', '500 ml', '1 box'), else a count ('#60')."""
    for m in _AMOUNT.finditer(text):
        before = text[max(0, m.start() - 1) : m.start()]
        if before == "/":
            continue
        return f"{m['n']} {_UNITS[m['u'].lower()]}", m.start(), m.end()
    count = _COUNT.search(text)
    if count is not None:
        return f"#{count['n']}", count.start(), count.end()
    return None


# -- names -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameHit:
    product: Product
    printed: str
    start: int
    end: int
    match: str  # exact | fuzzy


_WORD = re.compile(rf"[A-Za-z][A-Za-z-]{{{_FUZZY_MIN_LEN - 1},}}")


@lru_cache(maxsize=8192)
def find_names(text: str) -> tuple[NameHit, ...]:
    """Every drug name in `text`, in order, without overlaps."""
    table = drug_table()
    hits: list[NameHit] = []
    taken: list[tuple[int, int]] = []
    for m in table.pattern.finditer(text):
        key = re.sub(r"[\s-]+", " ", m.group(0).lower())
        product = table.names.get(key) or table.names.get(m.group(0).lower())
        if product is None:
            continue
        hits.append(NameHit(product, m.group(0), m.start(), m.end(), "exact"))
        taken.append((m.start(), m.end()))
    for m in _WORD.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        word = m.group(0).lower()
        if word in table.names:
            continue
        found = process.extractOne(word, table.generic_names, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
        if found is None:
            continue
        hits.append(NameHit(table.names[found[0]], m.group(0), m.start(), m.end(), "fuzzy"))
    return tuple(sorted(hits, key=lambda h: h.start))


def ingredients_named(text: str) -> frozenset[str]:
    """The ingredients of the drugs `text` names exactly, by any of their names ("Naprosyn" and "naproxen" give
    the same): two wordings name one drug when these meet."""
    return frozenset(name for hit in find_names(text) if hit.match == "exact" for name in hit.product.ingredients)
