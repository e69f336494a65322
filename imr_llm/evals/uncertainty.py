"""How sure a metric is: bootstrap intervals over letters, and the paired difference of two runs.

On about 40 letters one item moves item F1 by almost 0.01, so a bare number cannot carry a
decision. Every metric gets a 95% percentile interval from resampling the *letters* (all
renderings of a letter move together: its text and its PDF are not independent evidence),
seeded, so a run file reproduces. Two runs are compared on the letters they share, matched by
identity (case number and the hash of the input), resampling the same letters in both: the
interval of the difference is much narrower than either run's own, because both runs read the
same hard letters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from imr_llm.evals.metrics import compute_metrics
from imr_llm.evals.results import LetterResult
from imr_llm.regular import read_bytes

__all__ = [
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "Bootstrap",
    "Difference",
    "bootstrap_intervals",
    "identity",
    "input_hash",
    "paired_differences",
]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 17
CONFIDENCE = 0.95


class Bootstrap(BaseModel):
    """How the intervals in a run file were made (so anyone can make them again)."""

    resamples: int
    seed: int
    confidence: float = CONFIDENCE
    unit: str = "letter"  # what is resampled: letters, all their renderings together
    letters: int = 0  # how many letters were resampled (n)


class Difference(BaseModel):
    """new - base on the shared letters, with the paired bootstrap interval."""

    metric: str
    base: float
    new: float
    delta: float
    low: float
    high: float


def input_hash(path: str) -> str | None:
    """SHA-256 of an input file (or of a folder of page images, in name order), None when gone."""
    p = Path(path)
    digest = hashlib.sha256()
    try:
        if p.is_dir():
            for page in sorted(p.iterdir()):
                digest.update(page.name.encode() + b"\0" + read_bytes(page))
        else:
            digest.update(read_bytes(p))
    except OSError:
        return None
    return digest.hexdigest()


def _case(letter: LetterResult) -> str:
    """The gold's case number (never the extracted one: that is what is being scored), else the name."""
    return str(letter.gold.get("case_number") or letter.name)


def identity(letter: LetterResult) -> str:
    """Which input this is, wherever it was read from: case number + hash of the input (+ the repeat)."""
    sha = letter.input_sha256 or ((letter.record or letter.parser or {}).get("source") or {}).get("sha256")
    base = f"{_case(letter)}:{sha or Path(letter.input).name}"
    return f"{base}#{letter.epoch}" if letter.epoch else base


def _groups(letters: Iterable[LetterResult]) -> list[list[list[LetterResult]]]:
    """Letters grouped by case (the unit resampled first), and within a case by repeat (resampled second)."""
    by_case: dict[str, dict[int, list[LetterResult]]] = {}
    for letter in letters:
        by_case.setdefault(_case(letter), {}).setdefault(letter.epoch, []).append(letter)
    return [list(epochs.values()) for epochs in by_case.values()]


def _draw(groups: list[list[Any]], rng: np.random.Generator) -> list[tuple[int, int]]:
    """One two-stage resample: letters with replacement, then each drawn letter's repeats with replacement
    (so an interval covers both which letters were read and the model's own randomness; with one repeat it
    is the letter bootstrap). Returned as (letter, repeat) indexes."""
    picked: list[tuple[int, int]] = []
    for k in rng.integers(0, len(groups), len(groups)):
        repeats = len(groups[int(k)])
        for r in rng.integers(0, repeats, repeats) if repeats > 1 else [0]:
            picked.append((int(k), int(r)))
    return picked


def _sample(groups: list[list[list[LetterResult]]], picked: list[tuple[int, int]]) -> list[LetterResult]:
    return [letter for k, r in picked for letter in groups[k][r]]


def _interval(values: list[float]) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(np.asarray(values, dtype=float), [tail, 100 - tail])
    return round(float(low), 6), round(float(high), 6)


def bootstrap_intervals(
    letters: list[LetterResult],
    scorers: list[str],
    prices: dict[str, dict[str, float]] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    memo: dict[tuple[str, int], object] | None = None,
) -> tuple[dict[str, tuple[float, float]], Bootstrap]:
    """A percentile interval for every metric, from `resamples` draws of the letters (`memo`: the
    per-letter work of an earlier scoring of the same letter objects, reused)."""
    groups = _groups(letters)
    info = Bootstrap(resamples=resamples, seed=seed, letters=len(groups))
    if max((len(g) for g in groups), default=1) > 1:
        info.unit = "letter, then repeat within the letter"
    if resamples <= 0 or not groups:
        return {}, info
    rng = np.random.default_rng(seed)
    memo = memo if memo is not None else {}
    draws: dict[str, list[float]] = {}
    for _ in range(resamples):
        sample = _sample(groups, _draw(groups, rng))
        metrics, _ = compute_metrics(sample, scorers, prices, memo)
        for name, value in metrics.items():
            draws.setdefault(name, []).append(value)
    # a metric a resample could not compute (no item with a reason annotation drawn) is left out
    return {m: _interval(v) for m, v in draws.items() if len(v) == resamples}, info


def paired_differences(
    base: list[LetterResult],
    new: list[LetterResult],
    scorers: list[str],
    prices: dict[str, dict[str, float]] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Difference]:
    """new - base for every metric, on the letters both runs have, resampled together."""
    new_by_id = {identity(x): x for x in new}
    pairs = [(b, new_by_id[identity(b)]) for b in base if identity(b) in new_by_id]
    if not pairs:
        return {}
    by_case: dict[str, dict[int, list[tuple[LetterResult, LetterResult]]]] = {}
    for b, n in pairs:
        by_case.setdefault(_case(b), {}).setdefault(b.epoch, []).append((b, n))
    groups = [list(epochs.values()) for epochs in by_case.values()]
    memo_base: dict[tuple[str, int], object] = {}
    memo_new: dict[tuple[str, int], object] = {}
    full_base, _ = compute_metrics([b for b, _ in pairs], scorers, prices, memo_base)
    full_new, _ = compute_metrics([n for _, n in pairs], scorers, prices, memo_new)
    shared = sorted(set(full_base) & set(full_new))
    draws: dict[str, list[float]] = {m: [] for m in shared}
    rng = np.random.default_rng(seed)
    for _ in range(max(0, resamples)):
        picked = [groups[k][r] for k, r in _draw(groups, rng)]
        mb, _ = compute_metrics([b for g in picked for b, _ in g], scorers, prices, memo_base)
        mn, _ = compute_metrics([n for g in picked for _, n in g], scorers, prices, memo_new)
        for m in shared:
            if m in mb and m in mn:
                draws[m].append(mn[m] - mb[m])
    out: dict[str, Difference] = {}
    for m in shared:
        delta = round(full_new[m] - full_base[m], 6)
        low, high = _interval(draws[m]) if len(draws[m]) == resamples and resamples > 0 else (delta, delta)
        out[m] = Difference(metric=m, base=full_base[m], new=full_new[m], delta=delta, low=low, high=high)
    return out
