"""What a run leaves behind: tidy records and time-bucketed aggregates as DataFrames.

The simulator appends flat numbers while it runs; :class:`Result` turns them into pandas
DataFrames only when asked (and once), with numpy doing the arithmetic:

- ``requests`` — one row per client request (end-to-end view: ``latency`` = end − arrival,
  ``outcome`` as the client saw it, ``attempts`` made by the client);
- ``spans`` — one row per request handled (or refused) by a service: ``arrival``,
  ``start`` (NaN if it never got a worker), ``end``, ``queue_wait``, ``latency``;
- ``calls`` — one row per attempt a caller made: ``sent``, ``end``, caller-side ``outcome``
  (``timeout``, ``short_circuited``, ``bulkhead_full`` are only visible here);
- ``timeline(bucket)`` — per node and time bucket: arrivals, endings by outcome, latency
  mean and percentiles (p50/p95/p99, numpy's linear interpolation) of what *ended* in the
  bucket, and time averages of ``in_flight``, ``busy`` workers, ``pool_use`` (= busy /
  workers) and ``queue_length``;
- ``breaker_transitions`` and ``breaker_timeline(bucket)`` — every state change, and the
  state at each bucket's end with the fraction of the bucket spent open / half-open;
- ``faults`` — one row per injected fault interval, for plots to shade.

Time averages integrate the step functions exactly (no sampling): over a bucket
[t0, t1), the mean number in flight is ∫ N(t) dt / (t1 − t0), computed for all buckets at
once from sorted start and end times and their prefix sums.

Taught in: Ep13 · 2-implementation (reading a chaos run).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import pandas as pd

from course.patterns.breaker import CLOSED, HALF_OPEN, MODES, OPEN
from course.patterns.outcomes import IN_PROGRESS, OUTCOME_NAMES
from course.validation import require_positive

__all__ = ["Result", "JOB_FIELDS", "CALL_FIELDS", "time_average", "grouped_quantiles"]

JOB_FIELDS = ("request_id", "node", "caller", "arrival", "start", "end", "outcome", "status",
              "level", "attempt")
CALL_FIELDS = ("request_id", "caller", "target", "attempt", "sent", "end", "outcome", "status")
_QUANTILES = (("latency_p50", 0.50), ("latency_p95", 0.95), ("latency_p99", 0.99))


def time_average(starts, ends, edges) -> np.ndarray:
    """Mean number of open intervals [start, end) in each bucket between consecutive ``edges``.

    >>> time_average([0.0, 0.5], [1.0, 2.0], [0.0, 1.0, 2.0]).tolist()
    [1.5, 1.0]
    """
    starts = np.sort(np.asarray(starts, dtype=float))
    ends = np.sort(np.asarray(ends, dtype=float))
    edges = np.asarray(edges, dtype=float)
    start_sums = np.concatenate(([0.0], np.cumsum(starts)))
    end_sums = np.concatenate(([0.0], np.cumsum(ends)))
    started = np.searchsorted(starts, edges, side="right")
    ended = np.searchsorted(ends, edges, side="right")
    # ∫_0^t N(u) du = Σ_{s<t} (t - s) - Σ_{e<t} (t - e)
    integral = edges * started - start_sums[started] - (edges * ended - end_sums[ended])
    return np.diff(integral) / np.diff(edges)


def grouped_quantiles(groups, values, group_count: int, levels) -> np.ndarray:
    """Quantiles of ``values`` within each group 0..group_count-1 (NaN for an empty group).

    Linear interpolation between order statistics, as ``numpy.quantile``'s default.

    >>> grouped_quantiles([0, 0, 0, 1], [3.0, 1.0, 2.0, 5.0], 3, [0.5]).tolist()
    [[2.0], [5.0], [nan]]
    """
    groups = np.asarray(groups, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    order = np.lexsort((values, groups))
    sorted_values = values[order]
    counts = np.bincount(groups, minlength=group_count)[:group_count]
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    result = np.full((group_count, len(levels)), np.nan)
    present = counts > 0
    for column, level in enumerate(levels):
        position = level * (counts[present] - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, counts[present] - 1)
        below = sorted_values[firsts[present] + low]
        above = sorted_values[firsts[present] + high]
        result[present, column] = below + (position - low) * (above - below)
    return result


class Result:
    """The records of one run, with DataFrame views built on first use.

    ``duration`` is the simulated time (s), ``events`` the number of events processed and
    ``wall_time`` the seconds the event loop took.
    """

    def __init__(self, jobs, calls, nodes, breakers, faults, duration, events, wall_time):
        self._jobs = np.frombuffer(jobs, dtype=float).reshape(-1, len(JOB_FIELDS))
        self._calls = np.frombuffer(calls, dtype=float).reshape(-1, len(CALL_FIELDS))
        self.node_names = [name for name, _, _ in nodes]
        self.client_names = [name for name, is_client, _ in nodes if is_client]
        self.service_names = [name for name, is_client, _ in nodes if not is_client]
        self._workers = np.array([workers for _, _, workers in nodes], dtype=float)
        self._breakers = breakers
        self._faults = list(faults)
        self.duration = duration
        self.events = events
        self.wall_time = wall_time

    def __repr__(self):
        return (f"Result(duration={self.duration:g}s, requests={int(self._is_client.sum())}, "
                f"events={self.events}, wall_time={self.wall_time:.3f}s)")

    # ------------------------------------------------------------------ helpers
    @cached_property
    def _is_client(self) -> np.ndarray:
        client = np.isin(np.arange(len(self.node_names)),
                         [self.node_names.index(name) for name in self.client_names])
        return client[self._jobs[:, 1].astype(np.int64)]

    def _nodes(self, codes) -> pd.Categorical:
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), self.node_names)

    @staticmethod
    def _outcomes(codes) -> pd.Categorical:
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), OUTCOME_NAMES)

    # ------------------------------------------------------------------ records
    @cached_property
    def requests(self) -> pd.DataFrame:
        """One row per client request: the end-to-end view."""
        rows = self._jobs[self._is_client]
        return pd.DataFrame({
            "request_id": rows[:, 0].astype(np.int64),
            "client": self._nodes(rows[:, 1]),
            "arrival": rows[:, 3],
            "end": rows[:, 5],
            "latency": rows[:, 5] - rows[:, 3],
            "outcome": self._outcomes(rows[:, 6]),
            "status": rows[:, 7].astype(np.int64),
            "level": rows[:, 8].astype(np.int64),
        }).sort_values("request_id", ignore_index=True)

    @cached_property
    def spans(self) -> pd.DataFrame:
        """One row per request a service handled or refused (``attempt``: which try it was)."""
        rows = self._jobs[~self._is_client]
        return pd.DataFrame({
            "request_id": rows[:, 0].astype(np.int64),
            "service": self._nodes(rows[:, 1]),
            "caller": self._nodes(rows[:, 2]),
            "arrival": rows[:, 3],
            "start": rows[:, 4],
            "end": rows[:, 5],
            "queue_wait": rows[:, 4] - rows[:, 3],
            "latency": rows[:, 5] - rows[:, 3],
            "outcome": self._outcomes(rows[:, 6]),
            "status": rows[:, 7].astype(np.int64),
            "level": rows[:, 8].astype(np.int64),
            "attempt": rows[:, 9].astype(np.int64),
        })

    @cached_property
    def calls(self) -> pd.DataFrame:
        """One row per attempt, as the caller saw it."""
        rows = self._calls
        return pd.DataFrame({
            "request_id": rows[:, 0].astype(np.int64),
            "caller": self._nodes(rows[:, 1]),
            "target": self._nodes(rows[:, 2]),
            "attempt": rows[:, 3].astype(np.int64),
            "sent": rows[:, 4],
            "end": rows[:, 5],
            "latency": rows[:, 5] - rows[:, 4],
            "outcome": self._outcomes(rows[:, 6]),
            "status": rows[:, 7].astype(np.int64),
        })

    @cached_property
    def faults(self) -> pd.DataFrame:
        """One row per fault interval (``end`` is the run's end if the fault never ended)."""
        return pd.DataFrame({
            "kind": [fault.kind for fault in self._faults],
            "target": [fault.target for fault in self._faults],
            "start": [float(fault.start) for fault in self._faults],
            "end": [float(self.duration if fault.end is None else min(fault.end, self.duration))
                    for fault in self._faults],
            "detail": [fault.detail() for fault in self._faults],
        }, columns=["kind", "target", "start", "end", "detail"])

    # ------------------------------------------------------------------ aggregates
    def _edges(self, bucket: float) -> np.ndarray:
        require_positive("bucket", bucket)
        count = max(1, math.ceil(self.duration / bucket - 1e-9))
        return np.minimum(np.arange(count + 1) * bucket, self.duration)

    def timeline(self, bucket: float = 1.0, nodes=None) -> pd.DataFrame:
        """Per node and per ``bucket`` seconds: counts, latency percentiles, time averages.

        ``nodes`` restricts the table to some node names (all by default). Rows are ordered
        by node, then time; ``time`` is the bucket's start.
        """
        edges = self._edges(bucket)
        buckets = len(edges) - 1
        chosen = self._node_indices(nodes)
        renumber = np.full(len(self.node_names), -1)
        renumber[chosen] = np.arange(len(chosen))
        jobs = self._jobs[renumber[self._jobs[:, 1].astype(np.int64)] >= 0]
        node = renumber[jobs[:, 1].astype(np.int64)]
        arrival, start, end = jobs[:, 3], jobs[:, 4], jobs[:, 5]
        outcome = jobs[:, 6].astype(np.int64)
        finished = outcome != IN_PROGRESS
        end_or_stop = np.where(np.isnan(end), self.duration, end)
        cells = len(chosen) * buckets

        def cell_of(times):
            return node * buckets + np.minimum((times / bucket).astype(np.int64), buckets - 1)

        columns: dict[str, np.ndarray] = {"arrivals": np.bincount(cell_of(arrival), minlength=cells)}
        ended_cell = cell_of(end_or_stop)[finished]
        ended_outcome = outcome[finished]
        columns["completed"] = np.bincount(ended_cell, minlength=cells)
        for code, name in enumerate(OUTCOME_NAMES[:IN_PROGRESS]):
            columns[name] = np.bincount(ended_cell[ended_outcome == code], minlength=cells)
        latency = (end - arrival)[finished]
        sums = np.bincount(ended_cell, weights=latency, minlength=cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["latency_mean"] = sums / columns["completed"]
        quantiles = grouped_quantiles(ended_cell, latency, cells, [level for _, level in _QUANTILES])
        for index, (name, _) in enumerate(_QUANTILES):
            columns[name] = quantiles[:, index]
        in_flight, busy, queue_length = (np.zeros(cells) for _ in range(3))
        started = ~np.isnan(start)
        queue_end = np.where(started, start, end_or_stop)
        for number in range(len(chosen)):
            mine = node == number
            rows = slice(number * buckets, (number + 1) * buckets)
            in_flight[rows] = time_average(arrival[mine], end_or_stop[mine], edges)
            busy[rows] = time_average(start[mine & started], end_or_stop[mine & started], edges)
            queue_length[rows] = time_average(arrival[mine], queue_end[mine], edges)
        workers = np.repeat(self._workers[chosen], buckets)
        is_client = np.isinf(workers)
        columns["in_flight"] = in_flight
        columns["busy"] = np.where(is_client, np.nan, busy)
        columns["pool_use"] = np.where(is_client, np.nan, busy / workers)
        columns["queue_length"] = np.where(is_client, np.nan, queue_length)
        return pd.DataFrame({
            "time": np.tile(edges[:-1], len(chosen)),
            "node": self._nodes(np.repeat(chosen, buckets)),
            **columns,
        })

    def _node_indices(self, nodes) -> np.ndarray:
        if nodes is None:
            return np.arange(len(self.node_names))
        names = [nodes] if isinstance(nodes, str) else list(nodes)
        unknown = [name for name in names if name not in self.node_names]
        if unknown or not names:
            raise ValueError(f"nodes must name some of {self.node_names}; got {nodes!r}")
        return np.array([self.node_names.index(name) for name in names])

    def summary(self) -> pd.DataFrame:
        """One row per node over the whole run: counts by outcome and latency percentiles."""
        frame = self.timeline(bucket=self.duration)
        return frame.drop(columns=["time"]).set_index("node")

    @cached_property
    def breaker_transitions(self) -> pd.DataFrame:
        """Every breaker state change: time, caller, target, from_state, to_state."""
        rows = [(time, caller, target, old, new)
                for caller, target, transitions in self._breakers
                for time, old, new in transitions]
        return pd.DataFrame(rows, columns=["time", "caller", "target", "from_state", "to_state"])

    def breaker_timeline(self, bucket: float = 1.0) -> pd.DataFrame:
        """Per breaker and bucket: ``state`` at the bucket's end, fractions open / half-open.

        ``state_code`` is 0 closed, 1 open, 2 half-open (handy as a plot's y value).
        """
        edges = self._edges(bucket)
        frames = []
        for caller, target, transitions in self._breakers:
            times = np.array([0.0] + [time for time, _, _ in transitions] + [self.duration])
            modes = [CLOSED] + [new for _, _, new in transitions]
            codes = np.array([MODES.index(mode) for mode in modes])
            at_end = codes[np.searchsorted(times[:-1], edges[1:], side="left") - 1]
            frame = {"time": edges[:-1], "caller": caller, "target": target,
                     "state": np.array(MODES, dtype=object)[at_end], "state_code": at_end}
            for mode in (OPEN, HALF_OPEN):
                chosen = codes == MODES.index(mode)
                frame[f"{mode}_fraction"] = time_average(times[:-1][chosen], times[1:][chosen],
                                                         edges)
            frames.append(pd.DataFrame(frame))
        if not frames:
            return pd.DataFrame(columns=["time", "caller", "target", "state", "state_code",
                                         "open_fraction", "half_open_fraction"])
        return pd.concat(frames, ignore_index=True)
