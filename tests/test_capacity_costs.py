"""Capacity decisions in money: are costs, headroom and decision tables computed correctly?"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.capacity.costs import (
    CapacityCosts,
    breach_costs,
    decision_table,
    headroom_policies,
    headroom_table,
    sustainable_arrival_rate,
)
from course.queueing.markovian import mmc


def independent_late_share(arrival_rate, service_rate, servers, t):
    """P(T > t) for M/M/c written out here from textbook formulas, independently of course.queueing.

    Erlang C from the explicit sum (in logs, so it does not overflow), then
    T = S with probability 1 − C, and T = Wq + S (two exponential phases, rates cμ − λ and μ)
    with probability C.
    """
    load = arrival_rate / service_rate
    log_terms = [k * math.log(load) - math.lgamma(k + 1) for k in range(servers)]
    log_top = servers * math.log(load) - math.lgamma(servers + 1) + math.log(servers / (servers - load))
    top = math.exp(log_top)
    p_wait = top / (sum(math.exp(v) for v in log_terms) + top)
    drain = servers * service_rate - arrival_rate
    if math.isclose(drain, service_rate):          # equal rates: an Erlang-2 tail
        two_phase = math.exp(-service_rate * t) * (1 + service_rate * t)
    else:
        two_phase = (service_rate * math.exp(-drain * t) - drain * math.exp(-service_rate * t)) / (service_rate - drain)
    return (1 - p_wait) * math.exp(-service_rate * t) + p_wait * two_phase


def test_one_server_late_share_is_the_exponential_tail():
    """With one server the response time is exponential with rate μ − λ: is P(T > t) = e^{−(μ−λ)t}?"""
    plan = CapacityCosts(arrival_rate=0.5, service_rate=1.0, target_time=2.0,
                         server_cost_per_hour=1.0, penalty_per_late_request=1.0)
    assert plan.late_share(1) == pytest.approx(math.exp(-1.0), rel=1e-12)


@pytest.mark.parametrize("servers", [51, 52, 55, 60])
def test_hourly_cost_matches_an_independent_formula(servers):
    """Is the hourly cost c·price + λ·3600·P(T > t)·penalty with P from the M/M/c textbook formula?"""
    plan = CapacityCosts(1000, 20, 0.2, server_cost_per_hour=0.5, penalty_per_late_request=0.0002)
    row = plan.hourly_cost(servers)
    late = independent_late_share(1000, 20, servers, 0.2)
    assert row["late_share"] == pytest.approx(late, rel=1e-9)
    assert row["server_cost"] == pytest.approx(0.5 * servers)
    assert row["penalty_cost"] == pytest.approx(1000 * 3600 * late * 0.0002, rel=1e-9)
    assert row["total_cost"] == pytest.approx(row["server_cost"] + row["penalty_cost"])
    assert row["utilization"] == pytest.approx(50 / servers)


def test_late_share_never_drops_below_the_service_time_tail():
    """With many servers, does P(T > t) approach e^{−μt}, the share the service alone makes late?"""
    plan = CapacityCosts(1000, 20, 0.2, 0.5, 0.0002)
    floor = math.exp(-20 * 0.2)
    shares = [plan.late_share(c) for c in (55, 70, 200)]
    assert all(share > floor for share in shares)
    assert shares[-1] == pytest.approx(floor, rel=1e-9)


def test_cheapest_is_the_minimum_of_an_independent_cost_curve():
    """Is the cheapest pool the one an independent computation of the cost curve puts lowest?"""
    plan = CapacityCosts(1000, 20, 0.2, server_cost_per_hour=0.5, penalty_per_late_request=0.0002)
    counts = range(51, 80)
    costs = {c: 0.5 * c + 1000 * 3600 * independent_late_share(1000, 20, c, 0.2) * 0.0002 for c in counts}
    assert plan.cheapest(counts) == min(costs, key=costs.get) == 55


def test_table_starts_at_the_smallest_stable_pool():
    """Does the default table start just above the offered load and refuse unstable pools?"""
    plan = CapacityCosts(1000, 20, 0.2, 0.5, 0.0002)
    table = plan.table()
    assert table["servers"].iloc[0] == 51 and table["servers"].iloc[-1] >= 65
    with pytest.raises(ValueError, match="stable queue"):
        plan.hourly_cost(50)


def test_free_servers_make_the_largest_pool_cheapest_and_free_lateness_the_smallest():
    """With a zero price on one side, does the optimum go to the edge of the table?"""
    no_server_cost = CapacityCosts(1000, 20, 0.2, 0.0, 0.0002)
    no_penalty = CapacityCosts(1000, 20, 0.2, 0.5, 0.0)
    counts = range(51, 70)
    assert no_server_cost.cheapest(counts) == 69
    assert no_penalty.cheapest(counts) == 51


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"arrival_rate": -1.0}, "arrival_rate"),
        ({"service_rate": 0.0}, "service_rate"),
        ({"target_time": 0.0}, "target_time"),
        ({"server_cost_per_hour": -0.5}, "server_cost_per_hour"),
        ({"penalty_per_late_request": float("nan")}, "penalty_per_late_request"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, name):
    """Does a bad argument raise a ValueError that names it?"""
    arguments = {"arrival_rate": 1000.0, "service_rate": 20.0, "target_time": 0.2,
                 "server_cost_per_hour": 0.5, "penalty_per_late_request": 0.0002, **kwargs}
    with pytest.raises(ValueError, match=name):
        CapacityCosts(**arguments)


# ---------------------------------------------------------------- headroom


def test_sustainable_rate_of_one_server_has_a_closed_form():
    """For M/M/1, p95 = −ln(0.05)/(μ − λ) = t gives λ = μ + ln(0.05)/t: does the solver find it?"""
    found = sustainable_arrival_rate(service_rate=10.0, servers=1, quantile=0.95, target_time=1.0)
    assert found == pytest.approx(10.0 + math.log(0.05) / 1.0, rel=1e-9)


@pytest.mark.parametrize("servers", [52, 55, 58, 120])
def test_quantile_at_the_sustainable_rate_equals_the_target(servers):
    """At the sustainable rate, is the p95 exactly the target (and below it just under that rate)?"""
    rate = sustainable_arrival_rate(20.0, servers, quantile=0.95, target_time=0.2)
    assert mmc(rate, 20.0, servers).response_time_quantile(0.95) == pytest.approx(0.2, rel=1e-7)
    assert mmc(0.999 * rate, 20.0, servers).response_time_quantile(0.95) < 0.2


def test_the_curriculum_headroom_lesson():
    """52 servers: p95 229 ms at 1,020 req/s; 55 servers: p95 ≤ 160 ms up to 1,030 req/s?"""
    assert round(1000 * mmc(1020, 20, 52).response_time_quantile(0.95)) == 229
    assert sustainable_arrival_rate(20, 52, 0.95, 0.2) < 1020
    assert sustainable_arrival_rate(20, 55, 0.95, 0.160) >= 1030


def test_sustainable_rate_refuses_a_target_below_the_service_time():
    """Is a target faster than the service time's own quantile refused, naming target_time?"""
    with pytest.raises(ValueError, match="target_time"):
        sustainable_arrival_rate(20.0, 100, quantile=0.95, target_time=0.1)   # floor −ln(0.05)/20 = 0.15 s


def test_headroom_table_reports_breached_pools_with_negative_headroom():
    """Does a pool already over the target show meets_target False and negative headroom?"""
    table = headroom_table(1000, 20, [51, 52, 55], quantile=0.95, target_time=0.2).set_index("servers")
    assert not table.loc[51, "meets_target"] and table.loc[51, "headroom"] < 0
    assert table.loc[52, "meets_target"] and 0 < table.loc[52, "headroom"] < 0.02
    assert table.loc[55, "headroom"] == pytest.approx(table.loc[55, "sustainable_rate"] / 1000 - 1)


def test_policies_size_pools_by_a_ceiling():
    """Does an X % policy size ⌈λS/X⌉ servers: 84, 72, 63, 56 for 50 Erlangs at 60–90 %?"""
    policies = headroom_policies(1000, 20, [0.6, 0.7, 0.8, 0.9], 0.95, 0.2, server_cost_per_hour=0.5)
    assert policies["servers"].tolist() == [math.ceil(50 / u) for u in (0.6, 0.7, 0.8, 0.9)] == [84, 72, 63, 56]
    assert policies["cost_per_hour"].tolist() == [42.0, 36.0, 31.5, 28.0]
    assert policies["headroom"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="target_utilization"):
        headroom_policies(1000, 20, [1.2], 0.95, 0.2, server_cost_per_hour=0.5)


def test_breach_probability_is_the_normal_tail_beyond_the_sustainable_rate():
    """Is P(breach) = P(Normal(mean, sd) > sustainable rate), and a step when sd = 0?"""
    table = breach_costs(20, [52, 60], 0.95, 0.2, mean_rate=1000, rate_sd=15,
                         server_cost_per_hour=0.5, credit_per_breach_hour=500).set_index("servers")
    sustainable = sustainable_arrival_rate(20, 52, 0.95, 0.2)
    tail = 0.5 * math.erfc((sustainable - 1000) / (15 * math.sqrt(2)))
    assert table.loc[52, "breach_probability"] == pytest.approx(tail, rel=1e-9)
    assert table.loc[52, "total_cost"] == pytest.approx(26.0 + 500 * tail)
    certain = breach_costs(20, [52], 0.95, 0.2, mean_rate=1015, rate_sd=0,
                           server_cost_per_hour=0.5, credit_per_breach_hour=500)
    assert certain["breach_probability"].tolist() == [1.0]


# ---------------------------------------------------------------- decision table

PLANS = pd.DataFrame({"cost": [26.0, 27.5, 30.0], "headroom": [1.3, 7.3, 17.3]},
                     index=["52 servers", "55 servers", "60 servers"])
BETTER = {"cost": "lower", "headroom": "higher"}


def test_decision_scores_by_hand():
    """Do min–max scores and weights give the values worked out by hand?"""
    table = decision_table(PLANS, {"cost": 3, "headroom": 1}, BETTER)
    # cost scores 1, 0.625, 0; headroom scores 0, 0.375, 1; weights 0.75 / 0.25
    assert table.loc["52 servers", "weighted_score"] == pytest.approx(0.75)
    assert table.loc["55 servers", "weighted_score"] == pytest.approx(0.75 * 0.625 + 0.25 * 0.375)
    assert table.loc["60 servers", "weighted_score"] == pytest.approx(0.25)
    assert table.index.tolist() == ["52 servers", "55 servers", "60 servers"]
    assert table["rank"].tolist() == [1, 2, 3]


def test_reweighting_changes_the_winner_and_scale_does_not_matter():
    """Does weighting headroom flip the ranking, while multiplying all weights changes nothing?"""
    by_headroom = decision_table(PLANS, {"cost": 1, "headroom": 3}, BETTER)
    assert by_headroom.index[0] == "60 servers"
    scaled = decision_table(PLANS, {"cost": 30, "headroom": 90}, BETTER)
    pd.testing.assert_frame_equal(by_headroom, scaled)


def test_ties_share_a_rank_and_a_constant_column_scores_one():
    """Do equal options share a rank, and does a criterion where all tie give everyone 1?"""
    plans = pd.concat([PLANS, PLANS.loc[["52 servers"]].rename(index={"52 servers": "52 (other vendor)"})])
    plans = plans.assign(vendor_support=[3.0, 3.0, 3.0, 3.0])
    table = decision_table(plans, {"cost": 3, "headroom": 1, "vendor_support": 1},
                           {**BETTER, "vendor_support": "higher"})
    assert (table["vendor_support_score"] == 1.0).all()
    assert table["rank"].tolist() == [1, 1, 3, 4]
    assert set(table.index[:2]) == {"52 servers", "52 (other vendor)"}


@pytest.mark.parametrize(
    ("weights", "better", "match"),
    [
        ({"cost": 1}, BETTER, "weights must name exactly"),
        ({"cost": 1, "headroom": 1, "risk": 1}, BETTER, "unknown"),
        ({"cost": 0, "headroom": 0}, BETTER, "must not all be 0"),
        ({"cost": -1, "headroom": 1}, BETTER, "weights"),
        ({"cost": 1, "headroom": 1}, {"cost": "lower", "headroom": "more"}, "'higher' or 'lower'"),
    ],
)
def test_decision_table_refuses_bad_weights(weights, better, match):
    """Are missing, unknown, negative or all-zero weights and bad directions refused with a reason?"""
    with pytest.raises(ValueError, match=match):
        decision_table(PLANS, weights, better)


def test_decision_table_refuses_missing_numbers():
    """Is a NaN in the criteria refused rather than ranked?"""
    with pytest.raises(ValueError, match="finite"):
        decision_table(PLANS.assign(cost=[26.0, float("nan"), 30.0]), {"cost": 1, "headroom": 1}, BETTER)


@settings(max_examples=30, deadline=None)
@given(
    rate=st.floats(min_value=1.0, max_value=500.0),
    service_time=st.floats(min_value=0.005, max_value=0.2),
    extra=st.integers(min_value=1, max_value=20),
)
def test_late_share_falls_as_servers_are_added(rate, service_time, extra):
    """Does adding a server never make more requests late (and the table add up)?"""
    plan = CapacityCosts(rate, 1 / service_time, 4 * service_time, 0.5, 0.001)
    first = plan.min_servers
    table = plan.table(range(first, first + extra + 1))
    assert table["late_share"].is_monotonic_decreasing
    assert ((table["server_cost"] + table["penalty_cost"]) - table["total_cost"]).abs().max() < 1e-9
