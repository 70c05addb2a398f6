"""Tidy simulation output: one record per customer visit to a node, ready for pandas.

Every visit ends in one of three outcomes: ``served``; ``blocked`` (the node was full,
the customer was turned away on arrival); ``abandoned`` (the customer's patience ran out
while waiting). Columns, times in seconds from the start of the run:

==================  ===========================================================
``customer_id``     0, 1, 2, … in order of arrival to the network
``node``            name of the node visited
``arrival_time``    when the customer reached the node
``service_start``   when service began (NaN unless served)
``service_end``     when service ended (NaN unless served)
``departure_time``  when the customer left the node, whatever the outcome
``waiting_time``    time in the queue: service_start − arrival_time if served,
                    time until giving up if abandoned, 0 if blocked
``service_time``    the service time drawn, = service_end − service_start up to
                    rounding (NaN unless served)
``outcome``         served, blocked or abandoned
==================  ===========================================================

Taught in: Ep51 · 2-implementation (Little's law on a request log); planned for Ep53.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from course.intervals import Interval
from course.simulation.results import BatchMeans
from course.validation import require_int, require_open_unit

__all__ = ["OUTCOMES", "VisitRecords", "NetworkResult"]

OUTCOMES = ("served", "blocked", "abandoned")
COLUMNS = ("customer_id", "node", "arrival_time", "service_start", "service_end",
           "departure_time", "waiting_time", "service_time", "outcome")


class VisitRecords:
    """Column lists the engine appends to, one entry per finished visit."""

    def __init__(self):
        self.columns = {name: [] for name in COLUMNS}

    def served(self, customer_id, node, arrival_time, service_start, service_end, service_time):
        self._add(customer_id, node, arrival_time, service_start, service_end, service_end,
                  service_start - arrival_time, service_time, "served")

    def blocked(self, customer_id, node, time):
        self._add(customer_id, node, time, math.nan, math.nan, time, 0.0, math.nan, "blocked")

    def abandoned(self, customer_id, node, arrival_time, time):
        self._add(customer_id, node, arrival_time, math.nan, math.nan, time,
                  time - arrival_time, math.nan, "abandoned")

    def _add(self, *values):
        for column, value in zip(self.columns.values(), values):
            column.append(value)

    def __len__(self):
        return len(self.columns["customer_id"])


class NetworkResult:
    """The records of one run of a network, plus per-node summaries with intervals.

    The first ``warmup`` customers (by arrival to the network) fill the empty system; their
    visits are left out of ``to_frame()`` and ``node_summary()`` unless asked for.
    """

    def __init__(self, network, records: VisitRecords, customers: int, warmup: int, seed,
                 duration: float, events: int):
        self.network = network
        self.records = records
        self.customers = customers
        self.warmup = warmup
        self.seed = seed
        self.duration = duration
        self.events = events

    def to_frame(self, include_warmup: bool = False) -> pd.DataFrame:
        """All visits as a DataFrame, one row each, sorted by arrival time at the node."""
        frame = pd.DataFrame(self.records.columns)
        frame["node"] = pd.Categorical(frame["node"], categories=self.network.names)
        frame["outcome"] = pd.Categorical(frame["outcome"], categories=OUTCOMES)
        if not include_warmup:
            frame = frame[frame["customer_id"] >= self.warmup]
        return frame.sort_values(["arrival_time", "customer_id"], kind="stable").reset_index(drop=True)

    def node_summary(self, batches: int = 20, confidence: float = 0.95) -> pd.DataFrame:
        """Per node: counts, outcome fractions and mean waits with batch-means intervals.

        Intervals are NaN for a node with fewer visits (or served visits) than ``batches``.
        """
        require_int("batches", batches, minimum=2)
        require_open_unit("confidence", confidence)
        frame = self.to_frame()
        rows = []
        for name in self.network.names:
            visits = frame[frame["node"] == name]
            served = visits[visits["outcome"] == "served"]
            counts = visits["outcome"].value_counts()
            fraction = _interval((visits["outcome"] == "served").to_numpy(float), batches, confidence)
            wait = _interval(served["waiting_time"].to_numpy(), batches, confidence)
            response = _interval((served["service_end"] - served["arrival_time"]).to_numpy(),
                                 batches, confidence)
            rows.append({
                "node": name, "visits": len(visits), "served": int(counts["served"]),
                "blocked": int(counts["blocked"]), "abandoned": int(counts["abandoned"]),
                "served_fraction": fraction.estimate, "served_fraction_ci_low": fraction.low,
                "served_fraction_ci_high": fraction.high,
                "mean_wait": wait.estimate, "wait_ci_low": wait.low, "wait_ci_high": wait.high,
                "mean_response": response.estimate, "response_ci_low": response.low,
                "response_ci_high": response.high,
            })
        return pd.DataFrame(rows)

    def __repr__(self):
        return (f"NetworkResult({self.network.names}, customers={self.customers}, "
                f"warmup={self.warmup}, visits={len(self.records)})")


def _interval(values: np.ndarray, batches: int, confidence: float) -> Interval:
    """Batch-means interval over ``values`` in order (estimate: their mean); NaN bounds if too few."""
    if values.size == 0:
        return Interval(math.nan, math.nan, estimate=math.nan)
    if values.size < batches:
        return Interval(math.nan, math.nan, estimate=float(values.mean()))
    accumulator = BatchMeans(values.size, batches)
    accumulator.add(values)
    return accumulator.interval(confidence)
