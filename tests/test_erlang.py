"""Tests for course.queueing.erlang: Erlang B and C against exact arithmetic and a solved Markov chain."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

import course.queueing.erlang
from course.queueing.erlang import erlang_b, erlang_b_table, erlang_c, erlang_c_table


def exact_erlang_b(servers: int, offered_load: Fraction) -> Fraction:
    """Textbook (A^c/c!) / Σ A^k/k!, in exact rational arithmetic."""
    terms = [offered_load**k / math.factorial(k) for k in range(servers + 1)]
    return terms[-1] / sum(terms)


def ctmc_p_wait(arrival_rate, service_rate, servers, states):
    """P(N >= c) from the M/M/c birth–death generator, solved numerically (no Erlang formula)."""
    generator = np.zeros((states, states))
    for n in range(states - 1):
        generator[n, n + 1] = arrival_rate
        generator[n + 1, n] = min(n + 1, servers) * service_rate
    np.fill_diagonal(generator, -generator.sum(axis=1))
    # πQ = 0 with Σπ = 1: replace one balance equation by the normalisation.
    system = generator.T.copy()
    system[-1, :] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    return pi[servers:].sum()


@pytest.mark.parametrize(
    ("servers", "expected"), [(2, 0.711), (4, 0.596), (8, 0.458), (16, 0.305)]
)
def test_erlang_c_at_80_percent_matches_curriculum(servers, expected):
    """At 80 % per-server utilisation, is P(wait) 71.1/59.6/45.8/30.5 % (not 44/23/11/5 %)?"""
    assert erlang_c(servers, 0.8 * servers) == pytest.approx(expected, abs=5e-4)


def test_erlang_c_for_two_servers_matches_closed_form():
    """For c = 2, is C = 2ρ²/(1 + ρ) exactly?"""
    for rho in (0.1, 0.5, 0.8, 0.99):
        assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-13)


@pytest.mark.parametrize("servers", [0, 1, 2, 5, 13, 30])
@pytest.mark.parametrize("load", [Fraction(1, 10), Fraction(3, 2), Fraction(9), Fraction(47, 2)])
def test_erlang_b_matches_exact_factorial_formula(servers, load):
    """Does the recursion agree with A^c/c! / Σ A^k/k! computed in exact fractions?"""
    assert erlang_b(servers, float(load)) == pytest.approx(
        float(exact_erlang_b(servers, load)), rel=1e-12
    )


def test_erlang_b_stays_finite_for_a_thousand_servers():
    """With c = 1000 and A = 950, where A^c overflows a float, is B finite and right?"""
    blocking = erlang_b(1000, 950.0)
    with pytest.raises(OverflowError):
        _ = 950.0**1000  # the naive formula cannot even start
    # Independent: B = Poisson pmf(c) / Poisson cdf(c) with mean A (scipy works in log space).
    assert blocking == pytest.approx(poisson.pmf(1000, 950) / poisson.cdf(1000, 950), rel=1e-9)
    assert 0 < erlang_c(1000, 950.0) < 1


def test_erlang_c_matches_solved_markov_chain_for_random_parameters():
    """Does Erlang C equal P(N >= c) of the numerically solved M/M/c chain?"""
    rng = np.random.default_rng(20240551)
    for _ in range(25):
        servers = int(rng.integers(1, 21))
        rho = float(rng.uniform(0.05, 0.95))
        service_rate = float(rng.uniform(0.2, 5.0))
        arrival_rate = rho * servers * service_rate
        # Truncate where the geometric tail ρ^(N - c) is far below double precision.
        states = servers + int(math.log(1e-18) / math.log(rho)) + 2
        expected = ctmc_p_wait(arrival_rate, service_rate, servers, states)
        assert erlang_c(servers, arrival_rate / service_rate) == pytest.approx(expected, rel=1e-9)


def test_arrays_agree_with_scalars():
    """Does the vectorised sweep give the scalar answer in every cell of a ragged grid?"""
    servers = np.array([1, 3, 10, 60])
    loads = np.array([[0.05], [0.5], [0.97]]) * servers
    blocking = erlang_b(servers, loads)
    waiting = erlang_c(servers, loads)
    assert blocking.shape == waiting.shape == (3, 4)
    for i in range(3):
        for j, count in enumerate(servers):
            assert blocking[i, j] == pytest.approx(erlang_b(int(count), loads[i, j]), rel=1e-14)
            assert waiting[i, j] == pytest.approx(erlang_c(int(count), loads[i, j]), rel=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=200),
    # Below ρ ≈ 0.1 with 200 servers B drops under 1e-300, into subnormal floats.
    rho=st.floats(min_value=0.1, max_value=0.99),
)
def test_probabilities_are_ordered(servers, rho):
    """Is 0 < B < C < 1, and does one more server lower B?"""
    load = rho * servers
    blocking, waiting = erlang_b(servers, load), erlang_c(servers, load)
    assert 0 < blocking < waiting < 1
    assert erlang_b(servers + 1, load) < blocking


def test_zero_load_never_blocks_or_waits():
    """With no traffic, are B and C zero (and B(0, A) = 1: no lines, everyone lost)?"""
    assert erlang_b(5, 0.0) == 0.0
    assert erlang_c(5, 0.0) == 0.0
    assert erlang_b(0, 3.0) == 1.0


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: erlang_c(4, 4.0), "utilization"),
        (lambda: erlang_c(4, 5.0), "stable"),
        (lambda: erlang_c(0, 0.5), "servers"),
        (lambda: erlang_b(-1, 1.0), "servers"),
        (lambda: erlang_b(2.5, 1.0), "servers"),
        (lambda: erlang_b(3, -1.0), "offered_load"),
        (lambda: erlang_b(3, math.nan), "offered_load"),
        (lambda: erlang_c([2, 3], [1.0, 3.5]), "stable"),
        (lambda: erlang_b([2, -1], 1.0), "servers"),
        (lambda: erlang_b([2, 3], [1.0, -2.0]), "offered_load"),
        (lambda: erlang_b(["a"], 1.0), "servers"),
        (lambda: erlang_b(course.queueing.erlang.MAX_SERVERS + 1, 1.0), "servers"),  # would hang
        (lambda: erlang_b_table(-1, 1.0), "max_servers"),
        (lambda: erlang_b_table(3, -1.0), "offered_load"),
        (lambda: erlang_c_table(3, math.inf), "offered_load"),
    ],
)
def test_bad_input_names_the_parameter(call, fragment):
    """Does bad input raise a ValueError saying what is wrong?"""
    with pytest.raises(ValueError, match=fragment):
        call()


@pytest.mark.parametrize("load", [0.0, 0.5, 9.0, 37.25, 180.0])
def test_tables_hold_the_scalar_values_for_every_server_count(load):
    """Is entry c of erlang_b_table / erlang_c_table exactly erlang_b(c) / erlang_c(c)?"""
    blocking, waiting = erlang_b_table(200, load), erlang_c_table(200, load)
    assert blocking.shape == waiting.shape == (201,)
    for servers in range(201):
        assert blocking[servers] == erlang_b(servers, load)
        if servers > load:
            assert waiting[servers] == erlang_c(servers, load)
        else:  # no steady state: every arrival eventually waits
            assert waiting[servers] == 1.0


def test_tables_match_exact_arithmetic():
    """Does the Erlang B table agree with the exact factorial formula at every c?"""
    table = erlang_b_table(25, 7.5)
    for servers in range(26):
        assert table[servers] == pytest.approx(float(exact_erlang_b(servers, Fraction(15, 2))),
                                               rel=1e-12)
