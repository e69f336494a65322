"""Reading the call log (the `calls` table beside the response cache): what `imr-llm logs` shows.

Opened read-only: reading the log never creates or changes the cache. Letter text is returned only
when it was logged (`--log-text`) and the caller asks for it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imr_llm.errors import ConfigError

__all__ = ["CallFilter", "read_calls", "totals"]

_COLUMNS = (
    "id, ts, model, prompt, prompt_hash, cached, status, error, requests, prompt_tokens, completion_tokens, latency_s"
)


@dataclass(frozen=True)
class CallFilter:
    model: str | None = None
    prompt: str | None = None  # NAME or NAME@VERSION
    status: str | None = None  # ok, cached, or a failure kind
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 20


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ConfigError(f"no call log at {path} (nothing has called a model with this cache yet)")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db.execute("SELECT 1 FROM calls LIMIT 1")
    except sqlite3.Error as e:
        raise ConfigError(f"cannot read the call log {path}: {e}") from e
    return db


def _where(f: CallFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if f.model:
        clauses.append("model = ?")
        args.append(f.model)
    if f.prompt:
        clauses.append("(prompt = ? OR prompt LIKE ?)" if "@" not in f.prompt else "prompt = ?")
        args += [f.prompt, f"{f.prompt}@%"] if "@" not in f.prompt else [f.prompt]
    if f.status == "cached":
        clauses.append("cached = 1")
    elif f.status:
        clauses.append("status = ?")
        args.append(f.status)
    if f.since:
        clauses.append("ts >= ?")
        args.append(f.since.timestamp())
    if f.until:
        clauses.append("ts < ?")
        args.append(f.until.timestamp())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def read_calls(path: Path, f: CallFilter, with_text: bool = False) -> list[dict[str, Any]]:
    """The most recent calls matching `f`, newest first."""
    where, args = _where(f)
    columns = _COLUMNS + (", letter_text" if with_text else "")
    db = _open(path)
    try:
        cursor = db.execute(f"SELECT {columns} FROM calls{where} ORDER BY id DESC LIMIT ?", [*args, f.limit])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        db.close()
    for row in rows:
        row["time"] = dt.datetime.fromtimestamp(row.pop("ts"), dt.UTC).isoformat(timespec="seconds")
        row["cached"] = bool(row["cached"])
        row["retries"] = max(0, (row.get("requests") or 0) - 1)
    return rows


def totals(path: Path, f: CallFilter) -> dict[str, Any]:
    """Counts, tokens and latency of every call matching `f` (no limit), and calls per outcome."""
    where, args = _where(f)
    db = _open(path)
    try:
        row = db.execute(
            "SELECT count(*), coalesce(sum(cached), 0), coalesce(sum(requests), 0), coalesce(sum(prompt_tokens), 0), "
            f"coalesce(sum(completion_tokens), 0), coalesce(sum(latency_s), 0.0) FROM calls{where}",
            args,
        ).fetchone()
        outcomes = db.execute(
            f"SELECT status, count(*) FROM calls{where} GROUP BY status ORDER BY count(*) DESC",
            args,
        ).fetchall()
    finally:
        db.close()
    calls, cached, requests, prompt_tokens, completion_tokens, latency = row
    return {
        "calls": calls,
        "cached": cached,
        "requests": requests,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "latency_s": round(float(latency), 3),
        "outcomes": dict(outcomes),
    }
