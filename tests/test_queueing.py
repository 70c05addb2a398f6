"""Tests for course.queueing.markovian: M/M/1, M/M/c, sizing, M/G/1 and G/G/c, widget grids."""

from __future__ import annotations

import dataclasses
import heapq
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from course.queueing.markovian import (
    hockey_stick,
    mm1,
    mmc,
    servers_for_p_wait,
    servers_for_response_quantile,
    servers_for_service_level,
    wait_surface,
)


def simulate_fcfs_response_times(arrival_rate, service_rate, servers, customers, rng):
    """Response times of a FCFS queue with ``servers`` servers, customer by customer."""
    arrivals = np.cumsum(rng.exponential(1 / arrival_rate, customers))
    services = rng.exponential(1 / service_rate, customers)
    free_at = [0.0] * servers
    responses = np.empty(customers)
    for i in range(customers):
        start = max(heapq.heappop(free_at), arrivals[i])
        heapq.heappush(free_at, start + services[i])
        responses[i] = start + services[i] - arrivals[i]
    return responses


def batch_mean_and_error(values, batches=40):
    """Mean and its standard error from batch means (the samples are autocorrelated)."""
    means = np.array([b.mean() for b in np.array_split(values, batches)])
    return means.mean(), means.std(ddof=1) / math.sqrt(batches)


# ----------------------------------------------------------------------------- M/M/1

@pytest.mark.parametrize(("rho", "lq"), [(0.5, 0.5), (0.8, 3.2), (0.9, 8.1), (0.95, 18.05)])
def test_mm1_queue_length_matches_curriculum(rho, lq):
    """Is M/M/1 Lq = 0.5, 3.2, 8.1, 18.05 at ρ = .5, .8, .9, .95?"""
    assert mm1(rho * 4.0, 4.0).lq == pytest.approx(lq, rel=1e-12)


@pytest.mark.parametrize(("rho", "multiple"), [(0.5, 2), (0.8, 5), (0.9, 10)])
def test_mm1_response_time_is_a_multiple_of_service_time(rho, multiple):
    """Is W = 2x, 5x, 10x the service time at ρ = .5, .8, .9?"""
    service_time = 0.050
    assert mm1(rho / service_time, 1 / service_time).w == pytest.approx(multiple * service_time)


def test_mm1_number_in_system_is_geometric():
    """Do the M/M/1 state probabilities sum to 1 with mean L?"""
    model = mm1(0.7, 1.0)
    n = np.arange(400)
    pmf = model.number_in_system_pmf(n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert n @ pmf == pytest.approx(model.l, rel=1e-10)


def test_mm1_response_quantile_is_exponential():
    """Is the M/M/1 p-quantile −ln(1 − p)·W and the CDF exponential?"""
    model = mm1(30.0, 40.0)
    assert model.response_time_quantile(0.99) == pytest.approx(math.log(100) * 0.1)
    assert model.response_time_cdf(0.1) == pytest.approx(1 - math.exp(-1))


# ----------------------------------------------------------------------------- M/M/c

@settings(max_examples=40, deadline=None)
@given(
    service_rate=st.floats(min_value=0.01, max_value=1000),
    rho=st.floats(min_value=0.01, max_value=0.99),
    p=st.floats(min_value=0.01, max_value=0.999),
)
def test_mmc_with_one_server_agrees_with_mm1(service_rate, rho, p):
    """Does mmc(λ, μ, 1) reproduce every M/M/1 closed form?"""
    single, general = mm1(rho * service_rate, service_rate), mmc(rho * service_rate, service_rate, 1)
    for name in ("offered_load", "utilization", "p_wait", "wq", "w", "lq", "l"):
        assert getattr(general, name) == pytest.approx(getattr(single, name), rel=1e-9), name
    t = single.w * 1.3
    assert general.waiting_time_cdf(t) == pytest.approx(single.waiting_time_cdf(t), rel=1e-9)
    assert general.response_time_cdf(t) == pytest.approx(single.response_time_cdf(t), rel=1e-9)
    assert general.waiting_time_quantile(p) == pytest.approx(
        single.waiting_time_quantile(p), rel=1e-9, abs=1e-12 / service_rate
    )
    assert general.response_time_quantile(p) == pytest.approx(
        single.response_time_quantile(p), rel=1e-9
    )


def test_mmc_obeys_littles_law():
    """Are L = λW and Lq = λWq, and W = Wq + 1/μ?"""
    model = mmc(47.0, 1.0, 50)
    assert model.l == pytest.approx(model.arrival_rate * model.w)
    assert model.lq == pytest.approx(model.arrival_rate * model.wq)
    assert model.w - model.wq == pytest.approx(1.0)
    assert model.l - model.lq == pytest.approx(model.offered_load)


def waiting_density(model, t):
    drain = model.servers * model.service_rate - model.arrival_rate
    return model.p_wait * drain * math.exp(-drain * t)


def convolved_response_cdf(model, t):
    """P(Wq + S ≤ t) by numerical integration over the waiting-time density."""
    mu = model.service_rate
    no_wait = (1 - model.p_wait) * (1 - math.exp(-mu * t))
    waited, _ = quad(lambda u: waiting_density(model, u) * (1 - math.exp(-mu * (t - u))), 0, t,
                     epsabs=1e-14, epsrel=1e-12)
    return no_wait + waited


@pytest.mark.parametrize(
    ("arrival_rate", "service_rate", "servers"),
    [(1.0, 1.0, 2), (1.0 + 1e-9, 1.0, 2), (1.0 - 1e-7, 1.0, 2), (18.0, 1.0, 20), (3.0, 2.0, 2)],
)
def test_response_time_cdf_matches_numerical_convolution(arrival_rate, service_rate, servers):
    """Is the hypoexponential CDF right, including cμ − λ = μ and values close to it?"""
    model = mmc(arrival_rate, service_rate, servers)
    for t in (0.01, 0.5, 1.0, 3.0, 10.0):
        assert model.response_time_cdf(t) == pytest.approx(
            convolved_response_cdf(model, t), abs=1e-11
        )


def test_special_case_matches_erlang_two_closed_form():
    """With cμ − λ = μ, is P(T > t) = (1 − C)e^{−μt} + C e^{−μt}(1 + μt)?"""
    model = mmc(1.0, 1.0, 2)  # drain rate 2·1 − 1 = 1 = μ
    c = model.p_wait
    for t in (0.3, 2.0, 7.0):
        expected = 1 - ((1 - c) * math.exp(-t) + c * math.exp(-t) * (1 + t))
        assert model.response_time_cdf(t) == pytest.approx(expected, rel=1e-13)


def test_quantiles_invert_the_cdfs():
    """Does the CDF evaluated at the p-quantile give back p?"""
    model = mmc(9.0, 1.0, 10)
    for p in (0.05, 0.5, 0.9, 0.99, 0.99999):
        assert model.response_time_cdf(model.response_time_quantile(p)) == pytest.approx(p)
        if p > 1 - model.p_wait:
            assert model.waiting_time_cdf(model.waiting_time_quantile(p)) == pytest.approx(p)
        else:
            assert model.waiting_time_quantile(p) == 0.0


def test_cdfs_accept_arrays_and_are_monotone():
    """Do the CDFs take an array of times, start at 0 (response) and increase to 1?"""
    model = mmc(45.0, 1.0, 50)
    times = np.linspace(0, 40, 401)
    response = model.response_time_cdf(times)
    waiting = model.waiting_time_cdf(times)
    assert response[0] == 0.0 and waiting[0] == pytest.approx(1 - model.p_wait)
    assert np.all(np.diff(response) >= 0) and response[-1] == pytest.approx(1.0, abs=1e-9)
    assert np.all(response <= waiting + 1e-15)  # T = Wq + S ≥ Wq
    np.testing.assert_allclose(model.service_level(times), waiting)


@pytest.mark.parametrize(("servers", "rho"), [(1, 0.8), (4, 0.8)])
def test_response_time_quantiles_match_simulation(servers, rho):
    """Does a simulated FCFS queue put 95 % and 99 % of responses below the analytic quantiles?"""
    service_rate = 1.0
    model = mmc(rho * servers * service_rate, service_rate, servers)
    rng = np.random.default_rng(51 + servers)
    responses = simulate_fcfs_response_times(
        model.arrival_rate, service_rate, servers, 300_000, rng
    )[20_000:]
    mean, error = batch_mean_and_error(responses)
    assert abs(mean - model.w) < 4 * error
    for p in (0.95, 0.99):
        share, error = batch_mean_and_error(responses <= model.response_time_quantile(p))
        assert abs(share - p) < 4 * error + 1e-4, (p, share, error)


# ----------------------------------------------------------------------------- sizing

def test_sizing_example_from_curriculum():
    """1000 req/s, 50 ms service, p95 < 200 ms: 52 servers with p95 ≈ 176 ms (not 70)?"""
    servers = servers_for_response_quantile(1000, 20, quantile=0.95, target_time=0.200)
    assert servers == 52
    assert round(1000 * mmc(1000, 20, 52).response_time_quantile(0.95)) == 176
    assert mmc(1000, 20, 51).response_time_quantile(0.95) > 0.200
    assert mmc(1000, 20, 52).utilization == pytest.approx(0.9615, abs=1e-4)


def test_fifty_two_servers_have_no_headroom_but_fifty_five_do():
    """At 1,020 req/s is p95 of 52 servers 229 ms, while 55 stay ≤ 160 ms up to 1,030 req/s?"""
    assert round(1000 * mmc(1020, 20, 52).response_time_quantile(0.95)) == 229
    for arrival_rate in range(1000, 1031, 5):
        assert mmc(arrival_rate, 20, 55).response_time_quantile(0.95) <= 0.160


def smallest_by_brute_force(predicate, start):
    servers = start
    while not predicate(servers):
        servers += 1
    return servers


@pytest.mark.parametrize(
    ("arrival_rate", "service_rate"), [(9.0, 1.0), (2.0, 1 / 180), (0.3, 1.0), (950.0, 1.0)]
)
def test_sizing_functions_match_brute_force(arrival_rate, service_rate):
    """Is each sizing answer the smallest c that meets its target, checked model by model?"""
    start = math.floor(arrival_rate / service_rate) + 1
    for target in (0.5, 0.2, 0.01):
        expected = smallest_by_brute_force(
            lambda c, t=target: mmc(arrival_rate, service_rate, c).p_wait <= t, start
        )
        assert servers_for_p_wait(arrival_rate, service_rate, target) == expected
    target_time = 0.25 / service_rate
    for level in (0.8, 0.95):
        expected = smallest_by_brute_force(
            lambda c, lv=level: mmc(arrival_rate, service_rate, c).service_level(target_time) >= lv,
            start,
        )
        assert servers_for_service_level(arrival_rate, service_rate, target_time, level) == expected
    target_time = 4.0 / service_rate
    expected = smallest_by_brute_force(
        lambda c: mmc(arrival_rate, service_rate, c).response_time_quantile(0.95) <= target_time,
        start,
    )
    assert servers_for_response_quantile(arrival_rate, service_rate, 0.95, target_time) == expected


def test_sizing_survives_targets_below_rounding():
    """When the target probabilities are far below 1e-16, does sizing still answer at once?"""
    assert servers_for_response_quantile(0.0, 1e-9, quantile=1e-127, target_time=1e-9) == 1
    assert servers_for_response_quantile(1.0, 2.0, quantile=1e-12, target_time=1e-6) == 1
    assert servers_for_service_level(5.0, 1.0, target_time=0.0, target_level=1e-20) == 6


def test_sizing_refuses_impossible_targets():
    """Does asking for a p95 faster than the service time itself raise a clear error?"""
    with pytest.raises(ValueError, match="target_time must exceed"):
        servers_for_response_quantile(1000, 20, 0.95, 0.100)  # service p95 alone is 150 ms
    with pytest.raises(ValueError, match="target_probability"):
        servers_for_p_wait(10, 1, 0.0)
    with pytest.raises(ValueError, match="target_level"):
        servers_for_service_level(10, 1, 1.0, 1.0)


# ----------------------------------------------------------------------------- grids

def test_hockey_stick_agrees_with_models_row_by_row():
    """Does every row of the vectorised table match the scalar M/M/c model?"""
    for servers in (1, 7):
        table = hockey_stick(service_rate=20.0, utilizations=np.linspace(0, 0.98, 25),
                             servers=servers)
        assert list(table.columns) == ["utilization", "arrival_rate", "p_wait", "wq", "w",
                                       "lq", "l", "p95"]
        for row in table.itertuples():
            if row.utilization == 0:
                assert row.wq == 0 and row.p95 == pytest.approx(-math.log(0.05) / 20.0)
                continue
            model = mmc(row.arrival_rate, 20.0, servers)
            for name in ("p_wait", "wq", "w", "lq", "l"):
                assert getattr(row, name) == pytest.approx(getattr(model, name), rel=1e-12)
            assert row.p95 == pytest.approx(model.response_time_quantile(0.95), rel=1e-10)


def test_wait_surface_agrees_with_models_cell_by_cell():
    """Is each cell of the (ρ, c) surface the M/M/c mean wait, rows ρ and columns c?"""
    rho = np.linspace(0.05, 0.95, 10)
    servers = [1, 2, 5, 17, 60]
    surface = wait_surface(rho, servers, service_rate=4.0)
    assert surface.shape == (10, 5)
    for i, r in enumerate(rho):
        for j, c in enumerate(servers):
            assert surface[i, j] == pytest.approx(mmc(r * c * 4.0, 4.0, c).wq, rel=1e-12)
    assert np.all(np.diff(surface, axis=1) < 0)  # pooling: more servers, less wait at equal ρ


# ----------------------------------------------------------------------------- input checks

@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: mm1(1.0, 1.0), "utilization"),
        (lambda: mmc(10.0, 1.0, 10), "stable"),
        (lambda: mmc(1.0, 0.0, 2), "service_rate"),
        (lambda: mmc(-1.0, 1.0, 2), "arrival_rate"),
        (lambda: mmc(1.0, 1.0, 0), "servers"),
        (lambda: mmc(1.0, 1.0, 2.5), "servers"),
        (lambda: mmc(1.0, 1.0, 2).response_time_quantile(1.0), "p"),
        (lambda: mmc(1.0, 1.0, 2).response_time_cdf(-1.0), "t"),
        (lambda: mm1(0.5, 1.0).waiting_time_cdf(math.nan), "t"),
        (lambda: hockey_stick(1.0, [0.5, 1.0]), "utilizations"),
        (lambda: hockey_stick(1.0, [0.5, -0.1]), "utilizations"),
        (lambda: wait_surface([0.5], [0, 1]), "server_counts"),
        (lambda: mm1(0.0, 5e-324), "service_time"),  # S = 1/μ overflows
        (lambda: mmc(0.0, 1e308, 2), "servers × service_rate"),
        (lambda: mmc(1.0, 1.0, 2).response_time_cdf("soon"), "t"),
        (lambda: servers_for_p_wait(2e6, 1.0, 0.5), "more than"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, fragment):
    """Does every bad argument raise a ValueError that says which one and why?"""
    with pytest.raises(ValueError, match=fragment):
        call()


def test_models_are_frozen():
    """Can a model's parameters be changed after it is built (they must not)?"""
    model = mmc(9, 1, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.servers = 11
