"""Tests for course.queueing.networks: operational laws, exact MVA, open Jackson networks.

References used here are independent of the module: a finite birth–death chain for the
machine-repairman model, a continuous-time Markov chain solved numerically for a cyclic
closed network, closed forms for tandem and feedback queues, published Erlang C values and
a seeded discrete-event simulation.
"""

import heapq
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaln

from course.queueing.networks import (
    asymptotic_bounds,
    bottleneck,
    forced_flow,
    jackson,
    mva,
    service_demands,
    utilization,
)

# ---------------------------------------------------------------- operational laws


def test_operational_laws_by_hand():
    """Do the utilization, forced-flow and service-demand laws give the hand-computed values?"""
    assert utilization(throughput=125, service_time=0.004) == pytest.approx(0.5)
    assert forced_flow([2, 0.5], system_throughput=8).tolist() == [16.0, 4.0]
    # A page that needs 3 database reads of 4 ms each brings 12 ms of database work.
    assert service_demands([1, 3], [0.010, 0.004]) == pytest.approx([0.010, 0.012])


def test_bottleneck_is_the_largest_demand_not_the_largest_service_time():
    """Is the bottleneck chosen by demand V·S, so a fast resource visited often can be it?"""
    demands = service_demands(visits=[1, 10], service_times=[0.050, 0.008])
    assert bottleneck(demands) == 1


def test_asymptotic_bounds_by_hand():
    """Do the bounds match min(N/(D+Z), 1/Dmax) and max(D, N·Dmax − Z) worked by hand?"""
    # D = 0.03 s, Dmax = 0.02 s, Z = 1 s, knee N* = 1.03 / 0.02 = 51.5.
    b = asymptotic_bounds([0.010, 0.020], think_time=1.0, population=[1, 10, 51, 52, 200])
    assert b.throughput_upper == pytest.approx([1 / 1.03, 10 / 1.03, 51 / 1.03, 50.0, 50.0])
    assert b.response_time_lower == pytest.approx([0.03, 0.03, 0.03, 0.04, 3.0])
    assert b.response_time_upper == pytest.approx([0.03, 0.3, 1.53, 1.56, 6.0])
    assert b.throughput_lower == pytest.approx([1 / 1.03, 10 / 1.3, 51 / 2.53, 52 / 2.56, 200 / 7])
    assert b.knee == pytest.approx(51.5)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"demands": [0.1, -0.1], "think_time": 1, "population": 3}, "demands"),
        ({"demands": [0.1], "think_time": -1, "population": 3}, "think_time"),
        ({"demands": [0.1], "think_time": 1, "population": 0}, "population must be >= 1"),
        (
            {"demands": [0.1], "think_time": 1, "population": 2.5},
            "population must be a whole number",
        ),
        ({"demands": [0.0, 0.0], "think_time": 1, "population": 3}, "demands"),
    ],
)
def test_asymptotic_bounds_reject_bad_input(kwargs, fragment):
    """Does bad input raise a ValueError that names the parameter?"""
    with pytest.raises(ValueError, match=fragment):
        asymptotic_bounds(**kwargs)


# ---------------------------------------------------------------- MVA


def machine_repairman(service_time, think_time, machines):
    """M/M/1//N by its birth–death chain: state j = requests at the server (0..N)."""
    weights = [1.0]
    for j in range(1, machines + 1):
        # Balance across the cut j-1 | j: p_{j-1}·(N−j+1)/Z = p_j·(1/S).
        weights.append(weights[-1] * (machines - j + 1) / think_time * service_time)
    p = np.array(weights) / sum(weights)
    throughput = (1 - p[0]) / service_time
    queue = float(np.dot(np.arange(machines + 1), p))
    return throughput, queue / throughput, queue


@pytest.mark.parametrize("service_time, think_time", [(0.5, 2.0), (0.05, 1.0), (1.0, 0.1)])
def test_mva_equals_machine_repairman_model(service_time, think_time):
    """Does MVA for one station with think time equal the M/M/1//N birth–death chain?"""
    solution = mva([service_time], think_time=think_time, population=12)
    for i, n in enumerate(solution.population):
        x, r, q = machine_repairman(service_time, think_time, int(n))
        assert solution.throughput[i] == pytest.approx(x, rel=1e-12)
        assert solution.response_time[i] == pytest.approx(r, rel=1e-12)
        assert solution.queue_length[i, 0] == pytest.approx(q, rel=1e-12)
        assert solution.utilization[i, 0] == pytest.approx(x * service_time, rel=1e-12)


def cyclic_network_ctmc(queue_times, delay_times, think_time, users):
    """Solve a closed cyclic network (think -> queues -> delays -> think) as a CTMC.

    Every station is visited once per cycle with exponential service; queueing stations
    are single FCFS servers, delay and think stations are infinite-server. Returns
    throughput, response time and mean number at each queueing/delay station.
    """
    means = [think_time, *queue_times, *delay_times]
    infinite = [True] + [False] * len(queue_times) + [True] * len(delay_times)
    stations = len(means)
    states = [s for s in itertools.product(range(users + 1), repeat=stations) if sum(s) == users]
    index = {s: i for i, s in enumerate(states)}
    generator = np.zeros((len(states), len(states)))
    for s in states:
        for k in range(stations):
            if s[k] == 0:
                continue
            rate = (s[k] if infinite[k] else 1) / means[k]
            t = list(s)
            t[k] -= 1
            t[(k + 1) % stations] += 1
            generator[index[s], index[tuple(t)]] += rate
            generator[index[s], index[s]] -= rate
    # Solve π Q = 0 with Σπ = 1 by replacing one balance equation with the normalisation.
    a = generator.T.copy()
    a[-1] = 1.0
    b = np.zeros(len(states))
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    counts = np.array(states, dtype=float)
    mean_counts = pi @ counts
    throughput = mean_counts[0] / think_time  # completions of the think (IS) station
    return throughput, (users - mean_counts[0]) / throughput, mean_counts[1:]


def test_mva_equals_markov_chain_of_a_cyclic_network_with_a_delay_station():
    """Does MVA match a CTMC solved numerically for 3 queues + 1 delay station at N = 1..5?"""
    queue_times, delay_times, think_time = [0.3, 0.5, 0.2], [0.4], 1.5
    solution = mva(queue_times, think_time, population=5, delay_demands=delay_times)
    assert solution.station_kinds == ("queue", "queue", "queue", "delay")
    for i, n in enumerate(solution.population):
        x, r, q = cyclic_network_ctmc(queue_times, delay_times, think_time, int(n))
        assert solution.throughput[i] == pytest.approx(x, rel=1e-9)
        assert solution.response_time[i] == pytest.approx(r, rel=1e-9)
        assert solution.queue_length[i] == pytest.approx(q, rel=1e-9)


def test_mva_doc_example_matches_markov_chain():
    """Is the docstring's two-station example (44.27 req/s at N = 50) right by an independent method?"""
    # 50 users over 3 stations is 1,326 states: small enough for a direct solve.
    x, r, _ = cyclic_network_ctmc([0.010, 0.020], [], 1.0, 50)
    assert round(x, 2) == 44.27
    assert round(r, 3) == 0.13


def test_mva_without_think_time_saturates_at_once():
    """With Z = 0 and one station, is X = 1/D at every N and R = N·D?"""
    solution = mva([0.25], think_time=0.0, population=6)
    assert solution.throughput == pytest.approx([4.0] * 6)
    assert solution.response_time == pytest.approx(0.25 * np.arange(1, 7))


@settings(max_examples=60, deadline=None)
@given(
    demands=st.lists(st.floats(0.001, 2.0), min_size=1, max_size=5),
    think_time=st.floats(0.0, 10.0),
    population=st.integers(1, 60),
)
def test_mva_respects_bounds_and_littles_law(demands, think_time, population):
    """Do exact MVA results always lie within the asymptotic bounds and obey Little's law?"""
    solution = mva(demands, think_time, population)
    bounds = asymptotic_bounds(demands, think_time, solution.population)
    tolerance = 1e-9
    assert np.all(solution.throughput <= bounds.throughput_upper * (1 + tolerance))
    assert np.all(solution.throughput >= bounds.throughput_lower * (1 - tolerance))
    assert np.all(solution.response_time >= bounds.response_time_lower * (1 - tolerance))
    assert np.all(solution.response_time <= bounds.response_time_upper * (1 + tolerance))
    # Every user is either thinking (X·Z of them on average) or at a station.
    users = solution.queue_length.sum(axis=1) + solution.throughput * think_time
    assert users == pytest.approx(solution.population.astype(float), rel=1e-9)
    assert np.all(np.diff(solution.throughput) >= -1e-12)
    assert np.all(solution.utilization <= 1 + tolerance)


def test_mva_table_is_tidy():
    """Does to_frame give one row per (population, station) with spelled-out columns?"""
    frame = mva([0.1, 0.2], 1.0, 4, delay_demands=[0.5]).to_frame()
    assert mva([0.1], 1.0, 3, delay_demands=None).station_kinds == ("queue",)
    assert len(frame) == 4 * 3
    assert {"population", "station", "kind", "throughput", "queue_length", "utilization"} <= set(
        frame
    )
    assert frame.loc[frame.kind == "delay", "station"].unique().tolist() == [2]


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        (([0.1], 1.0, 0), {}, "population"),
        (([-0.1], 1.0, 3), {}, "demands"),
        (([0.1], -1.0, 3), {}, "think_time"),
        (([0.0], 0.0, 3), {}, "cannot all be 0"),
        (([0.1], 1.0, 3), {"delay_demands": [-1]}, "delay_demands"),
    ],
)
def test_mva_rejects_bad_input(args, kwargs, fragment):
    """Does bad input to mva raise a ValueError that names the parameter?"""
    with pytest.raises(ValueError, match=fragment):
        mva(*args, **kwargs)


# ---------------------------------------------------------------- Jackson networks


def test_tandem_of_mm1_queues():
    """Is a tandem of M/M/1 queues the sum of 1/(μ_k − λ) (Burke's theorem)?"""
    net = jackson([5, 0, 0], [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [10, 8, 6])
    assert net.arrival_rates == pytest.approx([5, 5, 5])
    assert net.response_time == pytest.approx(1 / 5 + 1 / 3 + 1 / 1)
    assert net.utilization == pytest.approx([0.5, 5 / 8, 5 / 6])


def test_single_node_with_feedback():
    """With feedback probability p, is λ = a/(1−p) and T = 1/((1−p)(μ−λ))?"""
    a, p, mu = 2.0, 0.6, 10.0
    net = jackson([a], [[p]], [mu])
    lam = a / (1 - p)
    assert net.arrival_rates[0] == pytest.approx(lam)
    assert net.visit_ratios[0] == pytest.approx(1 / (1 - p))
    assert net.response_time == pytest.approx(1 / ((1 - p) * (mu - lam)))


def test_traffic_equations_match_power_series():
    """Does the linear solve agree with summing the routes λ = a·Σ R^n term by term?"""
    rng = np.random.default_rng(7)
    routing = rng.uniform(size=(5, 5))
    routing *= 0.85 / routing.sum(axis=1, keepdims=True)
    external = rng.uniform(0, 1, size=5)
    net = jackson(external, routing, service_rates=[100] * 5)
    series, term = np.zeros(5), external.copy()
    for _ in range(400):
        series += term
        term = term @ routing
    assert net.arrival_rates == pytest.approx(series, rel=1e-10)


def test_curriculum_visit_mix_example():
    """Is the 0.8 × 5 ms + 0.2 × 25 ms visit mix a 9 ms mean demand, approached at light load?"""
    light = jackson([0.8e-3, 0.2e-3], [[0, 0], [0, 0]], service_rates=[1 / 0.005, 1 / 0.025])
    assert light.visit_ratios == pytest.approx([0.8, 0.2])
    assert light.service_demands.sum() == pytest.approx(0.009, rel=1e-12)
    assert light.response_time == pytest.approx(0.009, rel=1e-5)
    busy = jackson([80, 20], [[0, 0], [0, 0]], service_rates=[200, 40])
    assert busy.response_time == pytest.approx(0.8 * 0.005 / 0.6 + 0.2 * 0.025 / 0.5)


@pytest.mark.parametrize("servers, expected", [(2, 0.711), (4, 0.596), (8, 0.458), (16, 0.305)])
def test_mmc_node_p_wait_matches_published_values(servers, expected):
    """At 80 % per-server load, is P(wait) 71.1/59.6/45.8/30.5 % for c = 2/4/8/16?"""
    net = jackson([0.8 * servers], [[0]], service_rates=[1.0], servers=servers)
    assert round(float(net.p_wait[0]), 3) == expected


def test_mmc_node_with_hundreds_of_servers_is_exact():
    """For c = 500 at 95 % load, does Erlang C match the log-space closed form without overflow?"""
    c, a = 500, 475.0
    log_term = c * math.log(a) - gammaln(c + 1) + math.log(c / (c - a))
    log_sum = np.logaddexp.reduce([k * math.log(a) - gammaln(k + 1) for k in range(c)])
    expected = 1 / (1 + math.exp(log_sum - log_term))
    net = jackson([a], [[0]], service_rates=[1.0], servers=c)
    assert net.p_wait[0] == pytest.approx(expected, rel=1e-10)
    assert net.response_times[0] == pytest.approx(expected / (c - a) + 1.0, rel=1e-10)


def test_mm1_node_is_the_c_equals_1_case():
    """Is a one-server node's P(wait) = ρ and W = 1/(μ − λ)?"""
    net = jackson([3.0], [[0]], [4.0], servers=1)
    assert net.p_wait[0] == pytest.approx(0.75)
    assert net.response_times[0] == pytest.approx(1.0)


def simulate_open_network(external, routing, service_rates, customers, seed):
    """Seeded discrete-event simulation of single-server FCFS nodes; returns sojourn times."""
    rng = np.random.default_rng(seed)
    total = sum(external)
    nodes = len(external)
    queues = [[] for _ in range(nodes)]  # customer ids; the head is in service
    events = []  # (time, sequence, kind, node, customer)
    sequence = itertools.count()
    entered, sojourns = {}, []
    heapq.heappush(events, (rng.exponential(1 / total), next(sequence), "arrival", -1, 0))
    next_id = 1
    while len(sojourns) < customers:
        time, _, kind, node, customer = heapq.heappop(events)
        if kind == "arrival":
            node = int(rng.choice(nodes, p=np.asarray(external) / total))
            entered[customer] = time
            heapq.heappush(
                events, (time + rng.exponential(1 / total), next(sequence), "arrival", -1, next_id)
            )
            next_id += 1
        else:  # departure from `node`
            queues[node].pop(0)
            if queues[node]:
                heapq.heappush(
                    events,
                    (
                        time + rng.exponential(1 / service_rates[node]),
                        next(sequence),
                        "departure",
                        node,
                        queues[node][0],
                    ),
                )
            leave = 1.0 - sum(routing[node])
            move = rng.choice(nodes + 1, p=[*routing[node], leave])
            if move == nodes:
                sojourns.append(time - entered.pop(customer))
                continue
            node = int(move)
        queues[node].append(customer)
        if len(queues[node]) == 1:
            heapq.heappush(
                events,
                (
                    time + rng.exponential(1 / service_rates[node]),
                    next(sequence),
                    "departure",
                    node,
                    customer,
                ),
            )
    return np.array(sojourns)


def test_jackson_matches_simulation_of_a_network_with_feedback():
    """Does a seeded simulation's mean end-to-end time agree with Jackson's formula (99 % CI)?"""
    external, routing, rates = [3.0, 1.0], [[0.0, 0.5], [0.3, 0.1]], [8.0, 6.0]
    net = jackson(external, routing, rates)
    sojourns = simulate_open_network(external, routing, rates, customers=24_000, seed=2024)[4_000:]
    batches = sojourns.reshape(20, -1).mean(axis=1)  # batch means tame the autocorrelation
    half_width = 2.861 * batches.std(ddof=1) / math.sqrt(batches.size)  # t(0.995, 19)
    assert abs(batches.mean() - net.response_time) < half_width
    assert half_width < 0.1 * net.response_time  # the check has teeth


def test_unstable_node_is_named():
    """Does an overloaded node raise a ValueError naming that node rather than returning inf?"""
    with pytest.raises(ValueError, match=r"utilization of node 1 .* must be < 1"):
        jackson([5, 0], [[0, 1], [0, 0]], service_rates=[10, 5])


@pytest.mark.parametrize(
    "args, fragment",
    [
        (([1, 1], [[0, 0.6], [0.5, 0.6]], [5, 5]), "routing row 1 must sum to <= 1"),
        (([1, 0], [[0, 1], [1, 0]], [5, 5]), "eventually leave"),
        (([1, 1], [[0, 0]], [5, 5]), "routing must be a 2x2"),
        (([1, 1], [[0, -0.1], [0, 0]], [5, 5]), "routing must contain probabilities"),
        (([0, 0], [[0, 0], [0, 0]], [5, 5]), "external_arrivals"),
        (([1, 1], [[0, 0], [0, 0]], [5, 0]), "service_rates"),
        (([1, 1], [[0, 0], [0, 0]], [5, 5, 5]), "same length"),
    ],
)
def test_jackson_rejects_bad_input(args, fragment):
    """Does a bad network description raise a ValueError saying what is wrong?"""
    with pytest.raises(ValueError, match=fragment):
        jackson(*args)


def test_jackson_rejects_bad_server_counts():
    """Are server counts checked as whole numbers >= 1, one per node?"""
    with pytest.raises(ValueError, match="servers must be >= 1"):
        jackson([1], [[0]], [5], servers=0)
    with pytest.raises(ValueError, match="servers must be one whole number or 2"):
        jackson([1, 1], [[0, 0], [0, 0]], [5, 5], servers=[1, 2, 3])


def test_jackson_table_has_one_row_per_node():
    """Does to_frame give one tidy row per node whose queue lengths add up to Little's L?"""
    net = jackson([2, 1], [[0, 0.5], [0, 0]], [5, 5], servers=[1, 2])
    frame = net.to_frame()
    assert frame["node"].tolist() == [0, 1]
    assert frame["queue_length"].sum() == pytest.approx(net.response_time * net.throughput)
