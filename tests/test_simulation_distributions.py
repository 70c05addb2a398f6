"""Tests for the distributions (course.sim.distributions) and course.simulation.results."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from course.simulation import (
    BatchMeans,
    Deterministic,
    Empirical,
    Erlang,
    Exponential,
    Gamma,
    Lognormal,
    Sampler,
)
from course.simulation.fast import fcfs_start_times
from course.simulation.results import student_t_interval

DISTRIBUTIONS = [
    Exponential(rate=2.0),
    Deterministic(0.3),
    Lognormal(mean=0.05, cv=1.5),
    Gamma(shape=0.5, scale=2.0),
    Erlang(phases=3, mean=1.2),
    Empirical([0.1, 0.4, 0.4, 2.0]),
]


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=repr)
def test_sample_mean_and_variance_match_the_stated_ones(distribution):
    """Do 400k draws have the mean and variance the object states (within 5 standard errors)?"""
    draws = distribution.sample(np.random.default_rng(1), 400_000)
    assert draws.shape == (400_000,) and np.all(draws >= 0)
    standard_error = np.sqrt(distribution.variance / draws.size)
    assert abs(draws.mean() - distribution.mean) <= 5 * standard_error + 1e-15
    if distribution.variance > 0:
        assert draws.var() == pytest.approx(distribution.variance, rel=0.1)


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=repr)
def test_drawing_in_pieces_gives_the_same_numbers(distribution):
    """Does drawing 10,000 values in uneven pieces give exactly the numbers of one bulk draw?

    This is what makes the event engine (which draws in blocks) and the fast path (which
    draws in chunks) see identical random numbers.
    """
    whole = distribution.sample(np.random.default_rng(5), 10_000)
    rng = np.random.default_rng(5)
    pieces = [distribution.sample(rng, size) for size in (1, 7, 992, 9_000)]
    np.testing.assert_array_equal(whole, np.concatenate(pieces))


def test_lognormal_parameters_follow_the_curriculum_formula():
    """Is σ = √ln(1 + CV²) and the log-mean chosen so the mean is the one asked for?"""
    service = Lognormal(mean=0.05, cv=1.5)
    assert service.sigma == pytest.approx(np.sqrt(np.log(1 + 1.5**2)))
    frozen = stats.lognorm(s=service.sigma, scale=0.05 * np.exp(-service.sigma**2 / 2))
    assert frozen.mean() == pytest.approx(0.05) and frozen.std() == pytest.approx(0.075)


def test_distribution_checks():
    """Are bad parameters refused with the parameter's name?"""
    for build, name in [(lambda: Exponential(0), "rate"), (lambda: Lognormal(1, -1), "cv"),
                        (lambda: Erlang(0, 1.0), "phases"), (lambda: Gamma(1, 0), "scale"),
                        (lambda: Empirical([]), "values"), (lambda: Empirical([-1.0]), "values"),
                        (lambda: Deterministic(0), "value"), (lambda: Sampler(3), "function")]:
        with pytest.raises(ValueError, match=name):
            build()


def test_sampler_checks_what_the_function_returns():
    """Does a wrapped function that returns the wrong shape get a clear error?"""
    with pytest.raises(ValueError, match="must return 5 values"):
        Sampler(lambda rng, size: np.ones(3)).sample(np.random.default_rng(0), 5)


def test_batch_means_equal_direct_computation():
    """Do streamed batch means equal means of consecutive near-equal batches, and the t interval scipy's?"""
    values = np.random.default_rng(0).normal(size=1_003)
    batches = BatchMeans(count=1_003, batches=7)
    for piece in np.split(values, [1, 100, 101, 640]):
        batches.add(piece)
    sizes = np.diff(batches.edges)
    assert batches.edges[0] == 0 and batches.edges[-1] == 1_003 and np.ptp(sizes) <= 1
    direct = np.array([chunk.mean() for chunk in np.split(values, batches.edges[1:-1])])
    np.testing.assert_allclose(batches.means(), direct)
    interval = batches.interval(0.9)
    assert interval.estimate == pytest.approx(values.mean())
    half = stats.t.ppf(0.95, 6) * batches.means().std(ddof=1) / np.sqrt(7)
    assert interval.half_width == pytest.approx(half)
    assert interval.low == pytest.approx(interval.estimate - half)
    scipy_low, scipy_high = stats.t.interval(0.9, 6, loc=np.mean(direct), scale=stats.sem(direct))
    assert student_t_interval(direct, 0.9) == pytest.approx((scipy_low, scipy_high))


def test_batch_means_refuses_too_many_or_too_few_values():
    """Does a BatchMeans refuse extra observations, and an interval before all have arrived?"""
    batches = BatchMeans(count=10, batches=2)
    batches.add(np.ones(6))
    with pytest.raises(ValueError, match="only 6"):
        batches.interval()
    with pytest.raises(ValueError, match="more than count"):
        batches.add(np.ones(5))


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(0.0, 5.0), min_size=1, max_size=60),
    data=st.data(),
    servers=st.integers(1, 5),
)
def test_fcfs_start_times_are_work_conserving(gaps, data, servers):
    """Does FCFS never exceed `servers` in service, keep arrival order, and never idle a server
    while someone waits?"""
    arrivals = np.cumsum(gaps)
    services = np.array(data.draw(st.lists(st.floats(0.01, 5.0), min_size=len(gaps),
                                           max_size=len(gaps))))
    starts = fcfs_start_times(arrivals, services, servers)
    ends = starts + services
    assert np.all(starts >= arrivals) and np.all(np.diff(starts) >= 0)
    for n in range(len(starts)):
        busy = np.sum((starts[:n] <= starts[n]) & (ends[:n] > starts[n]))
        assert busy < servers  # a server was free for customer n
        if starts[n] > arrivals[n]:  # customer n waited: every server was busy just before
            assert np.sum((starts[:n] < starts[n]) & (ends[:n] >= starts[n])) == servers
