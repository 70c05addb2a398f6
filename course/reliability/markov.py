"""Markov chains: stationary distributions, transient solutions, hitting times, repairable systems.

A Markov chain is a system that hops between states with probabilities (or rates) that
depend only on where it is now, never on how it got there — a board game where each turn's
move depends only on the square you stand on.

Vocabulary:

- ``transition_matrix`` — P, discrete time: P[i, j] = probability of moving from state i to
  state j in one step; every row sums to 1;
- ``generator`` — Q, continuous time: Q[i, j] ≥ 0 (i ≠ j) is the rate (per time unit) of
  jumps from i to j, and every row sums to 0;
- ``distribution`` — a row vector π of probabilities over the states, summing to 1.

Matrices are given as nested lists or numpy arrays; results are numpy arrays.

>>> dtmc_stationary([[0.9, 0.1], [0.5, 0.5]]).round(6)
array([0.833333, 0.166667])
>>> ctmc_steady_state([[-1.0, 1.0], [99.0, -99.0]]).round(4)     # fail 1/h, repair 99/h
array([0.99, 0.01])

Planned for Ep56 · 1-foundations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy import linalg

from course.validation import (
    array_ndim,
    require_array,
    require_int,
    require_non_negative,
    require_positive,
    require_probability,
    require_same_length,
)

__all__ = [
    "dtmc_stationary",
    "ctmc_steady_state",
    "ctmc_transient",
    "birth_death_steady_state",
    "birth_death_generator",
    "mean_hitting_times",
    "ctmc_mean_hitting_times",
    "absorption_probabilities",
    "mean_return_times",
    "spectral_gap",
    "satisfies_detailed_balance",
    "RepairableSystem",
    "TwoStateAvailability",
    "ActiveStandby",
    "RepairableGroup",
    "n_plus_one",
]

_TOLERANCE = 1e-9


def _square(name: str, matrix) -> np.ndarray:
    if isinstance(matrix, str | bytes):
        raise ValueError(f"{name} must be a square matrix of numbers")
    try:
        array = np.array(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a square matrix of numbers") from None
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or infinity)")
    return array


def _stochastic(transition_matrix) -> np.ndarray:
    matrix = _square("transition_matrix", transition_matrix)
    if np.any(matrix < 0) or np.any(matrix > 1):
        raise ValueError("transition_matrix entries must be probabilities in [0, 1]")
    sums = matrix.sum(axis=1)
    if not np.allclose(sums, 1.0, rtol=0, atol=_TOLERANCE):
        worst = int(np.argmax(np.abs(sums - 1)))
        raise ValueError(
            f"transition_matrix rows must sum to 1 (within {_TOLERANCE:g}); "
            f"row {worst} sums to {sums[worst]:.12g}"
        )
    return matrix


def _rate_matrix(generator) -> np.ndarray:
    matrix = _square("generator", generator)
    off_diagonal = matrix - np.diag(np.diag(matrix))
    if np.any(off_diagonal < 0):
        raise ValueError("generator off-diagonal entries are rates and must be >= 0")
    sums = matrix.sum(axis=1)
    scale = max(1.0, float(np.abs(matrix).max()))
    if not np.allclose(sums, 0.0, rtol=0, atol=_TOLERANCE * scale):
        worst = int(np.argmax(np.abs(sums)))
        raise ValueError(
            f"generator rows must sum to 0 (within {_TOLERANCE:g} × the largest rate); "
            f"row {worst} sums to {sums[worst]:.12g}"
        )
    return matrix


def _unique_null_vector(name: str, matrix: np.ndarray) -> np.ndarray:
    """Solve π·M = 0, Σπ = 1 and insist that the solution is unique."""
    n = matrix.shape[0]
    scaled = matrix / max(1.0, float(np.abs(matrix).max()))
    singular_values = linalg.svdvals(scaled)
    if n > 1 and singular_values[-2] < 1e-10:
        raise ValueError(
            f"{name} has more than one stationary distribution: the chain is reducible "
            "(it splits into classes that never reach each other)"
        )
    system = np.vstack([scaled.T, np.ones(n)])
    right = np.zeros(n + 1)
    right[-1] = 1.0
    solution = np.linalg.lstsq(system, right, rcond=None)[0]
    solution = np.clip(solution, 0.0, None)  # round-off can leave -1e-17 on transient states
    return solution / solution.sum()


def dtmc_stationary(transition_matrix) -> np.ndarray:
    """Stationary distribution π = πP of a discrete-time chain with a unique one.

    Raises ValueError if the rows do not sum to 1 or the chain is reducible (no unique π).

    >>> dtmc_stationary([[0, 1], [1, 0]])      # periodic, still a unique stationary π
    array([0.5, 0.5])

    Planned for Ep56 · 1-foundations.
    """
    matrix = _stochastic(transition_matrix)
    return _unique_null_vector("transition_matrix", matrix - np.eye(len(matrix)))


def ctmc_steady_state(generator) -> np.ndarray:
    """Steady-state distribution πQ = 0 of a continuous-time chain with a unique one.

    >>> ctmc_steady_state([[-2.0, 2.0], [3.0, -3.0]])
    array([0.6, 0.4])

    Planned for Ep56 · 1-foundations.
    """
    return _unique_null_vector("generator", _rate_matrix(generator))


def _distribution(initial, n: int) -> np.ndarray:
    if isinstance(initial, str | bytes):
        raise ValueError("initial must be a probability vector")
    vector = require_array("initial", initial, non_negative=True)
    if len(vector) != n:
        raise ValueError(f"initial must have one probability per state ({n}); got {len(vector)}")
    if abs(vector.sum() - 1) > _TOLERANCE:
        raise ValueError(f"initial must sum to 1; got {vector.sum():.12g}")
    return vector


def ctmc_transient(generator, initial, t):
    """Distribution at time ``t`` (time units of the rates): p(t) = p(0)·e^(Qt).

    ``t`` is a number >= 0 (result: one distribution) or a list of them (one row each).

    >>> ctmc_transient([[-1.0, 1.0], [1.0, -1.0]], [1, 0], 0.5).round(6)
    array([0.68394, 0.31606])

    Planned for Ep56 · 1-foundations.
    """
    matrix = _rate_matrix(generator)
    start = _distribution(initial, len(matrix))
    scalar = array_ndim("t", t) == 0
    times = np.atleast_1d(require_array("t", [t] if scalar else t, non_negative=True))
    largest_rate = float(np.abs(matrix).max())
    if largest_rate * times.max() > 1e9:
        raise ValueError(
            "t must be < 1e9 mean holding times (t × largest rate); by then the chain has "
            "long reached steady state: use ctmc_steady_state"
        )
    rows = np.array([start @ linalg.expm(matrix * time) for time in times])
    rows = np.clip(rows, 0.0, None)
    rows /= rows.sum(axis=1, keepdims=True)
    return rows[0] if scalar else rows


def _rates(name: str, values, positive: bool) -> np.ndarray:
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a sequence of rates")
    return require_array(name, values, positive=positive, non_negative=not positive)


def birth_death_steady_state(birth_rates, death_rates) -> np.ndarray:
    """Steady state of a birth–death chain on states 0..N.

    ``birth_rates[n]`` is the rate from n to n + 1 (>= 0) and ``death_rates[n]`` the rate
    from n + 1 to n (> 0), both length N. Then πₙ ∝ ∏ λᵢ₋₁/μᵢ: the chain balances the flow
    across every cut. With constant rates it is M/M/1/N: πₙ ∝ ρⁿ.

    >>> birth_death_steady_state([1, 1], [2, 2]).round(6)       # ρ = 1/2, states 0..2
    array([0.571429, 0.285714, 0.142857])

    Planned for Ep56 · 1-foundations.
    """
    births = _rates("birth_rates", birth_rates, positive=False)
    deaths = _rates("death_rates", death_rates, positive=True)
    require_same_length("birth_rates", births, "death_rates", deaths)
    with np.errstate(divide="ignore"):
        # Logs keep long chains with ratios far from 1 away from overflow.
        log_weights = np.concatenate([[0.0], np.cumsum(np.log(births) - np.log(deaths))])
    weights = np.exp(log_weights - log_weights.max())
    return weights / weights.sum()


def birth_death_generator(birth_rates, death_rates) -> np.ndarray:
    """Generator matrix Q of the birth–death chain of ``birth_death_steady_state``.

    >>> birth_death_generator([1.0], [3.0])
    array([[-1.,  1.],
           [ 3., -3.]])

    Planned for Ep56 · 1-foundations.
    """
    births = _rates("birth_rates", birth_rates, positive=False)
    deaths = _rates("death_rates", death_rates, positive=True)
    require_same_length("birth_rates", births, "death_rates", deaths)
    n = len(births) + 1
    matrix = np.zeros((n, n))
    matrix[np.arange(n - 1), np.arange(1, n)] = births
    matrix[np.arange(1, n), np.arange(n - 1)] = deaths
    matrix[np.diag_indices(n)] = -matrix.sum(axis=1)
    return matrix


def _targets(name: str, targets, n: int) -> np.ndarray:
    if isinstance(targets, str | bytes) or not isinstance(targets, Iterable):
        raise ValueError(f"{name} must be a non-empty list of state indices in [0, {n - 1}]")
    indices = [require_int(f"{name} entries", t, minimum=0, maximum=n - 1) for t in targets]
    if not indices:
        raise ValueError(f"{name} must be a non-empty list of state indices in [0, {n - 1}]")
    return np.unique(indices)


def _reaches(adjacency: np.ndarray, goal: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """States that can reach a state in ``goal`` along edges, never passing through ``avoid``."""
    found = goal.copy()
    frontier = goal.copy()
    while frontier.any():
        step = (adjacency[:, frontier].any(axis=1)) & ~found & ~avoid
        found |= step
        frontier = step
    return found


def _solve(matrix: np.ndarray, right: np.ndarray, name: str) -> np.ndarray:
    """np.linalg.solve, with a ValueError naming the input when round-off makes it singular.

    Rates or probabilities many orders of magnitude apart (1e-45 next to 1) pass every
    range check yet leave a matrix that is singular in floating point.
    """
    try:
        return np.linalg.solve(matrix, right)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"{name} spans too many orders of magnitude to be solved in floating point "
            "(the linear system is singular after rounding); rescale its entries"
        ) from None


def _hitting_times(step_matrix: np.ndarray, rates_out: np.ndarray, targets: np.ndarray,
                   name: str):
    n = len(step_matrix)
    adjacency = step_matrix > 0
    np.fill_diagonal(adjacency, False)
    is_target = np.zeros(n, dtype=bool)
    is_target[targets] = True
    stuck = ~_reaches(adjacency, is_target, np.zeros(n, dtype=bool))
    # From these states the walk may wander where the targets are out of reach: infinite mean.
    risky = _reaches(adjacency, stuck, is_target)
    finite = ~is_target & ~risky
    times = np.where(is_target, 0.0, np.inf)
    if finite.any():
        block = step_matrix[np.ix_(finite, finite)]
        times[finite] = _solve(np.diag(rates_out[finite]) - block, np.ones(finite.sum()), name)
    return times


def mean_hitting_times(transition_matrix, targets) -> np.ndarray:
    """Expected number of steps to first reach any state in ``targets``, from each state.

    0 for the targets themselves; ``inf`` from states that may never reach them.

    >>> mean_hitting_times([[0.5, 0.5, 0], [0.25, 0.5, 0.25], [0, 0, 1]], [2])
    array([8., 6., 0.])

    Planned for Ep56 · 1-foundations.
    """
    matrix = _stochastic(transition_matrix)
    goal = _targets("targets", targets, len(matrix))
    leaving = np.ones(len(matrix)) - np.diag(matrix)
    without_loops = matrix - np.diag(np.diag(matrix))
    return _hitting_times(without_loops, leaving, goal, "transition_matrix")


def ctmc_mean_hitting_times(generator, targets) -> np.ndarray:
    """Expected time (time units of the rates) to first reach ``targets``, from each state.

    For a repairable system with the failed states as targets this is the mean time to
    (system) failure from each starting state. ``inf`` where the targets may be unreachable.

    >>> ctmc_mean_hitting_times([[-0.5, 0.5], [2.0, -2.0]], [1])
    array([2., 0.])

    Planned for Ep56 · 1-foundations.
    """
    matrix = _rate_matrix(generator)
    goal = _targets("targets", targets, len(matrix))
    jumps = matrix - np.diag(np.diag(matrix))
    return _hitting_times(jumps, -np.diag(matrix), goal, "generator")


def absorption_probabilities(transition_matrix, absorbing) -> np.ndarray:
    """P(the first of the ``absorbing`` states reached is absorbing[j]), from each state i.

    Returns an array of shape (states, len(absorbing)) with the absorbing states sorted;
    rows of states that can reach none of them are 0.

    >>> absorption_probabilities([[1, 0, 0], [0.3, 0.2, 0.5], [0, 0, 1]], [0, 2]).round(6)
    array([[1.   , 0.   ],
           [0.375, 0.625],
           [0.   , 1.   ]])

    Planned for Ep56 · 1-foundations.
    """
    matrix = _stochastic(transition_matrix)
    n = len(matrix)
    goal = _targets("absorbing", absorbing, n)
    is_goal = np.zeros(n, dtype=bool)
    is_goal[goal] = True
    adjacency = matrix > 0
    np.fill_diagonal(adjacency, False)
    can_reach = _reaches(adjacency, is_goal, np.zeros(n, dtype=bool)) & ~is_goal
    result = np.zeros((n, len(goal)))
    result[goal, np.arange(len(goal))] = 1.0
    if can_reach.any():
        block = matrix[np.ix_(can_reach, can_reach)]
        result[can_reach] = _solve(
            np.eye(int(can_reach.sum())) - block, matrix[np.ix_(can_reach, goal)],
            "transition_matrix",
        )
    return result


def mean_return_times(transition_matrix) -> np.ndarray:
    """Mean number of steps to return to each state: 1/πⱼ (Kac's formula).

    ``inf`` for a transient state (πⱼ = 0: it may never be revisited).

    >>> mean_return_times([[0.9, 0.1], [0.5, 0.5]]).round(6)
    array([1.2, 6. ])

    Planned for Ep56 · 1-foundations.
    """
    stationary = dtmc_stationary(transition_matrix)
    with np.errstate(divide="ignore"):
        return np.where(stationary > 1e-15, 1.0 / np.maximum(stationary, 1e-300), np.inf)


def spectral_gap(transition_matrix) -> float:
    """Absolute spectral gap 1 − |λ₂|, where λ₂ is the second-largest eigenvalue in modulus.

    The distance to stationarity shrinks roughly like |λ₂|^steps: a gap near 0 means slow
    mixing; 0 for a periodic or reducible chain. A one-state chain has gap 1.

    >>> round(spectral_gap([[0.9, 0.1], [0.5, 0.5]]), 6)        # eigenvalues 1 and 0.4
    0.6

    Planned for Ep56 · 2-implementation.
    """
    matrix = _stochastic(transition_matrix)
    if len(matrix) == 1:
        return 1.0
    moduli = np.sort(np.abs(np.linalg.eigvals(matrix)))[::-1]
    return float(max(0.0, 1.0 - moduli[1]))


def satisfies_detailed_balance(transition_matrix, tolerance: float = 1e-9) -> bool:
    """Whether πᵢPᵢⱼ = πⱼPⱼᵢ for every pair (the chain is reversible).

    >>> satisfies_detailed_balance([[0.5, 0.5, 0], [0.25, 0.5, 0.25], [0, 0.5, 0.5]])
    True
    >>> satisfies_detailed_balance([[0, 1, 0], [0, 0, 1], [1, 0, 0]])     # a one-way cycle
    False

    Planned for Ep56 · 1-foundations.
    """
    tolerance = require_non_negative("tolerance", tolerance)
    stationary = dtmc_stationary(transition_matrix)
    flows = stationary[:, None] * np.asarray(transition_matrix, dtype=float)
    return bool(np.allclose(flows, flows.T, rtol=0, atol=tolerance))


# --- repairable systems ----------------------------------------------------------------


class RepairableSystem:
    """A continuous-time chain whose states are either up or down.

    ``generator`` Q (rates per time unit), ``states`` one label per state, ``up_states``
    the labels of states in which the service works. The first state is the default start.

    >>> service = RepairableSystem(
    ...     [[-0.011, 0.01, 0.001], [0.5, -0.52, 0.02], [1.0, 0.0, -1.0]],
    ...     ["healthy", "degraded", "failed"], up_states=["healthy", "degraded"])
    >>> round(service.availability, 6)
    0.998643

    Planned for Ep56 · 3-strategy.
    """

    def __init__(self, generator, states: Sequence[str], up_states: Iterable[str]):
        self.generator = _rate_matrix(generator)
        if isinstance(states, str | bytes) or not isinstance(states, Sequence):
            raise ValueError("states must be a list of labels, one per state")
        self.states = tuple(str(s) for s in states)
        if len(self.states) != len(self.generator) or len(set(self.states)) != len(self.states):
            raise ValueError(
                f"states must hold {len(self.generator)} distinct labels, one per generator row"
            )
        if isinstance(up_states, str | bytes) or not isinstance(up_states, Iterable):
            raise ValueError("up_states must be a list of labels taken from states")
        up = {str(s) for s in up_states}
        if not up or not up <= set(self.states) or up == set(self.states):
            raise ValueError("up_states must be a non-empty proper subset of states")
        self.up = np.array([s in up for s in self.states])

    def _index(self, initial_state: str | None) -> int:
        if initial_state is None:
            return 0
        if initial_state not in self.states:
            raise ValueError(f"initial_state must be one of {self.states}; got {initial_state!r}")
        return self.states.index(initial_state)

    @property
    def steady_state(self) -> np.ndarray:
        """Long-run fraction of time in each state."""
        return ctmc_steady_state(self.generator)

    @property
    def availability(self) -> float:
        """Steady-state availability: long-run fraction of time in an up state."""
        return float(self.steady_state[self.up].sum())

    def availability_at(self, t, initial_state: str | None = None):
        """P(up at time ``t``), starting in ``initial_state`` (default: the first state)."""
        start = np.zeros(len(self.states))
        start[self._index(initial_state)] = 1.0
        distribution = ctmc_transient(self.generator, start, t)
        return (
            float(distribution[self.up].sum())
            if distribution.ndim == 1
            else distribution[:, self.up].sum(axis=1)
        )

    def mean_time_to_failure(self, initial_state: str | None = None) -> float:
        """Mean time until the first visit to a down state (time units of the rates)."""
        down = np.flatnonzero(~self.up)
        return float(ctmc_mean_hitting_times(self.generator, down)[self._index(initial_state)])


class TwoStateAvailability(RepairableSystem):
    """One unit that fails at ``failure_rate`` λ and is repaired at ``repair_rate`` μ.

    A(t) = μ/(λ+μ) + λ/(λ+μ)·e^(−(λ+μ)t) starting up; steady state μ/(λ+μ).

    >>> unit = TwoStateAvailability(failure_rate=0.001, repair_rate=0.5)   # per hour
    >>> round(unit.availability, 6), round(unit.availability_at(1.0), 6)
    (0.998004, 0.999213)

    Taught in: Ep52 · 1-foundations (derived from its balance equation) and 3-strategy.
    """

    def __init__(self, failure_rate: float, repair_rate: float):
        self.failure_rate = require_positive("failure_rate", failure_rate)
        self.repair_rate = require_positive("repair_rate", repair_rate)
        lam, mu = self.failure_rate, self.repair_rate
        super().__init__([[-lam, lam], [mu, -mu]], ["up", "down"], ["up"])

    def availability_at(self, t, initial_state: str | None = None):
        """A(t) by the closed form (starting up unless ``initial_state="down"``)."""
        start_up = self._index(initial_state) == 0
        lam, mu = self.failure_rate, self.repair_rate
        scalar = array_ndim("t", t) == 0
        times = require_array("t", [t] if scalar else t, non_negative=True)
        decay = np.exp(-(lam + mu) * times)
        values = mu / (lam + mu) + (lam if start_up else -mu) / (lam + mu) * decay
        return float(values[0]) if scalar else values


class ActiveStandby(RepairableSystem):
    """An active unit with one standby and one repair crew.

    States "both up", "one up", "both down". The active unit fails at ``failure_rate``; the
    standby at ``standby_failure_rate`` (0 for a cold standby, = failure_rate for a hot
    one); a switchover succeeds with probability ``switchover_success``, and a failed one
    leaves the service down until a repair completes. One crew repairs at ``repair_rate``.

    >>> pair = ActiveStandby(failure_rate=0.001, repair_rate=0.5)
    >>> round(pair.availability, 9)
    0.999996008

    Taught in: Ep52 · 1-foundations, 2-implementation and 3-strategy.
    """

    def __init__(
        self,
        failure_rate: float,
        repair_rate: float,
        standby_failure_rate: float = 0.0,
        switchover_success: float = 1.0,
    ):
        lam = require_positive("failure_rate", failure_rate)
        mu = require_positive("repair_rate", repair_rate)
        lam_s = require_non_negative("standby_failure_rate", standby_failure_rate)
        c = require_probability("switchover_success", switchover_success)
        self.failure_rate, self.repair_rate = lam, mu
        self.standby_failure_rate, self.switchover_success = lam_s, c
        generator = [
            [-(lam + lam_s), c * lam + lam_s, (1 - c) * lam],
            [mu, -(mu + lam), lam],
            [0.0, mu, -mu],
        ]
        super().__init__(generator, ["both up", "one up", "both down"], ["both up", "one up"])


class RepairableGroup(RepairableSystem):
    """``units`` identical units, of which ``required`` must work, with ``repair_crews`` crews.

    State k = number of failed units (0..units). Every working unit fails at
    ``failure_rate``; failed units wait for one of the crews, each repairing at
    ``repair_rate``. With as many crews as units the units are independent and the
    availability is the k-of-n formula; fewer crews make long outages likelier.

    >>> group = RepairableGroup(units=3, required=2, failure_rate=0.01, repair_rate=1.0)
    >>> round(group.availability, 6)
    0.999412

    Taught in: Ep52 · 1-foundations, 2-implementation and 3-strategy.
    """

    def __init__(
        self,
        units: int,
        required: int,
        failure_rate: float,
        repair_rate: float,
        repair_crews: int = 1,
    ):
        self.units = require_int("units", units, minimum=1, maximum=1000)
        self.required = require_int("required", required, minimum=1, maximum=self.units)
        self.repair_crews = require_int("repair_crews", repair_crews, minimum=1)
        self.failure_rate = require_positive("failure_rate", failure_rate)
        self.repair_rate = require_positive("repair_rate", repair_rate)
        failed = np.arange(self.units)
        births = (self.units - failed) * self.failure_rate
        deaths = np.minimum(failed + 1, self.repair_crews) * self.repair_rate
        labels = [f"{k} failed" for k in range(self.units + 1)]
        allowed = self.units - self.required
        super().__init__(birth_death_generator(births, deaths), labels, labels[: allowed + 1])
        self._births, self._deaths = births, deaths

    @property
    def steady_state(self) -> np.ndarray:
        """Long-run fraction of time with k failed units, k = 0..units (product form)."""
        return birth_death_steady_state(self._births, self._deaths)


def n_plus_one(n: int, failure_rate: float, repair_rate: float) -> RepairableGroup:
    """N + 1 redundancy with one repair crew: n + 1 units, n needed.

    >>> round(n_plus_one(2, 0.01, 1.0).availability, 6)
    0.999412

    Taught in: Ep52 · 1-foundations and 2-implementation.
    """
    n = require_int("n", n, minimum=1, maximum=999)
    return RepairableGroup(n + 1, n, failure_rate, repair_rate, repair_crews=1)

