"""N/R/W quorums: when a read can miss the latest write, and what waiting for R or W replies costs.

A key lives on N replicas. A write returns after W of them acknowledged, a read after R replied.
If R + W > N every read set meets every write set, so a read sees the latest acknowledged
write (for a single register without sloppy quorum). If R + W ≤ N a read can miss it: just after
a write reached exactly W replicas, a read of R random replicas misses all of them with
probability C(N−W, R) / C(N, R) — :func:`stale_read_probability`. The Dynamo paper's typical
setting is N = 3, R = 2, W = 2.

Latency: an operation waits for the k-th fastest of the replicas that are up (k = R or W);
with fewer than k up it fails (a strict quorum) — :func:`quorum_latency` measures percentiles.

>>> stale_read_probability(3, 1, 1)      # C(2,1)/C(3,1)
0.6666666666666666
>>> stale_read_probability(3, 2, 2)
0.0

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

from math import comb

import numpy as np

from course.sim.streams import spawn_generators
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["check_nrw", "stale_read_probability", "quorum_latency", "simulate_stale_reads"]


def check_nrw(n: int, r: int, w: int) -> tuple[int, int, int]:
    """Validate N >= 1 and 1 <= R, W <= N; return them as ints."""
    n = require_int("n", n, minimum=1, maximum=99)
    r = require_int("r", r, minimum=1, maximum=n)
    w = require_int("w", w, minimum=1, maximum=n)
    return n, r, w


def stale_read_probability(n: int, r: int, w: int) -> float:
    """Chance that R random replicas all miss a write held by exactly W of N: C(N−W, R)/C(N, R).

    >>> round(stale_read_probability(5, 2, 2), 4)   # C(3,2)/C(5,2) = 3/10
    0.3
    """
    n, r, w = check_nrw(n, r, w)
    return comb(n - w, r) / comb(n, r)


def quorum_latency(n: int, k: int, failures: int = 0, base: float = 0.002, mean_extra: float = 0.008,
                   trials: int = 20_000, seed: int = 16, sloppy: bool = False) -> dict:
    """Latency (s) of waiting for k of n replicas, each ``base`` + Exponential(``mean_extra``) s.

    ``failures`` replicas do not answer. With fewer than k up, a strict quorum fails
    (``available`` = False); a *sloppy* quorum asks the next healthy nodes on the ring instead,
    which answer like any replica. Returns p50, p99, p99.9 (s) and availability.

    >>> q = quorum_latency(3, 2, trials=1000, seed=1)
    >>> q["available"], q["p50"] < q["p99"] < q["p999"]
    (True, True)
    """
    n = require_int("n", n, minimum=1, maximum=99)
    k = require_int("k", k, minimum=1, maximum=n)
    failures = require_int("failures", failures, minimum=0, maximum=n)
    require_non_negative("base", base)
    require_positive("mean_extra", mean_extra)
    trials = require_int("trials", trials, minimum=1, maximum=10_000_000)
    up = n - failures
    if up < k and not sloppy:
        return {"available": False, "p50": None, "p99": None, "p999": None, "answering": up}
    answering = up if up >= k else k   # sloppy: fallback nodes make up the shortfall
    (rng,) = spawn_generators(seed, 1)
    replies = base + rng.exponential(mean_extra, size=(trials, answering))
    kth = np.partition(replies, k - 1, axis=1)[:, k - 1]
    p50, p99, p999 = np.percentile(kth, [50, 99, 99.9])
    return {"available": True, "p50": float(p50), "p99": float(p99), "p999": float(p999), "answering": answering}


def simulate_stale_reads(n: int, r: int, w: int, read_after: float = 0.0, mean_propagation: float = 0.005,
                         trials: int = 20_000, seed: int = 16) -> dict:
    """Monte Carlo of a write then a read ``read_after`` s after the write was acknowledged.

    The write reaches each of N replicas after an Exponential(``mean_propagation``) delay and is
    acknowledged at the W-th arrival; the read asks R random replicas at ack time + read_after;
    it is stale if none of them has the write yet. At read_after = 0 exactly W replicas hold the
    write, so the rate estimates :func:`stale_read_probability`; it is 0 when R + W > N and falls
    as ``read_after`` grows (the write keeps spreading).

    >>> simulate_stale_reads(3, 2, 2, trials=2000)["stale"]
    0.0
    """
    n, r, w = check_nrw(n, r, w)
    require_non_negative("read_after", read_after)
    require_positive("mean_propagation", mean_propagation)
    trials = require_int("trials", trials, minimum=1, maximum=10_000_000)
    delivery, choice = spawn_generators(seed, 2)
    arrive = delivery.exponential(mean_propagation, size=(trials, n))
    acked = np.sort(arrive, axis=1)[:, w - 1]
    read_at = acked + read_after
    has_it = arrive <= read_at[:, None]
    picks = np.argsort(choice.random((trials, n)), axis=1)[:, :r]
    seen = np.take_along_axis(has_it, picks, axis=1).any(axis=1)
    return {"stale": float(1 - seen.mean()), "bound": stale_read_probability(n, r, w), "trials": trials}
