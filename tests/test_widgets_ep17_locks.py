"""Episode 17 lock/quorum widgets: do they draw what the coordination models compute, explain bad
input, and stay fast?"""

from __future__ import annotations

import html

import numpy as np
import pytest

from course.coordination.leases import simulate_lease_lock
from course.coordination.quorums import Placement
from course.widgets.ep17_locks import (
    LEASE_SEED,
    LeaseTimeline,
    QuorumCalculator,
    quorum_view,
    spread,
)
from course.widgets.registry import discover

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    QuorumCalculator: ({"members": 5}, {"members": 0}, "must be in 1"),
    LeaseTimeline: ({"fencing": False}, {"lease_s": 0.0}, "must be > 0 s"),
}
MINE = {"ep17-quorum-calculator", "ep17-lease-timeline"}


def numbers(widget) -> np.ndarray:
    found = []
    for fig in widget.plotly_figures():
        for trace in fig.data:
            for attr in ("x", "y", "base"):
                values = getattr(trace, attr, None)
                if values is not None:
                    found.extend(float(v) for v in np.ravel(np.array(values, dtype=object))
                                 if isinstance(v, (int, float, np.floating, np.integer)))
    return np.array(found)


def trace_data(widget) -> list:
    return [np.array(getattr(t, a), dtype=object) for f in widget.plotly_figures() for t in f.data
            for a in ("x", "y", "base") if getattr(t, a, None) is not None]


@pytest.mark.parametrize("widget_class", list(CASES), ids=lambda c: c.__name__)
def test_widget_builds_headlessly_with_finite_numbers(widget_class):
    widget = widget_class()
    assert widget.error is None and widget.message.value == ""
    assert np.all(np.isfinite(numbers(widget))) and widget.ui is not None


@pytest.mark.parametrize("widget_class", list(CASES), ids=lambda c: c.__name__)
def test_setting_controls_changes_the_figure_in_place(widget_class):
    widget = widget_class()
    ids, before, answer = [id(f) for f in widget.figs], trace_data(widget), widget.answer.value
    widget.set(**CASES[widget_class][0])
    assert widget.error is None and [id(f) for f in widget.figs] == ids
    after = trace_data(widget)
    changed = len(before) != len(after) or any(a.shape != b.shape or not np.array_equal(a, b)
                                               for a, b in zip(before, after))
    assert changed or widget.answer.value != answer


@pytest.mark.parametrize("widget_class", list(CASES), ids=lambda c: c.__name__)
def test_bad_input_shows_a_message_and_no_nan(widget_class):
    widget = widget_class()
    _, bad, words = CASES[widget_class]
    widget.set(**bad)
    assert widget.error and words in widget.error, widget.error
    assert html.escape(widget.error) in widget.message.value
    assert not np.any(np.isnan(numbers(widget)))


def test_both_widgets_are_registered_and_tested_here():
    specs = discover()
    assert MINE <= set(specs)
    assert {specs[name].factory for name in MINE} == set(CASES)


@pytest.mark.parametrize("name", sorted(MINE))
def test_sweep_visits_a_bad_setting_and_ends_clean(name):
    widget = discover()[name].factory()
    widget.ui  # noqa: B018 — as on a page: updates travel as edits
    errors = 0
    for setting in discover()[name].sweep():
        widget.set(**setting)
        errors += widget.error is not None
        assert not np.any(np.isnan(numbers(widget))), setting
    assert errors >= 1 and widget.error is None


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

