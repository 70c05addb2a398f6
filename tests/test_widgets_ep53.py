"""Episode 53 widgets: do they draw what the models compute, and explain bad input?"""

from __future__ import annotations

import math

import numpy as np
import pytest
from widget_contract import widget_contract

from course.capacity.performance import (
    CompoundGrowth,
    HedgedRequests,
    LognormalLatency,
    amdahl,
    gustafson,
)
from course.queueing.networks import asymptotic_bounds, mva
from course.widgets.ep53 import (
    BOTTLENECK_COLOUR,
    MVASolver,
    SpeedupComparator,
    mva_view,
    speedup_comparison,
)
from course.widgets.ep53_growth import GrowthForecaster, date_after, growth_forecast
from course.widgets.ep53_tail import FanoutTailCalculator, fanout_tail, hedged_quantiles

#: widget class -> (a good setting different from the default, a bad setting, words of its message)
CASES = {
    SpeedupComparator: ({"fraction": 0.2, "n": 64}, {"n": 0}, "n must be >= 1"),
    MVASolver: ({"population": 150, "database_ms": 20.0},
                {"web_ms": 0.0, "application_ms": 0.0, "database_ms": 0.0}, "at least one > 0"),
    GrowthForecaster: ({"model": "linear", "rate_pct": 8.0},
                       {"model": "compound", "rate_pct": -60.0, "rate_sd_pct": 30.0},
                       "uncertainty of the rate, sd (%) is too large"),
    FanoutTailCalculator: ({"fanout": 10, "hedge_percentile": 90.0}, {"cv": 0.0}, "cv must be > 0"),
}

(test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
 test_bad_input_shows_a_message_naming_it_and_no_nan,
 test_every_widget_of_the_episode_is_tested_here) = widget_contract("ep53", CASES)


# --------------------------------------------------------------------------- speedup


def test_speedup_errata_numbers():
    """Does s = 0.05 give 9.14× on 16 and 12.55× on 32 (not 8.4× and 10.3×), with a 20× ceiling?"""
    assert round(speedup_comparison(0.05, "amdahl", 16).amdahl_at_n, 2) == 9.14
    view = speedup_comparison(0.05, "amdahl", 32)
    assert round(view.amdahl_at_n, 2) == 12.55 and view.limit == pytest.approx(20.0)


def test_gustafson_fraction_converts_and_both_laws_give_30_45():
    """Is s′ = 0.05 on 32 CPUs converted to s = s′/(s′ + (1 − s′)·32), giving 30.45× both ways?"""
    view = speedup_comparison(0.05, "gustafson", 32)
    assert view.serial_fraction == pytest.approx(0.05 / (0.05 + 0.95 * 32), rel=1e-12)
    assert round(view.amdahl_at_n, 2) == round(view.gustafson_at_n, 2) == 30.45
    assert amdahl(32, view.serial_fraction) == pytest.approx(gustafson(32, 0.05), rel=1e-12)


@pytest.mark.parametrize("n", [2, 16, 256])
def test_amdahl_and_gustafson_curves_meet_only_at_the_chosen_n(n):
    """Do the two curves cross at n (same job, same n) and differ at other counts above one?"""
    view = speedup_comparison(0.1, "amdahl", n)
    at = np.flatnonzero(view.processors == n)[0]
    assert view.amdahl[at] == pytest.approx(view.gustafson[at], rel=1e-12)
    others = (view.processors != n) & (view.processors > 1)   # both are 1 on one processor
    assert np.all(np.abs(view.amdahl[others] - view.gustafson[others]) > 1e-9)


def test_usl_with_zero_coherency_is_amdahl_and_coherency_lowers_it():
    """Is USL(α = s, β = 0) Amdahl's curve, and does β > 0 pull every k > 1 below it?"""
    flat = speedup_comparison(0.05, "amdahl", 32, beta=0.0)
    assert np.allclose(flat.usl, flat.amdahl, rtol=1e-12)
    bent = speedup_comparison(0.05, "amdahl", 32, beta=0.001)
    assert np.all(bent.usl[bent.processors > 1] < bent.amdahl[bent.processors > 1])


def test_speedup_comparator_draws_the_view():
    """Does the figure hold the computed curves and the table name both fractions?"""
    widget = SpeedupComparator()
    widget.set(fraction=0.05, measured_on="gustafson", n=32)
    assert list(widget.fig.data[3].y)[:2] == pytest.approx([30.45, 30.45], abs=0.005)
    assert list(widget.fractions.data[2].y) == pytest.approx([widget.view.serial_fraction, 0.05])
    assert "s′, Gustafson" in widget.answer.value and "s, Amdahl" in widget.answer.value


# --------------------------------------------------------------------------- MVA


def test_mva_view_matches_the_model_and_respects_the_bounds():
    """Is the view the MVA solution, and does it lie between the asymptotic bounds at every N?"""
    view = mva_view([5, 12, 8], think_time=1.0, population=60, max_population=200)
    exact = mva([0.005, 0.012, 0.008], 1.0, 200)
    bounds = asymptotic_bounds([0.005, 0.012, 0.008], 1.0, np.arange(1, 201))
    assert np.array_equal(view.throughput, exact.throughput)
    assert np.all(view.throughput <= bounds.throughput_upper * (1 + 1e-12))
    assert np.all(view.throughput >= bounds.throughput_lower * (1 - 1e-12))
    assert np.all(view.response_time >= view.response_time_lower * (1 - 1e-12))
    assert view.bottleneck == 1 and view.knee == pytest.approx(1.025 / 0.012)
    assert np.array_equal(view.utilization, exact.utilization[59])


def test_mva_solver_highlights_the_bottleneck():
    """When the database has the largest demand, is its bar (and only its bar) red?"""
    widget = MVASolver()
    widget.set(web_ms=5.0, application_ms=6.0, database_ms=20.0, population=120)
    colours = list(widget.bars.data[0].marker.color)
    assert colours[2] == BOTTLENECK_COLOUR and colours.count(BOTTLENECK_COLOUR) == 1
    assert widget.bars.data[0].y[2] == pytest.approx(100 * widget.view.throughput[119] * 0.020)
    assert "database" in widget.answer.value


# --------------------------------------------------------------------------- growth


def test_compound_growth_check_is_241_not_230():
    """Does 50 GB growing 30 % a period reach 241 GB after 6 periods?"""
    forecast = growth_forecast("compound", 50, 30, 0, 1e9, 0, 0.9, horizon_months=6)
    assert round(float(forecast.median[6])) == 241


def test_runs_out_date_is_the_upper_band_reaching_capacity_and_order_by_subtracts_the_lag():
    """Is 'runs out' the upper-quantile crossing, and 'order by' that date minus the lag?"""
    forecast = growth_forecast("compound", 400, 5, 2, 1000, 3, 0.9, start="2027-01-01")
    months = CompoundGrowth(400, 0.05, rate_sd=0.02).time_to_reach(1000, 0.95)
    assert forecast.runs_out_months == pytest.approx(months, rel=1e-12)
    assert forecast.runs_out_on == date_after("2027-01-01", months)
    assert forecast.order_by == date_after("2027-01-01", months - 3)
    assert forecast.median_runs_out_months > forecast.runs_out_months
    assert np.all(forecast.low <= forecast.median) and np.all(forecast.median <= forecast.high)


def test_a_lag_longer_than_the_runway_says_late():
    """With a 12-month lag and capacity gone in under a year, is the order late by the difference?"""
    forecast = growth_forecast("compound", 400, 5, 2, 1000, 12, 0.9, start="2027-01-01")
    assert forecast.late_by_months == pytest.approx(12 - forecast.runs_out_months)
    assert forecast.order_by == np.datetime64("2027-01-01")


def test_logistic_ceiling_below_capacity_never_runs_out():
    """If demand saturates below capacity, is there no 'runs out' date (and no error)?"""
    forecast = growth_forecast("logistic", 400, 5, 2, 1000, 3, 0.9, ceiling_multiple=2.0)
    assert forecast.runs_out_on is None and forecast.order_by is None
    widget = GrowthForecaster()
    widget.set(model="logistic", ceiling_multiple=2.0, capacity=1000.0)
    assert widget.error is None and "never reaches capacity" in widget.answer.value
    assert list(widget.fig.data[4].x) == []


def test_date_after_counts_average_months_and_rounds_down():
    """Is 1 month 30.4375 days, rounded down to the day?"""
    assert date_after("2027-01-01", 1) == np.datetime64("2027-01-31")
    assert date_after("2027-01-01", 0.99) == np.datetime64("2027-01-31")


# --------------------------------------------------------------------------- fan-out tail


def test_fanout_of_100_makes_63_percent_slow():
    """Is the unhedged slow share 1 − 0.99^100 = 63.4 %, and 1 % for one backend?"""
    assert fanout_tail(100, 10, 1.5, 95).slow_share == pytest.approx(1 - 0.99**100, rel=1e-12)
    assert fanout_tail(1, 10, 1.5, 95).slow_share == pytest.approx(0.01, rel=1e-12)


@pytest.mark.parametrize("delay", [0.0, 5.0, 20.0, 60.0, 500.0])
def test_vectorised_hedged_quantile_agrees_with_the_model(delay):
    """Does the bisection give HedgedRequests.quantile to 1e-9, hedge sent early or too late to matter?"""
    latency = LognormalLatency(mean=10, cv=1.5)
    for p in (0.99, 0.99 ** (1 / 100)):
        expected = HedgedRequests(latency, delay).quantile(p)
        assert hedged_quantiles(latency, [delay], p)[0] == pytest.approx(expected, rel=1e-9)


def test_hedging_costs_its_percentile_in_load_and_never_hurts_p99():
    """Is the extra load 1 − percentile, and is every hedged p99 at most the unhedged one?"""
    view = fanout_tail(100, 10, 1.5, 95)
    assert view.extra_load == pytest.approx(0.05, rel=1e-9)
    assert np.allclose(view.extra_loads, 1 - view.hedge_percentiles / 100, rtol=1e-9)
    assert np.all(view.hedged_p99s_ms <= view.request_p99_ms * (1 + 1e-12))
    assert view.hedged_slow_share < view.slow_share
    # Earlier hedges cost more load and buy a lower p99.
    assert np.all(np.diff(view.extra_loads) < 0) and np.all(np.diff(view.hedged_p99s_ms) >= -1e-9)


def test_request_p99_is_one_backends_quantile_at_099_to_the_one_over_n():
    """Does the request p99 (all n replies) equal one backend's 0.99^(1/n) quantile?"""
    view = fanout_tail(100, 10, 1.5, 95)
    latency = LognormalLatency(mean=10, cv=1.5)
    assert view.request_p99_ms == pytest.approx(latency.quantile(0.99 ** (1 / 100)), rel=1e-12)
    assert math.isclose(fanout_tail(1, 10, 1.5, 95).request_p99_ms, latency.quantile(0.99), rel_tol=1e-12)
