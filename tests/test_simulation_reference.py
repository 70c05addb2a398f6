"""Tests for the readable event-driven engine and networks (course.simulation.reference, .network).

Closed forms are computed here, from the textbook formulas, so that a bug shared by the
engine and course.queueing.markovian could not hide. Checks with several intervals at once use 99 %
intervals, so one test is not a coin with several 5 % chances of a false alarm.
"""

import math

import numpy as np
import pytest

from course.queueing.markovian import mmc
from course.simulation import (
    Deterministic,
    Exponential,
    Network,
    Node,
    simulate_mmc_reference,
    simulate_network,
)


def test_records_are_tidy_and_consistent():
    """Does every record have the documented columns, with times that add up for each outcome?"""
    node = Node("desk", servers=2, service=Exponential(1.0), arrivals=Exponential(2.2),
                capacity=6, patience=Exponential(0.5))
    frame = simulate_network(Network([node]), customers=20_000, seed=3).to_frame()
    assert list(frame.columns) == ["customer_id", "node", "arrival_time", "service_start",
                                   "service_end", "departure_time", "waiting_time",
                                   "service_time", "outcome"]
    assert set(frame["outcome"]) == {"served", "blocked", "abandoned"}
    assert frame["customer_id"].is_unique and len(frame) == 20_000
    served = frame[frame["outcome"] == "served"]
    np.testing.assert_allclose(served["waiting_time"], served["service_start"] - served["arrival_time"])
    np.testing.assert_allclose(served["service_time"], served["service_end"] - served["service_start"],
                               atol=1e-9)
    assert (served["departure_time"] == served["service_end"]).all()
    lost = frame[frame["outcome"] != "served"]
    assert lost["service_start"].isna().all() and lost["service_time"].isna().all()
    blocked = frame[frame["outcome"] == "blocked"]
    assert (blocked["waiting_time"] == 0).all() and (blocked["departure_time"] == blocked["arrival_time"]).all()
    abandoned = frame[frame["outcome"] == "abandoned"]
    np.testing.assert_allclose(abandoned["waiting_time"],
                               abandoned["departure_time"] - abandoned["arrival_time"])
    assert (frame["departure_time"] >= frame["arrival_time"]).all()


def test_servers_and_capacity_are_never_exceeded():
    """Are never more than `servers` customers in service, nor more than `capacity` in the node?"""
    node = Node("desk", servers=3, service=Exponential(1.0), arrivals=Exponential(3.5), capacity=7)
    frame = simulate_network(Network([node]), customers=30_000, seed=8).to_frame(include_warmup=True)
    served = frame[frame["outcome"] == "served"]
    assert _peak(served["service_start"], served["service_end"]) == 3
    admitted = frame[frame["outcome"] != "blocked"]
    assert _peak(admitted["arrival_time"], admitted["departure_time"]) == 7


def test_mm1k_blocking_matches_closed_form():
    """Does the M/M/1/K blocking probability match (1 − ρ)ρ^K / (1 − ρ^(K+1))?"""
    rho, capacity = 0.9, 5
    exact_blocking = (1 - rho) * rho**capacity / (1 - rho ** (capacity + 1))  # 0.0626
    node = Node("pool", servers=1, service=Exponential(1.0), arrivals=Exponential(rho),
                capacity=capacity)
    summary = simulate_network(Network([node]), customers=200_000, seed=4, warmup=2_000)
    row = summary.node_summary(confidence=0.99).iloc[0]
    assert row["served_fraction_ci_low"] < 1 - exact_blocking < row["served_fraction_ci_high"]
    assert row["blocked"] + row["served"] == row["visits"] and row["abandoned"] == 0


def test_timeouts_m_m_1_plus_d_served_fraction():
    """At ρ = 0.95 with a timeout of 2 service times, are ~77 % served (not the 14 % M/M/1 implies)?

    Model (c = 1, the case where the curriculum's 14 % is the M/M/1 figure
    P(Wq ≤ 2S) = 1 − ρe^(−μ(1−ρ)·2S) = 0.1404): M/M/1+D, each waiting customer leaves after
    D = 2 s in the queue. A customer is served iff the workload V it finds is ≤ D; the
    workload density is λp0·e^(−(μ−λ)v) below D and λp0·e^(−(μ−λ)D)·e^(−μ(v−D)) above, so
    P(served) = p0·(1 + λ/(μ−λ)·(1 − e^(−(μ−λ)D))) with p0 fixed by normalisation = 0.7656.
    """
    arrival_rate, service_rate, timeout = 0.95, 1.0, 2.0
    drain = service_rate - arrival_rate
    below = arrival_rate / drain * (1 - math.exp(-drain * timeout))
    above = arrival_rate / service_rate * math.exp(-drain * timeout)
    exact_served = (1 + below) / (1 + below + above)
    naive_served = 1 - arrival_rate * math.exp(-drain * timeout)
    assert exact_served == pytest.approx(0.7656, abs=1e-4)
    assert naive_served == pytest.approx(0.1404, abs=1e-4)

    node = Node("api", servers=1, service=Exponential(service_rate),
                arrivals=Exponential(arrival_rate), patience=Deterministic(timeout))
    result = simulate_network(Network([node]), customers=300_000, seed=77, warmup=2_000)
    row = result.node_summary(confidence=0.99).iloc[0]
    assert row["served_fraction_ci_low"] < exact_served < row["served_fraction_ci_high"]
    assert row["blocked"] == 0
    frame = result.to_frame()
    assert frame.loc[frame["outcome"] == "served", "waiting_time"].max() <= timeout
    assert np.allclose(frame.loc[frame["outcome"] == "abandoned", "waiting_time"], timeout)


def test_littles_law_holds_in_the_records():
    """Does the time-average number in system (and in queue) equal λW (and λWq) in the records?"""
    node = Node("desk", servers=2, service=Exponential(1.0), arrivals=Exponential(1.6))
    frame = simulate_network(Network([node]), customers=150_000, seed=21).to_frame(include_warmup=True)
    low, high = frame["arrival_time"].quantile([0.1, 0.9])
    inside = frame[frame["arrival_time"].between(low, high)]
    rate = len(inside) / (high - low)
    in_system = _time_average(frame["arrival_time"], frame["departure_time"], low, high)
    in_queue = _time_average(frame["arrival_time"], frame["service_start"], low, high)
    sojourn = (inside["departure_time"] - inside["arrival_time"]).mean()
    assert in_system == pytest.approx(rate * sojourn, rel=0.01)
    assert in_queue == pytest.approx(rate * inside["waiting_time"].mean(), rel=0.02)
    model = mmc(1.6, 1.0, 2)  # and both sides near the M/M/2 values L = 4.44, Lq = 2.84
    assert in_system == pytest.approx(model.l, rel=0.1)
    assert in_queue == pytest.approx(model.lq, rel=0.15)


def test_jackson_network_nodes_wait_like_mmc_at_their_effective_rates():
    """In a 3-node network with feedback, does each node wait as M/M/c at its traffic-equation λ?"""
    nodes = [
        Node("front", servers=1, service=Exponential(3.0), arrivals=Exponential(2.0)),
        Node("auth", servers=1, service=Exponential(1.5)),
        Node("store", servers=2, service=Exponential(0.5)),
    ]
    routing = {"front": {"auth": 0.5, "store": 0.3}, "auth": {"front": 0.2}}
    network = Network(nodes, routing)
    # Traffic equations by hand: λf = 2 + 0.2·λa, λa = 0.5·λf, λs = 0.3·λf.
    front = 2 / (1 - 0.1)
    expected = np.array([front, 0.5 * front, 0.3 * front])
    np.testing.assert_allclose(network.arrival_rates(), expected, rtol=1e-12)

    result = simulate_network(network, customers=120_000, seed=5, warmup=3_000)
    summary = result.node_summary(confidence=0.99).set_index("node")
    for node, rate in zip(nodes, expected):
        exact_wq = mmc(rate, node.service.rate, node.servers).wq
        row = summary.loc[node.name]
        assert row["wait_ci_low"] < exact_wq < row["wait_ci_high"], node.name
    # Flow conservation: everything that entered "front" from outside left the network.
    frame = result.to_frame()
    assert frame.groupby("node", observed=True).size()["front"] == pytest.approx(
        expected[0] / 2 * 120_000, rel=0.01)


def test_reference_mmc_interval_covers_erlang_c():
    """Does the readable engine's M/M/10 interval contain Erlang C's Wq too?"""
    result = simulate_mmc_reference(9, 1, 10, customers=100_000, seed=31, warmup=5_000)
    assert result.wait_ci[0] < mmc(9, 1, 10).wq < result.wait_ci[1]
    assert result.utilization == pytest.approx(0.9, rel=0.02)


def test_network_is_seeded_and_timeouts_do_not_shift_service_draws():
    """Same seed, same records; and does adding patience leave the service draws unchanged?"""
    def frame(patience):
        node = Node("n", servers=1, service=Exponential(1.0), arrivals=Exponential(0.8),
                    patience=patience)
        return simulate_network(Network([node]), customers=2_000, seed=12).to_frame()

    assert frame(None).equals(frame(None))
    patient, impatient = frame(None), frame(Deterministic(1.0))
    # Own streams per purpose: the arrival times are identical with or without timeouts, and
    # the k-th service to start gets the k-th service draw in both runs.
    np.testing.assert_array_equal(patient["arrival_time"], impatient["arrival_time"])
    served = impatient[impatient["outcome"] == "served"].sort_values("service_start")
    draws = patient.sort_values("service_start")["service_time"].to_numpy()
    np.testing.assert_array_equal(served["service_time"], draws[: len(served)])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Node("", 1, Exponential(1.0)), "name"),
        (lambda: Node("a", 0, Exponential(1.0)), "servers"),
        (lambda: Node("a", 2, Exponential(1.0), capacity=1), "capacity"),
        (lambda: Node("a", 1, "fast"), "service"),
        (lambda: Network([Node("a", 1, Exponential(1.0))]), "external arrivals"),
        (lambda: Network([Node("a", 1, Exponential(1.0), arrivals=Exponential(2.0))]),
         "utilization"),
        (lambda: Network([Node("a", 1, Exponential(2.0), arrivals=Exponential(1.0))],
                         routing={"a": {"b": 0.5}}), "unknown node"),
        (lambda: Network([Node("a", 1, Exponential(2.0), arrivals=Exponential(1.0))],
                         routing=[[1.2]]), r"\[0, 1\]"),
        (lambda: Network([Node("a", 1, Exponential(2.0), arrivals=Exponential(1.0)),
                          Node("b", 1, Exponential(2.0))],
                         routing=[[0.0, 0.7], [0.6, 0.5]]), "sum"),
        (lambda: Network([Node("a", 1, Exponential(2.0), arrivals=Exponential(1.0)),
                          Node("b", 1, Exponential(2.0))],
                         routing=[[0.0, 1.0], [1.0, 0.0]]), "leave"),
        (lambda: simulate_network("net", 10, 1), "network"),
    ],
)
def test_bad_models_are_refused(build, message):
    """Does an impossible model raise a ValueError that says what is wrong?"""
    with pytest.raises(ValueError, match=message):
        build()


def test_overloaded_node_with_capacity_or_patience_is_allowed():
    """Can a node with ρ > 1 run when a finite buffer or timeouts keep it stable?"""
    for extra in ({"capacity": 10}, {"patience": Deterministic(1.0)}):
        node = Node("hot", servers=1, service=Exponential(1.0), arrivals=Exponential(1.5), **extra)
        summary = simulate_network(Network([node]), customers=5_000, seed=1).node_summary()
        assert summary.loc[0, "served_fraction"] < 0.8


def _time_average(starts, ends, low, high) -> float:
    """Time-average over [low, high] of how many (start, end) intervals are in progress."""
    starts, ends = np.asarray(starts, float), np.asarray(ends, float)
    keep = ~np.isnan(ends)
    starts, ends = starts[keep], ends[keep]
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(starts.size), -np.ones(ends.size)])
    order = np.argsort(times, kind="stable")
    counts = np.cumsum(steps[order])
    durations = np.diff(np.clip(times[order], low, high))
    return float(np.sum(counts[:-1] * durations) / (high - low))


def _peak(starts, ends) -> int:
    times = np.concatenate([np.asarray(starts, float), np.asarray(ends, float)])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # at equal times, departures first
    return int(np.cumsum(steps[order]).max())
