"""Little's law, L = λW: give any two of the three quantities and get the third.

The law holds for any stable system in steady state, whatever the arrival or service
distributions and the queue discipline, and for any part of a system (the queue alone
obeys Lq = λ·Wq). A coffee shop that serves 2 customers a minute, each staying 15 minutes,
holds 30 customers on average, however the queue is organised.

Quantities and units (the kit's vocabulary):

- ``L`` — mean number of items in the system (requests in flight, threads busy), no unit;
- ``arrival_rate`` — λ, items per unit of time (e.g. requests/s);
- ``W`` — mean time an item spends in the system, in the same time unit as λ.

Use one time unit throughout: 12,000 requests/min is 200 requests/s, and with 10 ms in the
system that gives 200 × 0.010 = 2 connections (not 20).

>>> solve(arrival_rate=1000, W=0.2).L
200.0
>>> pool_size(1000, 0.2, target_utilization=0.8)
250

Taught in: Ep51 · 1-foundations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from course.validation import require_non_negative, require_positive

__all__ = ["LittlesLaw", "solve", "concurrency", "pool_size", "ceil_count"]

# Rounding to this many significant digits before a ceiling absorbs floating-point noise
# (100 × 0.07 / 0.7 = 10.000000000000002) without hiding any genuine fraction a sizing
# question has.
_SIGNIFICANT_DIGITS = 9


@dataclass(frozen=True)
class LittlesLaw:
    """The three quantities of Little's law, consistent with each other (L = λ·W).

    Attributes: ``L`` (mean items in the system), ``arrival_rate`` (λ, items per unit
    time), ``W`` (mean time in the system, same time unit as λ).
    """

    L: float
    arrival_rate: float
    W: float


def solve(L: float | None = None, arrival_rate: float | None = None, W: float | None = None):
    """Solve L = λW for the one quantity left as ``None``.

    Give exactly two of ``L`` (items), ``arrival_rate`` (items per unit time) and ``W``
    (time in the system, same time unit). Values must be >= 0; the one you divide by must
    be > 0.

    >>> solve(arrival_rate=3000, W=0.030).L
    90.0
    >>> solve(L=200, arrival_rate=1000).W
    0.2
    >>> solve(L=200, W=0.2).arrival_rate
    1000.0

    Taught in: Ep51 · 1-foundations.
    """
    given = {"L": L, "arrival_rate": arrival_rate, "W": W}
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        if not missing:
            raise ValueError(
                "give exactly two of L, arrival_rate and W and leave the third as None; "
                "all three were given"
            )
        raise ValueError(
            "give exactly two of L, arrival_rate and W; "
            f"missing {' and '.join(missing)}, so there is nothing to solve from"
        )
    if missing == ["L"]:
        arrival_rate = require_non_negative("arrival_rate", arrival_rate)
        W = require_non_negative("W", W)
        L = arrival_rate * W
    elif missing == ["W"]:
        L = require_non_negative("L", L)
        arrival_rate = require_positive("arrival_rate", arrival_rate)
        W = L / arrival_rate
    else:
        L = require_non_negative("L", L)
        W = require_positive("W", W)
        arrival_rate = L / W
    result = LittlesLaw(L=L, arrival_rate=arrival_rate, W=W)
    if not math.isfinite(getattr(result, missing[0])):
        raise ValueError(f"{missing[0]} overflows a float with these inputs; check their units")
    return result


def concurrency(arrival_rate: float, time_in_system: float) -> float:
    """Mean number of items in flight, L = λ·W.

    ``arrival_rate`` in items per unit time, ``time_in_system`` in the same time unit.

    >>> concurrency(12_000 / 60, 0.010)   # 12,000 req/min for 10 ms each
    2.0

    Taught in: Ep51 · 1-foundations.
    """
    time_in_system = require_non_negative("time_in_system", time_in_system)  # not "W"
    return solve(arrival_rate=arrival_rate, W=time_in_system).L


def ceil_count(value: float) -> int:
    """Round a count up, ignoring floating-point noise in the last digits.

    ``math.ceil(100 * 0.07 / 0.7)`` is 11 because the product is 10.000000000000002 in
    binary floating point; rounding to 9 significant digits first gives the intended 10.
    Differences below that (a relative 10⁻⁹) count as noise, anything larger rounds up.

    >>> ceil_count(100 * 0.07 / 0.7), ceil_count(10 / 0.9), ceil_count(250.001)
    (10, 12, 251)

    Taught in: Ep51 · 1-foundations.
    """
    value = require_non_negative("value", value)
    if value == 0:
        return 0
    digits = _SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(value))
    return math.ceil(round(value, digits))


def pool_size(arrival_rate: float, time_in_system: float, target_utilization: float) -> int:
    """Threads (or connections, servers) needed to keep busy ones at ``target_utilization``.

    ⌈L / target⌉ with L = λW: a pool sized exactly to L would be 100 % busy and queue
    without bound, so plan for headroom. ``target_utilization`` lies in (0, 1].

    >>> pool_size(1000, 0.2, 0.8)      # 200 concurrent at 80 % -> 250 threads
    250
    >>> pool_size(10, 1.0, 0.9)        # 10/0.9 = 11.1 -> 12, never 11
    12

    Taught in: Ep51 · 1-foundations.
    """
    target = require_positive("target_utilization", target_utilization)
    if target > 1:
        raise ValueError(f"target_utilization must lie in (0, 1]; got {target:g}")
    needed = concurrency(arrival_rate, time_in_system) / target
    if not math.isfinite(needed):
        raise ValueError(f"target_utilization {target:g} is too small: the pool size overflows")
    return ceil_count(needed)
