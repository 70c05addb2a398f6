"""Episode 18 widgets: do they draw what the scaling models compute, explain bad input, and stay fast?"""

from __future__ import annotations

import html

import numpy as np
import pytest

from course.scaling.autoscaling import ThresholdRule, simulate_autoscaling
from course.scaling.balancing import POLICIES, simulate_balancer
from course.scaling.ballsbins import max_load
from course.scaling.sharding import balance
from course.scaling.traces import trace_by_name
from course.widgets.ep18 import RACE_REQUESTS, RACE_SEED, BallsInBins, PolicyRace, race_fleet
from course.widgets.ep18_autoscaling import TUNER_SEED, AutoscalerTuner
from course.widgets.ep18_sharding import ShardHeatMap
from course.widgets.registry import discover

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    PolicyRace: ({"load": 0.9, "slowdown": 1.0}, {"load": 1.0}, "load must be < 1"),
    BallsInBins: ({"exponent": 4.0, "choices": 3}, {"exponent": 1.0}, "must be >= 16"),
    AutoscalerTuner: ({"provisioning_lag": 600.0}, {"scale_up_at": 0.5, "scale_down_at": 0.6},
                      "must be < scale out above"),
    ShardHeatMap: ({"scheme": "hash"}, {"scheme": "geo", "shards": 8}, "shards must be <= 4"),
}


def numbers(widget) -> np.ndarray:
    found = []
    for fig in widget.plotly_figures():
        for trace in fig.data:
            for attr in ("x", "y", "z"):
                values = getattr(trace, attr, None)
                if values is not None:
                    found.extend(float(v) for v in np.ravel(np.array(values, dtype=float)))
    return np.array(found)


def trace_data(widget) -> list:
    return [np.array(getattr(t, a), dtype=float) for f in widget.plotly_figures() for t in f.data
            for a in ("x", "y", "z") if getattr(t, a, None) is not None]


@pytest.mark.parametrize("widget_class", list(CASES), ids=lambda c: c.__name__)
def test_widget_builds_headlessly_with_finite_numbers(widget_class):
    widget = widget_class()
    assert widget.error is None and widget.message.value == ""
    assert np.all(np.isfinite(numbers(widget))) and widget.ui is not None


@pytest.mark.parametrize("widget_class", list(CASES), ids=lambda c: c.__name__)
def test_setting_controls_changes_the_figure_in_place(widget_class):
    widget = widget_class()
    ids, before = [id(f) for f in widget.figs], trace_data(widget)
    widget.set(**CASES[widget_class][0])
    assert widget.error is None and [id(f) for f in widget.figs] == ids
    after = trace_data(widget)
    assert len(before) != len(after) or any(a.shape != b.shape or not np.array_equal(a, b)
                                            for a, b in zip(before, after))


@pytest.mark.parametrize("widget_class", list(CASES), ids=lambda c: c.__name__)
def test_bad_input_shows_a_message_and_no_nan(widget_class):
    widget = widget_class()
    _, bad, words = CASES[widget_class]
    widget.set(**bad)
    assert widget.error and words in widget.error, widget.error
    assert html.escape(widget.error) in widget.message.value
    assert not np.any(np.isnan(numbers(widget)))


def test_every_ep18_widget_is_registered_and_tested_here():
    assert {spec.factory for name, spec in discover().items() if name.startswith("ep18-")} == set(CASES)


@pytest.mark.parametrize("name", sorted(n for n in discover() if n.startswith("ep18-")))
def test_sweep_visits_a_bad_setting_and_ends_clean(name):
    """Does each sweep show at least one message and end on a good setting? (Speed is bench/'s job:
    a test's outcome must not depend on the machine's load.)"""
    spec = discover()[name]
    widget = spec.factory()
    widget.ui  # noqa: B018 — as on a page: updates travel as edits
    errors = 0
    for setting in spec.sweep():
        widget.set(**setting)
        errors += widget.error is not None
        assert not np.any(np.isnan(numbers(widget))), setting
    assert errors >= 1 and widget.error is None


def test_policy_race_draws_the_simulated_p99():
    """Is the highlighted point the seeded simulation's own p99 (ms) at that load?"""
    widget = PolicyRace()
    widget.set(policy="round robin", load=0.8, slowdown=4.0)
    run = simulate_balancer("round robin", race_fleet(4.0), load=0.8, requests=RACE_REQUESTS, seed=RACE_SEED)
    assert widget.fig.data[-1].y[0] == pytest.approx(1000 * run.p99, rel=1e-12)
    view = widget.view
    assert min(POLICIES, key=lambda p: view["p99_ms"][p]) in ("least connections", "least response time")


def test_balls_in_bins_draws_the_simulated_maxima():
    widget = BallsInBins()
    widget.set(exponent=6.0, choices=2)
    assert widget.view["here"] == [max_load(10**6, 2, s) for s in (0, 1, 2)] == [4, 4, 4]
    assert widget.view["histogram"].sum() == 10**6


def test_autoscaler_tuner_reports_the_simulation():
    widget = AutoscalerTuner()
    widget.set(trace="flash crowd", rule="threshold", scale_up_at=0.75, scale_down_at=0.4, cooldown=300.0,
               consecutive=3, provisioning_lag=180.0)
    run = simulate_autoscaling(trace_by_name("flash crowd", seed=TUNER_SEED), ThresholdRule(0.75, 0.4, 1, 3, 300.0),
                               provisioning_lag=180.0)
    assert widget.view["run"].slo_miss_minutes == run.slo_miss_minutes
    assert f"<b>{run.slo_miss_minutes}</b>" in widget.answer.value
    longer = AutoscalerTuner()
    longer.set(trace="flash crowd", provisioning_lag=600.0)
    assert longer.view["run"].slo_miss_minutes > run.slo_miss_minutes


def test_shard_heat_map_monotonic_range_is_one_hot_shard():
    widget = ShardHeatMap()
    widget.set(scheme="range", pattern="monotonic", hot_share=0.0, shards=8)
    assert widget.view["loads"].tolist() == [0] * 7 + [20_000] and widget.view["balance"] == 0.0
    widget.set(scheme="hash")
    assert widget.view["balance"] == balance(widget.view["loads"]) > 0.9
