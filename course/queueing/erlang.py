"""Erlang's formulas: B for a loss system, C for a queue with c servers.

An exchange with c lines and A Erlangs of offered traffic (A = λ/μ, the mean number of
calls that would be in progress) loses a share B(c, A) of calls when every line is busy;
if callers wait instead of hanging up, a share C(c, A) of them waits. Both are computed
by the stable recursion B(k) = A·B(k−1) / (k + A·B(k−1)), never by A^c/c!, so that
thousands of servers stay exact. Scalars give floats; arrays (broadcast) give arrays, in
one vectorised sweep (a 100 × 60 grid takes about a millisecond).

The recursion is written once, in :func:`erlang_b_step`. Every Erlang number of the kit
comes from it: ``erlang_b``/``erlang_c`` here, the tables ``erlang_b_table`` and
``erlang_c_table`` (every c = 0..N at one load in one pass: staffing curves, pool sizing),
the sizing searches of :mod:`course.queueing.markovian` and the Jackson networks of
:mod:`course.queueing.networks`.

>>> round(erlang_b(10, 9.0), 6), round(erlang_c(10, 9.0), 6)
(0.167963, 0.668732)
>>> bool(erlang_c_table(12, 9.0)[10] == erlang_c(10, 9.0))
True

Taught in: Ep51 · 1-foundations.
"""

from __future__ import annotations

import math

import numpy as np

from course.validation import array_ndim, require_int, require_non_negative, require_stable

# erlang_b_step is left out on purpose: the unchecked inner step, for this kit's own loops.
__all__ = ["erlang_b", "erlang_c", "erlang_b_table", "erlang_c_table", "STABILITY", "MAX_SERVERS"]

#: How the queueing models name the quantity that must stay below 1.
STABILITY = "utilization = arrival_rate / (servers × service_rate)"

#: The recursion costs one step per server; a million (≈ 0.4 s) is far beyond any
#: staffing question of the course, and the cap keeps a typo from hanging a notebook.
MAX_SERVERS = 1_000_000


def require_finite_quantities(model, names) -> None:
    """Raise ValueError if any quantity of a queueing ``model`` overflows a float.

    Rates such as 1e-320 or 1e300 pass the range checks but make S = 1/μ or L = λW
    infinite; refuse them when the model is built rather than hand back infinities.
    """
    for name in names:
        value = getattr(model, name)
        if not math.isfinite(value):
            raise ValueError(
                f"{name} of this model is not a finite number ({value}): arrival_rate "
                f"{model.arrival_rate:g} and service_rate {model.service_rate:g} are too "
                "extreme for floating point; check their units"
            )


def erlang_b(servers, offered_load):
    """Erlang B: probability that an arrival finds all ``servers`` busy in a loss system.

    Uses the recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), which stays exact for
    thousands of servers, where the textbook A^c/c! overflows. ``offered_load`` A = λ/μ is
    in Erlangs. Scalars give a float; arrays (broadcast against each other) give an array.

    >>> round(erlang_b(10, 9.0), 6)
    0.167963
    >>> erlang_b(1000, 950.0) < 0.02
    True

    Taught in: Ep51 · 1-foundations.
    """
    if array_ndim("servers", servers) == 0 and array_ndim("offered_load", offered_load) == 0:
        count = require_int("servers", servers, minimum=0, maximum=MAX_SERVERS)
        return float(erlang_b_table(count, offered_load)[count])
    counts, loads = _erlang_arrays(servers, offered_load)
    return _erlang_b_grid(counts, loads)


def erlang_c(servers, offered_load):
    """Erlang C: probability that an arrival has to wait in an M/M/c queue.

    C = B / (1 − ρ(1 − B)) with B = Erlang B and ρ = A/c. Needs A < c: with A ≥ c the
    servers cannot keep up and the queue grows without bound. Scalars or arrays.

    >>> [round(erlang_c(c, 0.8 * c), 3) for c in (2, 4, 8, 16)]
    [0.711, 0.596, 0.458, 0.305]

    Taught in: Ep51 · 1-foundations.
    """
    if array_ndim("servers", servers) == 0 and array_ndim("offered_load", offered_load) == 0:
        count = require_int("servers", servers, minimum=1, maximum=MAX_SERVERS)
        load = require_non_negative("offered_load", offered_load)
        rho = require_stable(f"offered_load / servers ({STABILITY})", load / count)
        blocking = erlang_b(count, load)
        return blocking / (1.0 - rho * (1.0 - blocking))
    counts, loads = _erlang_arrays(servers, offered_load, minimum=1)
    rho = loads / counts
    if np.any(rho >= 1):
        require_stable(f"offered_load / servers ({STABILITY})", float(rho.max()))
    blocking = _erlang_b_grid(counts, loads)
    return blocking / (1.0 - rho * (1.0 - blocking))


def erlang_b_step(servers: int, offered_load, previous):
    """B(c, A) from ``previous`` = B(c − 1, A): one step of B(c) = A·B(c−1) / (c + A·B(c−1)).

    The kit's one Erlang B recursion. ``servers`` c >= 1, ``offered_load`` A in Erlangs;
    ``offered_load`` and ``previous`` may be floats or arrays. No checks: callers check
    their arguments once, then step (this is the inner loop).

    >>> blocking = 1.0                      # B(0, A) = 1: no line, every call lost
    >>> for c in range(1, 11):
    ...     blocking = erlang_b_step(c, 9.0, blocking)
    >>> blocking == erlang_b(10, 9.0)
    True
    """
    carried = offered_load * previous
    return carried / (servers + carried)


def erlang_b_table(max_servers: int, offered_load: float) -> np.ndarray:
    """Erlang B for every c = 0, 1, …, ``max_servers`` at one ``offered_load`` A (Erlangs).

    Entry c is B(c, A), the recursion's value after c steps, so one pass (O(N)) answers a
    whole staffing curve. ``max_servers`` lies in [0, MAX_SERVERS].

    >>> erlang_b_table(3, 2.0).round(4).tolist()
    [1.0, 0.6667, 0.4, 0.2105]

    Taught in: Ep51 · 1-foundations.
    """
    count = require_int("max_servers", max_servers, minimum=0, maximum=MAX_SERVERS)
    load = require_non_negative("offered_load", offered_load)
    blocking = [1.0] * (count + 1)
    for k in range(1, count + 1):
        blocking[k] = erlang_b_step(k, load, blocking[k - 1])
    return np.array(blocking)


def erlang_c_table(max_servers: int, offered_load: float) -> np.ndarray:
    """Erlang C for every c = 0, 1, …, ``max_servers`` at one ``offered_load`` A (Erlangs).

    Entry c is P(wait) in M/M/c, C = B / (1 − ρ(1 − B)) with ρ = A/c, from one pass of the
    Erlang B recursion. Where c ≤ A (including c = 0) the servers cannot keep up and every
    arrival eventually waits: the entry is 1.0. Pick pool sizes by indexing:
    ``erlang_c_table(int(pools.max()), A)[pools]``.

    >>> erlang_c_table(4, 2.0).round(4).tolist()
    [1.0, 1.0, 1.0, 0.4444, 0.1739]

    Taught in: Ep51 · 1-foundations.
    """
    blocking = erlang_b_table(max_servers, offered_load)
    load = float(offered_load)
    servers = np.arange(blocking.size)
    stable = servers > load
    rho = load / servers[stable]
    waiting = np.ones(blocking.size)
    waiting[stable] = blocking[stable] / (1.0 - rho * (1.0 - blocking[stable]))
    return waiting


def _erlang_arrays(servers, offered_load, minimum=0):
    try:
        counts = np.asarray(servers, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("servers must be a whole number or an array of them") from None
    try:
        loads = np.asarray(offered_load, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("offered_load must be a number or an array of numbers") from None
    if counts.size == 0 or not np.all(np.isfinite(counts)) or np.any(counts != np.round(counts)):
        raise ValueError("servers must contain whole numbers")
    if np.any(counts < minimum) or np.any(counts > MAX_SERVERS):
        raise ValueError(f"servers must lie in [{minimum}, {MAX_SERVERS}]")
    if loads.size == 0 or not np.all(np.isfinite(loads)) or np.any(loads < 0):
        raise ValueError("offered_load must contain finite numbers >= 0")
    try:
        counts, loads = np.broadcast_arrays(counts.astype(np.int64), loads)
    except ValueError:
        raise ValueError("servers and offered_load must have broadcastable shapes") from None
    return counts, loads


def _erlang_b_grid(counts: np.ndarray, loads: np.ndarray) -> np.ndarray:
    """Erlang B over arrays: one recursion sweep, each cell frozen once k reaches its c."""
    blocking = np.ones(np.broadcast(counts, loads).shape)
    for k in range(1, int(counts.max(initial=0)) + 1):
        blocking = np.where(k <= counts, erlang_b_step(k, loads, blocking), blocking)
    return blocking
