"""Load-balancing policies: do they pick the servers they say, on common random numbers?"""

from __future__ import annotations

import numpy as np
import pytest

from course.scaling.balancing import POLICIES, Fleet, race, simulate_balancer
from course.scaling.supermarket import supermarket_time

GRAY = Fleet(slow_server=0, slowdown=4.0)


def test_round_robin_visits_servers_in_turn():
    run = simulate_balancer("round robin", Fleet(speeds=(1, 1, 1)), load=0.5, requests=30, seed=1)
    assert run.servers.tolist() == [0, 1, 2] * 10


def test_weighted_round_robin_follows_nominal_speeds_even_when_a_server_is_gray():
    """Smooth WRR: weights 2,2,1,…,1 give shares 0.2, 0.2, 0.1 …, blind to the slow server."""
    for fleet in (Fleet(), GRAY):
        run = simulate_balancer("weighted", fleet, load=0.5, requests=10_000, seed=3)
        assert np.allclose(run.shares, np.array(fleet.speeds) / sum(fleet.speeds), atol=1e-12)


def test_every_policy_sees_the_same_traffic():
    """Common random numbers: identical arrivals and work for every policy."""
    runs = [simulate_balancer(p, GRAY, load=0.6, requests=2000, seed=5) for p in POLICIES]
    for run in runs[1:]:
        assert np.array_equal(run.arrival_times, runs[0].arrival_times)
        assert np.array_equal(run.work, runs[0].work)


def test_response_time_is_wait_plus_own_service_fcfs():
    """Does each response equal the FCFS recursion per server, recomputed here in plain Python?"""
    run = simulate_balancer("random", GRAY, load=0.7, requests=3000, seed=8)
    speeds = GRAY.effective_speeds
    free = np.zeros(len(speeds))
    for t, s, w, r in zip(run.arrival_times, run.servers, run.work, run.response_times):
        free[s] = max(t, free[s]) + w / speeds[s]
        assert r == pytest.approx(free[s] - t, rel=1e-12, abs=1e-15)


def test_connections_seen_counts_requests_still_in_flight():
    run = simulate_balancer("least connections", Fleet(speeds=(1, 1)), load=0.8, requests=2000, seed=2)
    departures = run.arrival_times + run.response_times
    for i in range(0, 2000, 97):
        s = run.servers[i]
        earlier = (run.servers[:i] == s) & (departures[:i] > run.arrival_times[i])
        assert run.connections_seen[i] == earlier.sum()


def test_least_connections_never_picks_a_busier_server():
    fleet = Fleet(speeds=(1, 1, 1, 1))
    run = simulate_balancer("least connections", fleet, load=0.9, requests=3000, seed=4)
    departures = run.arrival_times + run.response_times
    for i in range(1, 3000, 53):
        t = run.arrival_times[i]
        counts = [((run.servers[:i] == s) & (departures[:i] > t)).sum() for s in range(4)]
        assert counts[run.servers[i]] == min(counts)


def test_consistent_hashing_sends_a_client_to_one_server():
    """Same client key, same server: the share per server is the ring's, not the speeds'."""
    run = simulate_balancer("consistent hashing", Fleet(), load=0.5, requests=5000, seed=1)
    assert run.shares.min() > 0.05 and abs(run.shares.sum() - 1) < 1e-12


def test_informed_policies_beat_blind_ones_with_a_gray_server():
    """At 70 % load with a 4× slower server: least connections and P2C beat round robin and random by far."""
    rows = {r["policy"]: r for r in race(GRAY, loads=[0.7], requests=20_000, seed=0)}
    for good in ("least connections", "least response time", "power of two choices"):
        for blind in ("round robin", "random", "weighted", "consistent hashing"):
            assert rows[good]["p99_ms"] * 10 < rows[blind]["p99_ms"]
    assert rows["weighted"]["busiest"] > 1 and rows["least connections"]["busiest"] < 1


def test_p2c_approaches_the_supermarket_model():
    """100 equal servers at λ = 0.9: P2C's mean time ≈ 2.6 service times, random's ≈ 10 (model: 2.61, 10)."""
    fleet = Fleet(speeds=(1.0,) * 100)
    p2c = simulate_balancer("power of two choices", fleet, load=0.9, requests=400_000, mean_service=1.0, seed=1)
    rnd = simulate_balancer("random", fleet, load=0.9, requests=400_000, mean_service=1.0, seed=1)
    assert p2c.mean == pytest.approx(supermarket_time(0.9, 2), rel=0.08)
    assert rnd.mean == pytest.approx(10.0, rel=0.25)


@pytest.mark.parametrize("call, name", [
    (lambda: simulate_balancer("fastest"), "policy"), (lambda: simulate_balancer("random", load=1.0), "load"),
    (lambda: Fleet(speeds=(1,)), "speeds"), (lambda: Fleet(slow_server=9), "slow_server"),
    (lambda: Fleet(slow_server=1, slowdown=0.5), "slowdown"),
    (lambda: simulate_balancer("random", requests=5), "requests"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
