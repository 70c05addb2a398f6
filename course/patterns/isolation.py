"""Bulkheads and load shedding: keep one slow dependency or one burst from sinking the ship.

A **bulkhead** is a watertight compartment: a service gives each dependency its own small
pool of permits (concurrent calls) and its own bounded wait queue. When a dependency slows
down, only its compartment floods: calls to it fail fast with ``bulkhead_full`` while the
service's workers stay free for everything else. Size it with Little's law: permits ≈ peak
rate × mean response time (100 req/s × 0.2 s = 20), plus a buffer (× 1.5 → 30).

**Load shedding** refuses work at the door rather than queueing it past any use:

- :class:`QueueLengthShedding` — refuse when ``max_queue_length`` requests already wait;
- :class:`LatencyShedding` — refuse when the oldest waiting request has waited longer than
  ``target_wait`` seconds (queue delay, the signal CoDel uses): a queue that stays full of
  old requests is serving answers nobody is waiting for any more.

A refused request ends with outcome ``shed`` (503) at once, costing the caller nothing.

>>> Bulkhead(max_concurrent=30, queue_capacity=100)
Bulkhead(max_concurrent=30, queue_capacity=100)
>>> LatencyShedding(target_wait=0.1).shed(queue_length=40, oldest_wait=0.25)
True

Taught in: Ep13 · 1-foundations (sizing), 2-implementation (isolation in a simulation).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from course.validation import require_int, require_positive

__all__ = ["Bulkhead", "BulkheadState", "QueueLengthShedding", "LatencyShedding"]


@dataclass(frozen=True)
class Bulkhead:
    """A per-dependency pool: ``max_concurrent`` calls at once, ``queue_capacity`` waiting.

    The default queue of 0 refuses at once when the pool is full (Hystrix's thread pool
    default, maxQueueSize -1; Resilience4j's semaphore bulkhead with maxWaitDuration 0).
    A permit is held while the caller waits — until the answer or the call's timeout — so
    the bulkhead bounds how many of the caller's workers one dependency can tie up. Time
    spent waiting for a permit counts against the call's timeout.
    """

    max_concurrent: int = 10
    queue_capacity: int = 0

    def __post_init__(self):
        require_int("max_concurrent", self.max_concurrent, minimum=1)
        require_int("queue_capacity", self.queue_capacity, minimum=0)

    def state(self) -> BulkheadState:
        """A fresh, empty pool for one run."""
        return BulkheadState(self.max_concurrent, self.queue_capacity)


class BulkheadState:
    """The mutable state of a bulkhead during a run: permits in use and calls waiting."""

    __slots__ = ("max_concurrent", "queue_capacity", "in_use", "waiting", "peak_in_use",
                 "refused")

    def __init__(self, max_concurrent: int, queue_capacity: int):
        self.max_concurrent = max_concurrent
        self.queue_capacity = queue_capacity
        self.in_use = 0
        self.waiting: deque = deque()
        self.peak_in_use = 0
        self.refused = 0

    def reset(self) -> None:
        """Drop every permit and waiter (the owning service crashed)."""
        self.in_use = 0
        self.waiting.clear()


@dataclass(frozen=True)
class QueueLengthShedding:
    """Refuse an arriving request when ``max_queue_length`` requests already wait.

    >>> QueueLengthShedding(50).shed(queue_length=50, oldest_wait=0.0)
    True
    """

    max_queue_length: int

    def __post_init__(self):
        require_int("max_queue_length", self.max_queue_length, minimum=0)

    def shed(self, queue_length: int, oldest_wait: float) -> bool:
        """Should a request that would have to queue be refused?"""
        return queue_length >= self.max_queue_length


@dataclass(frozen=True)
class LatencyShedding:
    """Refuse an arriving request while the oldest queued one has waited > ``target_wait`` s.

    >>> LatencyShedding(0.1).shed(queue_length=5, oldest_wait=0.05)
    False
    """

    target_wait: float

    def __post_init__(self):
        require_positive("target_wait", self.target_wait)

    def shed(self, queue_length: int, oldest_wait: float) -> bool:
        """Should a request that would have to queue be refused?"""
        return oldest_wait > self.target_wait
