"""Tests for course.capacity.scalability: the USL, its landmarks, and both ways of fitting it."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course.capacity.scalability import (
    USLModel,
    fit_usl,
    fit_usl_deviation,
    peak_concurrency,
    peak_throughput,
    usl,
)
from course.datasets import load


def amdahl(serial_fraction, n):
    return 1.0 / (serial_fraction + (1.0 - serial_fraction) / n)


def specsdm91():
    data = load("specsdm91")
    return data["load_users"].to_numpy(), data["throughput_scripts_per_hour"].to_numpy()


# ----------------------------------------------------------------------------- the law

@settings(max_examples=50, deadline=None)
@given(serial=st.floats(min_value=0.0, max_value=1.0), n=st.floats(min_value=1.0, max_value=1e4))
def test_usl_without_coherency_is_amdahl(serial, n):
    """With β = 0 and γ = 1, is X(N) = 1/(s + (1 − s)/N) for every serial fraction s?"""
    assert usl(n, serial, 0.0) == pytest.approx(amdahl(serial, n), rel=1e-12)


@pytest.mark.parametrize(("n", "speedup"), [(16, 9.14), (32, 12.55)])
def test_amdahl_values_from_curriculum(n, speedup):
    """With s = 0.05, is the speed-up 9.14x on 16 CPUs and 12.55x on 32 (not 8.4x, 10.3x)?"""
    assert usl(n, 0.05, 0.0) == pytest.approx(speedup, abs=0.005)


def test_linear_and_array_inputs():
    """Is α = β = 0 perfectly linear, and does an array of loads give an array?"""
    loads = np.array([1, 2, 8, 100])
    np.testing.assert_allclose(usl(loads, 0.0, 0.0, gamma=3.0), 3.0 * loads)
    assert usl(1, 0.4, 0.2, gamma=7.0) == pytest.approx(7.0)  # X(1) = γ whatever α, β


@pytest.mark.parametrize(
    ("alpha", "beta", "peak", "speedup"), [(0.05, 0.001, 31, None), (0.03, 0.0001, 98, 20)]
)
def test_peak_values_from_curriculum(alpha, beta, peak, speedup):
    """α=.05, β=.001 peaks near N = 31; α=.03, β=.0001 near N = 98 at about 20x (not 316, 25x)?"""
    n_star = peak_concurrency(alpha, beta)
    assert round(n_star) == peak
    if speedup is not None:
        assert round(peak_throughput(alpha, beta)) == speedup
    assert round(n_star) != 316


@settings(max_examples=40, deadline=None)
@given(alpha=st.floats(min_value=0.0, max_value=0.5), beta=st.floats(min_value=1e-5, max_value=0.01))
def test_peak_formula_is_the_maximum(alpha, beta):
    """Does no load on a fine grid beat X(N*) = the throughput at √((1 − α)/β)?"""
    n_star = peak_concurrency(alpha, beta)
    grid = np.linspace(1, 4 * n_star + 10, 20_001)
    assert usl(grid, alpha, beta).max() <= peak_throughput(alpha, beta) * (1 + 1e-12)
    assert peak_throughput(alpha, beta) == pytest.approx(usl(n_star, alpha, beta))


def test_no_coherency_means_no_peak():
    """With β = 0, is the peak load infinite and the best throughput the ceiling γ/α?"""
    assert peak_concurrency(0.05, 0.0) == math.inf
    model = USLModel(alpha=0.05, beta=0.0, gamma=10.0)
    assert model.peak_n == math.inf
    assert model.peak_x == model.ceiling == pytest.approx(200.0)
    assert model.optimal_n == pytest.approx(20.0)
    assert usl(1e9, 0.05, 0.0, 10.0) == pytest.approx(model.ceiling, rel=1e-6)


# ----------------------------------------------------------------------------- fit_usl

TRUE = {"alpha": 0.03, "beta": 0.0002, "gamma": 50.0}
LOADS = np.array([1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128], dtype=float)


def test_fit_recovers_parameters_from_noise_free_data():
    """On exact USL data, does the fit return α, β, γ to 1e-6 with finite standard errors?"""
    fit = fit_usl(LOADS, usl(LOADS, **TRUE))
    for name, value in TRUE.items():
        assert getattr(fit, name) == pytest.approx(value, rel=1e-6), name
    for name in ("alpha_se", "beta_se", "gamma_se"):
        assert math.isfinite(getattr(fit, name)) and getattr(fit, name) < 1e-6
    assert fit.r_squared == pytest.approx(1.0, abs=1e-12)
    assert np.max(np.abs(fit.residuals)) < 1e-6


def test_standard_errors_cover_the_truth_at_the_stated_rate():
    """Over 200 noisy data sets, do 95 % intervals (± t·SE) contain the true α, β, γ ~95 % of the time?"""
    rng = np.random.default_rng(51)
    clean = usl(LOADS, **TRUE)
    t_value = stats.t.ppf(0.975, LOADS.size - 3)
    hits = {"alpha": 0, "beta": 0, "gamma": 0}
    trials = 200
    for _ in range(trials):
        fit = fit_usl(LOADS, clean + rng.normal(0.0, 10.0, LOADS.size))
        for name in hits:
            hits[name] += abs(getattr(fit, name) - TRUE[name]) <= t_value * getattr(fit, f"{name}_se")
    for name, count in hits.items():
        # Binomial(200, 0.95) has sd ≈ 3: below 178 (3.5 sd) means the errors are too small.
        assert 178 <= count <= trials, (name, count)


def test_specsdm91_matches_published_r_usl_results():
    """Does the fit reproduce the R package usl summary for specsdm91 (to the printed digits)?

    Published in the package's regression test tests/summary.Rout.save (smoeding/usl,
    R 3.6.2): alpha 2.773e-02 (SE 9.122e-03), beta 1.044e-04 (SE 1.988e-05), gamma
    9.000e+01 (SE 1.421e+01), residual standard error 82.85 on 4 degrees of freedom,
    R-squared 0.9896; tests/fitted.Rout.save: fitted 90 1078 1541 1850 1879 1822 1646;
    tests/peak-scalability.Rout.save: signif(peak, 2) = 97.
    """
    fit = fit_usl(*specsdm91())
    assert fit.alpha == pytest.approx(2.773e-02, abs=0.0005e-02)
    assert fit.beta == pytest.approx(1.044e-04, abs=0.0005e-04)
    assert fit.gamma == pytest.approx(9.000e01, abs=0.0005e01)
    assert fit.alpha_se == pytest.approx(9.122e-03, abs=0.0005e-03)
    assert fit.beta_se == pytest.approx(1.988e-05, abs=0.0005e-05)
    assert fit.gamma_se == pytest.approx(1.421e01, abs=0.0005e01)
    assert fit.residual_standard_error == pytest.approx(82.85, abs=0.005)
    assert fit.degrees_of_freedom == 4
    assert fit.r_squared == pytest.approx(0.9896, abs=0.00005)
    np.testing.assert_array_equal(np.round(fit.fitted), [90, 1078, 1541, 1850, 1879, 1822, 1646])
    assert float(f"{fit.peak_n:.2g}") == 97


def test_fit_is_a_least_squares_minimum():
    """Does nudging any coefficient of the specsdm91 fit increase the residual sum of squares?"""
    n, x = specsdm91()
    fit = fit_usl(n, x)
    best = np.sum(fit.residuals**2)
    for name, step in (("alpha", 1e-4), ("beta", 1e-7), ("gamma", 0.05)):
        for sign in (-1, 1):
            params = {"alpha": fit.alpha, "beta": fit.beta, "gamma": fit.gamma}
            params[name] += sign * step
            assert np.sum((x - usl(n, **params)) ** 2) > best


def test_confidence_band_is_the_delta_method():
    """Is the band fit ± t·√(gᵀΣg) with g a numerical gradient, and wider at 99 % than 95 %?"""
    n, x = specsdm91()
    fit = fit_usl(n, x)
    loads = np.array([1.0, 50.0, 300.0])
    band = fit.confidence_band(loads, level=0.95)
    params = np.array([fit.alpha, fit.beta, fit.gamma])
    centre = fit.predict(loads)
    gradient = np.empty((3, 3))
    for k in range(3):
        step = np.zeros(3)
        step[k] = params[k] * 1e-6
        gradient[:, k] = (usl(loads, *(params + step)) - usl(loads, *(params - step))) / (2 * step[k])
    half = 2.7764451051977987 * np.sqrt(np.einsum("ij,jk,ik->i", gradient, fit.covariance, gradient))
    np.testing.assert_allclose(band.low, centre - half, rtol=1e-6)
    np.testing.assert_allclose(band.high, centre + half, rtol=1e-6)
    wide = fit.confidence_band(loads, level=0.99)
    assert np.all(wide.low < band.low) and np.all(wide.high > band.high)
    lower, upper = fit.confidence_band(50.0)  # unpacks like a tuple; scalar load
    assert lower < fit.predict(50.0) < upper


def test_three_points_fit_exactly_but_have_no_error_estimate():
    """With exactly 3 points, does the curve pass through them and report NaN errors?"""
    loads = np.array([1.0, 10.0, 40.0])
    fit = fit_usl(loads, usl(loads, 0.05, 0.001, 2.0))
    assert fit.alpha == pytest.approx(0.05, rel=1e-6)
    assert math.isnan(fit.alpha_se) and math.isnan(fit.residual_standard_error)


# ----------------------------------------------------------------------------- deviation method

def test_deviation_method_recovers_exact_data():
    """On exact USL data, does the deviation-from-linearity fit give the same α, β, γ?"""
    fit = fit_usl_deviation(LOADS, usl(LOADS, **TRUE))
    assert fit.method == "deviation"
    for name, value in TRUE.items():
        assert getattr(fit, name) == pytest.approx(value, rel=1e-9), name


def test_deviation_method_differs_from_nonlinear_fit_on_real_data():
    """On specsdm91, does the older method give other coefficients, with γ = X(1) exactly?"""
    n, x = specsdm91()
    old, new = fit_usl_deviation(n, x), fit_usl(n, x)
    assert old.gamma == 64.9
    # Independent check of the algebra: N/C(N) − 1 = β(N − 1)² + (α + β)(N − 1), solved
    # as normal equations by hand.
    excess = n[1:] - 1.0
    y = n[1:] / (x[1:] / 64.9) - 1.0
    a = np.array([[np.sum(excess**4), np.sum(excess**3)], [np.sum(excess**3), np.sum(excess**2)]])
    quadratic, linear = np.linalg.solve(a, [np.sum(excess**2 * y), np.sum(excess * y)])
    assert old.beta == pytest.approx(quadratic, rel=1e-9)
    assert old.alpha == pytest.approx(linear - quadratic, rel=1e-9)
    # Different estimators, different answers: apart by more than one standard error.
    assert abs(old.alpha - new.alpha) > new.alpha_se
    assert abs(old.beta - new.beta) > new.beta_se
    assert old.r_squared < new.r_squared  # least squares on X itself fits X better


def test_deviation_method_needs_a_single_user_measurement():
    """Without a measurement at n = 1, is the deviation method refused?"""
    with pytest.raises(ValueError, match="load 1"):
        fit_usl_deviation([2, 4, 8, 16], [1.9, 3.5, 6.0, 8.0])


# ----------------------------------------------------------------------------- input checks

@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: usl(4, -0.1, 0.0), "alpha"),
        (lambda: usl(4, 0.1, 1.5), "beta"),
        (lambda: usl(4, 0.1, 0.1, gamma=0.0), "gamma"),
        (lambda: usl(0, 0.1, 0.1), "n"),
        (lambda: usl([1, math.nan], 0.1, 0.1), "n"),
        (lambda: peak_concurrency(2.0, 0.1), "alpha"),
        (lambda: fit_usl([1, 2], [1.0, 2.0]), "at least 3"),
        (lambda: fit_usl([1, 2, 3], [1.0, 2.0, 3.0, 4.0]), "same length"),
        (lambda: fit_usl([1, 2, 3, 4], [1.0, -2.0, 3.0, 4.0]), "x must contain only values > 0"),
        (lambda: fit_usl([1, 2, 3, 4], [1.0, math.inf, 3.0, 4.0]), "finite"),
        (lambda: fit_usl([0, 2, 3, 4], [1.0, 2.0, 3.0, 4.0]), "n must contain only values > 0"),
        (lambda: fit_usl([2, 2, 3, 3], [1.0, 2.0, 3.0, 4.0]), "distinct"),
        (lambda: fit_usl(*specsdm91()).confidence_band([10], level=1.0), "level"),
    ],
)
def test_bad_input_names_the_parameter(call, fragment):
    """Does bad input raise a ValueError naming the parameter and its range?"""
    with pytest.raises(ValueError, match=fragment):
        call()


def test_fit_is_frozen_and_leaves_the_input_alone():
    """Can a fit be altered after the fact (it must not), and is the caller's array untouched?"""
    n, x = (np.array(column) for column in specsdm91())  # writable arrays of our own
    fit = fit_usl(n, x)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.alpha = 0.5
    with pytest.raises(ValueError):
        fit.x[0] = 1.0  # the fit's copy of the data is read-only
    x[0] = 70.0  # ... and the caller's own array is still writable and independent
    assert fit.x[0] == 64.9
