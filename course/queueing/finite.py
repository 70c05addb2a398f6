"""Queues that never grow without bound: finite buffers (M/M/1/K, M/M/c/K) and M/M/∞.

A finite buffer is a restaurant with ``capacity`` seats in total (tables being served plus
the waiting bench): whoever arrives to a full house is turned away. Nothing can pile up,
so these models stay valid at any load, including ρ ≥ 1 — the price is the
``blocking_probability`` and a throughput below the arrival rate. M/M/∞ is the opposite
limit: a server for everyone, nobody waits, and the number in service is Poisson.

Same vocabulary as :mod:`course.queueing.markovian` (``arrival_rate``, ``service_rate``,
``servers``, ``utilization``, ``wq``, ``w``, ``lq``, ``l``), plus ``capacity`` K (the
most customers in the system, in service or waiting), ``blocking_probability`` and
``effective_arrival_rate`` (= throughput, the admitted rate λ(1 − P_K)).

>>> m = mm1k(arrival_rate=2, service_rate=1, capacity=5)    # overloaded yet finite
>>> round(m.blocking_probability, 4), round(m.throughput, 4)
(0.5079, 0.9841)

Taught in: Ep51 · 1-foundations ("Finite buffers": M/M/1/K and M/M/c/K blocking and throughput, M/M/∞).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import gammaln, xlogy

from course.queueing.erlang import require_finite_quantities
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["MMcK", "MMInf", "mm1k", "mmck", "mminf", "MAX_CAPACITY"]

#: The model keeps one probability per state; a million states (8 MB) is ample for teaching
#: and stops a typo from exhausting memory.
MAX_CAPACITY = 1_000_000


@dataclass(frozen=True)
class MMcK:
    """M/M/c/K: ``servers`` c, at most ``capacity`` K ≥ c customers in the system.

    The state probabilities come from the birth–death balance p_n ∝ Π λ/(min(k, c)·μ),
    summed in log space so that large K or heavy overload neither overflows nor underflows.
    Times (``w``, ``wq``) are per *admitted* customer (Little's law with λ_eff).
    """

    arrival_rate: float
    service_rate: float
    servers: int
    capacity: int

    def __post_init__(self):
        object.__setattr__(
            self, "arrival_rate", require_non_negative("arrival_rate", self.arrival_rate)
        )
        object.__setattr__(self, "service_rate", require_positive("service_rate", self.service_rate))
        servers = require_int("servers", self.servers, minimum=1, maximum=MAX_CAPACITY)
        object.__setattr__(self, "servers", servers)
        capacity = require_int("capacity", self.capacity, minimum=servers, maximum=MAX_CAPACITY)
        object.__setattr__(self, "capacity", capacity)
        require_finite_quantities(
            self, ("offered_load", "blocking_probability", "throughput", "l", "lq", "w", "wq")
        )

    @property
    def offered_load(self) -> float:
        """A = λ/μ in Erlangs (what would be carried with no blocking)."""
        return self.arrival_rate / self.service_rate

    @property
    def offered_utilization(self) -> float:
        """Offered load per server λ/(cμ), before blocking; may exceed 1 here, because blocked
        customers leave. ``utilization`` is what the servers actually carry, λ_eff/(cμ)."""
        return self.offered_load / self.servers

    @cached_property
    def _log_weights(self) -> np.ndarray:
        """log of p_n up to a constant, from the balance p_n = p_{n−1}·λ / (min(n, c)·μ)."""
        n = np.arange(1, self.capacity + 1)
        if self.arrival_rate == 0:
            return np.concatenate(([0.0], np.full(self.capacity, -np.inf)))
        steps = math.log(self.offered_load) - np.log(np.minimum(n, self.servers))
        return np.concatenate(([0.0], np.cumsum(steps)))

    @cached_property
    def state_probabilities(self) -> np.ndarray:
        """P(N = n) for n = 0 … K (a read-only array summing to 1)."""
        return _normalised(self._log_weights)

    @cached_property
    def _seen_by_admitted(self) -> np.ndarray:
        """States n = 0 … K − 1 as an admitted arrival sees them (PASTA, K excluded).

        Normalised on its own rather than as p_n / (1 − P_K), which would be 0/0 when
        almost everybody is blocked.
        """
        return _normalised(self._log_weights[:-1])

    @property
    def blocking_probability(self) -> float:
        """P_K: the share of arrivals turned away (they find the system full)."""
        return float(self.state_probabilities[-1])

    @property
    def effective_arrival_rate(self) -> float:
        """λ_eff = λ(1 − P_K), the rate of admitted customers."""
        # Σ_{n<K} p_n rather than 1 − P_K: no cancellation when P_K is close to 1.
        return self.arrival_rate * float(self.state_probabilities[:-1].sum())

    @property
    def throughput(self) -> float:
        """Completions per unit time; equals the admitted rate in steady state."""
        return self.effective_arrival_rate

    @property
    def loss_rate(self) -> float:
        """Rejected customers per unit time, λ·P_K."""
        return self.arrival_rate * self.blocking_probability

    @property
    def utilization(self) -> float:
        """Fraction of time each server is busy, λ_eff / (cμ) (at most 1, whatever the load)."""
        return self.effective_arrival_rate / (self.servers * self.service_rate)

    @property
    def p_wait(self) -> float:
        """Probability that an *admitted* customer has to wait for a server."""
        return float(self._seen_by_admitted[self.servers :].sum())

    @property
    def l(self) -> float:  # noqa: E743 - L is the standard queueing symbol
        """Mean number in the system."""
        return float(np.arange(self.capacity + 1) @ self.state_probabilities)

    @property
    def lq(self) -> float:
        """Mean number waiting (not in service)."""
        queued = np.maximum(np.arange(self.capacity + 1) - self.servers, 0)
        return float(queued @ self.state_probabilities)

    @property
    def wq(self) -> float:
        """Mean wait of an admitted customer: (n − c + 1) departures at rate cμ if it finds n ≥ c."""
        ahead = np.maximum(np.arange(self.capacity) - self.servers + 1, 0)
        return float(ahead @ self._seen_by_admitted) / (self.servers * self.service_rate)

    @property
    def w(self) -> float:
        """Mean time in the system of an admitted customer, Wq + 1/μ (= L / λ_eff)."""
        return self.wq + 1.0 / self.service_rate


def _normalised(log_weights: np.ndarray) -> np.ndarray:
    weights = np.exp(log_weights - log_weights.max())
    probabilities = weights / weights.sum()
    probabilities.flags.writeable = False
    return probabilities


def mmck(arrival_rate: float, service_rate: float, servers: int, capacity: int) -> MMcK:
    """M/M/c/K queue: ``servers`` c and room for ``capacity`` K ≥ c in the system.

    With K = c this is the Erlang loss system, whose blocking probability is Erlang B.

    >>> round(mmck(9, 1, servers=10, capacity=10).blocking_probability, 6)
    0.167963

    Taught in: Ep51 · 1-foundations.
    """
    return MMcK(arrival_rate, service_rate, servers, capacity)


def mm1k(arrival_rate: float, service_rate: float, capacity: int) -> MMcK:
    """M/M/1/K queue: one server, at most ``capacity`` K ≥ 1 customers in the system.

    >>> round(mm1k(1, 1, capacity=4).blocking_probability, 6)   # ρ = 1: 1/(K + 1)
    0.2

    Taught in: Ep51 · 1-foundations.
    """
    return MMcK(arrival_rate, service_rate, 1, capacity)


@dataclass(frozen=True)
class MMInf:
    """M/M/∞: every arrival starts service at once; the number in system is Poisson(A).

    ``servers`` is infinite and ``utilization`` (λ/(cμ) as c → ∞) is 0: read
    ``offered_load`` A = λ/μ for the mean number of busy servers instead.
    """

    arrival_rate: float
    service_rate: float

    def __post_init__(self):
        object.__setattr__(
            self, "arrival_rate", require_non_negative("arrival_rate", self.arrival_rate)
        )
        object.__setattr__(self, "service_rate", require_positive("service_rate", self.service_rate))
        require_finite_quantities(self, ("offered_load", "w", "l"))

    servers = math.inf
    utilization = 0.0
    p_wait = 0.0
    wq = 0.0
    lq = 0.0

    @property
    def offered_load(self) -> float:
        return self.arrival_rate / self.service_rate

    @property
    def w(self) -> float:
        return 1.0 / self.service_rate

    @property
    def l(self) -> float:  # noqa: E743 - L is the standard queueing symbol
        return self.offered_load

    def number_in_system_pmf(self, n):
        """P(N = n) = e^{−A} Aⁿ / n! (scalar or array ``n`` ≥ 0), computed in log space."""
        try:
            counts = np.asarray(n, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"n must be whole numbers >= 0; got {n!r}") from None
        if (
            counts.size == 0
            or not np.all(np.isfinite(counts))
            or np.any(counts < 0)
            or np.any(counts != np.round(counts))
        ):
            raise ValueError(f"n must be whole numbers >= 0; got {n!r}")
        load = self.offered_load
        counts = counts.astype(float)
        if load == 0:
            values = (counts == 0).astype(float)
        else:
            with np.errstate(invalid="ignore"):
                log_pmf = xlogy(counts, load) - load - gammaln(counts + 1)
            # For astronomically large n both terms overflow (∞ − ∞); n! wins, the pmf is 0.
            values = np.exp(np.nan_to_num(log_pmf, nan=-np.inf))
        return float(values) if values.ndim == 0 else values


def mminf(arrival_rate: float, service_rate: float) -> MMInf:
    """M/M/∞ queue (infinitely many servers): nobody ever waits.

    >>> m = mminf(arrival_rate=30, service_rate=0.5)   # 30/s, 2 s each
    >>> m.l, round(m.number_in_system_pmf(60), 4)
    (60.0, 0.0514)

    Taught in: Ep51 · 1-foundations.
    """
    return MMInf(arrival_rate, service_rate)
