"""The checked summary of a letter's current record, in one language, built once per revision.

Why cached by revision: a summary takes about 0.15 s to build and check, and a page shows both
languages; a correction bumps the letter's revision, so the next view rebuilds the summaries from the
corrected record (a corrected decision is what gets printed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from imr_llm.schema import LetterRecord
from imr_llm.web.review import corrected
from imr_llm.web.workspace import Workspace


@dataclass(frozen=True)
class StoredSummary:
    lang: str
    html: str
    md: str
    passed: bool
    problems: list[str]


def current_summary(workspace: Workspace, letter_id: int, lang: str) -> StoredSummary:
    from imr_llm.web.jobs import write_summaries

    db = workspace.db
    row = db.letter(letter_id)
    assert row is not None and row["record"]
    stored = db.summary(letter_id, lang)
    if stored is None or stored["revision"] != row["revision"]:
        record = LetterRecord.model_validate(corrected(json.loads(row["record"]), db.audit(letter_id)))
        failed, _ = write_summaries(workspace, letter_id, record, int(row["revision"]))
        db.update(letter_id, checks_failed=int(failed))
        stored = db.summary(letter_id, lang)
        assert stored is not None
    return StoredSummary(lang, stored["html"], stored["md"], bool(stored["passed"]), json.loads(stored["problems"]))
