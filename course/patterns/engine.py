"""The event loop: a virtual clock and a heap of things to do, like SimPy's core.

Nothing sleeps and nothing runs in parallel. The loop keeps a heap of
``(time, sequence, callback, argument)`` tuples, pops the earliest one, moves the clock
``now`` to its time and calls ``callback(argument)``; the callback may schedule more.
The ``sequence`` number breaks ties first-come first-served, so a run is the same every
time. Plain tuples in a :mod:`heapq` are the cheapest events Python can sort.

Two helpers keep the heap small and the randomness reproducible:

- :class:`TimerQueue` — timers that share one delay (every call to a dependency has the
  same timeout) expire in the order they were set, so a FIFO deque holds them and only
  its earliest live deadline sits in the heap. A call that answers in time costs no heap
  operation at all for its timeout.
- :func:`random_stream` — an endless iterator of draws from a numpy ``Generator``, refilled
  in blocks (one numpy call per 1,024 draws instead of one per draw). Each stream's
  generator is derived from the run's ``seed`` *and the stream's name*, so a run with a
  circuit breaker sees the same arrivals and service times as the run without one
  (common random numbers: the difference you measure is the pattern, not luck).

>>> loop = EventLoop()
>>> log = []
>>> loop.schedule(2.0, log.append, "second")
>>> loop.schedule(1.0, log.append, "first")
>>> loop.run(until=5.0)
2
>>> log, loop.now
(['first', 'second'], 5.0)

Taught in: Ep13 · 2-implementation (how the simulator works).
"""

from __future__ import annotations

import itertools
import numbers
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from heapq import heappop, heappush

import numpy as np

from course.validation import require_non_negative

__all__ = ["EventLoop", "TimerQueue", "random_stream", "stream_generator", "seed_entropy"]


class EventLoop:
    """A virtual clock (seconds) and the heap of events still to happen."""

    __slots__ = ("now", "heap", "_sequence", "events")

    def __init__(self):
        self.now = 0.0
        #: Pending events as (time, sequence, callback, argument).
        self.heap: list[tuple] = []
        self._sequence = itertools.count()
        #: Number of events processed so far.
        self.events = 0

    def schedule(self, delay: float, callback: Callable, argument=None) -> None:
        """Call ``callback(argument)`` when ``delay`` seconds of virtual time have passed."""
        heappush(self.heap, (self.now + delay, next(self._sequence), callback, argument))

    def schedule_at(self, time: float, callback: Callable, argument=None) -> None:
        """Call ``callback(argument)`` at virtual time ``time`` (not before ``now``)."""
        if time < self.now:
            raise ValueError(f"time must be >= now ({self.now:g}); got {time:g}")
        heappush(self.heap, (time, next(self._sequence), callback, argument))

    def run(self, until: float) -> int:
        """Process every event due at or before ``until``; return how many ran."""
        heap = self.heap
        pop = heappop
        processed = 0
        while heap and heap[0][0] <= until:
            time, _, callback, argument = pop(heap)
            self.now = time
            callback(argument)
            processed += 1
        self.now = until
        self.events += processed
        return processed


class TimerQueue:
    """Timers sharing one ``delay``: a deque in deadline order, one heap entry at a time.

    ``start(item)`` arms a timer that calls ``on_expire(item)`` after ``delay`` seconds,
    unless ``is_pending(item)`` has become false by then (the call answered in time).
    Because every timer waits the same ``delay``, deadlines are set in increasing order;
    when the earliest one comes due, finished items are dropped from the front for free.

    >>> loop = EventLoop()
    >>> expired = []
    >>> timers = TimerQueue(loop, 1.0, expired.append, lambda item: item != "answered")
    >>> timers.start("answered"); timers.start("silent")
    >>> _ = loop.run(until=3.0)
    >>> expired
    ['silent']
    """

    __slots__ = ("loop", "delay", "on_expire", "is_pending", "_entries", "_armed")

    def __init__(self, loop: EventLoop, delay: float, on_expire: Callable, is_pending: Callable):
        self.loop = loop
        self.delay = require_non_negative("delay", delay)
        self.on_expire = on_expire
        self.is_pending = is_pending
        self._entries: deque = deque()
        self._armed = False

    def start(self, item) -> None:
        """Arm a timer for ``item`` expiring ``delay`` seconds from now."""
        deadline = self.loop.now + self.delay
        self._entries.append((deadline, item))
        if not self._armed:
            self._armed = True
            self.loop.schedule_at(deadline, self._wake)

    def clear(self) -> None:
        """Forget every timer (used when the owner crashes)."""
        self._entries.clear()

    def _wake(self, _=None) -> None:
        entries = self._entries
        now = self.loop.now
        is_pending = self.is_pending
        while entries:
            deadline, item = entries[0]
            if not is_pending(item):
                entries.popleft()
            elif deadline <= now:
                entries.popleft()
                self.on_expire(item)
            else:
                self.loop.schedule_at(deadline, self._wake)
                return
        self._armed = False


def seed_entropy(seed) -> int:
    """Return the whole-number entropy a run derives its streams from.

    ``seed`` is a whole number >= 0 or a numpy ``Generator`` (one number is drawn from it).

    >>> seed_entropy(7)
    7
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(
        "seed must be a whole number >= 0 or a numpy Generator (every run is seeded so that "
        f"it can be reproduced); got {seed!r}"
    )


def stream_generator(entropy: int, name: str) -> np.random.Generator:
    """Return the Generator of the stream called ``name`` in a run seeded with ``entropy``.

    The name, not the order of creation, picks the stream: adding a component to a model
    leaves every other component's draws unchanged.

    >>> a = stream_generator(1, "frontend:service").random()
    >>> b = stream_generator(1, "frontend:service").random()
    >>> a == b, a == stream_generator(1, "catalog:service").random()
    (True, False)
    """
    sequence = np.random.SeedSequence(entropy, spawn_key=(zlib.crc32(name.encode("utf-8")),))
    return np.random.Generator(np.random.PCG64(sequence))


def random_stream(draw: Callable[[int], np.ndarray], block: int = 1024) -> Iterator[float]:
    """Yield draws one at a time from ``draw(block)`` arrays, refilled as needed.

    >>> rng = np.random.default_rng(0)
    >>> stream = random_stream(lambda size: rng.random(size), block=4)
    >>> values = [next(stream) for _ in range(6)]
    >>> values == np.random.default_rng(0).random(8)[:6].tolist()
    True
    """
    while True:
        yield from draw(block).tolist()
