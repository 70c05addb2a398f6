"""Tests for course.patterns.retry: backoff formulas, jitter bounds, budgets in a simulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.patterns import (
    Backoff,
    Client,
    Dependency,
    Deterministic,
    ErrorRate,
    Exponential,
    Retry,
    RetryBudget,
    Service,
    Simulation,
)
from course.patterns.outcomes import BULKHEAD_FULL, ERROR, SHORT_CIRCUITED, TIMEOUT, is_retryable
from course.patterns.retry import (
    TokenBucket,
    decorrelated_jitter,
    equal_jitter,
    exponential_backoff,
    full_jitter,
)

retries = st.integers(min_value=0, max_value=80)
bases = st.floats(min_value=1e-3, max_value=1.0)
caps = st.floats(min_value=1.0, max_value=100.0)
uniforms = st.floats(min_value=0.0, max_value=1.0)


def test_exponential_backoff_doubles_until_the_cap():
    """Is the sleep base·2^k, capped (AWS blog: min(cap, base * 2 ** attempt))?"""
    assert [exponential_backoff(k, 0.05, 1.0) for k in range(7)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


@settings(max_examples=200)
@given(k=retries, base=bases, cap=caps, u=uniforms)
def test_full_jitter_lies_between_zero_and_the_exponential_ceiling(k, base, cap, u):
    """Is full jitter uniform(0, min(cap, base·2^k)): within bounds, linear in the draw?"""
    ceiling = min(cap, base * 2.0**k)
    sleep = full_jitter(k, base, cap, u)
    assert 0.0 <= sleep <= ceiling
    assert sleep == pytest.approx(u * ceiling)


@settings(max_examples=200)
@given(k=retries, base=bases, cap=caps, u=uniforms)
def test_equal_jitter_keeps_at_least_half_the_ceiling(k, base, cap, u):
    """Is equal jitter v/2 + uniform(0, v/2) with v = min(cap, base·2^k)?"""
    ceiling = min(cap, base * 2.0**k)
    sleep = equal_jitter(k, base, cap, u)
    assert ceiling / 2 <= sleep <= ceiling * (1 + 1e-12)
    assert sleep == pytest.approx(ceiling / 2 + u * ceiling / 2)


@settings(max_examples=200)
@given(previous=st.floats(min_value=1e-3, max_value=50.0), base=bases, cap=caps, u=uniforms)
def test_decorrelated_jitter_lies_between_base_and_three_times_the_last_sleep(previous, base, cap, u):
    """Is decorrelated jitter min(cap, uniform(base, 3·previous))?"""
    previous = max(previous, base)  # sleeps never fall below base
    sleep = decorrelated_jitter(previous, base, cap, u)
    assert sleep <= cap
    assert min(base, cap) <= sleep <= 3 * previous * (1 + 1e-12)
    assert sleep == pytest.approx(min(cap, base + u * (3 * previous - base)))


def test_full_jitter_sleeps_are_uniform_on_average():
    """Over many draws is the mean full-jitter sleep half the ceiling (within 4 standard errors)?"""
    rng = np.random.default_rng(5)
    draws = np.array([full_jitter(3, 0.1, 10.0, u) for u in rng.random(20_000)])
    standard_error = 0.8 / np.sqrt(12) / np.sqrt(draws.size)
    assert abs(draws.mean() - 0.4) < 4 * standard_error


def test_formulas_refuse_draws_outside_the_unit_interval():
    """Does a uniform draw outside [0, 1] raise a ValueError naming 'uniform'?"""
    with pytest.raises(ValueError, match="uniform"):
        full_jitter(1, 0.1, 1.0, 1.5)


@pytest.mark.parametrize("kwargs, name", [({"kind": "linear"}, "kind"), ({"base": -1.0}, "base"),
                                          ({"base": 2.0, "cap": 1.0}, "cap")])
def test_bad_backoff_names_the_parameter(kwargs, name):
    """Does a bad Backoff raise a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=name):
        Backoff(**kwargs)


def test_retry_refuses_zero_attempts():
    """Does Retry(max_attempts=0) raise a ValueError naming max_attempts?"""
    with pytest.raises(ValueError, match="max_attempts"):
        Retry(max_attempts=0)


def test_default_retry_rule_skips_what_the_caller_refused_itself():
    """Are timeouts and 503s retried, but not 404s, short circuits or full bulkheads?"""
    assert is_retryable(TIMEOUT, 0) and is_retryable(ERROR, 503) and is_retryable(ERROR, 429)
    assert not is_retryable(ERROR, 404)
    assert not is_retryable(SHORT_CIRCUITED, 0) and not is_retryable(BULKHEAD_FULL, 0)


def test_token_bucket_allows_one_retry_per_ten_deposits_at_ratio_one_tenth():
    """Do 100 first attempts at ratio 0.1 (empty start) pay for exactly 10 retries?"""
    bucket = TokenBucket(ratio=0.1, capacity=100.0, initial=0.0)
    for _ in range(100):
        bucket.deposit()
    granted = sum(bucket.withdraw() for _ in range(20))
    assert granted == 10 and bucket.refused == 10


def broken_dependency_system(retry):
    """A client calling a service whose every answer is a 503."""
    api = Service("api", workers=50, service_time=Exponential(rate=100.0))
    client = Client("users", 200.0, Dependency("api", timeout=1.0, retry=retry))
    return Simulation([api], [client], faults=[ErrorRate("api", 0.0, None, 1.0, 503)], seed=11)


def test_retries_without_a_budget_multiply_the_load():
    """Against a dependency that always fails, does max_attempts=4 make exactly 4 attempts per request?"""
    retry = Retry(max_attempts=4, backoff=Backoff("full", base=0.01, cap=0.1))
    result = broken_dependency_system(retry).run(20.0)
    finished = result.requests[result.requests.outcome != "in_progress"]
    attempts = result.calls.groupby("request_id").size()
    assert (attempts.loc[finished.request_id] == 4).all()


def test_retry_budget_caps_amplification():
    """With a 10 % budget, do attempts per request stay <= 1 + ratio + capacity / requests?"""
    budget = RetryBudget(ratio=0.1, capacity=5.0)
    retry = Retry(max_attempts=4, backoff=Backoff("full", base=0.01, cap=0.1), budget=budget)
    result = broken_dependency_system(retry).run(20.0)
    requests = len(result.requests)
    amplification = len(result.calls) / requests
    assert amplification <= 1 + 0.1 + 5.0 / requests
    # ...and the budget is actually spent: far more than the capacity alone allows.
    assert amplification > 1.05


def test_backoff_delays_space_the_attempts():
    """With a constant 0.25 s backoff, does each retry leave exactly 0.25 s after the last attempt ended?"""
    retry = Retry(max_attempts=3, backoff=Backoff("constant", base=0.25, cap=0.25))
    api = Service("api", workers=5, service_time=Deterministic(0.01))
    client = Client("users", 5.0, Dependency("api", retry=retry))
    simulation = Simulation([api], [client], faults=[ErrorRate("api", 0.0, None, 1.0, 500)], seed=2)
    calls = simulation.run(10.0).calls.sort_values(["request_id", "attempt"])
    gaps = calls.groupby("request_id").apply(
        lambda rows: (rows.sent.to_numpy()[1:] - rows.end.to_numpy()[:-1]).tolist(), include_groups=False)
    flat = np.concatenate([np.array(gap) for gap in gaps if gap])
    assert np.allclose(flat, 0.25)
