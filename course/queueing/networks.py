"""Networks of queues: operational laws, Mean Value Analysis and open Jackson networks.

A request rarely meets one queue: it visits a web tier, a cache, a database, maybe the
database twice. This module answers "where is the bottleneck and how fast can it go?"
three ways, from the cheapest to the most detailed:

* **Operational laws** hold for any measured interval, no distribution assumed:
  utilization law U = X·S, forced-flow law X_k = V_k·X, service-demand law D_k = V_k·S_k,
  and the asymptotic bounds of a closed system X ≤ min(N/(D+Z), 1/D_max).
* **Mean Value Analysis** (Reiser & Lavenberg, 1980) solves a closed product-form
  network exactly, one population at a time.
* **Jackson networks** solve an open network: traffic equations for the arrival rate at
  each node, then each node is an independent M/M/c queue.

Units: times in seconds, rates per second, unless a docstring says otherwise (any one
consistent unit works; the examples use milliseconds where that reads better).

Glossary: ``visits`` V_k (visits per request), ``service_time`` S_k (s per visit),
``demands`` D_k = V_k·S_k (s per request), ``think_time`` Z (s), ``population`` N
(requests or users circulating), ``throughput`` X (requests/s), ``response_time`` R (s),
``queue_length`` Q_k (requests at station k, waiting or in service), ``utilization`` U_k.

Taught in: Ep53 · 1-foundations and 2-implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.queueing.erlang import erlang_c
from course.validation import (
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_same_length,
    require_stable,
)

#: MVA steps through every population 1..N: a hundred thousand users take about a second,
#: and the cap stops a typo (10⁹ users) from hanging a notebook or exhausting memory.
MAX_POPULATION = 100_000

# ---------------------------------------------------------------- operational laws


def utilization(throughput: float, service_time: float) -> float:
    """Utilization law U = X·S: the fraction of time a resource is busy.

    Parameters: ``throughput`` X in completions per second, ``service_time`` S in
    seconds per completion. A result above 1 means the measurements are inconsistent
    (one server cannot be busy more than all the time).

    >>> utilization(throughput=40, service_time=0.02)   # 40 req/s x 20 ms
    0.8

    Taught in: Ep53 · 1-foundations.
    """
    busy = require_non_negative("throughput", throughput) * require_non_negative(
        "service_time", service_time
    )
    return require_finite_result(busy, "throughput", "service_time")


def forced_flow(visits, system_throughput: float) -> np.ndarray:
    """Forced-flow law X_k = V_k·X: throughput of each resource from the system's.

    ``visits`` V_k are visits per request (dimensionless), ``system_throughput`` X is
    requests per second; the result is visits per second at each resource.

    >>> forced_flow([1, 3], system_throughput=10).tolist()
    [10.0, 30.0]

    Taught in: Ep53 · 1-foundations.
    """
    visits = require_array("visits", visits, non_negative=True)
    flows = visits * require_non_negative("system_throughput", system_throughput)
    return require_finite_result(flows, "visits", "system_throughput")


def service_demands(visits, service_times) -> np.ndarray:
    """Service-demand law D_k = V_k·S_k: seconds of work each request brings to resource k.

    ``visits`` per request (dimensionless), ``service_times`` in seconds per visit.

    >>> service_demands([1, 3], [0.010, 0.004]).round(6).tolist()
    [0.01, 0.012]

    Taught in: Ep53 · 1-foundations.
    """
    visits = require_array("visits", visits, non_negative=True)
    service_times = require_array("service_times", service_times, non_negative=True)
    require_same_length("visits", visits, "service_times", service_times)
    return require_finite_result(visits * service_times, "visits", "service_times")


def bottleneck(demands) -> int:
    """Index of the bottleneck: the resource with the largest service demand D_k.

    It saturates first as load grows and caps throughput at 1/D_max.

    >>> bottleneck([0.010, 0.012, 0.003])
    1

    Taught in: Ep53 · 1-foundations.
    """
    return int(np.argmax(require_array("demands", demands, non_negative=True)))


@dataclass(frozen=True)
class AsymptoticBounds:
    """Bounds on a closed system with N users (all arrays have one entry per population).

    ``throughput_upper`` = min(N/(D+Z), 1/D_max) and ``throughput_lower`` = N/(N·D+Z)
    in requests per second; ``response_time_lower`` = max(D, N·D_max − Z) and
    ``response_time_upper`` = N·D in seconds; ``knee`` N* = (D+Z)/D_max is the population
    where the two throughput asymptotes cross.
    """

    population: np.ndarray
    throughput_upper: np.ndarray
    throughput_lower: np.ndarray
    response_time_lower: np.ndarray
    response_time_upper: np.ndarray
    knee: float


def asymptotic_bounds(demands, think_time: float, population) -> AsymptoticBounds:
    """Asymptotic (bottleneck) bounds for a closed system of queueing stations.

    Like a toll road: however many cars join, no more than one per D_max seconds pass the
    slowest booth, and no car takes less than the sum of its booth times.

    Parameters: ``demands`` D_k in seconds per request, ``think_time`` Z in seconds,
    ``population`` N (one whole number >= 1 or a sequence of them).

    >>> b = asymptotic_bounds([0.010, 0.020], think_time=1.0, population=[1, 100])
    >>> b.throughput_upper.round(3).tolist(), b.response_time_lower.round(3).tolist()
    ([0.971, 50.0], [0.03, 1.0])

    Taught in: Ep53 · 1-foundations and 2-implementation.
    """
    demands = require_array("demands", demands, non_negative=True)
    think_time = require_non_negative("think_time", think_time)
    try:
        populations = np.atleast_1d(np.asarray(population, dtype=object))
    except ValueError:  # a ragged nest of lists
        populations = np.empty(0)
    if populations.ndim != 1 or populations.size == 0:
        raise ValueError("population must be a whole number >= 1 or a sequence of them")
    n = np.array([require_int("population", value, minimum=1) for value in populations], float)
    total, largest = demands.sum(), demands.max()
    if largest <= 0:
        raise ValueError("demands must contain at least one value > 0")
    bounds = AsymptoticBounds(
        population=n.astype(int),
        throughput_upper=np.minimum(n / (total + think_time), 1.0 / largest),
        throughput_lower=n / (n * total + think_time),
        response_time_lower=np.maximum(total, n * largest - think_time),
        response_time_upper=n * total,
        knee=(total + think_time) / largest,
    )
    for field in ("throughput_upper", "throughput_lower", "response_time_lower",
                  "response_time_upper", "knee"):
        require_finite_result(getattr(bounds, field), "demands", "think_time", "population")
    return bounds


# ---------------------------------------------------------------- Mean Value Analysis


@dataclass(frozen=True)
class MVASolution:
    """Exact MVA results for populations 1..N.

    Row i of every array is population N = i+1. ``throughput`` (requests/s) and
    ``response_time`` (s, excluding think time) have shape (N,); ``queue_length``
    (requests), ``residence_time`` (s per request, all visits) and ``utilization`` have shape
    (N, K) for the K stations, queueing stations first, then delay stations.
    """

    population: np.ndarray
    throughput: np.ndarray
    response_time: np.ndarray
    queue_length: np.ndarray
    residence_time: np.ndarray
    utilization: np.ndarray
    station_kinds: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (population, station) with every quantity spelled out."""
        rows = []
        for i, n in enumerate(self.population):
            for k, kind in enumerate(self.station_kinds):
                rows.append(
                    {
                        "population": int(n),
                        "station": k,
                        "kind": kind,
                        "throughput": self.throughput[i],
                        "response_time": self.response_time[i],
                        "residence_time": self.residence_time[i, k],
                        "queue_length": self.queue_length[i, k],
                        "utilization": self.utilization[i, k],
                    }
                )
        return pd.DataFrame(rows)


def mva(demands, think_time: float, population: int, delay_demands=()) -> MVASolution:
    """Exact Mean Value Analysis of a closed network with think time.

    N users alternate between thinking for Z seconds and submitting a request that needs
    D_k seconds of service in total at each station. The arrival theorem says an arriving
    request sees the queue the network had with one user fewer, so for n = 1..N:
    R_k(n) = D_k·(1 + Q_k(n−1)) at a queueing station (R_k = D_k at a delay station),
    X(n) = n / (Z + Σ R_k(n)), Q_k(n) = X(n)·R_k(n) (Little's law).

    Parameters: ``demands`` D_k of the single-server FCFS queueing stations in seconds
    per request; ``think_time`` Z in seconds; ``population`` N (whole number >= 1);
    ``delay_demands`` demands in seconds at delay (infinite-server) stations, which add
    time but never queue.

    >>> s = mva([0.010, 0.020], think_time=1.0, population=50)
    >>> round(float(s.throughput[-1]), 2), round(float(s.response_time[-1]), 3)
    (44.27, 0.13)

    Taught in: Ep53 · 1-foundations (by hand, and the MVA solver widget) and 2-implementation.
    """
    demands = require_array("demands", demands, non_negative=True)
    think_time = require_non_negative("think_time", think_time)
    population = require_int("population", population, minimum=1, maximum=MAX_POPULATION)
    delay_demands = require_array(
        "delay_demands", () if delay_demands is None else delay_demands, min_length=0,
        non_negative=True,
    )
    if demands.sum() + delay_demands.sum() + think_time <= 0:
        raise ValueError(
            "demands, delay_demands and think_time cannot all be 0 (infinite throughput)"
        )
    queueing_count = demands.size
    all_demands = np.concatenate([demands, delay_demands])
    is_queue = np.arange(all_demands.size) < queueing_count

    throughput = np.empty(population)
    residence = np.empty((population, all_demands.size))
    queue = np.empty((population, all_demands.size))
    previous_queue = np.zeros(all_demands.size)
    for i in range(population):
        n = i + 1
        residence[i] = np.where(is_queue, all_demands * (1.0 + previous_queue), all_demands)
        throughput[i] = n / (think_time + residence[i].sum())
        queue[i] = throughput[i] * residence[i]
        previous_queue = queue[i]
    require_finite_result(throughput, "demands", "delay_demands", "think_time")
    require_finite_result(residence, "demands", "delay_demands", "think_time")
    return MVASolution(
        population=np.arange(1, population + 1),
        throughput=throughput,
        response_time=residence.sum(axis=1),
        queue_length=queue,
        residence_time=residence,
        utilization=throughput[:, None] * all_demands[None, :],
        station_kinds=("queue",) * queueing_count + ("delay",) * delay_demands.size,
    )


# ---------------------------------------------------------------- open Jackson networks


class JacksonNetwork:
    """An open Jackson network: Poisson arrivals, exponential service, random routing.

    Each node k has ``servers`` c_k, rate ``service_rates`` μ_k (per server, 1/s) and
    receives ``external_arrivals`` a_k (1/s) from outside. After service a request moves to
    node j with probability ``routing[k][j]`` and leaves with the rest of the row. The
    traffic equations λ = a + λR give each node's total arrival rate; Jackson's theorem then
    says the nodes behave as independent M/M/c queues.

    Quantities (arrays with one entry per node unless noted): ``arrival_rates`` λ_k (1/s),
    ``visit_ratios`` V_k = λ_k/Σa, ``utilization`` ρ_k = λ_k/(c_k μ_k),
    ``p_wait``, ``response_times`` W_k (s per visit),
    ``queue_lengths`` L_k = λ_k W_k (requests), ``service_demands`` V_k/μ_k (s per request),
    and scalars ``throughput`` Σa (1/s), ``number_in_system`` ΣL_k,
    ``response_time`` (s, end to end, by Little's law).

    A node with ρ ≥ 1 raises ValueError naming the node.

    >>> net = JacksonNetwork([80, 20], routing=[[0, 0], [0, 0]], service_rates=[200, 40])
    >>> net.visit_ratios.tolist()
    [0.8, 0.2]
    >>> round(float(net.service_demands.sum()) * 1000, 3)   # ms: 0.8 x 5 ms + 0.2 x 25 ms
    9.0
    >>> round(net.response_time * 1000, 3)                   # ms, queueing at 40 % and 50 % load
    16.667

    Taught in: Ep53 · 1-foundations.
    """

    def __init__(self, external_arrivals, routing, service_rates, servers=1):
        self.external_arrivals = require_array(
            "external_arrivals", external_arrivals, non_negative=True
        )
        nodes = self.external_arrivals.size
        if self.external_arrivals.sum() <= 0:
            raise ValueError("external_arrivals must contain at least one rate > 0")
        self.service_rates = require_array("service_rates", service_rates, positive=True)
        require_same_length(
            "external_arrivals", self.external_arrivals, "service_rates", self.service_rates
        )
        self.routing = self._check_routing(routing, nodes)
        try:
            server_values = list(servers) if np.ndim(servers) else [servers] * nodes
        except (TypeError, ValueError):  # not iterable, or a ragged nest of lists
            raise ValueError(f"servers must be one whole number or {nodes} of them") from None
        if len(server_values) != nodes:
            raise ValueError(
                f"servers must be one whole number or {nodes} of them; got {len(server_values)}"
            )
        self.servers = np.array([require_int("servers", c, minimum=1) for c in server_values])

        # (I - R)^T λ = a is the traffic equation λ = a + λR written for a linear solver.
        self.arrival_rates = np.linalg.solve(
            (np.eye(nodes) - self.routing).T, self.external_arrivals
        )
        self.arrival_rates = np.clip(self.arrival_rates, 0.0, None)  # remove -1e-17 round-off
        self.utilization = self.arrival_rates / (self.servers * self.service_rates)
        for k, rho in enumerate(self.utilization):
            require_stable(
                f"utilization of node {k} (λ={self.arrival_rates[k]:.4g}/s, "
                f"capacity c·μ={self.servers[k] * self.service_rates[k]:.4g}/s)",
                rho,
            )
        self.p_wait = np.array(
            [
                erlang_c(int(c), lam / mu) if lam > 0 else 0.0
                for lam, mu, c in zip(self.arrival_rates, self.service_rates, self.servers)
            ]
        )
        waiting = self.p_wait / (
            self.servers * self.service_rates - self.arrival_rates
        )
        self.response_times = waiting + 1.0 / self.service_rates
        self.queue_lengths = self.arrival_rates * self.response_times
        self.throughput = float(self.external_arrivals.sum())
        self.visit_ratios = self.arrival_rates / self.throughput
        self.service_demands = self.visit_ratios / self.service_rates
        self.number_in_system = float(self.queue_lengths.sum())
        self.response_time = self.number_in_system / self.throughput

    @staticmethod
    def _check_routing(routing, nodes: int) -> np.ndarray:
        try:
            matrix = np.asarray(routing, dtype=float)
        except (TypeError, ValueError):
            raise ValueError("routing must be a square matrix of probabilities") from None
        if matrix.shape != (nodes, nodes):
            raise ValueError(
                f"routing must be a {nodes}x{nodes} matrix (one row per node); got shape {matrix.shape}"
            )
        if not np.all(np.isfinite(matrix)) or np.any(matrix < 0) or np.any(matrix > 1):
            raise ValueError("routing must contain probabilities in [0, 1]")
        row_sums = matrix.sum(axis=1)
        if np.any(row_sums > 1 + 1e-9):
            k = int(np.argmax(row_sums))
            raise ValueError(
                f"routing row {k} must sum to <= 1 (the rest leaves); got {row_sums[k]:.6g}"
            )
        # Spectral radius < 1 <=> every request eventually leaves, so I - R is invertible.
        if nodes and max(abs(np.linalg.eigvals(matrix))) >= 1 - 1e-12:
            raise ValueError(
                "routing must let every request eventually leave the network "
                "(some nodes route all their traffic among themselves forever)"
            )
        return matrix

    def to_frame(self) -> pd.DataFrame:
        """Tidy per-node table of every quantity."""
        return pd.DataFrame(
            {
                "node": np.arange(self.arrival_rates.size),
                "servers": self.servers,
                "service_rate": self.service_rates,
                "arrival_rate": self.arrival_rates,
                "visit_ratio": self.visit_ratios,
                "utilization": self.utilization,
                "p_wait": self.p_wait,
                "response_time": self.response_times,
                "queue_length": self.queue_lengths,
                "service_demand": self.service_demands,
            }
        )

    def __repr__(self) -> str:
        return (
            f"JacksonNetwork(nodes={self.arrival_rates.size}, throughput={self.throughput:g}/s, "
            f"response_time={self.response_time:.6g} s)"
        )


def jackson(external_arrivals, routing, service_rates, servers=1) -> JacksonNetwork:
    """Solve an open Jackson network; see :class:`JacksonNetwork` for the quantities.

    ``external_arrivals`` a_k (1/s), ``routing`` R (K x K probabilities), ``service_rates``
    μ_k per server (1/s), ``servers`` c (one whole number or one per node).

    >>> net = jackson([10, 0], routing=[[0, 1], [0.5, 0]], service_rates=[50, 40])
    >>> net.arrival_rates.round(6).tolist(), round(net.response_time, 4)
    ([20.0, 20.0], 0.1667)

    Taught in: Ep53 · 1-foundations.
    """
    return JacksonNetwork(external_arrivals, routing, service_rates, servers)


__all__ = [
    "AsymptoticBounds",
    "JacksonNetwork",
    "MAX_POPULATION",
    "MVASolution",
    "asymptotic_bounds",
    "bottleneck",
    "forced_flow",
    "jackson",
    "mva",
    "service_demands",
    "utilization",
]
