"""Learner shortcut to availability and downtime: ``import course.availability`` (home: :mod:`course.reliability.availability`).

Listed in README.md's "Library map"; the code lives in its topic subpackage.
"""

from course.reliability.availability import (
    Component,
    KofN,
    MonteCarloEstimate,
    Parallel,
    Series,
    availability_from_downtime,
    availability_from_mtbf,
    availability_from_mttf,
    budget_consumed,
    burn_rate,
    correlated_mix,
    correlated_parallel,
    dependency_target,
    downtime,
    error_budget_requests,
    incidents_within_budget,
    k_of_n,
    k_of_n_heterogeneous,
    mtbf,
    mttr_for_availability,
    nines,
    parallel,
    series,
    simulate_correlated_parallel,
    time_to_exhaustion,
)

__all__ = ["series", "parallel", "k_of_n", "k_of_n_heterogeneous", "Component", "Series", "Parallel", "KofN", "downtime", "nines", "availability_from_downtime", "error_budget_requests", "burn_rate", "budget_consumed", "time_to_exhaustion", "incidents_within_budget", "dependency_target", "correlated_mix", "correlated_parallel", "simulate_correlated_parallel", "MonteCarloEstimate", "availability_from_mttf", "availability_from_mtbf", "mtbf", "mttr_for_availability"]
