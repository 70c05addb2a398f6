"""Learner shortcut to the Universal Scalability Law: ``import course.scalability`` (home: :mod:`course.capacity.scalability`).

Listed in README.md's "Library map"; the code lives in its topic subpackage.
"""

from course.capacity.scalability import (
    USLFit,
    USLModel,
    fit_usl,
    fit_usl_deviation,
    peak_concurrency,
    peak_throughput,
    usl,
)

__all__ = ["usl", "peak_concurrency", "peak_throughput", "USLModel", "USLFit", "fit_usl", "fit_usl_deviation"]
