"""Uphold rates by group with intervals that respect letters: a cluster bootstrap over letters.

Items of one letter are not independent (one reviewer, one worker, one set of records; one letter can hold
21 items), so resampling items would give intervals too narrow. Each resample draws *letters* with
replacement (all their items come along) and recomputes every group's rate from the drawn letters; the
interval holds the middle 95% of those rates (percentile interval). One set of resamples serves every group
and every table, so the same seed gives the same intervals. A group with few letters gets a wide interval
and is marked small: with fewer than `min_letters` letters the bootstrap itself is unreliable. Where every
resample gives the same rate (a group whose items were all upheld), the percentile interval would be a single
point; there the interval is the Wilson score interval with the letters as the sample size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DEFAULT_RESAMPLES = 1000
DEFAULT_MIN_LETTERS = 10


@dataclass(frozen=True)
class GroupRate:
    group: str
    letters: int
    items: int  # items with a decision
    upheld: int
    overturned: int
    rate: float | None  # share upheld
    low: float | None
    high: float | None
    small: bool


def wilson(rate: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a share `rate` of `n` observations."""
    if n <= 0:
        return 0.0, 1.0
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def letter_weights(n_letters: int, resamples: int, seed: int) -> npt.NDArray[np.float32]:
    """resamples x letters: how often each letter is drawn in each resample."""
    rng = np.random.default_rng(seed)
    weights = np.zeros((resamples, n_letters), dtype=np.float32)
    for b in range(resamples):
        weights[b] = np.bincount(rng.integers(0, n_letters, size=n_letters), minlength=n_letters)
    return weights


def group_rates(
    letter_of: npt.NDArray[np.int64],
    group_of: npt.NDArray[np.int64],
    upheld: npt.NDArray[np.float32],
    groups: list[str],
    weights: npt.NDArray[np.float32],
    min_letters: int = DEFAULT_MIN_LETTERS,
) -> list[GroupRate]:
    """Rates per group from membership rows (one row per decided item and group it belongs to)."""
    n_letters = weights.shape[1]
    n_groups = len(groups)
    counts = np.zeros((n_letters, n_groups), dtype=np.float32)
    ups = np.zeros((n_letters, n_groups), dtype=np.float32)
    np.add.at(counts, (letter_of, group_of), 1.0)
    np.add.at(ups, (letter_of, group_of), upheld)
    drawn_n = weights @ counts
    drawn_u = weights @ ups
    with np.errstate(invalid="ignore", divide="ignore"):
        drawn = drawn_u / drawn_n
    out = []
    for g, name in enumerate(groups):
        items = int(counts[:, g].sum())
        up = int(ups[:, g].sum())
        letters = int((counts[:, g] > 0).sum())
        if items == 0:
            out.append(GroupRate(name, 0, 0, 0, 0, None, None, None, True))
            continue
        column = drawn[:, g]
        column = column[~np.isnan(column)]
        low, high = (
            (float(np.percentile(column, 2.5)), float(np.percentile(column, 97.5))) if column.size else (None, None)
        )
        if low is None or high is None or high - low < 1e-9:
            # every resample gives the same rate (all upheld, or none): the bootstrap cannot see beyond what was
            # drawn, so the interval is the Wilson score interval counting each letter once (a conservative
            # effective sample size: the letters, not the items)
            low, high = wilson(up / items, letters)
        out.append(GroupRate(name, letters, items, up, items - up, up / items, low, high, letters < min_letters))
    return out
