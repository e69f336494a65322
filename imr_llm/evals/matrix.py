"""Matrix runs: every `[[variants]]` entry of a suite (prompt x model x backend ...) over the same
letters, one run file each, and one table of quality, tokens, cost and latency per variant.

Each variant runs through the response cache like any run, so adding a variant to a matrix costs
only that variant's calls."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from imr_llm.errors import ConfigError
from imr_llm.evals.runner import RunFile
from imr_llm.evals.suite import Suite, Variant
from imr_llm.llm.config import LLMConfig, ModeChoice

__all__ = ["MatrixRow", "matrix_rows", "select_variants", "variant_config", "variant_suite"]

QUALITY = ("key_field_accuracy", "decision_accuracy", "item_f1", "diagnoses_f1", "grounding_rate", "errors")


class MatrixRow(BaseModel):
    """One variant's line in the matrix report."""

    variant: str
    backend: str
    model: str | None
    prompt: str | None
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    prompt_tokens: float
    completion_tokens: float
    estimated_cost_usd: float | None  # None: no price known for the model
    latency_p50_s: float | None
    latency_p95_s: float | None
    passed: bool
    run_file: str


def select_variants(suite: Suite, names: str | None) -> list[Variant]:
    """The variants to run: all, or those named (comma-separated); an unknown name is a usage error."""
    if not names:
        return list(suite.variants)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {v.name: v for v in suite.variants}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ConfigError(f"unknown variant(s) {', '.join(unknown)}; the suite has: {', '.join(known) or 'none'}")
    return [known[n] for n in wanted]


def variant_suite(suite: Suite, variant: Variant) -> Suite:
    return suite.model_copy(update={**variant.overrides(), "variant": variant.name, "variants": []})


def variant_config(config: LLMConfig, variant: Variant) -> LLMConfig:
    """The suite's LLM settings with the variant's server, model, mode and sampling."""
    changes: dict[str, object] = {}
    if variant.base_url:
        changes["base_url"] = variant.base_url.rstrip("/")
    if variant.model:
        changes["model"] = variant.model
    if variant.mode:
        changes["mode"] = ModeChoice(variant.mode)
    if variant.max_tokens:
        changes["max_tokens"] = variant.max_tokens
    if variant.temperature is not None:
        changes["temperature"] = variant.temperature
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def _latencies(run: RunFile) -> list[float]:
    return [float(x.llm.get("latency_s", 0.0)) for x in run.letters if x.llm and not x.llm.get("cached")]


def matrix_rows(runs: list[tuple[RunFile, Path]]) -> list[MatrixRow]:
    rows = []
    for run, path in runs:
        latencies = _latencies(run)
        p50, p95 = (float(v) for v in np.percentile(latencies, [50, 95])) if latencies else (None, None)
        rows.append(
            MatrixRow(
                variant=run.suite.variant or run.suite.name,
                backend=run.backend,
                model=run.model,
                prompt=run.prompt,
                metrics={m: run.metrics[m] for m in QUALITY if m in run.metrics},
                intervals={m: run.intervals[m] for m in QUALITY if m in run.intervals},
                prompt_tokens=run.metrics.get("prompt_tokens", 0.0),
                completion_tokens=run.metrics.get("completion_tokens", 0.0),
                estimated_cost_usd=(
                    None if run.metrics.get("price_known") == 0.0 else run.metrics.get("estimated_cost_usd", 0.0)
                ),
                latency_p50_s=None if p50 is None else round(p50, 3),
                latency_p95_s=None if p95 is None else round(p95, 3),
                passed=run.passed,
                run_file=str(path),
            )
        )
    return rows
