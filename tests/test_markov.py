"""Tests for course.reliability.markov: stationary laws, transient solutions, hitting times, repairable systems."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from course.reliability.availability import k_of_n
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


def random_stochastic(rng, n):
    matrix = rng.uniform(0.01, 1.0, size=(n, n))
    return matrix / matrix.sum(axis=1, keepdims=True)


def random_walk(n, up=0.5):
    """Walk on 0..n with absorbing ends, stepping up with probability ``up``."""
    matrix = np.zeros((n + 1, n + 1))
    matrix[0, 0] = matrix[n, n] = 1.0
    for i in range(1, n):
        matrix[i, i + 1], matrix[i, i - 1] = up, 1 - up
    return matrix


def test_two_state_dtmc_stationary_closed_form():
    """Is π = (b, a)/(a + b) for the chain that leaves state 0 w.p. a and state 1 w.p. b?"""
    a, b = 0.3, 0.05
    assert np.allclose(dtmc_stationary([[1 - a, a], [b, 1 - b]]), [b / (a + b), a / (a + b)])


def test_stationary_is_the_left_eigenvector_for_random_chains():
    """For random 6-state chains, does π match the eigenvalue-1 left eigenvector?"""
    rng = np.random.default_rng(56)
    for _ in range(10):
        matrix = random_stochastic(rng, 6)
        values, vectors = np.linalg.eig(matrix.T)
        vector = np.real(vectors[:, np.argmin(np.abs(values - 1))])
        pi = dtmc_stationary(matrix)
        assert np.allclose(pi, vector / vector.sum(), atol=1e-12)
        assert np.allclose(pi @ matrix, pi, atol=1e-14)


def test_rows_that_do_not_sum_to_one_are_refused():
    """Does a row summing to 0.99 raise a ValueError naming the row?"""
    with pytest.raises(ValueError, match="transition_matrix rows must sum to 1.*row 1"):
        dtmc_stationary([[0.5, 0.5], [0.5, 0.49]])
    with pytest.raises(ValueError, match="generator rows must sum to 0"):
        ctmc_steady_state([[-1.0, 1.0], [1.0, -2.0]])
    with pytest.raises(ValueError, match="square"):
        dtmc_stationary([[1.0, 0.0]])


def test_reducible_chains_have_no_unique_stationary_distribution():
    """Are two closed classes reported instead of returning one arbitrary π?"""
    with pytest.raises(ValueError, match="reducible"):
        dtmc_stationary(np.eye(2))
    with pytest.raises(ValueError, match="reducible"):
        ctmc_steady_state(np.zeros((3, 3)))


def test_ctmc_transient_matches_two_state_closed_form_and_tends_to_steady_state():
    """Is P(up at t) = μ/(λ+μ) + λ/(λ+μ)e^(−(λ+μ)t), and p(t) → π for large t?"""
    lam, mu = 0.2, 3.0
    generator = [[-lam, lam], [mu, -mu]]
    times = np.array([0.0, 0.1, 0.5, 2.0])
    expected = mu / (lam + mu) + lam / (lam + mu) * np.exp(-(lam + mu) * times)
    assert np.allclose(ctmc_transient(generator, [1, 0], times)[:, 0], expected, rtol=1e-12)
    assert np.allclose(ctmc_transient(generator, [0, 1], 50.0), ctmc_steady_state(generator))


def test_ctmc_transient_agrees_with_an_ode_solver():
    """On a 3-state chain, does e^(Qt) agree with integrating dp/dt = pQ numerically?"""
    generator = np.array([[-0.3, 0.2, 0.1], [0.5, -0.9, 0.4], [1.0, 0.0, -1.0]])
    solution = integrate.solve_ivp(
        lambda _, p: p @ generator, (0, 4.0), [0.0, 1.0, 0.0], rtol=1e-11, atol=1e-13
    )
    assert np.allclose(ctmc_transient(generator, [0, 1, 0], 4.0), solution.y[:, -1], atol=1e-9)


def test_birth_death_with_constant_rates_is_geometric():
    """Does a long M/M/1 chain give πₙ = (1 − ρ)ρⁿ, and a short one the M/M/1/K law?"""
    rho = 0.7
    long_chain = birth_death_steady_state([0.7] * 200, [1.0] * 200)
    assert np.allclose(long_chain[:20], (1 - rho) * rho ** np.arange(20), rtol=1e-12)
    k = 4
    short = birth_death_steady_state([0.7] * k, [1.0] * k)
    assert np.allclose(short, (1 - rho) * rho ** np.arange(k + 1) / (1 - rho ** (k + 1)))


def test_birth_death_erlang_loss_system_gives_erlang_b():
    """Is the blocking state of M/M/3/3 at offered load 2 the Erlang B value 0.2105?"""
    pi = birth_death_steady_state([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    erlang_b = (2**3 / 6) / (1 + 2 + 2**2 / 2 + 2**3 / 6)
    assert pi[-1] == pytest.approx(erlang_b, rel=1e-14)
    assert round(pi[-1], 4) == 0.2105


def test_birth_death_product_form_equals_solving_the_generator():
    """Does the product form agree with the general CTMC solver on random rates?"""
    rng = np.random.default_rng(5)
    births, deaths = rng.uniform(0.1, 5, 8), rng.uniform(0.1, 5, 8)
    assert np.allclose(
        birth_death_steady_state(births, deaths),
        ctmc_steady_state(birth_death_generator(births, deaths)),
        atol=1e-13,
    )


def test_birth_death_handles_long_chains_without_overflow():
    """With 2,000 states and ratio 3, is the result finite and piled at the top?"""
    pi = birth_death_steady_state([3.0] * 2000, [1.0] * 2000)
    assert np.all(np.isfinite(pi)) and pi[-1] == pytest.approx(2 / 3, rel=1e-12)


def test_mismatched_birth_and_death_lengths_are_refused():
    """Do rates of different lengths raise a ValueError naming both?"""
    with pytest.raises(ValueError, match="birth_rates and death_rates"):
        birth_death_steady_state([1, 1], [1])


def test_fair_gamblers_ruin_duration_and_win_probability():
    """From k on 0..N, is the mean duration k(N − k) and P(reach N) = k/N?"""
    n = 10
    walk = random_walk(n)
    durations = mean_hitting_times(walk, [0, n])
    assert np.allclose(durations, [k * (n - k) for k in range(n + 1)])
    win = absorption_probabilities(walk, [0, n])[:, 1]
    assert np.allclose(win, np.arange(n + 1) / n)


def test_biased_gamblers_ruin_win_probability():
    """With p = 0.45, is P(reach N from k) = (1 − r^k)/(1 − r^N), r = q/p?"""
    n, p = 8, 0.45
    r = (1 - p) / p
    win = absorption_probabilities(random_walk(n, p), [0, n])[:, 1]
    assert np.allclose(win, [(1 - r**k) / (1 - r**n) for k in range(n + 1)])


def test_unreachable_targets_give_infinite_hitting_times():
    """From a state that can wander into a trap, is the mean time to the target infinite?"""
    chain = [[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    times = mean_hitting_times(chain, [2])
    assert times[2] == 0 and math.isinf(times[0]) and math.isinf(times[1])


def test_ctmc_hitting_time_of_a_pure_birth_chain_sums_holding_times():
    """With rates 1, 2, 3 onwards, is the mean time from 0 to 3 equal to 1 + 1/2 + 1/3?"""
    generator = np.array([[-1.0, 1, 0, 0], [0, -2.0, 2, 0], [0, 0, -3.0, 3], [0, 0, 0, 0]])
    times = ctmc_mean_hitting_times(generator, [3])
    assert np.allclose(times, [1 + 1 / 2 + 1 / 3, 1 / 2 + 1 / 3, 1 / 3, 0.0], rtol=1e-14)
    trap = np.array([[-2.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert math.isinf(ctmc_mean_hitting_times(trap, [2])[0])


def test_mean_return_time_is_one_over_pi_and_matches_hitting_times():
    """Is the mean return time 1/πⱼ, and equal to 1 + Σ P[j,k]·(time from k to j)?"""
    rng = np.random.default_rng(8)
    matrix = random_stochastic(rng, 5)
    returns = mean_return_times(matrix)
    assert np.allclose(returns, 1 / dtmc_stationary(matrix))
    for j in range(5):
        assert returns[j] == pytest.approx(1 + matrix[j] @ mean_hitting_times(matrix, [j]), rel=1e-10)


def test_spectral_gap_of_two_state_chain_and_periodic_chain():
    """Is the gap 1 − |1 − a − b| for two states, and 0 for a periodic chain?"""
    assert spectral_gap([[0.7, 0.3], [0.1, 0.9]]) == pytest.approx(1 - 0.6)
    assert spectral_gap([[0, 1], [1, 0]]) == pytest.approx(0.0, abs=1e-12)


def test_faster_mixing_chain_has_bigger_gap_and_forgets_its_start_sooner():
    """Does a larger gap mean a smaller distance to stationarity after 10 steps?"""
    slow, fast = np.array([[0.95, 0.05], [0.05, 0.95]]), np.array([[0.6, 0.4], [0.4, 0.6]])
    assert spectral_gap(fast) > spectral_gap(slow)

    def distance(matrix):
        return np.abs(np.linalg.matrix_power(matrix, 10)[0] - dtmc_stationary(matrix)).sum()

    assert distance(fast) < distance(slow)


def test_detailed_balance_holds_for_birth_death_and_fails_for_a_cycle():
    """Is a random walk reversible, and a one-way cycle not?"""
    walk = [[0.5, 0.5, 0, 0], [0.3, 0.2, 0.5, 0], [0, 0.3, 0.2, 0.5], [0, 0, 0.6, 0.4]]
    assert satisfies_detailed_balance(walk)
    assert not satisfies_detailed_balance([[0.1, 0.9, 0], [0, 0.1, 0.9], [0.9, 0, 0.1]])


def test_two_state_availability_closed_form_matches_the_generic_chain():
    """Does the closed form A(t) agree with the generator solved by e^(Qt)?"""
    unit = TwoStateAvailability(0.01, 0.25)
    generic = RepairableSystem(unit.generator, ["up", "down"], ["up"])
    for t in (0.0, 1.0, 7.5, 100.0):
        assert unit.availability_at(t) == pytest.approx(generic.availability_at(t), rel=1e-12)
        assert unit.availability_at(t, "down") == pytest.approx(
            generic.availability_at(t, "down"), rel=1e-10
        )
    assert unit.availability == pytest.approx(0.25 / 0.26, rel=1e-14)
    assert unit.mean_time_to_failure() == pytest.approx(100.0)


def test_parallel_pair_with_one_crew_has_the_textbook_mttf():
    """Is the MTTF of two active units with one repair crew (3λ + μ)/(2λ²)?"""
    lam, mu = 0.01, 0.5
    pair = RepairableGroup(units=2, required=1, failure_rate=lam, repair_rate=mu)
    assert pair.mean_time_to_failure() == pytest.approx((3 * lam + mu) / (2 * lam**2), rel=1e-12)


def test_hot_standby_with_perfect_switchover_is_a_one_of_two_group():
    """Is a hot standby (standby fails like the active) the same as 1-of-2 with one crew?"""
    lam, mu = 0.02, 0.4
    hot = ActiveStandby(lam, mu, standby_failure_rate=lam)
    group = RepairableGroup(2, 1, lam, mu)
    assert hot.availability == pytest.approx(group.availability, rel=1e-13)


def test_cold_standby_closed_form_and_imperfect_switchover_costs_availability():
    """Is cold-standby unavailability ρ²/(1 + ρ + ρ²), and ((1−c)ρ + ρ²)/(1 + ρ + (1−c)ρ + ρ²)
    when a switchover fails with probability 1 − c (balance across the cut {both up} | rest)?"""
    lam, mu = 0.01, 0.5
    rho = lam / mu
    cold = ActiveStandby(lam, mu)
    assert 1 - cold.availability == pytest.approx(rho**2 / (1 + rho + rho**2), rel=1e-10)
    c = 0.9
    shaky = ActiveStandby(lam, mu, switchover_success=c)
    down = (1 - c) * rho + rho**2
    assert 1 - shaky.availability == pytest.approx(down / (1 + rho + down), rel=1e-10)
    assert 1 - shaky.availability > 5 * (1 - cold.availability)


def test_group_with_a_crew_per_unit_is_the_independent_k_of_n_formula():
    """With as many crews as units, is availability the binomial k-of-n of μ/(λ+μ)?"""
    lam, mu = 0.05, 0.8
    group = RepairableGroup(5, 3, lam, mu, repair_crews=5)
    assert group.availability == pytest.approx(k_of_n(3, 5, mu / (lam + mu)), rel=1e-13)
    assert RepairableGroup(5, 3, lam, mu, repair_crews=1).availability < group.availability


def test_n_plus_one_is_a_group_with_one_spare():
    """Is N+1 the (N+1)-unit group needing N, and its steady state the generator's?"""
    system = n_plus_one(4, 0.01, 1.0)
    assert (system.units, system.required, system.repair_crews) == (5, 4, 1)
    assert np.allclose(system.steady_state, ctmc_steady_state(system.generator), atol=1e-14)


def test_repairable_system_rejects_inconsistent_labels():
    """Do mismatched state labels or an all-up system raise a ValueError?"""
    generator = [[-1.0, 1.0], [1.0, -1.0]]
    with pytest.raises(ValueError, match="states"):
        RepairableSystem(generator, ["a"], ["a"])
    with pytest.raises(ValueError, match="up_states"):
        RepairableSystem(generator, ["a", "b"], ["a", "b"])
    with pytest.raises(ValueError, match="initial_state"):
        RepairableSystem(generator, ["a", "b"], ["a"]).availability_at(1.0, "c")
