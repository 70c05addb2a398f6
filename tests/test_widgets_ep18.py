"""Episode 18 widgets: do they draw what the scaling models compute, explain bad input, and stay fast?"""

from __future__ import annotations

import pytest
from widget_contract import widget_contract

from course.scaling.autoscaling import ThresholdRule, simulate_autoscaling
from course.scaling.balancing import POLICIES, simulate_balancer
from course.scaling.ballsbins import max_load
from course.scaling.sharding import balance
from course.scaling.traces import trace_by_name
from course.widgets.ep18 import RACE_REQUESTS, RACE_SEED, BallsInBins, PolicyRace, race_fleet
from course.widgets.ep18_autoscaling import TUNER_SEED, AutoscalerTuner
from course.widgets.ep18_sharding import ShardHeatMap

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    PolicyRace: ({"load": 0.9, "slowdown": 1.0}, {"load": 1.0}, "load must be < 1"),
    BallsInBins: ({"exponent": 4.0, "choices": 3}, {"exponent": 1.0}, "must be >= 16"),
    AutoscalerTuner: ({"provisioning_lag": 600.0}, {"scale_up_at": 0.5, "scale_down_at": 0.6},
                      "must be < scale out above"),
    ShardHeatMap: ({"scheme": "hash"}, {"scheme": "geo", "shards": 8}, "shards must be <= 4"),
}

(test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
 test_bad_input_shows_a_message_naming_it_and_no_nan,
 test_every_widget_of_the_episode_is_tested_here) = widget_contract("ep18", CASES)


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
