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

import errno
import fcntl
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imr_llm.errors import ConfigError
from imr_llm.outputs import atomic_write, lock_now

Key = tuple[str, str]  # (input path, sha256 of its bytes)


def record_key(record: dict[str, Any]) -> Key | None:
    path = _path_of(record)
    source = record.get("source")
    digest = source.get("sha256") if isinstance(source, dict) else None
    return (path, str(digest or "")) if path else None  # unreadable inputs have no hash


def made_by(record: dict[str, Any]) -> str | None:
    """What made a record, as `Extractor.made_by` says it: "rules", or "BACKEND MODEL PROMPT" for a record
    with a model's part; None for an error record (it says nothing about how a letter is read)."""
    if "error" in record:
        return None
    llm = record.get("llm")
    if isinstance(llm, dict):
        return " ".join(str(llm.get(k) or "?") for k in ("backend", "model", "prompt"))
    return str(record.get("extractor") or "?")


def check_made_by(out: Path, expected: str) -> None:
    """Refuse to resume an output whose records another backend, model or prompt made: its letters would
    be skipped as done and the file would mix two readings, with nothing to tell them apart in a table.
    Read only: a refused run leaves the file exactly as it was (no repair, no compaction)."""
    if not out.is_file():
        return
    others: dict[str, int] = {}
    for _, record in _read_records(out):
        maker = made_by(record) if record is not None else None
        if maker is not None and maker != expected:
            others[maker] = others.get(maker, 0) + 1
    if others:
        maker, n = max(others.items(), key=lambda kv: kv[1])
        raise ConfigError(
            f"{out} holds {n} record(s) made by {maker!r}, not by this run's {expected!r}; write to another "
            "--out (a resumed output is only ever continued by the same backend, model and prompt)"
        )


def foreign_file(out: Path) -> bool:
    """Whether an existing, non-empty `out` holds no record at all (a letter, notes, another program's
    file): a run must never take it over. A records file with some damaged lines still holds records."""
    try:
        if not out.is_file() or out.stat().st_size == 0:
            return False
        return all(record is None for _, record in _read_records(out))
    except OSError:
        return False  # unreadable: the run's own open says so


def _retryable(record: dict[str, Any], kinds: set[str]) -> bool:
    """An error record of a retryable kind, or a record whose LLM call failed (the parser's record)."""
    if "error" in record:
        return record.get("error_kind") in kinds
    return bool((record.get("llm") or {}).get("error"))


def lock_file(path: Path) -> bool:
    """Whether `path` is a lock file `exclusive` makes (NAME.lock beside NAME, holding a PID or nothing): given as
    an output, a run would take it for a file of its own and lock it (NAME.lock.lock), or call it held."""
    if not path.name.endswith(".lock") or len(path.name) == len(".lock"):
        return False
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 20:
            return False
        held = path.read_bytes().strip()
    except OSError:
        return False
    return not held or held.isdigit()


def _open_lock(lock_path: Path) -> int:
    """The lock file's descriptor: created if missing; never a symlink (O_NOFOLLOW), never a file with
    another name (a hard link): such a name was planted, and writing the holder's PID would write there."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ConfigError(f"{lock_path} is a symbolic link; remove it (imr-llm never writes through one)") from e
        raise ConfigError(f"cannot create the lock file {lock_path} ({e.strerror or e})") from e
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise ConfigError(
            f"{lock_path} is not a plain file of its own (a device, or a hard link to another file); remove it"
        )
    held = os.pread(fd, 64, 0) if info.st_size else b""
    if info.st_size > 32 or not (held.strip().isdigit() or not held.strip()):
        # a lock holds nothing or its holder's PID; anything else at that name is someone's file, never written over
        os.close(fd)
        raise ConfigError(f"{lock_path} exists and is not an imr-llm lock file (it holds other text); move it")
    return fd


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
    except OSError:
        return "unknown"


class _InodeLocks:
    """flock on the output file itself, so a second run reaching the same file by another name (a hard
    link) is refused too. Taken again after each rewrite (a rename gives the file a new inode)."""

    def __init__(self) -> None:
        self.held: dict[str, list[int]] = {}

    def take(self, target: Path, what: str) -> None:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return  # not made yet: the name lock covers it
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return
        if not lock_now(fd):
            raise ConfigError(
                f"another imr-llm run is writing {what} {target} (the same file, under another name); wait for it "
                "to finish or choose another path"
            )
        self.held.setdefault(str(target), []).append(fd)

    def retake(self, target: Path) -> None:
        if str(target) in self.held:
            with suppress(ConfigError):  # nobody else can hold it: the name lock is ours
                self.take(target, "output")

    def release(self, target: Path) -> None:
        for fd in self.held.pop(str(target), []):
            os.close(fd)


_inode_locks = _InodeLocks()


def _make_empty(target: Path) -> bool:
    """Create `target` empty when no file is there (never through a link); whether it was made."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def real_path(target: Path) -> Path:
    """Where a path really leads: an output given through a symbolic link is written where the link
    points (so its lock and its rewrites are that file's), never replaced by a regular file. A link to nothing is
    refused: followed, it made a file (and folders) wherever the link pointed."""
    if os.path.islink(target) and not os.path.exists(target):
        raise ConfigError(
            f"{target} is a symbolic link to {os.readlink(target)}, which does not exist; give the output's own path"
        )
    return Path(os.path.realpath(target))


@contextmanager
def exclusive(target: Path, what: str = "output") -> Iterator[None]:
    """Hold an exclusive lock on `target` or fail at once naming its holder. The lock is the file's:
    TARGET.lock beside the file the path really leads to (so a symlinked name shares it), plus a lock
    on the file itself when it exists (so a hard-linked name shares it too)."""
    real = real_path(target)
    made = False
    lock_path = real.with_name(real.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open_lock(lock_path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"another imr-llm run (PID {_holder(fd)}) is writing {what} {target}; wait for it to finish or "
                "choose another path"
            ) from None
        # a new output is made now, empty, so that its own lock is held from the start: made later by the
        # run, a hard link to it made meanwhile let a second run write the same file
        made = _make_empty(real)
        _inode_locks.take(real, what)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        _inode_locks.release(real)
        if made:
            with suppress(OSError):
                if real.stat().st_size == 0 and not real.is_symlink():
                    real.unlink()  # made here and never written: nothing left behind
        os.close(fd)  # releases the lock


@contextmanager
def turn(folder: Path, what: str, wait: float = 60.0) -> Iterator[None]:
    """Hold `folder` for a short step (choose a file's name in it, then write it) that two runs must not
    interleave: two `summarize --out F` runs of letters with one name both saw the name free and one summary
    was lost. The lock is the folder's own (flock on its descriptor), so nothing is left in it. Waits its turn,
    at most `wait` seconds (the step takes milliseconds), then fails."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise ConfigError(f"cannot open {what} {folder} ({e.strerror or e})") from e
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigError(
                        f"another imr-llm run has held {what} {folder} for {wait:.0f} s; try again"
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class Scan:
    done: set[Key] = field(default_factory=set)
    paths: dict[str, str] = field(default_factory=dict)  # input path -> hash of its record in the output
    failed: dict[str, str] = field(default_factory=dict)  # input path -> error kind of its error record
    llm_failed: dict[str, str] = field(default_factory=dict)  # input path -> LLM failure kind (parser's record)
    dropped_errors: int = 0
    repaired_bytes: int = 0
    corrupt_lines: int = 0  # unreadable lines, and JSON lines that are not records
    duplicates: int = 0  # older records of an input that has a newer one


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
    """(line, record or None when it is not one), streaming. Not a record: unreadable, too deeply
    nested to read, or JSON that is not an object naming its input (`source.path`)."""
    # "utf-8-sig": a records file saved by an editor that puts a byte-order mark first (Notepad, PowerShell)
    # keeps its first record (it was dropped as "not a record" and its letter redone)
    with out.open(encoding="utf-8-sig", errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                yield line, None
                continue
            yield line, record if isinstance(record, dict) and _path_of(record) is not None else None


def repair_and_scan(out: Path, retry_kinds: set[str] | None = None, retried: set[str] | None = None) -> Scan:
    """What `out` already holds: one record per input, always. Rewrites it (under the caller's lock)
    only when lines must go: a line that is not a record, an older record of an input that has a newer
    one (a duplicated line, a changed input's old record), or, with `retry_kinds`, a record to redo: only
    one of this run's inputs (`retried`, their `input_key`s, when given), which the run then redoes (another
    input's record was dropped and never redone). Memory grows with the number of inputs, not the output's size."""
    scan = Scan()
    if not out.exists():
        return scan
    scan.repaired_bytes = _cut_torn_tail(out)

    def dropped(record: dict[str, Any] | None) -> bool:
        if record is None:
            return True
        if retry_kinds is None or not _retryable(record, retry_kinds):
            return False
        return retried is None or _path_of(record) in retried

    newest: dict[str, int] = {}
    for k, (_, record) in enumerate(_read_records(out)):
        if record is None:
            scan.corrupt_lines += 1  # dropped: its input is redone
        elif dropped(record):
            scan.dropped_errors += 1
        elif not _named_relative(record):
            path = _path_of(record)
            assert path is not None
            if path in newest:
                scan.duplicates += 1
            newest[path] = k
    if scan.corrupt_lines or scan.dropped_errors or scan.duplicates:
        _rewrite(
            out,
            lambda line, record, k: (
                not dropped(record) and (_named_relative(record) or newest.get(_path_of(record) or "") == k)
            ),
        )
    for _, record in _read_records(out):
        if record is None or dropped(record) or (key := record_key(record)) is None:
            continue
        scan.done.add(key)
        if not _named_relative(record):  # a relative name's record is never replaced: no "content changed" for it
            scan.paths[key[0]] = key[1]
        if "error" in record:
            scan.failed[key[0]] = str(record.get("error_kind") or "error")
        elif isinstance(record.get("llm"), dict) and record["llm"].get("error"):
            scan.llm_failed[key[0]] = str(record["llm"].get("error_kind") or "error")
    return scan


def _rewrite(out: Path, keep: Callable[[str, dict[str, Any] | None, int], bool]) -> int:
    """Stream the kept lines into a new file and rename it over `out`; the lines removed."""
    removed = 0
    with atomic_write(out) as sink:
        for k, (line, record) in enumerate(_read_records(out)):
            if keep(line, record, k):
                sink.write(line)
            else:
                removed += 1
    _inode_locks.retake(out)
    return removed


def input_key(path: str | Path) -> str:
    """How an input is named in the output: its absolute path, so runs from other folders with the
    same relative names never replace each other's records."""
    return os.path.abspath(path)


def _named_relative(record: dict[str, Any] | None) -> bool:
    """A record that names its input by a relative path (`imr-llm parse DIR/a.txt > OUT.jsonl`: batch names each by
    its absolute path). Which folder it was relative to is unknown, so it is never replaced nor removed as a
    duplicate: a run from another folder with the same relative name is another letter (its record had been lost)."""
    source = (record or {}).get("source")
    path = source.get("path") if isinstance(source, dict) else None
    return isinstance(path, str) and bool(path) and not os.path.isabs(path)


def _path_of(record: dict[str, Any] | None) -> str | None:
    source = (record or {}).get("source")
    path = source.get("path") if isinstance(source, dict) else None
    return input_key(path) if isinstance(path, str) and path else None


def compact(out: Path) -> list[tuple[str, str]]:
    """Keep only the newest record per input path (a changed input replaced its old record); the (input path,
    sha256) of each old record removed: what was made from it (its summary) is stale."""
    newest: dict[str, int] = {}
    duplicates = False
    for k, (_, record) in enumerate(_read_records(out)):
        if (path := _path_of(record)) is not None and not _named_relative(record):
            duplicates = duplicates or path in newest
            newest[path] = k
    if not duplicates:
        return []
    removed: list[tuple[str, str]] = []

    def keep(line: str, record: dict[str, Any] | None, k: int) -> bool:
        path = _path_of(record)
        if path is None or _named_relative(record) or newest[path] == k:
            return True
        source = (record or {})["source"]
        digest = source.get("sha256")
        removed.append((str(source.get("path")), digest if isinstance(digest, str) else ""))
        return False

    _rewrite(out, keep)
    return removed


_CASE_FIELD = re.compile(rb'"case_number":\s*"([^"]{3,40})"')


def same_case_records(out: Path) -> int:
    """How many records of `out` name a case number an earlier record names (one letter read from two files: its PDF
    and its text, or a copy): each is one more line and more table rows for one letter. Read with a pattern, not a
    JSON parse, so a year of records is counted in a second."""
    seen: set[bytes] = set()
    repeated = 0
    try:
        with out.open("rb") as f:
            for line in f:
                m = _CASE_FIELD.search(line, 0, 4000)  # the case number comes early in a record
                if m is None:
                    continue
                case = m.group(1).strip().upper()
                repeated += case in seen
                seen.add(case)
    except OSError:
        return 0
    return repeated
