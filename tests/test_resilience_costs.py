"""Tests for course.patterns.resilience_costs: downtime losses against the cost of resilience."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.patterns.resilience_costs import ResilienceInvestment


def plan(**changes) -> ResilienceInvestment:
    values = dict(revenue_per_hour=10_000.0, incidents_per_year=4.0, hours_per_incident=2.0,
                  loss_share_unprotected=1.0, loss_share_protected=0.25, build_cost=90_000.0,
                  run_cost_per_year=10_000.0, amortisation_years=3.0)
    values.update(changes)
    return ResilienceInvestment(**values)


def test_hand_computed_example():
    """Do the yearly figures match a hand calculation (8 incident-hours at $10k/h)?"""
    p = plan()
    assert p.expected_loss_unprotected == pytest.approx(80_000)       # 4 × 2 × 10k × 1.0
    assert p.expected_loss_protected == pytest.approx(20_000)         # × 0.25
    assert p.annual_cost == pytest.approx(40_000)                     # 90k / 3 + 10k
    assert p.net_benefit == pytest.approx(20_000)
    assert p.return_on_investment == pytest.approx(0.5)
    assert p.break_even_incidents_per_year == pytest.approx(40_000 / 15_000)
    assert p.payback_years == pytest.approx(90_000 / 50_000)


@given(incidents=st.floats(0.1, 50), hours=st.floats(0.1, 10), unprotected=st.floats(0.3, 1),
       protected=st.floats(0, 0.2), build=st.floats(0, 1e6), run=st.floats(0, 1e5))
def test_net_benefit_is_zero_exactly_at_break_even(incidents, hours, unprotected, protected, build, run):
    """At the break-even incident rate, does the benefit equal the cost, whatever the inputs?"""
    p = plan(incidents_per_year=incidents, hours_per_incident=hours,
             loss_share_unprotected=unprotected, loss_share_protected=protected,
             build_cost=build, run_cost_per_year=run)
    at_break_even = p.with_incidents(p.break_even_incidents_per_year)
    assert at_break_even.net_benefit == pytest.approx(0, abs=1e-6 * max(1.0, p.annual_cost))
    # more incidents than break-even: the patterns pay
    assert p.with_incidents(2 * p.break_even_incidents_per_year + 1).net_benefit > 0


def test_expected_loss_matches_simulated_years():
    """Does the mean of simulated years (Poisson incidents, exponential durations) match the formula?"""
    p = plan()
    rng = np.random.default_rng(3)
    years = 40_000
    counts = rng.poisson(p.incidents_per_year, years)
    hours = np.array([rng.exponential(p.hours_per_incident, n).sum() for n in counts])
    losses = hours * p.revenue_per_hour * p.loss_share_unprotected
    standard_error = losses.std(ddof=1) / np.sqrt(years)
    assert abs(losses.mean() - p.expected_loss_unprotected) < 4 * standard_error


def test_summary_reports_never_paying_back_as_nan():
    """Is payback NaN in the summary (and a ValueError on its own) when benefit ≤ running cost?"""
    p = plan(incidents_per_year=0.1)
    assert np.isnan(p.summary()["payback_years"])
    with pytest.raises(ValueError, match="never paid back"):
        _ = p.payback_years
    assert plan(build_cost=0.0).payback_years == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda: plan(revenue_per_hour=-1), "revenue_per_hour"),
    (lambda: plan(loss_share_unprotected=1.5), "loss_share_unprotected"),
    (lambda: plan(loss_share_protected=0.5, loss_share_unprotected=0.4), "must not exceed"),
    (lambda: plan(amortisation_years=0), "amortisation_years"),
    (lambda: plan(build_cost=0, run_cost_per_year=0).return_on_investment, "undefined"),
    (lambda: plan(loss_share_protected=1.0).break_even_incidents_per_year, "no break-even"),
])
def test_bad_input_raises_value_error(call, message):
    """Does each bad argument raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=message):
        call()
