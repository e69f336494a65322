"""A workspace on disk: the SQLite file, the uploaded files of each letter, exported gold and eval runs.

Why a folder of our own: these are medical records. The folder and its files are readable by the
user only (0700 / 0600), a marker file says the folder is a workspace, and deleting the workspace
removes exactly what the app wrote (never a file it did not make), then the folder if it is empty.

    WORKSPACE/
      .imr-llm-workspace        marker
      workspace.sqlite          letters, records, summaries, the audit log, evals
      files/ID/NN.EXT           each letter's uploaded file(s), as sent (EXT from the sniffed type)
      gold/                     exported gold: NAME.gold.json + NAME.txt (+ the original), reviewed.toml
      evals/                    eval run files
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from imr_llm.errors import ConfigError
from imr_llm.outputs import lock_now
from imr_llm.web.db import Database

MARKER = ".imr-llm-workspace"
EXPORT_MANIFEST = ".imr-llm-export.json"  # the files the last gold export wrote: only those are removed
GOLD_SUITE = "reviewed.toml"


class WorkspaceLinked(ConfigError):
    """A link where the workspace keeps an upload: refused, never written through."""


class GoldFolderLinked(ConfigError):
    """The workspace's gold folder is a link: the export will not empty or fill another folder."""


DB_NAME = "workspace.sqlite"
EXTENSIONS = {"pdf": ".pdf", "text": ".txt", "tiff": ".tif", "png": ".png", "jpeg": ".jpg", "webp": ".webp"}
EXTENSIONS |= {"gif": ".gif", "bmp": ".bmp"}


def _hold(marker: Path) -> int:
    """An exclusive lock on the workspace's marker for this process: two `serve` on one workspace both ran, and after
    one deleted it the other wrote a new upload into the deleted folder, where no delete would ever find it."""
    fd = os.open(marker, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    if not lock_now(fd):
        raise ConfigError(
            f"{marker.parent} is open in another imr-llm serve; stop that one first, or give another workspace"
        )
    return fd


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.deleted = False
        if self.root.exists() and any(self.root.iterdir()) and not (self.root / MARKER).exists():
            raise ConfigError(f"{self.root} is not empty and is not an imr-llm workspace; give a new or empty folder")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        (self.root / MARKER).touch(mode=0o600)
        self._held: int | None = _hold(self.root / MARKER)
        old_umask = os.umask(0o077)
        try:
            self.db = Database(self.root / DB_NAME)
        finally:
            os.umask(old_umask)

    def close(self) -> None:
        """Let another `serve` open this workspace (the lock is the process's until then)."""
        if self._held is not None:
            os.close(self._held)
            self._held = None

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def gold(self) -> Path:
        return self.root / "gold"

    @property
    def evals(self) -> Path:
        return self.root / "evals"

    def letter_dir(self, letter_id: int) -> Path:
        return self.files / str(int(letter_id))

    def save(self, letter_id: int, index: int, kind: str, data: bytes) -> Path:
        """Store one uploaded file under a name of our own (never the sender's), inside the workspace: a link
        planted at its folder or its name is refused, never written through (a letter had been written to the
        folder a link led to, and outlived "delete the workspace")."""
        folder = self.letter_dir(letter_id)
        for part in (self.files, folder):
            if part.is_symlink():
                raise WorkspaceLinked(f"{part} is a link; uploads are kept only inside the workspace: move it aside")
        self.files.mkdir(exist_ok=True, mode=0o700)  # a parent made by mkdir(parents=True) takes the umask's mode
        folder.mkdir(exist_ok=True, mode=0o700)
        path = folder / f"{index:02d}{EXTENSIONS.get(kind, '.bin')}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        except OSError as e:
            if path.is_symlink():
                raise WorkspaceLinked(f"{path} is a link; uploads are kept only inside the workspace") from e
            raise
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return path

    def uploads(self, letter_id: int) -> list[Path]:
        """The letter's stored uploads: regular files we wrote, never a link planted in their place (a gold export
        had copied the file a link led to, /etc/passwd, as the letter's original)."""
        folder = self.letter_dir(letter_id)
        if self.files.is_symlink() or folder.is_symlink() or not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if not p.is_symlink() and p.is_file())

    def private_dir(self, path: Path) -> Path:
        if path.is_symlink():
            raise WorkspaceLinked(f"{path} is a link; the workspace's files are kept only inside it: move it aside")
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)
        return path

    @staticmethod
    def write_private(path: Path, data: str | bytes) -> None:
        """`data` written to `path`, readable by the user only (0600, whatever the umask), never through a link."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)

    def clear_gold(self) -> None:
        """Remove what the last gold export wrote (the files its manifest lists), never another file a person put
        there; a link is refused."""
        folder = self.gold
        if folder.is_symlink():
            raise GoldFolderLinked(f"{folder} is a link to another folder; move it aside")
        if not folder.is_dir():
            return
        try:
            listed = json.loads((folder / EXPORT_MANIFEST).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            listed = []  # no export's list: nothing here is known to be the export's, so nothing is removed
        for name in listed if isinstance(listed, list) else []:
            if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
                continue
            path = folder / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        (folder / EXPORT_MANIFEST).unlink(missing_ok=True)

    def delete(self) -> None:
        """Delete the database, every uploaded file, exported gold and eval runs; then the folder when
        nothing else is left in it."""
        self.deleted = True
        self.db.close()
        for name in ("files", "evals"):
            shutil.rmtree(self.root / name, ignore_errors=True)
        # the export's files only: a folder someone else put files in (or a link) stays
        with contextlib.suppress(OSError, GoldFolderLinked):
            self.clear_gold()
            self.gold.rmdir()
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME + "-journal", MARKER):
            (self.root / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the user put something else there: left alone
            self.root.rmdir()
