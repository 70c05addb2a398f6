"""Small distribution objects for the durations a simulation draws: gaps between arrivals,
service times and customers' patience.

Each object holds its parameters, knows its ``mean`` and ``variance`` (so a model can check
stability and a test can compare with Pollaczek–Khinchine), and draws a whole array at
once with ``sample(rng, size)`` from a numpy ``Generator`` it is handed — never from a
global seed. Drawing in bulk is what makes the fast path fast; drawing the same array in
pieces gives the same numbers, which is what lets the readable engine and the fast path
agree to the last bit.

>>> rng = np.random.default_rng(1)
>>> service = Lognormal(mean=0.05, cv=1.5)
>>> round(service.scv, 2)
2.25
>>> service.sample(rng, 3).shape
(3,)

Taught in: Ep51 · 2-implementation; Ep58 (heavy tails).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from course.validation import require_array, require_int, require_positive

__all__ = [
    "Distribution", "Exponential", "Deterministic", "Lognormal", "Gamma", "Erlang",
    "Empirical", "Sampler", "as_distribution",
]


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
        return self.variance / self.mean**2

    @property
    def second_moment(self) -> float:
        """E[X²] = variance + mean², the quantity in Pollaczek–Khinchine's formula."""
        return self.variance + self.mean**2


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

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    @property
    def variance(self) -> float:
        return 1.0 / self.rate**2

    def sample(self, rng, size):
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

    @property
    def mean(self) -> float:
        return float(self.value)

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng, size):
        return np.full(size, float(self.value))


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

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng, size):
        sigma = self.sigma
        return rng.lognormal(math.log(self.mean) - sigma**2 / 2, sigma, size)


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

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def variance(self) -> float:
        return self.shape * self.scale**2

    def sample(self, rng, size):
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
        require_int("phases", self.phases, minimum=1)
        require_positive("mean", self.mean)

    @property
    def variance(self) -> float:
        return self.mean**2 / self.phases

    def sample(self, rng, size):
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
        self.values.setflags(write=False)

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    @property
    def variance(self) -> float:
        return float(self.values.var())

    def sample(self, rng, size):
        # rng.random rather than rng.integers: integers buffers bits inside one call, so
        # drawing an array in two pieces would not give the same numbers as in one.
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
        self.mean = None if mean is None else require_positive("mean", mean)
        self.variance = variance

    def sample(self, rng, size):
        values = np.asarray(self.function(rng, size), dtype=float)
        if values.shape != (size,):
            raise ValueError(f"the sampler must return {size} values; got shape {values.shape}")
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError("the sampler must return finite durations >= 0")
        return values

    def __repr__(self):
        return f"Sampler({getattr(self.function, '__name__', 'function')}, mean={self.mean})"


def as_distribution(name: str, value) -> Distribution:
    """Return ``value`` as a Distribution: distribution objects pass, callables are wrapped.

    >>> as_distribution("service", Exponential(2.0))
    Exponential(rate=2.0)

    Taught in: Ep51 · 2-implementation.
    """
    if isinstance(value, Distribution):
        return value
    if callable(value):
        return Sampler(value)
    raise ValueError(
        f"{name} must be a distribution (Exponential, Deterministic, Lognormal, Gamma, Erlang, "
        f"Empirical) or a callable f(rng, size); got {value!r}"
    )
