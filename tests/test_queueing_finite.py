"""Tests for course.queueing.finite: M/M/1/K, M/M/c/K and M/M/∞."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson

from course.queueing.erlang import erlang_b
from course.queueing.finite import mm1k, mmck, mminf
from course.queueing.markovian import mmc


def ctmc_state_probabilities(arrival_rate, service_rate, servers, capacity):
    """Stationary distribution of the M/M/c/K generator, solved numerically."""
    states = capacity + 1
    generator = np.zeros((states, states))
    for n in range(capacity):
        generator[n, n + 1] = arrival_rate
        generator[n + 1, n] = min(n + 1, servers) * service_rate
    np.fill_diagonal(generator, -generator.sum(axis=1))
    system = generator.T.copy()
    system[-1, :] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    return np.linalg.solve(system, rhs)


@pytest.mark.parametrize("rho", [0.3, 0.9, 1.0, 1.7, 4.0])
@pytest.mark.parametrize("capacity", [1, 5, 30])
def test_mm1k_matches_textbook_closed_form(rho, capacity):
    """Are P_n = (1 − ρ)ρⁿ/(1 − ρ^{K+1}) (1/(K + 1) at ρ = 1) and L as in the textbook?"""
    model = mm1k(rho * 3.0, 3.0, capacity)
    n = np.arange(capacity + 1)
    if rho == 1.0:
        expected = np.full(capacity + 1, 1 / (capacity + 1))
        mean = capacity / 2
    else:
        expected = (1 - rho) * rho**n / (1 - rho ** (capacity + 1))
        mean = rho / (1 - rho) - (capacity + 1) * rho ** (capacity + 1) / (
            1 - rho ** (capacity + 1)
        )
    np.testing.assert_allclose(model.state_probabilities, expected, rtol=1e-11, atol=1e-300)
    assert model.blocking_probability == pytest.approx(expected[-1], rel=1e-11)
    assert model.l == pytest.approx(mean, rel=1e-10)


def test_mmck_matches_solved_markov_chain():
    """Does M/M/c/K equal the numerically solved chain for random parameters, loads up to 3?"""
    rng = np.random.default_rng(5151)
    for _ in range(20):
        servers = int(rng.integers(1, 12))
        capacity = servers + int(rng.integers(0, 40))
        service_rate = float(rng.uniform(0.5, 3))
        arrival_rate = float(rng.uniform(0.1, 3.0)) * servers * service_rate
        model = mmck(arrival_rate, service_rate, servers, capacity)
        expected = ctmc_state_probabilities(arrival_rate, service_rate, servers, capacity)
        np.testing.assert_allclose(model.state_probabilities, expected, rtol=1e-8, atol=1e-15)


def test_loss_system_blocking_is_erlang_b():
    """With capacity = servers (no waiting room), is the blocking probability Erlang B?"""
    for servers, load in [(1, 0.5), (10, 9.0), (50, 60.0), (200, 180.0)]:
        model = mmck(load, 1.0, servers, servers)
        assert model.blocking_probability == pytest.approx(erlang_b(servers, load), rel=1e-10)
        assert model.wq == 0.0 and model.lq == 0.0


def test_huge_buffer_approaches_infinite_queue():
    """As K grows, do M/M/c/K numbers converge to M/M/c?"""
    finite, infinite = mmck(9.0, 1.0, 10, 2_000), mmc(9.0, 1.0, 10)
    assert finite.blocking_probability < 1e-80
    for name in ("l", "lq", "w", "wq", "p_wait", "utilization"):
        assert getattr(finite, name) == pytest.approx(getattr(infinite, name), rel=1e-10), name


def test_overload_is_finite_and_conserves_flow():
    """At λ = 3cμ, is throughput = μ·E[busy servers] < cμ, and do Little's laws hold?"""
    model = mmck(30.0, 1.0, 10, 50)
    busy = np.minimum(np.arange(51), 10) @ model.state_probabilities
    assert model.throughput == pytest.approx(1.0 * busy, rel=1e-12)
    assert model.throughput <= 10.0 * (1 + 1e-12)  # capped by cμ (up to rounding)
    assert model.blocking_probability == pytest.approx(1 - model.throughput / 30.0)
    assert model.loss_rate + model.throughput == pytest.approx(30.0)
    assert model.l == pytest.approx(model.effective_arrival_rate * model.w)
    assert model.lq == pytest.approx(model.effective_arrival_rate * model.wq)
    assert model.w - model.wq == pytest.approx(1.0)
    assert 0.99 < model.utilization <= 1 + 1e-12


def test_extreme_overload_does_not_overflow():
    """With a huge load and a long buffer, are the probabilities still finite and normalised?"""
    model = mmck(1e6, 1.0, 1, 5_000)
    assert np.isfinite(model.state_probabilities).all()
    assert model.state_probabilities.sum() == pytest.approx(1.0)
    assert model.blocking_probability == pytest.approx(1 - 1e-6, rel=1e-9)


def test_admitted_customers_wait_sensibly_when_nearly_all_are_blocked():
    """At a load of 10¹², does an admitted customer wait (K − c)/(cμ): it always finds K − 1?"""
    model = mmck(1e12, 1.0, 2, 10)
    assert model.blocking_probability == pytest.approx(1.0)
    assert model.wq == pytest.approx(8 / 2, rel=1e-9)
    assert model.p_wait == pytest.approx(1.0)
    assert model.throughput == pytest.approx(2.0, rel=1e-9)  # both servers always busy
    assert mmck(9e6, 1e-9, 1, 1).p_wait == 0.0  # no waiting room: nobody admitted waits


def test_no_arrivals_means_an_empty_system():
    """With λ = 0, is the system empty and the response time just the service time?"""
    model = mm1k(0.0, 2.0, 3)
    assert model.l == 0 and model.blocking_probability == 0 and model.w == pytest.approx(0.5)


def test_mminf_is_poisson():
    """Is the number in an M/M/∞ system Poisson with mean A, and nobody waits?"""
    model = mminf(30.0, 0.5)
    n = np.arange(200)
    np.testing.assert_allclose(model.number_in_system_pmf(n), poisson.pmf(n, 60.0), rtol=1e-10)
    assert model.l == 60.0 and model.w == 2.0 and model.wq == 0.0 and model.lq == 0.0
    assert model.servers == math.inf
    big = mminf(1e5, 1.0)  # e^{−A}Aⁿ/n! with A = 10⁵ underflows if computed naively
    assert big.number_in_system_pmf(100_000) == pytest.approx(poisson.pmf(100_000, 1e5))


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: mmck(1.0, 1.0, 3, 2), "capacity"),
        (lambda: mm1k(1.0, 1.0, 0), "capacity"),
        (lambda: mmck(1.0, 0.0, 1, 2), "service_rate"),
        (lambda: mmck(-1.0, 1.0, 1, 2), "arrival_rate"),
        (lambda: mmck(1.0, 1.0, 0, 2), "servers"),
        (lambda: mminf(1.0, -1.0), "service_rate"),
        (lambda: mminf(1.0, 1.0).number_in_system_pmf(-1), "n"),
    ],
)
def test_bad_input_names_the_parameter(call, fragment):
    """Does bad input raise a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=fragment):
        call()
