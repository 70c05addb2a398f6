"""The event loop of every simulator in the kit: a virtual clock and a heap of things to do.

Like SimPy's core, the heart is a *future event list*: a heap of
``(time, sequence, callback, argument)`` tuples. :meth:`EventLoop.run` pops the earliest
entry, moves the clock ``now`` to its time and calls ``callback(argument)``; the callback
may schedule more. Nothing happens between events, so the clock jumps; nothing sleeps and
nothing runs in parallel. The ``sequence`` number breaks ties first-come first-served, so a
run is the same every time. Plain tuples in a :mod:`heapq` are the cheapest events Python
can sort.

Two ways to schedule, named for what their first argument means (times in seconds):

* ``schedule_at(time, callback, argument)`` — at the absolute virtual time ``time``;
* ``schedule_in(delay, callback, argument)`` — ``delay`` seconds after ``now``.

The queue simulator (:mod:`course.simulation.reference`) and the pattern simulator
(:mod:`course.patterns.runtime`) both run on this loop.

>>> loop = EventLoop()
>>> log = []
>>> loop.schedule_in(2.0, log.append, "second")
>>> loop.schedule_at(1.0, log.append, "first")
>>> loop.run(until=5.0)
2
>>> log, loop.now
(['first', 'second'], 5.0)

Taught in: Ep13 · 2-implementation (how the simulator works); Ep51 · 2-implementation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from heapq import heappop, heappush

__all__ = ["EventLoop"]


class EventLoop:
    """A virtual clock ``now`` (seconds) and the heap of events still to happen.

    >>> loop = EventLoop()
    >>> loop.schedule_in(1.5, print, "tick")
    >>> loop.run()
    tick
    1
    >>> loop.now, loop.events
    (1.5, 1)
    """

    __slots__ = ("now", "heap", "_sequence", "events")

    def __init__(self):
        self.now = 0.0
        #: Pending events as (time, sequence, callback, argument).
        self.heap: list[tuple] = []
        self._sequence = itertools.count()
        #: Number of events processed so far.
        self.events = 0

    def schedule_at(self, time: float, callback: Callable, argument=None) -> None:
        """Call ``callback(argument)`` at virtual time ``time`` seconds (not before ``now``)."""
        if not time >= self.now:  # also refuses NaN
            raise ValueError(f"time must be >= now ({self.now:g}); got {time:g}")
        heappush(self.heap, (time, next(self._sequence), callback, argument))

    def schedule_in(self, delay: float, callback: Callable, argument=None) -> None:
        """Call ``callback(argument)`` when ``delay`` (>= 0) seconds of virtual time have passed."""
        if not delay >= 0:  # also refuses NaN
            raise ValueError(f"delay must be >= 0 seconds; got {delay:g}")
        heappush(self.heap, (self.now + delay, next(self._sequence), callback, argument))

    def run(self, until: float = math.inf) -> int:
        """Process every event due at or before ``until``; return how many ran.

        With a finite ``until`` the clock ends at ``until``; with none it stays at the time
        of the last event, once the heap is empty.
        """
        if not until >= self.now:
            raise ValueError(f"until must be >= now ({self.now:g}); got {until:g}")
        heap = self.heap
        pop = heappop
        processed = 0
        while heap and heap[0][0] <= until:
            time, _, callback, argument = pop(heap)
            self.now = time
            callback(argument)
            processed += 1
        if until != math.inf:
            self.now = until
        self.events += processed
        return processed
