"""A replicated service with failures and repairs, simulated on the kit's event loop.

``units`` identical replicas serve together; the service is *up* while at least
``required`` of them work (N + 1 redundancy is ``units = n + 1, required = n``; a hot
active–standby pair is ``units = 2, required = 1``). Each working replica fails after a
lifetime drawn from ``lifetime``; a failed replica waits, first come first served, for one of
``repair_crews`` crews, which repairs it in a time drawn from ``repair_time``; then it works
again, as good as new. With exponential lifetimes and repairs this is exactly the chain of
:class:`course.reliability.markov.RepairableGroup`, so the simulation can be checked against
the chain's exact availability — and then used where the chain cannot go (repair times
that are not exponential, a fixed-length rebuild).

The availability is measured by **independent replications**: ``replications`` runs, each
from all replicas working and with its own random streams of ``seed``; each run's
availability is the fraction of its measured time (after ``warmup``) that the service was
up, and the 95 % interval is Student's t over the runs' values (they are independent and
identically distributed, which is why this method needs no batch-size tuning).

Times are in the unit of the rates (hours in the notebooks).

>>> run = simulate_replicated(units=3, required=2, failure_rate=0.01, repair_rate=1.0,
...                           horizon=20_000, replications=10, seed=7)
>>> low, high = run.interval
>>> bool(low < run.availability < high), len(run.per_replication)
(True, 10)

Taught in: Ep52 · 2-implementation.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from course.intervals import Interval
from course.sim.distributions import Distribution, as_distribution, exponential_with_rate
from course.sim.loop import EventLoop
from course.sim.streams import random_stream, spawn_generators
from course.validation import require_int, require_non_negative, require_open_unit, require_positive

__all__ = ["ReplicatedRun", "simulate_replicated"]

#: Most events one simulation may process (all replications together): a typo in the horizon
#: must not run for an hour.
MAX_EVENTS = 20_000_000


@dataclass(frozen=True)
class ReplicatedRun:
    """What :func:`simulate_replicated` measured.

    ``availability``: mean over the replications of the fraction of time up; ``interval``:
    its confidence ``Interval`` (Student's t over independent replications);
    ``per_replication``: each run's availability; ``outages`` and ``mean_outage``: how many
    times the service went down (all runs) and their mean length (time units; NaN if none);
    ``events``: tidy records of the first replication (time, event, replica, failed, up),
    at most ``record_limit`` of them.
    """

    availability: float
    interval: Interval
    per_replication: np.ndarray
    outages: int
    mean_outage: float
    horizon: float
    events: list[dict] = field(repr=False)

    @property
    def unavailability(self) -> float:
        """1 − availability (the share of time down)."""
        return 1.0 - self.availability


class _Run:
    """One replication: the replicas' states and the clock that moves them."""

    def __init__(self, units, required, crews, lifetimes, repairs, start, end, record_limit,
                 max_failures=MAX_EVENTS):
        self.loop = EventLoop()
        self.required, self.units = required, units
        self.free_crews = crews
        self.waiting: deque[int] = deque()
        self.lifetimes, self.repairs = lifetimes, repairs
        self.start, self.end = start, end
        self.failed = 0
        self.failures = 0
        self.down_time = 0.0
        self.outages, self.outage_time = 0, 0.0
        self.went_down_at = math.nan
        self.events: list[dict] = []
        self.record_limit = record_limit
        self.max_failures = max_failures
        for replica in range(units):
            self.loop.schedule_in(next(lifetimes), self.fail, replica)

    @property
    def up(self) -> bool:
        return self.units - self.failed >= self.required

    def _measured(self, a: float, b: float) -> float:
        """Length of [a, b] inside the measured window [start, end]."""
        return max(0.0, min(b, self.end) - max(a, self.start))

    def _record(self, event: str, replica: int) -> None:
        if len(self.events) < self.record_limit:
            self.events.append({"time": self.loop.now, "event": event, "replica": replica,
                                "failed": self.failed, "up": self.up})

    def fail(self, replica: int) -> None:
        self.failures += 1
        if self.failures > self.max_failures:  # lifetimes far shorter than their stated mean: stop, do not hang
            raise ValueError("lifetime draws are far shorter than its mean: "
                             f"over {self.max_failures:,} failures in one run")
        was_up = self.up
        self.failed += 1
        if was_up and not self.up:
            self.went_down_at = self.loop.now
        self._record("failure", replica)
        if self.free_crews:
            self.free_crews -= 1
            self.loop.schedule_in(next(self.repairs), self.repaired, replica)
        else:
            self.waiting.append(replica)

    def repaired(self, replica: int) -> None:
        was_up = self.up
        self.failed -= 1
        if self.up and not was_up:
            self._close_outage(self.loop.now)
        self._record("repaired", replica)
        self.loop.schedule_in(next(self.lifetimes), self.fail, replica)
        if self.waiting:
            self.loop.schedule_in(next(self.repairs), self.repaired, self.waiting.popleft())
        else:
            self.free_crews += 1

    def _close_outage(self, now: float) -> None:
        measured = self._measured(self.went_down_at, now)
        self.down_time += measured
        if measured > 0:
            self.outages += 1
            self.outage_time += measured

    def run(self) -> float:
        self.loop.run(until=self.end)
        if not self.up:  # an outage still open at the end counts up to the end
            self._close_outage(self.end)
        return 1.0 - self.down_time / (self.end - self.start)


def simulate_replicated(units: int, required: int, failure_rate: float, repair_rate: float, *,
                        horizon: float, seed, replications: int = 20, repair_crews: int = 1,
                        warmup: float = 0.0, lifetime: Distribution | None = None,
                        repair_time: Distribution | None = None, confidence: float = 0.95,
                        record_limit: int = 1000) -> ReplicatedRun:
    """Simulate ``replications`` independent runs of the replicated service; measure availability.

    ``failure_rate`` (per time unit, per working replica) and ``repair_rate`` (per crew)
    set exponential lifetimes and repairs; pass ``lifetime`` or ``repair_time`` (a
    :mod:`course.sim` distribution, in the same time unit) to replace either — then the rate
    is not used for it. Each run measures ``horizon`` time units after ``warmup``.
    ``seed``: a whole number >= 0 (or a numpy Generator); run r draws lifetimes and repairs
    from streams 2r and 2r + 1 of it, so adding runs leaves the first ones unchanged.

    >>> run = simulate_replicated(2, 1, 0.001, 0.5, horizon=1000.0, replications=2, seed=1)
    >>> run.events[0]["event"], run.horizon
    ('failure', 1000.0)
    """
    units = require_int("units", units, minimum=1, maximum=10_000)
    required = require_int("required", required, minimum=1, maximum=units)
    failure_rate = require_positive("failure_rate", failure_rate)
    repair_rate = require_positive("repair_rate", repair_rate)
    horizon = require_positive("horizon", horizon)
    warmup = require_non_negative("warmup", warmup)
    replications = require_int("replications", replications, minimum=2, maximum=100_000)
    repair_crews = require_int("repair_crews", repair_crews, minimum=1, maximum=units)
    confidence = require_open_unit("confidence", confidence)
    record_limit = require_int("record_limit", record_limit, minimum=0)
    lifetime = (exponential_with_rate("failure_rate", failure_rate) if lifetime is None
                else as_distribution("lifetime", lifetime))
    repair_time = (exponential_with_rate("repair_rate", repair_rate) if repair_time is None
                   else as_distribution("repair_time", repair_time))
    if not (isinstance(lifetime.mean, int | float) and lifetime.mean > 0):
        raise ValueError("lifetime must have a known mean > 0 (as in Sampler(function, mean=...)); "
                         f"got {lifetime!r}")
    expected_events = 2 * units * (warmup + horizon) * replications / lifetime.mean
    if expected_events > MAX_EVENTS:
        raise ValueError(
            f"horizon is too long: about {expected_events:,.0f} events expected (at most {MAX_EVENTS:,}); "
            "shorten horizon or use fewer replications"
        )
    # An honest lifetime distribution fails each replica about (warmup + horizon) / mean times a
    # run; ten times that plus 10,000 is never reached by chance, only by draws (zeros, say)
    # that contradict the stated mean, which would otherwise spin at one instant of time.
    max_failures = min(MAX_EVENTS, math.ceil(10 * units * (warmup + horizon) / lifetime.mean) + 10_000)
    streams = spawn_generators(seed, 2 * replications)
    values, outages, outage_time, events = [], 0, 0.0, []
    for r in range(replications):
        life_rng, repair_rng = streams[2 * r], streams[2 * r + 1]
        run = _Run(units, required, repair_crews,
                   random_stream(lambda size, g=life_rng: lifetime.sample(g, size)),
                   random_stream(lambda size, g=repair_rng: repair_time.sample(g, size)),
                   warmup, warmup + horizon, record_limit if r == 0 else 0, max_failures)
        values.append(run.run())
        outages += run.outages
        outage_time += run.outage_time
        if r == 0:
            events = run.events
    per_run = np.array(values)
    mean = float(per_run.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, replications - 1) * per_run.std(ddof=1)
                 / math.sqrt(replications))
    return ReplicatedRun(
        availability=mean,
        interval=Interval(mean - half, mean + half, estimate=mean),
        per_replication=per_run,
        outages=outages,
        mean_outage=outage_time / outages if outages else math.nan,
        horizon=horizon,
        events=events,
    )
