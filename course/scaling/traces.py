"""Seeded load traces (requests per second, one value per step): diurnal, flash crowd, seasonal weeks.

>>> trace = diurnal_trace(seed=1)
>>> len(trace), bool(trace.min() > 0)
(1440, True)

Taught in: Ep18 · 1-foundations (auto-scaling).
"""

from __future__ import annotations

import numpy as np

from course.sim.streams import spawn_generators
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["diurnal_trace", "flash_crowd_trace", "seasonal_trace", "TRACES", "trace_by_name"]

#: One minute per step: the traces and the auto-scaling simulation share it.
STEP_SECONDS = 60.0


def _noisy(shape: np.ndarray, noise: float, seed) -> np.ndarray:
    noise = require_non_negative("noise", noise)
    rng = spawn_generators(seed, 1)[0]
    return np.maximum(shape * (1.0 + noise * rng.standard_normal(shape.size)), 0.0)


def diurnal_trace(days: int = 1, trough: float = 200.0, peak: float = 1000.0, noise: float = 0.03,
                  seed=0) -> np.ndarray:
    """A day-night cycle: ``trough`` at 04:00, ``peak`` at 16:00 (requests/s), one value per minute.

    >>> round(float(diurnal_trace(noise=0.0)[16 * 60]), 6)
    1000.0
    """
    days = require_int("days", days, minimum=1, maximum=60)
    require_positive("trough", trough)
    if not peak >= trough:
        raise ValueError(f"peak must be >= trough (= {trough:g}); got {peak:g}")
    hours = np.arange(days * 1440) / 60.0
    shape = trough + (peak - trough) * 0.5 * (1 - np.cos(2 * np.pi * (hours - 4.0) / 24.0))
    return _noisy(shape, noise, seed)


def flash_crowd_trace(base: float = 300.0, surge: float = 4.0, start_minute: int = 120, ramp_minutes: int = 5,
                      hold_minutes: int = 60, minutes: int = 360, noise: float = 0.03, seed=0) -> np.ndarray:
    """A steady ``base`` load that jumps to ``surge`` × base over ``ramp_minutes``, holds, then decays.

    >>> trace = flash_crowd_trace(noise=0.0)
    >>> float(trace[0]), float(trace[130])
    (300.0, 1200.0)
    """
    require_positive("base", base)
    require_positive("surge", surge)
    minutes = require_int("minutes", minutes, minimum=10, maximum=100_000)
    start = require_int("start_minute", start_minute, minimum=0, maximum=minutes - 1)
    ramp = require_int("ramp_minutes", ramp_minutes, minimum=1, maximum=minutes)
    hold = require_int("hold_minutes", hold_minutes, minimum=0, maximum=minutes)
    t = np.arange(minutes, dtype=float)
    factor = np.ones(minutes)
    rising = (t >= start) & (t < start + ramp)
    factor[rising] = 1 + (surge - 1) * (t[rising] - start + 1) / ramp
    held = (t >= start + ramp) & (t < start + ramp + hold)
    factor[held] = surge
    after = t >= start + ramp + hold
    factor[after] = 1 + (surge - 1) * np.exp(-(t[after] - start - ramp - hold) / 30.0)
    return _noisy(base * factor, noise, seed)


def seasonal_trace(days: int = 8, trough: float = 200.0, peak: float = 1000.0, weekend_factor: float = 0.6,
                   noise: float = 0.03, seed=0) -> np.ndarray:
    """Diurnal days, with days 6 and 7 of each week at ``weekend_factor`` of a weekday (per minute).

    >>> trace = seasonal_trace(days=7, noise=0.0)
    >>> round(float(trace[5 * 1440 + 16 * 60] / trace[16 * 60]), 6)
    0.6
    """
    trace = diurnal_trace(days, trough, peak, noise=0.0)
    day = np.arange(trace.size) // 1440
    trace = np.where(day % 7 >= 5, trace * weekend_factor, trace)
    return _noisy(trace, noise, seed)


TRACES = {"diurnal": diurnal_trace, "flash crowd": flash_crowd_trace}


def trace_by_name(name: str, seed=0) -> np.ndarray:
    """One of :data:`TRACES` with its default shape.

    >>> trace_by_name("flash crowd").size
    360
    """
    if name not in TRACES:
        raise ValueError(f"trace must be one of {', '.join(TRACES)}; got {name!r}")
    return TRACES[name](seed=seed)
