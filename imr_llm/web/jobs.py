"""Background work: each uploaded letter is read (text, PDF, or OCR page by page), parsed or extracted,
and summarized in English and Spanish by worker threads, so a request never waits for it.

Why threads: OCR (Tesseract, in process) releases the GIL, so two threads keep two cores busy on
scans; text letters take a fraction of a second each. The queue lives in the database: a letter not
finished when the server stopped is read again at the next start. Each step writes its stage and,
for OCR, the page being read, which the letter page polls.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from imr_llm.errors import ImrError
from imr_llm.loaders import LoadedLetter, load_bytes, load_pages
from imr_llm.summary.summarize import summarize
from imr_llm.web import progress
from imr_llm.web.db import now
from imr_llm.web.review import priority

if TYPE_CHECKING:
    from imr_llm.pipeline.extraction import Extractor
    from imr_llm.web.workspace import Workspace

LANGS = ("en", "es")
log = logging.getLogger("imr_llm.web")
# a hook called at each progress step (tests use it to hold a letter at a known page)
StepHook = Callable[[int, str, int], None]


class Reader:
    """Reads one letter of the workspace into its record and summaries."""

    def __init__(
        self,
        workspace: Workspace,
        extractor: Extractor,
        serial: bool = False,
        step_hook: StepHook | None = None,
        asks_model: bool = False,
    ) -> None:
        self.workspace = workspace
        self.extractor = extractor
        self.asks_model = asks_model  # the backend asks a model: the page says so while it waits
        self._serial = threading.Lock() if serial else None  # the local llama.cpp backend: one letter at a time
        self.step_hook = step_hook
        self.per_page = progress.install()

    def _stage(self, letter_id: int, stage: str, page: int = 0, **values: Any) -> None:
        self.workspace.db.update(letter_id, stage=stage, **values)
        if self.step_hook is not None:
            self.step_hook(letter_id, stage, page)

    def load(self, letter_id: int) -> LoadedLetter:
        row = self.workspace.db.letter(letter_id)
        assert row is not None
        files = self.workspace.uploads(letter_id)
        total = row["pages_total"]

        def page(event: str, index: int) -> None:
            if event == "start":
                self._stage(letter_id, f"reading page {index + 1} of {total or '?'} (OCR)", index + 1)
            else:
                self._stage(letter_id, f"read page {index + 1} of {total or '?'}", index + 1, pages_done=index + 1)

        with progress.listening(page):
            if row["kind"] == "pages":
                return load_pages(files)
            if len(files) != 1:
                raise ImrError("the uploaded file is missing from the workspace")
            return load_bytes(files[0].read_bytes(), row["name"])

    def read(self, letter_id: int) -> None:
        db = self.workspace.db
        started = time.perf_counter()
        try:
            db.update(letter_id, status="reading", error=None)
            self._stage(letter_id, "reading the letter")
            letter = self.load(letter_id)
            db.update(letter_id, status="parsing", text=letter.text, sha256=letter.source.sha256)
            self._stage(letter_id, "asking the model" if self.asks_model else "reading the fields")
            with self._serial or nullcontext():
                extraction = self.extractor.extract(letter)
            record = json.loads(extraction.merged.model_dump_json())
            sides = None
            if extraction.llm is not None or extraction.run is not None:
                sides = {
                    "parser": json.loads(extraction.parser.model_dump_json()),
                    "llm": json.loads(extraction.llm.model_dump_json()) if extraction.llm is not None else None,
                    "run": extraction.run.model_dump(mode="json") if extraction.run is not None else None,
                }
            db.update(letter_id, status="summarizing", record=json.dumps(record), extraction=json.dumps(sides))
            self._stage(letter_id, "writing the summaries")
            failed, kinds = write_summaries(self.workspace, letter_id, extraction.merged, 0)
            db.set_items(
                letter_id,
                [
                    (n + 1, item["request"], item["decision"], kinds.get(n + 1, ""))
                    for n, item in enumerate(record["disputed_items"])
                ],
            )
            score, reasons = priority(record, failed)
            db.update(
                letter_id,
                status="done",
                stage="done",
                case_number=record.get("case_number"),
                template=record.get("template"),
                needs_review=int(bool(record.get("needs_review"))),
                priority=score,
                priority_reasons=json.dumps(reasons),
                checks_failed=int(failed),
                finished=now(),
                seconds=round(time.perf_counter() - started, 3),
                pages_done=(record.get("source") or {}).get("pages") or 0,
            )
        except ImrError as e:
            self._fail(letter_id, str(e).splitlines()[0] if str(e) else type(e).__name__)
        except Exception as e:  # a bug: the letter says so, the server goes on
            log.error("letter %s: %s", letter_id, traceback.format_exc())
            self._fail(letter_id, f"internal error ({type(e).__name__}); please report it")

    def _fail(self, letter_id: int, message: str) -> None:
        if not self.workspace.deleted:
            self.workspace.db.update(letter_id, status="failed", stage="failed", error=message, finished=now())


def write_summaries(workspace: Workspace, letter_id: int, record: Any, revision: int) -> tuple[bool, dict[int, str]]:
    """The checked summaries of `record` in every language, stored for this revision. Returns whether any
    failed its checks (such a summary carries its warning at the top, as `summarize` prints it) and each
    item's kind of care in plain English words (the batch filter)."""
    failed = False
    kinds: dict[int, str] = {}
    for lang in LANGS:
        outcome = summarize(record, lang)
        outcome.summary.attach_checks(outcome.checks)
        problems = list(outcome.checks.problems) if not outcome.checks.passed else []
        if not outcome.checks.passed and not problems:
            problems = ["the summary failed its checks"]
        failed |= bool(problems)
        if lang == "en":
            kinds = {item.number: kind_label(item.kind) for item in outcome.summary.items}
        workspace.db.put_summary(
            letter_id, lang, revision, outcome.summary.render("html"), outcome.summary.render("md"), problems
        )
    return failed, kinds


def kind_label(sentence: str) -> str:
    """ "This is a request for therapy visits." -> "therapy visits": the summary's plain words as a filter."""
    label = sentence.strip().rstrip(".")
    for lead in ("This is a request for ", "This was a request for "):
        if label.startswith(lead):
            return label[len(lead) :]
    return label


class Runner:
    """Worker threads over a queue of letter ids."""

    def __init__(self, reader: Reader, workers: int) -> None:
        self.reader = reader
        self.queue: queue.Queue[int | None] = queue.Queue()
        self.threads = [
            threading.Thread(target=self._work, name=f"imr-llm-reader-{n}", daemon=True) for n in range(max(1, workers))
        ]

    def start(self, pending: list[int]) -> None:
        for letter_id in pending:
            self.queue.put(letter_id)
        for thread in self.threads:
            thread.start()

    def submit(self, letter_id: int) -> None:
        self.queue.put(letter_id)

    def stop(self, timeout: float = 5.0) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout)

    def _work(self) -> None:
        while True:
            letter_id = self.queue.get()
            try:
                if letter_id is None:
                    return
                if not self.reader.workspace.deleted:
                    self.reader.read(letter_id)
            finally:
                self.queue.task_done()
