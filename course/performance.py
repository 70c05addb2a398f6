"""Learner shortcut to performance laws and growth: ``import course.performance`` (home: :mod:`course.capacity.performance`).

Listed in README.md's "Library map"; the code lives in its topic subpackage.
"""

from course.capacity.performance import (
    CompoundGrowth,
    HedgedRequests,
    LinearGrowth,
    LogisticGrowth,
    LognormalLatency,
    amdahl,
    amdahl_limit,
    amdahl_to_gustafson,
    fanout_slow_probability,
    gustafson,
    gustafson_to_amdahl,
    lognormal_parameters,
    servers_needed,
)

__all__ = ["amdahl", "amdahl_limit", "gustafson", "gustafson_to_amdahl", "amdahl_to_gustafson", "LinearGrowth", "CompoundGrowth", "LogisticGrowth", "servers_needed", "fanout_slow_probability", "lognormal_parameters", "LognormalLatency", "HedgedRequests"]
