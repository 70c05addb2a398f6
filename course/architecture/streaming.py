"""A small stream with event time and arrival time: tumbling windows, a watermark, late events.

Each event happens at an *event time* and reaches the processor later, at an *arrival time*
(network delay, a phone offline in a tunnel). A window [start, start + size) of event time can
only be closed when the processor believes no more of its events will come; the *watermark* is
that belief: the largest event time seen so far minus an allowed lateness. A window closes when
the watermark passes its end; an event that arrives for a closed window is *late* and is counted
apart (dropped from the window's result). Like a post office that closes a day's batch once mail
stamped two days later has started to arrive.

>>> events = stream(count=200, seed=0)
>>> result = window_counts(events, window_s=10, lateness_s=5)
>>> result.on_time + result.late == 200
True

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MAX_EVENTS = 100_000


@dataclass(frozen=True)
class Event:
    """One event: its key, when it happened (s) and when it reached the processor (s)."""

    key: str
    event_time: float
    arrival_time: float


@dataclass
class WindowResult:
    """Counts per window start (s) as emitted when the window closed, and the late events."""

    counts: dict[float, int] = field(default_factory=dict)
    late_events: list[Event] = field(default_factory=list)
    #: window start -> watermark (s) at which it closed (the emit time, in event-time terms)
    closed_at: dict[float, float] = field(default_factory=dict)
    #: window start -> arrival time (s) of the event whose watermark closed it (the emit time)
    emitted_at: dict[float, float] = field(default_factory=dict)

    @property
    def on_time(self) -> int:
        return sum(self.counts.values())

    @property
    def late(self) -> int:
        return len(self.late_events)


def stream(count: int, seed: int, rate_per_s: float = 2.0, delay_median_s: float = 1.0,
           straggler_share: float = 0.05, straggler_delay_s: float = 30.0, keys: int = 3) -> list[Event]:
    """Seeded events in arrival order: Poisson event times, lognormal delays, a share of stragglers.

    Most delays are lognormal around ``delay_median_s``; a ``straggler_share`` of the events is
    held back a further uniform 0 … ``straggler_delay_s`` seconds (a phone offline).

    >>> [round(e.arrival_time - e.event_time, 3) >= 0 for e in stream(5, seed=1)]
    [True, True, True, True, True]
    """
    if not (isinstance(count, int) and 1 <= count <= MAX_EVENTS):
        raise ValueError(f"count must be an integer in 1 … {MAX_EVENTS:,}; got {count!r}")
    if not 0 <= straggler_share <= 1:
        raise ValueError(f"straggler_share must be in [0, 1]; got {straggler_share!r}")
    for name, value in (("rate_per_s", rate_per_s), ("delay_median_s", delay_median_s)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    if not (math.isfinite(straggler_delay_s) and straggler_delay_s >= 0):
        raise ValueError(f"straggler_delay_s must be a finite number >= 0; got {straggler_delay_s!r}")
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(1 / rate_per_s, size=count))
    delays = rng.lognormal(math.log(delay_median_s), 0.5, size=count)
    stragglers = rng.random(count) < straggler_share
    delays = delays + stragglers * rng.uniform(0, straggler_delay_s, size=count)
    names = [f"k{i}" for i in rng.integers(0, keys, size=count)]
    events = [Event(k, round(float(t), 6), round(float(t + d), 6)) for k, t, d in zip(names, times, delays)]
    return sorted(events, key=lambda e: (e.arrival_time, e.event_time))


def window_start(event_time: float, window_s: float) -> float:
    """Start (s) of the tumbling window of size ``window_s`` holding ``event_time``.

    >>> window_start(23.5, 10)
    20.0
    """
    return float(math.floor(event_time / window_s) * window_s)


def window_counts(events: list[Event], window_s: float, lateness_s: float) -> WindowResult:
    """Count events per tumbling event-time window, closing windows as the watermark passes them.

    Events are processed in arrival order. Watermark = max event time seen − ``lateness_s``; a
    window [s, s + window_s) closes when the watermark reaches s + window_s. Windows still open
    at the end of the input are closed then (the end of a bounded stream advances the watermark
    to infinity).
    """
    if not (math.isfinite(window_s) and window_s > 0):
        raise ValueError(f"window_s must be a finite number > 0; got {window_s!r}")
    if math.isnan(lateness_s) or lateness_s < 0:
        raise ValueError(f"lateness_s must be a number >= 0 (math.inf: never late); got {lateness_s!r}")
    result = WindowResult()
    open_counts: dict[float, int] = {}
    watermark = -math.inf
    for event in sorted(events, key=lambda e: (e.arrival_time, e.event_time)):
        start = window_start(event.event_time, window_s)
        # a window whose end the watermark has passed is closed, whether or not it ever held an event
        if start + window_s <= watermark:
            result.late_events.append(event)
        else:
            open_counts[start] = open_counts.get(start, 0) + 1
        watermark = max(watermark, event.event_time - lateness_s)
        for s in sorted(s for s in open_counts if s + window_s <= watermark):
            result.counts[s] = open_counts.pop(s)
            result.closed_at[s] = watermark
            result.emitted_at[s] = event.arrival_time
    for s in sorted(open_counts):
        result.counts[s] = open_counts[s]
        result.closed_at[s] = math.inf
        result.emitted_at[s] = math.inf
    result.counts = dict(sorted(result.counts.items()))
    return result


def exact_counts(events: list[Event], window_s: float) -> dict[float, int]:
    """Count per window with every event in its window, however late (what a batch job over all data sees).

    >>> exact_counts([Event("a", 1.0, 50.0), Event("a", 12.0, 13.0)], 10)
    {0.0: 1, 10.0: 1}
    """
    counts: dict[float, int] = {}
    for event in events:
        start = window_start(event.event_time, window_s)
        counts[start] = counts.get(start, 0) + 1
    return dict(sorted(counts.items()))
