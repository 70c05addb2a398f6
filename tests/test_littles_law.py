"""Tests for course.queueing.littles_law: L = λW, pool sizing and float-safe ceilings."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import course.queueing.littles_law
from course.queueing.littles_law import ceil_count, concurrency, pool_size, solve


def test_curriculum_worked_checks():
    """1000 req/s × 0.2 s = 200; 3000/s × 30 ms = 90; 12,000/min × 10 ms = 2 (not 20)?"""
    assert concurrency(1000, 0.2) == pytest.approx(200)
    assert concurrency(3000, 0.030) == pytest.approx(90)
    assert concurrency(12_000 / 60, 0.010) == pytest.approx(2)


def test_pool_size_rounds_up_without_float_noise():
    """Is 200 concurrent at 80 % = 250 threads, and 10/0.9 = 12 servers (not 11)?"""
    assert pool_size(1000, 0.2, target_utilization=0.8) == 250
    assert pool_size(10, 1.0, target_utilization=0.9) == 12
    assert pool_size(1000, 0.2, target_utilization=1.0) == 200


@pytest.mark.parametrize(
    ("arrival_rate", "time_in_system", "target", "expected"),
    [(100, 0.07, 0.7, 10), (1200, 0.07, 0.8, 105), (500, 0.7, 0.7, 500), (300, 0.07, 0.6, 35)],
)
def test_pool_size_ignores_binary_rounding_noise(arrival_rate, time_in_system, target, expected):
    """Where λW/target lands a hair above a whole number in floating point, is it not bumped?"""
    noisy = arrival_rate * time_in_system / target
    assert math.ceil(noisy) == expected + 1  # the trap is real: e.g. 100 × 0.07 / 0.7 = 10.000000000000002
    assert pool_size(arrival_rate, time_in_system, target) == expected


def test_ceiling_keeps_genuine_fractions():
    """Does a real fraction above a whole number still round up (250.001 → 251)?"""
    assert ceil_count(250.001) == 251
    assert ceil_count(250.000001) == 251
    assert ceil_count(250.0000000001) == 250  # below 9 significant digits: noise
    assert ceil_count(1e-7) == 1
    assert ceil_count(0.0) == 0
    assert ceil_count(7.0) == 7


def test_solve_each_direction():
    """Given any two of L, λ, W, is the third the one L = λW demands?"""
    assert solve(arrival_rate=1000, W=0.2) == course.queueing.littles_law.LittlesLaw(200.0, 1000.0, 0.2)
    assert solve(L=200, arrival_rate=1000).W == pytest.approx(0.2)
    assert solve(L=200, W=0.2).arrival_rate == pytest.approx(1000)


@given(
    arrival_rate=st.floats(min_value=1e-6, max_value=1e6),
    time_in_system=st.floats(min_value=1e-6, max_value=1e6),
)
def test_round_trip(arrival_rate, time_in_system):
    """Does solving back from any two results return the third input?"""
    result = solve(arrival_rate=arrival_rate, W=time_in_system)
    assert solve(L=result.L, W=time_in_system).arrival_rate == pytest.approx(arrival_rate)
    assert solve(L=result.L, arrival_rate=arrival_rate).W == pytest.approx(time_in_system)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"L": 1, "arrival_rate": 2, "W": 3}, "all three"),
        ({"L": 1}, "missing arrival_rate and W"),
        ({}, "missing L and arrival_rate and W"),
        ({"L": 1, "arrival_rate": 0}, "arrival_rate"),
        ({"L": 1, "W": 0}, "W must be > 0"),
        ({"arrival_rate": -1, "W": 1}, "arrival_rate"),
        ({"arrival_rate": 1, "W": math.inf}, "W"),
        ({"L": -2, "W": 1}, "L"),
        ({"arrival_rate": 1e6, "W": 1e308}, "L overflows"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, fragment):
    """Does a wrong combination or value raise a ValueError naming what to fix?"""
    with pytest.raises(ValueError, match=fragment):
        solve(**kwargs)


@pytest.mark.parametrize("target", [0, -0.5, 1.2, math.nan])
def test_pool_size_rejects_targets_outside_zero_one(target):
    """Is a target utilisation outside (0, 1] refused?"""
    with pytest.raises(ValueError, match="target_utilization"):
        pool_size(100, 0.1, target)


def test_result_is_frozen():
    """Can a solved result be altered afterwards (it must not)?"""
    with pytest.raises(dataclasses.FrozenInstanceError):
        solve(L=1, W=1).L = 2
