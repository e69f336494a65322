"""`imr-llm batch --via batch-api | --write-requests FILE | --from-results FILE`: the LLM path at archive
scale (OpenAI's Batch API at half price; vLLM's run_batch on your own GPUs)."""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from imr_llm.cli.common import check_seconds, fail
from imr_llm.errors import ConfigError, OutputError, ProviderError

if TYPE_CHECKING:
    from rich.console import Console

    from imr_llm.batch.batch_state import Estimate
    from imr_llm.batch.deferred import DeferredReport
    from imr_llm.batch.run import BatchReport
    from imr_llm.llm.config import LLMConfig
    from imr_llm.llm.prices import Prices
    from imr_llm.pipeline.llm_extractor import LLMExtractor

VIAS = ("live", "batch-api")
REASKS = ("live", "batch-api", "none")


@dataclass(frozen=True)
class DeferredOptions:
    via: str
    write_requests: Path | None
    from_results: Path | None
    wait: bool
    poll_interval: float
    reask_via: str | None
    prices: Path | None
    max_file_requests: int
    max_file_mb: float

    @property
    def active(self) -> bool:
        return self.via == "batch-api" or self.write_requests is not None or self.from_results is not None

    def check(self, backend: str, out: Path) -> None:
        """Usage errors, before any work (exit 2)."""
        from imr_llm.pipeline.backends import BACKENDS, get_backend

        check_seconds("--poll-interval", self.poll_interval or None)  # 0: poll at once, allowed
        if not math.isfinite(self.max_file_mb) or self.max_file_mb <= 0:
            fail(f"--max-file-mb {self.max_file_mb}: give a positive size")
        if self.via not in VIAS:
            fail(f"--via {self.via!r}: choose one of {', '.join(VIAS)}")
        if self.reask_via is not None and self.reask_via not in REASKS:
            fail(f"--reask-via {self.reask_via!r}: choose one of {', '.join(REASKS)}")
        chosen = [
            flag
            for flag, on in (
                ("--via batch-api", self.via == "batch-api"),
                ("--write-requests", self.write_requests is not None),
                ("--from-results", self.from_results is not None),
            )
            if on
        ]
        if len(chosen) > 1:
            fail(f"{' and '.join(chosen)} do not go together: pick one")
        if chosen and not get_backend(backend).batch_files:
            names = ", ".join(name for name, b in BACKENDS.items() if b.batch_files)
            fail(f"{chosen[0]} needs a backend that speaks the Batch API's file format: --backend {names}")
        if self.reask_via == "batch-api" and self.via != "batch-api":
            fail("--reask-via batch-api needs --via batch-api")
        if self.from_results is not None and not self.from_results.is_file():
            what = "not a regular file" if os.path.lexists(self.from_results) else "no such file"
            fail(f"--from-results {self.from_results}: {what}")
        if self.write_requests is not None and self.write_requests.is_dir():
            fail(f"--write-requests {self.write_requests} is a folder; give a .jsonl file")
        from imr_llm.llm.batch_files import foreign_request_file

        if self.write_requests is not None and foreign_request_file(self.write_requests):
            fail(
                f"--write-requests {self.write_requests} exists and is not a request file imr-llm wrote (a letter? "
                "the cache?): left as it is; choose another"
            )
        if self.write_requests is not None and self.write_requests.resolve() == out.resolve():
            fail("--write-requests must not be the --out file (the requests would overwrite the records)")


def run_deferred(
    options: DeferredOptions,
    backend_name: str,
    inputs: list[str],
    out: Path,
    config: LLMConfig,
    prompt: str,
    cache: Path | None,
    no_cache: bool,
    records_runner: RecordsRunner,
    console: Console,
) -> None:
    """Open the extractor (no server check when no live call can happen) and run the chosen mode."""
    from imr_llm.batch.batch_state import Estimate
    from imr_llm.batch.deferred import records_from_results, run_via_batch_api, write_request_file
    from imr_llm.llm.cache import ResponseCache
    from imr_llm.llm.prices import load_prices
    from imr_llm.pipeline.backends import BackendOptions, open_extractor

    if no_cache:
        fail("--no-cache cannot be used here: batch answers reach the records through the response cache")
    if options.prices is not None and not options.prices.is_file():
        fail(
            f"--prices {options.prices}: {'not a regular file' if os.path.lexists(options.prices) else 'no such file'}"
        )
    try:
        prices = load_prices(options.prices)
    except ConfigError as e:  # not TOML, not UTF-8, not a price table: one line, exit 2
        fail(str(e))
    reask = options.reask_via or ("none" if options.from_results is not None else "live")
    live = options.via == "batch-api" or reask == "live"
    try:
        store = ResponseCache(cache)
        backend = BackendOptions(config, prompt, None, store, check_server=live and options.write_requests is None)
        with open_extractor(backend_name, backend) as opened:
            extractor: LLMExtractor = opened  # type: ignore[assignment]
            if options.write_requests is not None:
                report = write_request_file(inputs, out, extractor, options.write_requests)
                _print_estimate(
                    Estimate(report.queued, report.estimated_prompt_tokens, report.max_completion_tokens),
                    extractor.model_id,
                    prices,
                    console,
                    batch=False,
                )
                console.print(
                    f"wrote {report.queued} requests to {options.write_requests} ({report.ready} letters already "
                    f"answered in the cache or unreadable, {report.already_done} already in {out}); run them, "
                    f"then: imr-llm batch ... --out {out} --from-results RESULTS.jsonl"
                )
                return
            if options.from_results is not None:
                report = records_from_results(
                    inputs,
                    out,
                    extractor,
                    options.from_results,
                    records_runner.run,
                    table=records_runner.table,
                    summaries=records_runner.summaries,
                    reask_via=reask,  # type: ignore[arg-type]
                    retry_errors=records_runner.retry_errors,
                )
                print_deferred(report, out, extractor.model_id, prices, console)
                _exit(report)
                return
            from imr_llm.llm.batch_api import BatchAPI

            api = BatchAPI(config)
            report = run_via_batch_api(
                inputs,
                out,
                extractor,
                api,
                records_runner.run,
                table=records_runner.table,
                summaries=records_runner.summaries,
                wait=options.wait,
                poll_s=options.poll_interval,
                reask_via=reask,  # type: ignore[arg-type]
                retry_errors=records_runner.retry_errors,
                max_requests=options.max_file_requests,
                max_bytes=int(options.max_file_mb * 1_000_000),
                before_submit=lambda r: _print_estimate(r, extractor.model_id, prices, console, batch=True),
                on_status=lambda r: _print_status(r, console) if options.wait else None,
            )
            print_deferred(report, out, extractor.model_id, prices, console)
            _exit(report)
    except ConfigError as e:  # a usage or set-up problem (another model's state file, a damaged one): exit 2
        fail(str(e))
    except (OutputError, ProviderError) as e:  # disk full; a batch status no one documents: what was kept is kept
        fail(str(e), code=1)
    except KeyboardInterrupt:
        console.print("interrupted: the state file and the records written are kept; rerun the same command")
        raise typer.Exit(130) from None


@dataclass
class RecordsRunner:
    """How the ordinary batch run makes the records once answers are in the cache."""

    out: Path
    processes: int
    concurrency: int
    summaries: Path | None
    lang: str
    table: Path | None
    retry_errors: bool

    def run(self, paths: list[str], extractor: LLMExtractor) -> BatchReport:
        from imr_llm.batch.run import run_held

        return run_held(
            paths,
            self.out,
            extractor,
            self.processes,
            self.concurrency,
            self.summaries,
            self.lang,
            False,  # --retry-errors already dropped the lines to redo
            None,
            self.table,
        )


def _usd(prices: Prices, model: str, prompt_tokens: int, completion_tokens: int, batch: bool) -> str:
    from imr_llm.llm.prices import price_usd

    usd = price_usd(prices, model, prompt_tokens, completion_tokens, batch=batch)
    return "no price known" if usd is None else f"${usd:,.2f}"


def _print_estimate(estimate: Estimate, model: str, prices: Prices, console: Console, batch: bool) -> None:
    """Before anything is sent: requests, estimated tokens, estimated price (output at its cap: an upper bound)."""
    rate = "batch" if batch else "live"
    console.print(
        f"to send: {estimate.requests} requests; input about {estimate.prompt_tokens:,} tokens (4 characters "
        f"a token), output at most {estimate.max_completion_tokens:,} tokens (max_tokens); estimated price at "
        f"{rate} rates for {model}: {_usd(prices, model, estimate.prompt_tokens, 0, batch)} input + up to "
        f"{_usd(prices, model, 0, estimate.max_completion_tokens, batch)} output"
    )


def _print_status(report: DeferredReport, console: Console) -> None:
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.batch_statuses.items())) or "none"
    console.print(f"batches out: {statuses}; letters waiting: {report.waiting}; answers so far: {report.answers}")


def print_deferred(report: DeferredReport, out: Path, model: str, prices: Prices, console: Console) -> None:
    from imr_llm.cli.batch_report import print_batch_report

    if report.records is not None:
        print_batch_report(report.records, out, console)
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(report.batch_statuses.items()))
    console.print(
        f"letters: {report.scanned} ({report.already_done} already in {out}); answers collected: {report.answers} "
        f"valid, {report.answers_failed} without a valid answer"
        + (f"; {report.unknown_results} result lines unreadable or for no request" if report.unknown_results else "")
    )
    if report.unknown_results and not report.answers:
        console.print(
            "  none of the result lines matched a request for these letters: were the requests written with "
            "the same --model, --base-url and --prompt (they are part of each custom_id)?"
        )
    if report.files_submitted:
        console.print(f"submitted {report.files_submitted} batch file(s), {report.queued} requests")
    if statuses:
        console.print(
            f"batches still out: {statuses}; letters waiting: {report.waiting}. Rerun the same command "
            "(or add --wait) to collect them"
        )
    if report.prompt_tokens or report.completion_tokens:
        console.print(
            f"tokens from results: {report.prompt_tokens:,} input + {report.completion_tokens:,} output; price at "
            f"batch rates for {model}: {_usd(prices, model, report.prompt_tokens, report.completion_tokens, True)}"
        )


def _exit(report: DeferredReport) -> None:
    """0 while batches are still out (a cron job reruns the command); 1 when a letter failed."""
    records = report.records
    if records is not None and records.interrupted:
        sys.stderr.flush()
        raise typer.Exit(130)
    if records is not None and records.any_failed:
        raise typer.Exit(1)
