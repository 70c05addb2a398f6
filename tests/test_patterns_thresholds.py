"""Tests for course.patterns.thresholds: false-trip rates from binomial and Poisson tails."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from course.patterns.breaker import BreakerConfig, CircuitBreaker
from course.patterns.thresholds import (
    SECONDS_PER_DAY,
    CountWindowRule,
    TimeWindowRule,
    false_trip_table,
    smallest_trip_failures,
)


@pytest.mark.parametrize("n, k, p", [(5, 2, 0.1), (8, 4, 0.3), (10, 1, 0.05), (6, 6, 0.5)])
def test_window_probability_matches_enumeration(n, k, p):
    """Is P(≥ k failures in n calls) the sum over every failure pattern with ≥ k failures?"""
    exact = sum(p ** sum(pattern) * (1 - p) ** (n - sum(pattern))
                for pattern in product([0, 1], repeat=n) if sum(pattern) >= k)
    assert CountWindowRule(n, k).window_trip_probability(p) == pytest.approx(exact, rel=1e-12)


def test_crossing_probability_matches_enumeration_of_consecutive_windows():
    """Is P(count goes from < k to ≥ k at a call) right, by enumerating n + 1 consecutive calls?"""
    n, k, p = 5, 3, 0.2
    total = 0.0
    for pattern in product([0, 1], repeat=n + 1):  # the call leaving, n − 1 shared, the new call
        before, after = sum(pattern[:n]), sum(pattern[1:])
        if before < k <= after:
            total += p ** sum(pattern) * (1 - p) ** (n + 1 - sum(pattern))
    assert CountWindowRule(n, k).crossing_probability(p) == pytest.approx(total, rel=1e-12)


def test_crossings_per_call_agree_with_a_simulated_sliding_window():
    """Does a long simulated call stream cross the threshold as often as the formula says?"""
    rule, p, calls = CountWindowRule(20, 4), 0.05, 400_000
    failed = np.random.default_rng(13).random(calls) < p
    counts = np.convolve(failed, np.ones(20, dtype=int), mode="valid")  # failures per window
    crossings = int(np.sum((counts[1:] >= 4) & (counts[:-1] < 4)))
    expected = rule.crossing_probability(p) * (counts.size - 1)
    assert abs(crossings - expected) < 4 * math.sqrt(expected)  # Poisson-like count


def test_false_trips_agree_with_the_course_breaker_itself():
    """Does the reference breaker, fed healthy traffic, trip about as often as predicted?"""
    n, threshold, p, calls = 20, 0.2, 0.03, 300_000
    rule = CountWindowRule.from_threshold(n, threshold)
    breaker = CircuitBreaker(BreakerConfig(window="count", window_size=n, minimum_calls=n,
                                           failure_rate_threshold=threshold))
    trips = 0
    for index, failed in enumerate(np.random.default_rng(5).random(calls) < p):
        breaker.record(float(index), bool(failed))
        if breaker.mode == "open":
            trips += 1
            breaker.reset()  # an operator closes it at once: count the next false trip too
    per_day = rule.false_trips_per_day(p, requests_per_second=1.0)
    expected = per_day * calls / SECONDS_PER_DAY
    # After each reset the window must refill (n calls without a trip): a small, known deficit.
    assert 0.9 * expected - 4 * math.sqrt(expected) < trips < expected + 4 * math.sqrt(expected)


def test_time_window_probability_matches_a_monte_carlo_of_poisson_windows():
    """Does the Poisson-mixture formula match windows drawn at random (within 4 standard errors)?"""
    rule, p, rate = TimeWindowRule(10.0, 20, 0.3), 0.2, 3.0
    rng = np.random.default_rng(21)
    calls = rng.poisson(rate * 10.0, size=400_000)
    failures = rng.binomial(calls, p)
    tripped = (calls >= 20) & (failures >= np.ceil(0.3 * calls - 1e-9))
    estimate, expected = tripped.mean(), rule.window_trip_probability(p, rate)
    assert abs(estimate - expected) < 4 * math.sqrt(expected * (1 - expected) / calls.size)


def test_hystrix_defaults_almost_never_trip_on_a_one_percent_error_rate():
    """Is the false-trip estimate of Hystrix's 20-call, 50 % rule negligible at 1 % errors?"""
    hystrix = TimeWindowRule(10.0, 20, 0.5)
    assert hystrix.false_trips_per_day(0.01, requests_per_second=100.0) < 1e-30
    # below the volume threshold it can hardly trip at all, even at 30 % errors
    assert hystrix.window_trip_probability(0.3, requests_per_second=1.0) < 1e-3


def test_more_failures_needed_means_fewer_false_trips():
    """Do false trips fall as k grows, and rise with the error rate and the traffic?"""
    trips = [CountWindowRule(20, k).false_trips_per_day(0.02, 50) for k in range(1, 21)]
    assert all(a > b for a, b in zip(trips, trips[1:]))
    rule = CountWindowRule(20, 5)
    assert rule.false_trips_per_day(0.05, 50) > rule.false_trips_per_day(0.02, 50)
    assert rule.false_trips_per_day(0.02, 100) == pytest.approx(2 * rule.false_trips_per_day(0.02, 50))


def test_smallest_trip_failures_is_the_first_k_under_the_limit():
    """Does the search return a k that meets the limit while k − 1 does not?"""
    limit = 1 / 30
    k = smallest_trip_failures(20, 0.02, 50, limit)
    assert CountWindowRule(20, k).false_trips_per_day(0.02, 50) <= limit
    assert CountWindowRule(20, k - 1).false_trips_per_day(0.02, 50) > limit


def test_table_agrees_with_the_rule_for_every_k():
    """Does the vectorised table give each rule's false trips and its detection probability?"""
    table = false_trip_table(12, 0.03, 20.0, outage_error_rate=0.4)
    assert list(table.trip_failures) == list(range(1, 13))
    for row in table.itertuples():
        rule = CountWindowRule(12, row.trip_failures)
        assert row.false_trips_per_day == pytest.approx(rule.false_trips_per_day(0.03, 20.0), rel=1e-12)
        assert row.detection_probability == pytest.approx(rule.window_trip_probability(0.4), rel=1e-12)
    assert table.detection_probability.is_monotonic_decreasing


def test_from_threshold_ignores_floating_point_noise():
    """Does a 55 % threshold on 100 calls need 55 failures, although 0.55 × 100 is 55.00000000000001?"""
    assert 0.55 * 100 > 55
    assert CountWindowRule.from_threshold(100, 0.55).trip_failures == 55
    assert CountWindowRule.from_threshold(100, 0.5).trip_failures == 50


@pytest.mark.parametrize("call, message", [
    (lambda: CountWindowRule(0, 1), "window_size"),
    (lambda: CountWindowRule(10, 11), "trip_failures"),
    (lambda: CountWindowRule(10, 3).window_trip_probability(1.5), "error_rate"),
    (lambda: CountWindowRule(10, 3).false_trips_per_day(0.1, 0), "requests_per_second"),
    (lambda: CountWindowRule.from_threshold(10, 0), "failure_rate_threshold"),
    (lambda: TimeWindowRule(0, 20, 0.5), "window_seconds"),
    (lambda: TimeWindowRule(10, 20, 1.2), "failure_rate_threshold"),
    (lambda: smallest_trip_failures(5, 0.5, 100, 1e-9), "longer window"),
])
def test_bad_input_raises_value_error(call, message):
    """Does each bad argument raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=message):
        call()
