"""The JSON Lines output: what is already done (for resume), and repair of a torn last line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

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


def repair_and_scan(out: Path, retry_kinds: set[str] | None = None) -> tuple[set[Key], int, int]:
    """Keys already in `out`; (done, dropped_error_records, repaired_bytes).

    A last line cut off by a crash or `kill -9` is cut away (the input is redone).
    With `retry_kinds`, error records of those kinds are removed so they are redone.
    """
    done: set[Key] = set()
    if not out.exists():
        return done, 0, 0
    repaired = 0
    with out.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size:
            # find the end of the last complete line
            pos = size
            f.seek(max(0, size - 1))
            if f.read(1) != b"\n":
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
                repaired = size - pos
    dropped = 0
    keep_lines = retry_kinds is None
    tmp = out.with_suffix(out.suffix + ".tmp")
    writer = None if keep_lines else tmp.open("w", encoding="utf-8")
    try:
        with out.open(encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # an unreadable line in the middle: not counted as done, so it is redone
                if retry_kinds is not None and _retryable(record, retry_kinds):
                    dropped += 1
                    continue
                key = record_key(record)
                if key:
                    done.add(key)
                if writer is not None:
                    writer.write(line)
    finally:
        if writer is not None:
            writer.close()
    if writer is not None:
        os.replace(tmp, out)
    return done, dropped, repaired
