"""The closed-network simulator agrees with exact MVA, repeats itself from a seed and refuses
bad input by name."""

from __future__ import annotations

import numpy as np
import pytest

from course.queueing.networks import mva
from course.simulation.closed import simulate_closed

TIMES = {"front": 0.002, "app": 0.005, "db": 0.004}
ROUTE = ["front", "app", "db", "db"]


@pytest.mark.parametrize("users", [1, 6, 20])
def test_the_simulation_agrees_with_mva(users):
    run = simulate_closed(TIMES, ROUTE, users=users, think_time=0.05, duration=400.0, seed=53)
    exact = mva([0.002, 0.005, 0.008], think_time=0.05, population=users)
    low, high = run.response_ci
    # a 95 % interval: checked on this one seed, it covers the exact mean
    assert low <= exact.response_time[-1] <= high
    assert run.throughput == pytest.approx(exact.throughput[-1], rel=0.02)
    assert run.utilization["db"] == pytest.approx(exact.utilization[-1, 2], rel=0.02)


def test_one_seed_one_run_and_response_times_are_consistent():
    a = simulate_closed(TIMES, ROUTE, users=4, think_time=0.02, duration=20.0, seed=3)
    b = simulate_closed(TIMES, ROUTE, users=4, think_time=0.02, duration=20.0, seed=3)
    assert a.throughput == b.throughput and np.array_equal(a.response_times, b.response_times)
    assert a.completions == a.response_times.size and a.response_mean == a.response_times.mean()


def test_one_user_without_think_time_never_queues():
    # a lone user meets empty stations: the response is the sum of the four service times
    run = simulate_closed(TIMES, ROUTE, users=1, think_time=0.0, duration=200.0, seed=1)
    assert run.response_mean == pytest.approx(0.015, rel=0.03)
    assert run.throughput * run.response_mean == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("kwargs, name", [
    (dict(service_times={}), "service_times"),
    (dict(service_times={"a": 0.0}), "service_times"),
    (dict(route=["x"]), "route"),
    (dict(users=0), "users"),
    (dict(think_time=-1.0), "think_time"),
    (dict(duration=0.0), "duration"),
])
def test_bad_input_is_refused_by_name(kwargs, name):
    args = dict(service_times=TIMES, route=ROUTE, users=2, think_time=0.1, duration=1.0, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        simulate_closed(**args)


def test_a_run_too_long_to_simulate_is_refused_by_name():
    with pytest.raises(ValueError, match="duration"):
        simulate_closed(TIMES, ROUTE, users=100, think_time=0.0, duration=1e9, seed=0)
