"""The one interval type every model and simulation returns: ``Interval(low, high, estimate)``.

Confidence intervals, forecast bands and batch-means intervals all come back as an
``Interval``: the pair ``(low, high)`` (a tuple, so ``low, high = fit.shape_interval()``,
``ci[0]`` and ``*ci`` read as they always did) that also carries the point estimate it was
built around, where there is one, as ``estimate`` (``None`` otherwise). ``low``, ``high``
and ``estimate`` are in the unit of the quantity the interval bounds; they are NumPy arrays
for a pointwise band (one entry per point).

>>> ci = Interval(2.0, 5.0, estimate=3.5)
>>> low, high = ci
>>> low, high, ci.estimate, ci.width, ci.half_width
(2.0, 5.0, 3.5, 3.0, 1.5)
>>> ci.contains(4.9), ci.contains(5.1)
(True, False)

Taught in: Ep51 · 2-implementation (batch means), 1-foundations (USL confidence band).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Interval"]


class Interval(tuple):
    """A two-sided interval ``(low, high)`` with an optional point ``estimate`` inside it.

    A tuple of its two bounds: it unpacks, indexes and compares as ``(low, high)`` (the
    estimate does not take part in ``==``). Immutable. Bounds are NaN when there was too
    little data to estimate them.

    >>> ci = Interval(1.0, 3.0)
    >>> ci, ci[1], len(ci), ci.estimate is None, ci == (1.0, 3.0)
    (Interval(low=1.0, high=3.0), 3.0, 2, True, True)
    """

    estimate: Any

    def __new__(cls, low, high, estimate=None):
        interval = super().__new__(cls, (low, high))
        # tuple subclasses cannot have slots; the instance dict holds the estimate
        object.__setattr__(interval, "estimate", estimate)
        return interval

    def __setattr__(self, name, value):
        raise AttributeError(f"Interval is immutable: cannot set {name}")

    def __reduce__(self):
        return (Interval, (self.low, self.high, self.estimate))

    def __repr__(self) -> str:
        estimate = "" if self.estimate is None else f", estimate={self.estimate!r}"
        return f"Interval(low={self.low!r}, high={self.high!r}{estimate})"

    @property
    def low(self):
        """The lower bound."""
        return self[0]

    @property
    def high(self):
        """The upper bound."""
        return self[1]

    @property
    def width(self):
        """high − low, in the unit of the bounds."""
        return self.high - self.low

    @property
    def half_width(self):
        """(high − low) / 2: the ± of a symmetric interval."""
        return (self.high - self.low) / 2

    def contains(self, value) -> bool:
        """Whether low ≤ ``value`` ≤ high (for array bounds: at every point)."""
        return bool(np.all((self.low <= value) & (value <= self.high)))
