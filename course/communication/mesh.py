"""A service-mesh data plane: sidecar cost per hop, retries, and Envoy's outlier detection.

Outlier detection follows Envoy's documented defaults (``consecutive_5xx`` = 5,
``base_ejection_time`` = 30 s, ``max_ejection_time`` = 300 s, ``max_ejection_percent`` = 10):
a host returning 5 consecutive 5xx is ejected for 30 s × the number of times it has been
ejected, capped at 300 s; at most 10 % of the hosts are ejected at once, but at least one may
always be. :func:`simulate_mesh` runs a client-side load balancer over ``hosts`` with one
*gray-failing* host (it answers, but a share of its answers are 5xx) on the course's event
loop (:class:`course.sim.EventLoop`), seeded.

>>> ejection_time(1), ejection_time(3), ejection_time(20)
(30.0, 90.0, 300.0)
>>> max_ejected(10), max_ejected(5), max_ejected(40, percent=50)
(1, 1, 20)
>>> run = simulate_mesh(hosts=10, gray_error_rate=0.5, duration=60.0, seed=7)
>>> run.success_rate > simulate_mesh(hosts=10, gray_error_rate=0.5, duration=60.0, seed=7,
...                                  outlier_detection=False).success_rate
True

Taught in: Ep15 · 1-foundations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from course.sim import EventLoop, spawn_generators
from course.validation import (
    require_int,
    require_non_negative,
    require_positive,
    require_probability,
)

#: Envoy's outlier-detection defaults (envoy.config.cluster.v3.OutlierDetection).
ENVOY_DEFAULTS = {"consecutive_5xx": 5, "base_ejection_time": 30.0, "max_ejection_time": 300.0,
                  "max_ejection_percent": 10.0}
#: Largest simulated run, in requests (rate × duration).
MAX_REQUESTS = 2_000_000


def ejection_time(ejections: int, base: float = 30.0, cap: float = 300.0) -> float:
    """Seconds a host stays ejected on its ``ejections``-th ejection: min(base × ejections, cap)."""
    ejections = require_int("ejections", ejections, minimum=1)
    return min(require_positive("base", base) * ejections, require_positive("cap", cap))


def max_ejected(hosts: int, percent: float = 10.0) -> int:
    """How many of ``hosts`` may be ejected at once: ⌊hosts × percent / 100⌋, but at least one."""
    hosts = require_int("hosts", hosts, minimum=1)
    percent = float(percent)
    if not 0.0 <= percent <= 100.0:
        raise ValueError(f"percent must be in [0, 100] (got {percent})")
    return max(1, math.floor(hosts * percent / 100 + 1e-9))


def sidecar_overhead(hops: int, per_proxy_ms: float, per_proxy_cpu_ms: float = 0.0) -> dict:
    """Latency (ms) and CPU (ms per request) the mesh adds to a call chain of ``hops`` hops.

    Each hop passes two sidecars (the caller's outbound and the callee's inbound proxy), so
    a chain of ``hops`` hops adds ``2 × hops × per_proxy_ms``.

    >>> sidecar_overhead(3, per_proxy_ms=0.5, per_proxy_cpu_ms=0.2)
    {'proxies': 6, 'latency_ms': 3.0, 'cpu_ms': 1.2000000000000002}
    """
    hops = require_int("hops", hops, minimum=0)
    proxies = 2 * hops
    return {"proxies": proxies, "latency_ms": proxies * require_non_negative("per_proxy_ms", per_proxy_ms),
            "cpu_ms": proxies * require_non_negative("per_proxy_cpu_ms", per_proxy_cpu_ms)}


@dataclass
class MeshRun:
    """Result of :func:`simulate_mesh`: per-request outcome and every ejection."""

    times: np.ndarray                 #: arrival time of each request (s)
    ok: np.ndarray                    #: True if the request finally succeeded
    attempts: np.ndarray              #: attempts used (1 + retries)
    ejections: list[tuple[float, int, float]] = field(default_factory=list)  #: (time, host, seconds)
    gray_host: int = 0

    @property
    def success_rate(self) -> float:
        """Share of requests that finally succeeded."""
        return float(self.ok.mean()) if self.ok.size else 1.0

    @property
    def load_factor(self) -> float:
        """Attempts per request (≥ 1): the extra load retries put on the hosts."""
        return float(self.attempts.mean()) if self.attempts.size else 1.0


def simulate_mesh(hosts: int = 10, gray_error_rate: float = 0.5, rate: float = 100.0,
                  duration: float = 120.0, seed=0, retries: int = 0,
                  outlier_detection: bool = True, consecutive_5xx: int = 5,
                  base_ejection_time: float = 30.0, max_ejection_time: float = 300.0,
                  max_ejection_percent: float = 10.0, base_error_rate: float = 0.0) -> MeshRun:
    """Poisson requests at ``rate`` per s, each sent to a random non-ejected host; host 0 gray-fails.

    The gray host answers 5xx with probability ``gray_error_rate``, the others with
    ``base_error_rate``. A failed attempt is retried up to ``retries`` times on another
    random host. With ``outlier_detection``, a host with ``consecutive_5xx`` 5xx in a row is
    ejected per Envoy's rule (see the module docstring). Times in seconds.
    """
    hosts = require_int("hosts", hosts, minimum=1, maximum=10_000)
    gray = require_probability("gray_error_rate", gray_error_rate)
    base = require_probability("base_error_rate", base_error_rate)
    rate = require_positive("rate", rate)
    duration = require_positive("duration", duration)
    retries = require_int("retries", retries, minimum=0, maximum=10)
    threshold = require_int("consecutive_5xx", consecutive_5xx, minimum=1)
    if rate * duration > MAX_REQUESTS:
        raise ValueError(f"rate × duration must be ≤ {MAX_REQUESTS:,} requests (got {rate * duration:,.0f})")
    cap = max_ejected(hosts, max_ejection_percent)
    ejection_time(1, base_ejection_time, max_ejection_time)   # checks both times
    arrivals_rng, pick_rng, fail_rng = spawn_generators(seed, 3)
    count = arrivals_rng.poisson(rate * duration)
    times = np.sort(arrivals_rng.uniform(0.0, duration, count))
    error_rate = np.full(hosts, base)
    error_rate[0] = gray

    # uniforms drawn in blocks up front: one pick and one outcome per possible attempt
    picks = pick_rng.random((count, retries + 1))
    outcomes = fail_rng.random((count, retries + 1))
    if not outlier_detection:
        # no feedback from answers to routing: every request is independent, so the same
        # draws give the same outcomes as the event loop below, computed in bulk
        ok, attempts = _independent_requests(picks, outcomes, error_rate, hosts)
        return MeshRun(times, ok, attempts, gray_host=0)
    # flat lists of floats: one container per run instead of one per request, so a widget that
    # re-runs this on every slider move does not trigger full garbage collections (~0.1 s each)
    tries = retries + 1
    picks, outcomes = picks.ravel().tolist(), outcomes.ravel().tolist()
    error_rate = error_rate.tolist()
    streak = [0] * hosts
    times_ejected = [0] * hosts
    ejected: set[int] = set()
    alive = list(range(hosts))
    ok = np.zeros(count, dtype=bool)
    attempts = np.zeros(count, dtype=int)
    run = MeshRun(times, ok, attempts, gray_host=0)
    loop = EventLoop()

    def readmit(host: int) -> None:
        ejected.discard(host)
        streak[host] = 0
        alive.append(host)
        alive.sort()

    def request(i: int, now: float) -> None:
        tried: list[int] = []
        for attempt in range(retries + 1):
            # a retry goes to another host when there is one
            candidates = alive if not tried else ([h for h in alive if h not in tried] or alive)
            draw = i * tries + attempt
            host = candidates[int(picks[draw] * len(candidates))] if candidates else int(picks[draw] * hosts)
            tried.append(host)
            attempts[i] = attempt + 1
            if outcomes[draw] >= error_rate[host]:
                streak[host] = 0
                ok[i] = True
                return
            streak[host] += 1
            if (outlier_detection and streak[host] >= threshold and host not in ejected
                    and len(ejected) < cap):
                times_ejected[host] += 1
                seconds = ejection_time(times_ejected[host], base_ejection_time, max_ejection_time)
                ejected.add(host)
                alive.remove(host)
                run.ejections.append((now, host, seconds))
                loop.schedule_at(now + seconds, readmit, host)

    # arrivals are a sorted stream merged with the loop's timers (the readmissions): the
    # loop runs every timer due before a request, so the heap stays a few events long
    heap = loop.heap
    for i, t in enumerate(times.tolist()):
        if heap and heap[0][0] <= t:
            loop.run(until=t)
        request(i, t)
    loop.run()
    return run


def _independent_requests(picks: np.ndarray, outcomes: np.ndarray, error_rate: np.ndarray,
                          hosts: int) -> tuple[np.ndarray, np.ndarray]:
    """Outcome and attempts of each request when no host is ever ejected (see simulate_mesh).

    Attempt k picks the ⌊u·(hosts − k)⌋-th host not tried yet (all hosts once every one was
    tried), exactly as the sequential loop does.
    """
    count, tries = picks.shape
    ok = np.zeros(count, dtype=bool)
    attempts = np.zeros(count, dtype=int)
    tried = np.zeros((count, tries), dtype=int)
    pending = np.ones(count, dtype=bool)
    for k in range(tries):
        rows = np.flatnonzero(pending)
        if rows.size == 0:
            break
        if k < hosts:
            host = np.floor(picks[rows, k] * (hosts - k)).astype(int)
            for earlier in np.sort(tried[rows, :k], axis=1).T:     # skip the hosts already tried
                host += host >= earlier
        else:
            host = np.floor(picks[rows, k] * hosts).astype(int)
        tried[rows, k] = host
        attempts[rows] = k + 1
        success = outcomes[rows, k] >= error_rate[host]
        ok[rows[success]] = True
        pending[rows[success]] = False
    return ok, attempts


def retry_amplification(depth: int, attempts: int, failure: float = 1.0,
                        budget: float | None = None) -> float:
    """Expected calls reaching the deepest of ``depth`` layers per edge request.

    Each layer makes up to ``attempts`` tries (1 + retries) while the layer below fails with
    probability ``failure``: ``(1 − failure^attempts)/(1 − failure)`` tries per call, or
    ``attempts`` when everything fails; layers multiply. A retry ``budget`` (retries ≤ budget
    × requests, as in Envoy's retry budget and gRPC's retry throttling) caps the tries per
    call at ``1 + budget`` at every layer.

    >>> retry_amplification(3, 3)            # 3 layers × 3 tries, all failing: 3³
    27.0
    >>> round(retry_amplification(3, 3, budget=0.1), 3)
    1.331
    """
    depth = require_int("depth", depth, minimum=1, maximum=20)
    attempts = require_int("attempts", attempts, minimum=1, maximum=10)
    failure = require_probability("failure", failure)
    per_layer = float(attempts) if failure == 1.0 else (1 - failure ** attempts) / (1 - failure)
    if budget is not None:
        per_layer = min(per_layer, 1.0 + require_non_negative("budget", budget))
    return per_layer ** depth
