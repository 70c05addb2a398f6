"""Balls into bins: the maximum load with one random choice and with the better of d choices.

Throw n balls into n bins. With one uniformly random bin per ball, the fullest bin holds
(1 + o(1)) ln n / ln ln n balls; letting each ball look at d ≥ 2 random bins and join the
least loaded one drops that to ln ln n / ln d + O(1) (Azar, Broder, Karlin & Upfal, 1994:
stated, not derived here). The "o(1)" and "O(1)" hide a lot at sizes anyone simulates:
at n = 10⁶ the formulas say 5.3 and 3.8, while a simulation gives 9–10 and 4. Show both.

>>> max_load(1000, choices=2, seed=1) <= max_load(1000, choices=1, seed=1)
True
>>> round(one_choice_formula(10**6), 2), round(d_choice_formula(10**6, 2), 2)
(5.26, 3.79)

Taught in: Ep18 · 1-foundations.
"""

from __future__ import annotations

import math

import numpy as np

from course.sim.jit import njit
from course.sim.streams import spawn_generators
from course.validation import require_int

__all__ = ["bin_loads", "max_load", "max_load_table", "one_choice_formula", "d_choice_formula"]

#: Largest n the simulation accepts (10⁷ balls take about a second in the compiled loop).
MAX_BINS = 10**7


@njit(cache=True)
def _least_loaded(candidates, bins):
    """Drop each ball into the least loaded of its row of candidate bins (first one on a tie)."""
    balls, choices = candidates.shape
    loads = np.zeros(bins, dtype=np.int64)
    for ball in range(balls):
        best = candidates[ball, 0]
        for k in range(1, choices):
            other = candidates[ball, k]
            if loads[other] < loads[best]:
                best = other
        loads[best] += 1
    return loads


def bin_loads(bins: int, choices: int = 1, seed=0, balls: int | None = None) -> np.ndarray:
    """Balls per bin after ``balls`` balls (default: as many as bins) each join the least loaded of ``choices`` random bins.

    Candidate bins are drawn uniformly, independently (with replacement), from one seeded stream.

    >>> int(bin_loads(100, choices=2, seed=3).sum())
    100
    """
    bins = require_int("bins", bins, minimum=2, maximum=MAX_BINS)
    choices = require_int("choices", choices, minimum=1, maximum=8)
    balls = bins if balls is None else require_int("balls", balls, minimum=1, maximum=MAX_BINS)
    rng = spawn_generators(seed, 1)[0]
    candidates = rng.integers(0, bins, size=(balls, choices))
    if choices == 1:
        return np.bincount(candidates[:, 0], minlength=bins)
    return _least_loaded(candidates, bins)


def max_load(bins: int, choices: int = 1, seed=0) -> int:
    """The fullest bin after n balls go into n bins (``bins`` = n) with ``choices`` random choices each.

    >>> max_load(10, choices=1, seed=0) >= 1
    True
    """
    return int(bin_loads(bins, choices, seed).max())


def max_load_table(sizes, choices=(1, 2), seeds=range(5)) -> list[dict]:
    """Tidy rows (bins, choices, seed, max_load, formula) for every size × choices × seed.

    ``formula`` is ln n / ln ln n for one choice and ln ln n / ln d for d ≥ 2.

    >>> rows = max_load_table([1000], choices=(1, 2), seeds=[0])
    >>> [row["choices"] for row in rows]
    [1, 2]
    """
    rows = []
    for bins in sizes:
        for d in choices:
            formula = one_choice_formula(bins) if d == 1 else d_choice_formula(bins, d)
            for seed in seeds:
                rows.append({"bins": int(bins), "choices": int(d), "seed": seed,
                             "max_load": max_load(bins, d, seed), "formula": formula})
    return rows


def one_choice_formula(bins: int) -> float:
    """ln n / ln ln n: the leading term of the one-choice maximum load (balls per bin).

    >>> round(one_choice_formula(1000), 3)
    3.574
    """
    bins = require_int("bins", bins, minimum=16)   # ln ln n > 1 from n = 16 on
    return math.log(bins) / math.log(math.log(bins))


def d_choice_formula(bins: int, choices: int = 2) -> float:
    """ln ln n / ln d: the leading term of the maximum load with d ≥ 2 choices (balls per bin).

    >>> round(d_choice_formula(1000, 2), 3)
    2.788
    """
    bins = require_int("bins", bins, minimum=16)
    choices = require_int("choices", choices, minimum=2, maximum=8)
    return math.log(math.log(bins)) / math.log(choices)
