"""Tests for the Episode 15 widgets: do they draw what course.communication computes, and show errors as messages?"""

from __future__ import annotations

import numpy as np
import pytest

from course.communication.budget import latency_budget
from course.communication.mesh import retry_amplification, simulate_mesh
from course.communication.ratelimit import bursty_traffic, compare_limiters
from course.widgets.ep15 import DURATION, TRAFFIC_SEED, LatencyBudgetPlanner, RateLimiterComparator
from course.widgets.ep15_mesh import DURATION as MESH_DURATION
from course.widgets.ep15_mesh import MESH_SEED, RATE, OutlierEjectionSimulator, RetryStormAmplifier


def test_comparator_rows_equal_compare_limiters_on_the_same_traffic():
    """Are the table's numbers compare_limiters' on bursty_traffic(seed 15), and the curves the admitted counts?"""
    widget = RateLimiterComparator()
    widget.set(rate=10.0, burst=10, window=1.0, burst_size=40)
    assert widget.error is None
    times = bursty_traffic(TRAFFIC_SEED, DURATION, base_rate=5.0, burst_at=4.9, burst_size=40)
    expected = {r["limiter"]: r for r in compare_limiters(times, 10.0, 10, 1.0)}
    for name, row in widget.view["rows"].items():
        assert row["admitted"] == expected[name]["admitted"]
        assert row["peak per window"] == expected[name]["peak per window"]
    for trace in widget.fig.data[1:]:
        assert int(np.sum(trace.y)) == widget.view["rows"][trace.name]["admitted"]
    assert int(np.sum(widget.fig.data[0].y)) == times.size
    # the fixed window lets the edge burst through: at least 2 × limit − 1 in some 1 s
    assert widget.view["rows"]["fixed window"]["peak per window"] >= 19
    assert widget.view["rows"]["sliding log"]["peak per window"] <= 10


def test_budget_planner_draws_the_budget_and_names_bad_timeouts():
    widget = LatencyBudgetPlanner()
    widget.set(db_ms=100.0, db_timeout_ms=300.0, service_timeout_ms=600.0, sidecar_ms=0.5)
    plan = latency_budget(1000.0, [("gateway", 5.0, 900.0), ("service", 50.0, 600.0), ("database", 100.0, 300.0)],
                          sidecar_ms=0.5)
    assert list(widget.fig.data[0].x) == [plan["total_ms"]] + plan["waits_ms"]
    assert "none" in widget.answer.value
    widget.set(service_timeout_ms=1200.0)
    assert "service timeout 1200 ms ≥ its caller gateway 900 ms" in widget.answer.value
    widget.set(edge_timeout_ms=0.0)
    assert widget.error and "edge timeout" in widget.error


def test_outlier_simulator_equals_simulate_mesh_and_shows_the_gain():
    widget = OutlierEjectionSimulator()
    widget.set(hosts=10, gray_error_rate=0.5, consecutive_5xx=5, base_ejection_time=30.0, retries=0)
    run = simulate_mesh(hosts=10, gray_error_rate=0.5, rate=RATE, duration=MESH_DURATION, seed=MESH_SEED)
    off = simulate_mesh(hosts=10, gray_error_rate=0.5, rate=RATE, duration=MESH_DURATION, seed=MESH_SEED,
                        outlier_detection=False)
    assert widget.view["with"] == run.success_rate and widget.view["without"] == off.success_rate
    assert widget.view["ejections"] == run.ejections and run.success_rate > off.success_rate
    durations = [s for _, _, s in run.ejections]
    assert durations == [min(30.0 * k, 300.0) for k in range(1, len(durations) + 1)]
    widget.set(gray_error_rate=0.0)
    assert widget.view["ejections"] == [] and widget.view["with"] == 1.0
    widget.set(gray_error_rate=0.5, base_ejection_time=10.0)
    assert [s for _, _, s in widget.view["ejections"]][:3] == [10.0, 20.0, 30.0]
    widget.set(hosts=1)
    assert widget.error and "nowhere to send" in widget.error


def test_retry_storm_curves_are_the_formula():
    widget = RetryStormAmplifier()
    widget.set(depth=4, attempts=3, failure=1.0, budget=0.1)
    assert list(widget.fig.data[0].y) == [3.0, 9.0, 27.0, 81.0]
    np.testing.assert_allclose(widget.fig.data[1].y, [1.1 ** d for d in range(1, 5)], rtol=1e-12)
    assert widget.view["with budget"][-1] == pytest.approx(retry_amplification(4, 3, 1.0, budget=0.1))
    widget.set(attempts=0)
    assert widget.error and "tries per call" in widget.error


def test_comparator_refuses_an_empty_bucket():
    widget = RateLimiterComparator()
    widget.set(burst=0)
    assert widget.error and "burst" in widget.error
