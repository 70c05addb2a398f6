"""course.reliability.detectors: φ from its definition, the detector object against the
vectorised replay, the seeded trace, and the threshold trade-off's direction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from course.reliability.detectors import (
    PhiAccrualDetector,
    evaluate_detector,
    heartbeat_trace,
    phi,
    suspicion_delay,
    threshold_tradeoff,
)


def test_phi_is_minus_log10_of_the_tail():
    """Is φ = −log10(1 − F(t)) for both gap models, with F normal or exponential?"""
    for t in (0.5, 1.0, 1.3, 2.0):
        assert phi(t, 1.0, 0.2) == pytest.approx(-math.log10(stats.norm.sf(t, 1.0, 0.2)), rel=1e-12)
        assert phi(t, 0.8, model="exponential") == pytest.approx(-math.log10(math.exp(-t / 0.8)), rel=1e-12)


def test_phi_stays_finite_far_in_the_tail():
    """Does a silence of 20 standard deviations give a large finite φ rather than infinity?"""
    value = phi(5.0, 1.0, 0.2)
    assert math.isfinite(value) and value > 80


def test_phi_takes_arrays_and_refuses_bad_input():
    """Are arrays handled element-wise, and are bad arguments refused by name?"""
    assert phi(np.array([0.0, 1.0]), 1.0, 0.1).shape == (2,)
    with pytest.raises(ValueError, match="model"):
        phi(1.0, 1.0, 0.1, model="weibull")
    with pytest.raises(ValueError, match="mean"):
        phi(1.0, 0.0, 0.1)
    with pytest.raises(ValueError, match="elapsed"):
        phi(-1.0, 1.0, 0.1)


def test_suspicion_delay_inverts_phi():
    """Is φ at the suspicion delay exactly the threshold, for both models?"""
    for threshold in (0.5, 3.0, 8.0, 12.0):
        for model in ("normal", "exponential"):
            delay = suspicion_delay(threshold, 1.0, 0.1, model)
            assert phi(delay, 1.0, 0.1, model) == pytest.approx(threshold, rel=1e-9)


def test_detector_object_uses_a_sliding_window_of_gaps():
    """Does the detector forget gaps older than its window, and suspect only above the threshold?"""
    detector = PhiAccrualDetector(threshold=2.0, window=3)
    for t in (0.0, 10.0, 11.0, 12.0, 13.0):  # the 10 s gap falls out of the window
        detector.heartbeat(t)
    assert detector.mean == 1.0 and detector.std == 0.0
    assert not detector.suspects(14.0) and detector.suspects(14.001)
    floored = PhiAccrualDetector(threshold=2.0, window=3, min_std=0.1)
    for t in (0.0, 1.0, 2.0, 3.0):
        floored.heartbeat(t)
    assert floored.phi(4.1) == pytest.approx(phi(1.1, 1.0, 0.1))


def test_detector_refuses_time_running_backwards_and_judging_too_early():
    """Are an out-of-order heartbeat and a question before two heartbeats refused clearly?"""
    detector = PhiAccrualDetector()
    detector.heartbeat(5.0)
    with pytest.raises(ValueError, match="two heartbeats"):
        detector.phi(6.0)
    with pytest.raises(ValueError, match="time"):
        detector.heartbeat(4.0)
    with pytest.raises(ValueError, match="window"):
        PhiAccrualDetector(window=1)


def test_trace_is_seeded_and_pauses_lengthen_gaps():
    """Is the trace the same for a seed, different for another, and do pauses make long gaps?"""
    a, b = heartbeat_trace(600.0, seed=3), heartbeat_trace(600.0, seed=3)
    assert np.array_equal(a, b) and not np.array_equal(a, heartbeat_trace(600.0, seed=4))
    calm = heartbeat_trace(3600.0, seed=3, pause_probability=0.0)
    paused = heartbeat_trace(3600.0, seed=3, pause_probability=0.05, pause_mean=1.0)
    assert np.diff(calm).max() < 1.2 < np.diff(paused).max()
    assert len(calm) == 3601 and np.all(np.diff(calm) > 0)
    with pytest.raises(ValueError, match="pause_probability"):
        heartbeat_trace(10.0, seed=1, pause_probability=1.5)


def test_vectorised_replay_matches_the_detector_object():
    """Does evaluate_detector count exactly the gaps that PhiAccrualDetector would suspect in?"""
    trace = heartbeat_trace(900.0, seed=11, pause_probability=0.02)
    window, threshold = 20, 3.0
    detector = PhiAccrualDetector(threshold=threshold, window=window)
    false, delays = 0, []
    for i, t in enumerate(trace[:-1]):
        detector.heartbeat(t)
        if i >= window:
            delays.append(suspicion_delay(threshold, detector.mean, detector.std))
            false += detector.suspects(trace[i + 1])
    quality = evaluate_detector(trace, threshold, window)
    assert quality.false_suspicions == false and quality.judged == len(delays)
    assert quality.mean_detection_time == pytest.approx(np.mean(delays), rel=1e-9)


def test_higher_threshold_trades_detection_time_for_fewer_mistakes():
    """Along the trade-off, does a higher threshold never suspect wrongly more often, and detect later?"""
    table = threshold_tradeoff(heartbeat_trace(7200.0, seed=5), [1, 2, 3, 5, 8], window=50)
    assert table["false_suspicions"].is_monotonic_decreasing
    assert table["mean_detection_time"].is_monotonic_increasing
    assert table["false_suspicions"].iloc[0] > table["false_suspicions"].iloc[-1]


def test_evaluate_refuses_unsorted_or_short_traces():
    """Are an unsorted trace and a window longer than the trace refused by name?"""
    with pytest.raises(ValueError, match="sorted"):
        evaluate_detector([0.0, 2.0, 1.0, 3.0], 3.0, window=2)
    with pytest.raises(ValueError, match="window"):
        evaluate_detector([0.0, 1.0, 2.0, 3.0], 3.0, window=5)


def test_hostile_arguments_are_refused_by_name():
    """Are a threshold beyond float range, a text probability and a single threshold refused
    with a ValueError naming the parameter, and is a zero spread the deterministic limit?"""
    with pytest.raises(ValueError, match="threshold"):
        suspicion_delay(400.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="threshold"):
        PhiAccrualDetector(threshold=1e30)
    assert suspicion_delay(300.0, 1.0, 0.0) == 1.0 and math.isfinite(suspicion_delay(300.0, 1.0, 0.1))
    with pytest.raises(ValueError, match="pause_probability"):
        heartbeat_trace(10.0, seed=1, pause_probability="often")
    with pytest.raises(ValueError, match="thresholds"):
        threshold_tradeoff(heartbeat_trace(600.0, seed=1), 3.0, window=10)
