"""Scale up, out or shard in money: USL capacity, headroom for the lag, the hottest shard, infeasibility."""

import math

import pytest

from course.capacity.scalability import usl
from course.scaling.costs import ScalingOption, cheapest, compare_options

OUT = ScalingOption("scale out", unit_capacity=190, price_per_hour=0.20, alpha=0.02, beta=0.0005,
                    provisioning_lag=180, fixed_per_hour=0.03)


def brute_units(option, load, target):
    """Smallest n with capacity(n) >= load/target by scanning every n up to max_units."""
    for n in range(1, option.max_units + 1):
        if option.unit_capacity * usl(n, option.alpha, option.beta) >= load / target - 1e-9:
            return n
    return None


@pytest.mark.parametrize("load", [0, 50, 113.9, 114, 500, 1000, 1700])
def test_units_needed_is_the_smallest_that_carries_the_load(load):
    n = OUT.units_needed(load, 0.6)
    assert n == brute_units(OUT, load, 0.6)
    assert OUT.capacity(n) * 0.6 >= load - 1e-9
    if n > 1:
        assert OUT.capacity(n - 1) * 0.6 < load


def test_past_the_usl_peak_no_money_buys_the_load():
    """Scale out peaks near sqrt((1-α)/β) = 44 units at 2979 requests/s: 0.6 × that is the most it carries."""
    most = 0.6 * OUT.capacity(44)
    assert OUT.units_needed(most - 1, 0.6) is not None
    assert OUT.units_needed(most + 1, 0.6) is None
    plan = OUT.plan(peak=most + 1)
    assert plan["feasible"] is False and plan["cost_per_hour"] == math.inf and plan["units"] is None


def test_headroom_is_ramp_times_lag_and_is_paid_for():
    """1500 requests/s rising 1 per s with a 180 s lag is sized for 1680: 29 units, $5.83 an hour."""
    plan = OUT.plan(peak=1500, ramp=1.0)
    assert plan["headroom_rps"] == 180.0 and plan["hottest_group_rps"] == 1680.0
    assert plan["units"] == brute_units(OUT, 1680, 0.6) == 29
    assert plan["cost_per_hour"] == pytest.approx(29 * 0.20 + 0.03, rel=1e-12)
    assert OUT.plan(peak=1500)["units"] < 29


def test_shards_are_sized_for_the_hottest_group():
    """4 shards, hottest carries 30 %: every shard gets the units the hottest needs."""
    shard = ScalingOption("shard", unit_capacity=190, price_per_hour=0.20, alpha=0.02, beta=0.0005, provisioning_lag=180,
                          fixed_per_hour=0.43, groups=4, hottest_share=0.3)
    plan = shard.plan(peak=2000, ramp=0.5)
    per_group = brute_units(shard, 0.3 * 2090, 0.6)
    assert plan["units_per_group"] == per_group and plan["units"] == 4 * per_group
    assert plan["cost_per_hour"] == pytest.approx(4 * per_group * 0.20 + 0.43, rel=1e-12)
    even = ScalingOption("even", unit_capacity=190, price_per_hour=0.20, alpha=0.02, beta=0.0005, groups=4)
    assert even.share == 0.25


def test_compare_and_cheapest():
    up = ScalingOption("scale up", unit_capacity=50, price_per_hour=0.04, alpha=0.005, beta=0.00001,
                       provisioning_lag=600, max_units=192)
    table = compare_options([up, OUT], peak=1000, ramp=0.5)
    assert table.index.tolist() == ["scale up", "scale out"]
    assert cheapest([up, OUT], peak=1000, ramp=1.0) == "scale out"     # the lag's headroom flips it
    assert cheapest([up, OUT], peak=10_000) is None


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="hottest_share"):
        ScalingOption("s", unit_capacity=1, price_per_hour=1, groups=4, hottest_share=0.2)
    with pytest.raises(ValueError, match="unit_capacity"):
        ScalingOption("s", unit_capacity=0, price_per_hour=1)
    with pytest.raises(ValueError, match="ramp"):
        OUT.plan(peak=100, ramp=-1)
    with pytest.raises(ValueError, match="target_utilization"):
        OUT.units_needed(100, 1.5)
    with pytest.raises(ValueError, match="options"):
        compare_options([], peak=1)
