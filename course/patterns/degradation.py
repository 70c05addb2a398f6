"""Graceful degradation: fallback ladders and service levels from full to essential-only.

When a dependency fails, a service can still answer with less: the recommendations from a
model, else yesterday's cached ones, else a static "popular items" list. A
:class:`Fallback` is that ladder; each rung succeeds with some probability (a cache hit
ratio) after some latency. The rung used is the answer's *level*: 0 is full service,
1 the first fallback, and so on; any level above 0 makes the outcome ``degraded``.

A :class:`Degradation` policy switches a whole service down a level when it is overloaded,
before anything fails: with ``thresholds=(0.8, 1.0)`` the service runs at level 1 when its
load (busy workers + queued requests, divided by workers) reaches 0.8, and at level 2 from
1.0. A dependency marked ``skip_at_level=k`` is not called at level k or above: its
fallback is used straight away (essential calls have no ``skip_at_level`` and always run).

>>> ladder = Fallback(FallbackStep("cached", success_probability=0.9, latency=0.002),
...                   FallbackStep("static"))
>>> [step.name for step in ladder.steps], ladder.choose([0.95, 0.5])
(['cached', 'static'], 2)
>>> Degradation(thresholds=(0.8, 1.0)).level(load=0.9)
1

Taught in: Ep13 · 3-strategy (degradation levels, fallback ladders).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from course.validation import require_non_negative, require_positive, require_probability

__all__ = ["FallbackStep", "Fallback", "Degradation"]


@dataclass(frozen=True)
class FallbackStep:
    """One rung of a fallback ladder: works with ``success_probability`` after ``latency`` s."""

    name: str
    success_probability: float = 1.0
    latency: float = 0.0

    def __post_init__(self):
        require_probability("success_probability", self.success_probability)
        require_non_negative("latency", self.latency)


class Fallback:
    """A ladder of :class:`FallbackStep` tried in order after the real call failed."""

    __slots__ = ("steps",)

    def __init__(self, *steps: FallbackStep):
        if not steps or not all(isinstance(step, FallbackStep) for step in steps):
            raise ValueError("Fallback needs one or more FallbackStep rungs")
        self.steps = tuple(steps)

    def choose(self, uniforms) -> int:
        """Return the level served (1 = first rung) given uniform draws, or 0 if all failed.

        ``uniforms`` yields one draw in [0, 1) per rung tried; a rung works when its draw is
        below its ``success_probability``.
        """
        for level, (step, uniform) in enumerate(zip(self.steps, uniforms), start=1):
            if uniform < step.success_probability:
                return level
        return 0

    def latency(self, level: int) -> float:
        """Seconds spent to serve ``level``: the latencies of every rung tried up to it."""
        return sum(step.latency for step in self.steps[:level])

    def __repr__(self):
        return f"Fallback({', '.join(repr(step) for step in self.steps)})"


@dataclass(frozen=True)
class Degradation:
    """Service levels driven by load: level = how many ``thresholds`` the load has reached.

    Load = (busy workers + queued requests) / workers, measured when a call is about to go
    out. ``thresholds`` must increase.
    """

    thresholds: tuple = (0.8, 1.0)

    def __post_init__(self):
        values = tuple(require_positive("thresholds", value) for value in self.thresholds)
        if not values or any(b <= a for a, b in zip(values, values[1:])):
            raise ValueError(f"thresholds must be one or more increasing numbers > 0; got {values}")
        object.__setattr__(self, "thresholds", values)

    def level(self, load: float) -> int:
        """The service level (0 = full) at this ``load``."""
        return bisect_right(self.thresholds, load)
