"""Capacity decisions in money: servers against SLA penalties, headroom, and decision tables.

A queueing model says how fast a pool answers; a capacity decision also needs what a
server costs and what a slow answer costs. Think of a supermarket: every open till costs
a cashier's wage, every customer who waits too long costs goodwill (or, under a contract,
a penalty). Too few tills and the penalties dominate; too many and the wages do. The
cheapest number lies in between, and it moves when the load moves — which is why a plan
also needs *headroom*: how much more load it survives before the target is missed.

Vocabulary (times in seconds, rates per second, money in one currency per hour):

- ``arrival_rate`` λ, ``service_rate`` μ, ``servers`` c as in :mod:`course.queueing.markovian`;
- ``target_time`` — the response-time target of the service-level agreement (SLA);
- ``server_cost_per_hour`` — what one server costs per hour;
- ``penalty_per_late_request`` — what one answer slower than ``target_time`` costs;
- ``late_share`` — P(T > target_time), the share of requests answered too late.

>>> plan = CapacityCosts(arrival_rate=1000, service_rate=20, target_time=0.2,
...                      server_cost_per_hour=0.5, penalty_per_late_request=0.0002)
>>> plan.cheapest()
55

Taught in: Ep51 · 3-strategy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import brentq

from course.queueing.littles_law import pool_size
from course.queueing.markovian import mmc
from course.validation import (
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
)

__all__ = [
    "CapacityCosts", "sustainable_arrival_rate", "headroom_table", "headroom_policies",
    "breach_costs", "decision_table",
]

SECONDS_PER_HOUR = 3600.0
_COST_COLUMNS = ["servers", "utilization", "late_share", "server_cost", "penalty_cost", "total_cost"]


@dataclass(frozen=True)
class CapacityCosts:
    """The hourly cost of running ``servers`` M/M/c servers under an SLA with penalties.

    Cost per hour = c × ``server_cost_per_hour`` + λ × 3600 × P(T > ``target_time``) ×
    ``penalty_per_late_request``, with T the M/M/c response time (queue + service) from
    :func:`course.queueing.mmc`. A pool that cannot keep up (λ ≥ cμ) has no steady state:
    asking for its cost is a ValueError, and :meth:`table` starts at the smallest stable c.

    >>> plan = CapacityCosts(1000, 20, 0.2, server_cost_per_hour=0.5,
    ...                      penalty_per_late_request=0.0002)
    >>> round(plan.hourly_cost(52)["total_cost"], 2)
    48.24
    """

    arrival_rate: float
    service_rate: float
    target_time: float
    server_cost_per_hour: float
    penalty_per_late_request: float

    def __post_init__(self):
        require_positive("arrival_rate", self.arrival_rate)
        require_positive("service_rate", self.service_rate)
        require_positive("target_time", self.target_time)
        require_non_negative("server_cost_per_hour", self.server_cost_per_hour)
        require_non_negative("penalty_per_late_request", self.penalty_per_late_request)

    @property
    def offered_load(self) -> float:
        """A = λ/μ: the mean number of busy servers, whatever c is."""
        return self.arrival_rate / self.service_rate

    @property
    def min_servers(self) -> int:
        """The smallest stable pool: the first whole number above A = λ/μ."""
        return math.floor(self.offered_load) + 1

    def late_share(self, servers: int) -> float:
        """P(T > target_time) for ``servers`` servers (ValueError if the pool is unstable)."""
        queue = mmc(self.arrival_rate, self.service_rate, servers)
        return 1.0 - float(queue.response_time_cdf(self.target_time))

    def hourly_cost(self, servers: int) -> dict:
        """Servers, utilisation, late share and the three costs per hour, as one dict."""
        servers = require_int("servers", servers, minimum=1)
        late = self.late_share(servers)
        server_cost = servers * self.server_cost_per_hour
        penalty = self.arrival_rate * SECONDS_PER_HOUR * late * self.penalty_per_late_request
        return {
            "servers": servers,
            "utilization": self.offered_load / servers,
            "late_share": late,
            "server_cost": server_cost,
            "penalty_cost": penalty,
            "total_cost": server_cost + penalty,
        }

    def default_servers(self) -> range:
        """From the smallest stable pool to about 30 % above the offered load (at least 10 more)."""
        low = self.min_servers
        return range(low, max(low + 10, math.ceil(1.3 * self.offered_load)) + 1)

    def table(self, servers=None) -> pd.DataFrame:
        """One row of :meth:`hourly_cost` per pool size in ``servers`` (default :meth:`default_servers`)."""
        counts = self.default_servers() if servers is None else servers
        rows = [self.hourly_cost(c) for c in counts]
        if not rows:
            raise ValueError("servers must list at least one pool size")
        return pd.DataFrame(rows, columns=_COST_COLUMNS)

    def cheapest(self, servers=None) -> int:
        """The pool size with the lowest total cost per hour (the smaller one on a tie)."""
        costs = self.table(servers)
        return int(costs.loc[costs["total_cost"].idxmin(), "servers"])


def sustainable_arrival_rate(
    service_rate: float, servers: int, quantile: float, target_time: float
) -> float:
    """The highest arrival rate at which ``servers`` keep the response ``quantile`` ≤ ``target_time``.

    The response-time quantile of M/M/c rises with λ (from the service-time quantile at
    λ → 0 to infinity at λ → cμ), so the breaking point is the one root of
    P(T ≤ target_time; λ) = quantile, found with Brent's method on the exact CDF.

    >>> round(sustainable_arrival_rate(20, 55, quantile=0.95, target_time=0.160), 1)
    1032.3

    Taught in: Ep51 · 3-strategy.
    """
    service_rate = require_positive("service_rate", service_rate)
    servers = require_int("servers", servers, minimum=1)
    quantile = require_open_unit("quantile", quantile)
    target_time = require_positive("target_time", target_time)
    floor_time = -math.log1p(-quantile) / service_rate
    if target_time <= floor_time:
        raise ValueError(
            f"target_time must exceed {floor_time:.6g} s, the {quantile:g}-quantile of the "
            "service time alone: no load is light enough to meet it"
        )
    capacity = servers * service_rate

    def margin(arrival_rate):
        return float(mmc(arrival_rate, service_rate, servers).response_time_cdf(target_time)) - quantile

    # Just below capacity the queue is so long that the quantile has long passed any target.
    upper = capacity * (1.0 - 1e-9)
    if margin(upper) >= 0:
        return upper
    return brentq(margin, 0.0, upper, xtol=1e-9 * capacity, rtol=1e-14, maxiter=200)


def headroom_table(
    arrival_rate: float, service_rate: float, server_counts, quantile: float, target_time: float
) -> pd.DataFrame:
    """For each pool size: utilisation, response quantile now, and how much growth it absorbs.

    Columns: ``servers``, ``utilization``, ``quantile_time`` (s, at ``arrival_rate``),
    ``meets_target``, ``sustainable_rate`` (λ at which the quantile reaches ``target_time``)
    and ``headroom`` = sustainable_rate / arrival_rate − 1 (negative: already breached).

    >>> t = headroom_table(1000, 20, [52, 55], quantile=0.95, target_time=0.2)
    >>> t["headroom"].round(3).tolist()
    [0.013, 0.073]

    Taught in: Ep51 · 3-strategy.
    """
    arrival_rate = require_positive("arrival_rate", arrival_rate)
    rows = []
    for servers in server_counts:
        servers = require_int("servers", servers, minimum=1)
        queue = mmc(arrival_rate, service_rate, servers)
        sustainable = sustainable_arrival_rate(service_rate, servers, quantile, target_time)
        quantile_time = queue.response_time_quantile(quantile)
        rows.append({
            "servers": servers,
            "utilization": queue.utilization,
            "quantile_time": quantile_time,
            "meets_target": quantile_time <= target_time,
            "sustainable_rate": sustainable,
            "headroom": sustainable / arrival_rate - 1.0,
        })
    if not rows:
        raise ValueError("server_counts must list at least one pool size")
    return pd.DataFrame(rows)


def headroom_policies(
    arrival_rate: float,
    service_rate: float,
    target_utilizations,
    quantile: float,
    target_time: float,
    server_cost_per_hour: float,
) -> pd.DataFrame:
    """Compare "run at most X % busy" policies: servers, cost, quantile now, headroom.

    Each policy sizes the pool as ⌈λS / X⌉ (:func:`course.queueing.littles_law.pool_size`), then
    reads its response quantile and headroom from :func:`headroom_table`.

    >>> p = headroom_policies(1000, 20, [0.7, 0.9], 0.95, 0.2, server_cost_per_hour=0.5)
    >>> p["servers"].tolist(), p["cost_per_hour"].tolist()
    ([72, 56], [36.0, 28.0])

    Taught in: Ep51 · 3-strategy.
    """
    server_cost = require_non_negative("server_cost_per_hour", server_cost_per_hour)
    targets = [require_open_unit("target_utilization", u) for u in target_utilizations]
    if not targets:
        raise ValueError("target_utilizations must list at least one policy")
    service_time = 1.0 / require_positive("service_rate", service_rate)
    servers = [pool_size(arrival_rate, service_time, u) for u in targets]
    table = headroom_table(arrival_rate, service_rate, servers, quantile, target_time)
    table.insert(0, "target_utilization", targets)
    table["cost_per_hour"] = table["servers"] * server_cost
    return table


def breach_costs(
    service_rate: float,
    server_counts,
    quantile: float,
    target_time: float,
    mean_rate: float,
    rate_sd: float,
    server_cost_per_hour: float,
    credit_per_breach_hour: float,
) -> pd.DataFrame:
    """Expected cost of a peak hour when the SLA is a quantile and the peak load is uncertain.

    The SLA says: in every hour the response ``quantile`` (e.g. p95) stays ≤ ``target_time``;
    an hour in breach costs ``credit_per_breach_hour``. Next peak hour's arrival rate is
    not known exactly: model it as Normal(``mean_rate``, ``rate_sd``) (req/s). A pool of c
    servers breaches when the rate exceeds its :func:`sustainable_arrival_rate`, so
    P(breach) = P(rate > sustainable) and the expected cost per peak hour is
    c × ``server_cost_per_hour`` + P(breach) × ``credit_per_breach_hour``. (Assumes the
    queue settles within the hour, true when thousands of requests pass through it.)

    Columns: ``servers``, ``sustainable_rate``, ``headroom`` (vs ``mean_rate``),
    ``breach_probability``, ``server_cost``, ``expected_credit``, ``total_cost``.

    >>> t = breach_costs(20, [52, 55], 0.95, 0.2, mean_rate=1000, rate_sd=15,
    ...                  server_cost_per_hour=0.5, credit_per_breach_hour=500)
    >>> t["breach_probability"].round(4).tolist()
    [0.1894, 0.0]

    Taught in: Ep51 · 3-strategy.
    """
    mean_rate = require_positive("mean_rate", mean_rate)
    rate_sd = require_non_negative("rate_sd", rate_sd)
    server_cost = require_non_negative("server_cost_per_hour", server_cost_per_hour)
    credit = require_non_negative("credit_per_breach_hour", credit_per_breach_hour)
    rows = []
    for servers in server_counts:
        servers = require_int("servers", servers, minimum=1)
        sustainable = sustainable_arrival_rate(service_rate, servers, quantile, target_time)
        if rate_sd == 0:
            breach = float(mean_rate > sustainable)
        else:
            breach = float(stats.norm.sf(sustainable, loc=mean_rate, scale=rate_sd))
        rows.append({
            "servers": servers,
            "sustainable_rate": sustainable,
            "headroom": sustainable / mean_rate - 1.0,
            "breach_probability": breach,
            "server_cost": servers * server_cost,
            "expected_credit": breach * credit,
            "total_cost": servers * server_cost + breach * credit,
        })
    if not rows:
        raise ValueError("server_counts must list at least one pool size")
    return pd.DataFrame(rows)


def decision_table(criteria: pd.DataFrame, weights: Mapping[str, float],
                   better: Mapping[str, str]) -> pd.DataFrame:
    """Score options on weighted criteria; re-weight by calling again with other ``weights``.

    ``criteria`` has one row per option (the index names it) and one numeric column per
    criterion, in its natural unit (cost per hour, p95 in ms, headroom in %, ...).
    ``better`` says for each criterion whether "higher" or "lower" is better. Each column
    is scaled to a 0–1 score by min–max (the best option gets 1, the worst 0; a column
    where all options tie scores 1 for all). ``weights`` (≥ 0, any scale, normalised to sum
    1) combine the scores into ``weighted_score``; ``rank`` 1 is the best.

    Min–max scores depend on which options are on the table: adding a very expensive
    option makes the others' cost scores look alike. That is a property of the method, not
    a bug: compare options that are all real candidates.

    >>> plans = pd.DataFrame({"cost": [26.0, 27.5, 30.0], "headroom": [1.3, 6.3, 14.0]},
    ...                      index=["52 servers", "55 servers", "60 servers"])
    >>> t = decision_table(plans, {"cost": 1, "headroom": 1}, {"cost": "lower", "headroom": "higher"})
    >>> t.index.tolist(), t["weighted_score"].round(3).tolist(), t["rank"].tolist()
    (['55 servers', '52 servers', '60 servers'], [0.509, 0.5, 0.5], [1, 2, 2])

    Taught in: Ep51 · 3-strategy.
    """
    if not isinstance(criteria, pd.DataFrame) or criteria.empty:
        raise ValueError("criteria must be a non-empty DataFrame: one row per option, one column per criterion")
    names = list(criteria.columns)
    for label, mapping in (("weights", weights), ("better", better)):
        missing, extra = set(names) - set(mapping), set(mapping) - set(names)
        if missing or extra:
            raise ValueError(
                f"{label} must name exactly the criteria {names}; "
                f"missing {sorted(missing)}, unknown {sorted(extra)}"
            )
    weight = np.array([require_non_negative(f"weights[{name!r}]", weights[name]) for name in names])
    if weight.sum() == 0:
        raise ValueError("weights must not all be 0: give at least one criterion a weight > 0")
    values = criteria.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("criteria must hold finite numbers only (no NaN or infinity)")
    scores = np.empty_like(values)
    for j, name in enumerate(names):
        direction = better[name]
        if direction not in ("higher", "lower"):
            raise ValueError(f"better[{name!r}] must be 'higher' or 'lower'; got {direction!r}")
        column = values[:, j]
        spread = column.max() - column.min()
        if spread == 0:
            scores[:, j] = 1.0
        else:
            scaled = (column - column.min()) / spread
            scores[:, j] = scaled if direction == "higher" else 1.0 - scaled
    weighted = scores @ (weight / weight.sum())
    table = criteria.copy()
    for j, name in enumerate(names):
        table[f"{name}_score"] = scores[:, j]
    table["weighted_score"] = weighted
    # Ties share the better rank, so equal options are visibly equal.
    table["rank"] = pd.Series(weighted, index=table.index).rank(ascending=False, method="min").astype(int)
    return table.sort_values(["rank"], kind="stable")
