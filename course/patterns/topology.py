"""What a simulated system is made of: services, their endpoints, clients, dependencies.

These are *descriptions* (immutable, reusable across runs); :class:`~.simulation.Simulation`
turns them into running state. A request's life:

1. a :class:`Client` sends requests as a Poisson process at ``arrival_rate`` per second
   (constant, or changing at given times) through its :class:`Dependency` (the call);
2. the :class:`Service` takes it if a worker is free, queues it if its queue has room,
   or refuses it (``rejected``; or ``shed`` by a load-shedding rule);
3. a worker spends a service time on it (drawn from the endpoint's distribution), then
   makes the endpoint's calls one after another, holding the worker while it waits —
   the thread-per-request model in which a slow dependency eats a whole pool;
4. every call goes through its patterns, outermost first: retry ( circuit breaker (
   timeout ( bulkhead ( send ) ) ) ) — Resilience4j's documented order;
5. the worker answers ``success`` (``degraded`` if a fallback was used) or, if a call
   failed without fallback, ``error`` 502 (504 if the call timed out).

Durations are distribution objects from :mod:`course.sim.distributions` (``Exponential(rate)``,
``Lognormal(mean, cv)``, ``Deterministic(value)``, …) or any object with a ``mean`` and a
``sample(rng, size)`` method, in seconds.

>>> from course.patterns import Exponential
>>> catalog = Service("catalog", workers=8, service_time=Exponential(rate=100.0))
>>> frontend = Service("frontend", workers=20, queue_capacity=50,
...                    calls=[Dependency("catalog", timeout=0.5)])
>>> client = Client("users", arrival_rate=[(0, 100.0), (60, 300.0)],
...                 call=Dependency("frontend", timeout=2.0))
>>> client.rate_at(30.0), client.rate_at(90.0), catalog.endpoints["default"].mean_service_time
(100.0, 300.0, 0.01)

Taught in: Ep13 · 2-implementation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from course.patterns.breaker import (
    HYSTRIX,
    HYSTRIX_EXECUTION_TIMEOUT,
    HYSTRIX_THREAD_POOL_SIZE,
    BreakerConfig,
)
from course.patterns.degradation import Degradation, Fallback
from course.patterns.isolation import Bulkhead, LatencyShedding, QueueLengthShedding
from course.patterns.outcomes import counts_as_failure
from course.patterns.retry import Retry
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["Dependency", "Endpoint", "Service", "Client"]

DEFAULT_ENDPOINT = "default"


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not name or any(mark in name for mark in "<>|{},"):
        raise ValueError(f"{what} must be a non-empty name without <>|{{}},; got {name!r}")
    return name


@dataclass(frozen=True)
class Dependency:
    """One call to ``target`` (a service name) and the patterns that guard it.

    - ``timeout``: seconds before the caller gives up (``None``: wait forever);
    - ``retry``: a :class:`~.retry.Retry` policy; ``breaker``: a
      :class:`~.breaker.BreakerConfig`; ``bulkhead``: a :class:`~.isolation.Bulkhead`;
    - ``fallback``: a :class:`~.degradation.Fallback` ladder used when the call fails
      (or is skipped); ``skip_at_level``: skip the call when the caller's degradation level
      is at least this (``None``: essential, never skipped);
    - ``is_failure(outcome, status)``: which failed calls the breaker counts as failures
      (it is not consulted for ``success`` and ``degraded`` answers).

    Calls from one service to one target share a breaker and a bulkhead (one per pair).
    """

    target: str
    endpoint: str = DEFAULT_ENDPOINT
    timeout: float | None = None
    retry: Retry | None = None
    breaker: BreakerConfig | None = None
    bulkhead: Bulkhead | None = None
    fallback: Fallback | None = None
    skip_at_level: int | None = None
    is_failure: Callable[[int, int], bool] = counts_as_failure

    def __post_init__(self):
        _check_name(self.target, "target")
        if self.timeout is not None:
            require_positive("timeout", self.timeout)
        for name, kind in (("retry", Retry), ("breaker", BreakerConfig), ("bulkhead", Bulkhead),
                           ("fallback", Fallback)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise ValueError(f"{name} must be a {kind.__name__} or None; got {value!r}")
        if self.skip_at_level is not None:
            require_int("skip_at_level", self.skip_at_level, minimum=1)
        if not callable(self.is_failure):
            raise ValueError("is_failure must be callable as is_failure(outcome, status)")

    @classmethod
    def hystrix(cls, target: str, **changes) -> Dependency:
        """A call with Hystrix's defaults: 1 s timeout, its breaker, a 10-thread pool, no queue."""
        values = dict(timeout=HYSTRIX_EXECUTION_TIMEOUT, breaker=HYSTRIX,
                      bulkhead=Bulkhead(HYSTRIX_THREAD_POOL_SIZE, 0))
        values.update(changes)
        return cls(target, **values)


@dataclass(frozen=True)
class Endpoint:
    """A route of a service: its own service-time distribution and its own calls."""

    name: str = DEFAULT_ENDPOINT
    service_time: object = None
    calls: tuple = ()

    def __post_init__(self):
        _check_name(self.name, "endpoint name")
        if self.service_time is not None:
            check_duration("service_time", self.service_time)
        calls = tuple(self.calls)
        if not all(isinstance(call, Dependency) for call in calls):
            raise ValueError("calls must be Dependency objects")
        object.__setattr__(self, "calls", calls)

    @property
    def mean_service_time(self) -> float:
        """Mean local work per request in seconds (0 when there is none)."""
        return 0.0 if self.service_time is None else float(self.service_time.mean)


class Service:
    """A service: ``workers`` in parallel, a FIFO queue of ``queue_capacity``, endpoints.

    A worker is a server of a queue (docs/glossary.md): ``workers`` is c, ``queue_capacity``
    counts only waiting requests, so the service holds at most c + ``queue_capacity``.

    ``service_time`` and ``calls`` describe the ``"default"`` endpoint; add more with
    ``endpoints=[Endpoint(...), ...]``. ``queue_capacity=None`` means unbounded.
    ``shedding`` is a :class:`~.isolation.QueueLengthShedding` or
    :class:`~.isolation.LatencyShedding` rule; ``degradation`` a
    :class:`~.degradation.Degradation` policy.
    """

    def __init__(
        self,
        name: str,
        workers: int,
        service_time=None,
        calls: Sequence[Dependency] = (),
        queue_capacity: int | None = None,
        endpoints: Sequence[Endpoint] = (),
        shedding: QueueLengthShedding | LatencyShedding | None = None,
        degradation: Degradation | None = None,
    ):
        self.name = _check_name(name, "service name")
        self.workers = require_int("workers", workers, minimum=1)
        if queue_capacity is None:
            self.queue_capacity = math.inf
        else:
            self.queue_capacity = require_int("queue_capacity", queue_capacity, minimum=0)
        if shedding is not None and not isinstance(shedding, QueueLengthShedding | LatencyShedding):
            raise ValueError(f"shedding must be QueueLengthShedding or LatencyShedding; got {shedding!r}")
        if degradation is not None and not isinstance(degradation, Degradation):
            raise ValueError(f"degradation must be a Degradation or None; got {degradation!r}")
        self.shedding = shedding
        self.degradation = degradation
        routes = list(endpoints)
        if service_time is not None or calls or not routes:
            routes.insert(0, Endpoint(DEFAULT_ENDPOINT, service_time, tuple(calls)))
        self.endpoints: dict[str, Endpoint] = {}
        for route in routes:
            if not isinstance(route, Endpoint):
                raise ValueError(f"endpoints must be Endpoint objects; got {route!r}")
            if route.name in self.endpoints:
                raise ValueError(f"endpoint {route.name!r} is defined twice in service {name!r}")
            self.endpoints[route.name] = route

    def __repr__(self):
        return f"Service({self.name!r}, workers={self.workers}, endpoints={list(self.endpoints)})"


class Client:
    """A source of requests: a Poisson process at ``arrival_rate`` per second, sending ``call``.

    ``arrival_rate`` is a number, or ``[(time, rate), ...]`` pairs (starting at time 0) for a
    rate that changes at those times: a non-homogeneous Poisson process, piecewise constant.
    """

    def __init__(self, name: str, arrival_rate, call: Dependency):
        self.name = _check_name(name, "client name")
        if not isinstance(call, Dependency):
            raise ValueError(f"call must be a Dependency; got {call!r}")
        self.call = call
        if isinstance(arrival_rate, int | float):
            pairs = [(0.0, arrival_rate)]
        else:
            try:
                pairs = [(time, rate) for time, rate in arrival_rate]
            except (TypeError, ValueError):
                raise ValueError(
                    "arrival_rate must be a number or a sequence of (time, rate) pairs"
                ) from None
        if not pairs or pairs[0][0] != 0:
            raise ValueError("arrival_rate pairs must start at time 0")
        times = [require_non_negative("arrival_rate time", time) for time, _ in pairs]
        if any(b <= a for a, b in zip(times, times[1:])):
            raise ValueError("arrival_rate times must increase")
        #: Times (s) at which the rate changes, and the rate (requests/s) from each time on.
        self.change_times = tuple(times)
        self.rates = tuple(require_non_negative("arrival_rate", rate) for _, rate in pairs)

    def rate_at(self, time: float) -> float:
        """The arrival rate (requests/s) in force at ``time``."""
        index = sum(1 for change in self.change_times if change <= time) - 1
        return self.rates[index]

    def expected_requests(self, duration: float) -> float:
        """Mean number of requests in [0, duration): the integral of the rate."""
        total = 0.0
        edges = list(self.change_times) + [math.inf]
        for rate, start, end in zip(self.rates, edges, edges[1:]):
            total += rate * max(0.0, min(end, duration) - start)
        return total

    def __repr__(self):
        return f"Client({self.name!r}, rates={self.rates}, target={self.call.target!r})"


def check_duration(name: str, value):
    """Return ``value`` if it can serve as a duration distribution (``mean`` and ``sample``).

    >>> check_duration("service_time", 0.1)
    Traceback (most recent call last):
    ...
    ValueError: service_time must be a distribution with a mean and sample(rng, size), such as Exponential(rate=...), Lognormal(mean=..., cv=...) or Deterministic(value=...); got 0.1
    """
    if callable(getattr(value, "sample", None)) and hasattr(value, "mean"):
        return value
    raise ValueError(
        f"{name} must be a distribution with a mean and sample(rng, size), such as "
        f"Exponential(rate=...), Lognormal(mean=..., cv=...) or Deterministic(value=...); "
        f"got {value!r}"
    )
