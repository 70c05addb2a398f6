"""The lambda architecture's three layers beside one streaming path (kappa).

*Lambda*: a batch layer recomputes exact results from all the data every few hours; a speed
layer gives approximate results for the recent hours, in seconds; a serving layer answers a
query by taking the batch view where it exists and the speed view after it. Two code paths
compute "the same" thing, and they must agree — the cost the kappa architecture (one streaming
path; reprocess by replaying the log) and unified engines (Beam, Flink: one program for bounded
and unbounded data) remove.

>>> from course.architecture.streaming import stream
>>> events = stream(300, seed=2)
>>> served = serve(events, window_s=10, lateness_s=5, batch_horizon_s=60)
>>> exact = kappa(events, window_s=10)          # one path, the log replayed: the batch layer's numbers
>>> all(served[s] == exact[s] for s in served if s + 10 <= 60)
True

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from course.architecture.streaming import Event, exact_counts, window_counts, window_start


def batch_view(events: list[Event], window_s: float, batch_horizon_s: float) -> dict[float, int]:
    """Exact counts for the windows that end at or before ``batch_horizon_s`` (event time, s).

    >>> batch_view([Event("a", 1.0, 90.0), Event("a", 75.0, 76.0)], 10, 60)
    {0.0: 1}
    """
    if math.isnan(batch_horizon_s) or batch_horizon_s < 0:
        raise ValueError(f"batch_horizon_s must be a number >= 0 (math.inf: the batch layer has seen everything); "
                         f"got {batch_horizon_s!r}")
    return {s: c for s, c in exact_counts(events, window_s).items() if s + window_s <= batch_horizon_s}


def speed_view(events: list[Event], window_s: float, lateness_s: float) -> dict[float, int]:
    """Watermarked counts (late events dropped): fast, approximate."""
    return window_counts(events, window_s, lateness_s).counts


def serve(events: list[Event], window_s: float, lateness_s: float, batch_horizon_s: float,
          speed: Callable[[list[Event], float, float], dict[float, int]] = speed_view) -> dict[float, int]:
    """The serving layer: the batch view up to the horizon, the speed view after it.

    ``speed`` may be replaced by another implementation of the speed layer (the second code path).
    """
    merged = dict(batch_view(events, window_s, batch_horizon_s))
    for s, c in speed(events, window_s, lateness_s).items():
        if s + window_s > batch_horizon_s:
            merged[s] = c
    return dict(sorted(merged.items()))


def kappa(events: list[Event], window_s: float) -> dict[float, int]:
    """One streaming path, replayed from the start of the log with lateness enough for every event.

    A replay of a bounded log closes every window only at its end, so no event is late: the same
    numbers as the batch layer, from the same code as the live stream.
    """
    return window_counts(events, window_s, lateness_s=math.inf).counts


def disagreements(events: list[Event], window_s: float, lateness_s: float) -> dict[float, tuple[int, int]]:
    """Windows where the speed layer's count differs from the exact count: start -> (speed, exact).

    >>> disagreements([Event("a", 1.0, 40.0), Event("a", 31.0, 32.0)], 10, 0)
    {0.0: (0, 1)}
    """
    fast = speed_view(events, window_s, lateness_s)
    exact = exact_counts(events, window_s)
    starts = sorted(set(fast) | set(exact))
    return {s: (fast.get(s, 0), exact.get(s, 0)) for s in starts if fast.get(s, 0) != exact.get(s, 0)}


__all__ = ["batch_view", "speed_view", "serve", "kappa", "disagreements", "window_start"]
