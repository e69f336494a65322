"""Writing per-input output files safely: names that cannot collide, capped in length, and never
through a symlink someone left at the output name."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

MAX_STEM = 80  # a file name has 255 bytes at most; stems of real letters are short


def safe_stem(path: str | Path) -> str:
    """A file-name stem from an input path: unsafe characters replaced, capped with a hash of the rest."""
    stem = re.sub(r"[^\w.-]+", "_", Path(str(path)).stem).strip("._") or "letter"
    if len(stem.encode()) > MAX_STEM:
        tail = hashlib.sha256(stem.encode()).hexdigest()[:8]
        stem = stem.encode()[: MAX_STEM - 9].decode(errors="ignore") + "-" + tail
    return stem


class OutputNames:
    """One name per input within a run: a second input with the same stem gets its path's hash added."""

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}

    def stem(self, source: str | Path) -> str:
        stem = safe_stem(source)
        owner = self._owner.setdefault(stem, str(source))
        if owner == str(source):
            return stem
        unique = f"{stem}-{hashlib.sha256(str(source).encode()).hexdigest()[:8]}"
        self._owner.setdefault(unique, str(source))
        return unique


def write_file(target: Path, text: str) -> None:
    """Write `text` to `target` through a new file renamed over it: a symlink at `target` is replaced,
    never followed, and a reader never sees half a file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
