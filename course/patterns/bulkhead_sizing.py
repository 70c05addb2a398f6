"""Size a bulkhead (a dedicated thread or permit pool) with Little's law and Erlang C.

A ship's bulkheads split the hull into compartments so that one leak floods one
compartment. A bulkhead in software gives one dependency its own pool of threads or
permits, so that when it slows down it can exhaust only its own pool. How big a pool?

- Little's law: on average L = λW calls are in flight (peak requests/s × mean seconds each
  holds a thread): 100 requests/s × 0.2 s = 20 busy threads.
- Add a buffer for bursts and variance: × 1.5 → 30 threads, so the pool runs at
  20/30 ≈ 67 % at peak. (A 70 % *utilisation target* is not a pool size: 30 × 0.7 = 21
  threads would run at ρ = 0.95, where Erlang C says 76 % of calls wait; 20 × 0.7 = 14
  threads carry at most 14 / 0.2 = 70 requests/s, less than the 100 offered.)
- A queue in front absorbs short bursts: a burst above the pool's throughput c/W piles up
  at (burst − c/W) requests per second, but a queued request waits about
  queue length / (c/W) seconds, so cap the queue at throughput × the longest wait you
  accept (at most the caller's timeout): beyond that, requests would time out in line.
- Alert when pool use stays above about 85 %: the buffer is being eaten.

Erlang C treats the pool as an M/M/c queue (Poisson arrivals, exponential holding times) —
a model, good for the shape of the answer; measure your own distribution before trusting
the third digit.

>>> plan = BulkheadSizing(peak_rate=100, response_time=0.2, buffer=1.5)
>>> plan.busy, plan.threads, round(plan.utilization, 3), plan.throughput
(20.0, 30, 0.667, 150.0)
>>> plan.queue_slots(burst_rate=200, burst_seconds=2, max_wait=2.0)
100

Taught in: Ep13 · 1-foundations (sizing), 2-implementation (bulkhead), assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.queueing.erlang import erlang_c
from course.queueing.littles_law import ceil_count
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["BulkheadSizing", "pool_utilization", "pool_p_wait", "burst_queue_slots"]


def pool_utilization(peak_rate: float, response_time: float, threads: int) -> float:
    """ρ = λW / c for a pool of ``threads``; raises ValueError if the pool cannot keep up (ρ ≥ 1).

    >>> round(pool_utilization(100, 0.2, 21), 4)
    0.9524
    """
    busy = require_positive("peak_rate", peak_rate) * require_positive("response_time", response_time)
    threads = _require_threads(threads)
    if busy >= threads:
        raise ValueError(
            f"threads = {threads} carry at most {threads / response_time:.4g} requests/s, "
            f"less than peak_rate = {peak_rate:.4g}: the queue would grow without bound "
            f"(need more than {busy:.4g} threads)"
        )
    return busy / threads


def pool_p_wait(peak_rate: float, response_time: float, threads: int) -> float:
    """Erlang C: the probability that a call finds every thread busy and has to wait.

    >>> round(pool_p_wait(100, 0.2, 21), 2), round(pool_p_wait(100, 0.2, 30), 3)
    (0.76, 0.025)
    """
    pool_utilization(peak_rate, response_time, threads)  # the stability check and its message
    return float(erlang_c(_require_threads(threads), peak_rate * response_time))


def burst_queue_slots(burst_rate: float, pool_throughput: float, burst_seconds: float,
                      max_wait: float) -> int:
    """Queue slots for a burst: (burst − throughput) × seconds, capped at throughput × max_wait.

    ``burst_rate`` and ``pool_throughput`` in requests/s, ``burst_seconds`` and ``max_wait``
    (the longest wait in line you accept, at most the caller's timeout) in seconds; rounded
    up, 0 when the pool keeps up with the burst on its own.

    >>> burst_queue_slots(200, pool_throughput=150, burst_seconds=2, max_wait=2)
    100
    """
    burst = require_positive("burst_rate", burst_rate)
    throughput = require_positive("pool_throughput", pool_throughput)
    duration = require_positive("burst_seconds", burst_seconds)
    wait = require_non_negative("max_wait", max_wait)
    backlog = max(burst - throughput, 0.0) * duration
    return ceil_count(min(backlog, throughput * wait))


def _require_threads(threads) -> int:
    return require_int("threads", threads, minimum=1)


@dataclass(frozen=True)
class BulkheadSizing:
    """A bulkhead plan: ``peak_rate`` (requests/s), mean ``response_time`` (s) a call holds a
    thread, and a ``buffer`` factor (≥ 1) on top of Little's L.

    Quantities: ``busy`` (L = λW), ``threads`` (⌈L × buffer⌉), ``utilization`` at peak,
    ``throughput`` (threads / W, the most requests/s the pool can carry), ``p_wait``
    (Erlang C at peak).
    """

    peak_rate: float
    response_time: float
    buffer: float = 1.5

    def __post_init__(self):
        require_positive("peak_rate", self.peak_rate)
        require_positive("response_time", self.response_time)
        if require_positive("buffer", self.buffer) < 1:
            raise ValueError(f"buffer must be >= 1 (a pool smaller than L never keeps up); got {self.buffer:g}")

    @property
    def busy(self) -> float:
        """L = λW, threads busy on average at peak (Little's law)."""
        return self.peak_rate * self.response_time

    @property
    def threads(self) -> int:
        return ceil_count(self.busy * self.buffer)

    @property
    def utilization(self) -> float:
        return self.busy / self.threads

    @property
    def throughput(self) -> float:
        """Requests per second the pool completes when every thread is busy."""
        return self.threads / self.response_time

    @property
    def p_wait(self) -> float:
        if self.busy >= self.threads:  # buffer = 1 with a whole L: ρ = 1, no steady state
            raise ValueError(f"buffer = {self.buffer:g} leaves utilization at 1: no steady state; use a buffer > 1")
        return float(erlang_c(self.threads, self.busy))

    def queue_slots(self, burst_rate: float, burst_seconds: float, max_wait: float) -> int:
        """Queue slots for a burst of ``burst_rate`` requests/s lasting ``burst_seconds``.

        (burst − throughput) × duration, capped at throughput × ``max_wait`` (the longest
        wait in line you accept, at most the caller's timeout), rounded up; 0 if the pool
        alone keeps up with the burst.
        """
        return burst_queue_slots(burst_rate, self.throughput, burst_seconds, max_wait)

    def queue_wait(self, slots: int) -> float:
        """Seconds the last of ``slots`` queued requests waits for a thread (slots / throughput)."""
        return require_non_negative("slots", slots) / self.throughput
