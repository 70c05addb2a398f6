"""Episode 51 widgets: do they build headlessly, react to their controls and explain bad input?"""

from __future__ import annotations

import math

import numpy as np
import pytest
from widget_contract import widget_contract

from course.queueing.littles_law import solve
from course.queueing.markovian import mm1, mmc, servers_for_service_level
from course.widgets.ep51 import (
    CapacityCostCurve,
    DecisionWeights,
    ErlangStaffing,
    LittlesLawSolver,
    QueueExplorer,
    WaitSurface,
)
from course.widgets.ep51_usl import USLExplorer, measurements_from_csv

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    LittlesLawSolver: ({"solve_for": "L", "arrival_rate": 3000.0, "W": 0.03},
                       {"solve_for": "W", "L": 5.0, "arrival_rate": 0.0}, "λ (per s) must be > 0"),
    QueueExplorer: ({"utilization": 0.95}, {"utilization": 1.0}, "stable queue"),
    ErlangStaffing: ({"arrival_rate": 120.0}, {"target_level": 1.0}, "target service level must lie"),
    WaitSurface: ({"service_time_ms": 200.0}, {"max_utilization": 1.0}, "stable queue"),
    CapacityCostCurve: ({"arrival_rate": 1500.0, "servers": 90}, {"servers": 40}, "stable queue"),
    DecisionWeights: ({"cost_per_hour": 5.0, "headroom_pct": 0.0},
                      {"cost_per_hour": 0.0, "p95_ms": 0.0, "headroom_pct": 0.0, "operational_risk": 0.0},
                      "weights must not all be 0"),
    USLExplorer: ({"what_if": True, "alpha": 0.1, "beta": 0.0005, "leave_out": 2},
                  {"leave_out": 4}, "at least 4 measurements"),
}

(test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
 test_bad_input_shows_a_message_naming_it_and_no_nan,
 test_every_widget_of_the_episode_is_tested_here) = widget_contract("ep51", CASES)


# ---------------------------------------------------------------- numbers shown


def test_littles_law_solver_solves_for_each_unknown():
    """Does the solver give L, λ or W as Little's law says, and disable the unknown's box?"""
    solver = LittlesLawSolver()
    solver.set(solve_for="arrival_rate", L=90.0, W=0.03)
    assert math.isclose(solver.result.arrival_rate, 3000.0)
    assert solver.inputs["arrival_rate"].disabled and not solver.inputs["L"].disabled
    solver.set(solve_for="W", L=2.0, arrival_rate=200.0)
    assert math.isclose(solver.result.W, 0.01)
    assert solver.figs[1].data[1].y == (2.0,)


def test_queue_explorer_shows_mm1_closed_forms():
    """Do W, L and p95 at ρ = 0.9 match S/(1−ρ), ρ/(1−ρ) and −ln(0.05)·W?"""
    explorer = QueueExplorer()
    explorer.set(model="M/M/1", utilization=0.9, service_time_ms=50.0)
    assert math.isclose(explorer.quantities["W"], 500.0)
    assert math.isclose(explorer.quantities["L"], 9.0)
    assert math.isclose(explorer.quantities["p95"], 500.0 * math.log(20))
    assert explorer.inputs["servers"].disabled
    curve = list(explorer.fig.data[0].y)
    explorer.set(utilization=0.5)
    explorer.set(utilization=0.9)
    assert list(explorer.fig.data[0].y) == curve
    explorer.set(service_time_ms=100.0)
    assert np.allclose(explorer.fig.data[0].y, 2 * np.array(curve))
    explorer.set(service_time_ms=50.0)
    marker = explorer.fig.data[2]
    assert marker.x == (0.9,) and math.isclose(marker.y[0], 500.0)


def test_queue_explorer_md1_waits_half_as_long_and_hides_percentiles():
    """Does M/D/1 show half the M/M/1 queue wait, and no percentile curve?"""
    explorer = QueueExplorer()
    explorer.set(model="M/M/1", utilization=0.8, service_time_ms=10.0)
    wq_mm1 = explorer.quantities["Wq"]
    explorer.set(model="M/D/1")
    assert math.isclose(explorer.quantities["Wq"], wq_mm1 / 2)
    assert "p95" not in explorer.quantities and explorer.fig.data[1].visible is False


def test_queue_explorer_mmc_uses_the_server_count():
    """With M/M/c, does the wait follow Erlang C for the chosen number of servers?"""
    explorer = QueueExplorer()
    explorer.set(model="M/M/c", utilization=0.8, servers=8, service_time_ms=250.0)
    assert math.isclose(explorer.quantities["Wq"], 1000 * mmc(25.6, 4.0, 8).wq)
    assert not explorer.inputs["servers"].disabled


def test_erlang_staffing_marks_the_smallest_pool_meeting_the_target():
    """Is the starred pool the smallest meeting the level, and the one below it short?"""
    staffing = ErlangStaffing()
    staffing.set(arrival_rate=50.0, service_time=0.2, target_time=0.05, target_level=0.9)
    needed = staffing.needed
    assert needed == servers_for_service_level(50.0, 5.0, 0.05, 0.9)
    assert mmc(50.0, 5.0, needed).service_level(0.05) >= 0.9 > mmc(50.0, 5.0, needed - 1).service_level(0.05)
    assert staffing.fig.data[2].x == (needed,)


def test_wait_surface_is_updated_in_place_with_the_m_m_c_wait():
    """Does the surface hold Wq in ms with one row per server count, scaled by the service time?"""
    surface = WaitSurface()
    surface.set(service_time_ms=100.0, max_servers=4, max_utilization=0.9)
    z = np.array(surface.fig.data[0].z, dtype=float)
    rho = np.array(surface.fig.data[0].x, dtype=float)
    assert z.shape == (4, rho.size)
    assert math.isclose(z[0, -1], 1000 * mm1(0.9 * 10, 10).wq)          # one server at ρ = 0.9
    surface.set(service_time_ms=200.0)
    assert np.allclose(np.array(surface.fig.data[0].z, dtype=float), 2 * z)


def test_capacity_cost_curve_marks_the_cheapest_pool():
    """Is the star on the minimum of the total-cost trace, 55 servers for the notebook's prices?"""
    curve = CapacityCostCurve()
    curve.set(arrival_rate=1000.0, service_time_ms=50.0, target_time_ms=200.0,
              server_cost_per_hour=0.5, penalty_per_late_request=0.0002, servers=52)
    total = np.array(curve.fig.data[2].y, dtype=float)
    servers = np.array(curve.fig.data[2].x)
    assert curve.cheapest == 55 == servers[np.argmin(total)]
    assert curve.fig.data[3].x == (55,) and curve.fig.data[4].x == (52,)


def test_decision_weights_rank_follows_the_weights():
    """Does weighting cost alone put the cheapest plan first, and headroom alone the biggest?"""
    weights = DecisionWeights()
    weights.set(cost_per_hour=1.0, p95_ms=0.0, headroom_pct=0.0, operational_risk=0.0)
    assert weights.table.index[0] == "52 servers"
    weights.set(cost_per_hour=0.0, headroom_pct=1.0)
    assert weights.table.index[0] == "60 servers"
    assert list(weights.fig.data[0].y) == list(weights.table.loc[list(weights.criteria.index), "weighted_score"])


def test_usl_explorer_fits_specsdm91_and_hides_an_infinite_peak():
    """Does the explorer fit SPEC SDM91, and draw no peak marker for an Amdahl what-if (β = 0)?"""
    explorer = USLExplorer()
    assert explorer.fit.method == "nonlinear" and round(explorer.fit.peak_n) == 97
    explorer.set(what_if=True, alpha=0.05, beta=0.0)
    assert explorer.fig.data[7].x == () and explorer.error is None
    fitted_curve = list(explorer.fig.data[4].y)
    explorer.set(alpha=0.02)                       # a what-if move leaves the fit as drawn
    assert list(explorer.fig.data[4].y) == fitted_curve
    explorer.set(method="deviation")
    assert explorer.fit.gamma == 64.9
    assert list(explorer.fig.data[4].y) != fitted_curve
    explorer.set(leave_out=2)
    assert len(explorer.fig.data[1].x) == 2 and len(explorer.fit.n) == 5


def test_usl_explorer_accepts_extra_data_and_reads_csv():
    """Can a learner bring measurements, as a DataFrame or as CSV bytes?"""
    csv = b"users,throughput\n1,10\n2,19.5\n4,37\n8,66\n16,100\n"
    frame = measurements_from_csv(csv)
    explorer = USLExplorer(data={"mine": frame})
    explorer.set(dataset="mine")
    assert explorer.error is None and len(explorer.fit.n) == 5
    with pytest.raises(ValueError, match="two numeric columns"):
        measurements_from_csv(b"name\nx\n")


def test_littles_law_result_agrees_with_the_library():
    """Is the widget a view of course.queueing.littles_law, not a second implementation?"""
    solver = LittlesLawSolver()
    solver.set(solve_for="L", arrival_rate=12_000 / 60, W=0.010)
    assert solver.result == solve(arrival_rate=200.0, W=0.010)


# ---------------------------------------------------------------- what the learner reads


def test_queue_explorer_greys_out_the_last_valid_state_at_rho_1():
    """At ρ = 1, does the message show while the ρ = 0.8 marker and table stay only greyed out?"""
    from course.widgets.base import STALE_OPACITY

    explorer = QueueExplorer()
    marker = (explorer.fig.data[2].x, explorer.fig.data[2].y)
    explorer.set(utilization=1.0)
    assert "must be < 1" in explorer.error and "ρ (utilisation) = 1" in explorer.error
    assert (explorer.fig.data[2].x, explorer.fig.data[2].y) == marker          # kept, not moved
    assert [trace.opacity for trace in explorer.fig.data] == [STALE_OPACITY] * 3
    assert explorer.answer.value.startswith('<div class="dsu-stale"')
    explorer.set(utilization=0.5)
    assert [trace.opacity for trace in explorer.fig.data] == [None] * 3
    assert explorer.answer.value.startswith("<table")


def test_capacity_cost_message_names_the_learners_settings():
    """Does an overloaded pool name λ, the servers and the service time as set, not service_rate?"""
    curve = CapacityCostCurve()
    curve.set(arrival_rate=1000.0, service_time_ms=50.0, servers=40)
    assert curve.error.startswith("λ = 1,000 req/s on 40 servers of 50 ms (at most 800 req/s)")
    assert "service_rate" not in curve.error and "stable queue" in curve.error
    assert curve.inputs["server_cost_per_hour"].readout_format == "$,.2f"
    assert curve.inputs["penalty_per_late_request"].readout_format == "$,.4f"


def test_decision_weights_are_labelled_in_words():
    """Are the weight sliders labelled with the criterion in words and its unit?"""
    labels = [control.description for control in DecisionWeights().inputs.values()]
    assert labels == ["weight of cost ($ per hour)", "weight of p95 latency (ms)",
                      "weight of headroom (%)", "weight of operational risk (1–5)"]


def test_usl_axes_carry_the_data_sets_units_and_what_if_sliders_follow_the_checkbox():
    """Do the axes name SPEC SDM91's units (and say "your data's units" for a learner's data), and
    are the what-if sliders enabled only with the what-if curve?"""
    frame = measurements_from_csv(b"users,throughput\n1,10\n2,19.5\n4,37\n8,66\n16,100\n")
    explorer = USLExplorer(data={"mine": frame})
    assert explorer.fig.layout.xaxis.title.text == "load N (simulated users)"
    assert explorer.fig.layout.yaxis.title.text == "throughput X (scripts per hour)"
    assert explorer.inputs["alpha"].disabled and explorer.inputs["beta"].disabled
    explorer.set(dataset="mine", what_if=True)
    assert explorer.fig.layout.xaxis.title.text == "load N (in your data's units)"
    assert not explorer.inputs["alpha"].disabled
