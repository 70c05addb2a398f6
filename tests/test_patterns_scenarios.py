"""Tests for course.patterns.scenarios: the Ep13 chaos scenario tells its story."""

from __future__ import annotations

import pandas as pd
import pytest

from course.patterns.breaker import PYBREAKER
from course.patterns.scenarios import chaos_scenario, chaos_system


def ok_share(run, client: str, low: float, high: float) -> float:
    rows = run.result.requests.query("client == @client and @low <= arrival < @high")
    return float(rows.outcome.isin(["success", "degraded"]).mean())


@pytest.fixture(scope="module")
def runs():
    return {
        "bare": chaos_scenario(breaker=False, bulkhead=False, fallback=False, seed=2),
        "guarded": chaos_scenario(seed=2),
        "retries": chaos_scenario(breaker=False, bulkhead=False, fallback=False, retries=True, seed=2),
        "budget": chaos_scenario(breaker=False, bulkhead=False, fallback=False, retries=True,
                                 retry_budget=True, seed=2),
    }


def test_without_patterns_the_slow_dependency_takes_down_checkout(runs):
    """Does a slow recommendations service starve buyers, who never call it, of frontend workers?"""
    assert ok_share(runs["bare"], "buyers", 0, 20) > 0.99
    assert ok_share(runs["bare"], "buyers", 25, 45) < 0.5
    pools = runs["bare"].pools.query("service == 'frontend' and 30 <= time < 45")
    assert pools.pool_use.min() > 0.99


def test_with_patterns_both_user_groups_are_served(runs):
    """With breaker, bulkhead and fallback, are shoppers (degraded) and buyers served throughout?"""
    guarded = runs["guarded"]
    for client in ("shoppers", "buyers"):
        assert ok_share(guarded, client, 0, 90) > 0.99
    shoppers = guarded.result.requests.query("client == 'shoppers' and 50 <= arrival < 65")
    assert (shoppers.outcome == "degraded").all()


def test_breaker_opens_during_the_fault_and_closes_after_recovery(runs):
    """Is the breaker open during the crash and closed again at the end?"""
    breaker = runs["guarded"].breaker
    assert set(breaker.target) == {"recommendations"}
    assert (breaker.query("50 <= time < 65").state != "closed").all()
    assert breaker.state.iloc[-1] == "closed"
    assert (breaker.query("time < 20").state == "closed").all()


def test_retries_amplify_the_load_and_a_budget_caps_it(runs):
    """Do retries multiply attempts on the sick service, and does a 10 % budget bring them back?"""
    def attempts(run):
        calls = run.result.calls
        return int(((calls.target == "recommendations") & (calls.sent >= 20) & (calls.sent < 70)).sum())
    bare, storm, budget = attempts(runs["bare"]), attempts(runs["retries"]), attempts(runs["budget"])
    assert storm > 1.3 * bare
    assert budget < 1.15 * bare


def test_dashboard_frames_have_the_documented_columns(runs):
    """Do the dashboard DataFrames carry the columns the notebooks plot?"""
    run = runs["guarded"]
    assert list(run.latency.columns) == ["time", "client", "completed", "latency_p50",
                                         "latency_p95", "latency_p99", "success_rate"]
    assert list(run.pools.columns) == ["time", "service", "pool_use", "queue_length"]
    assert {"time", "state", "open_fraction"} <= set(run.breaker.columns)
    assert list(run.faults.kind) == ["slow_down", "crash"]
    assert len(run.latency) == 2 * 90 and len(run.pools) == 4 * 90


def test_scenario_is_deterministic_and_configurable():
    """Does one seed give identical frames, and does a pybreaker breaker change the breaker's log?"""
    first, second = chaos_scenario(duration=40.0, seed=5), chaos_scenario(duration=40.0, seed=5)
    pd.testing.assert_frame_equal(first.latency, second.latency)
    pd.testing.assert_frame_equal(first.breaker, second.breaker)
    other = chaos_scenario(duration=40.0, seed=5, breaker_config=PYBREAKER)
    assert not other.result.breaker_transitions.equals(first.result.breaker_transitions)


def test_bad_fault_times_are_refused():
    """Does a crash scheduled before the slow-down raise a ValueError?"""
    with pytest.raises(ValueError, match="slow_at <= fail_at <= recover_at"):
        chaos_system(slow_at=50.0, fail_at=40.0)
