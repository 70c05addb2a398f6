"""Learner shortcut to Markov chains: ``import course.markov`` (home: :mod:`course.reliability.markov`).

Listed in README.md's "Library map"; the code lives in its topic subpackage.
"""

from course.reliability.markov import (
    ActiveStandby,
    RepairableGroup,
    RepairableSystem,
    TwoStateAvailability,
    absorption_probabilities,
    birth_death_generator,
    birth_death_steady_state,
    ctmc_mean_hitting_times,
    ctmc_steady_state,
    ctmc_transient,
    dtmc_stationary,
    mean_hitting_times,
    mean_return_times,
    n_plus_one,
    satisfies_detailed_balance,
    spectral_gap,
)

__all__ = ["dtmc_stationary", "ctmc_steady_state", "ctmc_transient", "birth_death_steady_state", "birth_death_generator", "mean_hitting_times", "ctmc_mean_hitting_times", "absorption_probabilities", "mean_return_times", "spectral_gap", "satisfies_detailed_balance", "RepairableSystem", "TwoStateAvailability", "ActiveStandby", "RepairableGroup", "n_plus_one"]
