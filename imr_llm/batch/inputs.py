"""Stream input paths from files, folders (recursive) and globs, without holding a list."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from pathlib import Path

LETTER_SUFFIXES = (".txt", ".pdf", ".text", ".tif", ".tiff", ".png", ".jpg", ".jpeg")  # images: by OCR


def _walk(folder: Path) -> Iterator[Path]:
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            yield current  # unreadable folder: the worker reports it
            continue
        subfolders = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(Path(entry.path))
            elif entry.name.lower().endswith(LETTER_SUFFIXES):
                yield Path(entry.path)
        stack.extend(reversed(subfolders))


def iter_inputs(specs: list[str]) -> Iterator[Path]:
    """Each spec is a file (taken as given, whatever its name), a folder (letters found inside,
    recursively) or a glob; a spec that matches nothing is yielded as is, to be reported."""
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            yield from _walk(path)
        elif path.exists() or path.is_symlink():
            yield path
        elif glob.has_magic(spec):
            matched = False
            for match in glob.iglob(spec, recursive=True):
                matched = True
                p = Path(match)
                if p.is_dir():
                    yield from _walk(p)
                else:
                    yield p
            if not matched:
                yield path
        else:
            yield path


def count_inputs(specs: list[str]) -> int:
    return sum(1 for _ in iter_inputs(specs))
