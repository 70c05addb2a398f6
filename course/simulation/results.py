"""Simulation results that carry their uncertainty: batch means and Student-t intervals.

Successive waits in a queue are strongly correlated (a long queue stays long for a
while), so the textbook interval mean ± 1.96·s/√n, which assumes independent
observations, would be far too narrow. The method of batch means cuts the measured
customers into k consecutive batches (20 by default); batches that are long compared with
the queue's memory are nearly independent, so their k means give an honest interval:
grand mean ± t(k−1)·s_batch/√k.

>>> batches = BatchMeans(count=6, batches=3)
>>> batches.add(np.array([1.0, 3.0, 2.0]))
>>> batches.add(np.array([4.0, 5.0, 7.0]))
>>> batches.means().tolist()
[2.0, 3.0, 6.0]
>>> ci = batches.interval(0.95)
>>> round(ci.estimate, 3), round(ci.high - ci.estimate, 3)
(3.667, 5.171)

Taught in: Ep51 · 2-implementation; planned for Ep58 (Monte Carlo with confidence intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from course.intervals import Interval
from course.validation import require_array, require_int, require_open_unit

__all__ = ["BatchMeans", "QueueResult", "student_t_interval", "MAX_BATCHES", "MAX_OBSERVATIONS"]

#: Batch means needs a handful of batches (20 by default); more than ten thousand is a typo.
MAX_BATCHES = 10_000
#: Observations one accumulator counts (its batch edges must fit in 64-bit integers).
MAX_OBSERVATIONS = 10**12


def require_run_length(customers, warmup, batches: int, maximum: int) -> tuple[int, int]:
    """Check ``customers`` (>= ``batches``) and ``warmup`` (>= 0) and their sum against ``maximum``."""
    customers = require_int("customers", customers, minimum=batches)
    warmup = require_int("warmup", warmup, minimum=0)
    if customers + warmup > maximum:
        raise ValueError(
            f"customers + warmup must be <= {maximum:,} for this engine (a cap that keeps a "
            f"typo from hanging the notebook); got {customers:,} + {warmup:,}"
        )
    return customers, warmup


def student_t_interval(batch_means, confidence: float = 0.95) -> Interval:
    """The Student-t interval around the mean of ``batch_means`` (estimate: that mean).

    >>> low, high = student_t_interval([1.0, 2.0, 3.0], 0.95)
    >>> round(low, 3), round(high, 3)
    (-0.484, 4.484)

    Planned for Ep58 (Monte Carlo with confidence intervals).
    """
    values = require_array("batch_means", batch_means, min_length=2)
    require_open_unit("confidence", confidence)
    mean, half = float(values.mean()), _half_width(values, confidence)
    return Interval(mean - half, mean + half, estimate=mean)


def _half_width(batch_means: np.ndarray, confidence: float) -> float:
    k = batch_means.size
    quantile = stats.t.ppf((1 + confidence) / 2, k - 1)
    return float(quantile * batch_means.std(ddof=1) / math.sqrt(k))


class BatchMeans:
    """Accumulate ``count`` observations, fed in pieces, into ``batches`` consecutive batches.

    Batch sizes differ by at most one, so every observation counts and the grand mean is the
    plain average. Only running sums are kept: memory does not grow with ``count``.
    """

    def __init__(self, count: int, batches: int):
        batches = require_int("batches", batches, minimum=2, maximum=MAX_BATCHES)
        count = require_int("count", count, minimum=batches, maximum=MAX_OBSERVATIONS)
        self.count = count
        # batch j holds observations edges[j] .. edges[j+1]-1
        self.edges = np.arange(batches + 1, dtype=np.int64) * count // batches
        self.sums = np.zeros(batches)
        self.seen = 0

    def add(self, values: np.ndarray) -> None:
        """Add the next observations (finite numbers), in order."""
        values = require_array("values", values, min_length=0)
        if values.size == 0:
            return
        start, stop = self.seen, self.seen + values.size
        if stop > self.count:
            raise ValueError(f"more than count={self.count} observations were added")
        first_batch = int(np.searchsorted(self.edges, start, side="right")) - 1
        inner_edges = self.edges[(self.edges > start) & (self.edges < stop)] - start
        pieces = np.add.reduceat(values, np.concatenate(([0], inner_edges)))
        self.sums[first_batch : first_batch + pieces.size] += pieces
        self.seen = stop

    def means(self) -> np.ndarray:
        """The mean of each batch."""
        return self.sums / np.diff(self.edges)

    def interval(self, confidence: float = 0.95) -> Interval:
        """The Student-t batch-means interval; its ``estimate`` is the grand mean."""
        require_open_unit("confidence", confidence)
        if self.seen != self.count:
            raise ValueError(f"only {self.seen} of count={self.count} observations were added")
        mean = float(self.sums.sum() / self.count)
        half = _half_width(self.means(), confidence)
        return Interval(mean - half, mean + half, estimate=mean)


@dataclass(frozen=True, eq=False)
class QueueResult:
    """What one simulated run of a FCFS queue measured, with confidence intervals.

    Times are in seconds (the unit of 1/arrival_rate). ``wait_ci`` and ``response_ci`` are
    batch-means :class:`~course.intervals.Interval` s at level ``confidence`` (their estimates
    are ``mean_wait`` and ``mean_response``). ``mean_queue_length`` and
    ``utilization`` are time averages over the measured span (first to last measured
    arrival), computed from the customers' own waits and service times: the area under
    the queue-length curve is the sum of the waits.
    """

    model: str
    arrival_rate: float
    servers: int
    customers: int
    warmup: int
    seed: object
    batches: int
    confidence: float
    mean_wait: float
    wait_ci: Interval
    mean_response: float
    response_ci: Interval
    mean_service: float
    mean_queue_length: float
    utilization: float
    engine: str
    waits: np.ndarray | None = field(default=None, repr=False)
    service_times: np.ndarray | None = field(default=None, repr=False)

    def wait_quantile(self, p: float) -> float:
        """The empirical p-quantile of the measured waits (needs ``keep_waits=True``)."""
        require_open_unit("p", p)
        if self.waits is None:
            raise ValueError("waits were not kept: run the simulation with keep_waits=True")
        return float(np.quantile(self.waits, p))

    def summary(self) -> dict:
        """The scalar results as a flat dict (one row of a comparison table)."""
        return {
            "model": self.model, "engine": self.engine, "customers": self.customers,
            "mean_wait": self.mean_wait, "wait_ci_low": self.wait_ci[0],
            "wait_ci_high": self.wait_ci[1], "mean_response": self.mean_response,
            "response_ci_low": self.response_ci[0], "response_ci_high": self.response_ci[1],
            "mean_queue_length": self.mean_queue_length, "utilization": self.utilization,
        }


class QueueStatistics:
    """Fold customers' waits and service times (fed chunk by chunk) into a QueueResult."""

    def __init__(self, customers: int, batches: int, keep_waits: bool):
        self.wait_batches = BatchMeans(customers, batches)
        self.response_batches = BatchMeans(customers, batches)
        self.total_service = 0.0
        self.first_arrival: float | None = None
        self.last_arrival = 0.0
        self.kept = ([], []) if keep_waits else None

    def add(self, waits, service_times, first_arrival: float, last_arrival: float) -> None:
        """Add measured customers, in arrival order, and the arrival times of the first and last."""
        if waits.size == 0:
            return
        self.wait_batches.add(waits)
        self.response_batches.add(waits + service_times)
        self.total_service += float(service_times.sum())
        if self.first_arrival is None:
            self.first_arrival = first_arrival
        self.last_arrival = last_arrival
        if self.kept is not None:
            self.kept[0].append(waits.copy())
            self.kept[1].append(service_times.copy())

    def result(self, confidence: float, servers: int, **labels) -> QueueResult:
        wait_ci = self.wait_batches.interval(confidence)
        response_ci = self.response_batches.interval(confidence)
        mean_wait = wait_ci.estimate
        customers = self.wait_batches.count
        span = self.last_arrival - self.first_arrival
        queue_length = mean_wait * customers / span if span > 0 else math.inf
        utilization = self.total_service / (servers * span) if span > 0 else math.inf
        if not (math.isfinite(queue_length) and math.isfinite(utilization)):
            # Zero gaps between arrivals (a sampler of zeros) leave no time to average over.
            raise ValueError(
                f"customers must arrive over some time: the measured ones arrived within "
                f"{span:g} s, too short for the time averages mean_queue_length and "
                "utilization; check the arrival gaps or measure more customers"
            )
        kept = self.kept
        return QueueResult(
            servers=servers, customers=customers, confidence=confidence,
            batches=self.wait_batches.sums.size,
            mean_wait=mean_wait, wait_ci=wait_ci,
            mean_response=response_ci.estimate, response_ci=response_ci,
            mean_service=self.total_service / customers,
            mean_queue_length=queue_length,
            utilization=utilization,
            waits=None if kept is None else np.concatenate(kept[0]),
            service_times=None if kept is None else np.concatenate(kept[1]),
            **labels,
        )
