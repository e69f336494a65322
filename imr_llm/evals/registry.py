"""Scorers, in one registry: a scorer is a function from the run's letter results to metrics,
registered with `@scorer(name, lower_is_better=...)` (the way inspect_ai declares `@scorer`).

A suite names the scorers it wants; `compute_metrics` runs them; `compare` asks the registry which
way each metric should move. A new scorer is one decorated function; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from imr_llm.evals.results import LetterResult
from imr_llm.evals.scoring import Scorecard
from imr_llm.registry import Registry

_T = TypeVar("_T")


@dataclass
class ScoreContext:
    """What scorers share: the field-by-field scorecard (computed once), the price table, and a memo
    of per-letter work that survives across bootstrap resamples (the same letter object is scored
    once, however often a resample draws it)."""

    card: Scorecard
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    memo: dict[tuple[str, int], Any] = field(default_factory=dict)

    def per_letter(self, kind: str, letter: LetterResult, compute: Callable[[LetterResult], _T]) -> _T:
        """`compute(letter)`, once per letter object and kind."""
        key = (kind, id(letter))
        if key not in self.memo:
            self.memo[key] = (letter, compute(letter))  # the letter is kept so its id stays unique
        return self.memo[key][1]  # type: ignore[no-any-return]


ScoreFunction = Callable[[list[LetterResult], ScoreContext], dict[str, float]]


@dataclass(frozen=True)
class Scorer:
    name: str
    function: ScoreFunction
    lower_is_better: tuple[str, ...] = ()  # metric names (or prefixes) where a rise is bad
    cost: tuple[str, ...] = ()  # metrics that describe cost, not quality (reported, never a regression)


SCORERS: Registry[Scorer] = Registry("imr_llm.scorers", "scorer")


def scorer(
    name: str, *, lower_is_better: tuple[str, ...] = (), cost: tuple[str, ...] = ()
) -> Callable[[ScoreFunction], ScoreFunction]:
    """Register the decorated function as the scorer `name`."""

    def register(function: ScoreFunction) -> ScoreFunction:
        SCORERS.register(name, Scorer(name, function, lower_is_better, cost))
        return function

    return register


def get_scorer(name: str) -> Scorer:
    return SCORERS.get_or_fail(name)
