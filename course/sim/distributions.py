"""The duration distributions every simulator of the kit draws from: gaps between arrivals,
service times and customers' patience.

One set of classes for the queue simulator (:mod:`course.simulation`) and the pattern
simulator (:mod:`course.patterns`): ``course.simulation.Exponential`` and
``course.patterns.Exponential`` are this module's ``Exponential``. It needs only numpy, so
the pattern simulator still imports in browser-only Python (Pyodide).

Each object holds its parameters, knows its ``mean`` and ``variance`` (so a model can check
stability and a test can compare with Pollaczek–Khinchine), and draws a whole array at
once with ``sample(rng, size)`` from a numpy ``Generator`` it is handed — never from a
global seed. Drawing in bulk is what makes the fast paths fast; drawing the same array in
pieces gives the same numbers, which is what lets the readable engine and the fast path
agree to the last bit.

>>> rng = np.random.default_rng(1)
>>> service = Lognormal(mean=0.05, cv=1.5)
>>> round(service.scv, 2)
2.25
>>> service.sample(rng, 3).shape
(3,)

Taught in: Ep13 · 2-implementation; Ep51 · 2-implementation; planned for Ep58 (heavy
tails).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from course.validation import (
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_positive,
)

__all__ = [
    "Distribution", "Exponential", "Deterministic", "Lognormal", "Gamma", "Erlang",
    "Empirical", "Sampler", "as_distribution", "exponential_with_rate", "lognormal_parameters",
    "MAX_SAMPLE_SIZE",
]

#: Most values one ``sample`` call draws (80 MB of floats); the simulators draw in chunks far
#: smaller, and the cap stops a typo from exhausting memory.
MAX_SAMPLE_SIZE = 10_000_000


def _draw_size(rng, size) -> int:
    """Check the arguments of ``sample`` and return ``size`` as an int."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)); got {rng!r}")
    return require_int("size", size, minimum=0, maximum=MAX_SAMPLE_SIZE)


def _require_finite_moments(distribution) -> None:
    """Refuse parameters whose mean, variance or C² overflow or underflow a float.

    ``Exponential(1e-200)`` passes "> 0" but its variance 1/rate² is not a float; refuse it
    when the object is built rather than return inf or divide by zero later.
    """
    try:
        moments = [distribution.mean, distribution.variance, distribution.scv,
                   distribution.second_moment]
    except (OverflowError, ZeroDivisionError):
        moments = [math.inf]
    if not all(math.isfinite(moment) for moment in moments):
        raise ValueError(
            f"{distribution!r} is too extreme for floating point: its mean, variance or C² "
            "overflows; check the units of its parameters"
        )


class Distribution:
    """A non-negative random duration (seconds) with a known mean and variance."""

    mean: float
    variance: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent durations from ``rng``."""
        raise NotImplementedError

    @property
    def scv(self) -> float:
        """Squared coefficient of variation C² = variance / mean² (1 for exponential)."""
        self._require_moments()
        return self.variance / self.mean**2

    @property
    def second_moment(self) -> float:
        """E[X²] = variance + mean², the quantity in Pollaczek–Khinchine's formula."""
        self._require_moments()
        return self.variance + self.mean**2

    def _require_moments(self) -> None:
        if self.mean is None or self.variance is None:
            raise ValueError(
                "this distribution's mean and variance are unknown: give them, as in "
                "Sampler(function, mean=..., variance=...)"
            )


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential durations with ``rate`` events per second (mean 1/rate): memoryless.

    Gaps between Poisson arrivals at rate λ are ``Exponential(λ)``.

    >>> Exponential(rate=4.0).mean
    0.25
    """

    rate: float

    def __post_init__(self):
        require_positive("rate", self.rate)
        _require_finite_moments(self)

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    @property
    def variance(self) -> float:
        return 1.0 / self.rate**2

    def sample(self, rng, size):
        size = _draw_size(rng, size)
        return rng.exponential(1.0 / self.rate, size)


@dataclass(frozen=True)
class Deterministic(Distribution):
    """Every duration equals ``value`` seconds (the D in M/D/1, or a fixed timeout).

    >>> Deterministic(2.0).scv
    0.0
    """

    value: float

    def __post_init__(self):
        require_positive("value", self.value)
        _require_finite_moments(self)

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng, size):
        return np.full(_draw_size(rng, size), float(self.value))


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal durations given by their ``mean`` (seconds) and coefficient of variation ``cv``.

    The underlying normal has σ = √ln(1 + CV²) and μ = ln(mean) − σ²/2, the usual model of
    long-tailed service times.

    >>> round(Lognormal(mean=1.0, cv=1.0).variance, 12)
    1.0
    """

    mean: float
    cv: float

    def __post_init__(self):
        require_positive("mean", self.mean)
        require_positive("cv", self.cv)
        _require_finite_moments(self)

    @property
    def sigma(self) -> float:
        """σ of the underlying normal, √ln(1 + CV²)."""
        return lognormal_parameters(self.mean, self.cv)[1]

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng, size):
        size = _draw_size(rng, size)
        mu, sigma = lognormal_parameters(self.mean, self.cv)
        return rng.lognormal(mu, sigma, size)


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma durations with ``shape`` k and ``scale`` θ seconds (mean kθ, variance kθ²).

    >>> Gamma(shape=0.5, scale=2.0).scv
    2.0
    """

    shape: float
    scale: float

    def __post_init__(self):
        require_positive("shape", self.shape)
        require_positive("scale", self.scale)
        _require_finite_moments(self)

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def variance(self) -> float:
        return self.shape * self.scale**2

    def sample(self, rng, size):
        size = _draw_size(rng, size)
        return rng.gamma(self.shape, self.scale, size)


@dataclass(frozen=True)
class Erlang(Distribution):
    """A service made of ``phases`` exponential steps, ``mean`` seconds in total (C² = 1/phases).

    >>> Erlang(phases=4, mean=1.0).scv
    0.25
    """

    phases: int
    mean: float

    def __post_init__(self):
        object.__setattr__(self, "phases", require_int("phases", self.phases, minimum=1))
        require_positive("mean", self.mean)
        _require_finite_moments(self)

    @property
    def variance(self) -> float:
        return self.mean**2 / self.phases

    def sample(self, rng, size):
        size = _draw_size(rng, size)
        return rng.gamma(self.phases, self.mean / self.phases, size)


class Empirical(Distribution):
    """Durations resampled (with replacement, equally likely) from measured ``values`` (seconds).

    Mean and variance are those of the values themselves (the population variance), because
    that is the distribution the sampler draws from.

    >>> Empirical([1.0, 2.0, 6.0]).mean
    3.0
    """

    def __init__(self, values):
        self.values = require_array("values", values, non_negative=True)
        if not np.any(self.values > 0):
            raise ValueError("values must include at least one duration > 0 (all are 0)")
        self.values.setflags(write=False)
        _require_finite_moments(self)

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    @property
    def variance(self) -> float:
        return float(self.values.var())

    def sample(self, rng, size):
        # rng.random rather than rng.integers: integers buffers bits inside one call, so
        # drawing an array in two pieces would not give the same numbers as in one.
        size = _draw_size(rng, size)
        count = self.values.size
        index = np.minimum((rng.random(size) * count).astype(np.int64), count - 1)
        return self.values[index]

    def __repr__(self):
        return f"Empirical({self.values.size} values, mean={self.mean:.4g})"


class Sampler(Distribution):
    """Wrap your own ``function(rng, size) -> array`` of durations; give its ``mean`` if known.

    Without a mean the simulators cannot check stability up front.

    >>> uniform = Sampler(lambda rng, size: rng.uniform(0.5, 1.5, size), mean=1.0)
    >>> float(uniform.sample(np.random.default_rng(0), 4).min()) >= 0.5
    True
    """

    def __init__(self, function: Callable, mean: float | None = None, variance: float | None = None):
        if not callable(function):
            raise ValueError("function must be callable as function(rng, size)")
        self.function = function
        self._role = "the sampler"  # as_distribution names the argument it came from
        self.mean = None if mean is None else require_positive("mean", mean)
        self.variance = None if variance is None else require_non_negative("variance", variance)
        if self.mean is not None and self.variance is not None:
            _require_finite_moments(self)

    def sample(self, rng, size):
        size = _draw_size(rng, size)
        returned = self.function(rng, size)
        try:
            values = np.asarray(returned, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{self._role} must return an array of numbers (durations)") from None
        if values.shape != (size,):
            raise ValueError(f"{self._role} must return {size} values; got shape {values.shape}")
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"{self._role} must return finite durations >= 0")
        return values

    def __repr__(self):
        return f"Sampler({getattr(self.function, '__name__', 'function')}, mean={self.mean})"


def exponential_with_rate(name: str, rate: float) -> Exponential:
    """``Exponential(rate)``, with errors that name the caller's parameter (``service_rate``...).

    >>> exponential_with_rate("service_rate", 4.0).mean
    0.25
    """
    rate = require_positive(name, rate)
    try:
        return Exponential(rate)
    except ValueError:
        raise ValueError(
            f"{name} is too extreme for floating point (1/{name}² overflows); got {rate:g}"
        ) from None


def as_distribution(name: str, value) -> Distribution:
    """Return ``value`` as a Distribution: distribution objects pass, callables are wrapped.

    >>> as_distribution("service", Exponential(2.0))
    Exponential(rate=2.0)

    Taught in: Ep51 · 2-implementation.
    """
    if isinstance(value, Distribution):
        return value
    if callable(value):
        sampler = Sampler(value)
        sampler._role = f"{name} (a function f(rng, size))"
        return sampler
    raise ValueError(
        f"{name} must be a distribution (Exponential, Deterministic, Lognormal, Gamma, Erlang, "
        f"Empirical) or a callable f(rng, size); got {value!r}"
    )


def lognormal_parameters(mean: float, cv: float) -> tuple[float, float]:
    """(μ, σ) of the log of a lognormal with the given ``mean`` (> 0) and ``cv`` (> 0).

    σ = √ln(1 + CV²) and μ = ln(mean) − σ²/2; the median is e^μ, below the mean. The one
    place the kit turns (mean, CV) into (μ, σ): :class:`Lognormal` and
    :class:`course.capacity.performance.LognormalLatency` both call it.

    >>> mu, sigma = lognormal_parameters(100, 1.0)
    >>> round(sigma, 6), round(math.exp(mu), 4)
    (0.832555, 70.7107)
    """
    mean = require_positive("mean", mean)
    cv = require_positive("cv", cv)
    sigma = math.sqrt(math.log1p(cv**2))
    return require_finite_result((math.log(mean) - sigma**2 / 2, sigma), "mean", "cv")
