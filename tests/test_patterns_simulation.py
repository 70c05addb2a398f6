"""Tests for course.patterns.simulation: determinism, queueing laws, arrivals, validation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from course.patterns import (
    HYSTRIX,
    Bulkhead,
    Client,
    Dependency,
    Deterministic,
    Endpoint,
    Exponential,
    Lognormal,
    Retry,
    Service,
    Simulation,
    SlowDown,
)

try:  # the kit's own Erlang C, if that module is there; else the formula below
    from course.queueing.erlang import erlang_c
except ImportError:  # pragma: no cover - depends on another module of the kit
    erlang_c = None


def erlang_c_formula(servers: int, offered_load: float) -> float:
    """P(wait) in M/M/c, from Erlang's formula written out (independent of the kit)."""
    terms = sum(offered_load**k / math.factorial(k) for k in range(servers))
    last = offered_load**servers / math.factorial(servers) * servers / (servers - offered_load)
    return last / (terms + last)


def batch_means_interval(values: np.ndarray, batches: int = 20, confidence: float = 0.99):
    """A t confidence interval for the mean from batch means (batches in time order)."""
    means = np.array([chunk.mean() for chunk in np.array_split(values, batches)])
    half = stats.t.ppf(0.5 + confidence / 2, batches - 1) * means.std(ddof=1) / np.sqrt(batches)
    return means.mean() - half, means.mean() + half


def small_system(seed=1, **dependency):
    api = Service("api", workers=8, queue_capacity=30, service_time=Lognormal(mean=0.02, cv=1.5),
                  calls=[Dependency("db", timeout=0.2, **dependency)])
    db = Service("db", workers=4, queue_capacity=20, service_time=Exponential(rate=150.0))
    users = Client("users", [(0.0, 80.0), (20.0, 160.0), (40.0, 80.0)], Dependency("api", timeout=1.0))
    return Simulation([api, db], [users], faults=[SlowDown("db", 25.0, 35.0, factor=10.0)], seed=seed)


def test_same_seed_gives_identical_dataframes():
    """Do two runs with one seed give identical records, timelines and breaker logs?"""
    patterns = dict(breaker=HYSTRIX, bulkhead=Bulkhead(4), retry=Retry(max_attempts=2))
    first, second = small_system(**patterns).run(60.0), small_system(**patterns).run(60.0)
    for name in ("requests", "spans", "calls", "breaker_transitions", "faults"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    pd.testing.assert_frame_equal(first.timeline(1.0), second.timeline(1.0))
    pd.testing.assert_frame_equal(first.breaker_timeline(1.0), second.breaker_timeline(1.0))
    assert len(first.breaker_transitions) > 0


def test_different_seeds_give_different_runs():
    """Does another seed give other arrivals?"""
    first, other = small_system(seed=1).run(10.0), small_system(seed=2).run(10.0)
    assert not first.requests.arrival.head(20).equals(other.requests.arrival.head(20))


def test_patterns_do_not_change_the_arrivals_the_system_sees():
    """With and without a breaker, do the clients send the very same requests (common random numbers)?"""
    bare = small_system().run(60.0).requests
    guarded = small_system(breaker=HYSTRIX, bulkhead=Bulkhead(4)).run(60.0).requests
    pd.testing.assert_series_equal(bare.arrival, guarded.arrival)


def test_a_generator_can_seed_a_run():
    """Is a numpy Generator accepted as the seed, and reproducible from the same state?"""
    first = small_system(seed=np.random.default_rng(4)).run(5.0)
    second = small_system(seed=np.random.default_rng(4)).run(5.0)
    pd.testing.assert_frame_equal(first.requests, second.requests)


def test_arrival_counts_follow_the_changing_rate():
    """Are request counts per rate segment Poisson with the segment's mean (rate × length)?"""
    users = Client("users", [(0.0, 50.0), (100.0, 0.0), (150.0, 200.0)], Dependency("api"))
    api = Service("api", workers=1000, service_time=Deterministic(0.001))
    arrivals = Simulation([api], [users], seed=5).run(250.0).requests.arrival.to_numpy()
    for low, high, mean in ((0, 100, 5000.0), (100, 150, 0.0), (150, 250, 20000.0)):
        count = ((arrivals >= low) & (arrivals < high)).sum()
        assert abs(count - mean) <= 4 * math.sqrt(max(mean, 1.0))
    assert users.expected_requests(250.0) == 25000.0


def test_littles_law_holds_in_a_simple_service():
    """In M/M/1 at ρ = 0.7, does the time-average number in system match λW and ρ/(1-ρ)?"""
    api = Service("api", workers=1, service_time=Exponential(rate=10.0))
    result = Simulation([api], [Client("users", 7.0, Dependency("api"))], seed=12).run(20_000.0)
    summary = result.summary().loc["api"]
    spans = result.spans
    mean_in_system = summary.in_flight
    arrival_rate = len(spans) / result.duration
    # Sample-path Little's law: only the few requests straddling the end can differ.
    assert mean_in_system == pytest.approx(arrival_rate * spans.latency.mean(), rel=2e-3)
    low, high = batch_means_interval(spans.latency.to_numpy())
    theory_w = 1 / (10.0 - 7.0)
    assert low < theory_w < high
    assert mean_in_system == pytest.approx(0.7 / 0.3, rel=0.05)


def test_mmc_mean_wait_matches_erlang_c():
    """Does M/M/10 at λ = 8, μ = 1 wait Erlang-C / (cμ - λ) on average, within a 99 % interval?"""
    servers, arrival_rate, service_rate = 10, 8.0, 1.0
    api = Service("api", workers=servers, service_time=Exponential(rate=service_rate))
    result = Simulation([api], [Client("users", arrival_rate, Dependency("api"))], seed=3).run(12_000.0)
    spans = result.spans[result.spans.arrival > 200.0]  # drop the empty-start transient
    offered = arrival_rate / service_rate
    p_wait = erlang_c_formula(servers, offered)
    if erlang_c is not None:
        assert float(erlang_c(servers, offered)) == pytest.approx(p_wait, rel=1e-12)
    theory = p_wait / (servers * service_rate - arrival_rate)
    low, high = batch_means_interval(spans.queue_wait.to_numpy())
    assert low < theory < high
    waited = (spans.queue_wait > 0).mean()
    assert abs(waited - p_wait) < 0.03


def test_unfinished_work_is_recorded_as_in_progress():
    """Are requests still running at the end recorded as in_progress with no end time?"""
    api = Service("api", workers=1, service_time=Deterministic(100.0))
    result = Simulation([api], [Client("users", 1.0, Dependency("api"))], seed=1).run(10.0)
    assert set(result.requests.outcome) == {"in_progress"}
    assert result.requests.end.isna().all()
    summary = result.summary()
    assert summary.loc["api", "busy"] == pytest.approx(1.0 - result.spans.start.min() / 10.0)


def test_network_delay_adds_to_every_hop():
    """With a 5 ms network delay, is a 10 ms call seen by the client as 20 ms?"""
    api = Service("api", workers=10, service_time=Deterministic(0.01))
    simulation = Simulation([api], [Client("users", 10.0, Dependency("api"))], seed=1,
                            network_delay=0.005)
    latency = simulation.run(10.0).requests.query("outcome == 'success'").latency
    assert np.allclose(latency, 0.02)


def test_endpoints_route_requests_to_their_own_calls():
    """Does each endpoint use its own service time and its own dependencies?"""
    api = Service("api", workers=10, endpoints=[
        Endpoint("read", Deterministic(0.001), (Dependency("cache"),)),
        Endpoint("write", Deterministic(0.002), (Dependency("db"),))])
    cache = Service("cache", workers=10, service_time=Deterministic(0.001))
    db = Service("db", workers=10, service_time=Deterministic(0.004))
    clients = [Client("readers", 10.0, Dependency("api", "read")),
               Client("writers", 10.0, Dependency("api", "write"))]
    result = Simulation([api, cache, db], clients, seed=1).run(10.0)
    latency = result.requests.groupby("client", observed=True).latency.mean()
    assert latency["readers"] == pytest.approx(0.002) and latency["writers"] == pytest.approx(0.006)


@pytest.mark.parametrize("build, message", [
    (lambda: Simulation([], [Client("u", 1.0, Dependency("nowhere"))]), "unknown service"),
    (lambda: Simulation([Service("a", 1)], [Client("u", 1.0, Dependency("a", "nope"))]),
     "unknown endpoint"),
    (lambda: Simulation([Service("a", 1)], [Client("a", 1.0, Dependency("a"))]), "unique"),
    (lambda: Simulation([Service("a", 1)], []), "clients"),
    (lambda: Simulation([Service("a", 1)], [Client("u", 1.0, Dependency("a"))], seed=-1), "seed"),
    (lambda: Service("a", workers=0), "workers"),
    (lambda: Service("a", workers=1, service_time=0.1), "service_time"),
    (lambda: Client("u", [(1.0, 5.0)], Dependency("a")), "time 0"),
    (lambda: Client("u", -1.0, Dependency("a")), "arrival_rate"),
    (lambda: Dependency("a", timeout=0.0), "timeout"),
    (lambda: Service("a", 1, calls=[Dependency("b", breaker=HYSTRIX), Dependency("b")]).endpoints
     and Simulation([Service("a", 1, calls=[Dependency("b", breaker=HYSTRIX), Dependency("b")]),
                     Service("b", 1)], [Client("u", 1.0, Dependency("a"))]).run(1.0), "share one"),
])
def test_bad_systems_are_refused_with_a_clear_message(build, message):
    """Do inconsistent descriptions raise a ValueError that says what is wrong?"""
    with pytest.raises(ValueError, match=message):
        build()


def test_run_refuses_a_non_positive_duration():
    """Does run(0) raise a ValueError naming duration?"""
    simulation = small_system()
    with pytest.raises(ValueError, match="duration"):
        simulation.run(0.0)
