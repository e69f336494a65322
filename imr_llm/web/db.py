"""The workspace database: one SQLite file (standard library, WAL) beside the uploaded files.

Why SQLite: one file, nothing to install or run, safe for the server's threads, and fast enough to
list a thousand letters in milliseconds through one index. Each thread keeps its own connection.
The audit log is append-only by construction: triggers refuse any UPDATE or DELETE on it, so a
correction is a new row and nothing a reviewer did is ever overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches(
  id INTEGER PRIMARY KEY,
  created TEXT NOT NULL,
  total INTEGER NOT NULL,
  rejected TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS letters(
  id INTEGER PRIMARY KEY,
  batch_id INTEGER REFERENCES batches(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  stage TEXT NOT NULL DEFAULT '',
  pages_total INTEGER,
  pages_done INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created TEXT NOT NULL,
  finished TEXT,
  seconds REAL,
  sha256 TEXT,
  case_number TEXT,
  template TEXT,
  needs_review INTEGER NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0,
  priority_reasons TEXT NOT NULL DEFAULT '[]',
  checks_failed INTEGER NOT NULL DEFAULT 0,
  text TEXT,
  record TEXT,
  extraction TEXT,
  revision INTEGER NOT NULL DEFAULT 0,
  reviewed_at TEXT,
  reviewed_by TEXT
);
CREATE INDEX IF NOT EXISTS letters_queue ON letters(status, reviewed_at, priority DESC, id);
CREATE INDEX IF NOT EXISTS letters_batch ON letters(batch_id, id);
CREATE TABLE IF NOT EXISTS items(
  letter_id INTEGER NOT NULL REFERENCES letters(id),
  number INTEGER NOT NULL,
  request TEXT NOT NULL,
  decision TEXT,
  kind TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(letter_id, number)
);
CREATE TABLE IF NOT EXISTS summaries(
  letter_id INTEGER NOT NULL REFERENCES letters(id),
  lang TEXT NOT NULL,
  revision INTEGER NOT NULL,
  html TEXT NOT NULL,
  md TEXT NOT NULL,
  passed INTEGER NOT NULL,
  problems TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY(letter_id, lang)
);
CREATE TABLE IF NOT EXISTS audit(
  id INTEGER PRIMARY KEY,
  letter_id INTEGER NOT NULL REFERENCES letters(id),
  path TEXT NOT NULL,
  action TEXT NOT NULL,
  old TEXT,
  new TEXT,
  who TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_letter ON audit(letter_id, id);
CREATE TRIGGER IF NOT EXISTS audit_keeps_rows BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_keeps_values BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS evals(
  id INTEGER PRIMARY KEY,
  created TEXT NOT NULL,
  backend TEXT NOT NULL,
  status TEXT NOT NULL,
  letters INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  run_path TEXT,
  metrics TEXT,
  error TEXT
);
"""

# the columns a list of letters needs (never the text, record or extraction blobs)
LIST_COLUMNS = (
    "id, batch_id, name, kind, status, stage, pages_total, pages_done, error, created, case_number, template, "
    "needs_review, priority, priority_reasons, checks_failed, revision, reviewed_at, reviewed_by, sha256"
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Database:
    """The workspace's SQLite file; each thread gets its own connection (opened on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self.closed = False
        with sqlite3.connect(path) as first:  # creates the file; every later connection needs it to exist
            first.execute("PRAGMA journal_mode=WAL")
            first.executescript(SCHEMA)
        first.close()

    def connect(self) -> sqlite3.Connection:
        if self.closed:
            raise sqlite3.OperationalError("the workspace was deleted")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # mode=rw: never create the file again (a deleted workspace stays deleted)
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=30, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection (before the file is deleted)."""
        self.closed = True
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.ProgrammingError):  # closed from its own thread already
                    conn.close()
            self._connections.clear()

    # -- batches and letters ------------------------------------------------------------------

    def add_batch(self, total: int, rejected: list[str]) -> int:
        with self.connect() as c:
            cur = c.execute(
                "INSERT INTO batches(created, total, rejected) VALUES(?,?,?)", (now(), total, json.dumps(rejected))
            )
            return int(cur.lastrowid or 0)

    def add_letter(self, name: str, kind: str, pages: int | None, batch_id: int | None) -> int:
        with self.connect() as c:
            cur = c.execute(
                "INSERT INTO letters(batch_id, name, kind, status, stage, pages_total, created) "
                "VALUES(?,?,?,'queued','waiting to be read',?,?)",
                (batch_id, name, kind, pages, now()),
            )
            return int(cur.lastrowid or 0)

    def update(self, letter_id: int, **values: Any) -> None:
        if not values:
            return
        columns = ", ".join(f"{k}=?" for k in values)
        with self.connect() as c:
            c.execute(f"UPDATE letters SET {columns} WHERE id=?", (*values.values(), letter_id))

    def letter(self, letter_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connect().execute("SELECT * FROM letters WHERE id=?", (letter_id,)).fetchone()
        return row

    def status(self, letter_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = (
            self.connect().execute(f"SELECT {LIST_COLUMNS} FROM letters WHERE id=?", (letter_id,)).fetchone()
        )
        return row

    def pending(self) -> list[int]:
        """Letters not finished (queued, or cut short by a stop): read again at start."""
        rows = self.connect().execute("SELECT id FROM letters WHERE status NOT IN ('done','failed') ORDER BY id")
        return [int(r[0]) for r in rows]

    def recent(self, limit: int = 30) -> list[sqlite3.Row]:
        return (
            self.connect().execute(f"SELECT {LIST_COLUMNS} FROM letters ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        )

    def batches(self, limit: int = 10) -> list[sqlite3.Row]:
        return (
            self.connect()
            .execute(
                "SELECT b.id, b.created, b.total, COUNT(l.id) AS letters, "
                "SUM(l.status IN ('done','failed')) AS finished, SUM(l.status='failed') AS failed "
                "FROM batches b LEFT JOIN letters l ON l.batch_id=b.id GROUP BY b.id ORDER BY b.id DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )

    def batch(self, batch_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connect().execute("SELECT * FROM batches WHERE id=?", (batch_id,)).fetchone()
        return row

    def batch_letters(self, batch_id: int) -> list[sqlite3.Row]:
        return (
            self.connect()
            .execute(f"SELECT {LIST_COLUMNS} FROM letters WHERE batch_id=? ORDER BY id", (batch_id,))
            .fetchall()
        )

    def items_of(self, letter_ids: list[int]) -> dict[int, list[sqlite3.Row]]:
        out: dict[int, list[sqlite3.Row]] = {i: [] for i in letter_ids}
        if not letter_ids:
            return out
        marks = ",".join("?" * len(letter_ids))
        for row in self.connect().execute(
            f"SELECT * FROM items WHERE letter_id IN ({marks}) ORDER BY letter_id, number", letter_ids
        ):
            out[int(row["letter_id"])].append(row)
        return out

    def set_items(self, letter_id: int, items: list[tuple[int, str, str | None, str]]) -> None:
        with self.connect() as c:
            c.execute("DELETE FROM items WHERE letter_id=?", (letter_id,))
            c.executemany(
                "INSERT INTO items(letter_id, number, request, decision, kind) VALUES(?,?,?,?,?)",
                [(letter_id, *item) for item in items],
            )

    def queue(self) -> list[sqlite3.Row]:
        """Letters read and not yet reviewed, most in need first (then oldest first)."""
        return (
            self.connect()
            .execute(
                f"SELECT {LIST_COLUMNS} FROM letters WHERE status='done' AND reviewed_at IS NULL "
                "ORDER BY priority DESC, id"
            )
            .fetchall()
        )

    def reviewed(self) -> list[sqlite3.Row]:
        return (
            self.connect()
            .execute(
                f"SELECT {LIST_COLUMNS} FROM letters WHERE status='done' AND reviewed_at IS NOT NULL "
                "ORDER BY reviewed_at, id"
            )
            .fetchall()
        )

    def next_in_queue(self, after: int) -> int | None:
        rows = [int(r["id"]) for r in self.queue()]
        later = [i for i in rows if i != after]
        return later[0] if later else None

    def counts(self) -> dict[str, int]:
        row = (
            self.connect()
            .execute(
                "SELECT COUNT(*) AS letters, SUM(status='done' AND reviewed_at IS NULL) AS queue, "
                "SUM(reviewed_at IS NOT NULL) AS reviewed, SUM(status NOT IN ('done','failed')) AS working "
                "FROM letters"
            )
            .fetchone()
        )
        return {k: int(row[k] or 0) for k in row.keys()}  # noqa: SIM118 (sqlite3.Row iterates values)

    # -- summaries ------------------------------------------------------------------------------

    def summary(self, letter_id: int, lang: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = (
            self.connect().execute("SELECT * FROM summaries WHERE letter_id=? AND lang=?", (letter_id, lang)).fetchone()
        )
        return row

    def put_summary(self, letter_id: int, lang: str, revision: int, html: str, md: str, problems: list[str]) -> None:
        with self.connect() as c:
            c.execute(
                "INSERT OR REPLACE INTO summaries(letter_id, lang, revision, html, md, passed, problems) "
                "VALUES(?,?,?,?,?,?,?)",
                (letter_id, lang, revision, html, md, int(not problems), json.dumps(problems)),
            )

    # -- the audit log ---------------------------------------------------------------------------

    def log(self, letter_id: int, path: str, action: str, old: Any, new: Any, who: str) -> None:
        """One audit row; a correction also bumps the letter's revision (its summaries are rebuilt)."""
        with self.connect() as c:
            c.execute(
                "INSERT INTO audit(letter_id, path, action, old, new, who, at) VALUES(?,?,?,?,?,?,?)",
                (letter_id, path, action, json.dumps(old), json.dumps(new), who, now()),
            )
            if action == "correct":
                c.execute("UPDATE letters SET revision=revision+1 WHERE id=?", (letter_id,))
            elif action == "reviewed":
                c.execute("UPDATE letters SET reviewed_at=?, reviewed_by=? WHERE id=?", (now(), who, letter_id))
            elif action == "reopened":
                c.execute("UPDATE letters SET reviewed_at=NULL, reviewed_by=NULL WHERE id=?", (letter_id,))

    def audit(self, letter_id: int) -> list[sqlite3.Row]:
        return self.connect().execute("SELECT * FROM audit WHERE letter_id=? ORDER BY id", (letter_id,)).fetchall()

    # -- evals ------------------------------------------------------------------------------------

    def add_eval(self, backend: str, letters: int) -> int:
        with self.connect() as c:
            cur = c.execute(
                "INSERT INTO evals(created, backend, status, letters) VALUES(?,?,'running',?)",
                (now(), backend, letters),
            )
            return int(cur.lastrowid or 0)

    def update_eval(self, eval_id: int, **values: Any) -> None:
        columns = ", ".join(f"{k}=?" for k in values)
        with self.connect() as c:
            c.execute(f"UPDATE evals SET {columns} WHERE id=?", (*values.values(), eval_id))

    def eval(self, eval_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connect().execute("SELECT * FROM evals WHERE id=?", (eval_id,)).fetchone()
        return row

    def latest_eval(self) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connect().execute("SELECT * FROM evals ORDER BY id DESC LIMIT 1").fetchone()
        return row
