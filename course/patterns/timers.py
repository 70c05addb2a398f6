"""Timers that share one delay: the pattern simulator's cheap timeouts.

Every call through a :class:`~course.patterns.topology.Dependency` waits the same timeout,
so its timers expire in the order they were set: a FIFO deque holds them and only its
earliest live deadline sits in the :class:`~course.sim.loop.EventLoop`'s heap. A call that
answers in time costs no heap operation at all for its timeout (example: :class:`TimerQueue`).

Taught in: Ep13 · 2-implementation (how the simulator works).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from course.sim.loop import EventLoop
from course.validation import require_non_negative

__all__ = ["TimerQueue"]


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

