"""The fast path: first-come-first-served queues simulated by recursion, compiled with numba.

A FCFS queue needs no event list. Customer n arrives at time a_n and is served by the
server that frees up first, at time f: service starts at max(a_n, f), the wait is that
minus a_n, and the server is then busy until start + S_n. Keeping the c servers' free
times in a small binary heap (the earliest on top) gives the Kiefer–Wolfowitz recursion in
O(log c) per customer; with one server it is Lindley's recursion,
W_{n+1} = max(0, W_n + S_n − A_{n+1}), written with clock times.

All random numbers are drawn in bulk by numpy from the same streams the readable engine
in :mod:`course.simulation.reference` uses, and the arithmetic is the same (clock times
summed in the same order), so both paths return bit-identical waits for the same seed.

If numba cannot be imported, the very same loops run as plain Python: correct, ~100×
slower. ``numba`` compiles on the first call and caches the machine code in
``__pycache__`` next to this file, so later processes load it in a fraction of a second.

>>> from course.queueing.markovian import mmc
>>> result = simulate_mmc(9, 1, servers=10, customers=200_000, seed=0)
>>> exact_wq = mmc(9, 1, 10).wq   # Erlang C: 0.6687 s
>>> result.wait_ci[0] < exact_wq < result.wait_ci[1]
True

Taught in: Ep51 · 2-implementation; planned for Ep58 (Lindley's recursion).
"""

from __future__ import annotations

import numpy as np

from course.queueing.erlang import MAX_SERVERS
from course.sim.distributions import Distribution, as_distribution, exponential_with_rate
from course.sim.jit import NUMBA_AVAILABLE, njit
from course.sim.streams import spawn_generators
from course.simulation.results import QueueResult, QueueStatistics, require_run_length
from course.validation import require_int, require_open_unit, require_positive, require_stable

__all__ = ["NUMBA_AVAILABLE", "MAX_CUSTOMERS", "simulate_mmc", "simulate_queue",
           "fcfs_start_times", "single_server_waits", "multi_server_waits"]

#: Customers drawn and simulated per chunk: bounds memory at ~10 MB whatever the run length.
CHUNK = 1 << 18
#: Most customers (measured + warm-up) one fast run simulates: about 10 s on one core.
MAX_CUSTOMERS = 100_000_000


@njit(cache=True)
def single_server_waits(interarrivals, service_times, clock, free_at):
    """Lindley's recursion for one server. Returns (waits, clock, free_at) for the next chunk."""
    waits = np.empty(interarrivals.size)
    for n in range(interarrivals.size):
        clock += interarrivals[n]
        start = clock if clock > free_at else free_at
        waits[n] = start - clock
        free_at = start + service_times[n]
    return waits, clock, free_at


@njit(cache=True)
def multi_server_waits(interarrivals, service_times, clock, free_times):
    """Kiefer–Wolfowitz recursion for c servers; ``free_times`` is a min-heap updated in place."""
    servers = free_times.size
    waits = np.empty(interarrivals.size)
    for n in range(interarrivals.size):
        clock += interarrivals[n]
        earliest = free_times[0]
        start = clock if clock > earliest else earliest
        waits[n] = start - clock
        # That server is now busy until `busy_until`: sift the new value down the heap.
        busy_until = start + service_times[n]
        slot = 0
        while True:
            child = 2 * slot + 1
            if child >= servers:
                break
            if child + 1 < servers and free_times[child + 1] < free_times[child]:
                child += 1
            if free_times[child] >= busy_until:
                break
            free_times[slot] = free_times[child]
            slot = child
        free_times[slot] = busy_until
    return waits, clock


def fcfs_start_times(arrival_times, service_times, servers: int) -> np.ndarray:
    """Service start times of a FCFS queue with ``servers`` servers, given arrivals (sorted, s).

    >>> fcfs_start_times([0.0, 1.0, 1.5], [2.0, 2.0, 2.0], servers=1).tolist()
    [0.0, 2.0, 4.0]

    Taught in: Ep51 · 2-implementation (request logs); planned for Ep58 (Lindley's recursion).
    """
    arrival_times = np.asarray(arrival_times, dtype=float)
    interarrivals = np.diff(arrival_times, prepend=0.0)
    service_times = np.asarray(service_times, dtype=float)
    waits, _ = multi_server_waits(interarrivals, service_times, 0.0, np.zeros(servers))
    return arrival_times + waits


def simulate_queue(
    arrival_rate: float,
    service: Distribution,
    servers: int,
    customers: int,
    seed,
    *,
    arrivals: Distribution | None = None,
    warmup: int = 10_000,
    batches: int = 20,
    confidence: float = 0.95,
    keep_waits: bool = False,
) -> QueueResult:
    """Simulate a FCFS G/G/c queue on the fast path and measure waits with confidence intervals.

    ``arrival_rate`` λ is in customers per second; arrivals are Poisson unless ``arrivals``
    gives another distribution of the gaps between them (its mean must be 1/λ). ``service``
    is a distribution of service times (seconds) or a callable ``f(rng, size)``. The first
    ``warmup`` customers fill the empty system and are not measured; the next ``customers``
    are, in ``batches`` batches for the intervals. ``seed``: whole number or Generator.
    ``keep_waits`` keeps the per-customer waits (8 bytes each) in ``result.waits``.

    >>> from course.sim.distributions import Deterministic
    >>> md1 = simulate_queue(0.8, Deterministic(1.0), 1, customers=200_000, seed=3)
    >>> md1.wait_ci[0] < 2.0 < md1.wait_ci[1]   # Pollaczek–Khinchine: ρS/(2(1−ρ)) = 2 s
    True

    Taught in: Ep51 · 2-implementation (M/D/1, M/G/1 against Pollaczek–Khinchine).
    """
    arrival_rate = require_positive("arrival_rate", arrival_rate)
    service = as_distribution("service", service)
    arrivals = _check_arrivals(arrivals, arrival_rate)
    servers = require_int("servers", servers, minimum=1, maximum=MAX_SERVERS)
    batches = require_int("batches", batches, minimum=2)
    customers, warmup = require_run_length(customers, warmup, batches, MAX_CUSTOMERS)
    confidence = require_open_unit("confidence", confidence)
    if service.mean is not None:
        require_stable("utilization = arrival_rate × mean service time / servers",
                       arrival_rate * service.mean / servers)
    arrival_rng, service_rng = spawn_generators(seed, 2)

    statistics = QueueStatistics(customers, batches, keep_waits)
    clock, free_at, free_times = 0.0, 0.0, np.zeros(servers)
    done = 0
    while done < warmup + customers:
        size = min(CHUNK, warmup + customers - done)
        interarrivals = arrivals.sample(arrival_rng, size)
        service_times = service.sample(service_rng, size)
        chunk_start_clock = clock
        if servers == 1:
            waits, clock, free_at = single_server_waits(interarrivals, service_times, clock, free_at)
        else:
            waits, clock = multi_server_waits(interarrivals, service_times, clock, free_times)
        skip = max(warmup - done, 0)  # warm-up customers in this chunk
        if skip < size:
            first_arrival = chunk_start_clock + float(interarrivals[: skip + 1].sum())
            statistics.add(waits[skip:], service_times[skip:], first_arrival, clock)
        done += size

    label = f"{_kendall(arrivals)}/{_kendall(service)}/{servers}"
    return statistics.result(
        confidence, servers, model=label, arrival_rate=arrival_rate, warmup=warmup, seed=seed,
        engine="fast (numba)" if NUMBA_AVAILABLE else "fast (pure Python fallback)",
    )


def simulate_mmc(
    arrival_rate: float,
    service_rate: float,
    servers: int,
    customers: int,
    seed,
    *,
    warmup: int = 10_000,
    batches: int = 20,
    confidence: float = 0.95,
    keep_waits: bool = False,
) -> QueueResult:
    """Simulate an M/M/c queue on the fast path: Poisson arrivals, exponential services.

    ``arrival_rate`` λ and ``service_rate`` μ per second, ``servers`` c; see
    :func:`simulate_queue` for the other arguments. The result's ``mean_wait`` estimates Wq
    (seconds in the queue) and ``wait_ci`` is its 95 % batch-means interval.

    >>> result = simulate_mmc(9, 1, 10, customers=100_000, seed=42)
    >>> result.model, result.customers
    ('M/M/10', 100000)

    Taught in: Ep51 · 2-implementation.
    """
    service_rate = require_positive("service_rate", service_rate)
    return simulate_queue(
        arrival_rate, exponential_with_rate("service_rate", service_rate), servers, customers,
        seed, warmup=warmup, batches=batches, confidence=confidence, keep_waits=keep_waits,
    )


def _check_arrivals(arrivals, arrival_rate: float) -> Distribution:
    if arrivals is None:
        return exponential_with_rate("arrival_rate", arrival_rate)
    arrivals = as_distribution("arrivals", arrivals)
    if arrivals.mean is not None and abs(arrivals.mean * arrival_rate - 1) > 1e-9:
        raise ValueError(
            f"arrivals must have mean 1/arrival_rate = {1 / arrival_rate:.6g} s; "
            f"got mean {arrivals.mean:.6g} s"
        )
    return arrivals


def _kendall(distribution: Distribution) -> str:
    """The letter Kendall's notation uses for a distribution (M, D, E_k or G)."""
    name = type(distribution).__name__
    if name == "Exponential":
        return "M"
    if name == "Deterministic":
        return "D"
    if name == "Erlang":
        return f"E{distribution.phases}"
    return "G"
