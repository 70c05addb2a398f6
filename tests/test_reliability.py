"""Tests for course.reliability.lifetimes: lifetime models, the bathtub curve, Weibull fitting."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from course.reliability.lifetimes import (
    CompetingRisks,
    Exponential,
    Weibull,
    bathtub,
    binomial_failures,
    fit_weibull,
)

# Bearing-cage fracture data: W. Q. Meeker and L. A. Escobar, "Statistical Methods for
# Reliability Data", Wiley 1998, Table C.5; 1,703 aircraft engines, 6 fractures, the rest
# still running (right-censored) at the hours shown. Example 8.16 reports the Weibull ML
# estimates β = 2.035 and η = 11,792 hours; R's survreg and ReliaSoft Weibull++ both report
# a maximised log-likelihood of −76.436896 for the same data.
BEARING_CAGE = [  # (hours, units, failed?)
    (50, 288, False), (150, 148, False), (230, 1, True), (250, 124, False), (334, 1, True),
    (350, 111, False), (423, 1, True), (450, 106, False), (550, 99, False), (650, 110, False),
    (750, 114, False), (850, 119, False), (950, 127, False), (990, 1, True), (1009, 1, True),
    (1050, 123, False), (1150, 93, False), (1250, 47, False), (1350, 41, False),
    (1450, 27, False), (1510, 1, True), (1550, 11, False), (1650, 6, False), (1850, 1, False),
    (2050, 2, False),
]


def bearing_cage_data():
    failures = [h for h, count, failed in BEARING_CAGE if failed for _ in range(count)]
    censored = [h for h, count, failed in BEARING_CAGE if not failed for _ in range(count)]
    return failures, censored


def weibull_log_likelihood(shape, scale, failures, censored):
    """Textbook log-likelihood written independently of the module: Σ log f + Σ log R."""
    return float(
        np.sum(stats.weibull_min.logpdf(failures, shape, scale=scale))
        + np.sum(stats.weibull_min.logsf(censored, shape, scale=scale))
    )


def test_exponential_quantities_match_closed_forms():
    """Is R(t) = e^(−λt), MTTF = 1/λ and the median MTTF·ln 2?"""
    bulb = Exponential(0.002)
    t = np.array([0.0, 100.0, 500.0, 5000.0])
    assert np.allclose(bulb.reliability(t), np.exp(-0.002 * t), rtol=1e-15)
    assert np.allclose(bulb.pdf(t), stats.expon(scale=500).pdf(t), rtol=1e-13)
    assert np.allclose(bulb.hazard(t), 0.002)
    assert bulb.mean == 500.0
    assert bulb.median == pytest.approx(500 * math.log(2), rel=1e-15)
    assert bulb.quantile(0.9) == pytest.approx(stats.expon(scale=500).ppf(0.9), rel=1e-14)
    assert bulb.reliability(100.0) == pytest.approx(math.exp(-0.2), rel=1e-15)


@pytest.mark.parametrize(("shape", "scale"), [(0.5, 200.0), (1.0, 1000.0), (3.2, 40.0)])
def test_weibull_agrees_with_scipy(shape, scale):
    """Do the Weibull's R, F, f, mean, median and quantiles match scipy's weibull_min?"""
    model, reference = Weibull(shape, scale), stats.weibull_min(shape, scale=scale)
    t = np.linspace(0.5, 3 * scale, 25)
    assert np.allclose(model.reliability(t), reference.sf(t), rtol=1e-12)
    assert np.allclose(model.cdf(t), reference.cdf(t), rtol=1e-12)
    assert np.allclose(model.pdf(t), reference.pdf(t), rtol=1e-12)
    assert np.allclose(model.hazard(t), reference.pdf(t) / reference.sf(t), rtol=1e-10)
    assert model.mean == pytest.approx(reference.mean(), rel=1e-13)
    assert model.median == pytest.approx(reference.median(), rel=1e-13)
    assert model.quantile(0.1) == pytest.approx(reference.ppf(0.1), rel=1e-12)


def test_weibull_shape_one_is_exponential_and_shape_sets_hazard_direction():
    """Is β = 1 the exponential, and does the hazard fall for β < 1 and rise for β > 1?"""
    t = np.array([1.0, 10.0, 100.0])
    assert np.allclose(Weibull(1, 50).reliability(t), Exponential(1 / 50).reliability(t))
    assert np.all(np.diff(Weibull(0.6, 50).hazard(t)) < 0)
    assert np.all(np.diff(Weibull(2.5, 50).hazard(t)) > 0)
    assert Weibull(0.6, 50).hazard(0.0) == math.inf
    assert Weibull(2.5, 50).hazard(0.0) == 0.0


def test_scalar_input_gives_a_float_and_list_input_an_array():
    """Does a number in give a float out, and a list an array of the same length?"""
    model = Weibull(2, 100)
    assert isinstance(model.reliability(50), float)
    assert model.reliability([10, 20, 30]).shape == (3,)


def test_competing_risks_add_hazards_and_multiply_reliabilities():
    """Are two exponential modes one exponential with the summed rate (mean, median too)?"""
    modes = CompetingRisks([Exponential(0.001), Exponential(0.004)])
    t = np.array([0.0, 50.0, 400.0])
    assert np.allclose(modes.reliability(t), np.exp(-0.005 * t), rtol=1e-14)
    assert np.allclose(modes.hazard(t), 0.005)
    assert modes.mean == pytest.approx(200.0, rel=1e-8)
    assert modes.median == pytest.approx(200 * math.log(2), rel=1e-9)


@pytest.mark.parametrize(("shape", "scale"), [(0.05, 1.0), (0.1, 1e4), (0.7, 3.0), (5.0, 100.0)])
def test_numerical_mean_of_one_mode_matches_the_weibull_closed_form(shape, scale):
    """Does ∫R(t)dt, even for very heavy tails (β = 0.05), give η·Γ(1 + 1/β)?"""
    single = CompetingRisks([Weibull(shape, scale)])
    assert single.mean == pytest.approx(scale * math.gamma(1 + 1 / shape), rel=1e-9)


def test_bathtub_hazard_falls_then_flattens_then_rises():
    """Does the bathtub's hazard have the three phases, and R integrate to its mean?"""
    tub = bathtub(Weibull(0.5, 20_000), Exponential(1e-4), Weibull(4, 50_000))
    ages = np.array([10.0, 100.0, 1000.0, 10_000.0, 40_000.0, 80_000.0])
    h = tub.hazard(ages)
    assert h[0] > h[1] > h[2] and h[3] < h[4] < h[5]
    expected = Weibull(0.5, 20_000).hazard(ages) + 1e-4 + Weibull(4, 50_000).hazard(ages)
    assert np.allclose(h, expected, rtol=1e-14)
    area, _ = integrate.quad(lambda x: tub.reliability(x), 0, 400_000, limit=400)
    assert tub.mean == pytest.approx(area, rel=1e-6)


def test_bathtub_rejects_phases_in_the_wrong_place():
    """Does bathtub() insist on a falling early hazard and a rising late one?"""
    with pytest.raises(ValueError, match="infant_mortality"):
        bathtub(Weibull(1.5, 10), Exponential(1), Weibull(3, 10))
    with pytest.raises(ValueError, match="wear_out"):
        bathtub(Weibull(0.5, 10), Exponential(1), Weibull(0.9, 10))


def test_fit_without_censoring_matches_scipy_weibull_min_fit():
    """With complete data, is our MLE scipy's weibull_min.fit(floc=0) to 1e-5?"""
    rng = np.random.default_rng(2024)
    ages = stats.weibull_min(1.7, scale=300).rvs(40, random_state=rng)
    shape, _, scale = stats.weibull_min.fit(ages, floc=0)
    fit = fit_weibull(ages)
    assert fit.shape == pytest.approx(shape, rel=1e-5)
    assert fit.scale == pytest.approx(scale, rel=1e-5)
    assert fit.n_failures == 40 and fit.n_censored == 0


def test_fit_with_censoring_matches_scipy_censored_data_fit():
    """With suspensions, does our MLE match scipy's CensoredData fit?"""
    failures, censored = [120, 190, 260, 310, 420], [500, 500, 500]
    data = stats.CensoredData(uncensored=failures, right=censored)
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    fit = fit_weibull(failures, censored)
    assert fit.shape == pytest.approx(shape, rel=1e-5)
    assert fit.scale == pytest.approx(scale, rel=1e-5)


def test_bearing_cage_published_example():
    """Does the bearing-cage data (6 failures, 1,697 suspensions) give β 2.035, η 11,792?"""
    failures, censored = bearing_cage_data()
    assert (len(failures), len(censored)) == (6, 1697)
    fit = fit_weibull(failures, censored)
    assert round(fit.shape, 3) == 2.035
    assert round(fit.scale) == 11792
    assert fit.log_likelihood == pytest.approx(-76.436896, abs=5e-6)


def test_fit_is_a_maximum_of_the_independent_log_likelihood():
    """Is the fit's log-likelihood the textbook one, and no nearby point higher?"""
    failures, censored = bearing_cage_data()
    fit = fit_weibull(failures, censored)
    best = weibull_log_likelihood(fit.shape, fit.scale, failures, censored)
    assert fit.log_likelihood == pytest.approx(best, rel=1e-12)
    for d_shape, d_scale in [(1e-3, 0), (-1e-3, 0), (0, 1.0), (0, -1.0), (1e-3, 5.0)]:
        moved = weibull_log_likelihood(fit.shape + d_shape, fit.scale + d_scale, failures, censored)
        assert moved < best


def test_standard_errors_invert_the_numerical_hessian():
    """Do the standard errors equal those from a finite-difference Hessian of the likelihood?"""
    failures, censored = [120, 190, 260, 310, 420, 600, 650], [500, 700, 700, 700]
    fit = fit_weibull(failures, censored)
    point = np.array([fit.shape, fit.scale])
    steps = np.array([1e-4 * fit.shape, 1e-4 * fit.scale])

    def ll(vector):
        return weibull_log_likelihood(vector[0], vector[1], failures, censored)

    hessian = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * steps[i], np.eye(2)[j] * steps[j]
            hessian[i, j] = (
                ll(point + ei + ej) - ll(point + ei - ej) - ll(point - ei + ej) + ll(point - ei - ej)
            ) / (4 * steps[i] * steps[j])
    covariance = np.linalg.inv(-hessian)
    assert fit.shape_se == pytest.approx(math.sqrt(covariance[0, 0]), rel=1e-4)
    assert fit.scale_se == pytest.approx(math.sqrt(covariance[1, 1]), rel=1e-4)
    assert fit.covariance[0][1] == pytest.approx(covariance[0, 1], rel=1e-3)


def test_fit_recovers_parameters_from_simulated_censored_data():
    """From 2,000 seeded lives censored at 800 h, is the truth within 3 standard errors?"""
    rng = np.random.default_rng(52)
    lives = stats.weibull_min(2.2, scale=1000).rvs(2000, random_state=rng)
    failed = lives <= 800
    fit = fit_weibull(lives[failed], np.full((~failed).sum(), 800.0))
    assert 0.2 < fit.n_censored / 2000 < 0.7
    assert abs(fit.shape - 2.2) < 3 * fit.shape_se
    assert abs(fit.scale - 1000) < 3 * fit.scale_se
    assert fit.shape_se < 0.1 and fit.scale_se < 20


def test_dropping_the_survivors_biases_the_fit_towards_short_lives():
    """Does ignoring censored units underestimate the characteristic life badly?"""
    rng = np.random.default_rng(3)
    lives = stats.weibull_min(1.5, scale=1000).rvs(500, random_state=rng)
    failed = lives <= 600
    honest = fit_weibull(lives[failed], np.full((~failed).sum(), 600.0))
    naive = fit_weibull(lives[failed])
    assert naive.scale < 0.6 * honest.scale
    assert abs(honest.scale - 1000) < 3 * honest.scale_se


def test_wald_intervals_cover_the_truth_about_95_percent_of_the_time():
    """Over 300 seeded censored samples, do 95 % intervals for β cover 2.0 roughly 95 %?"""
    rng = np.random.default_rng(99)
    model = stats.weibull_min(2.0, scale=10.0)
    covered = 0
    for _ in range(300):
        lives = model.rvs(60, random_state=rng)
        failed = lives <= 12
        fit = fit_weibull(lives[failed], np.full((~failed).sum(), 12.0))
        low, high = fit.shape_interval(0.95)
        covered += low <= 2.0 <= high
    assert 0.90 <= covered / 300 <= 0.99


def test_fit_without_a_maximum_is_refused():
    """Is a fit from failures all at the oldest age refused with a reason?"""
    with pytest.raises(ValueError, match="failures"):
        fit_weibull([100, 100, 100])
    with pytest.raises(ValueError, match="failures"):
        fit_weibull([100], right_censored=[50, 80])
    with pytest.raises(ValueError, match="failures"):
        fit_weibull([])
    with pytest.raises(ValueError, match="right_censored"):
        fit_weibull([10, 20], right_censored=[-5])
    assert fit_weibull([100], right_censored=[150, 200]).n_failures == 1


def test_binomial_check_two_of_a_hundred():
    """Is P(exactly 2 of 100 fail, p = 0.001) 0.00449, not the popular 0.00184?"""
    by_hand = math.comb(100, 2) * 0.001**2 * 0.999**98
    assert binomial_failures(2, 100, 0.001) == pytest.approx(by_hand, rel=1e-12)
    assert round(by_hand, 5) == 0.00449


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: Exponential(0), "failure_rate"),
        (lambda: Exponential(float("nan")), "failure_rate"),
        (lambda: Weibull(-1, 10), "shape"),
        (lambda: Weibull(2, float("inf")), "scale"),
        (lambda: Weibull(2, 10).reliability(-1), "t"),
        (lambda: Weibull(2, 10).quantile(1.0), "p"),
        (lambda: binomial_failures(5, 3, 0.1), "failures"),
        (lambda: binomial_failures(1, 3, -0.1), "failure_probability"),
        (lambda: CompetingRisks([]), "modes"),
        (lambda: fit_weibull("abc"), "failures"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, parameter):
    """Does each bad argument raise a ValueError whose message names that argument?"""
    with pytest.raises(ValueError, match=parameter):
        call()


def test_generator_fans_censored_fit_agrees_with_scipy():
    """Do Nelson's 70 generator fans (12 failed, 58 running) give the same censored maximum-
    likelihood fit as scipy's independent implementation (β 1.0584, η 26,297 h, the values the
    Ep52 notebook states)?

    The data (Nelson 1982, p. 318, as listed in the SAS/QC PROC RELIABILITY documentation) is
    checked against its SHA-256 on load. SAS's own estimates table could not be read from a
    primary source, so the course does not claim them: scipy is the second opinion.
    """
    from course.datasets import load

    fans = load("generator_fans")
    failed = fans["failed"] == 1
    assert (failed.sum(), (~failed).sum()) == (12, 58)
    fit = fit_weibull(fans.loc[failed, "hours"], fans.loc[~failed, "hours"])
    assert round(fit.shape, 4) == 1.0584
    assert round(fit.scale / 1000, 3) == 26.297
    data = stats.CensoredData(uncensored=fans.loc[failed, "hours"], right=fans.loc[~failed, "hours"])
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    assert fit.shape == pytest.approx(shape, rel=1e-4) and fit.scale == pytest.approx(scale, rel=1e-4)
    # Fitting the 12 failures alone promises a characteristic life eight times too short.
    naive = fit_weibull(fans.loc[failed, "hours"])
    assert round(naive.scale) == 3370 and fit.scale / naive.scale > 7.5
