"""The Ep18 scenario suite: same traffic for every balancer, controllers scored, flapping caught."""

import math

import numpy as np
import pytest

from course.scaling.autoscaling import HPARule, simulate_autoscaling
from course.scaling.balancing import Fleet
from course.scaling.scenarios import (
    SLO_SECONDS,
    RoundRobin,
    StaticFleet,
    as_controller,
    find_flapping,
    power_of_two,
    run_balancer,
    run_controller,
    score_balancer,
    score_controller,
)


def naive(time, utilization, current, history):
    """HPA's formula without tolerance or stabilisation: the classic flapper."""
    return max(1, math.ceil(current * utilization / 0.6))


def test_same_seed_same_traffic_for_every_balancer():
    """Do two balancers on the same seed meet the same arrivals (equal service work in total)?"""
    a = run_balancer(RoundRobin(), requests=500, seed=3)
    b = run_balancer(lambda c, rng: 0, Fleet(speeds=(1.0,) * 8), load=0.1, requests=500, seed=3)
    assert a.servers.tolist()[:9] == [0, 1, 2, 3, 4, 5, 6, 7, 0]
    assert set(b.servers.tolist()) == {0}


def test_single_server_matches_lindley_by_hand():
    """Does one chosen server serve FCFS: response = max(arrival, previous departure) + work − arrival?"""
    from course.sim.streams import spawn_generators
    fleet = Fleet(speeds=(1.0, 1.0))
    result = run_balancer(lambda c, rng: 1, fleet, load=0.4, requests=200, seed=7)
    arrivals_rng, work_rng, _ = spawn_generators(7, 3)
    arrivals = np.cumsum(arrivals_rng.exponential(0.010 / (0.4 * 2.0), 200))
    work = work_rng.exponential(0.010, 200)
    free, expected = 0.0, []
    for t, w in zip(arrivals, work):
        free = max(t, free) + w
        expected.append(free - t)
    assert np.allclose(result.response_times, expected, rtol=0, atol=1e-12)


def test_p2c_beats_round_robin_on_the_slow_server():
    """Does P2C miss the SLO on far fewer requests than round robin when one server gray-fails?"""
    rows = {r["balancer"]: r for r in score_balancer(power_of_two, requests=3000, seed=0)}
    assert rows["yours"]["slo_misses"] == rows["reference (P2C)"]["slo_misses"]
    assert rows["reference (P2C)"]["slo_misses"] * 2 < rows["round robin"]["slo_misses"]
    assert rows["reference (P2C)"]["p99_ms"] < SLO_SECONDS * 1000 * 10 < rows["round robin"]["p99_ms"]


def test_balancer_returning_a_bad_index_is_refused_by_name():
    with pytest.raises(ValueError, match="server index in 0..7"):
        run_balancer(lambda c, rng: 8, requests=20)
    with pytest.raises(ValueError, match="server index"):
        run_balancer(lambda c, rng: 1.0, requests=20)
    with pytest.raises(ValueError, match="choose must be a function"):
        run_balancer(42, requests=20)
    with pytest.raises(ValueError, match="load"):
        run_balancer(power_of_two, load=1.2)


def test_controller_scores_compare_reference_and_static_fleet():
    """Is the reference cheaper than the static peak fleet, and the static fleet free of SLO misses?"""
    rows = score_controller(HPARule(), seed=0)
    assert [r["scenario"] for r in rows] == ["diurnal"] * 3 + ["flash crowd"] * 3
    for scenario in ("diurnal", "flash crowd"):
        by = {r["controller"]: r for r in rows if r["scenario"] == scenario}
        assert by["yours"] == {**by["reference (HPA)"], "controller": "yours"}
        assert by["reference (HPA)"]["cost"] < by["static for the peak"]["cost"]
        assert by["static for the peak"]["slo_miss_minutes"] == 0
        assert not by["reference (HPA)"]["flapping"]


def test_static_fleet_cost_is_instances_times_hours_times_price():
    """Static fleet of 17 for 24 h at $0.10: 40.80 exactly."""
    run = run_controller(StaticFleet(17), "diurnal", seed=0)
    assert run.cost == pytest.approx(17 * 24 * 0.10, rel=1e-12)
    assert run.reversals == 0


def test_naive_controller_is_caught_flapping_and_its_window_returned():
    """Does the rule without tolerance or stabilisation flap on the noisy diurnal trace, caught in its worst hour?"""
    run = run_controller(naive, "diurnal", seed=0)
    wobble = find_flapping(run)
    assert wobble is not None and wobble.reversals > 3
    assert wobble.minutes.size == 60 and wobble.requested.size == 60
    assert wobble.records()[0]["minute"] == wobble.start
    assert any(r["flapping"] for r in score_controller(naive, seed=0) if r["controller"] == "yours")


def test_flapping_window_counts_turns_exactly():
    """A hand-made sawtooth: 4 turns inside one hour are flagged at max_reversals=3, not at 4."""
    counts = [5] * 30 + [6, 5, 6, 5, 6] + [6] * 85
    run = simulate_autoscaling(np.full(len(counts), 100.0), StaticFleet(1), initial=1)
    run = type(run)(run.load, np.array(counts), np.array(counts), run.utilization, 0.85, 0.1)
    assert find_flapping(run, max_reversals=3).reversals == 4
    assert find_flapping(run, max_reversals=4) is None


def test_as_controller_accepts_functions_and_refuses_junk():
    assert as_controller(naive).desired(0, 0.9, 4, []) == 6
    with pytest.raises(ValueError, match="controller must be"):
        as_controller(3)
    with pytest.raises(ValueError, match="scenario must be one of"):
        run_controller(HPARule(), "tsunami")
