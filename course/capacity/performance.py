"""Performance and capacity models: speedup laws, growth forecasts, sizing, tail latency.

A kitchen with more cooks gets faster only for the chopping, not for the one oven
(Amdahl); give the bigger kitchen a bigger banquet and it stays busy (Gustafson).

Vocabulary and units:

- ``n`` — processors (or servers, threads), a number >= 1;
- ``serial_fraction`` — s, the fraction of work that cannot run in parallel, in [0, 1];
- ``initial`` — today's size (any unit: GB, requests/s); ``t`` — periods from now (years,
  months: the unit in which ``rate`` is given);
- ``rate`` — growth per period (0.3 = 30 % a period); ``rate_sd`` — its uncertainty, the
  standard deviation of a normal belief about the rate;
- ``slow_probability`` — p, the chance that one backend reply is slow.

>>> round(amdahl(16, 0.05), 2), round(amdahl(32, 0.05), 2)
(9.14, 12.55)
>>> round(CompoundGrowth(50, 0.3).value(6))          # GB after 6 years at 30 %
241
>>> servers_needed(peak_load=1100, capacity_per_server=100, target_utilization=0.7)
16

Taught in: Ep53 · 1-foundations.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from course.intervals import Interval
from course.queueing.littles_law import ceil_count
from course.sim.distributions import lognormal_parameters
from course.validation import (
    array_ndim,
    require_array,
    require_finite,
    require_finite_result,
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
    require_probability,
)

__all__ = [
    "amdahl",
    "amdahl_limit",
    "gustafson",
    "gustafson_to_amdahl",
    "amdahl_to_gustafson",
    "LinearGrowth",
    "CompoundGrowth",
    "LogisticGrowth",
    "servers_needed",
    "fanout_slow_probability",
    "fanout_quantile",
    "lognormal_parameters",
    "LognormalLatency",
    "HedgedRequests",
]


def _processors(n) -> float:
    n = require_finite("n", n)
    if n < 1:
        raise ValueError(f"n must be >= 1 (processors); got {n:g}")
    return n


def amdahl(n: float, serial_fraction: float) -> float:
    """Amdahl's speedup of a fixed-size job on ``n`` processors: 1 / (s + (1 − s)/n).

    With 5 % serial work, 16 CPUs give 9.14× and 32 give 12.55× (a popular page says 8.4×
    and 10.3×, which is wrong); no number of CPUs beats 1/s = 20×.

    >>> round(amdahl(32, 0.05), 2)
    12.55

    Taught in: Ep53 · 1-foundations.
    """
    n = _processors(n)
    s = require_probability("serial_fraction", serial_fraction)
    return 1.0 / (s + (1.0 - s) / n)


def amdahl_limit(serial_fraction: float) -> float:
    """The ceiling of Amdahl's speedup as n grows: 1/s (``inf`` for s = 0, perfectly parallel).

    >>> amdahl_limit(0.05)
    20.0

    Taught in: Ep53 · 1-foundations.
    """
    s = require_probability("serial_fraction", serial_fraction)
    return math.inf if s == 0 else 1.0 / s


def gustafson(n: float, serial_fraction: float) -> float:
    """Gustafson's scaled speedup s′ + (1 − s′)·n.

    Here ``serial_fraction`` is s′, measured on the n-processor run of the *grown* job —
    not Amdahl's s of the fixed job. The two laws agree once s is converted
    (``gustafson_to_amdahl``).

    >>> round(gustafson(32, 0.05), 2)
    30.45

    Taught in: Ep53 · 1-foundations.
    """
    n = _processors(n)
    s_scaled = require_probability("serial_fraction", serial_fraction)
    return s_scaled + (1.0 - s_scaled) * n


def gustafson_to_amdahl(serial_fraction: float, n: float) -> float:
    """Amdahl's s of the same job, from the serial fraction s′ measured on n processors.

    s = s′ / (s′ + (1 − s′)·n). With s′ = 0.05 on 32 CPUs, s ≈ 0.00164 and both laws give
    30.45×.

    >>> s = gustafson_to_amdahl(0.05, 32)
    >>> round(amdahl(32, s), 2), round(gustafson(32, 0.05), 2)
    (30.45, 30.45)

    Taught in: Ep53 · 1-foundations.
    """
    s_scaled = require_probability("serial_fraction", serial_fraction)
    n = _processors(n)
    return s_scaled / (s_scaled + (1.0 - s_scaled) * n)


def amdahl_to_gustafson(serial_fraction: float, n: float) -> float:
    """The serial fraction s′ that a run on n processors shows, from Amdahl's s.

    s′ = s / (s + (1 − s)/n): on many processors the serial part dominates the wall clock.

    >>> round(amdahl_to_gustafson(gustafson_to_amdahl(0.05, 32), 32), 12)
    0.05

    Taught in: Ep53 · 1-foundations.
    """
    s = require_probability("serial_fraction", serial_fraction)
    n = _processors(n)
    return s / (s + (1.0 - s) / n)


# --- growth forecasts ------------------------------------------------------------------


def _periods(t):
    if isinstance(t, np.ndarray) and t.ndim == 0:
        t = t.item()
    if array_ndim("t", t) == 0:
        return require_non_negative("t", t)
    return require_array("t", t, min_length=0, non_negative=True)


def _returned(t, values):
    values = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("t is too far ahead: the forecast overflows the range of floats")
    return float(values) if isinstance(t, float) else values


class _Growth:
    """Forecast bands shared by the growth models.

    The growth rate is uncertain: we believe it is normal with mean ``rate`` and standard
    deviation ``rate_sd``, fixed over the horizon (we do not know the rate; it does not
    wander year to year). Because the size grows monotonically with the rate, the
    q-quantile of the size at time t is the size at the q-quantile of the rate — exact, no
    simulation needed.
    """

    rate: float
    rate_sd: float

    def _at(self, t, rate):
        raise NotImplementedError

    def _rate_quantile(self, q: float) -> float:
        return self.rate + float(stats.norm.ppf(q)) * self.rate_sd

    def value(self, t):
        """Forecast at ``t`` periods from now with the mean growth rate."""
        t = _periods(t)
        return _returned(t, self._at(np.asarray(t, dtype=float), self.rate))

    def quantile(self, t, q: float):
        """The q-quantile (0 < q < 1) of the forecast at ``t``, given the rate uncertainty."""
        q = require_open_unit("q", q)
        t = _periods(t)
        return _returned(t, self._at(np.asarray(t, dtype=float), self._rate_quantile(q)))

    def band(self, t, confidence: float = 0.9):
        """Central ``confidence`` band of the forecast at ``t``; estimate: ``value(t)``."""
        confidence = require_open_unit("confidence", confidence)
        tail = (1 - confidence) / 2
        return Interval(self.quantile(t, tail), self.quantile(t, 1 - tail), estimate=self.value(t))

    def time_to_reach(self, level: float, q: float = 0.5) -> float:
        """Periods until the q-quantile forecast reaches ``level`` (0 if already there).

        Plan purchases with a high q (e.g. 0.95): the date by which there is only a 5 %
        chance of not yet needing the capacity is the earliest defensible one.
        """
        level = require_positive("level", level)
        q = require_open_unit("q", q)
        return require_finite_result(self._time_to(level, self._rate_quantile(q)), "level", "rate")


class LinearGrowth(_Growth):
    """Growth by a fixed amount each period: C(t) = initial + increment·t.

    ``rate_sd`` is the uncertainty of ``increment`` (same unit).

    >>> LinearGrowth(50, 10).value(6)
    110.0

    Taught in: Ep53 · 1-foundations.
    """

    def __init__(self, initial: float, increment: float, rate_sd: float = 0.0):
        self.initial = require_positive("initial", initial)
        self.rate = require_finite("increment", increment)
        self.rate_sd = require_non_negative("rate_sd", rate_sd)

    def _at(self, t, rate):
        return np.maximum(self.initial + rate * t, 0.0)

    def _time_to(self, level, rate):
        if level <= self.initial:
            return 0.0
        if rate <= 0:
            raise ValueError("level is never reached: the increment at this quantile is <= 0")
        return (level - self.initial) / rate


class CompoundGrowth(_Growth):
    """Compound growth C(t) = initial·(1 + rate)^t.

    50 GB growing 30 % a year is 241 GB after six years (a popular page says 230).

    >>> data = CompoundGrowth(50, 0.3, rate_sd=0.1)
    >>> round(data.value(6), 1), [round(x) for x in data.band(6, 0.9)]
    (241.3, [107, 493])

    Taught in: Ep53 · 1-foundations.
    """

    def __init__(self, initial: float, rate: float, rate_sd: float = 0.0):
        self.initial = require_positive("initial", initial)
        self.rate = require_finite("rate", rate)
        if self.rate <= -1:
            raise ValueError(f"rate must be > -1 (a loss of 100 % or more); got {self.rate:g}")
        self.rate_sd = require_non_negative("rate_sd", rate_sd)

    def _rate_quantile(self, q: float) -> float:
        rate = super()._rate_quantile(q)
        if rate <= -1:
            raise ValueError(
                f"rate_sd is too large for this quantile: the rate quantile {rate:.3g} is <= -1"
            )
        return rate

    def _at(self, t, rate):
        with np.errstate(over="ignore"):
            return self.initial * np.exp(t * math.log1p(rate))

    def _time_to(self, level, rate):
        if level <= self.initial:
            return 0.0
        if rate <= 0:
            raise ValueError("level is never reached: the growth rate at this quantile is <= 0")
        return math.log(level / self.initial) / math.log1p(rate)


class LogisticGrowth(_Growth):
    """S-shaped growth towards a ceiling: C(t) = K / (1 + (K/initial − 1)·e^(−rate·t)).

    ``capacity`` K is the saturation level (a market's size); ``rate`` the early,
    nearly-exponential growth rate per period.

    >>> users = LogisticGrowth(initial=1_000, rate=0.5, capacity=100_000)
    >>> round(users.value(10)), round(users.time_to_reach(50_000), 2)
    (59986, 9.19)

    Taught in: Ep53 · 1-foundations.
    """

    def __init__(self, initial: float, rate: float, capacity: float, rate_sd: float = 0.0):
        self.initial = require_positive("initial", initial)
        self.rate = require_finite("rate", rate)
        self.capacity = require_positive("capacity", capacity)
        if self.initial >= self.capacity:
            raise ValueError(f"initial must be < capacity ({self.capacity:g}); got {self.initial:g}")
        self.rate_sd = require_non_negative("rate_sd", rate_sd)

    def _at(self, t, rate):
        with np.errstate(over="ignore"):
            return self.capacity / (1 + (self.capacity / self.initial - 1) * np.exp(-rate * t))

    def _time_to(self, level, rate):
        if level <= self.initial:
            return 0.0
        if level >= self.capacity:
            raise ValueError(f"level must be < capacity ({self.capacity:g}): it is never reached")
        if rate <= 0:
            raise ValueError("level is never reached: the growth rate at this quantile is <= 0")
        return math.log((self.capacity / self.initial - 1) / (self.capacity / level - 1)) / rate


# --- sizing ----------------------------------------------------------------------------


def servers_needed(peak_load: float, capacity_per_server: float, target_utilization: float) -> int:
    """Servers to carry ``peak_load`` with each at most ``target_utilization`` busy.

    ⌈peak / (capacity × target)⌉, always rounded up, ignoring floating-point noise (1100 /
    (100 × 0.7) is 15.71 -> 16; 10 / 0.9 -> 12, never 11). ``peak_load`` and
    ``capacity_per_server`` in the same unit (requests/s); the target lies in (0, 1].

    >>> servers_needed(10, 1, 0.9)
    12

    Taught in: Ep53 · 1-foundations.
    """
    peak = require_non_negative("peak_load", peak_load)
    capacity = require_positive("capacity_per_server", capacity_per_server)
    target = require_positive("target_utilization", target_utilization)
    if target > 1:
        raise ValueError(f"target_utilization must lie in (0, 1]; got {target:g}")
    per_server = capacity * target
    if per_server > 0:
        servers = peak / per_server
    else:  # capacity × target underflowed (1e-200 × 1e-200)
        servers = 0.0 if peak == 0 else math.inf
    if not math.isfinite(servers) or servers > 1e15:
        raise ValueError("peak_load / capacity_per_server is too large: over 1e15 servers")
    return ceil_count(servers)


# --- tail latency ----------------------------------------------------------------------


def fanout_slow_probability(slow_probability: float, fanout: int) -> float:
    """P(a request that waits for all ``fanout`` backends is slow): 1 − (1 − p)^n.

    One slow reply in a hundred becomes 63 % of user requests at a fan-out of 100.

    >>> round(fanout_slow_probability(0.01, 100), 4)
    0.634

    Taught in: Ep53 · 1-foundations and 2-implementation.
    """
    p = require_probability("slow_probability", slow_probability)
    fanout = require_int("fanout", fanout, minimum=1)
    return -math.expm1(fanout * math.log1p(-p)) if p < 1 else 1.0


class LognormalLatency:
    """Lognormal latency with a given ``mean`` (time units) and coefficient of variation ``cv``.

    >>> latency = LognormalLatency(mean=10, cv=1.5)        # ms
    >>> round(latency.median, 3), round(latency.quantile(0.99), 1)
    (5.547, 69.3)

    Taught in: Ep53 · 1-foundations and 2-implementation.
    """

    def __init__(self, mean: float, cv: float):
        self.mean = require_positive("mean", mean)
        self.cv = require_positive("cv", cv)
        if not 1e-150 <= self.cv <= 100:  # below 1e-150, CV² and so σ underflow to 0
            raise ValueError(f"cv must lie in [1e-150, 100]; got {self.cv:g}")
        self.mu, self.sigma = lognormal_parameters(mean, cv)
        self._distribution = stats.lognorm(s=self.sigma, scale=math.exp(self.mu))

    def __repr__(self) -> str:
        return f"LognormalLatency(mean={self.mean!r}, cv={self.cv!r})"

    @property
    def median(self) -> float:
        """Median latency e^μ."""
        return math.exp(self.mu)

    def sf(self, t):
        """P(latency > t): a float for a number, an array for a list of times."""
        t = _periods(t)
        values = self._distribution.sf(t)
        return float(values) if isinstance(t, float) else values

    def quantile(self, p: float) -> float:
        """Latency not exceeded with probability ``p`` (strictly between 0 and 1)."""
        return float(self._distribution.ppf(require_open_unit("p", p)))


class HedgedRequests:
    """Send a request; if no reply after ``hedge_delay``, send a copy elsewhere; take the first.

    Model: the two replies' latencies are independent draws from ``latency`` (an object
    with ``sf(t)`` and ``quantile(p)``, e.g. ``LognormalLatency``), the copy is not slowed
    by the extra load, and neither is cancelled. The response time is
    R = min(L₁, hedge_delay + L₂), so P(R > t) = S(t)·S(t − hedge_delay) for t > delay.
    The price is the fraction of requests that send a copy, S(hedge_delay).

    >>> hedged = HedgedRequests(LognormalLatency(mean=10, cv=1.5), hedge_delay=20)
    >>> round(hedged.quantile(0.99), 1), round(hedged.extra_load, 3)
    (33.5, 0.119)

    Taught in: Ep53 · 1-foundations and 2-implementation.
    """

    def __init__(self, latency, hedge_delay: float):
        if not (callable(getattr(latency, "sf", None)) and callable(getattr(latency, "quantile", None))):
            raise ValueError("latency must have sf(t) and quantile(p) methods, e.g. LognormalLatency")
        self.latency = latency
        self.hedge_delay = require_non_negative("hedge_delay", hedge_delay)

    def sf(self, t):
        """P(response time > t) with hedging."""
        t = _periods(t)
        times = np.asarray(t, dtype=float)
        late_copy = np.where(times > self.hedge_delay,
                             self.latency.sf(np.maximum(times - self.hedge_delay, 0.0)), 1.0)
        result = np.asarray(self.latency.sf(times), dtype=float) * late_copy
        return float(result) if isinstance(t, float) else result

    def slow_probability(self, threshold: float) -> float:
        """P(response time > ``threshold``): plug into ``fanout_slow_probability``."""
        return self.sf(require_non_negative("threshold", threshold))

    @property
    def extra_load(self) -> float:
        """Fraction of requests that send a second copy: P(L₁ > hedge_delay)."""
        return float(self.latency.sf(self.hedge_delay))

    def quantile(self, p: float) -> float:
        """Response time not exceeded with probability ``p`` (strictly between 0 and 1)."""
        p = require_open_unit("p", p)
        upper = float(self.latency.quantile(p))  # hedging never makes a reply later
        if self.sf(upper) >= 1 - p:  # the hedge is sent too late to matter at this level
            return upper
        return optimize.brentq(lambda t: (1 - p) - self.sf(t), 0.0, upper,
                               xtol=1e-12 * upper, rtol=1e-12)


def fanout_quantile(latency, fanout: int, p: float) -> float:
    """The p-quantile of a request that waits for all ``fanout`` independent replies.

    The request is done when its slowest reply is: P(max ≤ t) = F(t)^n, so its p-quantile is
    one reply's quantile at p^(1/n). ``latency`` is anything with ``quantile(p)`` (a
    ``LognormalLatency``, a ``HedgedRequests``); the result is in its time unit.

    >>> round(fanout_quantile(LognormalLatency(mean=10, cv=1.5), fanout=100, p=0.99), 1)   # ms
    314.0

    Taught in: Ep53 · 1-foundations (the fan-out tail calculator).
    """
    if not callable(getattr(latency, "quantile", None)):
        raise ValueError("latency must have a quantile(p) method, e.g. LognormalLatency")
    fanout = require_int("fanout", fanout, minimum=1)
    p = require_open_unit("p", p)
    return require_finite_result(float(latency.quantile(p ** (1.0 / fanout))), "latency", "fanout")
