"""From stored letter results to flat metrics, through the scorer registry."""

from __future__ import annotations

from typing import Any

from imr_llm.evals import scorers as _builtin  # noqa: F401  (registers the built-in scorers)
from imr_llm.evals.registry import SCORERS, ScoreContext, get_scorer
from imr_llm.evals.results import LetterResult
from imr_llm.evals.scoring import LLM_SCOPE, PARSER_SCOPE, FieldResult, FieldScope, Scorecard

__all__ = ["SCORERS", "LetterResult", "compute_metrics", "field_results", "is_cost_metric", "lower_is_better"]

# metrics every run has, whatever its scorers: a rise is bad
_BASE_LOWER_IS_BETTER = ("errors", "llm_failures")


def scope_of(letter: LetterResult) -> FieldScope:
    """A model's own answer is scored on the fields it was asked for; the parser's record on all of them."""
    return LLM_SCOPE if letter.llm is not None else PARSER_SCOPE


def _letter_card(letter: LetterResult) -> Scorecard:
    card = Scorecard()
    card.add(f"{letter.name} ({letter.input})", letter.gold, letter.scored(), scope_of(letter))
    return card


def field_results(letters: list[LetterResult], ctx: ScoreContext | None = None) -> tuple[Scorecard, list[FieldResult]]:
    """The scorecard of these letters (each letter's part computed once per `ctx`)."""
    card = Scorecard()
    for letter in letters:
        card.extend(ctx.per_letter("card", letter, _letter_card) if ctx is not None else _letter_card(letter))
    return card, card.results


def compute_metrics(
    letters: list[LetterResult],
    scorers: list[str],
    prices: dict[str, dict[str, float]] | None = None,
    memo: dict[tuple[str, int], Any] | None = None,
) -> tuple[dict[str, float], list[FieldResult]]:
    """All metrics of the chosen scorers, and the per-field results behind them. Pass the same `memo`
    to score many resamples of one run: each letter's own work is then done once."""
    context = ScoreContext(Scorecard(), prices or {}, memo if memo is not None else {})
    card, results = field_results(letters, context)
    context.card = card
    metrics: dict[str, float] = {
        "letters": float(len(letters)),
        "errors": float(sum(x.error is not None for x in letters)),
    }
    llm_failures = [x.error_kind for x in letters if x.error_kind and x.error_kind.startswith("llm_")]
    if llm_failures:  # the model failed on these (the parser's record was kept for the user)
        metrics["llm_failures"] = float(len(llm_failures))
        for kind in sorted(set(llm_failures)):
            metrics[f"llm_failures.{kind.removeprefix('llm_')}"] = float(llm_failures.count(kind))
    for name in scorers:
        metrics |= get_scorer(name).function(letters, context)
    return {k: round(v, 6) for k, v in metrics.items()}, results


def lower_is_better(metric: str) -> bool:
    """Whether a rise of `metric` is bad; everything else is better when higher."""
    prefixes = _BASE_LOWER_IS_BETTER + tuple(p for s in SCORERS.values() for p in s.lower_is_better)
    return metric.startswith(prefixes)


def is_cost_metric(metric: str) -> bool:
    return metric.startswith(tuple(p for s in SCORERS.values() for p in s.cost))
