"""Tests for the Episode 14 widgets: do they draw what the models compute, and show errors as messages?"""

from __future__ import annotations

import numpy as np
import pytest

from course.events.delivery import DeliveryConfig, simulate_delivery
from course.events.groups import lag_over_time
from course.events.saga import Step, saga_state_space
from course.events.snapshots import SnapshotPolicy
from course.widgets.ep14 import (
    EXPLORER_MESSAGES,
    EXPLORER_SEED,
    ConsumerLagDashboard,
    DeliverySemanticsExplorer,
    SnapshotCostCurve,
    delivery_outcomes,
)
from course.widgets.ep14_saga import SagaStateSpaceViewer, saga_view


def test_delivery_explorer_draws_the_simulation_counts():
    """Are the bars the simulation's own counts for each semantics at the same seed?"""
    widget = DeliverySemanticsExplorer()
    widget.set(crash_pct=10.0, ack_loss_pct=5.0, poison_pct=0.0, max_attempts=3, dead_letter=True)
    assert widget.error is None
    for i, semantics in enumerate(("at-most-once", "at-least-once", "effectively-once")):
        summary = simulate_delivery(DeliveryConfig(
            messages=EXPLORER_MESSAGES, consumer_crash_probability=0.1, ack_loss_probability=0.05,
            semantics=semantics, drain_time=30.0), seed=EXPLORER_SEED).summary()
        assert widget.fig.data[0].y[i] == summary["lost"]
        assert widget.fig.data[1].y[i] == summary["duplicates"]
    lost, duplicates = widget.view["lost"], widget.view["duplicates"]
    assert lost[0] > 0 and duplicates[0] == 0 and lost[1] == 0 and duplicates[1] > 0
    assert lost[2] == 0 and duplicates[2] == 0


def test_delivery_explorer_without_a_dlq_shows_stuck_messages():
    """Without a dead-letter queue, do poison messages leave messages stuck behind them?"""
    view = delivery_outcomes(crash_pct=0.0, ack_loss_pct=0.0, poison_pct=2.0, max_attempts=3, dead_letter=False)
    assert view["dead-lettered"][1] == 0 and view["pending at end"][1] > 0
    with pytest.raises(ValueError, match="crash_pct"):
        delivery_outcomes(crash_pct=120.0, ack_loss_pct=0.0, poison_pct=0.0, max_attempts=3, dead_letter=True)


def test_lag_dashboard_matches_the_fluid_model_and_names_idle_consumers():
    """Do the lines equal lag_over_time, with the extra consumers idle and the growing partitions named?"""
    widget = ConsumerLagDashboard()
    widget.set(partitions=6, consumers=4, publish_rate=600.0, consumer_rate=200.0, initial_lag=1000.0)
    model = lag_over_time(600.0, 6, 4, 200.0, 60.0, initial_lag=1000.0, points=61)
    np.testing.assert_allclose(widget.fig.data[0].y, model["lag"][0])
    assert widget.view["growing"] == [] and widget.view["drained_after"] == pytest.approx(10.0)
    assert sum(trace.visible for trace in widget.fig.data) == 6
    widget.set(partitions=4, consumers=8, consumer_rate=100.0)
    assert widget.view["idle"] == ["c4", "c5", "c6", "c7"]
    assert widget.view["growing"] == [0, 1, 2, 3] and "never" in widget.answer.value


def test_snapshot_curve_marks_the_policy_best_interval():
    """Is the star at SnapshotPolicy.best_interval, and the curve its cost per command in ms?"""
    widget = SnapshotCostCurve()
    widget.set(event_cost_us=10.0, snapshot_write_ms=50.0, snapshot_read_ms=2.0, loads_per_append=1.0,
               stream_length=50_000)
    policy = SnapshotPolicy(10e-6, 0.05, 0.002)
    assert list(widget.fig.data[3].x) == [policy.best_interval()] == [100]
    np.testing.assert_allclose(widget.fig.data[0].y, policy.cost_per_command(widget.fig.data[0].x) * 1000)
    assert widget.fig.data[4].y[0] == pytest.approx(500.0)    # 50,000 events × 10 µs


def test_saga_viewer_counts_states_with_the_exploration_engine():
    """Does the engine find n + p + 2 states, the same as the saga module, and no pivot violation?"""
    for compensatable, retriable in ((0, 0), (2, 1), (12, 12)):
        view = saga_view(compensatable, retriable)
        steps = ([Step(f"C{i}", "compensatable") for i in range(compensatable)] + [Step("P", "pivot")]
                 + [Step(f"R{i}", "retriable") for i in range(retriable)])
        assert view["states"] == len(saga_state_space(steps).states) == len(steps) + compensatable + 2
        assert view["exhaustive"] and view["violation"] is None and view["subsets"] == 2 ** len(steps)
    widget = SagaStateSpaceViewer()
    widget.set(compensatable=3, retriable=2)
    assert len(widget.fig.data[1].x) == 11 and widget.fig.data[3].y[-1] == 2.0 ** 6
    assert "holds" in widget.answer.value


def test_invalid_states_are_messages_naming_the_control():
    """Do a stopped consumer, zero attempts, never-paying snapshots and a compensatable step after
    the pivot each show a message in the controls' words, not a traceback?"""
    lag = ConsumerLagDashboard()
    lag.set(consumer_rate=0.0)
    assert lag.error and lag.error.startswith("one consumer (msg/s) must be > 0")
    delivery = DeliverySemanticsExplorer()
    delivery.set(max_attempts=0)
    assert delivery.error and "tried at least once" in delivery.error
    snapshots = SnapshotCostCurve()
    snapshots.set(stream_length=100)
    assert snapshots.error and "never pay" in snapshots.error
    saga = SagaStateSpaceViewer()
    saga.set(after_pivot="compensatable", retriable=2)
    assert saga.error and "compensatable → pivot → retriable" in saga.error
    saga.set(after_pivot="retriable")
    assert saga.error is None
