"""The `imr-llm` command line.

Every command reads letters one at a time and writes each result as soon as it
exists, so an error in one file never loses the others. Errors are one line on
stderr naming the file; the exit code is 1 when any input failed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from imr_llm import __version__
from imr_llm.batch.inputs import count_inputs
from imr_llm.batch.run import BatchReport, default_processes, run_batch
from imr_llm.batch.table import write_table
from imr_llm.errors import ConfigError, ImrError
from imr_llm.evals.compare import Comparison, compare_runs
from imr_llm.evals.metrics import LetterResult
from imr_llm.evals.report import html_report, markdown_report, print_comparison, print_run
from imr_llm.evals.runner import RunFile, input_count, run_suite, score_run
from imr_llm.evals.suite import Suite, load_suite
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.client import LLMClient
from imr_llm.llm.config import LLMConfig, ModeChoice, config_from_env, llm_configured
from imr_llm.llm.extract import Backend, Extractor, open_extractor
from imr_llm.llm.local import LocalServer, local_settings
from imr_llm.llm.prompts import DEFAULT_PROMPT, available_prompts, load_prompt
from imr_llm.loaders import LoadedLetter, load_file
from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.render import Format, render
from imr_llm.summary.rewrite import SummaryOutcome
from imr_llm.summary.summarize import summarize as summarize_record

app = typer.Typer(
    name="imr-llm",
    help="Read California IMR Final Determination letters into typed records and plain-language summaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# options shared by the LLM-using commands
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint [env IMR_LLM_BASE_URL]")]
ModelOpt = Annotated[str | None, typer.Option(help="model name [env IMR_LLM_MODEL]")]
ModelPathOpt = Annotated[Path | None, typer.Option(help="GGUF file for --backend local")]
MaxTokensOpt = Annotated[
    int | None, typer.Option(help="completion token cap per answer (default: sized from the letter's items)")
]
LetterTimeoutOpt = Annotated[
    float | None,
    typer.Option(help="seconds for all LLM attempts on one letter (default 300 for openai, 120 for local)"),
]
TimeoutOpt = Annotated[float | None, typer.Option(help="seconds per HTTP request")]
CacheOpt = Annotated[Path | None, typer.Option(help="SQLite response cache and call log [env IMR_LLM_CACHE]")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="always call the model")]
PromptOpt = Annotated[str, typer.Option(help="prompt template NAME[@VERSION]")]
LangOpt = Annotated[str, typer.Option(help=f"summary language: {' | '.join(LANGUAGES)}")]

FilesArg = Annotated[list[Path], typer.Argument(help="Letter files (.txt or .pdf)", show_default=False)]


def report_error(path: Path | str, error: BaseException | str) -> None:
    """One line on stderr: which file, and what is wrong with it."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"imr-llm: {path}: {message}", file=sys.stderr, flush=True)


def version_callback(value: bool) -> None:
    if value:
        print(f"imr-llm {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """imr-llm: IMR letters in, records and summaries out."""


def emit_records(
    files: list[Path], extract: Callable[[LoadedLetter], LetterRecord], llm_failure_fails: bool = True
) -> int:
    """Run `extract` on each file in order, print each record at once; return the failure count.

    A record whose LLM call failed is the parser's record: printed, with one line on stderr, and
    counted as a failure unless `llm_failure_fails` is False."""
    failed = 0
    for path in files:
        try:
            record = extract(load_file(path))
        except ImrError as e:
            report_error(path, e)
            failed += 1
            continue
        except Exception as e:  # a bug must not lose the other files
            report_error(path, f"internal error ({type(e).__name__}: {e})")
            failed += 1
            continue
        sys.stdout.write(record.to_json_line() + "\n")
        sys.stdout.flush()
        if record.llm is not None and record.llm.error:
            report_error(path, f"LLM failed ({record.llm.error_kind}: {record.llm.error}); printed the parser's record")
            failed += llm_failure_fails
    return failed


@app.command()
def parse(files: FilesArg) -> None:
    """Parse letters with the deterministic parser; one JSON record per line, in input order."""
    if emit_records(files, lambda letter: parse_text(letter.text, letter.source)):
        raise typer.Exit(1)


NO_LLM_HELP = (
    "no LLM configured: set OPENAI_API_KEY (OpenAI), or --base-url / IMR_LLM_BASE_URL and --model / IMR_LLM_MODEL "
    "(your own OpenAI-compatible server), or use --backend local (pip install 'imr-llm[local]'), "
    "or --backend rules for the parser alone"
)


@app.command()
def extract(
    files: FilesArg,
    backend: Annotated[
        Backend | None, typer.Option(help="rules | openai (any OpenAI-compatible server) | local (llama.cpp)")
    ] = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    mode: Annotated[ModeChoice | None, typer.Option(help="instructor mode (auto = tools)")] = None,
    prompt: PromptOpt = DEFAULT_PROMPT,
    model_path: ModelPathOpt = None,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    letter_timeout: LetterTimeoutOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    log_text: Annotated[bool, typer.Option(help="also write letter text into the call log")] = False,
    allow_llm_failure: Annotated[
        bool, typer.Option(help="exit 0 when the model failed on a letter (its parser record is printed anyway)")
    ] = False,
) -> None:
    """Extract with an LLM, cross-checked by the parser: one merged record (with its cross-check) per line.

    When the model fails on a letter, the parser's record is printed (with `llm.error`, needing review)."""
    if backend is None:
        if not (base_url or llm_configured()):
            fail(NO_LLM_HELP)
        backend = Backend.OPENAI
    config = config_from_env(base_url, model, mode, timeout, max_tokens, letter_timeout).with_(log_text=log_text)
    try:
        store = None if backend is Backend.RULES else ResponseCache(cache, enabled=not no_cache)
        with open_extractor(backend, config, prompt, model_path, store) as extractor:
            failed = emit_records(files, extractor.run, llm_failure_fails=not allow_llm_failure)
    except ConfigError as e:
        fail(str(e))
    if failed:
        raise typer.Exit(1)


@app.command()
def summarize(
    files: FilesArg,
    fmt: Annotated[Format, typer.Option("--format", help="md | txt | json | html")] = Format.MD,
    lang: LangOpt = "en",
    out: Annotated[Path | None, typer.Option(help="folder to write NAME.LANG.EXT (+ .checks.json) into")] = None,
    backend: Annotated[
        Backend, typer.Option(help="rules = offline templates; openai | local = LLM rewrite, checked")
    ] = Backend.RULES,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    prompt: PromptOpt = "summary",
    model_path: ModelPathOpt = None,
) -> None:
    """Plain-language summaries for the injured worker, checked before they are shown.

    A summary that fails its checks is still written, with a warning at its top, and the exit code is 1."""
    try:
        get_language(lang)
    except ConfigError as e:
        fail(str(e))
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            fail(f"cannot create output folder {out}: {e.strerror or e}")
    try:
        with summary_client(backend, config_from_env(base_url, model), model_path) as client:
            template = load_prompt(prompt) if client is not None else None
            failed = 0
            for path in files:
                try:
                    loaded = load_file(path)
                    outcome = summarize_record(parse_text(loaded.text, loaded.source), lang, client, template)
                except ImrError as e:
                    report_error(path, e)
                    failed += 1
                    continue
                write_summary(path, outcome, fmt, out)
                failed += not outcome.checks.passed
    except ConfigError as e:
        fail(str(e))
    if failed:
        raise typer.Exit(1)


def write_summary(path: Path, outcome: SummaryOutcome, fmt: Format, out: Path | None) -> None:
    checks = outcome.checks.model_dump(mode="json") | {
        "source": outcome.summary.source,
        "rejected_llm_rewrite": outcome.rejected,
    }
    text = render(outcome.summary, fmt, checks)
    status = "passed" if outcome.checks.passed else "FAILED: " + "; ".join(outcome.checks.problems)
    score = f"grade {outcome.checks.grade}" if outcome.checks.grade is not None else f"ease {outcome.checks.ease}"
    note = f" (LLM rewrite rejected: {'; '.join(outcome.rejected)})" if outcome.rejected else ""
    if out is None:
        sys.stdout.write(text if fmt is Format.JSON else text + ("\n" if fmt is not Format.HTML else ""))
        sys.stdout.flush()
    else:
        target = out / f"{path.stem}.{outcome.summary.lang}.{fmt.value}"
        target.write_text(text, encoding="utf-8")
        if fmt is not Format.JSON:
            target.with_suffix(".checks.json").write_text(json.dumps(checks, ensure_ascii=False, indent=1) + "\n")
    print(f"imr-llm: {path}: summary checks {status}; {score}; {outcome.summary.source}{note}", file=sys.stderr)


@app.command("eval")
def eval_command(
    args: Annotated[
        list[str] | None, typer.Argument(help="SUITE.toml to run, or: compare BASE.json NEW.json", show_default=False)
    ] = None,
    backend: Annotated[Backend | None, typer.Option(help="override the suite's backend")] = None,
    prompt: Annotated[str | None, typer.Option(help="override the suite's prompt NAME@VERSION")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    model_path: ModelPathOpt = None,
    out: Annotated[Path | None, typer.Option(help="run file to write (default out/evals/SUITE-BACKEND.json)")] = None,
    baseline: Annotated[Path | None, typer.Option(help="compare with this run file; exit 1 on regression")] = None,
    rescore: Annotated[Path | None, typer.Option(help="recompute a run file's metrics, no model calls")] = None,
    tolerance: Annotated[float, typer.Option(help="allowed drop of a metric before it counts as a regression")] = 0.005,
    report_md: Annotated[Path | None, typer.Option(help="also write a Markdown report")] = None,
    report_html: Annotated[Path | None, typer.Option(help="also write a self-contained HTML report")] = None,
    concurrency: Annotated[int | None, typer.Option(help="LLM requests at once")] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N letters")] = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Score a suite against gold labels, or compare two runs; exit 1 on a missed threshold or a regression."""
    console = Console(stderr=True)
    args = args or []
    comparison: Comparison | None = None
    try:
        if args[:1] == ["compare"]:
            if len(args) != 3:
                fail("usage: imr-llm eval compare BASE.json NEW.json")
            base_run, new_run = load_run(Path(args[1])), load_run(Path(args[2]))
            comparison = compare_runs(base_run, new_run, tolerance)
            print_comparison(comparison, console)
            write_reports(report_md, report_html, new_run, comparison)
            raise typer.Exit(1 if comparison.regressed else 0)
        if rescore is not None:
            run = score_run(load_run(rescore))
        elif len(args) == 1:
            suite = load_suite(Path(args[0]))
            overrides: dict[str, object] = {}
            if backend is not None:
                overrides["backend"] = backend.value
            if prompt:
                overrides["prompt"] = prompt
            if concurrency:
                overrides["concurrency"] = concurrency
            if limit:
                overrides["limit"] = limit
            suite = suite.model_copy(update=overrides)
            config = config_from_env(
                base_url or suite.base_url or None, model or suite.model or None, max_tokens=suite.max_tokens or None
            )
            store = None if suite.backend == "rules" else ResponseCache(cache, enabled=not no_cache)
            run_path = out or Path("out") / "evals" / f"{suite.name}-{suite.backend}.json"
            run = run_with_progress(suite, config, store, model_path, console, run_path)
        else:
            fail("usage: imr-llm eval SUITE.toml [options] | eval --rescore RUN.json | eval compare BASE.json NEW.json")
        if rescore is None or out is not None:  # a rescore prints; it rewrites a run file only with --out
            target = out or Path("out") / "evals" / f"{run.suite.name}-{run.backend}.json"
            run.save(target)
            console.print(f"run file: {target}")
        print_run(run, console)
        if baseline is not None:
            comparison = compare_runs(load_run(baseline), run, tolerance)
            print_comparison(comparison, console)
        write_reports(report_md, report_html, run, comparison)
    except ConfigError as e:
        fail(str(e))
    if not run.passed or (comparison is not None and comparison.regressed):
        raise typer.Exit(1)


def load_run(path: Path) -> RunFile:
    try:
        return RunFile.load(path)
    except FileNotFoundError as e:
        raise ConfigError(f"run file not found: {path}") from e
    except (OSError, ValueError) as e:
        raise ConfigError(f"not a run file: {path} ({str(e).splitlines()[0]})") from e


def write_reports(md: Path | None, page: Path | None, run: RunFile | None, comparison: Comparison | None) -> None:
    if md is not None:
        md.parent.mkdir(parents=True, exist_ok=True)
        md.write_text(markdown_report(run, comparison), encoding="utf-8")
    if page is not None:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(html_report(run, comparison), encoding="utf-8")


def run_with_progress(
    suite: Suite,
    config: LLMConfig,
    store: ResponseCache | None,
    model_path: Path | None,
    console: Console,
    save_to: Path | None = None,
) -> RunFile:
    failures = 0
    with progress_bar(console, "{task.description}") as progress:
        task = progress.add_task(f"eval {suite.name} ({suite.backend})", total=input_count(suite), failed=0, rate="-")
        started = time.monotonic()

        def advance(result: LetterResult) -> None:
            nonlocal failures
            failures += result.error is not None
            done = progress.tasks[0].completed + 1
            rate = done / max(1e-9, time.monotonic() - started)
            progress.update(task, advance=1, failed=failures, rate=f"{rate:.1f}")

        return run_suite(suite, config, store, model_path, advance, save_to)


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="files, folders (recursive) or globs", show_default=False)],
    out: Annotated[Path, typer.Option(help="JSON Lines output; rerun the same command to resume")],
    backend: Annotated[Backend, typer.Option(help="rules | openai | local")] = Backend.RULES,
    concurrency: Annotated[int, typer.Option(help="LLM requests at once (rules: see --workers)")] = 8,
    workers: Annotated[
        int, typer.Option(help="worker processes (0 = one per core for rules; concurrency/4 for LLM backends)")
    ] = 0,
    summaries: Annotated[Path | None, typer.Option(help="also write an offline summary per letter here")] = None,
    lang: LangOpt = "en",
    table: Annotated[Path | None, typer.Option(help="also write one CSV row per disputed item")] = None,
    retry_errors: Annotated[bool, typer.Option(help="redo inputs whose earlier LLM call failed")] = False,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    prompt: PromptOpt = DEFAULT_PROMPT,
    model_path: ModelPathOpt = None,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    letter_timeout: LetterTimeoutOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Turn many letters into records (and summaries, and a table): resumable, one output line per input."""
    console = Console(stderr=True)
    try:
        get_language(lang)
    except ConfigError as e:
        fail(str(e))
    if out.is_dir():
        fail(f"--out {out} is a folder; give a .jsonl file")
    config = config_from_env(base_url, model, None, timeout, max_tokens, letter_timeout)
    rules = backend is Backend.RULES
    if rules:
        concurrency = 1  # one thread per worker process: parsing is CPU-bound and pdfium single-threaded
    processes = workers or default_processes(rules, concurrency)
    if not rules:
        processes = min(processes, concurrency)  # at least one request thread per process
    if backend is Backend.LOCAL:
        # llama.cpp answers one request at a time, and a timed-out letter restarts its server: one
        # thread in this process, which owns the server
        processes, concurrency = 0, 1
    try:
        store = None if rules else ResponseCache(cache, enabled=not no_cache)
        with open_extractor(backend, config, prompt, model_path, store) as extractor:
            report = run_with_bar(
                inputs,
                out,
                extractor,
                processes,
                concurrency,
                summaries,
                lang,
                retry_errors,
                console if progress else None,
            )
    except ConfigError as e:
        fail(str(e))
    if table is not None:
        rows = write_table(out, table)
        console.print(f"table: {table} ({rows} rows)")
    print_batch_report(report, out, console)
    if report.interrupted:
        # the output is flushed and synced; do not wait for calls still in flight (rerun redoes them)
        sys.stderr.flush()
        os._exit(130)
    if report.failed or report.summaries_failed or report.llm_failed:
        raise typer.Exit(1)


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
) -> BatchReport:
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
        )

    if console is None:
        return go()
    total = count_inputs(inputs)
    with progress_bar(console, "batch") as bar:
        task = bar.add_task("batch", total=total, failed=0, rate="-")
        started = time.monotonic()

        def tick(_: object, report: BatchReport) -> None:
            rate = report.inputs / max(1e-9, time.monotonic() - started)
            bar.update(task, completed=report.inputs, failed=sum(report.failed.values()), rate=f"{rate:,.0f}")

        return go(tick)


def progress_bar(console: Console, label: str) -> Progress:
    """Rate, ETA and failures, on stderr."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}/s"),
        TimeRemainingColumn(),
        TextColumn("failed {task.fields[failed]}"),
        console=console,
    )


def print_batch_report(report: BatchReport, out: Path, console: Console) -> None:
    rate = report.inputs / report.seconds if report.seconds else 0.0
    console.print(
        f"{'interrupted' if report.interrupted else 'done'}: {report.inputs} inputs in {report.seconds:.1f} s "
        f"({rate:,.0f}/s): {report.ok} records, {sum(report.failed.values())} failed, "
        f"{report.skipped} already in {out}"
    )
    for kind, n in report.failed.most_common():
        console.print(f"  failed ({kind}): {n}")
    if report.repaired_bytes:
        console.print(f"  repaired a partly written last line ({report.repaired_bytes} bytes dropped, input redone)")
    for kind, n in report.llm_failed.most_common():
        console.print(f"  LLM failed, parser record kept ({kind}): {n} (rerun with --retry-errors to ask again)")
    if report.summaries_failed:
        console.print(
            f"  summaries that FAILED their checks (written with a warning at the top): {report.summaries_failed}"
        )
    if report.dropped_errors:
        console.print(f"  retried {report.dropped_errors} earlier failures")
    if report.requests:
        console.print(
            f"  LLM: {report.requests} requests, {report.prompt_tokens:,} prompt + "
            f"{report.completion_tokens:,} completion tokens"
        )
    if report.interrupted:
        console.print("  rerun the same command to finish; nothing written is lost")


@app.command()
def prompts() -> None:
    """List the prompt templates (NAME@VERSION) and what they are for."""
    for ref in available_prompts():
        print(f"{ref}\t{load_prompt(ref).description}")


@contextmanager
def summary_client(backend: Backend, config: LLMConfig, model_path: Path | None) -> Iterator[LLMClient | None]:
    """None for offline summaries; otherwise a checked client (and a local server for `local`)."""
    if backend is Backend.RULES:
        yield None
    elif backend is Backend.LOCAL:
        with LocalServer(model_path) as server:
            yield LLMClient(local_settings(config, server.base_url))
    else:
        config.check()
        client = LLMClient(config)
        client.check_server()
        yield client


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"imr-llm: {message}", file=sys.stderr)
    raise typer.Exit(code)


def run() -> None:
    """Console-script entry point: no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        print("imr-llm: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # a bug: still one line, never a traceback
        print(f"imr-llm: internal error ({type(e).__name__}: {e}); please report it", file=sys.stderr)
        sys.exit(70)


if __name__ == "__main__":
    run()
