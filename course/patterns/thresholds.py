"""Circuit-breaker thresholds from statistics: how often does a *healthy* dependency trip it?

A smoke alarm that goes off whenever someone makes toast soon has its battery pulled. A
breaker that opens while its dependency is fine does the same harm: it turns a normal
background error rate into an outage of its own. With calls failing independently at the
normal error rate p, the failures in a window follow a binomial law (or, counted in time, a
Poisson law), and the chance of reaching the trip threshold is a tail probability — so
the false-trip rate per day can be computed instead of guessed.

Count-based sliding window (Resilience4j ``COUNT_BASED``; the course's ``window="count"``):
after every call the breaker looks at the last n calls and trips when at least k failed
(here the minimum volume equals n, the window is full):

- P(one window holds ≥ k failures) = P(X ≥ k), X ~ Binomial(n, p);
- the count *crosses up* to k at a given call when that call fails, the call that just
  left the window had succeeded, and the n − 1 calls the two windows share hold exactly
  k − 1 failures: probability p (1 − p) P(Binomial(n − 1, p) = k − 1). Times the calls per
  day, this is the expected number of false trips per day (exact for the crossings; the
  breaker's reset after a trip is neglected, which is right when trips are rare).

Time-based window (Hystrix; ``window="time"``): with Poisson arrivals at λ per second, a
window of T seconds holds N ~ Poisson(λT) calls, of which failures F ~ Poisson(λTp), and it
trips when N ≥ minimum_calls and F ≥ threshold · N. Per day there are 86,400 / T disjoint
windows; their count times P(trip) is an *estimate* of trips per day (a sliding window is
checked more often, so treat it as an order of magnitude).

>>> rule = CountWindowRule(window_size=20, trip_failures=4)
>>> round(rule.window_trip_probability(0.02), 7)
0.0005997
>>> round(rule.false_trips_per_day(error_rate=0.02, requests_per_second=50), 1)
475.1

Taught in: Ep13 · 1-foundations (choosing a threshold), assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from course.queueing.littles_law import ceil_count
from course.validation import require_int, require_positive, require_probability

__all__ = ["SECONDS_PER_DAY", "CountWindowRule", "TimeWindowRule", "smallest_trip_failures",
           "false_trip_table"]

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class CountWindowRule:
    """Trip when at least ``trip_failures`` (k) of the last ``window_size`` (n) calls failed.

    >>> CountWindowRule.from_threshold(100, 0.5).trip_failures     # Resilience4j defaults
    50
    """

    window_size: int
    trip_failures: int

    def __post_init__(self):
        size = require_int("window_size", self.window_size, minimum=1)
        require_int("trip_failures", self.trip_failures, minimum=1, maximum=size)

    @classmethod
    def from_threshold(cls, window_size: int, failure_rate_threshold: float) -> CountWindowRule:
        """The rule "failure rate ≥ threshold" over a full window: k = ⌈threshold · n⌉."""
        window_size = require_int("window_size", window_size, minimum=1)
        threshold = require_probability("failure_rate_threshold", failure_rate_threshold)
        if threshold == 0:
            raise ValueError("failure_rate_threshold must be > 0 (0 would trip on every call)")
        return cls(window_size, max(1, ceil_count(threshold * window_size)))

    def window_trip_probability(self, error_rate: float) -> float:
        """P(a full window of n independent calls holds ≥ k failures), each failing with ``error_rate``."""
        p = require_probability("error_rate", error_rate)
        return float(stats.binom.sf(self.trip_failures - 1, self.window_size, p))

    def crossing_probability(self, error_rate: float) -> float:
        """P(the failure count reaches k at one particular call, from below)."""
        p = require_probability("error_rate", error_rate)
        shared = stats.binom.pmf(self.trip_failures - 1, self.window_size - 1, p)
        return float(p * (1 - p) * shared)

    def false_trips_per_day(self, error_rate: float, requests_per_second: float) -> float:
        """Expected trips per day of a healthy dependency at the normal ``error_rate``."""
        rate = require_positive("requests_per_second", requests_per_second)
        return self.crossing_probability(error_rate) * rate * SECONDS_PER_DAY


@dataclass(frozen=True)
class TimeWindowRule:
    """Trip when a window of ``window_seconds`` holds ≥ ``minimum_calls`` calls and a failure
    share ≥ ``failure_rate_threshold`` (Hystrix: 10 s, 20 calls, 50 %).

    >>> hystrix = TimeWindowRule(window_seconds=10, minimum_calls=20, failure_rate_threshold=0.5)
    >>> hystrix.window_trip_probability(error_rate=0.3, requests_per_second=3.0) > 0.01
    True
    """

    window_seconds: float
    minimum_calls: int
    failure_rate_threshold: float

    def __post_init__(self):
        require_positive("window_seconds", self.window_seconds)
        require_int("minimum_calls", self.minimum_calls, minimum=1)
        threshold = require_probability("failure_rate_threshold", self.failure_rate_threshold)
        if threshold == 0:
            raise ValueError("failure_rate_threshold must be > 0 (0 would trip on every call)")

    def window_trip_probability(self, error_rate: float, requests_per_second: float) -> float:
        """P(one window trips) with Poisson arrivals and independent failures."""
        p = require_probability("error_rate", error_rate)
        mean_calls = require_positive("requests_per_second", requests_per_second) * self.window_seconds
        # Calls beyond this count carry less than 1e-16 of the probability.
        top = max(int(stats.poisson.isf(1e-16, mean_calls)), self.minimum_calls) + 1
        calls = np.arange(self.minimum_calls, top + 1)
        needed = np.array([ceil_count(self.failure_rate_threshold * n) for n in calls])
        tail = stats.binom.sf(needed - 1, calls, p)
        return float(np.sum(stats.poisson.pmf(calls, mean_calls) * tail))

    def false_trips_per_day(self, error_rate: float, requests_per_second: float) -> float:
        """Estimate: disjoint windows per day × P(a window trips) (an order of magnitude)."""
        windows = SECONDS_PER_DAY / self.window_seconds
        return windows * self.window_trip_probability(error_rate, requests_per_second)


def smallest_trip_failures(window_size: int, error_rate: float, requests_per_second: float,
                           max_trips_per_day: float) -> int:
    """The smallest k whose count window false-trips at most ``max_trips_per_day`` on average.

    A smaller k detects a real outage sooner (after k failed calls) but trips more often on a
    healthy dependency. Raises ValueError if even k = n is too trigger-happy.

    >>> smallest_trip_failures(20, error_rate=0.02, requests_per_second=50, max_trips_per_day=1 / 30)
    8

    Taught in: Ep13 · 1-foundations, assessment.
    """
    window_size = require_int("window_size", window_size, minimum=1)
    limit = require_positive("max_trips_per_day", max_trips_per_day)
    for failures in range(1, window_size + 1):
        rule = CountWindowRule(window_size, failures)
        if rule.false_trips_per_day(error_rate, requests_per_second) <= limit:
            return failures
    raise ValueError(
        f"max_trips_per_day = {limit:g} cannot be met with a window of {window_size} calls at "
        f"error_rate = {error_rate:g}: use a longer window"
    )


def false_trip_table(window_size: int, error_rate: float, requests_per_second: float,
                     outage_error_rate: float) -> pd.DataFrame:
    """Every k from 1 to n: the price (false trips) and the value (detection) of the threshold.

    Columns: ``trip_failures`` (k); ``false_trips_per_day`` at the normal ``error_rate``;
    ``detection_probability``, the chance that one full window trips when the dependency
    fails at ``outage_error_rate`` (a partial outage); ``calls_to_trip_full_outage`` (= k:
    with every call failing, the k-th failure trips a full window).

    >>> table = false_trip_table(20, 0.02, 50, outage_error_rate=0.3)
    >>> table.loc[table.trip_failures == 8, ["false_trips_per_day", "detection_probability"]].round(4).values.tolist()
    [[0.0043, 0.2277]]

    Taught in: Ep13 · 1-foundations.
    """
    window_size = require_int("window_size", window_size, minimum=1)
    p = require_probability("error_rate", error_rate)
    q = require_probability("outage_error_rate", outage_error_rate)
    rate = require_positive("requests_per_second", requests_per_second)
    failures = np.arange(1, window_size + 1)
    crossing = p * (1 - p) * stats.binom.pmf(failures - 1, window_size - 1, p)
    return pd.DataFrame({
        "trip_failures": failures,
        "false_trips_per_day": crossing * rate * SECONDS_PER_DAY,
        "detection_probability": stats.binom.sf(failures - 1, window_size, q),
        "calls_to_trip_full_outage": failures,
    })
