"""Queues with general variability: M/G/1 (Pollaczek–Khinchine), M/D/1, G/G/1, G/G/c.

Exponential service is a convenient fiction. Real service times are more regular (a fixed
amount of work: M/D/1) or far burstier (a cache miss now and then), and arrivals can come
in clumps. What matters for the mean wait is mostly the *variability*, measured by the
coefficient of variation (standard deviation / mean): ``arrival_cv`` Ca of the gaps
between arrivals, ``service_cv`` Cs of the service times. Doubling Cs² roughly doubles the
queue; making service perfectly regular halves it.

Same vocabulary as :mod:`course.queueing.markovian` (``arrival_rate``, ``service_rate``,
``servers``, ``utilization``, ``p_wait``, ``wq``, ``w``, ``lq``, ``l``).

>>> round(md1(0.9, 1).wq, 6), round(mg1(0.9, 1, service_cv=1).wq, 6)
(4.5, 9.0)

Taught in: Ep51 · 1-foundations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from course.queueing.erlang import MAX_SERVERS, STABILITY, erlang_c, require_finite_quantities
from course.validation import require_int, require_non_negative, require_positive, require_stable

__all__ = ["GGc", "mg1", "md1", "kingman", "allen_cunneen"]


@dataclass(frozen=True)
class GGc:
    """Queues with general arrival and service variability: M/G/1, G/G/1, G/G/c.

    Wq = C(c, A) / (cμ − λ) · (Ca² + Cs²) / 2: the M/M/c wait scaled by the squared
    coefficients of variation (std/mean) of inter-arrival times (``arrival_cv`` Ca) and
    service times (``service_cv`` Cs). Exact for M/M/c (Ca = Cs = 1) and for the mean
    wait of M/G/1 (Poisson arrivals, Ca = 1, c = 1: Pollaczek–Khinchine); Kingman's
    (c = 1) and Allen–Cunneen's (c > 1) approximation otherwise. Build it with
    :func:`mg1`, :func:`md1`, :func:`kingman` or :func:`allen_cunneen`.
    """

    arrival_rate: float
    service_rate: float
    servers: int
    arrival_cv: float
    service_cv: float

    def __post_init__(self):
        arrival_rate = require_non_negative("arrival_rate", self.arrival_rate)
        service_rate = require_positive("service_rate", self.service_rate)
        servers = require_int("servers", self.servers, minimum=1, maximum=MAX_SERVERS)
        object.__setattr__(self, "arrival_rate", arrival_rate)
        object.__setattr__(self, "service_rate", service_rate)
        object.__setattr__(self, "servers", servers)
        object.__setattr__(self, "arrival_cv", require_non_negative("arrival_cv", self.arrival_cv))
        object.__setattr__(self, "service_cv", require_non_negative("service_cv", self.service_cv))
        require_stable(STABILITY, arrival_rate / (servers * service_rate))
        require_finite_quantities(self, ("offered_load", "p_wait", "wq", "w", "lq", "l"))

    @property
    def offered_load(self) -> float:
        return self.arrival_rate / self.service_rate

    @property
    def utilization(self) -> float:
        return self.offered_load / self.servers

    @cached_property
    def p_wait(self) -> float:
        """Erlang C (exact for Poisson arrivals to one server, where it equals ρ)."""
        return erlang_c(self.servers, self.offered_load)

    @property
    def wq(self) -> float:
        variability = (self.arrival_cv * self.arrival_cv + self.service_cv * self.service_cv) / 2
        return self.p_wait / (self.servers * self.service_rate - self.arrival_rate) * variability

    @property
    def w(self) -> float:
        return self.wq + 1.0 / self.service_rate

    @property
    def lq(self) -> float:
        return self.arrival_rate * self.wq

    @property
    def l(self) -> float:  # noqa: E743 - L is the standard queueing symbol
        return self.arrival_rate * self.w


def mg1(arrival_rate: float, service_rate: float, service_cv: float) -> GGc:
    """M/G/1 by Pollaczek–Khinchine: Wq = ρ(1 + Cs²) / (2(1 − ρ)) · S (exact means).

    ``service_cv`` Cs = std/mean of the service time: 0 deterministic, 1 exponential.

    >>> round(mg1(0.8, 1, service_cv=2).wq, 6)   # Cs = 2: 2.5 times the M/M/1 wait
    10.0

    Taught in: Ep51 · 1-foundations.
    """
    return GGc(arrival_rate, service_rate, 1, 1.0, service_cv)


def md1(arrival_rate: float, service_rate: float) -> GGc:
    """M/D/1: constant service time (Cs = 0), which waits half as long as M/M/1.

    >>> round(md1(0.9, 1).wq / mg1(0.9, 1, service_cv=1).wq, 6)   # M/M/1 has Cs = 1
    0.5

    Taught in: Ep51 · 1-foundations.
    """
    return GGc(arrival_rate, service_rate, 1, 1.0, 0.0)


def kingman(arrival_rate: float, service_rate: float, arrival_cv: float, service_cv: float) -> GGc:
    """Kingman's G/G/1 approximation Wq ≈ ρ/(1 − ρ) · (Ca² + Cs²)/2 · S.

    >>> round(kingman(0.9, 1, arrival_cv=0.5, service_cv=0.5).wq, 6)
    2.25

    Taught in: Ep51 · 1-foundations.
    """
    return GGc(arrival_rate, service_rate, 1, arrival_cv, service_cv)


def allen_cunneen(
    arrival_rate: float, service_rate: float, servers: int, arrival_cv: float, service_cv: float
) -> GGc:
    """Allen–Cunneen G/G/c approximation: the Erlang C wait scaled by (Ca² + Cs²)/2.

    >>> round(allen_cunneen(9, 1, 10, arrival_cv=0.5, service_cv=0.5).wq, 4)
    0.1672

    Taught in: Ep51 · 1-foundations.
    """
    return GGc(arrival_rate, service_rate, servers, arrival_cv, service_cv)
