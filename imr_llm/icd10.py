"""ICD-10-CM codes for diagnoses as letters word them, and the official names the parser must not split.

A code is `exact` when the diagnosis is an official description or inclusion term (articles, case,
punctuation and hyphens aside), `fuzzy` when a description scores at least `FUZZY_THRESHOLD` with
rapidfuzz after the letter's wording is brought closer to ICD's ("right knee pain" -> "pain in right
knee", "lumbar" -> "lower back" ...), and absent otherwise: never a guessed code. A fuzzy candidate
may not add or change a side (left/right/bilateral) or an encounter (initial/subsequent/sequela)
that the letter did not state.

The CMS table ships in `simple-icd-10-cm`, whose import parses a 10 MB XML file (about 4 s). The
first use therefore builds a small SQLite index in the user cache, keyed by the package version, and
every later process opens that in about a millisecond (batch workers included).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz

from imr_llm.userdirs import cache_folder

__all__ = [
    "FUZZY_THRESHOLD",
    "PROPOSED_GROUNDING",
    "CodeMatch",
    "Icd10Index",
    "icd10_index",
    "lookup_key",
]

# Measured on the dev and unlabeled letters' diagnoses (README: "Diagnoses and ICD-10-CM codes"):
# below this, the best description was more often a different condition than the same one.
FUZZY_THRESHOLD = 90.0
# share of a model-proposed code's meaningful description words that must be in the letter's words
PROPOSED_GROUNDING = 0.67

_PACKAGE = "simple-icd-10-cm"
_SCHEMA = 2
_ARTICLES = frozenset({"the", "a", "an"})
_SIDES = ("right", "left", "bilateral")
_ENCOUNTERS = {"initial encounter": "A", "subsequent encounter": "D", "sequela": "S"}
# words that say nothing about which condition it is: never used to find candidates, never required
_STOP = frozenset(
    {"of", "in", "at", "and", "or", "with", "without", "to", "on", "for", "other", "unspecified", "specified"}
    | {"site", "part", "parts", "level", "region", "nos", "not", "elsewhere", "classified", "due", "sided", "side"}
    | {"acute", "mild", "moderate", "severe", "persistent", "chronic", "recurrent"}
    | set(_SIDES)
    | _ARTICLES
)
# words a description may add to the letter's: they make it no more specific than the letter
_FILLER = _STOP | {"muscle", "muscles", "fascia", "tendon", "tendons", "ligament", "ligaments", "joint", "s"}
_LIMB = re.compile(r"\b(?:upper|lower) (?:limb|extremity)\b|\b(?:right|left) (?:arm|leg|hand|foot)$")
# a diagnosis that is not established (or not current) gets no code: coding guidelines say the same
_UNCERTAIN = re.compile(
    r"\b(?:possible|probable|possibly|probably|likely|suspect(?:ed)?|questionable|rule out|r/o|ro|"
    r"history of|status post|s/p|versus|vs)\b"
)
# the letter's wording -> ICD's (whole words, applied before fuzzy matching only)
_REWORDINGS: tuple[tuple[str, str], ...] = (
    (r"\blumbar (?:spine |muscle |paraspinal )?strain\b", "strain of muscle fascia and tendon of lower back"),
    (r"\blow(?:er)? back strain\b", "strain of muscle fascia and tendon of lower back"),
    (r"\b(?:cervical|neck) (?:spine |muscle )?strain\b", "strain of muscle fascia and tendon at neck level"),
    (r"\blumbar (?:spine )?sprain\b", "sprain of ligaments of lumbar spine"),
    (r"\b(?:cervical|neck) (?:spine )?sprain\b", "sprain of ligaments of cervical spine"),
    (r"\bthoracic (?:spine )?sprain\b", "sprain of ligaments of thoracic spine"),
    (r"\b(lumbar|cervical|thoracic|lumbosacral) (?:spine )?radicul(?:opathy|itis)\b", r"radiculopathy \1 region"),
    (
        r"\b(lumbar|cervical|thoracic|lumbosacral) (?:spine )?(?:intervertebral )?disc "
        r"(?:displacement|herniation|protrusion)\b",
        r"other intervertebral disc displacement \1 region",
    ),
    (r"\bneck pain\b", "cervicalgia"),
    (r"\blower back pain\b", "low back pain"),
    (r"\bpain in (?:the )?low(?:er)? back\b", "low back pain"),
    (r"\b(contusion|sprain|strain|laceration|abrasion|fracture) to\b", r"\1 of"),
)
# "right knee pain" -> "pain in right knee": ICD names the condition first
_CONDITION_LAST = re.compile(
    r"^(?P<site>(?:(?:right|left|bilateral) )?[a-z ]+?) (?P<condition>pain|strain|sprain|contusion|fracture|"
    r"laceration|abrasion|tendinitis|tendonitis|bursitis|effusion|stiffness|instability|impingement|"
    r"epicondylitis|tenosynovitis|synovitis)$"
)
_IN_CONDITIONS = frozenset({"pain", "effusion", "stiffness", "instability"})  # "pain in", the others "of"

Match = Literal["exact", "fuzzy"]


@dataclass(frozen=True)
class CodeMatch:
    """One code for one diagnosis, and how it was found."""

    code: str
    description: str
    match: Match
    score: float  # 100 for exact


def lookup_key(text: str) -> str:
    """The form official names are compared in: lower case, words only, no articles.

    Commas, hyphens and slashes separate words; "and-or" is "and/or"; so "Strain of muscle, fascia,
    and tendon of the lower back" and the official "Strain of muscle, fascia and tendon of lower
    back" have one key."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("and-or", "and/or"))
    return " ".join(w for w in words if w not in _ARTICLES)


def _term_keys(text: str) -> list[str]:
    """The keys an official string is found by: itself, and without "NOS" or "unspecified"
    (what NOS and unspecified mean is "the letter said no more")."""
    key = lookup_key(text)
    bare = " ".join(w for w in key.split() if w not in {"nos", "unspecified"})
    return list(dict.fromkeys(k for k in (key, bare) if k))


def _sides(key: str) -> set[str]:
    words = set(key.split())
    return {side for side in _SIDES if side in words}


def _split_encounter(key: str) -> tuple[str, str | None]:
    """("lumbar strain", "D") from "lumbar strain subsequent encounter"."""
    for words, character in _ENCOUNTERS.items():
        if key.endswith(" " + words):
            return key[: -len(words) - 1].strip(), character
    return key, None


def _singular(key: str) -> str:
    words = key.split()
    last = words[-1] if words else ""
    if len(last) > 4 and last.endswith("s") and not last.endswith(("ss", "us", "is", "sis")):
        words[-1] = last[:-1]
    return " ".join(words)


def _reworded(key: str) -> list[str]:
    """The key, and the ICD-style wordings of it (without duplicates), in that order."""
    out = [key]
    if _singular(key) != key:
        out.append(_singular(key))
    for pattern, replacement in _REWORDINGS:
        changed = re.sub(pattern, replacement, out[-1])
        if changed != out[-1]:
            out.append(changed)
    m = _CONDITION_LAST.match(out[-1])
    if m:
        word = "in" if m.group("condition") in _IN_CONDITIONS else "of"
        out.append(f"{m.group('condition')} {word} {m.group('site')}")
    return list(dict.fromkeys(out))


def _covered(word: str, described: list[str]) -> bool:
    return word in described or any(fuzz.ratio(word, d) >= 88 for d in described)


def _acceptable(query: str, described: str) -> bool:
    """A fuzzy code must hold every meaningful word of the letter's phrase, add nothing but filler
    ("muscle, fascia and tendon", "unspecified", "upper limb"), and not add or change a side."""
    if _sides(described) - _sides(query):
        return False
    if _sides(query) and _sides(described) and _sides(query) != _sides(described):
        return False
    words = described.split()
    if "other" in words and "other" not in query.split():
        return False  # "Other spondylosis" is a residual class: the letter would have to say which
    if not all(_covered(w, words) for w in query.split() if w not in _STOP):
        return False
    extra = _LIMB.sub("", described).split()
    mine = query.split()
    return all(w in _FILLER or _covered(w, mine) for w in extra)


class Icd10Index:
    """Read-only lookups in the SQLite index (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        meta = dict(self._db().execute("SELECT key, value FROM meta").fetchall())
        self.release = meta.get("release", "")

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def description(self, code: str) -> str | None:
        row = self._db().execute("SELECT description FROM codes WHERE code = ?", (code.upper(),)).fetchone()
        return str(row[0]) if row else None

    def tokens(self) -> frozenset[str]:
        """Every word of the descriptions (lower case): known words for spotting OCR misreadings."""
        return frozenset(str(row[0]) for row in self._db().execute("SELECT token FROM token_counts"))

    def exists(self, code: str) -> bool:
        return self.description(code) is not None

    @functools.lru_cache(maxsize=20_000)  # noqa: B019 - one index per process; asked of every run of pieces
    def is_official(self, text: str) -> bool:
        """Whether `text` is an official description or inclusion term (compared by `lookup_key`)."""
        key = lookup_key(text)
        return bool(key) and self._db().execute("SELECT 1 FROM terms WHERE key = ?", (key,)).fetchone() is not None

    @functools.lru_cache(maxsize=20_000)  # noqa: B019 - one index per process, diagnoses repeat
    def code(self, text: str) -> CodeMatch | None:
        """The code for a diagnosis: exact, else the best fuzzy match, else None (never a guess)."""
        key = lookup_key(text)
        if not key or _UNCERTAIN.search(key):
            return None
        return self.exact(key) or self.fuzzy(key)

    def check_proposed(self, code: str, text: str) -> CodeMatch | None:
        """A code someone else (the model) proposed for the letter's words `text`: kept only when it is
        in the table and its description is grounded in those words (most of its meaningful words are
        there, after the same rewording as fuzzy matching), with no side or encounter the letter lacks."""
        wanted = code.strip().upper().replace(" ", "")
        if len(wanted) > 3 and "." not in wanted:
            wanted = f"{wanted[:3]}.{wanted[3:]}"
        description = self.description(wanted)
        key = lookup_key(text)
        if description is None or not key or _UNCERTAIN.search(key):
            return None
        described = lookup_key(description)
        if _sides(described) - _sides(key) or (_split_encounter(described)[1] or "") not in (
            "",
            _split_encounter(key)[1],
        ):
            return None
        needed = [w for w in _LIMB.sub("", described).split() if w not in _FILLER]
        if not needed:
            return None
        best = 0.0
        for variant in _reworded(_split_encounter(key)[0]):
            words = variant.split()
            best = max(best, sum(_covered(w, words) for w in needed) / len(needed))
        if best < PROPOSED_GROUNDING:
            return None
        return CodeMatch(wanted, description, "fuzzy", round(100.0 * best, 1))

    def exact(self, text: str) -> CodeMatch | None:
        for key in dict.fromkeys((lookup_key(text), _singular(lookup_key(text)))):
            row = (
                self._db()
                .execute(
                    "SELECT terms.code, codes.description FROM terms JOIN codes USING (code) WHERE key = ? "
                    "ORDER BY terms.kind, length(terms.code), terms.code LIMIT 1",
                    (key,),
                )
                .fetchone()
            )
            if row:
                return CodeMatch(str(row[0]), str(row[1]), "exact", 100.0)
        return None

    def fuzzy(self, text: str, threshold: float = FUZZY_THRESHOLD) -> CodeMatch | None:
        key, encounter = _split_encounter(lookup_key(text))
        if len([w for w in key.split() if w not in _STOP]) < 2 and not _CONDITION_LAST.match(key):
            return None  # one word ("pain", "injury") names no particular code
        best: tuple[bool, bool, float, float, int, str, str] | None = None
        for variant in _reworded(key):
            for code, description in self._candidates(variant):
                described = lookup_key(description)
                if not _acceptable(variant, described):
                    continue
                score = float(fuzz.token_set_ratio(variant, described))
                rank = (
                    score >= threshold,
                    bool(_sides(key)) and _sides(key) == _sides(described),  # the letter's side, when it has one
                    score,
                    float(fuzz.token_sort_ratio(variant, described)),  # then the closest, shortest wording
                    -len(code),
                    code,
                    description,
                )
                if best is None or rank > best:
                    best = rank
        if best is None or not best[0]:
            return None
        score, code, description = best[2], best[5], best[6]
        if encounter:
            code, description = self._with_encounter(code, description, encounter)
        return CodeMatch(code, description, "fuzzy", round(score, 1))

    def _with_encounter(self, code: str, description: str, character: str) -> tuple[str, str]:
        """The 7th-character code for the encounter the letter names, when the code takes one."""
        base = code.replace(".", "")
        padded = base + "X" * max(0, 6 - len(base)) + character
        extended = f"{padded[:3]}.{padded[3:]}"
        found = self.description(extended)
        return (extended, found) if found else (code, description)

    def _candidates(self, key: str) -> list[tuple[str, str]]:
        """Codes whose description holds the query's two rarest meaningful words (or its rarest one)."""
        words = sorted({w for w in key.split() if w not in _STOP and len(w) > 2})
        if not words:
            return []
        db = self._db()
        counts: dict[str, int] = {}
        for word in words:
            row = db.execute("SELECT n FROM token_counts WHERE token = ?", (word,)).fetchone()
            if row:
                counts[word] = int(row[0])
        known = sorted(counts, key=lambda w: counts[w])
        if not known:
            return []
        chosen = known[:2]
        marks = " INTERSECT ".join("SELECT code FROM tokens WHERE token = ?" for _ in chosen)
        sql = f"SELECT code, description FROM codes WHERE code IN ({marks}) LIMIT 5000"
        rows = db.execute(sql, chosen).fetchall()
        if not rows and len(chosen) == 2:
            rows = db.execute(
                "SELECT code, description FROM codes WHERE code IN "
                "(SELECT code FROM tokens WHERE token = ?) LIMIT 5000",
                (chosen[0],),
            ).fetchall()
        return [(str(c), str(d)) for c, d in rows]


# ---------------------------------------------------------------- building and finding the index


def _package_version() -> str | None:
    try:
        return metadata.version(_PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def _rows() -> Iterator[tuple[str, str, list[str]]]:
    """(code, description, inclusion terms) for every category, subcategory and 7th-character code."""
    import simple_icd_10_cm as icd  # slow: parses the CMS XML

    for code in icd.get_all_codes(True):
        if icd.is_chapter_or_block(code):
            continue
        try:
            terms = list(icd.get_inclusion_term(code))
        except ValueError:
            terms = []
        yield code, icd.get_description(code), terms


def _release() -> str:
    """The CMS release the package ships, from its data file's name ("April-1-2026")."""
    import simple_icd_10_cm as icd

    found = sorted(p.name for p in (Path(icd.__file__).parent / "data").glob("icd10*-tabular-*.xml"))
    return re.sub(r"^icd10\w*-tabular-|\.xml$", "", found[-1]) if found else "unknown"


def build_index(path: Path, rows: Iterable[tuple[str, str, list[str]]] | None = None) -> None:
    """Write the SQLite index to `path` (atomically: a temporary file renamed into place)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE codes (code TEXT PRIMARY KEY, description TEXT) WITHOUT ROWID;"
            "CREATE TABLE terms (key TEXT, code TEXT, kind INTEGER);"
            "CREATE TABLE tokens (token TEXT, code TEXT);"
        )
        for code, description, terms in rows if rows is not None else _rows():
            db.execute("INSERT OR REPLACE INTO codes VALUES (?, ?)", (code, description))
            for rank, key in enumerate(_term_keys(description)):
                db.execute("INSERT INTO terms VALUES (?, ?, ?)", (key, code, 2 * rank))
            for term in terms:
                for rank, key in enumerate(_term_keys(term)):
                    db.execute("INSERT INTO terms VALUES (?, ?, ?)", (key, code, 1 + 2 * rank))
            if len(code.replace(".", "")) < 7:  # 7th-character codes are found through their parent's words
                for token in set(lookup_key(description).split()) - _STOP:
                    db.execute("INSERT INTO tokens VALUES (?, ?)", (token, code))
        db.executescript(
            "CREATE INDEX terms_key ON terms (key);"
            "CREATE INDEX tokens_token ON tokens (token);"
            "CREATE TABLE token_counts AS SELECT token, count(*) AS n FROM tokens GROUP BY token;"
            "CREATE UNIQUE INDEX token_counts_token ON token_counts (token);"
        )
        release = _release() if rows is None else "test"
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("schema", str(_SCHEMA)), ("release", release), ("package", str(_package_version()))],
        )
        db.commit()
        db.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@functools.cache
def icd10_index() -> Icd10Index | None:
    """The index, built on first use (about 10 s, once per package version); None when
    simple-icd-10-cm is missing or no folder can hold the index (records then carry no codes)."""
    version = _package_version()
    if version is None:
        return None
    name = f"icd10cm-{version}-s{_SCHEMA}.sqlite"
    explicit = os.environ.get("IMR_LLM_ICD10_INDEX")
    places: list[Callable[[], Path]] = [lambda: Path(explicit)] if explicit else [lambda: cache_folder() / name]
    # a read-only home; asked only then (tempfile.gettempdir() writes a probe file in the temporary folder)
    places.append(lambda: Path(tempfile.gettempdir()) / f"imr-llm-{os.getuid()}-{name}")
    for place in places:
        path = place()
        try:
            if os.path.lexists(path) and not path.is_file():
                # a device, a pipe, a folder or a dangling link at the name (IMR_LLM_ICD10_INDEX=/dev/null to turn
                # it off): never replaced by an index file (as root, that had replaced /dev/null itself)
                print(f"imr-llm: {path} is not a regular file: not used as the ICD-10-CM index", file=sys.stderr)
                continue
            if not path.is_file():
                build_index(path)
            return Icd10Index(path)
        except (OSError, sqlite3.Error):
            continue
    print("imr-llm: cannot build the ICD-10-CM index (no writable cache folder); no codes", file=sys.stderr)
    return None
