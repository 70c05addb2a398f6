"""Service-time distributions for the pattern simulator: exponential, lognormal, constant.

The same three objects, with the same names and parameters, as
:mod:`course.simulation.distributions` (one vocabulary across the kit). They live here too
so that the pattern simulator imports without numba or scipy — it has to run in
browser-only Python (Pyodide). The simulator accepts any object with a ``mean`` (seconds)
and a ``sample(rng, size)`` method, so the objects of either module can be used.

>>> rng = np.random.default_rng(0)
>>> Exponential(rate=50.0).mean, Deterministic(0.2).sample(rng, 2).tolist()
(0.02, [0.2, 0.2])
>>> round(Lognormal(mean=0.05, cv=1.5).sigma, 4)
1.0857

Taught in: Ep13 · 2-implementation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from course.validation import require_positive

__all__ = ["Exponential", "Lognormal", "Deterministic", "check_duration"]


@dataclass(frozen=True)
class Exponential:
    """Exponential durations at ``rate`` per second (mean 1/rate): memoryless."""

    rate: float

    def __post_init__(self):
        require_positive("rate", self.rate)

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` durations (seconds) from ``rng``."""
        return rng.exponential(1.0 / self.rate, size)


@dataclass(frozen=True)
class Lognormal:
    """Lognormal durations with ``mean`` seconds and coefficient of variation ``cv``.

    The underlying normal has σ = √ln(1 + CV²) and μ = ln(mean) − σ²/2: a long right tail,
    the usual shape of measured service times.
    """

    mean: float
    cv: float

    def __post_init__(self):
        require_positive("mean", self.mean)
        require_positive("cv", self.cv)

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` durations (seconds) from ``rng``."""
        sigma = self.sigma
        return rng.lognormal(math.log(self.mean) - sigma**2 / 2, sigma, size)


@dataclass(frozen=True)
class Deterministic:
    """Every duration is ``value`` seconds (a constant service time)."""

    value: float

    def __post_init__(self):
        require_positive("value", self.value)

    @property
    def mean(self) -> float:
        return float(self.value)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` copies of ``value``."""
        return np.full(size, float(self.value))


def check_duration(name: str, value):
    """Return ``value`` if it can serve as a duration distribution (``mean`` and ``sample``).

    >>> check_duration("service_time", 0.1)
    Traceback (most recent call last):
    ...
    ValueError: service_time must be a distribution with a mean and sample(rng, size), such as Exponential(rate=...), Lognormal(mean=..., cv=...) or Deterministic(value=...); got 0.1
    """
    if callable(getattr(value, "sample", None)) and hasattr(value, "mean"):
        return value
    raise ValueError(
        f"{name} must be a distribution with a mean and sample(rng, size), such as "
        f"Exponential(rate=...), Lognormal(mean=..., cv=...) or Deterministic(value=...); "
        f"got {value!r}"
    )
