"""Markovian queues: M/M/1 and M/M/c (Erlang C waits), server sizing, hockey sticks and wait surfaces.

A queue is a shop counter: customers arrive at ``arrival_rate`` (λ per unit time), each
of ``servers`` (c) clerks serves at ``service_rate`` (μ per unit time, so a service takes
S = 1/μ on average), and whoever finds every clerk busy waits in line. Each model is an
object that holds its parameters and exposes its quantities, like a frozen scipy
distribution: build it once, read many numbers from it.

Glossary (times in the unit of 1/λ; the whole vocabulary of the kit is in docs/glossary.md):

===================  ======  =============================================================
name                 symbol  meaning
===================  ======  =============================================================
``arrival_rate``     λ       arrivals per unit time
``service_rate``     μ       services per unit time per server; S = 1/μ
``servers``          c       parallel servers
``offered_load``     A       λ/μ, in Erlangs (mean number of busy servers)
``utilization``      ρ       λ/(cμ), fraction of time each server is busy
``p_wait``           C       probability an arrival has to wait (Erlang C for M/M/c)
``wq`` / ``w``       Wq, W   mean time in queue / in system (queue + service)
``lq`` / ``l``       Lq, L   mean number in queue / in system (Little: L = λW)
===================  ======  =============================================================

Related families live next door, and :mod:`course.queueing` re-exports them all: Erlang's
formulas in :mod:`course.queueing.erlang`, general service and arrivals (M/G/1, M/D/1,
Kingman, Allen–Cunneen) in :mod:`course.queueing.general`, finite buffers (M/M/1/K, M/M/c/K)
and infinite servers (M/M/∞) in :mod:`course.queueing.finite`.

>>> m = mmc(arrival_rate=9, service_rate=1, servers=10)
>>> round(m.p_wait, 4), round(m.wq, 4)
(0.6687, 0.6687)
>>> round(mm1(0.8, 1).lq, 2)
3.2

Taught in: Ep51 · 1-foundations (formulas), 2-implementation, 3-strategy (sizing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from course.queueing.erlang import (
    MAX_SERVERS,
    STABILITY,
    erlang_b,
    erlang_b_step,
    erlang_c,
    require_finite_quantities,
)
from course.validation import (
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
    require_probability,
    require_stable,
)

__all__ = [
    "MM1", "MMc", "mm1", "mmc",
    "servers_for_p_wait", "servers_for_service_level",
    "servers_for_response_quantile", "hockey_stick", "wait_surface",
]

# --------------------------------------------------------------------------- M/M/c

def _check_rates(arrival_rate, service_rate):
    return (
        require_non_negative("arrival_rate", arrival_rate),
        require_positive("service_rate", service_rate),
    )


def _check_times(name, t):
    try:
        times = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        times = np.array(np.nan)  # reported below like any other bad time
    if times.size == 0 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError(f"{name} must be a finite time >= 0 (or an array of them); got {t!r}")
    return times


def _whole_numbers(name, n) -> np.ndarray:
    try:
        counts = np.asarray(n, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be whole numbers >= 0; got {n!r}") from None
    if not np.all(np.isfinite(counts)) or np.any(counts != np.round(counts)):
        raise ValueError(f"{name} must be whole numbers >= 0; got {n!r}")
    return counts


def _scalar_or_array(values: np.ndarray):
    return float(values) if values.ndim == 0 else values


def _hypoexponential_sf(t, rate_a, rate_b):
    """P(X + Y > t) for independent X ~ Exp(rate_a), Y ~ Exp(rate_b); any rates, even equal.

    The textbook (b e^{−at} − a e^{−bt}) / (b − a) cancels catastrophically when a ≈ b;
    writing it as e^{−at}(1 + a·t·φ((b − a)t)) with φ(x) = (1 − e^{−x})/x = −expm1(−x)/x,
    a the smaller rate, is exact at a = b (the Erlang-2 case, φ = 1) and never overflows.
    """
    low, high = np.minimum(rate_a, rate_b), np.maximum(rate_a, rate_b)
    # rate × t may overflow to inf for absurd inputs; e^{−inf} = 0 is then the right answer.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        x = (high - low) * t
        z = low * t
        phi = np.where(x > 1e-12, -np.expm1(-x) / np.where(x > 0, x, 1.0), 1.0 - x / 2)
        # Beyond z = 800, e^{−z}(1 + z) is below the smallest float: 0, never 0·∞ = NaN.
        return np.where(z < 800.0, np.exp(-z) * (1.0 + z * phi), 0.0)


@dataclass(frozen=True)
class MMc:
    """M/M/c: Poisson arrivals, exponential service, ``servers`` identical servers, FCFS.

    Build with :func:`mmc`. Times are in the unit of 1/``arrival_rate``.

    >>> m = mmc(1000, 20, 52)        # 1000 req/s, 50 ms service, 52 servers
    >>> round(m.utilization, 3), round(1000 * m.response_time_quantile(0.95))
    (0.962, 176)
    """

    arrival_rate: float
    service_rate: float
    servers: int

    def __post_init__(self):
        arrival_rate, service_rate = _check_rates(self.arrival_rate, self.service_rate)
        servers = require_int("servers", self.servers, minimum=1, maximum=MAX_SERVERS)
        if not math.isfinite(servers * service_rate):
            raise ValueError("servers × service_rate overflows a float; check the units")
        require_stable(STABILITY, arrival_rate / (servers * service_rate))
        object.__setattr__(self, "arrival_rate", arrival_rate)
        object.__setattr__(self, "service_rate", service_rate)
        object.__setattr__(self, "servers", servers)
        require_finite_quantities(self, ("service_time", "offered_load", "p_wait", "wq", "w", "lq", "l"))

    @property
    def service_time(self) -> float:
        """Mean service time S = 1/μ."""
        return 1.0 / self.service_rate

    @property
    def offered_load(self) -> float:
        """A = λ/μ in Erlangs: the mean number of busy servers."""
        return self.arrival_rate / self.service_rate

    @property
    def utilization(self) -> float:
        """ρ = λ/(cμ), the fraction of time each server is busy."""
        return self.offered_load / self.servers

    @cached_property
    def p_wait(self) -> float:
        """Probability that an arrival waits (Erlang C)."""
        return erlang_c(self.servers, self.offered_load)

    @property
    def _drain_rate(self) -> float:
        # The queue empties at rate cμ − λ while all servers are busy: Wq | wait ~ Exp(this).
        return self.servers * self.service_rate - self.arrival_rate

    @property
    def wq(self) -> float:
        """Mean waiting time in the queue, Wq = C / (cμ − λ)."""
        return self.p_wait / self._drain_rate

    @property
    def w(self) -> float:
        """Mean response time (queue + service), W = Wq + S."""
        return self.wq + self.service_time

    @property
    def lq(self) -> float:
        """Mean number waiting, Lq = λ·Wq."""
        return self.arrival_rate * self.wq

    @property
    def l(self) -> float:  # noqa: E743 - L is the standard queueing symbol
        """Mean number in the system, L = λ·W."""
        return self.arrival_rate * self.w

    def waiting_time_cdf(self, t):
        """P(Wq ≤ t) = 1 − C·e^{−(cμ−λ)t} for times ``t`` ≥ 0 (scalar or array)."""
        times = _check_times("t", t)
        with np.errstate(over="ignore"):
            return _scalar_or_array(1.0 - self.p_wait * np.exp(-self._drain_rate * times))

    def service_level(self, t):
        """Service level SL(t) = P(Wq ≤ t): the share of arrivals answered within ``t``.

        >>> round(mmc(9, 1, 10).service_level(0.5), 4)
        0.5944
        """
        return self.waiting_time_cdf(t)

    def waiting_time_quantile(self, p: float) -> float:
        """The p-quantile of the waiting time; 0 when at least a share p does not wait."""
        p = require_open_unit("p", p)
        if p <= 1.0 - self.p_wait:
            return 0.0
        return math.log(self.p_wait / (1.0 - p)) / self._drain_rate

    def response_time_cdf(self, t):
        """P(T ≤ t) for the response time T = Wq + S (scalar or array ``t`` ≥ 0).

        With probability 1 − C the request goes straight to service (T = S, exponential);
        otherwise T is the sum of two exponentials, rates cμ − λ and μ (hypoexponential).
        """
        times = _check_times("t", t)
        with np.errstate(over="ignore"):
            no_wait = np.exp(-self.service_rate * times)
        survival = (1.0 - self.p_wait) * no_wait + self.p_wait * _hypoexponential_sf(
            times, self._drain_rate, self.service_rate
        )
        return _scalar_or_array(1.0 - survival)

    def response_time_quantile(self, p: float) -> float:
        """The p-quantile of the response time, solved from the exact CDF with Brent's method."""
        p = require_open_unit("p", p)
        upper = _response_quantile_upper(p, self.p_wait, self._drain_rate, self.service_rate)
        return brentq(
            lambda t: self.response_time_cdf(t) - p, 0.0, upper, xtol=upper * 1e-15, maxiter=200
        )


def _response_quantile_upper(p, p_wait, drain_rate, service_rate):
    # P(Wq + S > t) <= P(Wq > t/2) + P(S > t/2); make each term <= (1 - p)/2.
    half_tail = (1.0 - p) / 2.0
    service_part = -np.log(half_tail) / service_rate
    with np.errstate(divide="ignore"):
        wait_part = np.log(np.maximum(p_wait, 1e-300) / half_tail) / drain_rate
    return 2.0 * np.maximum(service_part, wait_part)


def mmc(arrival_rate: float, service_rate: float, servers: int) -> MMc:
    """An M/M/c queue; raises ValueError unless λ < cμ (a stable queue).

    ``arrival_rate`` λ and ``service_rate`` μ per unit time, ``servers`` c >= 1.

    >>> round(mmc(0.8, 1, 1).l, 6)
    4.0

    Taught in: Ep51 · 1-foundations.
    """
    return MMc(arrival_rate, service_rate, servers)


@dataclass(frozen=True)
class MM1:
    """M/M/1 with its closed forms: L = ρ/(1−ρ), W = 1/(μ−λ), exponential response time.

    >>> m = mm1(arrival_rate=0.9, service_rate=1)
    >>> round(m.w, 6), round(m.response_time_quantile(0.95), 4)
    (10.0, 29.9573)
    """

    arrival_rate: float
    service_rate: float

    def __post_init__(self):
        arrival_rate, service_rate = _check_rates(self.arrival_rate, self.service_rate)
        require_stable(STABILITY, arrival_rate / service_rate)
        object.__setattr__(self, "arrival_rate", arrival_rate)
        object.__setattr__(self, "service_rate", service_rate)
        require_finite_quantities(self, ("service_time", "offered_load", "p_wait", "wq", "w", "lq", "l"))

    servers = 1

    @property
    def service_time(self) -> float:
        """Mean service time S = 1/μ."""
        return 1.0 / self.service_rate

    @property
    def offered_load(self) -> float:
        """A = λ/μ, equal to ρ with one server."""
        return self.arrival_rate / self.service_rate

    @property
    def utilization(self) -> float:
        """ρ = λ/μ, the fraction of time the server is busy."""
        return self.offered_load

    @property
    def p_wait(self) -> float:
        """Probability of waiting = ρ (an arrival sees the time-average state, PASTA)."""
        return self.utilization

    @property
    def wq(self) -> float:
        """Wq = ρ/(μ − λ)."""
        return self.utilization / (self.service_rate - self.arrival_rate)

    @property
    def w(self) -> float:
        """W = 1/(μ − λ) = S/(1 − ρ)."""
        return 1.0 / (self.service_rate - self.arrival_rate)

    @property
    def lq(self) -> float:
        """Lq = ρ²/(1 − ρ)."""
        rho = self.utilization
        return rho * rho / (1.0 - rho)

    @property
    def l(self) -> float:  # noqa: E743 - L is the standard queueing symbol
        """L = ρ/(1 − ρ)."""
        rho = self.utilization
        return rho / (1.0 - rho)

    def number_in_system_pmf(self, n):
        """P(N = n) = (1 − ρ)ρⁿ, a geometric distribution (scalar or array ``n`` >= 0)."""
        counts = _whole_numbers("n", n)
        if counts.size == 0 or np.any(counts < 0):
            raise ValueError(f"n must be whole numbers >= 0; got {n!r}")
        rho = self.utilization
        return _scalar_or_array((1.0 - rho) * rho ** counts.astype(float))

    def waiting_time_cdf(self, t):
        """P(Wq ≤ t) = 1 − ρ·e^{−(μ−λ)t} for ``t`` ≥ 0 (scalar or array)."""
        times = _check_times("t", t)
        with np.errstate(over="ignore"):
            decay = np.exp(-(self.service_rate - self.arrival_rate) * times)
        return _scalar_or_array(1.0 - self.utilization * decay)

    def service_level(self, t):
        """P(Wq ≤ t), the share of arrivals that start service within ``t``."""
        return self.waiting_time_cdf(t)

    def waiting_time_quantile(self, p: float) -> float:
        """The p-quantile of the wait: 0 if p ≤ 1 − ρ, else ln(ρ/(1 − p))/(μ − λ)."""
        p = require_open_unit("p", p)
        rho = self.utilization
        if p <= 1.0 - rho:
            return 0.0
        return math.log(rho / (1.0 - p)) / (self.service_rate - self.arrival_rate)

    def response_time_cdf(self, t):
        """P(T ≤ t) = 1 − e^{−(μ−λ)t}: the M/M/1 response time is exponential with mean W."""
        times = _check_times("t", t)
        with np.errstate(over="ignore"):
            return _scalar_or_array(-np.expm1(-(self.service_rate - self.arrival_rate) * times))

    def response_time_quantile(self, p: float) -> float:
        """The p-quantile of the response time, −ln(1 − p)·W."""
        p = require_open_unit("p", p)
        return -math.log1p(-p) * self.w


def mm1(arrival_rate: float, service_rate: float) -> MM1:
    """An M/M/1 queue; raises ValueError unless λ < μ.

    >>> [round(mm1(r, 1).lq, 2) for r in (0.5, 0.8, 0.9, 0.95)]
    [0.5, 3.2, 8.1, 18.05]

    Taught in: Ep51 · 1-foundations.
    """
    return MM1(arrival_rate, service_rate)


# --------------------------------------------------------------------------- sizing

def _erlang_c_by_servers(offered_load: float):
    """Yield (c, Erlang C) for c = the first stable count, c + 1, ... in O(1) per step."""
    servers = math.floor(offered_load) + 1
    blocking = erlang_b(servers, offered_load)
    while True:
        rho = offered_load / servers
        yield servers, blocking / (1.0 - rho * (1.0 - blocking))
        servers += 1
        blocking = erlang_b_step(servers, offered_load, blocking)


def _smallest_servers(arrival_rate, service_rate, meets_target) -> int:
    load = arrival_rate / service_rate
    too_many = ValueError(
        f"arrival_rate / service_rate = {load:.4g} needs more than {MAX_SERVERS:,} servers; "
        "check the units of the rates"
    )
    if load >= MAX_SERVERS:
        raise too_many
    for servers, p_wait in _erlang_c_by_servers(load):
        if meets_target(servers, p_wait, servers * service_rate - arrival_rate):
            return servers
        if servers >= MAX_SERVERS:
            raise too_many
    raise AssertionError("unreachable: the generator never ends")


def servers_for_p_wait(
    arrival_rate: float, service_rate: float, target_probability: float
) -> int:
    """Smallest c with P(wait) = Erlang C ≤ ``target_probability`` (in (0, 1]).

    >>> servers_for_p_wait(9, 1, 0.2)
    13

    Taught in: Ep51 · 3-strategy.
    """
    arrival_rate, service_rate = _check_rates(arrival_rate, service_rate)
    target = require_probability("target_probability", target_probability)
    if target == 0 and arrival_rate > 0:
        raise ValueError("target_probability must be > 0: some arrivals always wait")
    return _smallest_servers(arrival_rate, service_rate, lambda c, p_wait, drain: p_wait <= target)


def servers_for_service_level(
    arrival_rate: float, service_rate: float, target_time: float, target_level: float
) -> int:
    """Smallest c with service level P(Wq ≤ ``target_time``) ≥ ``target_level``.

    The call-centre "80/20" rule: answer 80 % of calls within 20 s. ``target_time`` ≥ 0 in
    the time unit of the rates; ``target_level`` in (0, 1).

    >>> servers_for_service_level(arrival_rate=2, service_rate=1 / 180, target_time=20,
    ...                           target_level=0.8)
    369

    Taught in: Ep51 · 3-strategy.
    """
    arrival_rate, service_rate = _check_rates(arrival_rate, service_rate)
    target_time = require_non_negative("target_time", target_time)
    level = require_open_unit("target_level", target_level)
    # SL = 1 − C·e^{−(cμ−λ)t} ≥ level, written as C·e^{...} ≤ 1 − level: no cancellation.
    return _smallest_servers(
        arrival_rate,
        service_rate,
        lambda c, p_wait, drain: p_wait * math.exp(-drain * target_time) <= 1.0 - level,
    )


def servers_for_response_quantile(
    arrival_rate: float, service_rate: float, quantile: float, target_time: float
) -> int:
    """Smallest c whose response-time ``quantile`` (e.g. 0.95 for p95) is ≤ ``target_time``.

    Even infinitely many servers leave the service time itself, so the target must exceed
    the service-time quantile −ln(1 − q)/μ.

    >>> servers_for_response_quantile(1000, 20, quantile=0.95, target_time=0.200)
    52

    Taught in: Ep51 · 3-strategy.
    """
    arrival_rate, service_rate = _check_rates(arrival_rate, service_rate)
    quantile = require_open_unit("quantile", quantile)
    target_time = require_positive("target_time", target_time)
    # With S the service time, P(T ≤ t) = P(S ≤ t) − C·(P(Wq + S > t) − P(S > t)), so the
    # target holds when C·(...) ≤ P(S ≤ t) − q: a margin the servers cannot make positive.
    margin = -math.expm1(-service_rate * target_time) - quantile
    if margin <= 0:
        floor_time = -math.log1p(-quantile) / service_rate
        raise ValueError(
            f"target_time must exceed {floor_time:.6g}, the {quantile:g}-quantile of the service "
            "time alone: no number of servers can answer faster than the service takes"
        )
    service_survival = math.exp(-service_rate * target_time)

    def meets(servers, p_wait, drain):
        extra = float(_hypoexponential_sf(target_time, drain, service_rate)) - service_survival
        return p_wait * extra <= margin

    return _smallest_servers(arrival_rate, service_rate, meets)


# --------------------------------------------------------------------------- grids for widgets

def _response_quantile_grid(p, p_wait, drain_rate, service_rate, iterations=64):
    """Vectorised bisection on the exact M/M/c response-time CDF (one quantile per cell)."""
    low = np.zeros_like(p_wait)
    high = _response_quantile_upper(p, p_wait, drain_rate, service_rate) * np.ones_like(p_wait)
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        survival = (1 - p_wait) * np.exp(-service_rate * mid) + p_wait * _hypoexponential_sf(
            mid, drain_rate, service_rate
        )
        below = 1.0 - survival < p
        low = np.where(below, mid, low)
        high = np.where(below, high, mid)
    return 0.5 * (low + high)


def _check_utilizations(utilizations) -> np.ndarray:
    rho = require_array("utilizations", utilizations, non_negative=True)
    if np.any(rho >= 1):
        require_stable("utilizations", float(rho.max()))
    return rho


def hockey_stick(service_rate: float, utilizations, servers: int = 1) -> pd.DataFrame:
    """M/M/c waits over a grid of utilisations: the "hockey stick" curve of W against ρ.

    Returns one row per utilisation with columns ``utilization``, ``arrival_rate``,
    ``p_wait``, ``wq``, ``w``, ``lq``, ``l`` and ``p95`` (95th percentile of the response
    time). Vectorised (a few ms for 200 points), so a slider can call it on every move.

    >>> df = hockey_stick(service_rate=1.0, utilizations=[0.5, 0.8, 0.9])
    >>> df["w"].round(6).tolist()
    [2.0, 5.0, 10.0]

    Taught in: Ep51 · 1-foundations.
    """
    service_rate = require_positive("service_rate", service_rate)
    servers = require_int("servers", servers, minimum=1, maximum=MAX_SERVERS)
    rho = _check_utilizations(utilizations)
    arrival_rate = rho * servers * service_rate
    p_wait = erlang_c(np.full(rho.shape, servers), rho * servers)
    drain = servers * service_rate - arrival_rate
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        wq = p_wait / drain
        w = wq + 1.0 / service_rate
    require_finite_result(w, "service_rate", "utilizations")  # μ = 1e-320: 1/μ overflows
    return pd.DataFrame(
        {
            "utilization": rho,
            "arrival_rate": arrival_rate,
            "p_wait": p_wait,
            "wq": wq,
            "w": w,
            "lq": arrival_rate * wq,
            "l": arrival_rate * w,
            "p95": _response_quantile_grid(0.95, p_wait, drain, service_rate),
        }
    )


def wait_surface(utilizations, server_counts, service_rate: float = 1.0) -> np.ndarray:
    """Mean M/M/c wait Wq over a grid: rows = ``utilizations``, columns = ``server_counts``.

    For a 3-D surface of Wq over (ρ, c): at the same utilisation, more servers wait far
    less (pooling). One vectorised Erlang B sweep computes the whole grid.

    >>> wait_surface([0.8], [1, 2], service_rate=1.0).round(4).tolist()
    [[4.0, 1.7778]]

    Taught in: Ep51 · 1-foundations.
    """
    service_rate = require_positive("service_rate", service_rate)
    rho = _check_utilizations(utilizations)
    counts = require_array("server_counts", server_counts)
    if np.any(counts < 1) or np.any(counts > MAX_SERVERS) or np.any(counts != np.round(counts)):
        raise ValueError(f"server_counts must contain whole numbers in [1, {MAX_SERVERS}]")
    loads = rho[:, None] * counts[None, :]
    p_wait = erlang_c(counts[None, :], loads)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        waits = p_wait / (counts[None, :] * service_rate * (1.0 - rho[:, None]))
    return require_finite_result(waits, "service_rate", "utilizations")
