"""Tests for course.patterns.metrics: time averages, grouped quantiles, timelines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.patterns import (
    HYSTRIX,
    Client,
    Crash,
    Dependency,
    Exponential,
    Service,
    Simulation,
)
from course.patterns.metrics import grouped_quantiles, time_average


def brute_force_average(starts, ends, low, high, points=20_001):
    """Mean count of open intervals over [low, high) by dense sampling (midpoint rule)."""
    grid = low + (np.arange(points) + 0.5) * (high - low) / points
    counts = ((starts[:, None] <= grid) & (grid < ends[:, None])).sum(axis=0)
    return counts.mean()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 5)), min_size=1, max_size=30))
def test_time_average_integrates_the_step_function(intervals):
    """Does the prefix-sum time average agree with dense sampling of the count?"""
    starts = np.array([start for start, _ in intervals])
    ends = starts + np.array([length for _, length in intervals])
    edges = np.array([0.0, 2.5, 5.0, 10.0, 15.0])
    exact = time_average(starts, ends, edges)
    for index in range(len(edges) - 1):
        approx = brute_force_average(starts, ends, edges[index], edges[index + 1])
        assert exact[index] == pytest.approx(approx, abs=len(intervals) * 2e-3)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(-100, 100)), min_size=1, max_size=60))
def test_grouped_quantiles_match_numpy(pairs):
    """Are the per-group quantiles those of numpy.quantile (linear), NaN for empty groups?"""
    groups = np.array([group for group, _ in pairs])
    values = np.array([value for _, value in pairs])
    levels = [0.0, 0.5, 0.95, 0.99, 1.0]
    result = grouped_quantiles(groups, values, 6, levels)
    for group in range(6):
        chosen = values[groups == group]
        if chosen.size == 0:
            assert np.isnan(result[group]).all()
        else:
            assert np.allclose(result[group], np.quantile(chosen, levels))


def busy_system():
    api = Service("api", workers=5, queue_capacity=10, service_time=Exponential(rate=20.0),
                  calls=[Dependency("db", timeout=0.3, breaker=HYSTRIX)])
    db = Service("db", workers=3, service_time=Exponential(rate=60.0))
    users = Client("users", 90.0, Dependency("api", timeout=1.0))
    return Simulation([api, db], [users], faults=[Crash("db", 10.0, 20.0)], seed=21)


def test_timeline_counts_add_up_to_the_records():
    """Do the timeline's per-outcome counts sum to the records, bucket by bucket?"""
    result = busy_system().run(30.0)
    timeline = result.timeline(1.0)
    requests = result.requests
    users = timeline[timeline.node == "users"]
    assert users.arrivals.sum() == len(requests)
    finished = requests[requests.outcome != "in_progress"]
    for outcome in ("success", "error", "timeout"):
        assert users[outcome].sum() == (finished.outcome == outcome).sum()
    in_bucket = finished[(finished.end >= 12.0) & (finished.end < 13.0)]
    row = users[users.time == 12.0].iloc[0]
    assert row.completed == len(in_bucket)
    assert row.latency_p99 == pytest.approx(np.quantile(in_bucket.latency, 0.99))


def test_pool_use_is_busy_workers_over_pool_size():
    """Is pool_use the time-average of busy workers divided by workers, within [0, 1]?"""
    result = busy_system().run(30.0)
    api = result.timeline(5.0, nodes="api")
    assert ((api.pool_use >= 0) & (api.pool_use <= 1 + 1e-12)).all()
    spans = result.spans.query("service == 'api'")
    started = spans.dropna(subset=["start"])
    ends = started.end.fillna(30.0).to_numpy()
    expected = time_average(started.start.to_numpy(), ends, [0.0, 5.0]) / 5
    assert api.pool_use.iloc[0] == pytest.approx(expected[0])


def test_breaker_timeline_follows_the_transitions():
    """Is the breaker open for the buckets between its trip and its probe?"""
    result = busy_system().run(30.0)
    transitions = result.breaker_transitions
    opened = transitions[transitions.to_state == "open"].time.iloc[0]
    assert 10.0 <= opened < 20.0
    timeline = result.breaker_timeline(1.0)
    whole_second = np.ceil(opened)
    row = timeline[timeline.time == whole_second].iloc[0]
    assert row.state == "open" and row.open_fraction == pytest.approx(1.0)
    before = timeline[timeline.time == np.floor(opened)].iloc[0]
    assert before.open_fraction == pytest.approx(np.ceil(opened) - opened)


def test_timeline_refuses_unknown_nodes_and_bad_buckets():
    """Do unknown node names and non-positive buckets raise ValueErrors naming them?"""
    result = busy_system().run(5.0)
    with pytest.raises(ValueError, match="nodes"):
        result.timeline(1.0, nodes=["nowhere"])
    with pytest.raises(ValueError, match="bucket"):
        result.timeline(0.0)
