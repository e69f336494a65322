"""The LLM path at archive scale: OpenAI's Batch API (`batch --via batch-api`) and request / results
files for vLLM's `run_batch` (`--write-requests`, `--from-results`).

The provider or engine does the scheduling. This module writes request files (each line the body a
live call would send, `custom_id` = the live path's response-cache key), keeps a state file of what
was sent where, and stores each answer in the response cache. Records are then made by the ordinary
batch run, for which every such letter is a cache hit: the same validation, grounding, cross-check
and merge as a live call, and a later `eval` of the same prompt makes no calls either.

State (`OUT.batch-api.json`, rewritten atomically after every step) and the files sent and received
(`OUT.batch-api/`) sit beside `--out`, under its lock. A run killed at any step resumes: request files
are named by their content's hash, and an upload or batch made just before the kill is found by that
name and adopted, never made twice.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from imr_llm.batch.batch_state import (
    Entry,
    Estimate,
    RequestFile,
    RequestWriter,
    load_state,
    save_state,
    state_paths,
)
from imr_llm.batch.inputs import iter_inputs
from imr_llm.batch.outfile import check_made_by, input_key, repair_and_scan
from imr_llm.batch.run import RETRYABLE_KINDS, BatchReport, hold_outputs
from imr_llm.batch.work import read_input
from imr_llm.errors import ConfigError, ImrError, LLMCallError, ProviderError
from imr_llm.llm.batch_api import RUNNING, TERMINAL
from imr_llm.llm.batch_files import (
    MAX_BYTES_PER_FILE,
    MAX_REQUESTS_PER_FILE,
    parse_answer,
    read_results,
    request_body,
)
from imr_llm.loaders import load_bytes
from imr_llm.outputs import write_file
from imr_llm.parser import parse_letter, read_letter
from imr_llm.pipeline.answer import LLMLetter
from imr_llm.pipeline.llm_extractor import PreparedCall
from imr_llm.schema import path_text

if TYPE_CHECKING:
    from imr_llm.llm.batch_api import BatchAPI
    from imr_llm.pipeline.llm_extractor import LLMExtractor

MAX_BATCH_TRIES = 3  # batches one letter is sent in (expired, failed, or re-asked) before it stops
POLL_MAX_S = 600.0
POLL_MIN_S = 1.0
ReaskVia = Literal["live", "batch-api", "none"]


@dataclass
class DeferredReport:
    """What one invocation did and what is still out."""

    scanned: int = 0
    already_done: int = 0
    ready: int = 0
    queued: int = 0  # requests written this time
    files_submitted: int = 0
    waiting: int = 0  # letters whose batch is still running
    answers: int = 0  # valid answers collected this time
    answers_failed: int = 0
    unknown_results: int = 0  # result lines for no request of ours
    batch_statuses: dict[str, int] = field(default_factory=dict)
    estimated_prompt_tokens: int = 0
    max_completion_tokens: int = 0
    prompt_tokens: int = 0  # from collected results, all batches of this output so far
    completion_tokens: int = 0
    records: BatchReport | None = None


@dataclass
class Plan:
    ready: list[str] = field(default_factory=list)  # inputs whose record can be made now
    send: dict[str, Path] = field(default_factory=dict)  # request key -> one input to render it from


class DeferredRun:
    """One invocation over one output: collect answers, plan, submit, make records."""

    def __init__(
        self,
        inputs: list[str],
        out: Path,
        extractor: LLMExtractor,
        *,
        reask_via: ReaskVia = "live",
        retry_errors: bool = False,
        max_requests: int = MAX_REQUESTS_PER_FILE,
        max_bytes: int = MAX_BYTES_PER_FILE,
        persistent: bool = True,
    ) -> None:
        self.inputs, self.out, self.extractor = inputs, out, extractor
        self.persistent = persistent
        self.reask_via, self.retry_errors = reask_via, retry_errors
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.state_path, self.folder = state_paths(out)
        self.state = load_state(self.state_path if persistent else Path(), extractor)
        self.report = DeferredReport()

    def save(self) -> None:
        if self.persistent:
            save_state(self.state_path, self.state)

    # -- plan: which inputs are done, ready, waiting, or to be sent ----------------------------
    def plan(self, writer: RequestWriter | None = None) -> Plan:
        """Sort the inputs: already in the output, ready for a record, waiting on a batch, or to be
        sent; with a writer, each letter to be sent gets its request line here, so it is read once."""
        plan = Plan()
        check_made_by(self.out, self.extractor.made_by())  # before any repair: a refused run changes nothing
        retried = {input_key(path) for path in iter_inputs(self.inputs, (self.out,))} if self.retry_errors else None
        scan = repair_and_scan(self.out, RETRYABLE_KINDS if self.retry_errors else None, retried)
        retry = self.retry_errors
        self.retry_errors = False  # once per invocation: the lines are dropped now
        cache = self.extractor.cache
        self.report.scanned = self.report.already_done = 0
        for path in iter_inputs(self.inputs, (self.out,)):
            self.report.scanned += 1
            data, sha, _ = read_input(path)
            if (path_text(str(path)), sha) in scan.done:
                self.report.already_done += 1
                continue
            call: PreparedCall | None = None
            known = self.state.inputs.get(path_text(str(path)))
            if known is None or known[0] != sha:
                call = self._register(path, data, sha)
                if call is None:  # unreadable, or not an IMR letter: the batch run writes its error line
                    plan.ready.append(str(path))
                    continue
                key = call.key
            else:
                key = known[1]
            entry = self.state.entries[key]
            if retry and entry.status == "failed":
                entry.status, entry.tries = "pending", 0
            if cache.get(key) is not None:
                plan.ready.append(str(path))
                continue
            if entry.status == "failed" and self.reask_via == "batch-api" and entry.tries < MAX_BATCH_TRIES:
                entry.status = "pending"  # a follow-up batch
            if entry.status in ("failed", "answered"):  # answered: its cache row was lost; ask again live
                plan.ready.append(str(path))
            elif entry.status == "pending" and key not in plan.send:
                plan.send[key] = path
                if writer is not None:
                    self._write(writer, key, path, data, call)
        return plan

    def _register(self, path: Path, data: bytes | None, sha: str) -> PreparedCall | None:
        if data is None:
            return None
        try:
            call = self._prepare(path, data)
        except ImrError:
            return None
        self.state.inputs[path_text(str(path))] = (sha, call.key)
        self.state.entries.setdefault(call.key, Entry(input_hash=call.input_hash, max_tokens=call.max_tokens))
        return call

    def _prepare(self, path: Path, data: bytes) -> PreparedCall:
        """The live path's request and cache key for one letter (its answer budget from the parser)."""
        letter = load_bytes(data, str(path))
        read = read_letter(letter.text, letter.source)
        budget = self.extractor.budget(parse_letter(letter, enrich=False, read=read))  # items only
        return self.extractor.prepare(letter, budget, read=read)

    def _write(
        self, writer: RequestWriter, key: str, path: Path, data: bytes | None, call: PreparedCall | None
    ) -> None:
        if call is None and data is not None:
            try:
                call = self._prepare(path, data)
            except ImrError:
                return
        if call is None or call.key != key:  # changed since it was registered: the next run plans it again
            return
        body = request_body(self.extractor.client.config, call.messages, LLMLetter, call.max_tokens)
        writer.add(key, body, call.max_tokens)

    # -- requests ------------------------------------------------------------------------------
    def close_requests(self, writer: RequestWriter) -> tuple[list[tuple[RequestFile, list[str]]], Estimate]:
        files = writer.close()
        estimate = Estimate(
            sum(f.requests for f, _ in files),
            sum(f.estimated_prompt_tokens for f, _ in files),
            sum(f.max_completion_tokens for f, _ in files),
        )
        self.report.queued += estimate.requests
        self.report.estimated_prompt_tokens += estimate.prompt_tokens
        self.report.max_completion_tokens += estimate.max_completion_tokens
        return files, estimate

    def writer(self) -> RequestWriter:
        return RequestWriter(self.folder, self.max_requests, self.max_bytes)

    def queue(self, writer: RequestWriter) -> Estimate | None:
        """Close the request files `plan` wrote and record them (status written)."""
        files, estimate = self.close_requests(writer)
        if not files:
            return None
        for request_file, keys in files:
            names = {f.name for f in self.state.files}
            if request_file.name in names:  # the same letters sent again (their batch expired): a new name
                stem = request_file.name.removesuffix(".jsonl")
                n = 2
                while f"{stem}-{n}.jsonl" in names:
                    n += 1
                renamed = f"{stem}-{n}.jsonl"
                os.replace(self.folder / request_file.name, self.folder / renamed)
                request_file.name = renamed
            self.state.files.append(request_file)
            for line, key in enumerate(keys, 1):
                entry = self.state.entries[key]
                entry.status, entry.file, entry.line, entry.error = "queued", request_file.name, line, None
                entry.tries += 1
        self.save()
        return estimate

    def submit(self, api: BatchAPI) -> None:
        """Upload written files and create their batches; each step recorded before the next."""
        for f in self.state.files:
            if f.status == "written":
                f.file_id = api.find_file(f.name) or api.upload(self.folder / f.name, f.name)
                f.status = "uploaded"
                self.save()
            if f.status == "uploaded":
                assert f.file_id is not None
                batch = api.find_batch(f.name) or api.create(f.file_id, f.name)
                f.batch_id, f.batch_status, f.status = batch.id, batch.status, "submitted"
                self.report.files_submitted += 1
                self.save()

    # -- answers -------------------------------------------------------------------------------
    def collect(self, api: BatchAPI) -> None:
        """Poll the batches still out; download and store the answers of finished ones."""
        for f in self.state.files:
            if f.status != "submitted" or f.batch_id is None:
                continue
            status = api.retrieve(f.batch_id)
            f.batch_status = status.status
            if status.status not in TERMINAL | RUNNING:  # never done in any way we know: never wait on it
                self.save()
                raise ProviderError(
                    f"batch {status.id} has status {status.status!r}, which the Batch API does not document; "
                    "stopped (nothing is lost: the state is kept; check the batch at the provider, then rerun)"
                )
            expired = status.expires_at is not None and time.time() > status.expires_at + EXPIRY_GRACE_S
            if not status.finished and expired:
                # still "in progress" an hour past the provider's own window: it will not finish; never waited on
                self.save()
                raise ProviderError(
                    f"batch {status.id} is still {status.status!r} more than an hour after its completion window "
                    "ended; stopped (nothing is lost: the state is kept; check or cancel the batch at the provider, "
                    "then rerun)"
                )
            if not status.finished:
                continue
            output = api.content(status.output_file_id) if status.output_file_id else ""
            errors = api.content(status.error_file_id) if status.error_file_id else ""
            write_file(self.folder / f"results-{f.name}", output)
            if errors:
                write_file(self.folder / f"errors-{f.name}", errors)
            label = f"batch {status.id}"
            why = f"batch {status.id} {status.status}" + (f" ({status.errors})" if status.errors else "")
            self.ingest(f, output + "\n" + errors, label, complete=status.status == "completed", why=why)
            f.status = "collected"
            self.save()

    def ingest(self, f: RequestFile, text: str, label: str, *, complete: bool, why: str = "") -> None:
        """Store each valid answer of one request file's results; note each failure by its line."""
        seen: set[str] = set()
        config = self.extractor.client.config
        for result in read_results(text):
            entry = self.state.entries.get(result.custom_id or "")
            if entry is None or entry.file != f.name or result.custom_id in seen:
                self.report.unknown_results += 1
                continue
            key = result.custom_id
            assert key is not None
            seen.add(key)
            tokens = result.usage
            f.prompt_tokens += tokens[0]
            f.completion_tokens += tokens[1]
            where = f"{label} line {result.line_no}"
            if result.error or result.body is None:
                entry.status, entry.error = "failed", f"{where}: {result.error}"
                self.report.answers_failed += 1
                continue
            try:
                answer = parse_answer(config, result.body, LLMLetter, entry.max_tokens)
            except LLMCallError as e:
                entry.status, entry.error = "failed", f"{where}: {e.kind}: {e}"
                self.report.answers_failed += 1
                continue
            self.extractor.store(key, entry.input_hash, entry.max_tokens, answer, tokens, source=where)
            entry.status, entry.source, entry.error = "answered", where, None
            self.report.answers += 1
        for key, entry in self.state.entries.items():
            if entry.file == f.name and entry.status == "queued" and key not in seen:
                if complete:  # finished, yet no line for it
                    entry.status, entry.error = "failed", f"{label}: no result line"
                    self.report.answers_failed += 1
                elif entry.tries < MAX_BATCH_TRIES:
                    entry.status, entry.error = "pending", why  # expired / failed / cancelled: send again
                else:
                    entry.status, entry.error = "failed", f"{why}; sent in {entry.tries} batches"

    # -- records -------------------------------------------------------------------------------
    def records(
        self, plan: Plan, run: Callable[[list[str], LLMExtractor], BatchReport], live: bool
    ) -> BatchReport | None:
        if not plan.ready:
            if self.in_flight or not self.report.already_done:
                return None
            # every input already has its record (a rerun): the run still goes over them, skipping each,
            # so the --table and the --summaries it was asked for are written (they were skipped)
            plan.ready = [str(path) for path in iter_inputs(self.inputs, (self.out,))]
        self.extractor.live_calls = live
        self.extractor.no_answer_reasons = {
            key: e.error or "no answer" for key, e in self.state.entries.items() if e.status == "failed"
        }
        return run(plan.ready, self.extractor)

    def tally(self) -> None:
        done = repair_and_scan(self.out).done if self.out.exists() else set()
        self.report.waiting = sum(
            1
            for path, (sha, key) in self.state.inputs.items()
            if (path, sha) not in done and self.state.entries[key].status == "queued"
        )
        self.report.batch_statuses = {}
        for f in self.state.files:
            if f.status != "collected":
                status = f.batch_status or f.status
                self.report.batch_statuses[status] = self.report.batch_statuses.get(status, 0) + 1
        self.report.prompt_tokens = sum(f.prompt_tokens for f in self.state.files)
        self.report.completion_tokens = sum(f.completion_tokens for f in self.state.files)

    @property
    def in_flight(self) -> bool:
        return any(f.status != "collected" for f in self.state.files)


def run_via_batch_api(
    inputs: list[str],
    out: Path,
    extractor: LLMExtractor,
    api: BatchAPI,
    run: Callable[[list[str], LLMExtractor], BatchReport],
    *,
    table: Path | None = None,
    summaries: Path | None = None,
    wait: bool = False,
    poll_s: float = 30.0,
    reask_via: ReaskVia = "live",
    retry_errors: bool = False,
    max_requests: int = MAX_REQUESTS_PER_FILE,
    max_bytes: int = MAX_BYTES_PER_FILE,
    on_status: Callable[[DeferredReport], None] | None = None,
    before_submit: Callable[[Estimate], None] | None = None,
) -> DeferredReport:
    """Collect, plan, submit, make records; with `wait`, again until no batch is out."""
    with hold_outputs(out, table, summaries):
        deferred = DeferredRun(
            inputs,
            out,
            extractor,
            reask_via=reask_via,
            retry_errors=retry_errors,
            max_requests=max_requests,
            max_bytes=max_bytes,
        )
        delay = poll_s
        while True:
            deferred.collect(api)
            writer = deferred.writer()
            plan = deferred.plan(writer)
            estimate = deferred.queue(writer)
            if before_submit and estimate is not None and estimate.requests:
                before_submit(estimate)
            deferred.submit(api)
            deferred.save()
            records = deferred.records(plan, run, live=reask_via == "live")
            if records is not None:
                deferred.report.records = _add(deferred.report.records, records)
                deferred.report.ready += len(plan.ready)
            deferred.tally()
            if on_status:
                on_status(deferred.report)
            interrupted = records is not None and records.interrupted
            if interrupted or not wait or not deferred.in_flight:
                return deferred.report
            time.sleep(delay)
            delay = next_poll_delay(delay)


EXPIRY_GRACE_S = 3600.0  # a provider ends a batch at its window's close ("expired"); an hour later it never will


def next_poll_delay(delay: float) -> float:
    """The pause after `delay`: half as long again, at least POLL_MIN_S, at most POLL_MAX_S (a first pause of 0, which
    polls at once, had stayed 0: a thousand polls in 20 s and the state file rewritten each time)."""
    return min(max(delay * 1.5, POLL_MIN_S), POLL_MAX_S)


def write_request_file(inputs: list[str], out: Path, extractor: LLMExtractor, target: Path) -> DeferredReport:
    """One request file for the letters not yet in `out` nor in the cache (no state, nothing sent)."""
    with hold_outputs(out, None, None):
        deferred = DeferredRun(inputs, out, extractor, persistent=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as folder:
            writer = RequestWriter(Path(folder), max_requests=10**9, max_bytes=10**15)  # one file, no limits
            plan = deferred.plan(writer)
            files, _ = deferred.close_requests(writer)
            if files:
                os.replace(Path(folder) / files[0][0].name, target)
            else:
                write_file(target, "")
        deferred.report.ready = len(plan.ready)
        return deferred.report


def records_from_results(
    inputs: list[str],
    out: Path,
    extractor: LLMExtractor,
    results: Path,
    run: Callable[[list[str], LLMExtractor], BatchReport],
    *,
    table: Path | None = None,
    summaries: Path | None = None,
    reask_via: ReaskVia = "none",
    retry_errors: bool = False,
) -> DeferredReport:
    """Records from a results file (vLLM's run_batch, or a Batch API output file) for these inputs."""
    try:
        text = results.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read results file {results}: {e}") from e
    with hold_outputs(out, table, summaries):
        deferred = DeferredRun(inputs, out, extractor, reask_via=reask_via, retry_errors=retry_errors, persistent=False)
        plan = deferred.plan()
        # a file name of the user's, never saved in a state file (whose names are checked when it is read)
        pseudo = RequestFile.model_construct(
            name=results.name, requests=0, bytes=0, estimated_prompt_tokens=0, max_completion_tokens=0
        )
        for entry in deferred.state.entries.values():
            if entry.status == "pending":
                entry.status, entry.file = "queued", pseudo.name
        deferred.ingest(pseudo, text, f"results {results.name}", complete=True)
        pseudo.status = "collected"
        deferred.state.files = [pseudo]
        plan = deferred.plan()
        records = deferred.records(plan, run, live=reask_via == "live")
        deferred.report.records = records
        deferred.report.ready = len(plan.ready)
        deferred.tally()
        return deferred.report


def _add(a: BatchReport | None, b: BatchReport) -> BatchReport:
    if a is None:
        return b
    a.inputs += b.inputs
    a.written += b.written
    a.skipped += b.skipped
    a.failed.update(b.failed)
    a.llm_failed.update(b.llm_failed)
    a.requests += b.requests
    a.prompt_tokens += b.prompt_tokens
    a.completion_tokens += b.completion_tokens
    a.seconds += b.seconds
    a.summaries_failed += b.summaries_failed
    a.stop_code = b.stop_code if b.interrupted else a.stop_code
    a.interrupted = a.interrupted or b.interrupted
    a.table_rows = b.table_rows if b.table_rows is not None else a.table_rows
    a.table_left_out = b.table_left_out if b.table_rows is not None else a.table_left_out
    return a
