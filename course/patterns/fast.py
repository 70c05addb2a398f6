"""The fast path: one common shape of system, simulated by a compiled event loop.

The readable engine (:class:`~.simulation.Simulation`, :mod:`.runtime`) is the
**reference**: it runs everywhere (browser-only Python too, where numba does not exist)
and handles every pattern. It spends ~4 µs of Python per event, so 10 simulated minutes
of 3 services at 1,000 requests/s (2.4 million events) take ~10 s of CPU. This module runs
the same model, for a narrower class of systems, in a numba-compiled loop over
preallocated arrays (:mod:`.fast_kernels`): ~0.2 µs per event,
~0.4 s for that run. The first call in a process compiles the loop (~6 s of CPU) or loads
it from numba's cache (~0.4 s). Without numba the same loop runs as plain Python, correct
but no faster than the reference.

Supported (anything else raises ValueError naming the feature — use the reference):

- **one client**: Poisson arrivals (constant or piecewise-constant rate), one call with an
  optional ``timeout`` (no breaker, bulkhead or retry on it);
- **one front service**: ``workers``, ``queue_capacity``, a service time, then calls to
  **K leaf services** one after another, each through a ``Dependency`` with optional
  ``timeout``, ``breaker`` (any :class:`~.breaker.BreakerConfig`: count, time or
  consecutive window, both half-open rules, jitter — presets ``HYSTRIX``, ``RESILIENCE4J``,
  ``PYBREAKER`` included) and ``bulkhead`` (:class:`~.isolation.Bulkhead`), and any
  ``is_failure`` rule; leaves make no calls;
- **faults**: ``SlowDown`` and ``ErrorRate`` on any service, ``Crash`` on a leaf;
- service times: any distribution object (``Exponential``, ``Lognormal``, ...).

Not supported: retries and budgets, fallbacks, degradation, load shedding, network delay
and network faults, several clients, deeper call graphs, crashing the front service.

It is the same model, not an approximation: random numbers are drawn from the reference's
named streams (see :mod:`course.sim.streams`) and events are ordered by the same (time, sequence)
rule, so both engines return the same records for the same seed
(``tests/test_patterns_fast.py`` checks this, checks statistical agreement over
independent seeds, and replays the breaker's decisions through the pure
:func:`~.breaker.transition`). When the two disagree, the reference is right. The result
offers the reference's DataFrames (``requests``, ``spans``, ``calls``, ``timeline``, ...)
through an ordinary :class:`~.metrics.Result`.

>>> from course.patterns import (HYSTRIX, Bulkhead, Client, Dependency, Exponential, Service,
...                              Simulation, SlowDown)
>>> front = Service("frontend", workers=60, service_time=Exponential(rate=500.0), calls=[
...     Dependency("catalog", timeout=0.5, breaker=HYSTRIX, bulkhead=Bulkhead(30))])
>>> catalog = Service("catalog", workers=20, service_time=Exponential(rate=100.0))
>>> simulation = Simulation([front, catalog], [Client("users", 200.0,
...     Dependency("frontend", timeout=2.0))], seed=3,
...     faults=[SlowDown("catalog", 10.0, 20.0, extra_latency=1.0)])
>>> fast = run(simulation, duration=30.0)
>>> reference = simulation.run(30.0)
>>> bool((fast.requests.outcome == reference.requests.outcome).all())
True
>>> fast.breaker_transitions.to_state.iloc[0]
'open'

Taught in: Ep13 · 2-implementation (the performance budget of a simulator).
"""

from __future__ import annotations

import math
import time
from functools import cached_property

import numpy as np
import pandas as pd

from course.patterns import fast_kernels as kernels
from course.patterns.breaker import MODES
from course.patterns.faults import Crash, ErrorRate, SlowDown
from course.patterns.metrics import CALL_FIELDS, JOB_FIELDS, Result
from course.patterns.outcomes import (
    BULKHEAD_FULL,
    CONNECTION_ERROR,
    ERROR,
    IN_PROGRESS,
    OUTCOME_NAMES,
    REJECTED,
    TIMEOUT,
)
from course.patterns.simulation import Simulation
from course.sim.streams import stream_generator
from course.validation import require_positive

__all__ = ["NUMBA_AVAILABLE", "FastResult", "check_supported", "run"]

NUMBA_AVAILABLE = kernels.NUMBA_AVAILABLE
#: Draws per block, as :func:`course.sim.streams.random_stream` (so the arrays equal its draws).
BLOCK = 1024
_EVENT_NAMES = ("request", "success", "failure")
_DECISIONS = (("allow", "reject"), ("record", "ignore"), ("record", "ignore"))


def _unsupported(what: str) -> ValueError:
    return ValueError(f"the fast path does not support {what}; run the reference engine "
                      "(Simulation.run) for this system")


class _Plan:
    """A Simulation seen as client → front → leaves, with the kernel's configuration arrays."""

    def __init__(self, simulation: Simulation):
        if not isinstance(simulation, Simulation):
            raise ValueError(f"simulation must be a Simulation; got {simulation!r}")
        if simulation.network_delay != 0:
            raise _unsupported("network_delay")
        if len(simulation.clients) != 1:
            raise _unsupported("several clients")
        self.simulation = simulation
        self.client = client = simulation.clients[0]
        _check_plain(client.call, f"the call of client {client.name}")
        if client.call.breaker is not None or client.call.bulkhead is not None:
            raise _unsupported(f"a breaker or bulkhead on the call of client {client.name}")
        services = {service.name: service for service in simulation.services}
        self.front = services[client.call.target]
        route = self.front.endpoints[client.call.endpoint]
        self.dependencies = list(route.calls)
        targets = [dependency.target for dependency in self.dependencies]
        if len(set(targets)) != len(targets) or self.front.name in targets:
            raise _unsupported("two calls to one service, or a service calling itself")
        self.leaves = [services[target] for target in targets]
        self.routes = [self.front.endpoints[client.call.endpoint]] + [
            leaf.endpoints[dependency.endpoint]
            for leaf, dependency in zip(self.leaves, self.dependencies)]
        for service in simulation.services:
            if service.shedding is not None or service.degradation is not None:
                raise _unsupported(f"load shedding or degradation (service {service.name})")
            for endpoint in service.endpoints.values():
                if endpoint.calls and not (service is self.front and endpoint is route):
                    raise _unsupported(f"calls from {service.name}/{endpoint.name}: only the "
                                       "front service's endpoint may call other services")
        for dependency in self.dependencies:
            _check_plain(dependency, f"the call {self.front.name}->{dependency.target}")
        self.nodes = [self.front] + self.leaves
        self.index = {name: number for number, name in
                      enumerate([s.name for s in simulation.services] + [client.name])}
        for fault in simulation.faults:
            if not isinstance(fault, Crash | SlowDown | ErrorRate):
                raise _unsupported(f"{fault.kind} faults")
            if isinstance(fault, Crash) and fault.service == self.front.name:
                raise _unsupported("a crash of the front service")
        if sum(isinstance(fault, Crash) for fault in simulation.faults) > 30_000:
            raise _unsupported("more than 30,000 crashes (epochs are 16-bit numbers)")

    def node_config(self) -> np.ndarray:
        config = np.zeros((len(self.nodes), 3))
        for number, (service, route) in enumerate(zip(self.nodes, self.routes)):
            config[number] = (service.workers, service.queue_capacity,
                              route.service_time is not None)
        return config

    def link_config(self) -> np.ndarray:
        config = np.zeros((len(self.dependencies) + 1, 4))
        for number, dependency in enumerate(self.dependencies + [self.client.call]):
            bulkhead = dependency.bulkhead
            config[number] = (-1.0 if dependency.timeout is None else dependency.timeout,
                              bulkhead is not None,
                              0 if bulkhead is None else bulkhead.max_concurrent,
                              0 if bulkhead is None else bulkhead.queue_capacity)
        return config

    def breaker_config(self) -> np.ndarray:
        config = np.zeros((len(self.dependencies) + 1, kernels.CONFIG_COLUMNS))
        config[:, kernels.KIND] = -1  # no breaker
        for number, dependency in enumerate(self.dependencies):
            breaker = dependency.breaker
            if breaker is not None:
                config[number] = (
                    ("count", "time", "consecutive").index(breaker.window),
                    int(breaker.window_size) if breaker.window == "count" else 0,
                    breaker.minimum_calls, breaker.failure_rate_threshold,
                    breaker.failure_threshold, breaker.open_duration, breaker.open_jitter,
                    breaker.half_open_permits, breaker.half_open_rule == "consecutive_successes",
                    breaker.bucket_width,
                    math.ceil(breaker.window_size / breaker.bucket_width)
                    if breaker.window == "time" else 0)
        return config

    def failure_table(self) -> np.ndarray:
        """is_failure(outcome, status) for every ending a leaf call can have, precomputed."""
        table = np.zeros((len(self.dependencies) + 1, len(OUTCOME_NAMES), 600), np.bool_)
        for number, dependency in enumerate(self.dependencies):
            endings = [(TIMEOUT, 0), (CONNECTION_ERROR, 0), (REJECTED, 503), (BULKHEAD_FULL, 0)]
            endings += [(ERROR, fault.status) for fault in self.simulation.faults
                        if isinstance(fault, ErrorRate) and fault.service == dependency.target]
            for outcome, status in endings:
                table[number, outcome, status] = bool(dependency.is_failure(outcome, status))
        return table

    def faults(self, duration: float):
        """Fault events in the reference's scheduling order: (time, action, node, values)."""
        numbers = {service.name: number for number, service in enumerate(self.nodes)}
        rows = []
        for fault in self.simulation.faults:
            if fault.start >= duration:
                continue
            node = numbers.get(fault.service, -1)
            if isinstance(fault, SlowDown):
                actions, values = (kernels.SLOW_ON, kernels.SLOW_OFF), (fault.factor,
                                                                       fault.extra_latency)
            elif isinstance(fault, ErrorRate):
                actions, values = (kernels.ERRORS_ON, kernels.ERRORS_OFF), (fault.probability,
                                                                           fault.status)
            else:
                actions, values = (kernels.CRASH, kernels.RECOVER), (0.0, 0.0)
            rows.append((fault.start, actions[0], node, values))
            if fault.end is not None and fault.end < duration:
                rows.append((fault.end, actions[1], node, values))
        return (np.array([row[0] for row in rows], dtype=float),
                np.array([row[1] for row in rows], dtype=np.int64),
                np.array([row[2] for row in rows], dtype=np.int64),
                np.array([row[3] for row in rows], dtype=float).reshape(-1, 2))


def _check_plain(dependency, where: str) -> None:
    for name in ("retry", "fallback", "skip_at_level"):
        if getattr(dependency, name) is not None:
            raise _unsupported(f"{name} on {where}")


def _draws(rng_name: str, entropy: int, sample, count: int) -> np.ndarray:
    """The first ``count`` (rounded up to whole blocks) draws of a named stream."""
    rng = stream_generator(entropy, rng_name)
    blocks = max(1, -(-count // BLOCK))
    return np.concatenate([np.asarray(sample(rng, BLOCK), dtype=float) for _ in range(blocks)])


def _rows(arrays: list[np.ndarray], width: int) -> np.ndarray:
    table = np.zeros((len(arrays), width))
    for number, array in enumerate(arrays):
        if array is not None:
            table[number] = array[:width]
    return table


def check_supported(simulation: Simulation) -> None:
    """Raise ValueError naming the first feature of ``simulation`` the fast path lacks.

    >>> from course.patterns import Client, Dependency, Retry, Service, Simulation
    >>> api = Service("api", workers=2, calls=[Dependency("db", retry=Retry(3))])
    >>> db = Service("db", workers=2)
    >>> check_supported(Simulation([api, db], [Client("users", 1.0, Dependency("api"))]))
    Traceback (most recent call last):
    ...
    ValueError: the fast path does not support retry on the call api->db; run the reference engine (Simulation.run) for this system
    """
    _Plan(simulation)


def run(simulation: Simulation, duration: float, *, record_breaker_events: bool = False):
    """Simulate ``duration`` seconds of ``simulation`` on the fast path; return a FastResult.

    Same arguments and same records as ``simulation.run(duration)`` for a supported system
    (see the module docstring); ``record_breaker_events`` also keeps every event each
    breaker saw (``FastResult.breaker_events``), for replaying through
    :func:`~.breaker.transition`. ``duration`` is in simulated seconds.

    >>> from course.patterns import Client, Dependency, Exponential, Service, Simulation
    >>> api = Service("api", workers=4, service_time=Exponential(rate=50.0))
    >>> users = Client("users", 100.0, Dependency("api", timeout=1.0))
    >>> result = run(Simulation([api], [users], seed=1), duration=10.0)
    >>> result.requests_count == len(result.requests) == len(result.arrival)
    True
    """
    duration = float(require_positive("duration", duration))
    plan = _Plan(simulation)
    arrivals = _arrivals(plan, duration)
    faults = plan.faults(duration)
    inputs = (arrivals, *_random_rows(plan, arrivals.size, faults), plan.node_config(),
              plan.link_config(), plan.breaker_config(), plan.failure_table(), *faults,
              duration, record_breaker_events)
    widths, room = _sizes(plan, arrivals.size, inputs[4], inputs[5], inputs[6], faults[0],
                          record_breaker_events)
    while True:  # in the rare case a guessed room ran out, run again with twice as much
        arrays = kernels.workspace(arrivals.size, len(plan.nodes), widths, room)
        started = time.perf_counter()
        counts = kernels.simulate(*inputs, *arrays)
        wall_time = time.perf_counter() - started
        if counts[0] < 0:
            return FastResult(plan, duration, arrays, counts, wall_time)
        room[counts[0]] *= 2


def _arrivals(plan: _Plan, duration: float) -> np.ndarray:
    """The client's arrival times in [0, duration), from its stream of Exp(1) gaps."""
    client = plan.client
    expected = client.expected_requests(duration)
    count = int(expected + 10 * math.sqrt(expected) + BLOCK)
    rates = np.array(client.rates, dtype=float)
    ends = np.array(client.change_times[1:] + (math.inf,), dtype=float)
    while True:  # more than once only if the count guessed from the mean fell short
        gaps = _draws(f"{client.name}:arrivals", plan.simulation.entropy,
                      lambda rng, size: rng.standard_exponential(size), count)
        arrivals, complete = kernels.arrival_times(gaps, rates, ends, duration)
        if complete:
            return arrivals
        count *= 2


def _random_rows(plan: _Plan, requests: int, faults) -> tuple:
    """Service times, error draws and breaker jitter draws: one row per node or link.

    Each consumer draws at most once per request, so ``requests`` draws are enough.
    """
    entropy = plan.simulation.entropy
    width = max(1, -(-requests // BLOCK) * BLOCK)

    def uniform(name: str) -> np.ndarray:
        return _draws(name, entropy, lambda rng, size: rng.random(size), requests)

    draws = _rows([None if route.service_time is None else
                   _draws(f"{service.name}:service:{route.name}", entropy,
                          route.service_time.sample, requests)
                   for service, route in zip(plan.nodes, plan.routes)], width)
    _, actions, nodes, values = faults
    erring = {node for node, action, value in zip(nodes, actions, values[:, 0])
              if node >= 0 and action == kernels.ERRORS_ON and value > 0}
    uniforms = _rows([uniform(f"{service.name}:uniform") if number in erring else None
                      for number, service in enumerate(plan.nodes)], width if erring else 1)
    jittery = [dependency.breaker is not None and dependency.breaker.open_jitter != 0
               for dependency in plan.dependencies]
    jitters = _rows([uniform(f"{plan.front.name}->{dependency.target}:uniform") if flag else None
                     for dependency, flag in zip(plan.dependencies, jittery)] + [None],
                    width if any(jittery) else 1)
    return draws, uniforms, jitters


def _sizes(plan: _Plan, requests: int, node_config, link_config, breaker_config, fault_times,
           record_breaker_events: bool) -> tuple[list, list]:
    """Widths of the rings (never exceeded) and first guesses of the rooms (may double)."""
    queues = [int(min(capacity, requests)) for capacity in node_config[:, kernels.QUEUE_CAPACITY]]
    bulkhead_queues = link_config[:, kernels.BULKHEAD_QUEUE]
    workers = node_config[:, kernels.WORKERS].astype(int)
    widths = [
        max(queues) + 1,
        requests + 1,  # timers: each call is timed once
        requests + 1 if (bulkhead_queues > 0).any() else 1,
        max(1, int(breaker_config[:, kernels.SIZE].max())),
        int(breaker_config[:, kernels.BUCKET_COUNT].max()) + 1,
        int(max(workers + np.array(queues))),  # crash victims: in progress + queued
    ]
    crashes = sum(isinstance(fault, Crash) for fault in plan.simulation.faults)
    breakers = sum(dependency.breaker is not None for dependency in plan.dependencies)
    room = [
        # Pending completions <= busy workers (plus those a crash orphaned), timers, faults.
        int(workers.sum()) * (1 + crashes) + len(link_config) + len(fault_times) + 16,
        64 + int(bulkhead_queues.sum()),
        1024,
        2 * requests * breakers + 1 if record_breaker_events else 1,
    ]
    return widths, room


class _Table:
    """A float table filled block by block, one column at a time (records for a Result)."""

    def __init__(self, rows: int, columns: int):
        self.table = np.empty((rows, columns))
        self.filled = 0

    def add(self, rows: int, columns: list) -> None:
        block = self.table[self.filled:self.filled + rows]
        for number, column in enumerate(columns):
            block[:, number] = column  # an array, or one number for the whole column
        self.filled += rows


class FastResult:
    """The records of one fast-path run: per-request arrays, and the reference's DataFrames.

    ``arrival``, ``end``, ``latency`` (s) and ``outcome`` (codes of
    :data:`~.outcomes.OUTCOME_NAMES`) hold one entry per client request, in arrival order.
    ``result`` is an ordinary :class:`~.metrics.Result` built from the records on first use
    (``requests``, ``timeline``, ``breaker_timeline``, ... delegate to it). ``events``
    counts processed events as the reference does; ``wall_time`` (s) is the loop's.
    """

    def __init__(self, plan: _Plan, duration: float, arrays: tuple, counts: tuple,
                 wall_time: float):
        _, requests, self.events, changes, logged = counts
        self._plan = plan
        self.requests_count = int(requests)
        self._kinds = len(plan.leaves) + 2
        self._times, self._codes = arrays[0], arrays[1]
        self._changes = arrays[14][:, :changes]
        self._log = arrays[15][:, :logged]
        self.duration = duration
        self.wall_time = wall_time
        self.engine = "fast (numba)" if kernels.NUMBA_AVAILABLE else "fast (pure Python)"

    def __repr__(self):
        return (f"FastResult(duration={self.duration:g}s, requests={self.requests_count}, "
                f"events={self.events}, wall_time={self.wall_time:.3f}s)")

    @property
    def events_per_second(self) -> float:
        """Events processed per second of the loop's wall time."""
        return self.events / self.wall_time if self.wall_time > 0 else math.inf

    # ------------------------------------------------------------------ per request
    def _time(self, field: int, kind: int) -> np.ndarray:
        return self._times[field, kind::self._kinds][:self.requests_count]

    def _code(self, field: int, kind: int) -> np.ndarray:
        return self._codes[field, kind::self._kinds][:self.requests_count].astype(np.int64)

    def _running(self, kind: int) -> np.ndarray:
        state = self._code(kernels.STATE, kind)
        return (state == kernels.ACTIVE) | (state == kernels.QUEUED)

    @property
    def arrival(self) -> np.ndarray:
        """Arrival time (s) of each client request."""
        return self._time(kernels.ARRIVAL, 0)

    @property
    def end(self) -> np.ndarray:
        """End time (s) of each client request (NaN if still in progress)."""
        return self._time(kernels.END, 0)

    @property
    def latency(self) -> np.ndarray:
        """End minus arrival (s) of each client request (NaN if still in progress)."""
        return self.end - self.arrival

    @property
    def outcome(self) -> np.ndarray:
        """Outcome code of each client request (``IN_PROGRESS`` if unfinished)."""
        return np.where(self._running(0), IN_PROGRESS, self._code(kernels.OUTCOME, 0))

    # ------------------------------------------------------------------ reference views
    @cached_property
    def result(self) -> Result:
        """The records as a reference :class:`~.metrics.Result` (built on first use)."""
        plan = self._plan
        client, front = plan.index[plan.client.name], plan.index[plan.front.name]
        kinds = range(self._kinds)
        reached = [np.flatnonzero(~np.isnan(self._time(kernels.ARRIVAL, kind))) for kind in kinds]
        ended = [np.flatnonzero(self._code(kernels.CALL_OUTCOME, kind) >= 0) for kind in kinds]
        jobs = _Table(sum(map(len, reached)), len(JOB_FIELDS))
        calls = _Table(sum(map(len, ended[1:])), len(CALL_FIELDS))
        for kind in kinds:
            node = client if kind == 0 else plan.index[plan.nodes[kind - 1].name]
            caller = -1 if kind == 0 else (client if kind == 1 else front)
            rows = reached[kind]
            running = self._running(kind)[rows]
            jobs.add(len(rows), [
                rows + 1.0, node, caller, self._time(kernels.ARRIVAL, kind)[rows],
                self._time(kernels.START, kind)[rows],
                np.where(running, np.nan, self._time(kernels.END, kind)[rows]),
                np.where(running, IN_PROGRESS, self._code(kernels.OUTCOME, kind)[rows]),
                np.where(running, 0, self._code(kernels.STATUS, kind)[rows]), 0, 1])
            if kind > 0:
                rows = ended[kind]
                calls.add(len(rows), [
                    rows + 1.0, caller, node, 1, self._time(kernels.SENT, kind)[rows],
                    self._time(kernels.CALL_END, kind)[rows],
                    self._code(kernels.CALL_OUTCOME, kind)[rows],
                    self._code(kernels.CALL_STATUS, kind)[rows]])
        times, links, modes = self._changes[0], self._changes[1], self._changes[2].astype(int)
        breakers = []
        for number, dependency in enumerate(plan.dependencies):
            if dependency.breaker is not None:
                to_modes = [MODES[mode] for mode in modes[links == number]]
                breakers.append((plan.front.name, dependency.target, list(zip(
                    times[links == number].tolist(), [MODES[0]] + to_modes[:-1], to_modes))))
        nodes = [(service.name, False, service.workers) for service in plan.simulation.services]
        return Result(
            jobs=jobs.table, calls=calls.table,
            nodes=nodes + [(plan.client.name, True, math.inf)], breakers=breakers,
            faults=plan.simulation.faults, duration=self.duration, events=self.events,
            wall_time=self.wall_time)

    @property
    def requests(self) -> pd.DataFrame:
        """One row per client request, as :attr:`.metrics.Result.requests`."""
        return self.result.requests

    @property
    def spans(self) -> pd.DataFrame:
        """One row per request a service handled or refused, as :attr:`.metrics.Result.spans`."""
        return self.result.spans

    @property
    def calls(self) -> pd.DataFrame:
        """One row per call, as the caller saw it (:attr:`.metrics.Result.calls`)."""
        return self.result.calls

    def timeline(self, bucket: float = 1.0, nodes=None) -> pd.DataFrame:
        """Per node and bucket: counts, latency percentiles, time averages (the reference's)."""
        return self.result.timeline(bucket, nodes)

    @property
    def breaker_transitions(self) -> pd.DataFrame:
        """Every breaker state change: time, caller, target, from_state, to_state."""
        return self.result.breaker_transitions

    def breaker_timeline(self, bucket: float = 1.0) -> pd.DataFrame:
        """Per breaker and bucket: state at the bucket's end, fractions open / half-open."""
        return self.result.breaker_timeline(bucket)

    @property
    def breaker_events(self) -> pd.DataFrame:
        """Every event each breaker saw (run with ``record_breaker_events=True``).

        Columns: ``time``, ``target``, ``event`` (request / success / failure), ``decision``
        (allow / reject / record / ignore) and ``jitter`` (the draw used if it tripped).
        """
        times, jitters = self._log[0], self._log[4]
        links, events, decisions = self._log[1:4].astype(np.int64)
        targets = [dependency.target for dependency in self._plan.dependencies]
        return pd.DataFrame({
            "time": times,
            "target": [targets[link] for link in links],
            "event": [_EVENT_NAMES[event] for event in events],
            "decision": [_DECISIONS[event][decision] for event, decision in zip(events, decisions)],
            "jitter": jitters,
        }, columns=["time", "target", "event", "decision", "jitter"])
