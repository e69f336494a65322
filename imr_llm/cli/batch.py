"""`imr-llm batch`: many letters into records (and summaries, and a table), resumable."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imr_llm.cli.common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CacheOpt,
    LangOpt,
    LetterTimeoutOpt,
    MaxTokensOpt,
    ModelOpt,
    ModelPathOpt,
    NoCacheOpt,
    PromptOpt,
    TimeoutOpt,
    backend_named,
    check_language,
    fail,
    llm_config,
    note_unused,
    output_path,
    progress_bar,
    safe_console,
    writable_file,
    writable_folder,
)
from imr_llm.errors import ConfigError, OutputError
from imr_llm.outputs import visible

if TYPE_CHECKING:
    from rich.console import Console

    from imr_llm.batch.run import BatchReport
    from imr_llm.pipeline.extraction import Extractor


def batch(
    inputs: Annotated[list[str], typer.Argument(help="files, folders (recursive) or globs", show_default=False)],
    out: Annotated[Path, typer.Option(parser=output_path, help="JSON Lines output; rerun the same command to resume")],
    backend: Annotated[str, typer.Option(help="rules | openai | local")] = "rules",
    concurrency: Annotated[int, typer.Option(min=1, max=1024, help="LLM requests at once (rules: see --workers)")] = 8,
    workers: Annotated[
        int,
        typer.Option(min=0, help="worker processes (0 = one per core for rules; concurrency/4 for LLM backends)"),
    ] = 0,
    summaries: Annotated[Path | None, typer.Option(help="also write an offline summary per letter here")] = None,
    lang: LangOpt = "en",
    table: Annotated[
        Path | None, typer.Option(parser=output_path, help="also write one CSV row per disputed item")
    ] = None,
    retry_errors: Annotated[bool, typer.Option(help="redo inputs whose earlier LLM call failed")] = False,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model: ModelOpt = None,
    prompt: PromptOpt = None,
    model_path: ModelPathOpt = None,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    letter_timeout: LetterTimeoutOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    via: Annotated[
        str, typer.Option(help="live | batch-api: OpenAI's Batch API (half price, results within 24 h)")
    ] = "live",
    wait: Annotated[bool, typer.Option(help="--via batch-api: wait until every batch is done")] = False,
    poll_interval: Annotated[float, typer.Option(min=0.0, help="--wait: first pause between polls, s")] = 30.0,
    reask_via: Annotated[
        str | None,
        typer.Option(help="letters without a valid batch answer: live | batch-api | none (parser's record kept)"),
    ] = None,
    write_requests: Annotated[
        Path | None,
        typer.Option(parser=output_path, help="only write the Batch API request file (e.g. for vLLM run_batch)"),
    ] = None,
    from_results: Annotated[
        Path | None, typer.Option(help="records from a Batch API / vLLM run_batch results file")
    ] = None,
    prices: Annotated[Path | None, typer.Option(help="price table TOML (default: the package's)")] = None,
    max_file_requests: Annotated[int, typer.Option(min=1, max=50_000, help="requests per Batch API file")] = 50_000,
    max_file_mb: Annotated[float, typer.Option(min=0.001, help="size of a Batch API file, MB")] = 200.0,
) -> None:
    """Turn many letters into records (and summaries, and a table): resumable, one output line per input."""
    from imr_llm.api import reader
    from imr_llm.batch.inputs import count_inputs
    from imr_llm.batch.outfile import real_path
    from imr_llm.cli.batch_deferred import DeferredOptions, RecordsRunner, run_deferred
    from imr_llm.cli.batch_report import print_batch_report
    from imr_llm.llm.prompts import DEFAULT_PROMPT

    console = safe_console()
    check_language(lang)
    chosen = backend_named(backend)
    check_outputs(out, table, summaries)
    if chosen.uses_llm:
        check_cache(cache, no_cache, {"--out": out, "--table": table})
    deferred = DeferredOptions(
        via, write_requests, from_results, wait, poll_interval, reask_via, prices, max_file_requests, max_file_mb
    )
    deferred.check(chosen.name, out)
    config = llm_config(base_url, model, timeout, max_tokens, letter_timeout, api_key=api_key)
    note_unused(chosen, base_url=base_url, model=model, prompt=prompt, model_path=model_path)  # after usage errors
    out, table = real_path(out), real_path(table) if table is not None else None  # a symlinked output: its file
    total = count_inputs(inputs, (out, table), (summaries,))
    if total == 0:  # a folder with no letter in it (or only links that lead out of it): nothing would be done
        print(
            f"imr-llm: no letter files found in {', '.join(map(visible, inputs))} (a folder's links that lead out "
            "of it are not followed: name the files, or the folder they are in)",
            file=sys.stderr,
        )
        raise typer.Exit(2)
    rules = not chosen.uses_llm
    if rules:
        concurrency = 1  # one thread per worker process: parsing is CPU-bound and pdfium single-threaded
    processes, concurrency = worker_counts(rules, workers, concurrency, total)
    if not chosen.concurrent:
        # e.g. llama.cpp: one request at a time, and a timed-out letter restarts its server, which
        # this process owns: one thread, here
        processes, concurrency = 0, 1
    if deferred.active:
        runner = RecordsRunner(out, processes, concurrency, summaries, lang, table, retry_errors)
        run_deferred(
            deferred, chosen.name, inputs, out, config, prompt or DEFAULT_PROMPT, cache, no_cache, runner, console
        )
        return
    try:
        with reader(
            chosen.name, config, prompt=prompt, model_path=model_path, cache=not no_cache, cache_path=cache
        ) as r:
            report = run_with_bar(
                inputs,
                out,
                r,
                processes,
                concurrency,
                summaries,
                lang,
                retry_errors,
                console if progress else None,
                table,
                total,
            )
    except ConfigError as e:
        fail(str(e))
    except OutputError as e:  # disk full, a folder gone read-only: what was written is kept
        fail(str(e), code=1)
    if table is not None and report.table_rows is not None:
        left = (
            f"; {report.table_left_out} record(s) left out: not a valid letter record" if report.table_left_out else ""
        )
        console.print(f"table: {visible(str(table))} ({report.table_rows} rows{left})")
    print_batch_report(report, out, console)
    if report.interrupted:
        # the output is flushed and synced; do not wait for calls still in flight (rerun redoes them)
        sys.stderr.flush()
        os._exit(report.stop_code)
    if report.any_failed:
        raise typer.Exit(1)


def worker_counts(rules: bool, workers: int, concurrency: int, inputs: int) -> tuple[int, int]:
    """(processes, concurrency) for a run over `inputs` letters: never more processes than letters,
    nor than the cores (rules: CPU-bound) or MAX_LLM_PROCESSES (LLM calls: a few threads each), nor
    more requests at once than letters. `--workers 100000` for one letter starts one process."""
    from imr_llm.batch.run import MAX_LLM_PROCESSES, default_processes

    cores = os.cpu_count() or 1
    letters = max(1, inputs)
    concurrency = max(1, min(concurrency, letters))
    processes = workers or default_processes(rules, concurrency)
    processes = min(processes, cores if rules else MAX_LLM_PROCESSES, letters)
    if not rules:
        processes = min(processes, concurrency)  # at least one request thread per process
    return max(1, processes), concurrency


def check_cache(cache: Path | None, no_cache: bool, outputs: dict[str, Path | None]) -> None:
    """The response cache may not be one of the run's outputs (it would turn the records into SQLite),
    a folder, or a path under a file: one line, exit 2, before any work."""
    from imr_llm.llm.cache import cache_problem, default_cache_path

    if no_cache:
        return
    target = cache or default_cache_path()
    flag = "--cache" if cache is not None else "the cache (IMR_LLM_CACHE or the default)"
    for name, path in outputs.items():
        if path is not None and same_file(target, path):
            fail(f"{flag} {target} is the {name} file: give the cache a file of its own")
    problem = cache_problem(target)
    if problem:
        fail(f"{flag}: {problem}")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same path once links are resolved, or the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(out: Path, table: Path | None, summaries: Path | None) -> None:
    """Usage errors about where results go: one line, exit 2, before any work starts."""

    def regular_or_absent(path: Path, flag: str, what: str) -> None:
        if path.is_dir():
            fail(f"{flag} {path} is a folder; give {what}")
        if path.exists() and not path.is_file():
            fail(f"{flag} {path} is not a regular file (a device or pipe); give {what}")
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            fail(f"{flag} {path}: {parent} is a file, not a folder")
        if not os.access(parent, os.W_OK):
            fail(f"{flag} {path}: cannot write in {parent}")

    from imr_llm.batch.outfile import foreign_file, lock_file
    from imr_llm.batch.table import edited_table, foreign_table, unmarked_table, written_mark

    for flag, path in (("--out", out), ("--table", table)):
        if path is not None and lock_file(path):
            fail(f"{flag} {path} is the lock file of a run's output (imr-llm's, beside it); choose another")
    regular_or_absent(out, "--out", "a .jsonl file")
    writable_file(out, "--out")
    if foreign_file(out):
        fail(f"--out {out} exists and holds no imr-llm record (a letter? notes?): left as it is; choose another")
    if table is not None:
        regular_or_absent(table, "--table", "a .csv file")
        if foreign_table(table):
            fail(f"--table {table} exists and is not a table imr-llm wrote: left as it is; choose another")
        if unmarked_table(table):
            fail(
                f"--table {table} has no mark of a run's writing beside it ({written_mark(table).name}: a copy, or a "
                "table of an older release?), so edits in it cannot be told: left as it is; move it aside or choose "
                "another --table"
            )
        if edited_table(table):
            fail(
                f"--table {table} changed since imr-llm wrote it (a cell edited, notes added?): left as it is, since a "
                "run rebuilds it from the records; move it aside or choose another --table"
            )
        if same_file(table, out):
            fail("--table must not be the --out file (the CSV would overwrite the records)")
        if summaries is not None and os.path.abspath(table) == os.path.abspath(summaries):
            fail("--table must not be the --summaries folder (give a .csv file)")
    if summaries is not None:
        if summaries.exists() and not summaries.is_dir():
            fail(f"--summaries {summaries} is a file; give a folder")
        if same_file(summaries, out):
            fail("--summaries must not be the --out file")
        writable_folder(summaries, "--summaries")
    for flag, path in (("--out", out), ("--table", table)):
        if path is not None:
            writable_folder(path.parent, flag, path)


def run_with_bar(
    inputs: list[str],
    out: Path,
    extractor: Extractor,
    processes: int,
    concurrency: int,
    summaries: Path | None,
    lang: str,
    retry_errors: bool,
    console: Console | None,
    table: Path | None = None,
    total: int | None = None,
) -> BatchReport:
    from imr_llm.batch.inputs import count_inputs
    from imr_llm.batch.run import run_batch

    def go(on_outcome: Callable[[object, BatchReport], None] | None = None) -> BatchReport:
        return run_batch(
            inputs,
            out,
            extractor,
            processes=processes,
            concurrency=concurrency,
            summaries=summaries,
            lang=lang,
            retry_errors=retry_errors,
            on_outcome=on_outcome,
            table=table,
        )

    if console is None:
        return go()
    total = count_inputs(inputs, (out, table), (summaries,)) if total is None else total
    with progress_bar(console, "batch") as bar:
        task = bar.add_task("batch", total=total, failed=0, rate="-")
        started = time.monotonic()

        def tick(_: object, report: BatchReport) -> None:
            rate = report.inputs / max(1e-9, time.monotonic() - started)
            bar.update(task, completed=report.inputs, failed=sum(report.failed.values()), rate=f"{rate:,.0f}")

        return go(tick)
