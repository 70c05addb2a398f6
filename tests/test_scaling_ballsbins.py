"""Balls into bins and the supermarket model: do simulation and formulas say what Ep18 teaches?"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course.scaling.ballsbins import (
    bin_loads,
    d_choice_formula,
    max_load,
    max_load_table,
    one_choice_formula,
)
from course.scaling.supermarket import queue_tails, supermarket_time


def test_every_ball_lands_in_a_bin():
    """Do n balls give loads summing to n, for 1 to 4 choices?"""
    for d in (1, 2, 3, 4):
        loads = bin_loads(5000, d, seed=4)
        assert loads.sum() == 5000 and loads.size == 5000 and loads.min() >= 0


def test_two_choices_join_the_less_loaded_bin():
    """With two bins and two choices each, does every ball keep the loads within 1 of each other?"""
    loads = bin_loads(2, 2, seed=0, balls=2)
    assert sorted(loads.tolist()) in ([1, 1], [0, 2])   # (0, 0) choices may pick one bin twice
    many = bin_loads(50, 2, seed=1)
    assert many.max() <= 3


def test_the_numbers_of_the_text_at_a_million_bins():
    """At n = 10⁶: one choice gives 8–11 (most often 9), two choices 4; formulas 5.26 and 3.79."""
    one = [max_load(10**6, 1, seed) for seed in range(8)]
    two = [max_load(10**6, 2, seed) for seed in range(3)]
    assert all(8 <= m <= 11 for m in one) and np.median(one) >= 8.5
    assert two == [4, 4, 4]
    assert round(one_choice_formula(10**6), 2) == 5.26 and round(d_choice_formula(10**6, 2), 2) == 3.79


def test_formulas_match_their_definitions():
    n = 12345
    assert one_choice_formula(n) == pytest.approx(math.log(n) / math.log(math.log(n)), rel=1e-15)
    assert d_choice_formula(n, 3) == pytest.approx(math.log(math.log(n)) / math.log(3), rel=1e-15)


def test_seeded_runs_repeat_and_differ_by_seed():
    assert np.array_equal(bin_loads(1000, 2, seed=9), bin_loads(1000, 2, seed=9))
    assert not np.array_equal(bin_loads(1000, 1, seed=9), bin_loads(1000, 1, seed=10))


def test_table_is_tidy():
    rows = max_load_table([100, 1000], choices=(1, 2), seeds=[0, 1])
    assert len(rows) == 8 and {r["choices"] for r in rows} == {1, 2}


@pytest.mark.parametrize("call, name", [
    (lambda: bin_loads(1, 1), "bins"), (lambda: bin_loads(100, 0), "choices"),
    (lambda: one_choice_formula(10), "bins"), (lambda: d_choice_formula(100, 1), "choices"),
    (lambda: supermarket_time(1.0), "arrival_rate"), (lambda: queue_tails(0.5, 2, 0), "levels"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_supermarket_random_is_mm1_and_two_choices_is_about_2_6():
    """Is d = 1 the M/M/1 time 1/(1 − λ), and d = 2 at λ = 0.9 2.61 service times?"""
    for lam in (0.1, 0.5, 0.9, 0.99):
        assert supermarket_time(lam, 1) == pytest.approx(1 / (1 - lam), rel=1e-12)
        assert queue_tails(lam, 1, 5000).sum() / lam == pytest.approx(1 / (1 - lam), rel=1e-6)
    assert round(supermarket_time(0.9, 2), 2) == 2.61
    assert supermarket_time(0.9, 3) < supermarket_time(0.9, 2) < supermarket_time(0.9, 1)


def test_supermarket_tails_by_hand():
    """s_i = λ^(2^i − 1) for d = 2: 0.9, 0.9³, 0.9⁷."""
    assert queue_tails(0.9, 2, 3) == pytest.approx([0.9, 0.9**3, 0.9**7], rel=1e-14)
