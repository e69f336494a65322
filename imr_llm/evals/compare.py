"""Compare two runs: per-metric deltas with a tolerance, and the letters and fields that moved."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from imr_llm.evals.metrics import field_results, is_cost_metric, lower_is_better
from imr_llm.evals.runner import RunFile

DEFAULT_TOLERANCE = 0.005


class MetricDelta(BaseModel):
    metric: str
    base: float | None
    new: float | None
    delta: float | None
    status: str  # "regressed" | "improved" | "same" | "cost" | "new" | "gone"


class FieldChange(BaseModel):
    letter: str
    path: str
    gold: Any = None
    before: Any = None
    after: Any = None
    change: str  # "regressed" | "improved"


class Comparison(BaseModel):
    base: dict[str, Any]
    new: dict[str, Any]
    tolerance: float
    metrics: list[MetricDelta] = Field(default_factory=list)
    fields: list[FieldChange] = Field(default_factory=list)
    regressed: bool = False

    @property
    def regressions(self) -> list[MetricDelta]:
        return [m for m in self.metrics if m.status == "regressed"]

    @property
    def improvements(self) -> list[MetricDelta]:
        return [m for m in self.metrics if m.status == "improved"]


def _describe(run: RunFile) -> dict[str, Any]:
    return {
        "suite": run.suite.name,
        "backend": run.backend,
        "model": run.model,
        "prompt": run.prompt,
        "prompt_hash": run.prompt_hash,
        "created": run.created,
        "git_commit": run.git_commit,
    }


def compare_runs(base: RunFile, new: RunFile, tolerance: float = DEFAULT_TOLERANCE) -> Comparison:
    deltas: list[MetricDelta] = []
    for metric in sorted(set(base.metrics) | set(new.metrics)):
        b, n = base.metrics.get(metric), new.metrics.get(metric)
        if b is None or n is None:
            deltas.append(MetricDelta(metric=metric, base=b, new=n, delta=None, status="new" if b is None else "gone"))
            continue
        delta = round(n - b, 6)
        if is_cost_metric(metric) or metric in ("letters",):
            status = "cost" if delta else "same"
        else:
            worse = delta > tolerance if lower_is_better(metric) else delta < -tolerance
            better = delta < -tolerance if lower_is_better(metric) else delta > tolerance
            status = "regressed" if worse else "improved" if better else "same"
        deltas.append(MetricDelta(metric=metric, base=b, new=n, delta=delta, status=status))

    _, base_results = field_results(base.letters)
    _, new_results = field_results(new.letters)
    before = {(r.letter, r.path): r for r in base_results}
    changes: list[FieldChange] = []
    for r in new_results:
        old = before.get((r.letter, r.path))
        if old is None or old.correct == r.correct:
            continue
        changes.append(
            FieldChange(
                letter=r.letter,
                path=r.path,
                gold=r.gold,
                before=old.predicted,
                after=r.predicted,
                change="improved" if r.correct else "regressed",
            )
        )
    changes.sort(key=lambda c: (c.change != "regressed", c.letter, c.path))
    return Comparison(
        base=_describe(base),
        new=_describe(new),
        tolerance=tolerance,
        metrics=deltas,
        fields=changes,
        regressed=any(d.status == "regressed" for d in deltas),
    )
