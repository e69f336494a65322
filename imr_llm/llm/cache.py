"""SQLite response cache and call log (stdlib sqlite3).

A response is keyed by model, endpoint, prompt hash, input hash, parameters and
the output schema, so rerunning with nothing changed makes no call. Every call
(and cache hit) is logged with its tokens and latency. Letter text is not
stored in the log unless asked for: these letters are medical records.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imr_llm.errors import ConfigError
from imr_llm.outputs import lock_now
from imr_llm.userdirs import cache_folder

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    params TEXT NOT NULL,
    response TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created REAL NOT NULL,
    source TEXT
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    key TEXT,
    model TEXT,
    prompt TEXT,
    prompt_hash TEXT,
    input_hash TEXT,
    cached INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    requests INTEGER,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    latency_s REAL,
    letter_text TEXT
);
"""


def default_cache_path() -> Path:
    env = os.environ.get("IMR_LLM_CACHE")
    if env:
        return Path(env)
    return cache_folder() / "llm-cache.sqlite"  # an empty XDG_CACHE_HOME is unset (it had meant the working folder)


SQLITE_HEADER = b"SQLite format 3\x00"


def cache_problem(path: Path) -> str | None:
    """Why `path` cannot be the cache file (a folder, under a file, a device), or None."""
    if path.is_dir():
        return f"{path} is a folder; give a file (e.g. {path / 'llm-cache.sqlite'})"
    if path.exists() and not path.is_file():
        return f"{path} is not a regular file (a device or pipe)"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{path}: {parent} is a file, not a folder"
    return _foreign(path)


def _foreign(path: Path) -> str | None:
    """Why an existing file given as the cache is another program's (not SQLite, or SQLite with other
    tables, views or a version mark; or SQLite it cannot read), or None: a cache never moves aside or writes
    into a file the user named that it did not make. Only the tool's own cache file (IMR_LLM_CACHE or the
    default), when damaged, is moved aside and started again."""
    try:
        if not path.is_file() or path.stat().st_size == 0 or path.resolve() == default_cache_path().resolve():
            return None  # the tool's own cache file (IMR_LLM_CACHE or the default) is its to move aside
        with path.open("rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return f"{path} exists and is not an imr-llm cache (a letter? notes?): left as it is; give another"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            marked = any(db.execute("PRAGMA user_version").fetchone()) or any(
                db.execute("PRAGMA application_id").fetchone()
            )
    except OSError:
        return None
    except sqlite3.Error as e:  # whose damaged database it is cannot be told: a file the user named is not moved
        if not _damaged(e):  # a full disk, a lock, no room for a journal: the file may be whole (never "delete it")
            return f"{path} cannot be read now ({e}): left as it is; free some disk space or retry, or give --no-cache"
        return f"{path} is an SQLite file that cannot be read: left as it is; delete it or give another --cache"
    if (names or marked) and not {"responses", "calls"} <= names:
        return f"{path} is another program's SQLite database, not an imr-llm cache: left as it is; give another"
    return None


_DAMAGE = ("not a database", "malformed", "integrity check failed", "file is encrypted")


def _damaged(error: sqlite3.Error) -> bool:
    """Whether SQLite's error says the file itself is damaged (then the tool's own cache is moved aside and started
    again), not that it could not be read or written just now (a full disk, a lock, a read-only folder)."""
    return isinstance(error, sqlite3.DatabaseError) and any(word in str(error).lower() for word in _DAMAGE)


def is_cache_file(path: Path) -> bool:
    """Whether `path` is a regular file that holds this tool's cache (an SQLite file with its tables) or
    is empty: the only files `cache clear` deletes."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        if path.stat().st_size == 0:
            return True
        with path.open("rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return False
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {"responses", "calls"} <= tables
    except (OSError, sqlite3.Error):
        return False


def cache_key(**parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    response: dict[str, Any]
    prompt_tokens: int
    completion_tokens: int
    source: str | None = None  # where the answer came from when not a live call ("batch ID line N")


@dataclass(frozen=True)
class CallLogEntry:
    key: str
    model: str
    prompt: str
    prompt_hash: str
    input_hash: str
    cached: bool
    status: str
    error: str | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    letter_text: str | None = None


class ResponseCache:
    """Thread-safe: one connection, one lock (calls take seconds; the lock is not the bottleneck).

    The file holds medical data (the model's answers extract values from the letters; the call log holds
    letter text only with --log-text), so it is created readable by its owner only (mode 0600).
    A damaged file is moved aside and a new one started, with a warning; a row that cannot be read is
    deleted (the call is made again). With `enabled=False` (--no-cache) the file is never opened.
    """

    def __init__(self, path: Path | None = None, enabled: bool = True) -> None:
        self.path = path or default_cache_path()
        self.enabled = enabled
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._warned = False
        self._created = enabled and not (self.path.exists() or self.path.is_symlink())
        self._in_use: int | None = None
        if enabled:
            self._db = self._open()
            self._in_use = _share(self.path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: durable enough, no fsync per call
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(responses)")}
            if "source" not in columns:  # a cache written before batch answers were kept
                db.execute("ALTER TABLE responses ADD COLUMN source TEXT")
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
        except sqlite3.Error:
            db.close()
            raise
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        return db

    def _open(self) -> sqlite3.Connection:
        problem = cache_problem(self.path)
        if problem:
            raise ConfigError(f"cache: {problem}")
        try:
            return self._connect()
        except OSError as e:
            raise ConfigError(f"cache {self.path} cannot be opened ({e.strerror or e})") from e
        except sqlite3.Error as e:
            if not _damaged(e):
                # a full disk ("disk I/O error", "database or disk is full"), a lock: the cache may be whole, and every
                # answer in it paid for; it is never moved aside for that (a probe: a healthy cache renamed .corrupt)
                raise ConfigError(
                    f"cache {self.path} cannot be used now ({e}): left as it is; free some disk space or retry, or run "
                    "with --no-cache"
                ) from e
            aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    side.replace(aside.with_name(aside.name + suffix))
            _warn(f"cache {self.path} could not be read ({e}); moved it to {aside} and started a new one")
            try:
                return self._connect()
            except (OSError, sqlite3.Error) as again:
                raise ConfigError(f"cache {self.path} cannot be opened ({again})") from again

    def _fail(self, e: sqlite3.Error) -> None:
        """A write that failed (a full disk, a file changed under us): say so once; the run goes on."""
        if not self._warned:
            self._warned = True
            _warn(f"cache {self.path}: {e}; results are not being cached")

    def get(self, key: str) -> CachedResponse | None:
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT response, prompt_tokens, completion_tokens, source FROM responses WHERE key = ?", (key,)
                ).fetchone()
            if row is None:
                return None
            return CachedResponse(json.loads(row[0]), int(row[1] or 0), int(row[2] or 0), row[3])
        except (sqlite3.Error, ValueError, TypeError, RecursionError):
            self.forget(key)  # a row that cannot be read is dropped: the call is made again
            return None

    def forget(self, key: str) -> None:
        """Delete one response (its stored answer no longer validates)."""
        if self._db is None:
            return
        try:
            with self._lock, self._db:
                self._db.execute("DELETE FROM responses WHERE key = ?", (key,))
        except sqlite3.Error as e:
            self._fail(e)

    def put(
        self,
        key: str,
        *,
        model: str,
        prompt_hash: str,
        input_hash: str,
        params: dict[str, Any],
        response: dict[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        source: str | None = None,
    ) -> None:
        if self._db is None:
            return
        try:
            self._put(key, model, prompt_hash, input_hash, params, response, prompt_tokens, completion_tokens, source)
        except sqlite3.Error as e:
            self._fail(e)

    def _put(
        self,
        key: str,
        model: str,
        prompt_hash: str,
        input_hash: str,
        params: dict[str, Any],
        response: dict[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        source: str | None,
    ) -> None:
        assert self._db is not None
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, model, prompt_hash, input_hash, params, response,"
                " prompt_tokens, completion_tokens, created, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    model,
                    prompt_hash,
                    input_hash,
                    json.dumps(params, sort_keys=True),
                    json.dumps(response),
                    prompt_tokens,
                    completion_tokens,
                    time.time(),
                    source,
                ),
            )

    def log(self, entry: CallLogEntry) -> None:
        if self._db is None:
            return
        try:
            self._log(entry)
        except sqlite3.Error as e:
            self._fail(e)

    def _log(self, entry: CallLogEntry) -> None:
        assert self._db is not None
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO calls (ts, key, model, prompt, prompt_hash, input_hash, cached, status, error, requests,"
                " prompt_tokens, completion_tokens, latency_s, letter_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    time.time(),
                    entry.key,
                    entry.model,
                    entry.prompt,
                    entry.prompt_hash,
                    entry.input_hash,
                    int(entry.cached),
                    entry.status,
                    entry.error,
                    entry.requests,
                    entry.prompt_tokens,
                    entry.completion_tokens,
                    entry.latency_s,
                    entry.letter_text,
                ),
            )

    def calls(self) -> list[dict[str, Any]]:
        if self._db is None:
            return []
        with self._lock:
            cursor = self._db.execute("SELECT * FROM calls ORDER BY id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            if self._in_use is not None:
                os.close(self._in_use)
                self._in_use = None

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        empty = kind is not None and self._created and self._holds_nothing()
        self.close()
        if empty:  # a run refused before its first call (a missing key, a bad model file) leaves no file behind
            for suffix in ("", "-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.is_file() and not side.is_symlink():
                    side.unlink()

    def _holds_nothing(self) -> bool:
        if self._db is None:
            return False
        try:
            with self._lock:
                return not any(
                    self._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in ("responses", "calls")
                )
        except sqlite3.Error:
            return False


def opened(path: Path | None, enabled: bool, needed: bool = True) -> AbstractContextManager[ResponseCache | None]:
    """The cache a command or an API call uses, closed when it is done (a long-lived process, the web
    app or a test calling the CLI in-process, keeps no connection or WAL file open); None when the
    backend asks no model."""
    return ResponseCache(path, enabled=enabled) if needed else nullcontext()


def clear_cache(path: Path | None = None) -> list[Path]:
    """Delete the cache file (and its WAL side files); the paths removed. Only a file that is this tool's
    cache is deleted: `IMR_LLM_CACHE=records.jsonl imr-llm cache clear` refuses (ConfigError)."""
    path = path or default_cache_path()
    if path.is_symlink():  # never deleted through: the cache is named by its own file
        raise ConfigError(f"{path} is a link; give the cache file itself (it leads to {os.path.realpath(path)})")
    if path.exists() and not is_cache_file(path):
        raise ConfigError(f"{path} is not an imr-llm cache (not an SQLite file with its tables); nothing deleted")
    held = None
    if path.is_file():
        held = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        if not lock_now(held):
            raise ConfigError(
                f"{path} is in use by a running imr-llm (its answers are being kept there); clear it when that run "
                "ends; nothing deleted"
            )
    removed = []
    try:
        for suffix in ("", "-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.is_file() and not side.is_symlink():
                side.unlink()
                removed.append(side)
    finally:
        if held is not None:
            os.close(held)
    return removed


def _share(path: Path) -> int | None:
    """A shared lock on the cache file for as long as a run uses it, so that `cache clear` (which asks for the file
    alone) never deletes a cache under a run (a probe: a batch's answers and call log lost). flock, which SQLite's own
    locks (fcntl) do not touch."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return fd if lock_now(fd, shared=True) else None
    except OSError:  # no flock on this file system: the run goes on without the lock
        os.close(fd)
        return None


def _warn(message: str) -> None:
    print(f"imr-llm: {message}", file=sys.stderr, flush=True)
