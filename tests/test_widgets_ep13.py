"""Tests for the Episode 13 widgets: do they draw what the models compute, and show errors as messages?"""

from __future__ import annotations

import numpy as np
import pytest

import course.widgets.ep13 as ep13_module
from course.patterns.bulkhead_sizing import BulkheadSizing
from course.patterns.resilience_costs import ResilienceInvestment
from course.patterns.thresholds import CountWindowRule, smallest_trip_failures
from course.queueing.erlang import erlang_c
from course.widgets.ep13 import (
    BulkheadSizer,
    ChaosDashboard,
    FalseTripExplorer,
    ResilienceCostCalculator,
)


def test_false_trip_explorer_marks_the_smallest_safe_threshold():
    """Does the marker sit at the smallest k within the monthly limit, and the curve match the rule?"""
    widget = FalseTripExplorer()
    widget.set(window_size=20, error_rate_pct=2.0, requests_per_second=50.0, max_trips_per_month=1.0,
               outage_error_rate_pct=30.0)
    assert widget.error is None
    assert widget.chosen == smallest_trip_failures(20, 0.02, 50.0, 1 / 30)
    assert list(widget.fig.data[2].x) == [widget.chosen] * 2
    k = 5
    assert widget.fig.data[0].y[k - 1] == pytest.approx(CountWindowRule(20, k).false_trips_per_day(0.02, 50.0))
    assert widget.fig.data[1].y[k - 1] == pytest.approx(CountWindowRule(20, k).window_trip_probability(0.3))
    assert f"{widget.chosen} of 20" in widget.answer.value


def test_false_trip_explorer_shows_an_unattainable_limit_as_a_message():
    """Is a limit no threshold can meet shown as a message, leaving the figure as it was?"""
    widget = FalseTripExplorer()
    before = tuple(widget.fig.data[0].y)
    widget.set(window_size=5, error_rate_pct=20.0, max_trips_per_month=0.1)
    assert widget.error and "longer window" in widget.message.value
    assert tuple(widget.fig.data[0].y) == before


def test_bulkhead_sizer_draws_erlang_c_and_the_plan():
    """Does the curve equal Erlang C at every pool size, with the star on the 30-thread plan?"""
    widget = BulkheadSizer()
    widget.set(peak_rate=100.0, response_time_ms=200.0, buffer=1.5, burst_rate=200.0,
               burst_seconds=2.0, max_wait=2.0)
    threads = np.asarray(widget.fig.data[0].x)
    assert threads[0] == 21  # the smallest pool that keeps up with L = 20
    np.testing.assert_allclose(widget.fig.data[0].y, erlang_c(threads, 20.0), rtol=1e-10)
    assert list(widget.fig.data[2].x) == [30]
    assert widget.fig.data[2].y[0] == pytest.approx(BulkheadSizing(100, 0.2).p_wait)
    assert "<b>100</b>" in widget.answer.value  # queue slots for the 200 req/s, 2 s burst


def test_bulkhead_sizer_reports_no_steady_state_as_a_message():
    """Does a buffer of 1 at a whole-number load show the model's message, not a traceback?"""
    widget = BulkheadSizer()
    widget.set(peak_rate=100.0, response_time_ms=200.0, buffer=1.0)
    assert "no steady state" in widget.error


def test_chaos_dashboard_shows_the_bulkhead_protecting_buyers():
    """With every pattern on, are buyers answered in the crash; with none, does the pool run dry?"""
    widget = ChaosDashboard()
    buyers = dict(zip(widget.fig.data[4].x, widget.fig.data[4].y))
    assert min(buyers[t] for t in range(20, 28)) > 0.95
    widget.set(breaker=False, bulkhead=False, fallback=False)
    pool = dict(zip(widget.fig.data[5].x, widget.fig.data[5].y))
    assert max(pool[t] for t in range(10, 18)) > 0.95          # the frontend pool is exhausted
    buyers = dict(zip(widget.fig.data[4].x, widget.fig.data[4].y))
    assert min(buyers[t] for t in range(10, 28)) < 0.8         # and buyers suffer for it
    assert len(widget.fig.data[6].x) == 0                      # no breaker, nothing to draw


def test_chaos_dashboard_replay_only_slices_the_cached_run():
    """Does moving the time slider cut the traces without re-running the scenario?"""
    widget = ChaosDashboard()
    run = widget.run
    widget.set(until=10)
    assert widget.run is run
    assert max(widget.fig.data[0].x) < 10 and len(widget.fig.data[5].x) == 10
    widget.set(open_duration=10.0)
    assert widget.run is not run


def test_chaos_dashboard_breaker_opens_under_the_crash():
    """Does the breaker trace show the breaker open for much of the crash window?"""
    widget = ChaosDashboard()
    open_share = dict(zip(widget.fig.data[6].x, widget.fig.data[6].y))
    assert np.mean([open_share[t] for t in range(18, 28)]) > 0.5
    assert max(open_share[t] for t in range(0, 8)) == 0


def test_resilience_cost_calculator_draws_the_models_numbers():
    """Are the bars the model's yearly figures and the cross at the break-even rate?"""
    widget = ResilienceCostCalculator()
    widget.set(revenue_per_hour=50_000.0, incidents_per_year=6.0, hours_per_incident=1.5,
               loss_unprotected_pct=90.0, loss_protected_pct=15.0, build_cost=120_000.0,
               run_cost_per_year=20_000.0)
    plan = ResilienceInvestment(50_000, 6, 1.5, 0.9, 0.15, 120_000, 20_000)
    np.testing.assert_allclose(widget.fig.data[0].y, [plan.expected_loss_unprotected,
                                                      plan.expected_loss_protected,
                                                      plan.annual_cost, plan.net_benefit])
    assert widget.fig.data[2].x[0] == pytest.approx(plan.break_even_incidents_per_year)
    line = dict(zip(widget.fig.data[1].x, widget.fig.data[1].y))
    assert line[0.0] == pytest.approx(-plan.annual_cost)
    widget.set(incidents_per_year=0.0)   # zero incidents: the line still has its slope
    assert widget.error is None and widget.fig.data[1].y[-1] > 0


def test_resilience_cost_calculator_rejects_protected_above_unprotected():
    """Is a protected loss share above the unprotected one shown as a message?"""
    widget = ResilienceCostCalculator()
    widget.set(loss_unprotected_pct=10.0, loss_protected_pct=40.0)
    assert "must not exceed" in widget.error


@pytest.mark.parametrize("factory", [FalseTripExplorer, BulkheadSizer, ChaosDashboard,
                                     ResilienceCostCalculator])
def test_widgets_build_their_user_interface(factory):
    """Does each widget assemble a UI box holding its figure?"""
    widget = factory()
    assert widget.fig in widget.ui.children


# --------------------------------------------------------------------------- what the learner reads


def test_false_trip_limit_is_drawn_and_moves_with_its_slider():
    """Is the monthly limit a line at limit/30 trips per day, moving when the slider moves?"""
    widget = FalseTripExplorer()
    widget.set(window_size=20, max_trips_per_month=3.0)
    assert widget.fig.data[4].name == "false trips allowed"
    assert list(widget.fig.data[4].y) == pytest.approx([0.1, 0.1])
    assert list(widget.fig.data[4].x) == [1, 20]
    widget.set(max_trips_per_month=3.1)
    assert list(widget.fig.data[4].y) == pytest.approx([3.1 / 30] * 2)


def test_false_trip_axis_reads_powers_of_ten():
    """Does the log axis of trips per day use powers of ten, not SI prefixes ("1p")?"""
    layout = FalseTripExplorer().fig.layout
    assert layout.yaxis.type == "log" and layout.yaxis.exponentformat == "power"


def test_false_trip_message_names_the_monthly_slider():
    """Does an unattainable limit name the per-month slider and its value, not the model's per-day limit?"""
    widget = FalseTripExplorer()
    widget.set(window_size=5, error_rate_pct=20.0, requests_per_second=50.0, max_trips_per_month=0.1)
    assert widget.error.startswith("false trips allowed / month = 0.1 cannot be met")
    assert "20 %" in widget.error and "max_trips_per_day" not in widget.error
    assert "0.00333" not in widget.error


def test_resilience_cost_sliders_read_as_money_and_its_message_in_percent():
    """Do the dollar sliders read "$50,119" (not 5.01e+4), and a bad loss share name the % sliders?"""
    widget = ResilienceCostCalculator()
    for name in ("revenue_per_hour", "build_cost", "run_cost_per_year"):
        assert widget.inputs[name].readout_format == ep13_module.MONEY_FORMAT == "$,.0f"
    widget.set(loss_unprotected_pct=10.0, loss_protected_pct=40.0)
    assert widget.error.startswith("revenue lost, degraded (40 %) must not exceed revenue lost, no patterns (10 %)")


def test_bulkhead_longest_wait_shows_its_bound():
    """Does the longest wait in line show its own bound on the queue, even when the burst decides?"""
    widget = BulkheadSizer()
    widget.set(peak_rate=100.0, response_time_ms=200.0, buffer=1.5, burst_rate=200.0, burst_seconds=2.0,
               max_wait=2.0)
    assert "<b>300</b>" in widget.answer.value      # 150 requests/s × 2 s
    widget.set(max_wait=0.5)                          # now the wait decides: 75 slots
    assert "<b>75</b>" in widget.answer.value


def test_chaos_dashboard_minimum_calls_shows_its_effect():
    """Does the summary show the breaker's volume rule, and a minimum above the window's traffic
    delay the first trip from the slowdown into the crash?"""
    widget = ChaosDashboard()
    assert "at 13 s" in widget.answer.value and "≥ 20 calls" in widget.answer.value
    widget.set(minimum_calls=700)
    assert "at 19 s" in widget.answer.value and "≥ 700 calls = 10 s" in widget.answer.value
    widget.set(breaker=False)
    assert all(widget.inputs[name].disabled for name in ("failure_rate_threshold", "minimum_calls",
                                                         "open_duration"))
    assert "off" in widget.answer.value


def test_shared_pool_figure_gives_each_unit_its_own_axis():
    """Are the wait (ms, log, powers of ten, from 1 µs) and P(wait) (%, 0–100) on separate axes?"""
    from course.queueing.markovian import mmc
    from course.widgets.figures import WAIT_FLOOR_MS, shared_pool_figure

    latencies = np.linspace(0.02, 0.375, 120)
    pools = [mmc(100.0, 1 / (0.02 + x), 40) for x in latencies]
    fig = shared_pool_figure(latencies, [1000 * p.wq for p in pools], [p.p_wait for p in pools],
                             critical_latency=0.38, threads=40, arrival_rate=100.0)
    wait_axis, share_axis = fig.layout.yaxis, fig.layout.yaxis2
    assert (wait_axis.title.text, share_axis.title.text) == ("mean wait (ms)", "P(wait) (%)")
    assert wait_axis.type == "log" and wait_axis.exponentformat == "power"
    assert wait_axis.range[0] == pytest.approx(np.log10(WAIT_FLOOR_MS))
    assert tuple(share_axis.range) == (0, 100) and share_axis.type != "log"
    assert max(fig.data[1].y) == pytest.approx(100 * pools[-1].p_wait)
    with pytest.raises(ValueError, match="same length"):
        shared_pool_figure([0.1], [1.0, 2.0], [0.5], critical_latency=0.38, threads=40, arrival_rate=100.0)
