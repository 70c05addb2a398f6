"""The one interval type: a (low, high) tuple that carries its point estimate."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from course.intervals import Interval
from course.simulation.results import BatchMeans


def test_interval_is_the_pair_of_its_bounds():
    """Does an Interval unpack, index and compare as (low, high), with the estimate beside it?"""
    ci = Interval(2.0, 5.0, estimate=3.5)
    low, high = ci
    assert (low, high, ci.low, ci.high, ci[0], ci[-1]) == (2.0, 5.0, 2.0, 5.0, 2.0, 5.0)
    assert ci == (2.0, 5.0) and len(ci) == 2 and isinstance(ci, tuple)
    assert (ci.estimate, ci.width, ci.half_width) == (3.5, 3.0, 1.5)
    assert Interval(1.0, 2.0).estimate is None
    assert repr(ci) == "Interval(low=2.0, high=5.0, estimate=3.5)"


def test_interval_contains_its_bounds_and_nothing_outside():
    """Is contains() closed at both ends, and pointwise for array bands?"""
    ci = Interval(2.0, 5.0)
    assert ci.contains(2.0) and ci.contains(5.0) and not ci.contains(5.000001)
    band = Interval(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    assert band.contains(np.array([0.5, 1.5])) and not band.contains(np.array([0.5, 2.5]))


def test_interval_is_immutable_and_survives_pickling():
    """Can an Interval be changed (no), and does it cross a process boundary whole?"""
    ci = Interval(1.0, 4.0, estimate=2.0)
    with pytest.raises(AttributeError, match="immutable"):
        ci.estimate = 3.0
    copy = pickle.loads(pickle.dumps(ci))
    assert type(copy) is Interval and copy == ci and copy.estimate == 2.0


def test_batch_means_interval_is_an_interval_around_the_grand_mean():
    """Does BatchMeans.interval return an Interval whose estimate is the grand mean?"""
    batches = BatchMeans(count=6, batches=3)
    batches.add(np.array([1.0, 3.0, 2.0, 4.0, 5.0, 7.0]))
    ci = batches.interval(0.95)
    assert isinstance(ci, Interval)
    assert ci.estimate == pytest.approx(11 / 3)
    # batch means 2, 3, 6: s = 2.08167, t(0.975, 2) = 4.30265 -> half-width 5.1711
    assert ci.half_width == pytest.approx(5.17115, abs=1e-5)
