"""Tests for course.capacity.performance: speedup laws, growth forecasts, sizing, tail latency."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from course.capacity.performance import (
    CompoundGrowth,
    HedgedRequests,
    LinearGrowth,
    LogisticGrowth,
    LognormalLatency,
    amdahl,
    amdahl_limit,
    amdahl_to_gustafson,
    fanout_quantile,
    fanout_slow_probability,
    gustafson,
    gustafson_to_amdahl,
    lognormal_parameters,
    servers_needed,
)


def test_amdahl_with_five_percent_serial_work():
    """Does s = 0.05 give 9.14× on 16 CPUs, 12.55× on 32 and a 20× ceiling (not 8.4/10.3)?"""
    assert amdahl(16, 0.05) == pytest.approx(1 / (0.05 + 0.95 / 16), rel=1e-15)
    assert (round(amdahl(16, 0.05), 2), round(amdahl(32, 0.05), 2)) == (9.14, 12.55)
    assert amdahl_limit(0.05) == 20.0
    assert amdahl(1e12, 0.05) == pytest.approx(20.0, rel=1e-9)
    assert amdahl(1, 0.3) == 1.0 and amdahl(64, 0.0) == 64.0
    assert amdahl_limit(0.0) == math.inf


def test_gustafson_and_amdahl_agree_after_converting_the_serial_fraction():
    """With s′ = 0.05 on 32 CPUs, do both laws give 30.45× once s = s′/(s′ + (1−s′)n)?"""
    assert gustafson(32, 0.05) == pytest.approx(0.05 + 0.95 * 32, rel=1e-15)
    s = gustafson_to_amdahl(0.05, 32)
    assert s == pytest.approx(0.05 / 30.45, rel=1e-14)
    assert amdahl(32, s) == pytest.approx(30.45, rel=1e-13)
    assert amdahl_to_gustafson(s, 32) == pytest.approx(0.05, rel=1e-13)


def test_compound_growth_six_years_at_thirty_percent():
    """Is 50 GB × 1.3⁶ = 241 GB (not 230), and time_to_reach its inverse?"""
    data = CompoundGrowth(50, 0.3)
    assert data.value(6) == pytest.approx(50 * 1.3**6, rel=1e-14)
    assert round(data.value(6)) == 241
    assert data.time_to_reach(data.value(4.5)) == pytest.approx(4.5, rel=1e-12)
    assert data.time_to_reach(10) == 0.0


def test_compound_band_matches_a_seeded_monte_carlo_of_the_rate():
    """Do the analytic 5 %/95 % quantiles match simulating a normal growth rate?"""
    model = CompoundGrowth(50, 0.3, rate_sd=0.08)
    rng = np.random.default_rng(53)
    sizes = 50 * (1 + rng.normal(0.3, 0.08, 400_000)) ** 6
    low, high = model.band(6, 0.9)
    assert low == pytest.approx(np.quantile(sizes, 0.05), rel=5e-3)
    assert high == pytest.approx(np.quantile(sizes, 0.95), rel=5e-3)
    assert low < model.value(6) < high


def test_pessimistic_quantile_reaches_a_level_sooner():
    """Does planning at the 95th percentile buy capacity earlier than at the median?"""
    model = CompoundGrowth(50, 0.3, rate_sd=0.1)
    assert model.time_to_reach(500, q=0.95) < model.time_to_reach(500) < model.time_to_reach(500, q=0.05)
    assert model.quantile(model.time_to_reach(500, q=0.95), 0.95) == pytest.approx(500, rel=1e-12)


def test_compound_band_refuses_impossible_rate_quantiles():
    """Is a rate standard deviation so wide that a quantile falls below −100 % refused?"""
    with pytest.raises(ValueError, match="rate_sd"):
        CompoundGrowth(50, 0.1, rate_sd=1.0).band(3, 0.9)


def test_logistic_growth_solves_the_logistic_equation():
    """Does C(t) solve dC/dt = rC(1 − C/K) from C(0) = initial?"""
    model = LogisticGrowth(initial=1_000, rate=0.5, capacity=100_000)
    solution = integrate.solve_ivp(
        lambda _, c: 0.5 * c * (1 - c / 100_000), (0, 12), [1_000], rtol=1e-10, atol=1e-8,
        t_eval=[3.0, 8.0, 12.0],
    )
    assert np.allclose(model.value([3.0, 8.0, 12.0]), solution.y[0], rtol=1e-7)
    assert model.value(0.0) == pytest.approx(1_000)
    assert model.value(200.0) == pytest.approx(100_000)
    assert model.value(model.time_to_reach(50_000)) == pytest.approx(50_000, rel=1e-12)
    with pytest.raises(ValueError, match="capacity"):
        model.time_to_reach(100_000)


def test_linear_growth_and_its_band():
    """Is linear growth initial + increment·t, with a band from the increment's spread?"""
    model = LinearGrowth(50, 10, rate_sd=2)
    assert model.value([0, 6]).tolist() == [50.0, 110.0]
    low, high = model.band(6, 0.9)
    z = stats.norm.ppf(0.95)
    assert (low, high) == pytest.approx((110 - 6 * 2 * z, 110 + 6 * 2 * z), rel=1e-12)
    assert model.time_to_reach(110) == pytest.approx(6.0)


def test_servers_needed_is_a_float_safe_ceiling():
    """Is 21/(1 × 0.7) = 30 servers (not 31 from 30.000000000000004), and 10/0.9 -> 12?"""
    assert 21 / (1 * 0.7) > 30  # the floating-point trap this guards against
    assert servers_needed(21, 1, 0.7) == 30
    assert servers_needed(10, 1, 0.9) == 12
    assert servers_needed(1100, 100, 0.7) == 16
    assert servers_needed(0, 100, 0.7) == 0
    with pytest.raises(ValueError, match="target_utilization"):
        servers_needed(100, 10, 1.5)


def test_fan_out_to_a_hundred_servers_at_one_percent():
    """Does a 1 % slow chance per backend make 63 % of 100-way fan-outs slow?"""
    assert fanout_slow_probability(0.01, 100) == pytest.approx(1 - 0.99**100, rel=1e-13)
    assert round(100 * fanout_slow_probability(0.01, 100)) == 63
    assert fanout_slow_probability(0.2, 1) == pytest.approx(0.2)
    assert fanout_slow_probability(0.0, 50) == 0.0 and fanout_slow_probability(1.0, 3) == 1.0


def test_lognormal_parameters_reproduce_mean_and_cv():
    """With σ = √ln(1 + CV²), does scipy's lognormal have the requested mean and CV?"""
    for mean, cv in [(10.0, 0.5), (200.0, 1.0), (3.0, 4.0)]:
        mu, sigma = lognormal_parameters(mean, cv)
        assert sigma == pytest.approx(math.sqrt(math.log(1 + cv**2)), rel=1e-15)
        distribution = stats.lognorm(s=sigma, scale=math.exp(mu))
        assert distribution.mean() == pytest.approx(mean, rel=1e-12)
        assert distribution.std() / distribution.mean() == pytest.approx(cv, rel=1e-10)


def test_lognormal_latency_quantiles():
    """Are the latency model's median and p99 e^μ and e^(μ + 2.326σ)?"""
    latency = LognormalLatency(10, 1.5)
    mu, sigma = lognormal_parameters(10, 1.5)
    assert latency.median == pytest.approx(math.exp(mu))
    assert latency.quantile(0.99) == pytest.approx(math.exp(mu + stats.norm.ppf(0.99) * sigma))
    assert latency.sf(latency.quantile(0.9)) == pytest.approx(0.1, rel=1e-10)


def test_hedged_requests_match_a_seeded_simulation():
    """Does min(L₁, d + L₂) simulated agree with the hedged tail, p99 and extra load?"""
    latency = LognormalLatency(10, 1.5)
    hedged = HedgedRequests(latency, hedge_delay=20)
    rng = np.random.default_rng(1)
    mu, sigma = lognormal_parameters(10, 1.5)
    first, second = rng.lognormal(mu, sigma, (2, 400_000))
    response = np.minimum(first, 20 + second)
    for threshold in (15.0, 30.0, 60.0):
        simulated = np.mean(response > threshold)
        error = math.sqrt(simulated * (1 - simulated) / response.size)
        assert abs(hedged.sf(threshold) - simulated) < 4 * error
    assert hedged.quantile(0.99) == pytest.approx(np.quantile(response, 0.99), rel=0.01)
    assert hedged.extra_load == pytest.approx(np.mean(first > 20), abs=0.003)


def test_hedging_cuts_the_tail_and_late_hedges_do_nothing():
    """Does an early hedge lower p99 and the fan-out slow rate, and a very late one change nothing?"""
    latency = LognormalLatency(10, 1.5)
    threshold = latency.quantile(0.99)
    early = HedgedRequests(latency, hedge_delay=latency.quantile(0.95))
    late = HedgedRequests(latency, hedge_delay=10 * threshold)
    assert early.quantile(0.99) < threshold
    assert early.sf(early.quantile(0.99)) == pytest.approx(0.01, rel=1e-9)
    assert late.quantile(0.99) == pytest.approx(threshold)
    assert fanout_slow_probability(early.slow_probability(threshold), 100) < 0.2
    assert early.extra_load == pytest.approx(0.05, rel=1e-9)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: amdahl(0.5, 0.1), "n"),
        (lambda: amdahl(4, 1.1), "serial_fraction"),
        (lambda: gustafson(float("nan"), 0.1), "n"),
        (lambda: CompoundGrowth(-1, 0.1), "initial"),
        (lambda: CompoundGrowth(10, -1.5), "rate"),
        (lambda: LogisticGrowth(10, 0.1, 5), "initial"),
        (lambda: CompoundGrowth(10, 0.1).value(-1), "t"),
        (lambda: servers_needed(10, 0, 0.5), "capacity_per_server"),
        (lambda: fanout_slow_probability(0.1, 0), "fanout"),
        (lambda: lognormal_parameters(10, -1), "cv"),
        (lambda: HedgedRequests("slow", 5), "latency"),
        (lambda: HedgedRequests(LognormalLatency(1, 1), -5), "hedge_delay"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, parameter):
    """Does each bad argument raise a ValueError whose message names that argument?"""
    with pytest.raises(ValueError, match=parameter):
        call()


# --- fan-out quantile (appended for Ep53 · 1-foundations) ------------------------------------


def test_fanout_quantile_is_one_replys_quantile_at_p_to_the_one_over_n():
    """Is the p99 of a request waiting for 100 replies one reply's 0.99^(1/100) quantile, and p99 itself for one?"""
    latency = LognormalLatency(mean=10, cv=1.5)
    assert fanout_quantile(latency, 100, 0.99) == pytest.approx(latency.quantile(0.99 ** 0.01), rel=1e-12)
    assert fanout_quantile(latency, 1, 0.99) == pytest.approx(latency.quantile(0.99), rel=1e-12)
    hedged = HedgedRequests(latency, hedge_delay=latency.quantile(0.95))
    assert fanout_quantile(hedged, 100, 0.99) < fanout_quantile(latency, 100, 0.99)


def test_fanout_quantile_agrees_with_a_seeded_simulation():
    """Do 99 % of 20,000 simulated 100-way requests finish by the computed p99 (within sampling error)?"""
    latency = LognormalLatency(mean=10, cv=1.5)
    rng = np.random.default_rng(2026)
    slowest = rng.lognormal(latency.mu, latency.sigma, size=(20_000, 100)).max(axis=1)
    share = float(np.mean(slowest <= fanout_quantile(latency, 100, 0.99)))
    assert abs(share - 0.99) < 4 * math.sqrt(0.99 * 0.01 / 20_000)


@pytest.mark.parametrize("kwargs, parameter", [
    ({"fanout": 0, "p": 0.99}, "fanout"), ({"fanout": 10, "p": 1.0}, "p"), ({"fanout": 2.5, "p": 0.5}, "fanout"),
])
def test_fanout_quantile_refuses_bad_input(kwargs, parameter):
    """Does a bad fan-out or level raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=parameter):
        fanout_quantile(LognormalLatency(mean=10, cv=1.5), **kwargs)
    with pytest.raises(ValueError, match="latency"):
        fanout_quantile(object(), 10, 0.99)
