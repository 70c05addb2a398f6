"""Reserved against on-demand: the break-even rule picks the brute-force cheapest reservation."""

from __future__ import annotations

import numpy as np
import pytest

from course.capacity.plans import best_reservation, break_even_share, plan_cost


def brute_force(need, reserved_price, on_demand_price):
    costs = [plan_cost(need, r, reserved_price, on_demand_price)["total"] for r in range(int(np.max(need)) + 1)]
    return int(np.argmin(np.round(costs, 9)))


@pytest.mark.parametrize("seed", range(20))
def test_the_break_even_rule_is_the_cheapest_reservation(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 4)), int(rng.integers(5, 200)))
    need = rng.poisson(rng.uniform(1, 30), size=shape)
    on_demand = float(rng.uniform(0.5, 3.0))
    reserved = on_demand * float(rng.uniform(0.3, 0.95))
    assert best_reservation(need, reserved, on_demand) == brute_force(need, reserved, on_demand)


def test_the_bill_adds_up_by_hand():
    bill = plan_cost([4, 4, 6, 10, 6, 4], 4, 0.6, 1.0)
    assert bill["reserved_cost"] == pytest.approx(14.4) and bill["on_demand_hours"] == 10
    assert bill["total"] == pytest.approx(24.4) and bill["reserved_use"] == 1.0
    assert plan_cost([1, 2], 0, 0.5, 1.0) == {"reserved": 0, "reserved_cost": 0.0, "on_demand_cost": 3.0,
                                              "total": 3.0, "on_demand_hours": 3.0, "reserved_use": 1.0}


def test_scenarios_average_their_bills():
    two = plan_cost([[2, 2], [4, 4]], 3, 0.5, 1.0)
    assert two["total"] == pytest.approx((plan_cost([2, 2], 3, 0.5, 1.0)["total"]
                                          + plan_cost([4, 4], 3, 0.5, 1.0)["total"]) / 2)


def test_a_server_needed_exactly_at_the_break_even_share_is_not_reserved():
    # half the hours need 2 servers; at a 50 % price the second saves nothing: keep the smaller
    assert best_reservation([1, 2], 0.5, 1.0) == 1
    assert break_even_share(0.5, 1.0) == 0.5


@pytest.mark.parametrize("args, name", [
    (([1, -1], 1, 0.5, 1.0), "servers_per_hour"),
    (([1.5], 1, 0.5, 1.0), "servers_per_hour"),
    (([], 1, 0.5, 1.0), "servers_per_hour"),
    (([1], -1, 0.5, 1.0), "reserved"),
    (([1], 1, 0.0, 1.0), "reserved_price"),
    (([1], 1, 1.0, 1.0), "reserved_price"),
    (([1], 1, 0.5, -1.0), "on_demand_price"),
])
def test_bad_input_is_refused_by_name(args, name):
    with pytest.raises(ValueError, match=name):
        plan_cost(*args)


def test_an_absurd_fleet_is_refused_before_any_work():
    with pytest.raises(ValueError, match="servers_per_hour"):
        best_reservation([1e12], 0.5, 1.0)
    for bad in (float("nan"), None, "0.5"):
        with pytest.raises(ValueError, match="reserved_price"):
            plan_cost([1, 2], 1, bad, 1.0)
