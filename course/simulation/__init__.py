"""Queueing simulation: a compiled fast path, a readable event-driven engine, and networks.

Two engines, one meaning. The *fast path* (:mod:`.fast`) simulates FCFS G/G/c queues by
recursion, compiled with numba: tens of millions of customers in seconds. The *reference
path* (:mod:`.reference`) is an event-list simulator a learner can read, with networks,
finite buffers and impatient customers, and tidy per-visit records. Both draw from the
same seeded random streams, so for M/M/c they return identical waits. Every run takes a
``seed`` (or numpy Generator) and reports confidence intervals, not just means. The event
loop, the streams and the distributions are the kit's one simulation core, :mod:`course.sim`,
shared with the pattern simulator of :mod:`course.patterns`.

Glossary (times in seconds, rates per second; the whole vocabulary is in docs/glossary.md).
A *server* here is what the pattern simulator of :mod:`course.patterns` calls a *worker*;
``capacity`` counts those in service, the patterns' ``queue_capacity`` only those waiting.

=====================  ======  ========================================================
name                   symbol  meaning
=====================  ======  ========================================================
``arrival_rate``       λ       arrivals per second
``service_rate``       μ       services per second per server (mean service 1/μ)
``servers``            c       parallel servers at a node
``customers``          n       customers measured (after ``warmup`` unmeasured ones)
``mean_wait``          Wq      mean time in the queue; ``wait_ci`` its 95 % ``Interval``
``mean_response``      W       mean time in the system (queue + service)
``mean_queue_length``  Lq      time-average number waiting
``utilization``        ρ       fraction of time each server is busy
``capacity``           K       most customers a node holds (waiting + in service)
``patience``                   how long a waiting customer stays before abandoning
=====================  ======  ========================================================

>>> result = simulate_mmc(arrival_rate=9, service_rate=1, servers=10, customers=100_000, seed=7)
>>> low, high = result.wait_ci
>>> bool(low < result.mean_wait < high)
True

Taught in: Ep51 · 2-implementation, 3-strategy; planned for Ep53 and Ep58.
"""

from course.sim.distributions import (
    Deterministic,
    Distribution,
    Empirical,
    Erlang,
    Exponential,
    Gamma,
    Lognormal,
    Sampler,
)
from course.simulation.fast import NUMBA_AVAILABLE, simulate_mmc, simulate_queue
from course.simulation.network import Network, Node
from course.simulation.records import NetworkResult
from course.simulation.reference import simulate_mmc_reference, simulate_network
from course.simulation.results import BatchMeans, QueueResult
from course.simulation.synthetic import request_log

__all__ = [
    "simulate_mmc", "simulate_queue", "simulate_mmc_reference", "simulate_network",
    "request_log", "Node", "Network", "NetworkResult", "QueueResult", "BatchMeans",
    "Distribution", "Exponential", "Deterministic", "Lognormal", "Gamma", "Erlang",
    "Empirical", "Sampler", "NUMBA_AVAILABLE",
]
