"""Argument checks shared by every public function of the kit.

Each check raises a ``ValueError`` that names the parameter, the allowed range and the
value received, so that a learner who types a bad number sees what to change instead of
a NaN or a traceback from inside numpy.

>>> require_positive("arrival_rate", 2.5)
2.5
>>> require_probability("p", 1.5)
Traceback (most recent call last):
...
ValueError: p must be a probability in [0, 1]; got 1.5
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np


def _as_real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must be a number, not NaN")
    return value


def require_finite(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    value = _as_real(name, value)
    if math.isinf(value):
        raise ValueError(f"{name} must be finite; got {value}")
    return value


def require_positive(name: str, value) -> float:
    """Return ``value`` if it is a finite number > 0."""
    value = require_finite(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0; got {value:g}")
    return value


def require_non_negative(name: str, value) -> float:
    """Return ``value`` if it is a finite number >= 0."""
    value = require_finite(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0; got {value:g}")
    return value


def require_probability(name: str, value) -> float:
    """Return ``value`` if it lies in [0, 1]."""
    value = _as_real(name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1]; got {value:g}")
    return value


def require_open_unit(name: str, value) -> float:
    """Return ``value`` if it lies strictly between 0 and 1 (e.g. a quantile level)."""
    value = _as_real(name, value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1; got {value:g}")
    return value


def require_in_range(name: str, value, low: float, high: float) -> float:
    """Return ``value`` if ``low <= value <= high``."""
    value = require_finite(name, value)
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}]; got {value:g}")
    return value


def require_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number within [minimum, maximum]."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        value = int(value)
    else:
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}; got {value}")
    return value


def require_stable(name: str, utilization: float) -> float:
    """Return ``utilization`` if the queue is stable (ρ < 1); explain the problem otherwise."""
    if not utilization < 1.0:
        raise ValueError(
            f"{name} must be < 1 for a stable queue; got {utilization:.4g}. "
            "With ρ ≥ 1 work arrives faster than it can be served and the queue grows "
            "without bound: add servers or reduce the arrival rate."
        )
    return utilization


def require_array(
    name: str,
    values: Iterable,
    min_length: int = 1,
    positive: bool = False,
    non_negative: bool = False,
) -> np.ndarray:
    """Return ``values`` as a 1-D float array of finite numbers with at least ``min_length`` items."""
    try:
        array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of numbers") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.size < min_length:
        raise ValueError(f"{name} needs at least {min_length} values; got {array.size}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or infinity)")
    if positive and np.any(array <= 0):
        raise ValueError(f"{name} must contain only values > 0")
    if non_negative and np.any(array < 0):
        raise ValueError(f"{name} must contain only values >= 0")
    return array


def require_same_length(name_a: str, a, name_b: str, b) -> None:
    """Raise unless ``a`` and ``b`` have the same length."""
    if len(a) != len(b):
        raise ValueError(f"{name_a} and {name_b} must have the same length; got {len(a)} and {len(b)}")


def require_rng(name: str, seed) -> np.random.Generator:
    """Return a numpy Generator for ``seed``: a whole number >= 0 or a Generator (used as is).

    Results must be reproducible, so ``None`` (fresh entropy) is refused, and so are bools,
    floats and negative numbers, which are more likely typos than seeds.

    >>> require_rng("seed", 7).integers(10) == np.random.default_rng(7).integers(10)
    np.True_
    >>> require_rng("seed", None)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an int >= 0 or a numpy Generator (results must be reproducible); got None
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"{name} must be an int >= 0 or a numpy Generator (results must be reproducible); "
            f"got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def require_finite_result(value, *names: str):
    """Return ``value`` (a number or array) if every entry is finite; else blame ``names``.

    For inputs that pass their own range checks yet overflow together, such as a throughput
    of 1e308 times a service time of 10, or 1 / 5e-324: the caller gets a ValueError naming
    the parameters to check instead of an infinity.

    >>> require_finite_result(2.0 * 3.0, "throughput", "service_time")
    6.0
    >>> require_finite_result(1e308 * 10, "throughput", "service_time")
    Traceback (most recent call last):
    ...
    ValueError: throughput, service_time are too extreme for floating point (the result is inf); check the units
    """
    array = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].flat[0] if array.ndim else array
        verb = "is" if len(names) == 1 else "are"
        raise ValueError(
            f"{', '.join(names)} {verb} too extreme for floating point (the result is "
            f"{float(bad):g}); check the units"
        )
    return value


def array_ndim(name: str, value) -> int:
    """``np.ndim(value)``, or a ValueError naming ``name`` when ``value`` is a ragged nest.

    ``np.ndim([[1, 2], [3]])`` raises numpy's own "inhomogeneous shape" error; functions that
    accept a number or an array ask this first, so the learner sees which argument is wrong.

    >>> array_ndim("t", 2.0), array_ndim("t", [1.0, 2.0])
    (0, 1)
    """
    try:
        return np.ndim(value)
    except ValueError:
        raise ValueError(
            f"{name} must be a number or a sequence of numbers; got a ragged nest {value!r}"
        ) from None
