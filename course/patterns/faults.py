"""Fault injection (chaos): what can go wrong, when, and for how long.

Each fault is an interval ``[start, end)`` in simulated seconds (``end=None``: until the run
stops) acting on a service or on the network between nodes:

===================  ====================================================================
fault                effect while active
===================  ====================================================================
:class:`Crash`       the service is down: work in progress and queued requests end with
                     ``connection_error``, new requests are refused the same way; on
                     recovery it restarts empty (its breakers and bulkheads forget too)
:class:`SlowDown`    every service time becomes ``time × factor + extra_latency``
:class:`ErrorRate`   each arriving request is answered at once with ``status`` with
                     probability ``probability`` (a broken service failing fast)
:class:`DropMessages`  each message between ``between[0]`` and ``between[1]`` (both ways)
                     is lost with ``probability``: the caller hears nothing and times out
:class:`DelayMessages` each message between the two nodes takes ``delay`` seconds longer
:class:`Partition`   no message passes between any node of ``group_a`` and any of ``group_b``
===================  ====================================================================

Faults are scheduled (give ``start``/``end``) or random: :func:`random_faults` draws a
seeded on/off schedule (exponential times between faults and exponential durations) and
returns ordinary scheduled faults, so a random run is recorded and replayable like any
other. Every run lists its faults in ``result.faults`` for plots to shade.

>>> crash = Crash("catalog", start=30.0, end=45.0)
>>> crash.kind, crash.target, crash.duration
('crash', 'catalog', 15.0)
>>> [round(f.start, 1) for f in random_crashes("db", 100.0, 10.0, horizon=300.0, seed=1)]
[210.2]

Taught in: Ep13 · 2-implementation (chaos experiments).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from course.sim.streams import seed_entropy, stream_generator
from course.validation import (
    require_non_negative,
    require_positive,
    require_probability,
)

__all__ = [
    "Fault", "Crash", "SlowDown", "ErrorRate", "DropMessages", "DelayMessages", "Partition",
    "random_faults", "random_crashes",
]


class Fault:
    """Base of every fault: active from ``start`` to ``end`` seconds (``None``: to the end)."""

    start: float
    end: float | None

    def _check_interval(self) -> None:
        require_non_negative("start", self.start)
        if self.end is not None and not self.end > self.start:
            raise ValueError(f"end must be > start ({self.start:g}) or None; got {self.end!r}")

    @property
    def kind(self) -> str:
        """Short name of the fault type, the ``kind`` column of ``result.faults``."""
        return _KINDS[type(self)]

    @property
    def duration(self) -> float:
        """Seconds the fault lasts (infinite if it never ends)."""
        return math.inf if self.end is None else self.end - self.start

    @property
    def target(self) -> str:
        """What the fault hits, as text (a service, or two nodes joined by ``<->``)."""
        raise NotImplementedError

    def detail(self) -> str:
        """The fault's parameters as text, for the fault table."""
        return ""

    def apply(self, run) -> None:
        """Start the fault's effect on a running simulation (a :class:`~.runtime.Run`)."""
        raise NotImplementedError

    def revert(self, run) -> None:
        """End the fault's effect."""
        raise NotImplementedError


class _NetworkFault(Fault):
    """A fault on messages: its ``effects()`` are (node, node, loss probability, delay)."""

    def effects(self) -> list[tuple[str, str, float, float]]:
        raise NotImplementedError

    def apply(self, run) -> None:
        run.set_network_faults(run.network_faults + [self])

    def revert(self, run) -> None:
        run.set_network_faults([fault for fault in run.network_faults if fault is not self])


@dataclass(frozen=True)
class Crash(Fault):
    """Service ``service`` is down during the interval, then recovers empty."""

    service: str
    start: float
    end: float | None = None

    def __post_init__(self):
        self._check_interval()

    @property
    def target(self) -> str:
        return self.service

    def apply(self, run) -> None:
        run.crash(self.service)

    def revert(self, run) -> None:
        run.recover(self.service)


@dataclass(frozen=True)
class SlowDown(Fault):
    """Service times of ``service`` become ``time × factor + extra_latency`` seconds."""

    service: str
    start: float
    end: float | None = None
    extra_latency: float = 0.0
    factor: float = 1.0

    def __post_init__(self):
        self._check_interval()
        require_non_negative("extra_latency", self.extra_latency)
        require_positive("factor", self.factor)

    @property
    def target(self) -> str:
        return self.service

    def detail(self) -> str:
        return f"x{self.factor:g} +{self.extra_latency:g}s"

    def apply(self, run) -> None:
        node = run.nodes[self.service]
        node.slow, node.factor, node.extra_latency = True, self.factor, self.extra_latency

    def revert(self, run) -> None:
        node = run.nodes[self.service]
        node.slow, node.factor, node.extra_latency = False, 1.0, 0.0


@dataclass(frozen=True)
class ErrorRate(Fault):
    """Service ``service`` answers ``status`` at once to a fraction ``probability`` of requests."""

    service: str
    start: float
    end: float | None = None
    probability: float = 1.0
    status: int = 500

    def __post_init__(self):
        self._check_interval()
        require_probability("probability", self.probability)
        if not (isinstance(self.status, int) and 400 <= self.status <= 599):
            raise ValueError(f"status must be an HTTP error status in [400, 599]; got {self.status!r}")

    @property
    def target(self) -> str:
        return self.service

    def detail(self) -> str:
        return f"{self.probability:.0%} -> {self.status}"

    def apply(self, run) -> None:
        node = run.nodes[self.service]
        node.error_probability, node.error_status = self.probability, self.status

    def revert(self, run) -> None:
        run.nodes[self.service].error_probability = 0.0


def _check_pair(between) -> tuple[str, str]:
    if not (isinstance(between, tuple | list) and len(between) == 2 and between[0] != between[1]):
        raise ValueError(f"between must be two different node names; got {between!r}")
    return tuple(between)


@dataclass(frozen=True)
class DropMessages(_NetworkFault):
    """Messages between the two nodes of ``between`` (both directions) are lost at random."""

    between: tuple
    start: float
    end: float | None = None
    probability: float = 1.0

    def __post_init__(self):
        self._check_interval()
        object.__setattr__(self, "between", _check_pair(self.between))
        require_probability("probability", self.probability)

    @property
    def target(self) -> str:
        return "<->".join(self.between)

    def detail(self) -> str:
        return f"{self.probability:.0%} lost"

    def effects(self):
        return [(*self.between, self.probability, 0.0)]


@dataclass(frozen=True)
class DelayMessages(_NetworkFault):
    """Messages between the two nodes of ``between`` take ``delay`` extra seconds."""

    between: tuple
    start: float
    end: float | None = None
    delay: float = 0.1

    def __post_init__(self):
        self._check_interval()
        object.__setattr__(self, "between", _check_pair(self.between))
        require_positive("delay", self.delay)

    @property
    def target(self) -> str:
        return "<->".join(self.between)

    def detail(self) -> str:
        return f"+{self.delay:g}s"

    def effects(self):
        return [(*self.between, 0.0, self.delay)]


@dataclass(frozen=True)
class Partition(_NetworkFault):
    """No message passes between a node of ``group_a`` and a node of ``group_b``."""

    group_a: tuple
    group_b: tuple
    start: float
    end: float | None = None

    def __post_init__(self):
        self._check_interval()
        group_a, group_b = tuple(self.group_a), tuple(self.group_b)
        if not group_a or not group_b or set(group_a) & set(group_b):
            raise ValueError("group_a and group_b must be non-empty and share no node")
        object.__setattr__(self, "group_a", group_a)
        object.__setattr__(self, "group_b", group_b)

    @property
    def target(self) -> str:
        return f"{{{','.join(self.group_a)}}}|{{{','.join(self.group_b)}}}"

    def effects(self):
        return [(a, b, 1.0, 0.0) for a in self.group_a for b in self.group_b]


_KINDS = {
    Crash: "crash", SlowDown: "slow_down", ErrorRate: "error_rate",
    DropMessages: "drop_messages", DelayMessages: "delay_messages", Partition: "partition",
}


def random_faults(
    make_fault: Callable[[float, float], Fault],
    mean_time_between: float,
    mean_duration: float,
    horizon: float,
    seed,
    name: str = "faults",
) -> list[Fault]:
    """Draw an on/off fault schedule up to ``horizon`` seconds; return the faults.

    Healthy spells last Exponential(mean ``mean_time_between``) seconds, faults
    Exponential(mean ``mean_duration``): an alternating renewal process, available a
    fraction MTBF / (MTBF + MTTR) of the time. ``make_fault(start, end)`` builds each fault.
    ``name`` picks the random stream, so two schedules in one run can be independent.

    >>> faults = random_faults(lambda s, e: ErrorRate("db", s, e, probability=0.5),
    ...                        mean_time_between=60.0, mean_duration=5.0, horizon=200.0, seed=3)
    >>> all(f.kind == "error_rate" for f in faults)
    True
    """
    require_positive("mean_time_between", mean_time_between)
    require_positive("mean_duration", mean_duration)
    require_positive("horizon", horizon)
    rng = stream_generator(seed_entropy(seed), f"random_faults:{name}")
    faults: list[Fault] = []
    time = 0.0
    while True:
        time += float(rng.exponential(mean_time_between))
        if time >= horizon:
            return faults
        end = time + float(rng.exponential(mean_duration))
        faults.append(make_fault(time, min(end, horizon)))
        time = end


def random_crashes(
    service: str, mean_time_between: float, mean_time_to_recovery: float, horizon: float, seed
) -> list[Crash]:
    """Random :class:`Crash` faults of ``service``: MTBF and MTTR in seconds, up to ``horizon``."""
    return random_faults(
        lambda start, end: Crash(service, start, end),
        mean_time_between, mean_time_to_recovery, horizon, seed, name=f"crash:{service}",
    )
