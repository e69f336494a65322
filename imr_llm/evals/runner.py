"""Run a suite: every input through the backend (bounded concurrency, response cache), then score.

The run file keeps everything needed to rescore without calling any model: the
gold snapshot, the scored record, the parser and merged records, and the LLM's
call accounting, plus the suite, prompt hash, model, package version and commit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from imr_llm.errors import ConfigError, ImrError, InputError, LLMCallError
from imr_llm.evals.gold import GoldLetter, load_gold_dir
from imr_llm.evals.metrics import LetterResult, compute_metrics
from imr_llm.evals.renderings import IMAGE_KINDS, rendering_kind
from imr_llm.evals.scorers import research_gold
from imr_llm.evals.suite import KEPT_INPUTS, SCANNED_PDF_SUFFIX, Suite
from imr_llm.evals.uncertainty import DEFAULT_RESAMPLES, DEFAULT_SEED, Bootstrap, bootstrap_intervals, input_hash
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.prices import load_prices
from imr_llm.loaders import LoadedLetter, load_file, load_pages
from imr_llm.pipeline.backends import BackendOptions, get_backend, open_extractor
from imr_llm.pipeline.extraction import Extractor
from imr_llm.suffixes import IMAGE_SUFFIXES, PAGES_SUFFIX, page_files
from imr_llm.version import VERSION as __version__

ProgressHook = Callable[[LetterResult], None]


class ThresholdResult(BaseModel):
    metric: str
    op: str  # ">=" | "<="
    limit: float
    value: float | None
    passed: bool


class RunFile(BaseModel):
    suite: Suite
    created: str
    package_version: str
    git_commit: str | None
    backend: str
    model: str | None = None
    prompt: str | None = None
    prompt_hash: str | None = None
    letters: list[LetterResult]
    metrics: dict[str, float] = Field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="95% bootstrap interval of each metric over letters (see `bootstrap`)"
    )
    bootstrap: Bootstrap | None = None
    letter_metrics: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="each input's own value of every thresholded metric"
    )
    thresholds: list[ThresholdResult] = Field(default_factory=list)
    passed: bool = True

    def save(self, path: Path) -> None:
        from imr_llm.outputs import write_file

        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, self.model_dump_json(indent=1) + "\n")  # a link at `path` is replaced, never written through

    @classmethod
    def load(cls, path: Path) -> RunFile:
        from imr_llm.regular import read_text

        return cls.model_validate_json(read_text(path))


def letter_label(letter: LetterResult) -> str:
    """ "CM16-0219557 (pdf)", "(scan-b)" for a rendering, "(scan.pdf)" or "(pages)" for your own scans:
    how reports name one input."""
    path = Path(letter.input)
    kind = rendering_kind(path)
    if kind is None and path.name.startswith(f"{letter.name}."):
        kind = path.name[len(letter.name) + 1 :]
    return f"{letter.name} ({kind or path.suffix.lstrip('.') or 'pages'})"


def git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


class SuiteInput(NamedTuple):
    """One input of a run: a letter, which version of it, and for your own scans the file itself."""

    gold: GoldLetter
    kind: str
    path: Path | None = None  # None: the gold's own .txt / .pdf, or a rendering made when the letter runs


def kept_inputs(folder: Path, name: str, kind: str) -> list[Path]:
    """Your own scans of letter `name` kept in the gold `folder` for input `kind` ("image", "scanned-pdf",
    "pages"; the naming is in imr_llm.evals.suite), in name order."""
    suffixes = {"image": IMAGE_SUFFIXES, "scanned-pdf": (SCANNED_PDF_SUFFIX,), "pages": (PAGES_SUFFIX,)}[kind]
    found = []
    for path in sorted(folder.iterdir()):
        rest = path.name[len(name) :].lower() if path.name.startswith(name) else ""
        if rest in suffixes and (path.is_dir() if kind == "pages" else path.is_file()):
            found.append(path)
    return found


def select_letters(suite: Suite) -> list[SuiteInput]:
    """The inputs to run, letter by letter in the suite's order of inputs: renderings are made only when
    a letter runs; a letter without the file an input needs is left out of that input."""
    folder = suite.gold_dir()
    chosen = [g for g in load_gold_dir(folder) if not suite.letters or g.name in suite.letters]
    if suite.limit:
        chosen = chosen[: suite.limit]
    inputs = []
    for g in chosen:
        for kind in suite.inputs:
            if kind in KEPT_INPUTS:
                inputs += [SuiteInput(g, kind, path) for path in kept_inputs(folder, g.name, kind)]
            elif g.kinds((kind,)):
                inputs.append(SuiteInput(g, kind))
    if not inputs:  # a suite that reads nothing would pass every threshold with no letter
        raise ConfigError(
            f"suite {suite.name}: no letter to run in {folder} (no NAME.gold.json there, or none with a file for "
            f"the inputs {', '.join(suite.inputs)})"
        )
    return inputs


def _load(path: Path) -> LoadedLetter:
    if path.is_dir():  # a photo set: the pages of one letter
        pages = page_files(path)
        if not pages:
            raise InputError(f"{path}: no page images in this folder ({', '.join(IMAGE_SUFFIXES)})")
        return load_pages(pages)
    return load_file(path)


def _one(extractor: Extractor, item: SuiteInput) -> LetterResult:
    gold, kind = item.gold, item.kind
    result = LetterResult(name=gold.name, input=f"{gold.name}.{kind}", gold=gold.gold)
    try:
        path = item.path or gold.input(kind)
        result.input = str(path)
        result.input_sha256 = input_hash(str(path))
        extraction = extractor.extract(_load(path))
    except ImrError as e:
        result.error = str(e)
        result.error_kind = e.kind if isinstance(e, LLMCallError) else type(e).__name__
        if isinstance(e, LLMCallError):
            s = e.stats
            result.llm = {
                "requests": s.requests,
                "prompt_tokens": s.prompt_tokens,
                "latency_s": s.latency_s,
                "completion_tokens": s.completion_tokens,
                "cached": False,
            }
        return result
    except Exception as e:  # a bug in one letter must not lose the other letters' results
        result.error, result.error_kind = f"internal error ({type(e).__name__}: {e})", "internal"
        return result
    run = extraction.run
    if run is not None and run.error is not None:
        # the model failed: the user got the parser's record, but the model's own answer is a miss here
        result.error, result.error_kind = run.error, f"llm_{run.error_kind}"
        result.parser = json.loads(extraction.parser.model_dump_json())
        result.merged = json.loads(extraction.merged.model_dump_json())
        result.llm = run.model_dump(mode="json")
        return result
    scored = extraction.llm if extraction.llm is not None else extraction.parser
    result.record = json.loads(scored.model_dump_json())
    result.parser = json.loads(extraction.parser.model_dump_json())
    result.merged = json.loads(extraction.merged.model_dump_json()) if extraction.llm is not None else None
    result.llm = extraction.run.model_dump(mode="json") if extraction.run is not None else None
    return result


def score_run(run: RunFile, resamples: int | None = None, seed: int | None = None) -> RunFile:
    """(Re)compute metrics, their bootstrap intervals and the thresholds from the stored results: no
    model calls. `resamples`/`seed` default to the run file's own (else 1000 and a fixed seed)."""
    prices = load_prices(run.suite.prices_file())
    scorers = list(run.suite.scorers)
    memo: dict[tuple[str, int], Any] = {}  # each letter's own work, done once for all that follows
    metrics, _ = compute_metrics(run.letters, scorers, prices, memo)
    previous = run.bootstrap
    intervals, info = bootstrap_intervals(
        run.letters,
        scorers,
        prices,
        resamples if resamples is not None else previous.resamples if previous else DEFAULT_RESAMPLES,
        seed if seed is not None else previous.seed if previous else DEFAULT_SEED,
        memo,
    )
    watched = set(run.suite.thresholds.min) | set(run.suite.thresholds.max)
    per_letter = {}
    for x in run.letters:
        own, _ = compute_metrics([x], scorers, prices, memo)
        per_letter[letter_label(x)] = {m: v for m, v in own.items() if m in watched}
    checks = [
        ThresholdResult(metric=m, op=">=", limit=v, value=metrics.get(m), passed=metrics.get(m, float("-inf")) >= v)
        for m, v in run.suite.thresholds.min.items()
    ] + [
        ThresholdResult(metric=m, op="<=", limit=v, value=metrics.get(m), passed=metrics.get(m, float("inf")) <= v)
        for m, v in run.suite.thresholds.max.items()
    ]
    if "errors" not in run.suite.thresholds.max and not run.suite.allow_errors:
        # letters that errored are never a silent pass, thresholds or not (suite allow_errors = true, or
        # `imr-llm eval --allow-errors`, accepts them)
        errors = metrics.get("errors", 0.0)
        checks.append(ThresholdResult(metric="errors", op="<=", limit=0.0, value=errors, passed=errors <= 0))
    return run.model_copy(
        update={
            "metrics": metrics,
            "intervals": intervals,
            "bootstrap": info,
            "letter_metrics": per_letter,
            "thresholds": checks,
            "passed": all(c.passed for c in checks),
        }
    )


def run_suite(
    suite: Suite,
    config: LLMConfig | None = None,
    cache: ResponseCache | None = None,
    model_path: Path | None = None,
    on_result: ProgressHook | None = None,
    save_to: Path | None = None,
    resamples: int | None = None,
) -> RunFile:
    """Run and score; with `save_to`, the outputs are saved before scoring (a scorer bug must not
    lose an expensive run: `--rescore` picks it up)."""
    if "research" in suite.scorers:
        research_gold()  # a gold file that cannot be read is said now, not after every letter was read
    inputs = select_letters(suite)
    backend = get_backend(suite.backend)
    config = config or LLMConfig()
    if suite.temperature is not None:
        config = config.with_(temperature=suite.temperature)
    results: list[LetterResult] = []
    model = prompt_hash = None
    # repeats (epochs): every letter again with its own seed, cached per repeat; a deterministic backend
    # (the parser) gives the same record each time, so it runs once
    epochs = suite.epochs if backend.uses_llm else 1
    for epoch in range(epochs):
        seeded = config.with_(seed=(suite.seed or 0) + epoch) if epochs > 1 or suite.seed is not None else config
        with open_extractor(backend.name, BackendOptions(seeded, suite.prompt, model_path, cache)) as extractor:
            workers = suite.concurrency if backend.uses_llm and backend.concurrent else 1
            if not backend.uses_llm and set(suite.inputs) & {*IMAGE_KINDS, *KEPT_INPUTS}:
                workers = os.cpu_count() or 1  # OCR: one letter per core
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_one, extractor, item) for item in inputs]
                for future in futures:  # keep input order in the run file
                    result = future.result()
                    result.epoch = epoch
                    results.append(result)
                    if on_result:
                        on_result(result)
            model = getattr(extractor, "model_id", None)
            prompt_hash = getattr(extractor, "template_hash", None)
    run = RunFile(
        suite=suite,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        package_version=__version__,
        git_commit=git_commit(),
        backend=suite.backend,
        model=model,
        prompt=suite.prompt if backend.uses_llm else None,
        prompt_hash=prompt_hash,
        letters=results,
    )
    if save_to is not None:
        run.save(save_to)
    return score_run(run, resamples)


def rescore(path: Path, resamples: int | None = None) -> RunFile:
    return score_run(RunFile.load(path), resamples)


def input_count(suite: Suite) -> int:
    return len(select_letters(suite))
