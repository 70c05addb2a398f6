"""Tests for course.reliability.availability: compositions, nines, downtime, budgets, MTTF/MTTR."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import numpy as np
import pytest

from course.reliability.availability import (
    Component,
    KofN,
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

MINUTE = timedelta(minutes=1)
YEAR = timedelta(days=365)
MONTH = timedelta(days=30)


def brute_force_at_least(k, availabilities):
    """P(at least k parts up) by enumerating every up/down pattern."""
    total = 0.0
    for pattern in itertools.product([0, 1], repeat=len(availabilities)):
        if sum(pattern) >= k:
            total += math.prod(a if up else 1 - a for a, up in zip(availabilities, pattern))
    return total


@pytest.mark.parametrize(
    ("availability", "minutes_per_year", "minutes_per_month"),
    [(0.99, 5256, 432), (0.999, 525.6, 43.2), (0.9999, 52.56, 4.32), (0.99999, 5.256, 0.432)],
)
def test_downtime_per_nines_matches_the_table(availability, minutes_per_year, minutes_per_month):
    """Does each number of nines allow the downtime of the standard table (525,600 min/yr)?"""
    assert downtime(availability) / MINUTE == pytest.approx(minutes_per_year, rel=1e-12)
    assert downtime(availability, MONTH) / MINUTE == pytest.approx(minutes_per_month, rel=1e-12)


def test_three_nines_is_eight_point_seven_six_hours_and_five_nines_about_26_seconds_a_month():
    """Are the headline conversions exact: 8.76 h a year, 25.92 s a 30-day month?"""
    assert downtime(0.999) == timedelta(hours=8.76)
    assert downtime(0.99999, MONTH) == timedelta(seconds=25.92)
    assert round(downtime(0.99999) / MINUTE, 2) == 5.26


def test_availability_from_downtime_inverts_downtime():
    """Does converting an allowed downtime back give the availability we started from?"""
    for a in (0.9, 0.99, 0.9995, 0.99999):
        assert availability_from_downtime(downtime(a)) == pytest.approx(a, abs=1e-15)


def test_nines_counts_decimal_nines():
    """Is 0.999 exactly three nines and 0.9995 about 3.3, and perfect availability infinite?"""
    assert nines(0.999) == 3.0
    assert nines(0.99999) == 5.0
    assert nines(0.9995) == pytest.approx(3.30103, abs=1e-5)
    assert nines(1.0) == math.inf
    assert nines(0.0) == 0.0


def test_series_of_five_three_nines_parts_is_99_50_percent():
    """Does 0.999⁵ give 99.50 % and the product for mixed parts?"""
    assert round(100 * series([0.999] * 5), 2) == 99.50
    assert series([0.9, 0.8, 0.5]) == pytest.approx(0.36)


def test_parallel_matches_enumeration():
    """Is 'any one suffices' the same as at-least-1-of-n by enumeration?"""
    parts = [0.9, 0.75, 0.99, 0.5]
    assert parallel(parts) == pytest.approx(brute_force_at_least(1, parts), abs=1e-15)
    assert parallel([0.99, 0.99]) == pytest.approx(0.9999, abs=1e-15)


def test_three_of_five_at_95_percent():
    """Is a 3-of-5 quorum of 95 % nodes up 0.998841875 of the time (hand-summed binomial)?"""
    by_hand = 10 * 0.95**3 * 0.05**2 + 5 * 0.95**4 * 0.05 + 0.95**5
    assert by_hand == pytest.approx(0.998841875, abs=1e-15)
    assert k_of_n(3, 5, 0.95) == pytest.approx(by_hand, rel=1e-14)
    assert round(k_of_n(3, 5, 0.95), 5) == 0.99884


def test_k_of_n_edge_cases_reduce_to_series_and_parallel():
    """Is n-of-n a series system and 1-of-n a parallel one?"""
    assert k_of_n(4, 4, 0.9) == pytest.approx(series([0.9] * 4), rel=1e-14)
    assert k_of_n(1, 4, 0.9) == pytest.approx(parallel([0.9] * 4), rel=1e-14)


def test_heterogeneous_k_of_n_matches_enumeration():
    """Does the count recursion agree with enumerating all 2ⁿ patterns for random parts?"""
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(1, 9))
        parts = list(rng.uniform(0.5, 1.0, size=n))
        k = int(rng.integers(1, n + 1))
        assert k_of_n_heterogeneous(k, parts) == pytest.approx(
            brute_force_at_least(k, parts), abs=1e-14
        )


def test_heterogeneous_k_of_n_with_identical_parts_is_binomial():
    """With identical parts, does the heterogeneous formula equal the binomial one?"""
    assert k_of_n_heterogeneous(7, [0.97] * 12) == pytest.approx(k_of_n(7, 12, 0.97), rel=1e-13)


def test_nested_tree_composes_like_the_formulas():
    """Does a series of (parallel replicas, quorum, component) equal the nested formula?"""
    replicas = Parallel([Component("app-a", 0.99), Component("app-b", 0.98)], name="app")
    quorum = KofN(2, [0.995, 0.99, 0.98], name="db")
    system = Series([Component("lb", 0.9999), replicas, quorum], name="site")
    expected = 0.9999 * (1 - 0.01 * 0.02) * brute_force_at_least(2, [0.995, 0.99, 0.98])
    assert system.availability == pytest.approx(expected, rel=1e-14)
    assert system.unavailability == pytest.approx(1 - expected, rel=1e-9)
    assert system.downtime(YEAR) / MINUTE == pytest.approx(525_600 * (1 - expected), rel=1e-6)


def test_tree_keeps_the_nines_of_highly_available_redundancy():
    """Do four 99.99 % replicas in parallel show 16 nines, not ∞ from 1 − 1e-16 rounding to 1?"""
    replicas = Parallel([0.9999] * 4)
    assert replicas.unavailability == pytest.approx(1e-16, rel=1e-12)
    assert replicas.nines == pytest.approx(16.0, rel=1e-12)
    six = Parallel([0.999] * 6)
    assert parallel([0.999] * 6) == 1.0  # 1 − 1e-18 is 1.0 in floating point
    assert six.nines == pytest.approx(18.0, rel=1e-12)
    site = Series([replicas, Component("dns", 0.99999)])
    assert site.unavailability == pytest.approx(1e-5 + 1e-16 - 1e-21, rel=1e-12)
    quorum = KofN(2, [Parallel([0.9999] * 2)] * 3)
    assert quorum.unavailability == pytest.approx(3 * 1e-16, rel=1e-6)


def test_describe_shows_every_block_indented():
    """Does describe() list each block on its own indented line with its availability?"""
    system = Series([Component("lb", 0.9999), Parallel([0.99, 0.99], name="app")], name="site")
    lines = system.describe().splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("site (series): ")
    assert lines[1].startswith("  lb: 99.99 %")
    assert lines[2].startswith("  app (parallel): 99.99 %")
    assert lines[3].startswith("    part 1: 99 %")
    assert "nines" in lines[0] and "h/yr" in lines[0]


def test_tree_rejects_bad_parts_with_a_clear_message():
    """Does a tree with an empty part list or a bad part name what is wrong?"""
    with pytest.raises(ValueError, match="parts"):
        Series([])
    with pytest.raises(ValueError, match=r"parts\[1\]"):
        Parallel([0.9, 1.5])
    with pytest.raises(ValueError, match="k must be <= 2"):
        KofN(3, [0.9, 0.9])
    with pytest.raises(ValueError, match="name"):
        Component("", 0.9)


def test_request_error_budget_at_four_nines():
    """Do 2.5 M requests a day at 99.99 % allow exactly 250 failed requests?"""
    assert error_budget_requests(0.9999, 2_500_000) == 250.0


def test_fast_burn_alert_numbers():
    """Does a 14.4× burn for one hour spend 2 % of a 30-day budget and all of it in 50 h?"""
    rate = burn_rate(0.0144, 0.999)
    assert rate == pytest.approx(14.4, rel=1e-12)
    assert budget_consumed(rate, timedelta(hours=1)) == pytest.approx(0.02, rel=1e-12)
    assert time_to_exhaustion(rate) == timedelta(hours=50)
    assert budget_consumed(1.0, MONTH) == pytest.approx(1.0)


def test_incidents_within_budget_divides_the_budget_by_outage_length():
    """At 99.9 % a month allows 43.2 min: how many 30-minute outages fit?"""
    assert incidents_within_budget(0.999, 5 * MINUTE, 25 * MINUTE) == pytest.approx(1.44)


def test_dependency_target_is_the_extra_nine_for_ten_dependencies():
    """Do ten series dependencies under a 99.9 % service each need about 99.99 %?"""
    each = dependency_target(0.999, 10)
    assert series([each] * 10) == pytest.approx(0.999, rel=1e-14)
    assert round(nines(each), 1) == 4.0


def test_correlation_interpolates_between_independent_and_single():
    """Does c = 0 give the independent formula and c = 1 a single replica?"""
    assert correlated_parallel(0.99, 3, 0.0) == pytest.approx(parallel([0.99] * 3))
    assert correlated_parallel(0.99, 3, 1.0) == pytest.approx(0.99)
    assert correlated_mix(0.9, 0.5, 0.25) == pytest.approx(0.75 * 0.9 + 0.25 * 0.5)


def test_small_correlation_erodes_many_nines():
    """Do 1 % common-mode failures cut three 3-nines replicas from 9 nines to about 5?"""
    assert nines(correlated_parallel(0.999, 3, 0.0)) == pytest.approx(9.0, abs=1e-6)
    assert 4.9 < nines(correlated_parallel(0.999, 3, 0.01)) < 5.1


@pytest.mark.parametrize(("availability", "replicas", "correlation"), [(0.9, 3, 0.2), (0.7, 2, 0.5)])
def test_monte_carlo_agrees_with_the_mixture_formula(availability, replicas, correlation):
    """Does the simulated availability's 99.9 % interval contain the formula's value?"""
    estimate = simulate_correlated_parallel(availability, replicas, correlation, 50_000, seed=11)
    low, high = estimate.interval(0.999)
    assert low < correlated_parallel(availability, replicas, correlation) < high
    assert estimate.standard_error < 0.003


def test_monte_carlo_is_reproducible_from_its_seed():
    """Do two runs with the same seed agree exactly, and a Generator work too?"""
    first = simulate_correlated_parallel(0.9, 2, 0.3, 1000, seed=5)
    assert first == simulate_correlated_parallel(0.9, 2, 0.3, 1000, seed=5)
    generated = simulate_correlated_parallel(0.9, 2, 0.3, 1000, seed=np.random.default_rng(5))
    assert generated == first
    with pytest.raises(ValueError, match="seed"):
        simulate_correlated_parallel(0.9, 2, 0.3, 1000, seed=None)


@pytest.mark.parametrize(("mttr_minutes", "percent", "digits"), [(30, 99.93, 2), (15, 99.97, 2), (5, 99.988, 3)])
def test_mtbf_thirty_days_with_short_repairs(mttr_minutes, percent, digits):
    """MTBF 30 days with MTTR 30 / 15 / 5 min: 99.93 / 99.97 / 99.988 %?"""
    a = availability_from_mtbf(30 * 24 * 60, mttr_minutes)
    assert round(100 * a, digits) == percent
    mttf = 30 * 24 * 60 - mttr_minutes
    assert availability_from_mttf(mttf, mttr_minutes) == pytest.approx(a, rel=1e-15)
    assert mtbf(mttf, mttr_minutes) == 30 * 24 * 60


def test_mttr_budget_round_trips():
    """Does the largest allowed MTTR give back exactly the target availability?"""
    allowed = mttr_for_availability(0.9999, 43_200)
    assert allowed == pytest.approx(4.32, rel=1e-12)
    assert availability_from_mtbf(43_200, allowed) == pytest.approx(0.9999, rel=1e-14)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: series([0.9, float("nan")]), "availabilities"),
        (lambda: parallel([]), "availabilities"),
        (lambda: k_of_n(0, 5, 0.9), "k"),
        (lambda: k_of_n(2, 5, 1.2), "availability"),
        (lambda: downtime(0.99, timedelta(0)), "period"),
        (lambda: downtime(-0.1), "availability"),
        (lambda: burn_rate(0.01, 1.0), "slo"),
        (lambda: error_budget_requests(0.999, -5), "requests"),
        (lambda: availability_from_mtbf(10, 10), "mttr"),
        (lambda: availability_from_mttf(-1, 1), "mttf"),
        (lambda: correlated_parallel(0.9, 0, 0.1), "replicas"),
        (lambda: budget_consumed(1.0, "1h"), "window"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, parameter):
    """Does each bad argument raise a ValueError whose message names that argument?"""
    with pytest.raises(ValueError, match=parameter):
        call()
