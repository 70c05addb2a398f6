"""Gateway rate limiters: five algorithms on the same seeded traffic, and 429 + Retry-After.

Every limiter answers one question per request, ``decide(t)`` with ``t`` in seconds since
the start: admit it, or refuse it with HTTP 429 and a ``Retry-After`` in whole seconds (the
header carries an integer, so the wait is rounded *up*: a client that obeys it is never
early). The five differ in how much of a burst they let through:

=====================  ==================================================================
``TokenBucket``        ``burst`` tokens, refilled at ``rate`` per s: a full bucket admits
                       ``burst`` at once, then ``rate`` per s
``LeakyBucket``        a queue of ``capacity`` drained at ``rate`` per s: bursts are
                       *smoothed* (admitted requests wait), never passed through
``FixedWindow``        ``limit`` per calendar window: ``2 × limit`` can pass within a few
                       milliseconds around a window edge
``SlidingLog``         exact: at most ``limit`` in any window-long interval (stores every
                       admitted time stamp)
``SlidingWindowCounter`` two counters, previous window weighted by its overlap: about
                       ``limit``, with O(1) memory
=====================  ==================================================================

>>> bucket = TokenBucket(rate=1.0, burst=2)
>>> [bucket.decide(0.0).admitted for _ in range(3)], bucket.decide(0.0).retry_after
([True, True, False], 1)
>>> window = FixedWindow(limit=3, window=1.0)
>>> times = [0.99, 0.99, 0.99, 1.0, 1.0, 1.0]          # six requests within 10 ms
>>> sum(window.decide(t).admitted for t in times)     # 2 × limit across the edge
6

Taught in: Ep15 · 1-foundations.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from course.validation import require_int, require_non_negative, require_positive, require_rng

#: Largest number of requests a comparison accepts (a gateway minute at 100,000 rps is 6 M).
MAX_REQUESTS = 1_000_000


@dataclass(frozen=True)
class Decision:
    """One limiter decision: admitted, else HTTP 429 with ``retry_after`` whole seconds.

    ``delay`` (seconds) is how long an admitted request waits in a leaky bucket's queue
    (0 for the other limiters).
    """

    admitted: bool
    retry_after: int = 0
    delay: float = 0.0

    @property
    def status(self) -> int:
        """200 for an admitted request, 429 (Too Many Requests) for a refused one."""
        return 200 if self.admitted else 429


def retry_after_seconds(wait: float) -> int:
    """The ``Retry-After`` header for a wait of ``wait`` seconds: an integer, rounded up, ≥ 1.

    >>> retry_after_seconds(0.2), retry_after_seconds(1.0), retry_after_seconds(1.0000001)
    (1, 1, 2)
    """
    require_non_negative("wait", wait)
    # a tiny tolerance: 1 - 0.9 is 0.09999999999999998 and must read as 1 s, not 2
    return max(1, math.ceil(wait - 1e-9))


class _Limiter:
    name = ""

    def decide(self, t: float) -> Decision:  # pragma: no cover - interface
        raise NotImplementedError

    def _check_time(self, t: float) -> float:
        t = require_non_negative("t", t)
        if t < getattr(self, "_last", 0.0):
            raise ValueError(f"t must not go backwards (got {t} after {self._last})")
        self._last = t
        return t


class TokenBucket(_Limiter):
    """``burst`` tokens, one per request, refilled continuously at ``rate`` tokens per second.

    >>> b = TokenBucket(rate=10.0, burst=5)
    >>> sum(b.decide(0.0).admitted for _ in range(8)), b.decide(0.1).admitted
    (5, True)
    """

    name = "token bucket"

    def __init__(self, rate: float, burst: int):
        self.rate = require_positive("rate", rate)
        self.burst = require_int("burst", burst, minimum=1)
        self.tokens, self._refilled, self._last = float(self.burst), 0.0, 0.0

    def decide(self, t: float) -> Decision:
        t = self._check_time(t)
        self.tokens = min(self.burst, self.tokens + (t - self._refilled) * self.rate)
        self._refilled = t
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return Decision(True)
        return Decision(False, retry_after_seconds((1.0 - self.tokens) / self.rate))


class LeakyBucket(_Limiter):
    """A queue of at most ``capacity`` requests, served one every ``1/rate`` s (the output is smooth).

    ``capacity`` counts the request in service and those waiting; an admitted request waits
    ``delay`` seconds for its turn; a full bucket answers 429.

    >>> b = LeakyBucket(rate=10.0, capacity=3)
    >>> [round(b.decide(0.0).delay, 3) for _ in range(3)], b.decide(0.0).admitted
    ([0.0, 0.1, 0.2], False)
    """

    name = "leaky bucket"

    def __init__(self, rate: float, capacity: int):
        self.rate = require_positive("rate", rate)
        self.capacity = require_int("capacity", capacity, minimum=1)
        self._finishes: deque[float] = deque()  # when each admitted request leaves the bucket
        self._last = 0.0

    def decide(self, t: float) -> Decision:
        t = self._check_time(t)
        while self._finishes and self._finishes[0] <= t:
            self._finishes.popleft()
        if len(self._finishes) >= self.capacity:
            return Decision(False, retry_after_seconds(self._finishes[0] - t))
        start = max(t, self._finishes[-1]) if self._finishes else t
        self._finishes.append(start + 1.0 / self.rate)
        return Decision(True, delay=start - t)


class FixedWindow(_Limiter):
    """At most ``limit`` requests per window ``[k·window, (k+1)·window)``; the count resets at each edge.

    >>> w = FixedWindow(limit=2, window=1.0)
    >>> [w.decide(t).admitted for t in (0.1, 0.2, 0.3, 1.0)]
    [True, True, False, True]
    """

    name = "fixed window"

    def __init__(self, limit: int, window: float):
        self.limit = require_int("limit", limit, minimum=1)
        self.window = require_positive("window", window)
        self._index, self._count, self._last = 0, 0, 0.0

    def decide(self, t: float) -> Decision:
        t = self._check_time(t)
        index = math.floor(t / self.window)
        if index != self._index:
            self._index, self._count = index, 0
        if self._count < self.limit:
            self._count += 1
            return Decision(True)
        return Decision(False, retry_after_seconds((index + 1) * self.window - t))


class SlidingLog(_Limiter):
    """At most ``limit`` admitted requests in any interval ``(t − window, t]``: every time stamp kept.

    >>> s = SlidingLog(limit=2, window=1.0)
    >>> [s.decide(t).admitted for t in (0.5, 0.75, 1.0, 1.5, 1.75)]
    [True, True, False, True, True]
    """

    name = "sliding log"

    def __init__(self, limit: int, window: float):
        self.limit = require_int("limit", limit, minimum=1)
        self.window = require_positive("window", window)
        self._log: deque[float] = deque()
        self._last = 0.0

    def decide(self, t: float) -> Decision:
        t = self._check_time(t)
        while self._log and self._log[0] <= t - self.window:
            self._log.popleft()
        if len(self._log) < self.limit:
            self._log.append(t)
            return Decision(True)
        return Decision(False, retry_after_seconds(self._log[0] + self.window - t))


class SlidingWindowCounter(_Limiter):
    """Estimate = previous window's count × its overlap with ``(t − window, t]`` + this window's count.

    Two integers instead of a log; it assumes the previous window's requests were spread
    evenly, so it can admit a little more or less than the sliding log.

    >>> s = SlidingWindowCounter(limit=4, window=1.0)
    >>> [s.decide(0.5).admitted for _ in range(5)]   # 4 in window 0
    [True, True, True, True, False]
    >>> s.decide(1.5).admitted, s.decide(1.5).admitted, s.decide(1.5).admitted  # 4 × 0.5 + 2 = 4
    (True, True, False)
    """

    name = "sliding-window counter"

    def __init__(self, limit: int, window: float):
        self.limit = require_int("limit", limit, minimum=1)
        self.window = require_positive("window", window)
        self._index, self._current, self._previous, self._last = 0, 0, 0, 0.0

    def decide(self, t: float) -> Decision:
        t = self._check_time(t)
        index = math.floor(t / self.window)
        if index != self._index:
            self._previous = self._current if index == self._index + 1 else 0
            self._index, self._current = index, 0
        overlap = 1.0 - (t - index * self.window) / self.window
        if self._previous * overlap + self._current + 1 <= self.limit + 1e-12:
            self._current += 1
            return Decision(True)
        # wait until the previous window's weight has fallen enough (or this window ends)
        need = self._previous * overlap + self._current + 1 - self.limit
        wait = need / self._previous * self.window if self._previous else (index + 1) * self.window - t
        return Decision(False, retry_after_seconds(min(wait, (index + 1) * self.window - t)))


def bursty_traffic(seed, duration: float = 10.0, base_rate: float = 5.0, burst_at: float = 4.9,
                   burst_size: int = 40, burst_spread: float = 0.2) -> np.ndarray:
    """Sorted request times (s): Poisson at ``base_rate`` per s plus a burst of ``burst_size``
    requests spread uniformly over ``burst_spread`` s from ``burst_at`` (default: across the 5 s edge).

    >>> t = bursty_traffic(seed=1)
    >>> bool(np.all(np.diff(t) >= 0)), int(np.sum((t >= 4.9) & (t < 5.1))) >= 40
    (True, True)
    """
    rng = require_rng("seed", seed)
    duration = require_positive("duration", duration)
    base_rate = require_non_negative("base_rate", base_rate)
    require_non_negative("burst_at", burst_at)
    burst_size = require_int("burst_size", burst_size, minimum=0)
    burst_spread = require_non_negative("burst_spread", burst_spread)
    if base_rate * duration + burst_size > MAX_REQUESTS:
        raise ValueError(f"base_rate × duration + burst_size must be ≤ {MAX_REQUESTS:,} requests "
                         f"(got {base_rate * duration + burst_size:,.0f})")
    count = rng.poisson(base_rate * duration)
    base = rng.uniform(0.0, duration, count)
    burst = burst_at + rng.uniform(0.0, burst_spread, burst_size)
    return np.sort(np.concatenate([base, burst]))


def make_limiters(rate: float, burst: int, window: float = 1.0) -> list[_Limiter]:
    """The five limiters set to the same long-run rate: ``rate`` per s, ``burst`` allowed at once.

    Windowed limiters get ``limit = rate × window`` (at least 1); the token bucket holds
    ``burst`` tokens; the leaky bucket queues ``burst``.

    >>> [limiter.name for limiter in make_limiters(10.0, 5)][:2]
    ['token bucket', 'leaky bucket']
    """
    require_positive("rate", rate)
    require_positive("window", window)
    limit = max(1, round(rate * window))
    return [TokenBucket(rate, burst), LeakyBucket(rate, burst), FixedWindow(limit, window),
            SlidingLog(limit, window), SlidingWindowCounter(limit, window)]


def run_limiter(limiter: _Limiter, times) -> dict:
    """Feed ``times`` (sorted, s) to ``limiter``: which were admitted, their delays, the Retry-After values.

    >>> out = run_limiter(FixedWindow(2, 1.0), [0.1, 0.2, 0.3])
    >>> out["admitted"].tolist(), out["retry_after"].tolist()
    ([True, True, False], [0, 0, 1])
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size > MAX_REQUESTS:
        raise ValueError(f"times must be a 1-D array of at most {MAX_REQUESTS:,} request times")
    decisions = [limiter.decide(float(t)) for t in times]
    return {"admitted": np.array([d.admitted for d in decisions], dtype=bool),
            "delay": np.array([d.delay for d in decisions]),
            "retry_after": np.array([d.retry_after for d in decisions], dtype=int)}


def max_in_any_window(times, window: float) -> int:
    """The largest number of ``times`` inside any half-open interval of length ``window`` (s).

    >>> max_in_any_window([0.99, 0.99, 1.0, 1.0, 2.5], 1.0)
    4
    """
    times = np.sort(np.asarray(times, dtype=float))
    window = require_positive("window", window)
    if times.size == 0:
        return 0
    # for each start i, count times in [t_i, t_i + window); the nanosecond of slack keeps
    # sums of 1/rate steps (0.1 + 0.1 + … lands a hair short) from counting one time twice
    ends = np.searchsorted(times, times + window - 1e-9, side="left")
    return int(np.max(ends - np.arange(times.size)))


def compare_limiters(times, rate: float, burst: int, window: float = 1.0) -> list[dict]:
    """Run the five limiters (:func:`make_limiters`) over the same ``times``; one row each.

    Columns: ``limiter``, ``admitted``, ``refused`` (429s), ``peak per window`` (the most
    admitted requests in any ``window``-long interval, at their *service* times for the leaky
    bucket), ``max delay`` (s) and ``max Retry-After`` (s).

    >>> rows = compare_limiters([0.99] * 10 + [1.0] * 10, rate=10.0, burst=10)
    >>> {r["limiter"]: r["peak per window"] for r in rows}["fixed window"]
    20
    """
    times = np.asarray(times, dtype=float)
    rows = []
    for limiter in make_limiters(rate, burst, window):
        out = run_limiter(limiter, times)
        served = times[out["admitted"]] + out["delay"][out["admitted"]]
        rows.append({
            "limiter": limiter.name,
            "admitted": int(out["admitted"].sum()),
            "refused": int((~out["admitted"]).sum()),
            "peak per window": max_in_any_window(served, window),
            "max delay": float(out["delay"].max(initial=0.0)),
            "max Retry-After": int(out["retry_after"].max(initial=0)),
        })
    return rows
