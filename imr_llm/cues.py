"""Many cue patterns, one scan: which of a fixed set of regular expressions can occur in a sentence.

The reason finder asks about thirty questions of every sentence of a rationale ("does it say something
was not documented?", "is it about conservative care?"), each a regular expression. Asked one by one,
Python's engine rescans the sentence for each, and this was most of the parser's time. Hyperscan
(Intel's multi-pattern engine, the `hyperscan` package) answers all of them in one pass over the
sentence. It is used only to *rule patterns out*: each pattern is compiled in Hyperscan's prefilter mode,
which may report a match the pattern would not make but never misses one, and every pattern it does
report is then run by Python's `re` as before. So the answers are Python's answers, by construction,
whatever Hyperscan's dialect differences; only the patterns that cannot match are skipped.

Where Hyperscan's dialect could miss a match Python would make, the sentence goes to Python alone:
Unicode text (Python's `\\b`, `\\w` and case folding are Unicode-aware, Hyperscan's here are ASCII) and
control characters (Python's `\\s` also covers \\x1c-\\x1f). A pattern Hyperscan cannot compile, or a
machine without the package, also falls back to Python: slower, the same results. The agreement is
tested on every sentence of the sample letters, and of the dev letters when they are present.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import stat
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from imr_llm.userdirs import cache_folder

_hs: ModuleType | None
try:  # a wheel for Linux, macOS and Windows; a platform without one keeps the pure-Python path
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised only where no wheel exists
    _hs = None

_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_LOWER_BOUND_LEFT_OUT = re.compile(r"(?<!\\)\{,(\d+)\}")
# what Hyperscan reads otherwise than Python: inline flags (a "(?-i:" group escapes the case-blind scan), POSIX
# classes ("[[:digit:]]" is a class in Hyperscan, "[:digt" and a "]" in Python), an escaped backslash (whose
# "\\u..." is not an escape), \\U and \\N escapes, and letters that fold to ASCII letters in Python only
# ("\u0131" matches "i" under re.I)
_DIALECT = re.compile(r"\(\?[aiLmsux-]+[:)]|\[:[a-z]+:\]|\\\\|\\[UN]")


def _python_only(pattern: re.Pattern[str]) -> bool:
    source = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), pattern.pattern)
    return bool(
        pattern.flags & re.VERBOSE
        or _DIALECT.search(pattern.pattern)
        or any(not c.isascii() and c.isalpha() for c in source)
    )


def _for_hyperscan(pattern: str) -> bytes:
    """Python's \\uXXXX escapes as Hyperscan's \\x{XXXX}, and "{,n}" (Python: 0 to n times) as "{0,n}"."""
    pattern = _LOWER_BOUND_LEFT_OUT.sub(r"{0,\1}", pattern)
    return _UNICODE_ESCAPE.sub(lambda m: "\\x{" + m.group(1) + "}", pattern).encode("utf-8")


class CueSet:
    """A fixed set of compiled patterns; `scan(text)` says which of them can occur in `text`."""

    def __init__(self, patterns: Iterable[re.Pattern[str]], cache_dir: Path | None = None) -> None:
        self.patterns: tuple[re.Pattern[str], ...] = tuple(dict.fromkeys(patterns))
        self.cache_dir = cache_dir  # where the compiled database is kept; None: the user's cache folder
        # a pattern's bit, by its id: hashing a re.Pattern rehashes its whole source on every lookup
        self._bit = {id(p): 1 << k for k, p in enumerate(self.patterns)}
        self._scannable = 0  # the bits of the patterns Hyperscan can rule out
        self._db: Any = None
        self._ready = _hs is None  # the database is made (or loaded) at the first scan, not at import
        self._lock = threading.Lock()
        self._local = threading.local()  # Hyperscan's scratch space is one per thread

    def _prepare(self) -> None:
        """The database, from the user's cache when this machine made it before: compiling the cues takes
        1.6 s, loading them a few milliseconds (a one-file `imr-llm parse` had become 3.8 s)."""
        with self._lock:
            if self._ready:
                return
            try:
                self._db, usable = self._load() or self._compile()
                self._scannable = sum(1 << k for k in usable)
            except _hs.error:  # type: ignore[union-attr]
                self._db, self._scannable = None, 0  # Python answers every pattern
            self._ready = True

    def _identity(self) -> str:
        """What the database is made from: the engine's version, the processor and every pattern."""
        assert _hs is not None
        identity = repr((_hs.__version__, platform.machine(), [(p.pattern, p.flags) for p in self.patterns]))
        return hashlib.sha256(identity.encode()).hexdigest()

    def _cache_file(self) -> Path | None:
        try:
            folder = self.cache_dir or cache_folder()
        except RuntimeError:  # no home folder to be found: nothing is kept
            return None
        return folder / f"cues-{self._identity()[:16]}.hsdb"

    def _load(self) -> tuple[Any, list[int]] | None:
        assert _hs is not None
        path = self._cache_file()
        if path is None:
            return None
        try:
            # a regular file, opened without waiting (a pipe planted at the name made every parse block forever)
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    return None
                head, _, body = f.read().partition(b"\n")
            # the database is the one these patterns make: its first line names what it was made from and the body's
            # hash (a valid database of other patterns, copied in, had every cue find nothing, silently)
            made_from, digest, ids = [*head.decode("ascii").split(";"), "", ""][:3]
            if made_from != self._identity() or digest != hashlib.sha256(body).hexdigest():
                return None
            usable = [int(k) for k in ids.split(",") if k]
            if any(k < 0 or k >= len(self.patterns) for k in usable):
                return None
            db = _hs.loadb(body, _hs.HS_MODE_BLOCK)
            _hs.Scratch(db)  # a database made for another processor is refused here
        except (OSError, ValueError, _hs.error):
            return None
        return db, usable

    def _compile(self) -> tuple[Any, list[int]]:
        assert _hs is not None
        candidates = [k for k, p in enumerate(self.patterns) if not _python_only(p)]
        try:  # all at once; when one pattern cannot be read, each alone, so it does not cost the others
            db, usable = self._database(candidates), candidates
        except _hs.error:
            usable = []
            for k in candidates:
                try:
                    self._database([k])
                    usable.append(k)
                except _hs.error:
                    pass  # always run by Python
            db = self._database(usable) if usable else None
        if db is not None:
            self._save(db, usable)
        return db, usable

    def _database(self, ids: list[int]) -> Any:
        assert _hs is not None
        flags = _hs.HS_FLAG_SINGLEMATCH | _hs.HS_FLAG_PREFILTER | _hs.HS_FLAG_UTF8 | _hs.HS_FLAG_ALLOWEMPTY
        db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        db.compile(
            expressions=[_for_hyperscan(self.patterns[k].pattern) for k in ids],
            ids=ids,
            elements=len(ids),
            flags=[self._flags(self.patterns[k], flags) for k in ids],
        )
        return db

    def _save(self, db: Any, usable: list[int]) -> None:
        """Best effort: a folder that cannot be written only means compiling again next time."""
        assert _hs is not None
        path = self._cache_file()
        if path is None:
            return
        written = ""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".cues-", delete=False) as tmp:
                written = tmp.name
                body = bytes(_hs.dumpb(db))
                head = f"{self._identity()};{hashlib.sha256(body).hexdigest()};{','.join(map(str, usable))}"
                tmp.write(head.encode("ascii") + b"\n" + body)
            os.replace(written, path)  # whole or not at all: two processes may write it at once
        except OSError:
            if written:
                with contextlib.suppress(OSError):
                    os.unlink(written)

    @staticmethod
    def _flags(pattern: re.Pattern[str], base: int) -> int:
        assert _hs is not None
        flags: int = base | _hs.HS_FLAG_CASELESS  # always: a superset; the lower-cased cues are scanned on the original
        if pattern.flags & re.DOTALL:
            flags |= _hs.HS_FLAG_DOTALL
        if pattern.flags & re.MULTILINE:
            flags |= _hs.HS_FLAG_MULTILINE
        return flags

    def scan(self, text: str) -> Scan:
        """The patterns that can occur in `text` (a superset of those that do)."""
        if not self._ready:
            self._prepare()
        if self._db is None or not (text.isascii() and text.isprintable()):
            return Scan(text, 0, self._bit)
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            assert _hs is not None  # a database exists only when Hyperscan does
            scratch = self._local.scratch = _hs.Scratch(self._db)
        found = [0]
        self._db.scan(text.encode("ascii"), match_event_handler=_collect, context=found, scratch=scratch)
        return Scan(text, self._scannable & ~found[0], self._bit)


def _collect(pattern_id: int, start: int, end: int, flags: int, found: list[int]) -> None:
    found[0] |= 1 << pattern_id


class Scan:
    """One text and the patterns ruled out for it: `search`, `match` and `count_lowered` answer as `re`
    does, and skip the engine for a pattern that cannot occur. A pattern outside the set is always run."""

    __slots__ = ("_bit", "_lowered", "ruled_out", "text")

    def __init__(self, text: str, ruled_out: int, bit: dict[int, int]) -> None:
        self.text = text
        self.ruled_out = ruled_out  # the bits of the patterns that cannot occur in text
        self._bit = bit
        self._lowered: str | None = None

    @property
    def lowered(self) -> str:
        if self._lowered is None:
            self._lowered = self.text.lower()
        return self._lowered

    def can(self, pattern: re.Pattern[str]) -> bool:
        return not self.ruled_out & self._bit.get(id(pattern), 0)

    # `can` written out in each: these run a few hundred times per letter
    def search(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return None if self.ruled_out & self._bit.get(id(pattern), 0) else pattern.search(self.text)

    def match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return None if self.ruled_out & self._bit.get(id(pattern), 0) else pattern.match(self.text)

    def search_lowered(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """`search` for a pattern written for lower-case text, in the lower-cased text."""
        return None if self.ruled_out & self._bit.get(id(pattern), 0) else pattern.search(self.lowered)

    def count_lowered(self, pattern: re.Pattern[str]) -> int:
        """How many times a pattern written for lower-case text occurs in the lower-cased text."""
        return 0 if self.ruled_out & self._bit.get(id(pattern), 0) else len(pattern.findall(self.lowered))
