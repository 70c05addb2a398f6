"""Load-balancing policies raced on the same seeded traffic, over fast, slow and gray-failing servers.

A balancer sends each arriving request to one server; each server serves its requests first come,
first served, at its own *speed* (work per second). Seven policies, from blind to informed:

==========================  =================================================================
``round robin``             servers in turn, whatever their speed or queue
``weighted``                smooth weighted round robin (nginx's), weights = nominal speeds
``least connections``       the server with the fewest requests in flight (ties: random)
``least response time``     lowest EWMA of observed response time × (connections + 1)
``random``                  a uniformly random server
``consistent hashing``      the owner of the request's client key on a ring (100 vnodes)
``power of two choices``    two distinct random servers; the one with fewer connections
==========================  =================================================================

A *gray-failing* server passes its health checks but runs ``slowdown`` times slower than its
nominal speed: weights (set from nominal speeds) do not see it, connection counts and
response times do. All policies see exactly the same arrivals, work and client keys (common
random numbers), so differences between them are the policies', not the dice's.

>>> fleet = Fleet(speeds=(2, 1, 1), slow_server=2, slowdown=4.0)
>>> runs = {p: simulate_balancer(p, fleet, load=0.7, requests=5_000, seed=1) for p in ("round robin", "least connections")}
>>> runs["least connections"].p99 < runs["round robin"].p99
True

Taught in: Ep18 · 1-foundations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from course.data.hashes import key_hashes
from course.data.partitioners import Ring
from course.sim.jit import njit
from course.sim.streams import spawn_generators
from course.validation import require_in_range, require_int, require_positive

__all__ = ["POLICIES", "Fleet", "BalancerRun", "simulate_balancer", "race"]

POLICIES = ("round robin", "weighted", "least connections", "least response time", "random",
            "consistent hashing", "power of two choices")
#: Weight of the newest response time in the least-response-time policy's moving average.
EWMA_WEIGHT = 0.2
#: Distinct client keys the consistent-hashing policy hashes (requests pick one uniformly).
CLIENTS = 1000


@dataclass(frozen=True)
class Fleet:
    """Servers with nominal ``speeds`` (work per second); ``slow_server`` runs ``slowdown`` × slower.

    >>> Fleet(speeds=(2, 1, 1), slow_server=0, slowdown=2.0).effective_speeds.tolist()
    [1.0, 1.0, 1.0]
    """

    speeds: tuple = (2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    slow_server: int | None = None
    slowdown: float = 1.0
    names: tuple = field(default=())

    def __post_init__(self):
        if len(self.speeds) < 2:
            raise ValueError(f"speeds must list at least 2 servers; got {len(self.speeds)}")
        for speed in self.speeds:
            require_positive("speeds", speed)
        if self.slow_server is not None:
            require_int("slow_server", self.slow_server, minimum=0, maximum=len(self.speeds) - 1)
        require_in_range("slowdown", self.slowdown, 1.0, 1000.0)

    @property
    def effective_speeds(self) -> np.ndarray:
        """Speeds as they are: the gray-failing server's divided by ``slowdown``."""
        speeds = np.array(self.speeds, dtype=float)
        if self.slow_server is not None:
            speeds[self.slow_server] /= self.slowdown
        return speeds

    @property
    def capacity(self) -> float:
        """Work the fleet really completes per second (sum of effective speeds)."""
        return float(self.effective_speeds.sum())

    @property
    def labels(self) -> tuple:
        return self.names or tuple(f"s{i}" for i in range(len(self.speeds)))


@dataclass(frozen=True)
class BalancerRun:
    """One policy's run: per request, the server chosen and the response time (seconds)."""

    policy: str
    fleet: Fleet
    load: float
    arrival_times: np.ndarray
    servers: np.ndarray
    response_times: np.ndarray
    connections_seen: np.ndarray
    work: np.ndarray

    def quantile(self, q: float) -> float:
        """Response-time quantile ``q`` (seconds) over every request of the run."""
        return float(np.quantile(self.response_times, q))

    @property
    def p50(self) -> float:
        return self.quantile(0.50)

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def mean(self) -> float:
        return float(self.response_times.mean())

    @property
    def shares(self) -> np.ndarray:
        """Fraction of the requests each server received."""
        return np.bincount(self.servers, minlength=len(self.fleet.speeds)) / len(self.servers)

    @property
    def utilizations(self) -> np.ndarray:
        """Work sent to each server over its effective speed and the run's length (> 1: overloaded)."""
        sent = np.bincount(self.servers, weights=self.work, minlength=len(self.fleet.speeds))
        return sent / self.fleet.effective_speeds / self.arrival_times[-1]

    def records(self, first: int | None = None) -> list[dict]:
        """Tidy rows, one per request: arrival, server, connections it had, response time."""
        labels = self.fleet.labels
        stop = len(self.servers) if first is None else first
        return [{"request": i, "arrival_time": float(self.arrival_times[i]), "server": labels[self.servers[i]],
                 "connections_seen": int(self.connections_seen[i]), "service_work": float(self.work[i]),
                 "response_time": float(self.response_times[i])} for i in range(stop)]


@njit(cache=True)
def _dispatch(policy, arrivals, work, speeds, weights, owners, draws_a, draws_b, capacity, ewma_weight):
    """Send each request to a server by ``policy`` (index into POLICIES); FCFS at each server.

    Returns (servers, response times, connections seen, overflow flag). Each server's
    departures are kept in a ring buffer of ``capacity`` (departures of a FCFS server leave in
    order, so the ones done by time t are at the head); on overflow the caller retries larger.
    """
    n = arrivals.shape[0]
    m = speeds.shape[0]
    departures = np.zeros((m, capacity))
    responses = np.zeros((m, capacity))
    head = np.zeros(m, dtype=np.int64)
    count = np.zeros(m, dtype=np.int64)
    free_at = np.zeros(m)
    ewma = np.zeros(m)
    smooth = np.zeros(m)
    total_weight = weights.sum()
    chosen = np.zeros(n, dtype=np.int64)
    response = np.zeros(n)
    seen = np.zeros(n, dtype=np.int64)
    for i in range(n):
        t = arrivals[i]
        for s in range(m):   # retire the requests done by now; they feed the response-time average
            while count[s] > 0 and departures[s, head[s]] <= t:
                ewma[s] = ewma_weight * responses[s, head[s]] + (1.0 - ewma_weight) * ewma[s]
                head[s] = (head[s] + 1) % capacity
                count[s] -= 1
        start = int(draws_a[i] * m)
        if policy == 0:
            pick = i % m
        elif policy == 1:
            for s in range(m):
                smooth[s] += weights[s]
            pick = 0
            for s in range(1, m):
                if smooth[s] > smooth[pick]:
                    pick = s
            smooth[pick] -= total_weight
        elif policy == 2:
            pick = start
            for k in range(1, m):
                s = (start + k) % m
                if count[s] < count[pick]:
                    pick = s
        elif policy == 3:
            pick = start
            best = ewma[start] * (count[start] + 1)
            for k in range(1, m):
                s = (start + k) % m
                score = ewma[s] * (count[s] + 1)
                if score < best:
                    pick, best = s, score
        elif policy == 4:
            pick = start
        elif policy == 5:
            pick = owners[i]
        else:
            other = int(draws_b[i] * (m - 1))
            if other >= start:
                other += 1
            pick = other if count[other] < count[start] else start
        if count[pick] == capacity:
            return chosen, response, seen, True
        begin = max(t, free_at[pick])
        free_at[pick] = begin + work[i] / speeds[pick]
        seen[i] = count[pick]
        chosen[i] = pick
        response[i] = free_at[pick] - t
        slot = (head[pick] + count[pick]) % capacity
        departures[pick, slot] = free_at[pick]
        responses[pick, slot] = response[i]
        count[pick] += 1
    return chosen, response, seen, False


def _policy_index(policy: str) -> int:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    return POLICIES.index(policy)


def _traffic(fleet: Fleet, load: float, requests: int, mean_service: float, seed):
    """Arrivals, work, client owners and two uniform draws per request, each from its own stream."""
    arrivals_rng, work_rng, client_rng, choice_rng = spawn_generators(seed, 4)
    arrival_rate = load * fleet.capacity / mean_service
    arrivals = np.cumsum(arrivals_rng.exponential(1.0 / arrival_rate, requests))
    work = work_rng.exponential(mean_service, requests)
    clients = client_rng.integers(0, CLIENTS, requests)
    owner_of_client = _client_owners(fleet.labels)
    draws = choice_rng.random((2, requests))
    return arrivals, work, owner_of_client[clients].astype(np.int64), draws


@cache
def _client_owners(labels: tuple) -> np.ndarray:
    """The server owning each client key on a ring of ``labels`` (100 virtual nodes each)."""
    return Ring(labels, vnodes=100).locate(key_hashes(range(CLIENTS)))


def simulate_balancer(policy: str, fleet: Fleet | None = None, load: float = 0.7, requests: int = 20_000,
                      mean_service: float = 0.010, seed=0) -> BalancerRun:
    """Run ``requests`` Poisson arrivals through ``policy`` over ``fleet`` at ``load``.

    ``load`` is the offered work over the fleet's *effective* capacity (0 < load < 1), so
    load = 0.7 means the fleet as it really is would be 70 % busy. ``mean_service`` is the
    mean service time (s) on a server of speed 1; service work is exponential.

    >>> run = simulate_balancer("power of two choices", Fleet(speeds=(1, 1)), load=0.5, requests=1000, seed=2)
    >>> len(run.response_times), bool(run.p99 > run.p50 > 0)
    (1000, True)
    """
    code = _policy_index(policy)
    fleet = Fleet() if fleet is None else fleet
    load = require_in_range("load", load, 0.01, 0.99)
    requests = require_int("requests", requests, minimum=10, maximum=5_000_000)
    mean_service = require_positive("mean_service", mean_service)
    arrivals, work, owners, draws = _traffic(fleet, load, requests, mean_service, seed)
    weights = np.array(fleet.speeds, dtype=float)      # nominal: the balancer's configuration
    capacity = 256
    while True:
        servers, responses, seen, overflow = _dispatch(
            code, arrivals, work, fleet.effective_speeds, weights, owners, draws[0], draws[1], capacity,
            EWMA_WEIGHT)
        if not overflow:
            break
        capacity = min(4 * capacity, requests)
    return BalancerRun(policy, fleet, load, arrivals, servers, responses, seen, work)


def race(fleet: Fleet | None = None, loads=(0.5, 0.7, 0.9), policies=POLICIES, requests: int = 20_000,
         mean_service: float = 0.010, seed=0) -> list[dict]:
    """Tidy rows (policy, load, p50_ms, p99_ms, mean_ms, busiest) of every policy at every load.

    ``busiest`` is the highest server utilisation: above 1 that server's queue grows for as
    long as the run lasts, and its percentiles depend on the run's length.

    >>> rows = race(Fleet(speeds=(1, 1)), loads=[0.5], policies=["random"], requests=500)
    >>> sorted(rows[0])
    ['busiest', 'load', 'mean_ms', 'p50_ms', 'p99_ms', 'policy']
    """
    rows = []
    for load in loads:
        for policy in policies:
            run = simulate_balancer(policy, fleet, load, requests, mean_service, seed)
            rows.append({"policy": policy, "load": float(load), "p50_ms": 1000 * run.p50,
                         "p99_ms": 1000 * run.p99, "mean_ms": 1000 * run.mean,
                         "busiest": float(run.utilizations.max())})
    return rows
