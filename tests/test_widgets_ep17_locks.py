"""Episode 17 widgets: the contract every episode's widgets pass (all three Ep17 widgets), and do the
lock/quorum widgets draw what the coordination models compute?"""

from __future__ import annotations

import numpy as np
import pytest
from widget_contract import widget_contract

from course.coordination.leases import simulate_lease_lock
from course.coordination.quorums import Placement
from course.widgets.ep17 import ElectionTimeoutExplorer
from course.widgets.ep17_locks import (
    LEASE_SEED,
    LeaseTimeline,
    QuorumCalculator,
    quorum_view,
    spread,
)

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    QuorumCalculator: ({"members": 5}, {"members": 0}, "must be in 1"),
    LeaseTimeline: ({"fencing": False}, {"lease_s": 0.0}, "must be > 0 s"),
    ElectionTimeoutExplorer: ({"timeout_max_ms": 300.0}, {"timeout_min_ms": 300.0, "timeout_max_ms": 200.0},
                              "must be >= smallest timeout"),
}

(test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
 test_bad_input_shows_a_message_naming_it_and_no_nan,
 test_every_widget_of_the_episode_is_tested_here) = widget_contract("ep17", CASES)


def test_calculator_shows_the_placement_the_quorum_module_computes():
    widget = QuorumCalculator()
    widget.set(members=3, zones=2, fault_model="crash", member_availability=0.99, zone_availability=0.999)
    placement = Placement((2, 1))
    assert widget.view["availability"] == pytest.approx(placement.availability(0.99, 0.999), rel=1e-15)
    assert list(widget.zones_fig.data[1].y) == [2, 0]          # losing zone 0 (2 members) kills it
    assert "zone 0" in widget.answer.value
    widget.set(members=5, zones=3)
    assert list(widget.zones_fig.data[1].y) == [0, 0, 0] and "none" in widget.answer.value
    widget.set(members=4, fault_model="byzantine", zones=1)
    assert widget.view["tolerated"] == 1 and widget.view["quorum"] == 3


def test_calculator_downtime_curve_matches_placements():
    view = quorum_view(5, "crash", 3, 0.99, 0.999, 0.1)
    expected = [(1 - Placement(spread(n, 3)).availability(0.99, 0.999)) * 8760 for n in range(1, 10)]
    assert np.allclose(view["size_downtime_h"], expected, rtol=1e-12, atol=0)
    assert view["yearly_cost"] == pytest.approx(5 * 0.1 * 8760)


def test_timeline_draws_the_seeded_run_and_its_verdict():
    widget = LeaseTimeline()
    widget.set(lease_s=10.0, pause_s=15.0, clock_jump_s=0.0, fencing=True)
    run = simulate_lease_lock(lease_s=10.0, renew_every_s=10.0 / 3, pause_s=15.0, seed=LEASE_SEED, fencing=True)
    assert widget.view["rejected"] == run.stale_writes_rejected == 1 and len(widget.fig.data[4].x) == 1
    assert len(widget.fig.data[5].x) == 0 and "safe" in widget.answer.value
    widget.set(fencing=False)
    assert widget.view["corrupted"] and len(widget.fig.data[5].x) == 1 and "CORRUPTED" in widget.answer.value
    widget.set(pause_s=2.0)
    assert not widget.view["corrupted"] and widget.view["holders"] == ["A"]

