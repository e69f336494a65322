"""Writing output files safely, and text that is safe to show.

- Names that cannot collide, capped in length (`safe_stem`, `OutputNames`).
- Never through a link, never over a name this run did not create: whole files are written into a
  fresh temporary file made with `tempfile.mkstemp` in the target's own folder (O_CREAT | O_EXCL, a
  random name, so no planted symlink or hard link is ever opened), synced, then renamed over the
  target (`atomic_write`); a rename replaces a link at the target instead of following it. Files that
  must not replace anything (`--save-text`) are created with O_EXCL | O_NOFOLLOW (`save_new_text`).
- Text shown in a terminal or written into Markdown, CSV or plain text has its control characters
  (ANSI/OSC escapes, bidi overrides such as U+202E) made visible and harmless (`visible`,
  `json_line`, `md_escape`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

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


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _new_file_mode(target: Path) -> int:
    """The mode a replacement keeps: the existing regular file's, else what a plain open() would give."""
    try:
        info = os.lstat(target)
        if stat.S_ISREG(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


# who writes a temporary file: this host and process, so that a later write of the same target can tell a file a
# killed writer left behind (kill -9 runs no clean-up) from one another process is still writing
_OWNER = f"{re.sub(r'[^A-Za-z0-9-]', '', socket.gethostname())[:30] or 'host'}-{os.getpid()}"
_TMP_OWNER = re.compile(r"\.(?P<host>[A-Za-z0-9-]{1,30})-(?P<pid>\d{1,10})\.[^.]+\.tmp")


def _sweep_stale(target: Path) -> None:
    """Temporary copies of `target` this host's dead processes left (a summary written when a run was killed):
    removed before it is written again; another host's, or a live process's, are left alone."""
    host = _OWNER.rsplit("-", 1)[0]
    prefix = f".{target.name[:60]}."
    try:
        names = [n for n in os.listdir(target.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        m = _TMP_OWNER.fullmatch(name[len(prefix) - 1 :])
        if m is None or m.group("host") != host or int(m.group("pid")) == os.getpid():
            continue
        try:
            os.kill(int(m.group("pid")), 0)
        except ProcessLookupError:
            with suppress(OSError):
                os.unlink(target.parent / name)
        except (OSError, OverflowError):
            continue  # alive (another user's) or no such number: left alone


@contextmanager
def atomic_write(target: Path, *, binary: bool = False, newline: str | None = None) -> Iterator[IO[Any]]:
    """A writable file that becomes `target` when the block ends without an error (synced, then renamed
    over it); on an error the temporary file is removed and `target` is left as it was."""
    _sweep_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:60]}.{_OWNER}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, _new_file_mode(target))
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline=newline) as sink:
            yield sink
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def write_file(target: Path, text: str) -> None:
    """Write `text` to `target` through a new file renamed over it: a symlink at `target` is replaced,
    never followed, and a reader never sees half a file."""
    with atomic_write(target) as sink:
        sink.write(text)


def lock_now(fd: int, shared: bool = False) -> bool:
    """Whether an exclusive (or `shared`) flock on `fd` was taken without waiting; when another process holds it, the
    descriptor is closed (a batch's output, a served workspace, a cache being cleared or used: the caller says who is
    in the way)."""
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    return True


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file's bytes, read in blocks (a records table can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_regular(path: Path, limit: int = 1_000_000) -> bytes | None:
    """Up to `limit` bytes of `path` if it is a regular file (not a link, a FIFO or a device: opening a FIFO
    to read waits for a writer, and a run hung on a planted one), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def _holds(path: Path, data: bytes) -> bool:
    """Whether `path` is a regular file (not a link) holding exactly `data`."""
    return read_regular(path, len(data) + 1) == data


def save_new_text(folder: Path, stem: str, text: str) -> Path:
    """Save `text` as FOLDER/STEM.txt, or STEM-HASH.txt when that name already holds something else
    (another letter's text, an input letter, a link); never overwrites and never follows a link. A
    file that already holds exactly this text is reused. Returns the file written or reused."""
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()[:8]
    names = [f"{stem}.txt", f"{stem}-{digest}.txt", *(f"{stem}-{digest}-{n}.txt" for n in range(2, 100))]
    for name in names:
        path = folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            if _holds(path, data):
                return path
            continue
        try:
            with os.fdopen(fd, "wb") as sink:
                sink.write(data)
        except BaseException:
            path.unlink(missing_ok=True)  # ours: made by the O_EXCL open above
            raise
        return path
    raise FileExistsError(f"{folder / names[0]} and 98 other names are taken")


def check_writable_folder(folder: Path) -> str | None:
    """Why nothing can be written in `folder` (made when missing), or None: tried by creating a file
    there, which is the only test that holds for read-only file systems and privileged users alike."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{folder} is a file, not a folder"
    except NotADirectoryError:
        return f"{folder}: a part of it is a file, not a folder"
    except OSError as e:
        return f"cannot create {folder} ({e.strerror or e})"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        fd, probe = tempfile.mkstemp(prefix=".imr-llm-probe-", dir=folder)
    except OSError as e:
        return f"cannot write in {folder} ({e.strerror or e})"
    os.close(fd)
    os.unlink(probe)
    return None


# -- text that is safe to show --------------------------------------------------------------------

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that reorder or
# hide text (bidi embeddings, overrides and isolates, marks, zero-width joiners, the BOM, and the invisible
# "tag" characters U+E0000-U+E007F, which can spell hidden words)
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\U000e0000-\U000e007f]"
)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep_newlines: bool = True) -> str:
    """`text` with every control or bidi character written as a visible escape (ESC as "\\x1b", U+202E
    as "\\u202e"): what a terminal, Markdown, CSV or plain-text output may show of a letter's or a file
    name's characters. Tabs are kept; newlines too unless `keep_newlines` is False (one-line output)."""
    shown = _UNSAFE.sub(_shown, text)
    return shown if keep_newlines else shown.replace("\r", "\\r").replace("\n", "\\n")


_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029\U000e0000-\U000e007f]"
)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair: JSON's escape for a character past U+FFFF
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(text: str) -> str:
    """JSON text (already dumped) with DEL, C1, bidi, zero-width and tag characters as \\uXXXX escapes: such
    characters can stand only inside JSON strings, where the escape is the same character once parsed."""
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


def json_line(data: object) -> str:
    """One JSON line whose text shows no control or bidi character raw: JSON escapes C0 controls
    already; DEL, C1, the bidi and zero-width characters and line separators become \\uXXXX escapes.
    The same data once parsed: the letter's exact words are kept."""
    return json_text(json.dumps(data, ensure_ascii=False))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet would run as a formula ("=HYPERLINK(...)" from a letter) gets a leading
    apostrophe, as OWASP recommends for CSV injection; control and bidi characters (an ANSI escape, a
    U+202E override) are written as visible escapes (`\\x1b`); everything else is left as it is."""
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            value = "'" + value
        return visible(value)
    return value


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(value: object) -> str:
    """A name or value as Markdown text, never markup: HTML escaped, Markdown punctuation
    backslash-escaped, control characters visible, on one line."""
    text = visible(str(value), keep_newlines=False)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
