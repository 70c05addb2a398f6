"""Heartbeat failure detectors: the φ-accrual detector and a seeded heartbeat trace to test it on.

A failure detector cannot see a crash; it sees heartbeats stop arriving. A fixed timeout
answers "alive or dead?"; the φ-accrual detector (Hayashibara, Défago, Yared and Katayama,
SRDS 2004) answers "how surprised should I be that nothing has arrived yet?": with F the
distribution of the gaps between heartbeats, learned over a sliding window of the last ones,
and ``elapsed`` the time since the last heartbeat,

    φ = −log10(1 − F(elapsed)),

so φ = 1 means a gap this long happens once in 10 heartbeats, φ = 3 once in 1,000. The
application suspects the process when φ passes a ``threshold`` of its choosing: a higher
threshold suspects later (slower detection) and wrongly less often (fewer false
suspicions). Two gap models are in use: ``"normal"`` (the paper's, and Akka's) and
``"exponential"`` (Cassandra's, φ = elapsed / (mean · ln 10)).

Times are in seconds. The standard deviation of a window is the population one (divide by
the window's length, as Akka does).

>>> detector = PhiAccrualDetector(threshold=3.0, window=4)
>>> for t in (0.0, 1.0, 2.1, 2.9, 4.0):
...     detector.heartbeat(t)
>>> round(detector.phi(5.0), 3), detector.suspects(5.0), detector.suspects(6.0)
(0.301, False, True)

Taught in: Ep52 · 2-implementation (the learner builds one and measures the trade-off);
the failure models around it in Ep52 · 1-foundations.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from course.sim.streams import spawn_generators
from course.validation import (
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_positive,
    require_probability,
)

__all__ = [
    "MODELS", "phi", "suspicion_delay", "PhiAccrualDetector", "heartbeat_trace",
    "DetectorQuality", "evaluate_detector", "threshold_tradeoff",
]

#: The gap models the detector knows.
MODELS = ("normal", "exponential")
_LN10 = math.log(10.0)
#: Largest threshold: φ = 300 is a probability of 10^-300, about the smallest a float holds.
MAX_THRESHOLD = 300.0


def _threshold(threshold) -> float:
    threshold = require_positive("threshold", threshold)
    if threshold > MAX_THRESHOLD:
        raise ValueError(f"threshold must be at most {MAX_THRESHOLD:g} (a probability of 10^-{MAX_THRESHOLD:g}); "
                         f"got {threshold:g}")
    return threshold


def _model(model: str) -> str:
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    return model


def phi(elapsed, mean: float, std: float = 0.0, model: str = "normal"):
    """Suspicion level φ = −log10(P(a gap is longer than ``elapsed``)) (dimensionless).

    ``elapsed`` seconds since the last heartbeat (a number or an array, >= 0); ``mean`` and
    ``std`` (seconds) of the gaps between heartbeats. The normal model needs ``std`` > 0 —
    with ``std`` = 0 it is the deterministic limit (φ = 0 up to ``mean``, infinite after);
    the exponential model uses only ``mean``. Computed from the log of the tail, so a large
    φ does not round to infinity.

    >>> round(phi(1.2, mean=1.0, std=0.1), 3)                # two standard deviations late
    1.643
    >>> round(phi(3.0, mean=1.0, model="exponential"), 4)    # 3 / ln 10
    1.3029
    """
    model = _model(model)
    mean = require_positive("mean", mean)
    std = require_non_negative("std", std)
    scalar = np.ndim(elapsed) == 0
    times = require_array("elapsed", [elapsed] if scalar else elapsed, non_negative=True)
    if model == "exponential":
        values = times / (mean * _LN10)
    elif std == 0:
        values = np.where(times <= mean, 0.0, math.inf)
    else:
        values = -stats.norm.logsf(times, loc=mean, scale=std) / _LN10
    values = np.maximum(values, 0.0)  # -0.0 and rounding below zero read as "no suspicion"
    return float(values[0]) if scalar else values


def suspicion_delay(threshold: float, mean: float, std: float = 0.0, model: str = "normal") -> float:
    """Seconds after the last heartbeat at which φ reaches ``threshold`` (> 0).

    The inverse of :func:`phi`: the gap that is exceeded with probability 10^(−threshold).
    Normal model: mean + std · z with z the upper 10^(−threshold) quantile of N(0, 1) (just
    ``mean`` when ``std`` = 0); exponential: threshold · mean · ln 10. ``threshold`` at most 300.

    >>> round(suspicion_delay(3.0, mean=1.0, std=0.1), 4)
    1.309
    >>> round(suspicion_delay(3.0, mean=1.0, model="exponential"), 4)
    6.9078
    """
    threshold = _threshold(threshold)
    model = _model(model)
    mean = require_positive("mean", mean)
    std = require_non_negative("std", std)
    if model == "exponential":
        return require_finite_result(threshold * mean * _LN10, "threshold", "mean")
    if std == 0:
        return mean
    return require_finite_result(float(mean + std * stats.norm.isf(10.0 ** (-threshold))),
                                 "threshold", "mean", "std")


class PhiAccrualDetector:
    """A φ-accrual failure detector fed with heartbeat arrival times (seconds).

    ``threshold`` (> 0): suspect when φ exceeds it. ``window`` (>= 2): how many of the
    latest gaps between heartbeats the gap model is fitted to. ``min_std`` (seconds, >= 0):
    a floor on the standard deviation, so a very regular stretch of heartbeats does not make
    the normal model suspect at the first millisecond of lateness (Akka's
    ``min-std-deviation``).

    >>> d = PhiAccrualDetector(threshold=8.0, window=10)
    >>> for t in range(5):
    ...     d.heartbeat(float(t))
    >>> d.mean, d.std, d.phi(4.5)
    (1.0, 0.0, 0.0)
    """

    def __init__(self, threshold: float = 8.0, window: int = 100, model: str = "normal",
                 min_std: float = 0.0):
        self.threshold = _threshold(threshold)
        self.window = require_int("window", window, minimum=2, maximum=1_000_000)
        self.model = _model(model)
        self.min_std = require_non_negative("min_std", min_std)
        self.gaps: deque[float] = deque(maxlen=self.window)
        self.last: float | None = None

    def heartbeat(self, time: float) -> None:
        """Record a heartbeat that arrived at ``time`` seconds (not before the previous one)."""
        time = require_non_negative("time", time)
        if self.last is not None:
            if time < self.last:
                raise ValueError(f"time must be >= the previous heartbeat ({self.last:g} s); got {time:g}")
            self.gaps.append(time - self.last)
        self.last = time

    @property
    def mean(self) -> float:
        """Mean gap between heartbeats over the window (seconds)."""
        self._require_gaps()
        return float(np.mean(self.gaps))

    @property
    def std(self) -> float:
        """Population standard deviation of the window's gaps, floored at ``min_std`` (seconds)."""
        self._require_gaps()
        return max(float(np.std(self.gaps)), self.min_std)

    def _require_gaps(self) -> None:
        if not self.gaps:
            raise ValueError("the detector needs at least two heartbeats before it can judge a silence")

    def phi(self, now: float) -> float:
        """φ at time ``now`` (seconds, not before the last heartbeat)."""
        self._require_gaps()
        now = require_non_negative("now", now)
        if now < self.last:
            raise ValueError(f"now must be >= the last heartbeat ({self.last:g} s); got {now:g}")
        return phi(now - self.last, self.mean, self.std, self.model)

    def suspects(self, now: float) -> bool:
        """Whether φ at ``now`` is above the threshold."""
        return self.phi(now) > self.threshold


def heartbeat_trace(duration: float, seed, interval: float = 1.0, base_delay: float = 0.020,
                    jitter: float = 0.010, pause_probability: float = 0.002,
                    pause_mean: float = 0.5) -> np.ndarray:
    """Arrival times (seconds) of heartbeats sent every ``interval`` seconds for ``duration`` s.

    The seeded latency model (synthetic, made for teaching): heartbeat i is sent at
    i · ``interval`` and takes ``base_delay`` plus an exponential jitter of mean ``jitter``;
    with probability ``pause_probability`` it is also held up by a pause (a garbage
    collection, a congested link) of exponential length with mean ``pause_mean``. Arrivals are
    returned sorted: a detector sees the order heartbeats arrive in, not the one they were
    sent in. Two independent streams of ``seed`` draw the jitter and the pauses.

    >>> trace = heartbeat_trace(10.0, seed=1)
    >>> len(trace), bool(np.all(np.diff(trace) > 0))
    (11, True)
    """
    duration = require_positive("duration", duration)
    interval = require_positive("interval", interval)
    if duration / interval > 10_000_000:
        raise ValueError(f"duration must be at most 10,000,000 intervals; got {duration / interval:.3g}")
    base_delay = require_non_negative("base_delay", base_delay)
    jitter = require_non_negative("jitter", jitter)
    pause_mean = require_non_negative("pause_mean", pause_mean)
    pause_probability = require_probability("pause_probability", pause_probability)
    jitter_stream, pause_stream = spawn_generators(seed, 2)
    count = int(math.floor(duration / interval + 1e-9)) + 1
    sent = np.arange(count) * interval
    delay = base_delay + jitter_stream.exponential(1.0, count) * jitter
    paused = pause_stream.random(count) < pause_probability
    delay += np.where(paused, pause_stream.exponential(1.0, count) * pause_mean, 0.0)
    return require_finite_result(np.sort(sent + delay), "duration", "base_delay", "jitter", "pause_mean")


@dataclass(frozen=True)
class DetectorQuality:
    """How a detector with one threshold did on one heartbeat trace.

    ``false_suspicions``: gaps (between two heartbeats of a live process) during which φ
    passed the threshold; ``per_hour`` the same per hour of trace. ``mean_detection_time``
    and ``max_detection_time`` (seconds): had the process crashed right after sending a
    heartbeat (the last one it sends), how long after the crash the detector suspects it —
    averaged over, and the longest over, every heartbeat of the trace. ``judged`` is the
    number of gaps judged (the first ``window`` gaps only fill the window).
    """

    threshold: float
    false_suspicions: int
    per_hour: float
    mean_detection_time: float
    max_detection_time: float
    judged: int


def _window_statistics(gaps: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population std of each full window of ``window`` gaps, in one pass of sums."""
    shifted = gaps - gaps.mean()  # centring keeps the sums of squares from cancelling
    sums = np.concatenate([[0.0], np.cumsum(shifted)])
    squares = np.concatenate([[0.0], np.cumsum(shifted**2)])
    mean = (sums[window:] - sums[:-window]) / window
    variance = np.maximum((squares[window:] - squares[:-window]) / window - mean**2, 0.0)
    return mean + gaps.mean(), np.sqrt(variance)


def evaluate_detector(arrivals, threshold: float, window: int = 100, model: str = "normal",
                      min_std: float = 0.0) -> DetectorQuality:
    """Replay heartbeat ``arrivals`` (seconds, sorted) through a φ-accrual detector.

    After each arrival i with a full window, the detector would suspect once the silence
    reaches its :func:`suspicion_delay` d_i. The next gap g_i longer than d_i is a false
    suspicion (the process was alive); had the process crashed instead, leaving heartbeat i
    as the last, it would be suspected d_i after that arrival (the detection time). The same
    detector as :class:`PhiAccrualDetector`, vectorised.

    >>> trace = heartbeat_trace(3600.0, seed=7)
    >>> q = evaluate_detector(trace, threshold=3.0, window=50)
    >>> q.false_suspicions, round(q.mean_detection_time, 2)
    (42, 1.07)
    """
    arrivals = require_array("arrivals", arrivals, min_length=3, non_negative=True)
    if np.any(np.diff(arrivals) < 0):
        raise ValueError("arrivals must be sorted in time (the order heartbeats arrive in)")
    threshold = _threshold(threshold)
    window = require_int("window", window, minimum=2)
    if window > arrivals.size - 2:
        raise ValueError(f"window must be <= {arrivals.size - 2} (the trace has {arrivals.size} heartbeats); "
                         f"got {window}")
    model = _model(model)
    min_std = require_non_negative("min_std", min_std)
    hours = (arrivals[-1] - arrivals[window]) / 3600
    if not hours > 0:  # the rate per hour needs some time judged
        raise ValueError("arrivals must span some time after the first window of gaps "
                         f"(the last {arrivals.size - window} heartbeats all arrive at {arrivals[-1]:g} s)")
    gaps = np.diff(arrivals)
    means, stds = _window_statistics(gaps, window)
    stds = np.maximum(stds, min_std)
    # window k covers gaps k .. k+window-1 and ends at arrival k+window; it judges the next gap
    means, stds = means[:-1], stds[:-1]
    judged_gaps = gaps[window:]
    if model == "exponential":
        delays = threshold * means * _LN10
    else:
        delays = means + stds * stats.norm.isf(10.0 ** (-threshold))
    require_finite_result(delays, "arrivals", "threshold", "min_std")
    false = int(np.count_nonzero(judged_gaps > delays))
    return DetectorQuality(
        threshold=threshold,
        false_suspicions=false,
        per_hour=false / hours,
        mean_detection_time=float(delays.mean()),
        max_detection_time=float(delays.max()),
        judged=int(judged_gaps.size),
    )


def threshold_tradeoff(arrivals, thresholds, window: int = 100, model: str = "normal",
                       min_std: float = 0.0) -> pd.DataFrame:
    """One row of :class:`DetectorQuality` per threshold: the detection-time/mistakes curve.

    >>> table = threshold_tradeoff(heartbeat_trace(3600.0, seed=7), [1, 3, 8], window=50)
    >>> table["false_suspicions"].tolist()
    [301, 42, 10]
    """
    if isinstance(thresholds, str | bytes) or not isinstance(thresholds, Iterable):
        raise ValueError(f"thresholds must be a list of thresholds (numbers > 0); got {thresholds!r}")
    rows = [evaluate_detector(arrivals, t, window, model, min_std).__dict__ for t in thresholds]
    if not rows:
        raise ValueError("thresholds must hold at least one threshold")
    return pd.DataFrame(rows)
