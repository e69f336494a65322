"""Stream input paths from files, folders (recursive) and globs, without holding a list.

Folders and globs never follow a symlinked folder (a loop, or a link to a parent, would make one
letter many records or walk for minutes), and skip a symlinked file that points outside the folder
being walked. A file named on the command line is taken as given.

Each input comes once, named by its absolute path (a symbolic link by the file it leads to), however
many specs reach it (a folder, a file in it and a glob over it, `tree/**`, two links to one file, a hard
link): inputs are deduplicated by the file they are (device and inode).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from imr_llm.batch.table import written_mark
from imr_llm.outputs import read_regular
from imr_llm.suffixes import LETTER_SUFFIXES, PAGES_SUFFIX, is_pages_folder


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a broken or looping link
        return False


def _walk(folder: Path) -> Iterator[Path]:
    root = folder.resolve()
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
            if entry.is_dir(follow_symlinks=False) and entry.name.lower().endswith(PAGES_SUFFIX):
                yield Path(entry.path)  # the pages of one letter (photos or scans): one input
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(Path(entry.path))
            elif entry.name.lower().endswith(LETTER_SUFFIXES):
                path = Path(entry.path)
                if entry.is_symlink() and not _inside(path, root):
                    continue  # a link out of the folder (or a broken one): not part of it
                yield path
        stack.extend(reversed(subfolders))


def _translate(pattern: str) -> re.Pattern[str]:
    """A glob pattern (with ** for any folders) as a regex over '/'-separated relative paths."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 1)) > i + 1:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _glob_root(spec: str) -> Path:
    """The folder a glob searches: its leading parts without wildcards."""
    parts = Path(spec).parts
    fixed = next((k for k, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    return Path(*parts[:fixed]) if fixed else Path(".")


def _glob(spec: str) -> Iterator[Path]:
    """Paths matching `spec`, found by walking its fixed leading folder (symlinked folders not followed)."""
    root = _glob_root(spec)
    wanted = Path(spec).relative_to(root).as_posix() if root != Path(".") else spec
    pattern = _translate(wanted)
    # as a shell's glob: a wildcard never matches a name's leading dot (`DIR/*` read the tool's own `.imr-llm.lock`
    # as a letter); a pattern that names a dot itself (`DIR/.*`) may
    dotted = any(part.startswith(".") for part in wanted.split("/"))
    if not root.is_dir():
        return
    for path in _walk_all(root):
        relative = path.relative_to(root).as_posix()
        if pattern.match(relative) and (dotted or not any(part.startswith(".") for part in relative.split("/"))):
            yield path


def _walk_all(folder: Path) -> Iterator[Path]:
    """Every file and folder under `folder`, symlinked folders not entered."""
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            yield path
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)


# what a run writes into its summaries folder: NAME-HASH.LANG.md, its lock, a temporary file being written
_OWN_OUTPUT = re.compile(r"/(?:[^/]*-[0-9a-f]{8}\.[A-Za-z_-]+\.md|\.imr-llm[^/]*|\.[^/]*\.tmp)\Z")
_SUMMARY_NAME = re.compile(r"/[^/]*-[0-9a-f]{8}\.[A-Za-z_-]+\.md\Z")


def _marked_summary(path: str) -> bool:
    """Whether a file named as a summary is one this tool wrote: it ends with the hash mark summaries carry."""
    data = read_regular(Path(path), 4_000_000)  # never opens a pipe (a planted FIFO would hang the listing)
    return data is None or b"<!-- imr-llm sha256=" in data[-200:]  # unreadable: not read as a letter either way


def iter_inputs(
    specs: list[str], outputs: Iterable[Path | None] = (), folders: Iterable[Path | None] = ()
) -> Iterator[Path]:
    """Each spec is a file (taken as given, whatever its name), a folder (letters found inside,
    recursively) or a glob; a spec that matches nothing is yielded as is, to be reported. Every input
    once (by the path it resolves to), as an absolute path. The run's own `outputs` (its records, its table,
    the summaries folder's lock name) and their locks are never inputs: `--out in/records.txt` inside the
    folder read would be read as a letter on every run. What the run writes into its output `folders` (the
    summaries folder: its summaries, its lock, a file being written) is never an input either (`batch 'E/**'
    --summaries E/s`); the letters a person keeps there are (`batch in --summaries in`)."""
    seen: set[object] = set()
    inside = [os.path.realpath(os.path.abspath(f)) + os.sep for f in folders if f is not None]
    for output in outputs:
        if output is None:
            continue
        real = os.path.realpath(os.path.abspath(output))
        # the lock beside it too (`batch 'DIR/*' --out DIR/out.jsonl` read DIR/out.jsonl.lock as a letter), and
        # the hash a table keeps beside it (`table.written_mark`)
        for name in (real, real + ".lock", str(written_mark(Path(real)))):
            seen.add(name)
            with contextlib.suppress(OSError, ValueError):
                stat = os.stat(name)
                seen.add((stat.st_dev, stat.st_ino))
    for path in _each_spec(specs):
        absolute = os.path.abspath(path)
        try:
            real = os.path.realpath(absolute)
        except (OSError, ValueError):
            real = absolute
        try:  # the file itself: a hard link is another name for the same file
            stat = os.stat(real)
            identity: object = (stat.st_dev, stat.st_ino)
        except (OSError, ValueError):
            identity = real
        if identity in seen or real in seen:
            continue
        # what the run writes into its summaries folder; a file named as a summary is but none of ours (no mark) is
        # a person's letter kept there (a probe: dropped without a word, "done: 1 inputs" for 2 given)
        own = _OWN_OUTPUT.search(real) and any(real.startswith(f) for f in inside)
        if own and (not _SUMMARY_NAME.search(real) or _marked_summary(real)):
            continue
        seen.update((identity, real))
        # a file is named by the path it resolves to, so that a later run naming it another way (a link to it, a
        # linked parent folder, /proc/self/cwd) finds its record instead of adding a second one
        yield Path(real if os.path.isfile(real) else absolute)  # a dangling link or a missing file as given


def _each_spec(specs: list[str]) -> Iterator[Path]:
    for spec in specs:
        path = Path(spec)
        if is_pages_folder(path):
            yield path  # named itself: one letter
        elif path.is_dir():
            yield from _walk(path)
        elif path.exists() or path.is_symlink():
            yield path
        elif glob.has_magic(spec):
            matched = False
            for match in _glob(spec):
                matched = True
                if match.is_symlink() and (match.is_dir() or not _inside(match, _glob_root(spec).resolve())):
                    continue  # a linked folder, or a link out of the searched folder: not followed
                pages = next((p for p in (match, *match.parents) if is_pages_folder(p)), None)
                if pages is not None:
                    yield pages  # a page inside NAME.pages/ is part of that one letter (counted once)
                elif match.is_dir():
                    yield from _walk(match)
                else:
                    yield match
            if not matched:
                yield path
        else:
            yield path


def count_inputs(specs: list[str], outputs: Iterable[Path | None] = (), folders: Iterable[Path | None] = ()) -> int:
    return sum(1 for _ in iter_inputs(specs, outputs, folders))
