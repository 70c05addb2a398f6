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
