"""Tests for course.queueing.general: M/G/1 (Pollaczek–Khinchine), M/D/1, Kingman, Allen–Cunneen."""

from __future__ import annotations

import math

import numpy as np
import pytest

import course.queueing.general
import course.queueing.markovian
from course.queueing.general import allen_cunneen, kingman, md1, mg1
from course.queueing.markovian import mm1, mmc


def batch_mean_and_error(values, batches=40):
    """Mean and its standard error from batch means (the samples are autocorrelated)."""
    means = np.array([b.mean() for b in np.array_split(values, batches)])
    return means.mean(), means.std(ddof=1) / math.sqrt(batches)


def test_reexported_from_queueing():
    """Can notebooks reach these models as course.queueing.mg1 etc.?"""
    assert course.queueing.mg1 is mg1 and course.queueing.allen_cunneen is allen_cunneen


@pytest.mark.parametrize("rho", [0.3, 0.8, 0.95])
@pytest.mark.parametrize("service_cv", [0.0, 0.5, 1.0, 3.0])
def test_mg1_is_pollaczek_khinchine(rho, service_cv):
    """Is Wq = λE[S²]/(2(1 − ρ)) with E[S²] = (1 + Cs²)S², and Little's law on top?"""
    service_time = 0.02
    arrival_rate = rho / service_time
    model = mg1(arrival_rate, 1 / service_time, service_cv)
    second_moment = (1 + service_cv**2) * service_time**2
    assert model.wq == pytest.approx(arrival_rate * second_moment / (2 * (1 - rho)), rel=1e-12)
    assert model.p_wait == pytest.approx(rho)
    assert model.lq == pytest.approx(arrival_rate * model.wq)
    assert model.l == pytest.approx(arrival_rate * model.w)


def test_md1_waits_half_as_long_as_mm1():
    """Does M/D/1 wait exactly half of M/M/1, and does Cs = 1 give M/M/1 back?"""
    for rho in (0.5, 0.9, 0.99):
        assert md1(rho, 1.0).wq == pytest.approx(mm1(rho, 1.0).wq / 2)
        assert mg1(rho, 1.0, 1.0).wq == pytest.approx(mm1(rho, 1.0).wq)


def test_md1_mean_wait_matches_lindley_simulation():
    """Does Lindley's recursion for M/D/1 reproduce the Pollaczek–Khinchine mean wait?"""
    rng = np.random.default_rng(53)
    rho, customers = 0.7, 300_000
    gaps = rng.exponential(1 / rho, customers)
    waits = np.empty(customers)
    wait = 0.0
    for i in range(customers):
        waits[i] = wait
        wait = max(0.0, wait + 1.0 - gaps[i])  # service time 1, then the next gap
    mean, error = batch_mean_and_error(waits[10_000:])
    assert abs(mean - md1(rho, 1.0).wq) < 4 * error


def test_gg_approximations_reduce_to_exact_cases():
    """Does Kingman with Ca = 1 equal P–K, and Allen–Cunneen with Ca = Cs = 1 equal M/M/c?"""
    assert kingman(0.8, 1, 1.0, 0.4).wq == pytest.approx(mg1(0.8, 1, 0.4).wq)
    assert allen_cunneen(45, 1, 50, 1.0, 1.0).wq == pytest.approx(mmc(45, 1, 50).wq)
    assert allen_cunneen(0.8, 1, 1, 0.3, 0.7).wq == pytest.approx(kingman(0.8, 1, 0.3, 0.7).wq)
    # Kingman's formula as printed: ρ/(1 − ρ) · (Ca² + Cs²)/2 · S.
    assert kingman(0.9, 2.0, 1.5, 0.5).wq == pytest.approx(0.45 / 0.55 * (2.25 + 0.25) / 2 / 2.0)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: mg1(0.5, 1.0, -0.1), "service_cv"),
        (lambda: mg1(1.5, 1.0, 0.5), "stable"),
        (lambda: md1(0.5, 0.0), "service_rate"),
        (lambda: kingman(0.5, 1.0, -1.0, 1.0), "arrival_cv"),
        (lambda: kingman(-0.5, 1.0, 1.0, 1.0), "arrival_rate"),
        (lambda: allen_cunneen(5.0, 1.0, 4, 1.0, 1.0), "stable"),
        (lambda: allen_cunneen(1.0, 1.0, 0, 1.0, 1.0), "servers"),
    ],
)
def test_bad_input_names_the_parameter(call, fragment):
    """Does bad input raise a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=fragment):
        call()
