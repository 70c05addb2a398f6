"""The Universal Scalability Law (USL): throughput against concurrency, and fitting it.

Adding workers to a kitchen first helps linearly, then cooks queue for the one oven
(contention, α) and finally spend their time telling each other what they are doing
(coherency, β) — so throughput peaks and then *falls*. Gunther's USL puts numbers on it:

    X(N) = γN / (1 + α(N − 1) + βN(N − 1))

``n`` (N) is the load or concurrency (users, threads, nodes), ``gamma`` (γ) the throughput
of one unit, ``alpha`` (α) the contention and ``beta`` (β) the coherency coefficient, both
dimensionless in [0, 1]. With β = 0 the USL is Amdahl's law (serial fraction α).

Two ways to fit it to measurements are taught; they give different coefficients:

- :func:`fit_usl` — bounded non-linear least squares on X(N) itself with γ free, the
  method of the reference R package ``usl`` (S. Moeding, N. J. Gunther; 2.0 and later).
  Residuals are in throughput units, so high-throughput points carry the weight.
- :func:`fit_usl_deviation` — the older "deviation from linearity" transform of
  Gunther (2007): fix γ = X(1), turn the data into N/C(N) − 1 with C(N) = X(N)/X(1), and
  fit a quadratic through the origin by linear least squares. It trusts the single
  measurement at N = 1 exactly and minimises errors in a transformed space, so it
  weights the points differently and lands on different α, β.

>>> round(peak_concurrency(0.03, 0.0001), 1), round(float(usl(98, 0.03, 0.0001)), 1)
(98.5, 20.2)

Taught in: Ep51 · 1-foundations and 2-implementation; planned for Ep53 (USL generalises Amdahl).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.optimize import least_squares

from course.intervals import Interval
from course.validation import (
    require_array,
    require_finite,
    require_in_range,
    require_open_unit,
    require_positive,
)

__all__ = [
    "usl", "peak_concurrency", "peak_throughput", "USLModel", "USLFit",
    "fit_usl", "fit_usl_deviation",
]


def _check_coefficients(alpha, beta, gamma=1.0):
    return (
        require_in_range("alpha", alpha, 0.0, 1.0),
        require_in_range("beta", beta, 0.0, 1.0),
        require_positive("gamma", gamma),
    )


def _check_loads(n) -> np.ndarray:
    try:
        loads = np.asarray(n, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"n must be a load > 0 (a number or an array of them); got {n!r}") from None
    if loads.size == 0 or not np.all(np.isfinite(loads)) or np.any(loads <= 0):
        raise ValueError(f"n must be a load > 0 (a number or an array of them); got {n!r}")
    return loads


def _usl(loads, alpha, beta, gamma):
    # Absurd loads may overflow; callers that return throughput refuse non-finite results.
    with np.errstate(over="ignore", invalid="ignore"):
        return gamma * loads / (1.0 + alpha * (loads - 1.0) + beta * loads * (loads - 1.0))


def usl(n, alpha: float, beta: float, gamma: float = 1.0):
    """Throughput X(N) = γN / (1 + α(N − 1) + βN(N − 1)) at load ``n`` (scalar or array).

    With ``gamma`` = 1 (the default) this is the relative capacity C(N), the speed-up over
    one unit. ``alpha`` and ``beta`` lie in [0, 1]; ``n`` > 0.

    >>> round(usl(16, 0.05, 0.0), 2)      # beta = 0: Amdahl, 1/(0.05 + 0.95/16)
    9.14
    >>> usl([1, 2, 4], 0.0, 0.0, gamma=100.0).tolist()   # alpha = beta = 0: linear
    [100.0, 200.0, 400.0]

    Taught in: Ep51 · 1-foundations.
    """
    alpha, beta, gamma = _check_coefficients(alpha, beta, gamma)
    return _finite_throughput(_usl(_check_loads(n), alpha, beta, gamma))


def _finite_throughput(values):
    if not np.all(np.isfinite(values)):
        raise ValueError("the throughput overflows a float: check the units of gamma and n")
    return float(values) if values.ndim == 0 else values


def peak_concurrency(alpha: float, beta: float) -> float:
    """Load N* = √((1 − α)/β) at which throughput peaks; ``math.inf`` when β = 0.

    With no coherency cost (β = 0, Amdahl) throughput rises forever towards the ceiling
    γ/α, so there is no finite peak and the function returns infinity. The USL counts
    units from one, so when (1 − α)/β < 1 — throughput falls from the first added unit
    on — the peak is N* = 1.

    >>> round(peak_concurrency(0.05, 0.001), 1)
    30.8

    Taught in: Ep51 · 1-foundations.
    """
    alpha, beta, _ = _check_coefficients(alpha, beta)
    return USLModel(alpha, beta).peak_n


def peak_throughput(alpha: float, beta: float, gamma: float = 1.0) -> float:
    """X(N*), the highest throughput the system reaches; γ/α (the ceiling) when β = 0.

    >>> round(peak_throughput(0.03, 0.0001), 2)
    20.16

    Taught in: Ep51 · 1-foundations.
    """
    alpha, beta, gamma = _check_coefficients(alpha, beta, gamma)
    return USLModel(alpha, beta, gamma).peak_x


@dataclass(frozen=True)
class USLModel:
    """A USL curve with its landmarks: peak, ceiling and the optimum load 1/α.

    >>> m = USLModel(alpha=0.05, beta=0.001, gamma=1.0)
    >>> round(m.peak_n, 1), round(m.peak_x, 2), m.ceiling, m.optimal_n
    (30.8, 9.04, 20.0, 20.0)
    """

    alpha: float
    beta: float
    gamma: float = 1.0

    def __post_init__(self):
        _check_coefficients(self.alpha, self.beta, self.gamma)

    def predict(self, n):
        """Throughput X(n) at load ``n`` > 0 (scalar or array)."""
        return _finite_throughput(_usl(_check_loads(n), self.alpha, self.beta, self.gamma))

    @property
    def peak_n(self) -> float:
        """Load of peak throughput √((1 − α)/β), at least 1; infinite when β ≤ 0 (no peak)."""
        if self.beta <= 0:
            return math.inf
        return max(1.0, math.sqrt((1.0 - self.alpha) / self.beta))

    @property
    def peak_x(self) -> float:
        """Throughput at the peak, X(N*); the ceiling γ/α when there is no peak."""
        if math.isinf(self.peak_n):
            return self.ceiling
        return float(_usl(self.peak_n, self.alpha, self.beta, self.gamma))

    @property
    def ceiling(self) -> float:
        """γ/α: the Amdahl asymptote contention alone would allow (inf when α ≤ 0)."""
        return self.gamma / self.alpha if self.alpha > 0 else math.inf

    @property
    def optimal_n(self) -> float:
        """1/α: the load where the linear rise γN meets the ceiling γ/α (inf when α ≤ 0)."""
        return 1.0 / self.alpha if self.alpha > 0 else math.inf


@dataclass(frozen=True, eq=False)  # holds arrays: compare fits by their numbers, not ==
class USLFit(USLModel):
    """A USL fitted to measurements: coefficients, their standard errors and fit quality.

    ``*_se`` are asymptotic standard errors √diag(s²(JᵀJ)⁻¹) from the Jacobian J at the
    optimum and the residual variance s² = RSS/(m − 3) (how R's ``nls`` and the ``usl``
    package compute them); NaN when there are no spare degrees of freedom.
    ``method`` says which fit produced it ("nonlinear" or "deviation").
    """

    alpha_se: float = math.nan
    beta_se: float = math.nan
    gamma_se: float = math.nan
    n: np.ndarray = field(default=None, repr=False)
    x: np.ndarray = field(default=None, repr=False)
    covariance: np.ndarray = field(default=None, repr=False)
    method: str = "nonlinear"

    def __post_init__(self):
        # Bounds hold for fit_usl; the unbounded deviation method may leave [0, 1].
        require_finite("alpha", self.alpha)
        require_finite("beta", self.beta)
        require_positive("gamma", self.gamma)
        for array in (self.n, self.x, self.covariance):
            if array is not None:
                array.flags.writeable = False

    @property
    def fitted(self) -> np.ndarray:
        return _usl(self.n, self.alpha, self.beta, self.gamma)

    @property
    def residuals(self) -> np.ndarray:
        """Measured minus fitted throughput, in the units of x."""
        return self.x - self.fitted

    @property
    def degrees_of_freedom(self) -> int:
        return self.n.size - 3

    @property
    def residual_standard_error(self) -> float:
        dof = self.degrees_of_freedom
        return math.sqrt(float(self.residuals @ self.residuals) / dof) if dof > 0 else math.nan

    @property
    def r_squared(self) -> float:
        """1 − RSS/TSS on the throughput scale (NaN when every x is the same: TSS = 0)."""
        centred = self.x - self.x.mean()
        total = float(centred @ centred)
        return 1.0 - float(self.residuals @ self.residuals) / total if total > 0 else math.nan

    def confidence_band(self, n, level: float = 0.95) -> Interval:
        """Pointwise confidence band for the mean curve X(n) by the delta method.

        Var X̂(n) ≈ gᵀ Σ g with g = ∂X/∂(α, β, γ) and Σ the coefficient covariance;
        half-width t_{level, m−3} · √Var. Returns an ``Interval`` of arrays matching ``n``
        (``low``, ``high``, ``estimate`` = the fitted X(n), requests/s). NaN edges when m = 3
        (no degrees of freedom).
        """
        level = require_open_unit("level", level)
        loads = _check_loads(n)
        centre = _usl(loads, self.alpha, self.beta, self.gamma)
        gradient = _usl_jacobian(np.atleast_1d(loads), self.alpha, self.beta, self.gamma)
        variance = np.einsum("ij,jk,ik->i", gradient, self.covariance, gradient)
        dof = self.degrees_of_freedom
        t_value = stats.t.ppf(0.5 + level / 2, dof) if dof > 0 else math.nan
        half = (t_value * np.sqrt(np.maximum(variance, 0.0))).reshape(centre.shape)
        return Interval(centre - half, centre + half, estimate=centre)


def _usl_jacobian(loads, alpha, beta, gamma):
    """∂X/∂(α, β, γ) at each load, one row per load."""
    denominator = 1.0 + alpha * (loads - 1.0) + beta * loads * (loads - 1.0)
    value = gamma * loads / denominator
    return np.column_stack(
        [
            -value * (loads - 1.0) / denominator,
            -value * loads * (loads - 1.0) / denominator,
            loads / denominator,
        ]
    )


def _check_measurements(n, x):
    loads = require_array("n", n, min_length=3, positive=True)
    throughputs = require_array("x", x, min_length=3, positive=True)
    if loads.size != throughputs.size:
        raise ValueError(
            f"n and x must have the same length; got {loads.size} and {throughputs.size}"
        )
    if np.unique(loads).size < 3:
        raise ValueError("n needs at least 3 distinct loads to determine alpha, beta and gamma")
    return loads.copy(), throughputs.copy()  # the fit keeps read-only copies, not your arrays


def _standard_errors(jacobian, residuals):
    dof = residuals.size - 3
    variance = float(residuals @ residuals) / dof if dof > 0 else math.nan
    covariance = np.linalg.pinv(jacobian.T @ jacobian) * variance
    return covariance, np.sqrt(np.abs(np.diag(covariance)))


def fit_usl(n, x) -> USLFit:
    """Fit the USL to measured throughput ``x`` at loads ``n`` by bounded least squares.

    Minimises Σ (x − X(n))² over α, β ∈ [0, 1] and γ > 0, starting from
    γ = max(x/n), α = 0.01, β = 0.0001 like the R package ``usl``. Needs ≥ 3 points
    (3 distinct loads), all positive and finite; ``n`` and ``x`` of equal length.

    >>> from course.datasets import load
    >>> data = load("specsdm91")
    >>> fit = fit_usl(data["load_users"], data["throughput_scripts_per_hour"])
    >>> round(fit.alpha, 4), round(fit.beta, 7), round(fit.gamma, 2), round(fit.peak_n)
    (0.0277, 0.0001044, 90.0, 97)

    Taught in: Ep51 · 2-implementation.
    """
    loads, throughputs = _check_measurements(n, x)
    start = np.array([0.01, 0.0001, float(np.max(throughputs / loads))])

    def residuals(theta):
        return _usl(loads, *theta) - throughputs

    def jacobian(theta):
        return _usl_jacobian(loads, *theta)

    # Scale the problem by the data so the tolerances mean "relative to the throughputs".
    result = least_squares(
        residuals, start, jac=jacobian, bounds=([0.0, 0.0, 0.0], [1.0, 1.0, np.inf]),
        method="trf", x_scale="jac", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10_000,
    )
    alpha, beta, gamma = (float(v) for v in result.x)
    covariance, errors = _standard_errors(_usl_jacobian(loads, alpha, beta, gamma), -result.fun)
    return USLFit(
        alpha=alpha, beta=beta, gamma=gamma,
        alpha_se=float(errors[0]), beta_se=float(errors[1]), gamma_se=float(errors[2]),
        n=loads, x=throughputs, covariance=covariance, method="nonlinear",
    )


def fit_usl_deviation(n, x) -> USLFit:
    """Gunther's older "deviation from linearity" fit, normalising by X(1).

    With C(N) = X(N)/X(1) the USL rearranges to N/C(N) − 1 = β(N − 1)² + (α + β)(N − 1),
    a quadratic through the origin in N − 1: ordinary least squares gives its two
    coefficients a (= β) and b (= α + β), so α = b − a, β = a, and γ = X(1).

    This is *not* the same estimator as :func:`fit_usl`: it trusts X(1) exactly (γ is not
    fitted, ``gamma_se`` is NaN) and minimises errors of the transformed values, which
    weights high loads differently. α or β may come out negative here (the method has no
    bounds) — a sign the data do not follow the USL or X(1) is noisy. Requires a
    measurement at n = 1 (several are averaged).

    >>> from course.datasets import load
    >>> data = load("specsdm91")
    >>> fit = fit_usl_deviation(data["load_users"], data["throughput_scripts_per_hour"])
    >>> fit.gamma, fit.method
    (64.9, 'deviation')

    Taught in: Ep51 · 2-implementation.
    """
    loads, throughputs = _check_measurements(n, x)
    at_one = loads == 1
    if not np.any(at_one):
        raise ValueError("n must include a measurement at load 1: the method divides by X(1)")
    gamma = float(throughputs[at_one].mean())
    rest = ~at_one
    excess = loads[rest] - 1.0
    deviation = loads[rest] / (throughputs[rest] / gamma) - 1.0
    design = np.column_stack([excess**2, excess])
    (quadratic, linear), *_ = np.linalg.lstsq(design, deviation, rcond=None)
    beta, alpha = float(quadratic), float(linear - quadratic)
    # Linear-regression covariance of (a, b), mapped to (α, β) = (b − a, a); γ is held fixed.
    dof = excess.size - 2
    fitted = design @ np.array([quadratic, linear])
    variance = float((deviation - fitted) @ (deviation - fitted)) / dof if dof > 0 else math.nan
    coefficient_cov = np.linalg.pinv(design.T @ design) * variance
    to_alpha_beta = np.array([[-1.0, 1.0], [1.0, 0.0]])
    covariance = np.zeros((3, 3))
    covariance[:2, :2] = to_alpha_beta @ coefficient_cov @ to_alpha_beta.T
    return USLFit(
        alpha=alpha, beta=beta, gamma=gamma,
        alpha_se=math.sqrt(covariance[0, 0]), beta_se=math.sqrt(covariance[1, 1]),
        n=loads, x=throughputs, covariance=covariance, method="deviation",
    )
