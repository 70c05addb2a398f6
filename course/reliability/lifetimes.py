"""Lifetime models: exponential and Weibull lifetimes, the bathtub curve, Weibull fitting.

A lifetime model answers "what fraction of units still work after time t?" — the
reliability (survival) function R(t) — and "how likely is a unit that has survived to t to
fail in the next instant?" — the hazard h(t). A light bulb with a constant hazard is as
likely to fail in its hundredth hour as in its first; a tyre's hazard grows as it wears.

Vocabulary and units (pick one time unit, e.g. hours, and keep it):

- ``t`` — age, in time units (a number or an array of numbers >= 0);
- ``failure_rate`` — λ, failures per time unit (exponential hazard);
- ``shape`` — β, no unit: β < 1 infant mortality, β = 1 random failures, β > 1 wear-out;
- ``scale`` — η, time units: the age by which 63.2 % of units have failed.

Every model exposes ``reliability``, ``cdf``, ``pdf``, ``hazard``, ``cumulative_hazard``
(each taking a number or an array of ages), ``quantile``, and the ``mean`` and ``median``.

>>> round(Exponential(failure_rate=0.001).median, 3)      # hours: MTTF · ln 2
693.147
>>> round(Weibull(shape=2, scale=1000).reliability(500), 6)
0.778801

Taught in: Ep52 · 1-foundations (and the episode's later notebooks).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, stats

from course.intervals import Interval
from course.validation import (
    array_ndim,
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
    require_probability,
)

__all__ = [
    "Exponential",
    "Weibull",
    "CompetingRisks",
    "bathtub",
    "fit_weibull",
    "WeibullFit",
    "binomial_failures",
]


def _ages(t):
    """Validate ages: a number >= 0 gives a float, anything else a 1-D float array."""
    if isinstance(t, np.ndarray) and t.ndim == 0:
        t = t.item()
    if array_ndim("t", t) == 0:
        return require_non_negative("t", t)
    return require_array("t", t, min_length=0, non_negative=True)


def _shaped(t, values):
    """Return a float for a scalar age, the array otherwise."""
    return float(values) if isinstance(t, float) else values


class _Lifetime:
    """Quantities shared by every lifetime model (subclasses define the cumulative hazard)."""

    def cumulative_hazard(self, t):
        """H(t) = ∫₀ᵗ h(u) du; R(t) = e^(−H(t))."""
        t = _ages(t)
        return _shaped(t, self._cumulative_hazard(np.asarray(t, dtype=float)))

    def reliability(self, t):
        """R(t): probability that a unit survives beyond age ``t``."""
        t = _ages(t)
        return _shaped(t, np.exp(-self._cumulative_hazard(np.asarray(t, dtype=float))))

    def cdf(self, t):
        """F(t) = 1 − R(t): probability of failure by age ``t``."""
        t = _ages(t)
        return _shaped(t, -np.expm1(-self._cumulative_hazard(np.asarray(t, dtype=float))))

    def hazard(self, t):
        """h(t): failure rate at age ``t`` among survivors, per time unit."""
        t = _ages(t)
        return _shaped(t, self._hazard(np.asarray(t, dtype=float)))

    def pdf(self, t):
        """f(t) = h(t)·R(t): density of the age at failure, per time unit."""
        t = _ages(t)
        array = np.asarray(t, dtype=float)
        with np.errstate(invalid="ignore"):
            density = self._hazard(array) * np.exp(-self._cumulative_hazard(array))
        # inf hazard × zero survival cannot happen at t = 0 (R(0) = 1); guard the far tail.
        return _shaped(t, np.where(np.isnan(density), 0.0, density))


class Exponential(_Lifetime):
    """Lifetime with a constant hazard λ (``failure_rate``, failures per time unit).

    R(t) = e^(−λt), MTTF = 1/λ, median = MTTF·ln 2: half the units fail before the mean.

    >>> bulb = Exponential(failure_rate=1 / 1000)       # MTTF 1000 h
    >>> bulb.mean, round(bulb.reliability(1000), 6)
    (1000.0, 0.367879)

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, failure_rate: float):
        self.failure_rate = require_positive("failure_rate", failure_rate)
        require_finite_result(1.0 / self.failure_rate, "failure_rate")  # the MTTF, 1/λ

    def __repr__(self) -> str:
        return f"Exponential(failure_rate={self.failure_rate!r})"

    def _cumulative_hazard(self, t):
        return self.failure_rate * t

    def _hazard(self, t):
        return np.full_like(t, self.failure_rate, dtype=float)

    def _age_at_cumulative_hazard(self, level: float) -> float:
        return level / self.failure_rate

    @property
    def mean(self) -> float:
        """Mean time to failure, 1/λ (time units)."""
        return 1.0 / self.failure_rate

    @property
    def median(self) -> float:
        """Age by which half the units have failed, ln 2 / λ."""
        return math.log(2) / self.failure_rate

    def quantile(self, p: float) -> float:
        """Age by which a fraction ``p`` (in [0, 1)) of units have failed: −ln(1 − p)/λ."""
        p = require_probability("p", p)
        if p == 1:
            raise ValueError("p must be < 1: an exponential lifetime has no largest age")
        return -math.log1p(-p) / self.failure_rate


class Weibull(_Lifetime):
    """Weibull lifetime: R(t) = exp(−(t/η)^β), hazard h(t) = (β/η)(t/η)^(β−1).

    ``shape`` β in [0.05, 50] (no unit) and ``scale`` η (time units, > 0). β < 1: the
    hazard falls with age (infant mortality); β = 1: exponential; β > 1: wear-out.
    At t = 0 the hazard is ``inf`` when β < 1 (and the density too): the model says young
    units fail at an unbounded rate, which is why burn-in works.

    >>> pump = Weibull(shape=1.5, scale=10_000)       # hours
    >>> round(pump.mean, 1), round(pump.median, 1)
    (9027.5, 7832.2)

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, shape: float, scale: float):
        shape = require_positive("shape", shape)
        if not 0.05 <= shape <= 50:
            # Outside this range the mean Γ(1 + 1/β)·η overflows or the model is degenerate.
            raise ValueError(f"shape must lie in [0.05, 50]; got {shape:g}")
        self.shape = shape
        self.scale = require_positive("scale", scale)
        if not math.isfinite(self.mean):
            raise ValueError(f"scale is too large for shape {shape:g}: the mean overflows")

    def __repr__(self) -> str:
        return f"Weibull(shape={self.shape!r}, scale={self.scale!r})"

    def _cumulative_hazard(self, t):
        return (t / self.scale) ** self.shape

    def _hazard(self, t):
        with np.errstate(divide="ignore"):
            return (self.shape / self.scale) * (t / self.scale) ** (self.shape - 1)

    def _age_at_cumulative_hazard(self, level: float) -> float:
        return self.scale * level ** (1 / self.shape)

    @property
    def mean(self) -> float:
        """Mean time to failure, η·Γ(1 + 1/β) (time units)."""
        return self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def median(self) -> float:
        """Age by which half the units have failed, η·(ln 2)^(1/β)."""
        return self.scale * math.log(2) ** (1 / self.shape)

    def quantile(self, p: float) -> float:
        """Age by which a fraction ``p`` (in [0, 1)) of units have failed: η(−ln(1 − p))^(1/β)."""
        p = require_probability("p", p)
        if p == 1:
            raise ValueError("p must be < 1: a Weibull lifetime has no largest age")
        return self.scale * (-math.log1p(-p)) ** (1 / self.shape)


class CompetingRisks(_Lifetime):
    """A unit that fails at the first of several independent failure modes.

    Hazards add and reliabilities multiply: h(t) = Σ hᵢ(t), R(t) = ∏ Rᵢ(t).

    >>> modes = CompetingRisks([Exponential(0.001), Exponential(0.002)])
    >>> round(modes.reliability(100), 6) == round(Exponential(0.003).reliability(100), 6)
    True

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, modes: Iterable[_Lifetime]):
        if isinstance(modes, str | bytes) or not isinstance(modes, Iterable):
            raise ValueError("modes must be a non-empty list of Exponential or Weibull lifetimes")
        self.modes = list(modes)
        if not self.modes or not all(isinstance(m, _Lifetime) for m in self.modes):
            raise ValueError("modes must be a non-empty list of Exponential or Weibull lifetimes")

    def __repr__(self) -> str:
        return f"CompetingRisks({self.modes!r})"

    def _cumulative_hazard(self, t):
        return sum(mode._cumulative_hazard(t) for mode in self.modes)

    def _hazard(self, t):
        return sum(mode._hazard(t) for mode in self.modes)

    @property
    def mean(self) -> float:
        """Mean time to failure, ∫₀^∞ R(t) dt (numerical; time units)."""
        low = min(mode.quantile(1e-6) for mode in self.modes)
        high = min(self._age_at_cumulative_hazard(700.0), 1e300)  # R = e^-700: nothing left
        head, _ = integrate.quad(self._survival, 0.0, low)
        # Substituting t = eᵘ spreads heavy tails (Weibull β << 1) over a short u range.
        tail, _ = integrate.quad(
            lambda u: self._survival(math.exp(u)) * math.exp(u), math.log(low), math.log(high),
            limit=200,
        )
        return head + tail

    def _survival(self, t: float) -> float:
        return math.exp(-self._cumulative_hazard(t))

    def _age_at_cumulative_hazard(self, level: float) -> float:
        # Every mode's hazard is part of the total, so the total reaches `level` first.
        return min(mode._age_at_cumulative_hazard(level) for mode in self.modes)

    @property
    def median(self) -> float:
        """Age by which half the units have failed."""
        return self.quantile(0.5)

    def quantile(self, p: float) -> float:
        """Age by which a fraction ``p`` (strictly between 0 and 1) of units have failed."""
        p = require_open_unit("p", p)
        target = -math.log1p(-p)
        upper = min(mode.quantile(p) for mode in self.modes)  # the first mode alone is slower
        if self._cumulative_hazard(upper) <= target:
            return upper  # one mode dominates: its own quantile, up to round-off
        # Solve for the fraction u = t/upper of H(t)/target = 1: scale-free, so p = 1e-300
        # (target and upper near 1e-300) converges like p = 0.5.
        fraction = optimize.brentq(
            lambda u: self._cumulative_hazard(u * upper) / target - 1.0, 0.0, 1.0,
            xtol=1e-12, rtol=1e-12,
        )
        return fraction * upper


def bathtub(infant_mortality: Weibull, random_failures: _Lifetime, wear_out: Weibull) -> CompetingRisks:
    """The bathtub curve: falling early hazard + constant hazard + rising wear-out hazard.

    ``infant_mortality`` must be a Weibull with shape < 1 and ``wear_out`` one with
    shape > 1; ``random_failures`` is usually an Exponential.

    >>> tub = bathtub(Weibull(0.5, 20_000), Exponential(1e-4), Weibull(4, 50_000))
    >>> h = tub.hazard([100.0, 10_000.0, 60_000.0])
    >>> bool(h[0] > h[1] < h[2])
    True

    Taught in: Ep52 · 1-foundations.
    """
    if not isinstance(infant_mortality, Weibull) or not infant_mortality.shape < 1:
        raise ValueError("infant_mortality must be a Weibull with shape < 1 (a falling hazard)")
    if not isinstance(random_failures, _Lifetime):
        raise ValueError("random_failures must be a lifetime model, e.g. Exponential(failure_rate)")
    if not isinstance(wear_out, Weibull) or not wear_out.shape > 1:
        raise ValueError("wear_out must be a Weibull with shape > 1 (a rising hazard)")
    return CompetingRisks([infant_mortality, random_failures, wear_out])


# --- fitting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeibullFit:
    """Maximum-likelihood Weibull fit with standard errors from the observed information.

    ``shape`` (β) and ``scale`` (η, time units) are the estimates; ``shape_se`` and
    ``scale_se`` their asymptotic standard errors; ``covariance`` the 2×2 covariance of
    (shape, scale); ``log_likelihood`` the maximised log-likelihood (densities in
    1/time-unit, so it depends on the unit chosen).
    """

    shape: float
    scale: float
    log_likelihood: float
    shape_se: float
    scale_se: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    n_failures: int
    n_censored: int

    @property
    def distribution(self) -> Weibull:
        """The fitted lifetime model."""
        return Weibull(self.shape, self.scale)

    @property
    def mean(self) -> float:
        """Fitted mean time to failure, η·Γ(1 + 1/β)."""
        return self.distribution.mean

    def shape_interval(self, confidence: float = 0.95) -> Interval:
        """Wald interval for β on the log scale: β·exp(∓z·se/β) (stays positive); estimate β."""
        return _log_interval(self.shape, self.shape_se, confidence)

    def scale_interval(self, confidence: float = 0.95) -> Interval:
        """Wald interval for η (same unit as the lifetimes) on the log scale: η·exp(∓z·se/η)."""
        return _log_interval(self.scale, self.scale_se, confidence)


def _log_interval(estimate: float, se: float, confidence: float) -> Interval:
    z = stats.norm.ppf(0.5 + require_open_unit("confidence", confidence) / 2)
    factor = math.exp(z * se / estimate)
    return Interval(estimate / factor, estimate * factor, estimate=estimate)


def _weibull_log_likelihood(shape, scale, failures, censored) -> float:
    times = np.concatenate([failures, censored])
    log_x = np.log(failures / scale)
    return float(
        len(failures) * math.log(shape / scale)
        + (shape - 1) * log_x.sum()
        - np.sum((times / scale) ** shape)
    )


def fit_weibull(failures: Iterable[float], right_censored: Iterable[float] = ()) -> WeibullFit:
    """Fit a Weibull lifetime by maximum likelihood, using right-censored ages too.

    ``failures`` are ages at failure (time units, > 0); ``right_censored`` are ages of
    units still working when observation stopped (suspensions). Dropping the survivors
    biases the fit towards short lives: a unit that ran 5,000 h without failing is evidence.

    Method: for a given shape β the best scale is η(β) = (Σ tᵢ^β / r)^(1/β) over all ages
    (r failures), so the likelihood is maximised over β alone by solving its score
    equation, which has exactly one root. Standard errors invert the observed information
    (the negative Hessian of the log-likelihood at the estimate).

    >>> fit = fit_weibull([120, 190, 260, 310, 420], right_censored=[500, 500, 500])
    >>> round(fit.shape, 3), round(fit.scale, 1), fit.n_failures, fit.n_censored
    (1.769, 485.1, 5, 3)

    Taught in: Ep52 · 1-foundations (Nelson's generator fans) and 2-implementation.
    """
    failures = require_array("failures", _not_text("failures", failures), positive=True)
    censored = require_array(
        "right_censored", _not_text("right_censored", right_censored), min_length=0, positive=True
    )
    failure_logs = np.log(failures)
    times = np.concatenate([failures, censored])
    # Work with ages relative to the oldest one: tᵢ^β then lies in (0, 1] and cannot overflow.
    reference = times.max()
    log_all = np.log(times / reference)
    mean_failure_log = float(np.mean(failure_logs - math.log(reference)))
    if mean_failure_log >= -1e-12:
        raise ValueError(
            "failures must contain two different ages, or right_censored an age beyond the "
            "failures: when every failure is at the oldest age observed the likelihood has no "
            "maximum"
        )

    def score(shape: float) -> float:
        weights = np.exp(shape * log_all)
        return 1 / shape + mean_failure_log - float(weights @ log_all / weights.sum())

    low, high = 1.0, 1.0
    while score(low) < 0:
        low /= 2
    while score(high) > 0:
        high *= 2
        if high > 1e6:
            raise ValueError("failures are too concentrated for a Weibull fit (shape > 1e6)")
    shape = optimize.brentq(score, low, high, xtol=1e-14, rtol=1e-13)
    r = len(failures)
    scale = reference * (np.exp(shape * log_all).sum() / r) ** (1 / shape)
    covariance = _weibull_covariance(shape, scale, times, r)
    return WeibullFit(
        shape=float(shape),
        scale=float(scale),
        log_likelihood=_weibull_log_likelihood(shape, scale, failures, censored),
        shape_se=math.sqrt(covariance[0][0]),
        scale_se=math.sqrt(covariance[1][1]),
        covariance=covariance,
        n_failures=r,
        n_censored=len(censored),
    )


def _not_text(name: str, values):
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a sequence of ages (numbers > 0)")
    return values


def _weibull_covariance(shape, scale, times, r):
    """Inverse of the observed information of (β, η); uses Σ (tᵢ/η)^β = r at the optimum."""
    x = times / scale
    z = np.log(x)
    xb = x**shape
    d_shape_shape = -r / shape**2 - float(np.sum(xb * z * z))
    d_scale_scale = -r * shape**2 / scale**2
    d_shape_scale = shape / scale * float(np.sum(xb * z))
    information = -np.array([[d_shape_shape, d_shape_scale], [d_shape_scale, d_scale_scale]])
    covariance = np.linalg.inv(information)
    return (
        (float(covariance[0, 0]), float(covariance[0, 1])),
        (float(covariance[1, 0]), float(covariance[1, 1])),
    )


def binomial_failures(failures: int, units: int, failure_probability: float) -> float:
    """P(exactly ``failures`` of ``units`` independent units fail), each with ``failure_probability``.

    C(n, k)·pᵏ(1 − p)ⁿ⁻ᵏ. Two failures among 100 servers at p = 0.001 has probability
    0.00449 (not 0.00184, as a popular page says).

    >>> round(binomial_failures(2, 100, 0.001), 5)
    0.00449

    Taught in: Ep52 · 1-foundations.
    """
    # scipy computes in floating point, where whole numbers are exact only below 2⁵³ ≈ 9e15.
    units = require_int("units", units, minimum=0, maximum=10**15)
    failures = require_int("failures", failures, minimum=0, maximum=units)
    p = require_probability("failure_probability", failure_probability)
    return float(stats.binom.pmf(failures, units, p))

