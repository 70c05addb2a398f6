"""Snapshots of an event-sourced aggregate, and what an interval between them costs.

Folding 50,000 events on every load is slow; a **snapshot** stores the folded state at some
version, and a load folds only the events after it — like a bank statement that starts from
last month's closing balance instead of the account's opening.

Snapshots are not free: each one is written (serialise the state, store it). With a snapshot
every ``k`` events, the events a load must replay are those since the last snapshot:
0, 1, …, k − 1, on average (k − 1)/2 if loads fall evenly between snapshots. Per command
(one load, then one append):

    cost(k) = loads_per_append · (snapshot_read + event_cost · (k − 1)/2) + snapshot_write / k

The first part grows with k, the second falls; the sum is smallest near
k* = √(2 · snapshot_write / (loads_per_append · event_cost)) — derived by setting the
derivative to zero. With 10 µs to read and apply one event and 50 ms to write a snapshot,
k* = 100: the "every 100–1000 events" of practice is this square root for costs of that size.

>>> policy = SnapshotPolicy(event_cost=10e-6, snapshot_write=0.05, snapshot_read=0.002)
>>> policy.best_interval()
100
>>> round(policy.cost_per_command(100) * 1000, 3)       # ms per command
2.995

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from course.events.store import Event, fold
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["Snapshot", "SnapshotPolicy", "take_snapshot", "load_from_snapshot", "replayed_on_loads"]


@dataclass(frozen=True)
class Snapshot:
    """The folded ``state`` of ``stream`` as of its event number ``version``."""

    stream: str
    version: int
    state: object


def take_snapshot(stream: str, events: list[Event], apply: Callable, initial) -> Snapshot:
    """Fold ``events`` (the whole stream so far) and keep the result with its version."""
    return Snapshot(stream, len(events), fold(apply, events, initial))


def load_from_snapshot(snapshot: Snapshot | None, events_after: Iterable[Event], apply: Callable, initial):
    """The current state: the snapshot's state (or ``initial``) with the later events folded in.

    >>> from course.events.store import ledger_apply
    >>> later = [Event("a", 3, "deposited", {"amount": 2})]
    >>> load_from_snapshot(Snapshot("a", 2, 40), later, ledger_apply, 0)
    42
    """
    if snapshot is None:
        return fold(apply, events_after, initial)
    return fold(apply, events_after, snapshot.state)


def replayed_on_loads(events: int, interval: int) -> np.ndarray:
    """Events replayed by a load after each of ``events`` appends, with a snapshot every ``interval``.

    Counted, not averaged: after append number n the last snapshot is at ⌊n/k⌋·k, so a load
    replays n mod k events. Their mean over many appends tends to (k − 1)/2.

    >>> replayed_on_loads(7, 3).tolist()
    [1, 2, 0, 1, 2, 0, 1]
    """
    events = require_int("events", events, minimum=1, maximum=10_000_000)
    interval = require_int("interval", interval, minimum=1)
    return np.arange(1, events + 1) % interval


@dataclass(frozen=True)
class SnapshotPolicy:
    """The costs (seconds) that decide how often to snapshot.

    ``event_cost``: read, decode and apply one event; ``snapshot_write``: serialise and store one
    snapshot; ``snapshot_read``: fetch and decode one; ``loads_per_append``: how many times the
    aggregate is loaded per event appended (1 when every command loads, decides, appends).
    """

    event_cost: float
    snapshot_write: float
    snapshot_read: float = 0.0
    loads_per_append: float = 1.0

    def __post_init__(self):
        require_positive("event_cost", self.event_cost)
        require_positive("snapshot_write", self.snapshot_write)
        require_non_negative("snapshot_read", self.snapshot_read)
        require_positive("loads_per_append", self.loads_per_append)

    def load_cost(self, interval) -> np.ndarray | float:
        """Mean seconds per load with a snapshot every ``interval`` events."""
        k = self._intervals(interval)
        return self.snapshot_read + self.event_cost * (k - 1) / 2

    def write_cost_per_append(self, interval) -> np.ndarray | float:
        """Seconds of snapshot writing per event appended: one write every ``interval`` events."""
        return self.snapshot_write / self._intervals(interval)

    def cost_per_command(self, interval) -> np.ndarray | float:
        """Mean seconds per command (``loads_per_append`` loads and one append's share of snapshots)."""
        return self.loads_per_append * self.load_cost(interval) + self.write_cost_per_append(interval)

    def no_snapshot_cost(self, stream_length: int) -> float:
        """Mean seconds per load without snapshots, for a stream of ``stream_length`` events."""
        stream_length = require_int("stream_length", stream_length, minimum=0)
        return self.event_cost * stream_length

    def best_interval(self) -> int:
        """The whole interval k ≥ 1 with the lowest :meth:`cost_per_command` (the √ rule, rounded)."""
        root = math.sqrt(2 * self.snapshot_write / (self.loads_per_append * self.event_cost))
        candidates = {max(1, math.floor(root)), max(1, math.ceil(root))}
        return min(sorted(candidates), key=self.cost_per_command)

    @staticmethod
    def _intervals(interval):
        k = np.asarray(interval, dtype=float)
        if np.any(~np.isfinite(k)) or np.any(k < 1):
            raise ValueError(f"interval must be >= 1 event; got {interval!r}")
        return float(k) if k.ndim == 0 else k
