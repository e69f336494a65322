"""`imr-llm batch`: a stream of inputs -> exactly one output line each, resumable, never stopped by
one bad input.

Rules backend: worker processes (one per core), chunks of inputs per task. LLM backends: N
requests at once, in threads spread over worker processes (a few threads each: the client's own
CPU work per letter, under one GIL, caps a single process well below a 100 ms server's pace);
each call retries its own 429/5xx with backoff (honouring Retry-After) while the others go on.
Only the main process writes the output, one flushed line per input, so a crash or `kill -9`
loses at most the line being written; the next run repairs it and skips what is done (by input
path and content hash).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from imr_llm.batch.inputs import iter_inputs
from imr_llm.batch.outfile import (
    Key,
    Scan,
    check_made_by,
    compact,
    exclusive,
    input_key,
    real_path,
    repair_and_scan,
    same_case_records,
)
from imr_llm.batch.table import edited_table, unmarked_table, write_table
from imr_llm.batch.work import Outcome, missing_summaries, process, remove_stale_summaries
from imr_llm.errors import OutputError, Terminated
from imr_llm.icd10 import icd10_index
from imr_llm.pipeline.extraction import Extractor, ExtractorSpec
from imr_llm.proc import die_with_parent
from imr_llm.suffixes import IMAGE_SUFFIXES

RETRYABLE_KINDS = {"llm_transport", "llm_invalid_output", "llm_truncated", "llm_refused", "internal"}
CHUNK = 16
THREADS_PER_PROCESS = 4  # LLM backends; best of 2-32 per process in benchmarks/llm_overhead.py
MAX_LLM_PROCESSES = 16


def default_processes(rules: bool, concurrency: int) -> int:
    """Worker processes when the user gives none: one per core (rules), else enough for a few threads each."""
    if rules:
        return os.cpu_count() or 1
    return max(1, min(MAX_LLM_PROCESSES, -(-concurrency // THREADS_PER_PROCESS)))


@dataclass
class BatchReport:
    inputs: int = 0
    written: int = 0
    skipped: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    repaired_bytes: int = 0
    dropped_errors: int = 0
    interrupted: bool = False
    stop_code: int = 130  # the exit code of a stopped run: 130 for Ctrl-C, 143 for SIGTERM
    summaries_failed: int = 0
    corrupt_lines: int = 0  # unreadable lines found in the output and dropped (their inputs redone)
    changed_inputs: int = 0  # inputs whose content changed since their record was written
    replaced: int = 0  # old records of changed inputs removed
    summaries_stale: int = 0  # summaries of those old records removed (a worker is never handed the old one)
    table_rows: int | None = None
    table_left_out: int = 0  # records not in the table: edited into something that is not a letter record
    llm_failed: Counter[str] = field(default_factory=Counter)  # parser's record kept
    models: Counter[str] = field(default_factory=Counter)
    failed_before: Counter[str] = field(default_factory=Counter)  # skipped inputs whose line is an error record
    llm_failed_before: Counter[str] = field(default_factory=Counter)  # skipped inputs whose model had failed
    duplicates: int = 0  # older copies of a record found in the output and dropped
    summaries_unwritten: int = 0
    unreadable_kept: Counter[str] = field(default_factory=Counter)  # unreadable now: their earlier records kept
    read_again: int = 0  # letters recorded before under a path that is gone, read now under another (a moved folder)
    same_case: int = 0  # records naming a case number an earlier record names (a letter's PDF and its text)
    summaries_late: int = 0  # summaries written for records already in the output (their letters not reread)
    summary_error: str | None = None  # why a summary could not be written (the first reason)
    fresh: set[tuple[str, str]] = field(default_factory=set)  # (path, sha256) read this run: their pages are done

    @property
    def any_failed(self) -> bool:
        """Whether any input of this run has no good outcome, this time or in an earlier run."""
        return bool(
            self.failed
            or self.unreadable_kept
            or self.summaries_failed
            or self.llm_failed
            or self.failed_before
            or self.llm_failed_before
            or self.summaries_unwritten
        )

    @property
    def ok(self) -> int:
        return self.written - sum(self.failed.values())


# -- worker-process state -------------------------------------------------------------
_done: set[Key] = set()
_summaries: Path | None = None
_lang = "en"
_extractor: Extractor | None = None
_threads: ThreadPoolExecutor | None = None


def _init_worker(spec: ExtractorSpec, threads: int, done: set[Key], summaries: Path | None, lang: str) -> None:
    global _done, _summaries, _lang, _extractor, _threads
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the main process's stop-as-Ctrl-C is not a worker's
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # OCR: one Tesseract thread per worker process
    die_with_parent()  # a killed batch leaves no worker behind
    _done, _summaries, _lang, _extractor = done, summaries, lang, spec.build()
    _threads = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None


def _process_chunk(paths: list[str]) -> list[Outcome]:
    assert _extractor is not None
    extractor = _extractor

    def one(p: str) -> Outcome:
        return process(Path(p), extractor, _done, _summaries, _lang)

    if _threads is None:
        return [one(p) for p in paths]
    return list(_threads.map(one, paths))


# inputs read by OCR take seconds a page: each is a task of its own, so its record is written (and the
# progress bar moves) as soon as it is read, and a kill loses only the letters in flight
_SCANNED_PDF_BYTES = 300_000  # a letter's text PDF is under 100 KB; an image-only (scanned) one is megabytes


def slow_input(path: Path) -> bool:
    """Likely read by OCR: an image, or a PDF too large to be a text letter."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return True
    try:
        return suffix == ".pdf" and path.stat().st_size > _SCANNED_PDF_BYTES
    except OSError:
        return False


def _chunks(paths: Iterator[Path], size: int) -> Iterator[list[str]]:
    """Inputs in tasks of up to `size`; a slow (OCR) input always in a task of its own."""
    chunk: list[str] = []
    for path in paths:
        if slow_input(path):
            if chunk:
                yield chunk
                chunk = []
            yield [str(path)]
            continue
        chunk.append(str(path))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_batch(
    inputs: list[str],
    out: Path,
    extractor: Extractor,
    *,
    processes: int = 0,
    concurrency: int = 1,
    summaries: Path | None = None,
    lang: str = "en",
    retry_errors: bool = False,
    on_outcome: Callable[[Outcome, BatchReport], None] | None = None,
    table: Path | None = None,
) -> BatchReport:
    """Process every input not already in `out`, holding the output (and table, and summaries folder)
    for the whole run: a second run on them stops at once (ConfigError naming the holder).

    processes > 0: worker processes (each with concurrency // processes threads for LLM calls), so the
    client's CPU work spreads over the cores; processes == 0: threads in this process.
    """
    out, table = real_path(out), real_path(table) if table is not None else None
    with hold_outputs(out, table, summaries):
        return run_held(
            inputs, out, extractor, processes, concurrency, summaries, lang, retry_errors, on_outcome, table
        )


@contextmanager
def hold_outputs(out: Path, table: Path | None, summaries: Path | None) -> Iterator[None]:
    """The output, table and summaries folder, locked for one run (ConfigError naming the holder)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as locks:
        locks.enter_context(exclusive(out, "output"))
        if table is not None:
            locks.enter_context(exclusive(table, "table"))
        if summaries is not None:
            summaries.mkdir(parents=True, exist_ok=True)
            locks.enter_context(exclusive(summaries / ".imr-llm", "summaries folder"))
        yield


def run_held(
    inputs: list[str],
    out: Path,
    extractor: Extractor,
    processes: int,
    concurrency: int,
    summaries: Path | None,
    lang: str,
    retry_errors: bool,
    on_outcome: Callable[[Outcome, BatchReport], None] | None,
    table: Path | None,
) -> BatchReport:
    """`run_batch` for a caller that already holds the outputs (`hold_outputs`)."""
    icd10_index()  # built here once, not by every worker process at the same time
    report = _run(inputs, out, extractor, processes, concurrency, summaries, lang, retry_errors, on_outcome, table)
    if not report.interrupted:
        try:
            removed = compact(out) if report.changed_inputs else []
            report.replaced = len(removed)
            stale = [(name, digest) for name, digest in removed if digest]
            report.summaries_stale = remove_stale_summaries(summaries, stale) if summaries is not None else 0
        except OSError as e:
            raise OutputError(f"cannot rewrite {out} ({e.strerror or e}); its records are kept: rerun") from e
        if summaries is not None and report.skipped:  # letters done earlier without --summaries (or --lang)
            late, late_failed, late_unwritten, problem = missing_summaries(out, summaries, lang, report.fresh)
            report.summaries_late, report.summaries_failed = late, report.summaries_failed + late_failed
            report.summaries_unwritten += late_unwritten  # each page kept, not only the first (a probe: 1 of 8)
            report.summary_error = report.summary_error or problem
        report.same_case = same_case_records(out)
        if table is not None:
            if edited_table(table) or unmarked_table(table):
                # changed while this run went on (a person's note added mid-run): kept, as at the start
                raise OutputError(
                    f"the table {table} was changed while this run went on (someone's edits?): left as it is; the "
                    f"records in {out} are complete: move the table aside and rerun to write it"
                )
            try:
                report.table_rows, report.table_left_out = write_table(out, table)
            except OSError as e:
                raise OutputError(
                    f"cannot write the table {table} ({e.strerror or e}); the records in {out} are complete: "
                    "rerun to write it"
                ) from e
    return report


def _run(
    inputs: list[str],
    out: Path,
    extractor: Extractor,
    processes: int,
    concurrency: int,
    summaries: Path | None,
    lang: str,
    retry_errors: bool,
    on_outcome: Callable[[Outcome, BatchReport], None] | None,
    table: Path | None = None,
) -> BatchReport:
    started = time.monotonic()
    report = BatchReport()
    check_made_by(out, extractor.made_by())  # before any repair: a refused run changes nothing
    # a record to retry is only one of this run's inputs: another input's would be dropped and never redone
    retried = {input_key(path) for path in iter_inputs(inputs, (out, table), (summaries,))} if retry_errors else None
    scan = repair_and_scan(out, RETRYABLE_KINDS if retry_errors else None, retried)
    done, report.dropped_errors, report.repaired_bytes = scan.done, scan.dropped_errors, scan.repaired_bytes
    report.corrupt_lines, report.duplicates = scan.corrupt_lines, scan.duplicates
    previous = scan.paths
    # the content of records whose letter is no longer at its path (a folder moved): read again under a new path,
    # such a letter has two records, and the run says so (it had doubled the table silently)
    gone = {sha for path, sha in previous.items() if sha and not os.path.lexists(path)}
    executor: Executor
    threads = max(1, concurrency // max(1, processes))  # never more than `concurrency` requests at once
    chunk = CHUNK if threads == 1 else threads * 2
    if processes > 0:
        executor = ProcessPoolExecutor(
            max_workers=processes,
            initializer=_init_worker,
            initargs=(extractor.spec(), threads, done, summaries, lang),
        )
        window = processes * (4 if threads == 1 else 2)
    else:
        executor = ThreadPoolExecutor(max_workers=concurrency)
        window = concurrency * 2

    def one(path: Path) -> list[Outcome]:
        return [process(path, extractor, done, summaries, lang)]

    def submissions() -> Iterator[Future[list[Outcome]]]:
        """Submits lazily: the input stream is read only as fast as results come back."""
        if processes > 0:
            for paths in _chunks(iter_inputs(inputs, (out, table), (summaries,)), chunk):
                yield executor.submit(_process_chunk, paths)
        else:
            for path in iter_inputs(inputs, (out, table), (summaries,)):
                yield executor.submit(one, path)

    pending: set[Future[list[Outcome]]] = set()
    write_error: OSError | None = None
    finish = False  # stopped: the letters a worker had begun are finished (local work only)
    sink = out.open("a", encoding="utf-8")

    unrecorded: deque[Outcome] = deque()  # outcomes of finished tasks not yet written: a Ctrl-C between two keeps them

    def drain(block: bool) -> None:
        if pending:
            finished, _ = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for future in finished:
                pending.discard(future)
                unrecorded.extend(future.result())
        while unrecorded:
            outcome = unrecorded.popleft()
            if outcome.line is not None and outcome.error_kind and not outcome.sha256 and previous.get(outcome.path):
                # read before, unreadable now (moved, swapped for a pipe, no longer permitted): the good record and its
                # summary are kept, never replaced by an error record as if its content had changed
                report.inputs += 1
                report.unreadable_kept[outcome.error_kind] += 1
                if on_outcome:
                    on_outcome(outcome, report)
                continue
            _record(outcome, sink, report, scan)
            if outcome.line is not None and outcome.sha256 in gone and outcome.path not in previous:
                report.read_again += 1
            if outcome.line is not None and previous.get(outcome.path, outcome.sha256) != outcome.sha256:
                report.changed_inputs += 1  # its old record goes when the run ends
            if on_outcome:
                on_outcome(outcome, report)

    try:
        for future in submissions():
            pending.add(future)
            while len(pending) >= window:
                drain(block=True)
        while pending:
            drain(block=True)
    except KeyboardInterrupt as stop:
        report.interrupted = True
        report.stop_code = 143 if isinstance(stop, Terminated) else 130
        for future in pending:
            future.cancel()
        begun = [f for f in pending if not f.cancelled()]
        finish = getattr(extractor, "local_work", False)
        if begun and finish:
            # a worker goes on with a task it has begun (its summaries are written): wait for it, so its records
            # are kept with them, not only made again by the rerun; no server is waited on
            print(
                "imr-llm: stopping: finishing the letters being read, to keep their records (Ctrl-C again to stop now)",
                file=sys.stderr,
                flush=True,
            )
            try:
                wait(begun)
            except KeyboardInterrupt:
                finish = False  # a second Ctrl-C: stop now, the workers not waited for
        for future in [f for f in pending if f.done() and not f.cancelled()]:  # finished: keep them
            with suppress(Exception):
                unrecorded.extend(future.result())
        with suppress(Exception):
            while unrecorded:
                _record(unrecorded.popleft(), sink, report, scan)
    except _SinkError as e:  # disk full, or the file system went read-only: stop, keep what is written
        write_error = e.error
        for future in pending:
            future.cancel()
    finally:
        try:
            sink.flush()
            os.fsync(sink.fileno())
        except OSError as e:
            write_error = write_error or e
        finally:
            with suppress(OSError):
                sink.close()
        # the workers hold the output's lock with the run (a forked process shares its descriptor): they are waited
        # for, so the lock is free when this returns, but for a stop that does not wait on a server's answers
        executor.shutdown(wait=not write_error and (not report.interrupted or finish), cancel_futures=True)
    report.seconds = time.monotonic() - started
    if write_error is not None:
        raise OutputError(
            f"cannot write {out} ({write_error.strerror or write_error}); the {report.written} record(s) written "
            "so far are kept (a torn last line is repaired): make room and rerun the same command to finish"
        ) from write_error
    return report


class _SinkError(Exception):
    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _record(outcome: Outcome, sink: TextIO, report: BatchReport, scan: Scan | None = None) -> None:
    report.inputs += 1
    if outcome.line is None:
        report.skipped += 1
        if scan is not None:  # done in an earlier run: if it failed then, it still has
            if (kind := scan.failed.get(outcome.path)) is not None:
                report.failed_before[kind] += 1
            elif (kind := scan.llm_failed.get(outcome.path)) is not None:
                report.llm_failed_before[kind] += 1
        return
    try:
        sink.write(outcome.line + "\n")
        sink.flush()
    except OSError as e:
        raise _SinkError(e) from e
    report.written += 1
    report.fresh.add((outcome.path, outcome.sha256))
    if outcome.error_kind:
        report.failed[outcome.error_kind] += 1
    report.requests += outcome.requests
    report.prompt_tokens += outcome.prompt_tokens
    report.completion_tokens += outcome.completion_tokens
    if outcome.cost_model:
        report.models[outcome.cost_model] += 1
    report.summaries_failed += outcome.summary_failed
    if outcome.summary_error:
        report.summaries_unwritten += 1
        report.summary_error = report.summary_error or outcome.summary_error
    if outcome.llm_failed:
        report.llm_failed[outcome.llm_failed] += 1
