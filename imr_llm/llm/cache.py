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
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    created REAL NOT NULL
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
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "imr-llm" / "llm-cache.sqlite"


def cache_key(**parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    response: dict[str, Any]
    prompt_tokens: int
    completion_tokens: int


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
    """Thread-safe: one connection, one lock (calls take seconds; the lock is not the bottleneck)."""

    def __init__(self, path: Path | None = None, enabled: bool = True) -> None:
        self.path = path or default_cache_path()
        self.enabled = enabled
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a cache: durable enough, no fsync per call
        self._db.executescript(_SCHEMA)

    def get(self, key: str) -> CachedResponse | None:
        if not self.enabled:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT response, prompt_tokens, completion_tokens FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return CachedResponse(json.loads(row[0]), row[1] or 0, row[2] or 0)

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
    ) -> None:
        if not self.enabled:
            return
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ),
            )

    def log(self, entry: CallLogEntry) -> None:
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
        with self._lock:
            cursor = self._db.execute("SELECT * FROM calls ORDER BY id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._db.close()
