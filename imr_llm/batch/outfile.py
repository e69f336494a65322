"""The JSON Lines output: one writer at a time, what is already done (for resume), repair.

- One writer: a run holds an exclusive lock (`OUT.lock`, fcntl) on its output for its whole life; a
  second run on the same output stops at once, naming the PID that holds it. Files the run writes
  beside the output (the CSV table, the summaries folder) are locked the same way.
- Resume: a last line torn by a crash or `kill -9` is cut away; an unreadable line anywhere is dropped
  (and reported); the inputs already in the output (same path, same content hash) are skipped.
- A changed input (same path, new content) gets a new record; when the run ends, the output keeps
  only the newest record per path (`compact`), so the table never shows the old one.
The output is only ever rewritten while the lock is held, into a new file renamed over the old.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from imr_llm.errors import ConfigError

Key = tuple[str, str]  # (input path, sha256 of its bytes)


def record_key(record: dict[str, Any]) -> Key | None:
    source = record.get("source") or {}
    path, digest = source.get("path"), source.get("sha256")
    return (str(path), str(digest or "")) if path else None  # unreadable inputs have no hash


def _retryable(record: dict[str, Any], kinds: set[str]) -> bool:
    """An error record of a retryable kind, or a record whose LLM call failed (the parser's record)."""
    if "error" in record:
        return record.get("error_kind") in kinds
    return bool((record.get("llm") or {}).get("error"))


@contextmanager
def exclusive(target: Path, what: str = "output") -> Iterator[None]:
    """Hold an exclusive lock on `target` (through TARGET.lock) or fail at once naming its holder."""
    lock_path = target.with_name(target.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle: TextIO = lock_path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ConfigError(
                f"another imr-llm run (PID {holder}) is writing {what} {target}; wait for it to finish or "
                "choose another path"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


@dataclass
class Scan:
    done: set[Key] = field(default_factory=set)
    paths: dict[str, str] = field(default_factory=dict)  # input path -> hash of its record in the output
    dropped_errors: int = 0
    repaired_bytes: int = 0
    corrupt_lines: int = 0


def _cut_torn_tail(out: Path) -> int:
    """Cut a last line that has no newline (a crash mid-write); the bytes removed."""
    with out.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if not size:
            return 0
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        back = min(size, 1 << 20)
        while True:
            f.seek(size - back)
            chunk = f.read(back)
            cut = chunk.rfind(b"\n")
            if cut >= 0 or back == size:
                pos = size - back + cut + 1 if cut >= 0 else 0
                break
            back = min(size, back * 2)
        f.truncate(pos)
        return size - pos


def _read_records(out: Path) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """(line, record or None when unreadable), streaming."""
    with out.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                yield line, None
                continue
            yield line, record if isinstance(record, dict) else None


def repair_and_scan(out: Path, retry_kinds: set[str] | None = None) -> Scan:
    """What `out` already holds. Rewrites it (under the caller's lock) only when lines must go: an
    unreadable line, or, with `retry_kinds`, a record to redo. Streams: memory does not grow with
    the output's size."""
    scan = Scan()
    if not out.exists():
        return scan
    scan.repaired_bytes = _cut_torn_tail(out)

    def dropped(record: dict[str, Any] | None) -> bool:
        return record is None or (retry_kinds is not None and _retryable(record, retry_kinds))

    for _, record in _read_records(out):
        if record is None:
            scan.corrupt_lines += 1  # dropped: its input is redone
        elif dropped(record):
            scan.dropped_errors += 1
        elif (key := record_key(record)) is not None:
            scan.done.add(key)
            scan.paths[key[0]] = key[1]
    if scan.corrupt_lines or scan.dropped_errors:
        _rewrite(out, lambda line, record, k: not dropped(record))
    return scan


def _rewrite(out: Path, keep: Callable[[str, dict[str, Any] | None, int], bool]) -> int:
    """Stream the kept lines into a new file and rename it over `out`; the lines removed."""
    tmp = out.with_name(out.name + ".tmp")
    removed = 0
    with tmp.open("w", encoding="utf-8") as sink:
        for k, (line, record) in enumerate(_read_records(out)):
            if keep(line, record, k):
                sink.write(line)
            else:
                removed += 1
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(tmp, out)
    return removed


def _path_of(record: dict[str, Any] | None) -> str | None:
    path = ((record or {}).get("source") or {}).get("path")
    return str(path) if path else None


def compact(out: Path) -> int:
    """Keep only the newest record per input path (a changed input replaced its old record); the
    number of old records removed."""
    newest: dict[str, int] = {}
    duplicates = False
    for k, (_, record) in enumerate(_read_records(out)):
        if (path := _path_of(record)) is not None:
            duplicates = duplicates or path in newest
            newest[path] = k
    if not duplicates:
        return 0
    return _rewrite(out, lambda line, record, k: (path := _path_of(record)) is None or newest[path] == k)
