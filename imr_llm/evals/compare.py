"""Compare two runs on the letters they share: paired intervals of every metric's change, and the
letters and fields that moved.

Letters are matched by identity (case number + hash of the input), never by path, so two runs of
the same gold read from different folders compare letter for letter. A metric is `regressed` only
when the whole paired 95% interval of its change lies beyond the tolerance in the bad direction:
one item of 114 moves item F1 by 0.009, which is noise, not a regression. A decision that flips to
a wrong value is a regression on any letter, whatever the statistics say.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from imr_llm.evals.metrics import field_results, is_cost_metric, lower_is_better
from imr_llm.evals.results import LetterResult
from imr_llm.evals.runner import RunFile, letter_label
from imr_llm.evals.scoring import FieldResult
from imr_llm.evals.uncertainty import DEFAULT_RESAMPLES, DEFAULT_SEED, identity, paired_differences
from imr_llm.fields import MISSING_ITEM, norm_text

DEFAULT_TOLERANCE = 0.005
_DECISION = "disputed_items[].decision"


class MetricDelta(BaseModel):
    metric: str
    base: float | None
    new: float | None
    delta: float | None
    low: float | None = None  # paired 95% interval of the change (new - base), shared letters
    high: float | None = None
    status: str  # "regressed" | "improved" | "same" | "cost" | "new" | "gone"


class FieldChange(BaseModel):
    letter: str
    path: str
    gold: Any = None
    before: Any = None
    after: Any = None
    change: str  # "regressed" | "improved" | "changed"
    kind: str = "field"  # "decision" | "item" | "field" | "error" | "diagnosis"
    input: str = ""  # the new run's input file (the HTML report links to the letter)


class Comparison(BaseModel):
    base: dict[str, Any]
    new: dict[str, Any]
    tolerance: float
    resamples: int = 0
    shared_letters: int = 0
    only_base: list[str] = Field(default_factory=list)  # letters (as labelled in reports) in one run only
    only_new: list[str] = Field(default_factory=list)
    metrics: list[MetricDelta] = Field(default_factory=list)
    fields: list[FieldChange] = Field(default_factory=list)
    gold_changed: list[str] = Field(default_factory=list)  # shared letters whose gold differs between the runs
    regressed: bool = False

    @property
    def regressions(self) -> list[MetricDelta]:
        return [m for m in self.metrics if m.status == "regressed"]

    @property
    def improvements(self) -> list[MetricDelta]:
        return [m for m in self.metrics if m.status == "improved"]

    @property
    def sets_differ(self) -> bool:
        return bool(self.only_base or self.only_new)

    @property
    def always_listed(self) -> list[FieldChange]:
        """Decision, item, error and diagnosis changes: listed on any letter, whatever the statistics say."""
        return [c for c in self.fields if c.kind != "field"]


def _describe(run: RunFile) -> dict[str, Any]:
    return {
        "suite": run.suite.name,
        "backend": run.backend,
        "model": run.model,
        "prompt": run.prompt,
        "prompt_hash": run.prompt_hash,
        "created": run.created,
        "git_commit": run.git_commit,
        "letters": len({identity(x) for x in run.letters}),
    }


def _status(metric: str, low: float, high: float, tolerance: float) -> str:
    if lower_is_better(metric):
        return "regressed" if low > tolerance else "improved" if high < -tolerance else "same"
    return "regressed" if high < -tolerance else "improved" if low > tolerance else "same"


def _letter_changes(label: str, before: LetterResult, after: LetterResult) -> list[FieldChange]:
    _, old = field_results([before])
    _, new = field_results([after])
    by_path: dict[str, FieldResult] = {r.path: r for r in old}
    changes: list[FieldChange] = []
    for r in new:
        o = by_path.get(r.path)
        if o is None or (o.correct == r.correct and o.predicted == r.predicted):
            continue
        kind = "field"
        if r.field == _DECISION and o.predicted not in (None, MISSING_ITEM) and r.predicted not in (None, MISSING_ITEM):
            kind = "decision"  # a stated decision changed its value
        elif MISSING_ITEM in (o.predicted, r.predicted) and r.field == _DECISION:
            kind = "item"  # the item was found in one run only
        elif o.correct == r.correct:
            continue  # a wrong value became another wrong value: not a move
        changes.append(
            FieldChange(
                letter=label,
                path=r.path,
                gold=r.gold,
                before=o.predicted,
                after=r.predicted,
                change="improved" if r.correct and not o.correct else "regressed" if o.correct else "changed",
                kind=kind,
                input=after.input,
            )
        )
    changes += _diagnosis_changes(label, before, after)
    if (before.error is None) != (after.error is None):
        changes.append(
            FieldChange(
                letter=label,
                path="error",
                before=before.error,
                after=after.error,
                change="improved" if after.error is None else "regressed",
                kind="error",
                input=after.input,
            )
        )
    return changes


def _diagnosis_changes(label: str, before: LetterResult, after: LetterResult) -> list[FieldChange]:
    """Each diagnosis a run found or lost against the gold, named (the set F1 alone does not say which)."""
    gold = {norm_text(d): d for d in before.gold.get("diagnoses") or []}
    old = {norm_text(d): d for d in (before.record or {}).get("diagnoses") or []}
    new = {norm_text(d): d for d in (after.record or {}).get("diagnoses") or []}
    out: list[FieldChange] = []
    for key in sorted(set(old) ^ set(new)):
        value = old.get(key) or new.get(key)
        in_gold = key in gold
        gained = key in new
        change = "improved" if gained == in_gold else "regressed"
        what = ("found" if gained else "lost") + ("" if in_gold else " (not in gold)")
        out.append(
            FieldChange(
                letter=label,
                path=f"diagnoses: {what}",
                gold=gold.get(key),
                before=value if not gained else None,
                after=value if gained else None,
                change=change,
                kind="diagnosis",
                input=after.input,
            )
        )
    return out


def compare_runs(
    base: RunFile,
    new: RunFile,
    tolerance: float = DEFAULT_TOLERANCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    scorers = sorted(set(base.suite.scorers) & set(new.suite.scorers))
    differences = paired_differences(base.letters, new.letters, scorers, None, resamples, seed)
    deltas: list[MetricDelta] = []
    for metric in sorted(set(base.metrics) | set(new.metrics)):
        b, n = base.metrics.get(metric), new.metrics.get(metric)
        d = differences.get(metric)
        if b is None or n is None:
            deltas.append(MetricDelta(metric=metric, base=b, new=n, delta=None, status="new" if b is None else "gone"))
            continue
        if d is None:  # e.g. cost from the price table: no shared-letter figure
            deltas.append(MetricDelta(metric=metric, base=b, new=n, delta=round(n - b, 6), status="same"))
            continue
        if is_cost_metric(metric) or metric == "letters":
            status = "cost" if d.delta else "same"
        else:
            status = _status(metric, d.low, d.high, tolerance)
        deltas.append(
            MetricDelta(metric=metric, base=d.base, new=d.new, delta=d.delta, low=d.low, high=d.high, status=status)
        )

    new_by_id = {identity(x): x for x in new.letters}
    base_ids = {identity(x) for x in base.letters}
    changes: list[FieldChange] = []
    gold_changed: list[str] = []
    for before in base.letters:
        after = new_by_id.get(identity(before))
        if after is not None:
            changes += _letter_changes(letter_label(after), before, after)
            if before.gold != after.gold:  # the answer key moved, not the extraction
                gold_changed.append(letter_label(after))
    order = {"decision": 0, "item": 1, "error": 2, "diagnosis": 3, "field": 4}
    changes.sort(key=lambda c: (order[c.kind], c.change != "regressed", c.letter, c.path))
    flipped_wrong = any(c.kind == "decision" and c.change == "regressed" for c in changes)
    return Comparison(
        base=_describe(base),
        new=_describe(new),
        tolerance=tolerance,
        resamples=resamples,
        shared_letters=sum(identity(x) in new_by_id for x in base.letters),
        only_base=sorted({letter_label(x) for x in base.letters if identity(x) not in new_by_id}),
        only_new=sorted({letter_label(x) for x in new.letters if identity(x) not in base_ids}),
        metrics=deltas,
        fields=changes,
        gold_changed=sorted(set(gold_changed)),
        regressed=flipped_wrong or any(d.status == "regressed" for d in deltas),
    )
