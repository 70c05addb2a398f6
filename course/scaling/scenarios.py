"""A seeded scenario suite that scores a learner's balancer and auto-scaling controller.

Three scenarios, each drawn from a seed, so a learner's code, the course's reference and the
naive baseline meet exactly the same traffic:

* ``slow server`` — eight equal servers, one gray-failing (4 × slower, health checks green), at
  80 % of what the fleet really serves; a *balancer* picks a server per request;
* ``diurnal`` — a day of load from 200 to 1000 requests/s; a *controller* sizes the fleet;
* ``flash crowd`` — 300 requests/s that jump fourfold within five minutes and hold an hour.

A balancer is a function ``choose(connections, rng) -> server index``: ``connections`` is a
tuple of the requests in flight at each server when the request arrives, ``rng`` a
:class:`numpy.random.Generator` it may draw from. It is scored by the share of requests
slower than :data:`SLO_SECONDS` and the p99, against :func:`power_of_two` (the reference) and
:class:`RoundRobin`.

A controller is what :func:`course.scaling.autoscaling.simulate_autoscaling` runs (an object
with ``reset()`` and ``desired(time, utilization, current, history)``) or a bare function
``desired(time, utilization, current, history) -> instances``. It is scored by SLO-miss minutes
and cost in money against the HPA rule (the reference) and a static fleet sized for the peak.
:func:`find_flapping` catches a controller that flaps and returns its worst hour to plot.

>>> rows = score_balancer(power_of_two, requests=1000, seed=1)
>>> [r["balancer"] for r in rows]
['yours', 'reference (P2C)', 'round robin']

Taught in: Ep18 · 2-implementation.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from course.scaling.autoscaling import AutoscalingRun, HPARule, simulate_autoscaling
from course.scaling.balancing import Fleet
from course.scaling.traces import diurnal_trace, flash_crowd_trace
from course.sim.streams import spawn_generators
from course.validation import require_in_range, require_int

__all__ = ["SLO_SECONDS", "SLOW_SERVER", "slow_server_fleet", "CONTROLLER_SCENARIOS", "RoundRobin", "power_of_two", "run_balancer",
           "score_balancer", "StaticFleet", "as_controller", "run_controller", "score_controller", "Oscillation",
           "find_flapping"]

#: A request slower than this (seconds) misses the SLO: five mean service times of a healthy server.
SLO_SECONDS = 0.050
#: Mean service time (seconds) on a healthy server.
MEAN_SERVICE = 0.010
#: The balancer scenario: eight equal servers, server 3 gray-failing at a quarter of its speed.
SLOW_SERVER = {"speeds": (1.0,) * 8, "slow_server": 3, "slowdown": 4.0}
SLOW_SERVER_LOAD = 0.8
#: The controller scenarios: name -> trace function of a seed (requests/s, one value a minute).
CONTROLLER_SCENARIOS = {"diurnal": lambda seed: diurnal_trace(seed=seed),
                        "flash crowd": lambda seed: flash_crowd_trace(seed=seed)}
#: Requests/s one instance serves at 100 % utilisation, seconds until a new instance serves, $ per hour.
CAPACITY_PER_INSTANCE = 100.0
PROVISIONING_LAG = 180.0
PRICE_PER_HOUR = 0.10


def slow_server_fleet() -> Fleet:
    """The slow-server scenario's fleet (built on call, so importing this module computes nothing).

    >>> slow_server_fleet().capacity
    7.25
    """
    return Fleet(**SLOW_SERVER)


class RoundRobin:
    """The blind baseline: servers in turn, whatever their queues (a fresh one per run).

    >>> rr = RoundRobin()
    >>> [rr((0, 0, 0), None) for _ in range(4)]
    [0, 1, 2, 0]
    """

    def __init__(self):
        self.turn = 0

    def __call__(self, connections, rng) -> int:
        pick = self.turn % len(connections)
        self.turn += 1
        return pick


def power_of_two(connections, rng) -> int:
    """The reference: two distinct random servers, the one with fewer requests in flight (tie: the first).

    >>> power_of_two((5, 0), np.random.default_rng(0))
    1
    """
    first, second = rng.choice(len(connections), size=2, replace=False)
    return int(second) if connections[second] < connections[first] else int(first)


@dataclass(frozen=True)
class BalancerResult:
    """Per request of one run: the server chosen and the response time (seconds)."""

    servers: np.ndarray
    response_times: np.ndarray

    @property
    def slo_misses(self) -> int:
        """Requests slower than :data:`SLO_SECONDS`."""
        return int((self.response_times > SLO_SECONDS).sum())

    @property
    def p99(self) -> float:
        return float(np.quantile(self.response_times, 0.99))


def run_balancer(choose, fleet: Fleet | None = None, load: float = SLOW_SERVER_LOAD, requests: int = 5000,
                 seed=0) -> BalancerResult:
    """Send ``requests`` Poisson arrivals through ``choose`` over ``fleet`` (FCFS at each server).

    ``fleet`` defaults to :func:`slow_server_fleet`; ``load`` is offered work over the fleet's
    effective capacity. Arrivals and work come from
    their own streams, so every balancer run with the same seed meets the same traffic; the
    balancer's ``rng`` is a third stream.

    >>> result = run_balancer(RoundRobin(), Fleet(speeds=(1, 1)), load=0.5, requests=100, seed=1)
    >>> result.servers[:4].tolist()
    [0, 1, 0, 1]
    """
    if not callable(choose):
        raise ValueError(f"choose must be a function (connections, rng) -> server index; got {type(choose).__name__}")
    load = require_in_range("load", load, 0.01, 0.99)
    requests = require_int("requests", requests, minimum=10, maximum=200_000)
    fleet = slow_server_fleet() if fleet is None else fleet
    arrivals_rng, work_rng, choice_rng = spawn_generators(seed, 3)
    speeds = fleet.effective_speeds
    servers = len(speeds)
    arrivals = np.cumsum(arrivals_rng.exponential(MEAN_SERVICE / (load * fleet.capacity), requests))
    work = work_rng.exponential(MEAN_SERVICE, requests)
    in_flight = [deque() for _ in range(servers)]     # departure times, in order (FCFS)
    free_at = np.zeros(servers)
    chosen, response = np.zeros(requests, dtype=int), np.zeros(requests)
    for i in range(requests):
        now = arrivals[i]
        for queue in in_flight:
            while queue and queue[0] <= now:
                queue.popleft()
        pick = choose(tuple(len(q) for q in in_flight), choice_rng)
        if isinstance(pick, (bool, np.bool_)) or not isinstance(pick, (int, np.integer)) or not 0 <= pick < servers:
            raise ValueError(f"the balancer must return a server index in 0..{servers - 1}; got {pick!r}")
        free_at[pick] = max(now, free_at[pick]) + work[i] / speeds[pick]
        in_flight[pick].append(free_at[pick])
        chosen[i], response[i] = pick, free_at[pick] - now
    return BalancerResult(chosen, response)


def score_balancer(choose, requests: int = 5000, seed=0) -> list[dict]:
    """Rows (balancer, slo_misses, slo_miss_share, p99_ms) for ``choose``, the P2C reference and round robin.

    All three meet the same seeded traffic on the slow-server scenario.

    >>> rows = score_balancer(RoundRobin(), requests=2000, seed=0)
    >>> rows[0]["p99_ms"] == rows[2]["p99_ms"]
    True
    """
    rows = []
    for label, balancer in (("yours", choose), ("reference (P2C)", power_of_two), ("round robin", RoundRobin())):
        result = run_balancer(balancer, requests=requests, seed=seed)
        rows.append({"scenario": "slow server", "balancer": label, "slo_misses": result.slo_misses,
                     "slo_miss_share": result.slo_misses / requests, "p99_ms": 1000 * result.p99})
    return rows


class StaticFleet:
    """The no-autoscaling baseline: always ``instances`` (sized once for the peak)."""

    def __init__(self, instances: int):
        self.instances = require_int("instances", instances, minimum=1)

    def reset(self):
        pass

    def desired(self, time, utilization, current, history) -> int:
        return self.instances


class _FunctionController:
    def __init__(self, function):
        self.function = function

    def reset(self):
        pass

    def desired(self, time, utilization, current, history) -> int:
        return self.function(time, utilization, current, history)


def as_controller(controller):
    """A controller object from an object with ``desired`` (and ``reset``) or a bare function.

    >>> as_controller(lambda time, utilization, current, history: current).desired(0, 0.5, 3, [])
    3
    """
    if hasattr(controller, "desired"):
        if not hasattr(controller, "reset"):
            raise ValueError("controller must have a reset() method beside desired()")
        return controller
    if callable(controller):
        return _FunctionController(controller)
    raise ValueError("controller must be a function (time, utilization, current, history) -> instances "
                     f"or an object with desired() and reset(); got {type(controller).__name__}")


def run_controller(controller, scenario: str = "diurnal", seed=0) -> AutoscalingRun:
    """Run ``controller`` on one scenario's seeded trace (3-minute provisioning lag, $0.10 an instance-hour).

    >>> run_controller(HPARule(), "flash crowd", seed=1).load.size
    360
    """
    if scenario not in CONTROLLER_SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(CONTROLLER_SCENARIOS)}; got {scenario!r}")
    trace = CONTROLLER_SCENARIOS[scenario](seed)
    return simulate_autoscaling(trace, as_controller(controller), provisioning_lag=PROVISIONING_LAG,
                                capacity_per_instance=CAPACITY_PER_INSTANCE, price_per_hour=PRICE_PER_HOUR)


def _peak_fleet(scenario: str, seed) -> StaticFleet:
    trace = CONTROLLER_SCENARIOS[scenario](seed)
    return StaticFleet(math.ceil(trace.max() / (CAPACITY_PER_INSTANCE * 0.6)))


def score_controller(controller, seed=0) -> list[dict]:
    """Rows (scenario, controller, slo_miss_minutes, cost, reversals, flapping) on both traces.

    Compared: ``controller``, the HPA rule (target 60 %, tolerance 10 %, 300 s stabilisation)
    and a static fleet sized for the trace's peak at 60 %.

    >>> rows = score_controller(HPARule(), seed=0)
    >>> rows[0]["cost"] == rows[1]["cost"], len(rows)
    (True, 6)
    """
    rows = []
    for scenario in CONTROLLER_SCENARIOS:
        for label, rule in (("yours", controller), ("reference (HPA)", HPARule()),
                            ("static for the peak", _peak_fleet(scenario, seed))):
            run = run_controller(rule, scenario, seed)
            rows.append({"scenario": scenario, "controller": label, "slo_miss_minutes": run.slo_miss_minutes,
                         "cost": round(run.cost, 2), "reversals": run.reversals,
                         "flapping": find_flapping(run) is not None})
    return rows


@dataclass(frozen=True)
class Oscillation:
    """The worst window of a flapping run: minutes, requested and ready counts, utilisation."""

    start: int
    minutes: np.ndarray
    requested: np.ndarray
    ready: np.ndarray
    utilization: np.ndarray
    reversals: int

    def records(self) -> list[dict]:
        """Tidy rows, one per minute of the window, to plot."""
        return [{"minute": int(m), "requested": int(q), "ready": int(r), "utilization": float(u)}
                for m, q, r, u in zip(self.minutes, self.requested, self.ready, self.utilization)]


def find_flapping(run: AutoscalingRun, window: int = 60, max_reversals: int = 3) -> Oscillation | None:
    """The ``window``-minute stretch with the most reversals, if it has more than ``max_reversals``.

    A reversal is a scale-out followed by a scale-in or back. A controller that reverses more
    than three times within an hour is flapping: it pays for boots it throws away and its
    fleet never settles. Returns ``None`` for a run that does not flap.

    >>> flat = simulate_autoscaling(np.full(120, 300.0), HPARule(), initial=5)
    >>> find_flapping(flat) is None
    True
    """
    window = require_int("window", window, minimum=2, maximum=100_000)
    max_reversals = require_int("max_reversals", max_reversals, minimum=0)
    counts = run.requested
    if counts.size < 2:
        return None
    turns = np.zeros(counts.size, dtype=int)   # turns[i] = 1 when the direction changes at step i
    moves = np.sign(np.diff(counts))
    last = 0
    for i, move in enumerate(moves, start=1):
        if move == 0:
            continue
        if last != 0 and move != last:
            turns[i] = 1
        last = move
    width = min(window, counts.size)
    per_window = np.convolve(turns, np.ones(width, dtype=int), mode="valid")
    start = int(per_window.argmax())
    worst = int(per_window[start])
    if worst <= max_reversals:
        return None
    stop = start + width
    return Oscillation(start, np.arange(start, stop), counts[start:stop].copy(), run.ready[start:stop].copy(),
                       run.utilization[start:stop].copy(), worst)

