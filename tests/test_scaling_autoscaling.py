"""Auto-scaling: do the threshold rule, the HPA rule and the lagged simulation do what Ep18 says?"""

from __future__ import annotations

import numpy as np
import pytest

from course.scaling.autoscaling import (
    HPARule,
    PredictiveRule,
    ThresholdRule,
    hpa_desired,
    reversals,
    simulate_autoscaling,
)
from course.scaling.traces import diurnal_trace, flash_crowd_trace, seasonal_trace, trace_by_name


def test_hpa_rule_by_hand():
    """⌈4 × 0.9/0.6⌉ = 6; 0.65/0.6 is within 10 %: stay; ⌈10 × 0.2/0.6⌉ = 4; 9 × 0.8/0.6 = 12, not 13."""
    assert hpa_desired(4, 0.9, 0.6) == 6
    assert hpa_desired(4, 0.65, 0.6) == 4 and hpa_desired(4, 0.54, 0.6) == 4   # 8.3 % and 10 % off
    assert hpa_desired(4, 0.53, 0.6) == 4                                       # 11.7 % off: ⌈3.53⌉ = 4
    assert hpa_desired(10, 0.2, 0.6) == 4 and hpa_desired(3, 0.7, 0.6) == 4
    assert 9 * (0.8 / 0.6) == 12.000000000000002 and hpa_desired(9, 0.8, 0.6) == 12


def test_hpa_scale_down_waits_for_the_stabilisation_window():
    """Load halves at minute 10: HPA scales down only once 300 s of lower recommendations have passed."""
    trace = np.r_[np.full(10, 600.0), np.full(20, 300.0)]
    run = simulate_autoscaling(trace, HPARule(target=0.6), initial=10, provisioning_lag=0)
    assert run.requested[:15].tolist() == [10] * 15      # minutes 10-14 still hold 10 in the window
    assert run.requested[15] == 5
    fast = simulate_autoscaling(trace, HPARule(target=0.6, stabilization=0), initial=10, provisioning_lag=0)
    assert fast.requested[10] == 5


def test_provisioning_lag_delays_ready_instances_and_costs_slo_minutes():
    trace = flash_crowd_trace(seed=3)
    runs = {lag: simulate_autoscaling(trace, HPARule(), provisioning_lag=lag) for lag in (60, 300, 600)}
    assert runs[60].slo_miss_minutes < runs[300].slo_miss_minutes < runs[600].slo_miss_minutes
    step = np.argmax(np.diff(runs[300].requested) > 0) + 1     # first scale-out
    assert runs[300].ready[step + 4] == runs[300].ready[step]   # not ready for 5 minutes
    assert runs[300].ready[step + 5] > runs[300].ready[step]


def test_booting_instances_are_paid_for():
    trace = np.r_[np.full(5, 100.0), np.full(10, 1000.0)]
    run = simulate_autoscaling(trace, HPARule(), initial=2, provisioning_lag=600)
    assert run.requested.sum() > run.ready.sum()
    assert run.instance_hours == pytest.approx(run.requested.sum() / 60)


def test_threshold_rule_needs_consecutive_readings_and_respects_cooldown():
    rule = ThresholdRule(scale_up_at=0.7, scale_down_at=0.3, consecutive=3, cooldown=300)
    seen = [rule.desired(60 * i, 0.9, 4, None) for i in range(8)]
    assert seen == [4, 4, 5, 4, 4, 4, 4, 5]   # 3rd reading acts; the next waits out 300 s
    rule.reset()
    out = [rule.desired(60 * i, 0.9, 4 + (i >= 3), None) for i in range(12)]
    actions = [i for i in range(12) if out[i] != 4 + (i >= 3)]
    assert actions[0] == 2 and all(b - a >= 5 for a, b in zip(actions, actions[1:]))


def test_a_narrow_gap_without_cooldown_flaps():
    """Thresholds 0.60/0.55, one reading, no cooldown: many reversals; the default rule: few."""
    trace = diurnal_trace(seed=1)
    flappy = simulate_autoscaling(trace, ThresholdRule(0.6, 0.55, consecutive=1, cooldown=0))
    calm = simulate_autoscaling(trace, ThresholdRule())
    assert flappy.reversals > 20 * max(calm.reversals, 1)


def test_reversals_by_hand():
    assert reversals([1, 2, 3, 4]) == 0 and reversals([1, 2, 1, 2, 1]) == 3 and reversals([3, 3, 3]) == 0


def test_predictive_rule_uses_last_week():
    """Two weeks, a 10-minute lag: the predictive rule misses fewer minutes than HPA alone."""
    trace = seasonal_trace(days=14, seed=2)
    hpa = simulate_autoscaling(trace, HPARule(), provisioning_lag=600, slo_utilization=0.7)
    ahead = simulate_autoscaling(trace, PredictiveRule(lead_steps=10), provisioning_lag=600, slo_utilization=0.7)
    assert (hpa.slo_miss_minutes, ahead.slo_miss_minutes) == (21, 6)


def test_traces_are_seeded_and_shaped():
    assert np.array_equal(diurnal_trace(seed=4), diurnal_trace(seed=4))
    assert not np.array_equal(diurnal_trace(seed=4), diurnal_trace(seed=5))
    assert trace_by_name("diurnal", seed=1).size == 1440


@pytest.mark.parametrize("call, name", [
    (lambda: hpa_desired(0, 0.5, 0.6), "current"), (lambda: hpa_desired(2, 0.5, 0.0), "target"),
    (lambda: ThresholdRule(0.5, 0.6), "scale_down_at"), (lambda: ThresholdRule(consecutive=0), "consecutive"),
    (lambda: simulate_autoscaling([1.0], HPARule()), "trace"),
    (lambda: simulate_autoscaling([1.0, 2.0], HPARule(), provisioning_lag=-1), "provisioning_lag"),
    (lambda: trace_by_name("weekly"), "trace"), (lambda: diurnal_trace(peak=1, trough=2), "peak"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
