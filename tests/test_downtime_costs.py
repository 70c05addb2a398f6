"""course.reliability.downtime_costs: the money model, its break-even, tornado and budget months."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course.reliability.downtime_costs import (
    RedundancyOption,
    break_even_cost_per_hour,
    budget_exhausted_share,
    downtime_cost_per_year,
    monthly_downtime_minutes,
    options_table,
    tornado,
)

OPTIONS = [RedundancyOption("single", 0.995, 0.0), RedundancyOption("pair", 0.9999, 30_000.0),
           RedundancyOption("three regions", 0.999999, 120_000.0)]


def test_downtime_cost_is_hours_down_times_price():
    """Is a year at 99.9 % 8.76 hours down, priced per hour?"""
    assert downtime_cost_per_year(0.999, 1000.0) == pytest.approx(8760.0, rel=1e-12)
    assert downtime_cost_per_year(1.0, 1000.0) == 0.0


def test_break_even_is_where_the_totals_cross():
    """At the break-even price per hour, do both options cost the same in total, and does the
    cheapest flip on either side of it?"""
    single, pair = OPTIONS[:2]
    price = break_even_cost_per_hour(single, pair)
    table = options_table([single, pair], price)
    assert table["total_cost"].iloc[0] == pytest.approx(table["total_cost"].iloc[1], rel=1e-9)
    assert options_table([single, pair], price * 0.99)["cheapest"].tolist() == [True, False]
    assert options_table([single, pair], price * 1.01)["cheapest"].tolist() == [False, True]
    with pytest.raises(ValueError, match="safer"):
        break_even_cost_per_hour(pair, single)


def test_options_table_columns():
    """Are nines, hours down and totals computed per option, with exactly one cheapest?"""
    table = options_table(OPTIONS, 5000.0)
    assert table["nines"].round(6).tolist() == pytest.approx([-math.log10(0.005), 4.0, 6.0])
    assert table["downtime_hours"].iloc[0] == pytest.approx(43.8)
    assert table["cheapest"].sum() == 1
    assert table.loc[table["cheapest"], "total_cost"].iloc[0] == table["total_cost"].min()
    with pytest.raises(ValueError, match="options"):
        options_table([], 1.0)
    with pytest.raises(ValueError, match="availability"):
        RedundancyOption("bad", 1.5, 0.0)


def test_tornado_moves_one_input_at_a_time():
    """Does each row move only its input, and are rows sorted by swing?"""
    def model(a, b):
        return a + 10 * b

    table = tornado(model, {"a": 1.0, "b": 1.0}, spread=0.1)
    assert table["input"].tolist() == ["b", "a"]
    assert table.loc[0, "low"] == pytest.approx(-1.0) and table.loc[0, "high"] == pytest.approx(1.0)
    assert table.loc[1, "swing"] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="spread"):
        tornado(model, {"a": 1.0}, spread=1.5)


def test_monthly_downtime_is_seeded_and_has_the_right_mean():
    """Is the compound Poisson downtime reproducible, with mean = incidents x mean duration?"""
    a = monthly_downtime_minutes(1.5, 40.0, months=40_000, seed=3)
    assert np.array_equal(a, monthly_downtime_minutes(1.5, 40.0, months=40_000, seed=3))
    assert a.mean() == pytest.approx(60.0, rel=0.03)
    assert (a == 0).mean() == pytest.approx(math.exp(-1.5), abs=0.01)  # months with no incident


def test_budget_exhausted_share_counts_months_over_budget():
    """Does a month exactly at the budget count as within it, and one minute over as spent?"""
    assert budget_exhausted_share([4.32, 5.32, 0.0, 100.0], slo=0.9999) == 0.5
    with pytest.raises(ValueError, match="slo"):
        budget_exhausted_share([1.0], slo=1.0)
    with pytest.raises(ValueError, match="monthly_minutes"):
        budget_exhausted_share([-1.0], slo=0.99)


def test_hostile_arguments_are_refused_by_name():
    """Are a number for the options, a non-mapping baseline and a model that returns no number
    refused with a ValueError naming what is wrong?"""
    with pytest.raises(ValueError, match="options"):
        options_table(5.0, 1000.0)
    with pytest.raises(ValueError, match="baseline"):
        tornado(lambda a: a, 3.0)
    with pytest.raises(ValueError, match="model"):
        tornado(lambda a: None, {"a": 1.0})
    with pytest.raises(ValueError, match="model"):
        tornado("not a function", {"a": 1.0})
    with pytest.raises(ValueError, match="b"):
        tornado(lambda b: b, {"b": "two"})
