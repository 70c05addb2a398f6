"""course.events.costs: the money and effort of event sourcing against CRUD."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.events.costs import DAYS_PER_MONTH, EventSourcingCase, event_sourcing_net_value

LEDGER = dict(writes_per_day=2_000_000, event_bytes=500, replicas=3, storage_price_per_gb_month=0.023,
              build_hours=480, upkeep_hours_per_year=160, hour_cost=100, audits_per_year=4,
              hours_saved_per_audit=80, temporal_queries_per_year=50, hours_saved_per_temporal_query=6,
              replays_per_year=2, hours_saved_per_replay=120, years=3)


def test_storage_cost_is_the_month_by_month_sum():
    """Does the closed form price · g · M(M+1)/2 equal billing the log month by month?"""
    case = EventSourcingCase(**LEDGER)
    gb_per_month = 2_000_000 * DAYS_PER_MONTH * 500 * 3 / 1e9
    by_month = sum(0.023 * gb_per_month * month for month in range(1, 37))
    assert math.isclose(case.storage_cost, by_month, rel_tol=1e-12)
    assert math.isclose(case.stored_gb, 36 * gb_per_month, rel_tol=1e-12)


def test_ledger_numbers_by_hand():
    """Are cost, benefit, net value and the break-even multiplier the hand-computed ones?"""
    case = EventSourcingCase(**LEDGER)
    assert case.engineering_hours == 960.0 and case.engineering_cost == 96_000.0
    assert case.hours_saved == 3 * (4 * 80 + 50 * 6 + 2 * 120) == 2_580
    assert math.isclose(case.net_value, 258_000 - 96_000 - case.storage_cost, rel_tol=1e-12)
    assert math.isclose(case.break_even_multiplier, case.cost / 258_000, rel_tol=1e-12)
    assert case.effort_balance_hours == 2_580 - 960
    assert case.summary()["net_value"] == case.net_value


def test_scaling_needs_by_break_even_multiplier_gives_zero_net_value():
    """Does scaling every history need by the break-even multiplier bring the net value to 0?"""
    case = EventSourcingCase(**LEDGER)
    k = case.break_even_multiplier
    scaled = {**LEDGER, "audits_per_year": 4 * k, "temporal_queries_per_year": 50 * k, "replays_per_year": 2 * k}
    assert abs(EventSourcingCase(**scaled).net_value) < 1e-6


def test_no_history_need_never_pays():
    """With no audit, temporal query or replay, is the net value minus the whole cost?"""
    none = {**LEDGER, "audits_per_year": 0, "temporal_queries_per_year": 0, "replays_per_year": 0}
    case = EventSourcingCase(**none)
    assert case.net_value == -case.cost and case.break_even_multiplier == math.inf


@given(st.floats(0, 1e7), st.floats(0, 1e7))
def test_more_writes_never_raise_the_net_value(low, high):
    """Is the net value non-increasing in the write rate (storage only grows)?"""
    low, high = sorted((low, high))
    assert event_sourcing_net_value(**{**LEDGER, "writes_per_day": high}) <= \
        event_sourcing_net_value(**{**LEDGER, "writes_per_day": low})


@pytest.mark.parametrize(("name", "value"), [("event_bytes", 0), ("replicas", 0), ("replicas", 2.5),
                                             ("years", 0), ("hour_cost", -1), ("audits_per_year", -0.5)])
def test_bad_input_names_the_parameter(name, value):
    """Does a bad input raise a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=name):
        EventSourcingCase(**{**LEDGER, name: value})
