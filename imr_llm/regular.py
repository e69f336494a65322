"""Reading a file the user names (a suite, a run file, a gold file, an input to hash) only when it is a regular
file: opening a FIFO blocks until someone writes to it, so a FIFO planted where a file is expected would hang a
command forever. One check, used wherever such a file is read."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegular(OSError):
    """The path is a FIFO, device, socket or folder: never opened for reading."""


def regular(path: Path) -> Path:
    """`path` if it is a regular file (links followed); NotRegular otherwise (FileNotFoundError when absent)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a FIFO, device or socket)"
        raise NotRegular(f"{path} is {kind}")
    return path


def read_text(path: Path) -> str:
    return regular(path).read_text(encoding="utf-8")


def read_bytes(path: Path) -> bytes:
    return regular(path).read_bytes()
