"""`imr-llm eval`: score a suite against gold labels, rescore a run, or compare two runs."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imr_llm.cli.common import (
    BaseUrlOpt,
    CacheOpt,
    ModelOpt,
    ModelPathOpt,
    NoCacheOpt,
    fail,
    output_path,
    progress_bar,
    safe_console,
    writable_file,
    writable_folder,
)
from imr_llm.errors import ConfigError
from imr_llm.outputs import visible, write_file

if TYPE_CHECKING:
    from rich.console import Console

    from imr_llm.evals.compare import Comparison
    from imr_llm.evals.runner import RunFile
    from imr_llm.evals.suite import Suite
    from imr_llm.llm.cache import ResponseCache
    from imr_llm.llm.config import LLMConfig


def eval_command(
    args: Annotated[
        list[str] | None, typer.Argument(help="SUITE.toml to run, or: compare BASE.json NEW.json", show_default=False)
    ] = None,
    backend: Annotated[str | None, typer.Option(help="override the suite's backend")] = None,
    prompt: Annotated[str | None, typer.Option(help="override the suite's prompt NAME@VERSION")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    model_path: ModelPathOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            parser=output_path,
            help="run file to write (default out/evals/SUITE-BACKEND.json); for a matrix, the folder",
        ),
    ] = None,
    baseline: Annotated[Path | None, typer.Option(help="compare with this run file; exit 1 on regression")] = None,
    rescore: Annotated[Path | None, typer.Option(help="recompute a run file's metrics, no model calls")] = None,
    tolerance: Annotated[float, typer.Option(help="allowed drop of a metric before it counts as a regression")] = 0.005,
    report_md: Annotated[Path | None, typer.Option(parser=output_path, help="also write a Markdown report")] = None,
    report_html: Annotated[
        Path | None, typer.Option(parser=output_path, help="also write a self-contained HTML report")
    ] = None,
    resamples: Annotated[
        int | None,
        typer.Option(
            min=0, max=100_000, help="bootstrap resamples for intervals and paired comparison (default 1000; 0: none)"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=2**32 - 1, help="bootstrap seed (default: the run file's, else fixed)")
    ] = None,
    allow_different_sets: Annotated[
        bool, typer.Option(help="compare runs whose letter sets differ (on the shared letters) without failing")
    ] = False,
    variants: Annotated[
        str | None, typer.Option(help="run only these of the suite's [[variants]] (comma-separated names)")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, max=1024, help="LLM requests at once")] = None,
    allow_errors: Annotated[
        bool, typer.Option("--allow-errors", help="letters that errored do not by themselves fail the run")
    ] = False,
    repeat: Annotated[
        int | None,
        typer.Option(
            "--repeat", min=1, max=50, help="run every letter N times (its own seed each; a model's randomness)"
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=10**9, help="only the first N letters")] = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Score a suite against gold labels, or compare two runs; exit 1 on a missed threshold or a regression."""
    from imr_llm.evals.compare import compare_runs
    from imr_llm.evals.report import html_report, print_comparison, print_run
    from imr_llm.evals.runner import score_run
    from imr_llm.evals.suite import load_suite
    from imr_llm.llm.cache import opened
    from imr_llm.llm.config import config_from_env
    from imr_llm.pipeline.backends import get_backend

    console = safe_console()
    args = args or []
    check_eval_outputs(out, report_md, report_html)
    comparison: Comparison | None = None
    try:
        if args[:1] == ["compare"]:
            if len(args) < 3:
                fail("usage: imr-llm eval compare BASE.json NEW.json [MORE.json ...]")
            runs = [load_run(Path(a)) for a in args[1:]]
            boot = _bootstrap(resamples, seed)
            comparisons = [compare_runs(runs[0], other, tolerance, *boot) for other in runs[1:]]
            for c in comparisons:
                print_comparison(c, console)
            failed = any(c.regressed or (c.sets_differ and not allow_different_sets) for c in comparisons)
            if any(c.sets_differ for c in comparisons) and not allow_different_sets:
                console.print("[red]the letter sets differ[/] (--allow-different-sets compares the shared letters)")
            if len(runs) == 2:
                write_reports(report_md, report_html, runs[1], comparisons[0])
            else:
                write_reports(report_md, None, runs[-1], comparisons[-1])
                if report_html is not None:
                    report_html.parent.mkdir(parents=True, exist_ok=True)
                    others = list(zip(runs[1:], comparisons, strict=True))
                    write_file(report_html, html_report(runs[0], None, True, others))
            raise typer.Exit(1 if failed else 0)
        if rescore is not None:
            run = score_run(load_run(rescore), resamples, seed)
        elif len(args) == 1:
            suite = load_suite(Path(args[0]))
            overrides: dict[str, object] = {}
            if backend is not None:
                get_backend(backend)
                overrides["backend"] = backend
            if prompt:
                overrides["prompt"] = prompt
            if concurrency:
                overrides["concurrency"] = concurrency
            if limit:
                overrides["limit"] = limit
            if allow_errors:
                overrides["allow_errors"] = True
            if repeat:
                overrides["epochs"] = repeat
            suite = suite.model_copy(update=overrides)
            config = config_from_env(
                base_url or suite.base_url or None, model or suite.model or None, max_tokens=suite.max_tokens or None
            )
            if suite.variants or variants:
                folder = out or Path("out") / "evals"
                run_matrix(
                    suite,
                    config,
                    variants,
                    cache,
                    no_cache,
                    model_path,
                    console,
                    resamples,
                    report_md,
                    report_html,
                    folder,
                )
                return
            run_path = out or Path("out") / "evals" / f"{suite.name}-{suite.backend}.json"
            if run_path.is_dir():  # a folder given for one run: its run file goes in it, named as by default
                out = run_path = run_path / f"{suite.name}-{suite.backend}.json"
                check_eval_outputs(out, None, None)
            with opened(cache, not no_cache, get_backend(suite.backend).uses_llm) as store:
                run = run_with_progress(suite, config, store, model_path, console, run_path, resamples)
        else:
            fail("usage: imr-llm eval SUITE.toml [options] | eval --rescore RUN.json | eval compare BASE.json NEW.json")
        if rescore is None or out is not None:  # a rescore prints; it rewrites a run file only with --out
            target = out or Path("out") / "evals" / f"{run.suite.name}-{run.backend}.json"
            run.save(target)
            console.print(f"run file: {target}")
        print_run(run, console)
        if baseline is not None:
            comparison = compare_runs(load_run(baseline), run, tolerance, *_bootstrap(resamples, seed))
            print_comparison(comparison, console)
            if comparison.sets_differ and not allow_different_sets:
                console.print("[red]the letter sets differ[/] (--allow-different-sets compares the shared letters)")
                raise typer.Exit(1)
        write_reports(report_md, report_html, run, comparison)
    except ConfigError as e:
        fail(str(e))
    if not run.passed or (comparison is not None and comparison.regressed):
        raise typer.Exit(1)


def run_matrix(
    suite: Suite,
    config: LLMConfig,
    names: str | None,
    cache: Path | None,
    no_cache: bool,
    model_path: Path | None,
    console: Console,
    resamples: int | None,
    report_md: Path | None,
    report_html: Path | None,
    folder: Path,
) -> None:
    """Every chosen variant over the same letters: one run file each (FOLDER/SUITE-VARIANT.json), then
    the matrix table; exit 1 when any variant misses a threshold."""
    from imr_llm.evals.compare import compare_runs
    from imr_llm.evals.matrix import matrix_rows, select_variants, variant_config, variant_suite
    from imr_llm.evals.report import html_report, markdown_matrix, print_matrix
    from imr_llm.llm.cache import opened
    from imr_llm.pipeline.backends import get_backend

    runs: list[tuple[RunFile, Path]] = []
    for variant in select_variants(suite, names):
        one = variant_suite(suite, variant)
        path = folder / f"{suite.name}-{variant.name}.json"
        with opened(cache, not no_cache, get_backend(one.backend).uses_llm) as store:
            run = run_with_progress(one, variant_config(config, variant), store, model_path, console, path, resamples)
        run.save(path)
        console.print(f"run file: {path}")
        runs.append((run, path))
    rows = matrix_rows(runs)
    print_matrix(rows, console)
    # matrix.md and matrix.html always go beside the run files (the README promises them); --report-* copy too
    folder.mkdir(parents=True, exist_ok=True)
    write_file(folder / "matrix.md", markdown_matrix(rows))
    report_html = report_html or folder / "matrix.html"
    if report_md is not None:
        report_md.parent.mkdir(parents=True, exist_ok=True)
        write_file(report_md, markdown_matrix(rows))
    if report_html is not None and runs:
        base = runs[0][0]
        others = [
            (r, compare_runs(base, r, resamples=resamples if resamples is not None else 1000)) for r, _ in runs[1:]
        ]
        report_html.parent.mkdir(parents=True, exist_ok=True)
        write_file(report_html, html_report(base, None, True, others))
    if not all(r.passed for r in rows):
        raise typer.Exit(1)


def check_eval_outputs(out: Path | None, report_md: Path | None, report_html: Path | None) -> None:
    """Where the run file and reports go, checked before any letter is read: a read-only folder, or a
    report path that is a folder, is one line and exit 2, never a failure after the run."""
    for flag, path in (("--out", out), ("--report-md", report_md), ("--report-html", report_html)):
        if path is None:
            continue
        if path.is_dir():
            if flag == "--out":  # a matrix writes its run files into a folder
                writable_folder(path, flag)
                continue
            fail(f"{flag} {path} is a folder; give a file")
        writable_folder(path.parent, flag, path)
        writable_file(path, flag)
        if not _ours_or_absent(path, _MARKS[flag]):
            fail(
                f"{flag} {visible(str(path))} exists and is not an imr-llm eval output: it would be overwritten "
                "(remove it, or give another name)"
            )


# how an eval output begins: a file that does not is someone else's, and is never overwritten
_MARKS = {"--out": ('{\n "suite": ',), "--report-md": ("## Eval",), "--report-html": ("<!doctype html>",)}


def _ours_or_absent(path: Path, marks: tuple[str, ...]) -> bool:
    """Whether `path` is absent, a symbolic link (replaced, never written through), empty, or a regular file
    that begins as an eval output of this kind does."""
    import stat

    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode):
        return True
    if not stat.S_ISREG(info.st_mode):
        return False
    if info.st_size == 0:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(64).decode("utf-8", "replace")
    except OSError:
        return False
    return head.lstrip("\ufeff").startswith(marks)


def _bootstrap(resamples: int | None, seed: int | None) -> tuple[int, int]:
    from imr_llm.evals.uncertainty import DEFAULT_RESAMPLES, DEFAULT_SEED

    return (DEFAULT_RESAMPLES if resamples is None else resamples), (DEFAULT_SEED if seed is None else seed)


def load_run(path: Path) -> RunFile:
    from imr_llm.evals.runner import RunFile

    try:
        return RunFile.load(path)
    except FileNotFoundError as e:
        raise ConfigError(f"run file not found: {path}") from e
    except (OSError, ValueError) as e:
        raise ConfigError(f"not a run file: {path} ({str(e).splitlines()[0]})") from e


def write_reports(md: Path | None, page: Path | None, run: RunFile | None, comparison: Comparison | None) -> None:
    from imr_llm.evals.report import html_report, markdown_report

    if md is not None:
        md.parent.mkdir(parents=True, exist_ok=True)
        write_file(md, markdown_report(run, comparison))
    if page is not None:
        page.parent.mkdir(parents=True, exist_ok=True)
        write_file(page, html_report(run, comparison))


def run_with_progress(
    suite: Suite,
    config: LLMConfig,
    store: ResponseCache | None,
    model_path: Path | None,
    console: Console,
    save_to: Path | None = None,
    resamples: int | None = None,
) -> RunFile:
    from imr_llm.evals.metrics import LetterResult
    from imr_llm.evals.runner import input_count, run_suite
    from imr_llm.pipeline.backends import get_backend

    failures = 0
    repeats = suite.epochs if get_backend(suite.backend).uses_llm else 1
    with progress_bar(console, "{task.description}") as progress:
        total = input_count(suite) * repeats
        task = progress.add_task(f"eval {suite.name} ({suite.backend})", total=total, failed=0, rate="-")
        started = time.monotonic()

        def advance(result: LetterResult) -> None:
            nonlocal failures
            failures += result.error is not None
            done = progress.tasks[0].completed + 1
            rate = done / max(1e-9, time.monotonic() - started)
            progress.update(task, advance=1, failed=failures, rate=f"{rate:.1f}")

        return run_suite(suite, config, store, model_path, advance, save_to, resamples)
