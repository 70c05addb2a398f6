"""Scale up, out or shard — in money, with the Universal Scalability Law, provisioning lag and headroom.

Each way to grow is a :class:`ScalingOption`: *units* (vCPUs of one machine, instances of a
fleet, shards' instances) that each serve ``unit_capacity`` requests/s alone, combined by the
Universal Scalability Law of Ep51 — ``n`` units serve ``unit_capacity × C(n)`` with
C(n) = n / (1 + α(n − 1) + βn(n − 1)). The option must carry the peak at a utilisation no higher
than ``target_utilization``, *plus the load that arrives while new capacity boots*: with the load
rising at ``ramp`` requests/s per second and a lag of L seconds, ``ramp × L`` requests/s of
headroom must already be there (Ep51's growth and provisioning lag, Ep53's headroom).

A sharded option splits the load over ``groups`` independent groups (no coherency traffic
between them) but the hottest group carries ``hottest_share`` of the load, not 1/groups: one hot
key stays hot under any scheme.

>>> out = ScalingOption("scale out", unit_capacity=190, price_per_hour=0.20, alpha=0.02, beta=0.0005,
...                     provisioning_lag=180, fixed_per_hour=0.03)
>>> plan = out.plan(peak=1500, ramp=1.0)
>>> plan["units_per_group"], plan["headroom_rps"], round(plan["cost_per_hour"], 2)
(29, 180.0, 5.83)

Taught in: Ep18 · 3-strategy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from course.capacity.scalability import usl
from course.validation import require_in_range, require_int, require_non_negative, require_positive

__all__ = ["ScalingOption", "compare_options", "cheapest"]


@dataclass(frozen=True)
class ScalingOption:
    """One way to grow: unit capacity (requests/s), $ per unit-hour, USL α and β, lag (s), groups.

    >>> ScalingOption("one box", unit_capacity=50, price_per_hour=0.05, max_units=192).capacity(4)
    200.0
    """

    name: str
    unit_capacity: float
    price_per_hour: float
    alpha: float = 0.0
    beta: float = 0.0
    provisioning_lag: float = 180.0
    fixed_per_hour: float = 0.0
    max_units: int = 1000
    groups: int = 1
    hottest_share: float | None = None

    def __post_init__(self):
        require_positive("unit_capacity", self.unit_capacity)
        require_non_negative("price_per_hour", self.price_per_hour)
        require_in_range("alpha", self.alpha, 0.0, 1.0)
        require_in_range("beta", self.beta, 0.0, 1.0)
        require_non_negative("provisioning_lag", self.provisioning_lag)
        require_non_negative("fixed_per_hour", self.fixed_per_hour)
        require_int("max_units", self.max_units, minimum=1, maximum=1_000_000)
        require_int("groups", self.groups, minimum=1, maximum=10_000)
        if self.hottest_share is not None:
            require_in_range("hottest_share", self.hottest_share, 1.0 / self.groups, 1.0)

    @property
    def share(self) -> float:
        """Share of the load on the hottest group (1/groups when the keys spread evenly)."""
        return 1.0 / self.groups if self.hottest_share is None else self.hottest_share

    def capacity(self, units: int) -> float:
        """Requests/s ``units`` units of one group serve at 100 % utilisation (USL)."""
        return self.unit_capacity * usl(units, self.alpha, self.beta)

    def units_needed(self, load: float, target_utilization: float = 0.6) -> int | None:
        """Fewest units of one group that carry ``load`` at ``target_utilization``; None if none can.

        None when the USL's peak (or ``max_units``) comes before enough capacity: adding units
        then *lowers* throughput, and no amount of money buys the load.

        >>> ScalingOption("x", unit_capacity=100, price_per_hour=1).units_needed(450, 0.6)
        8
        """
        require_non_negative("load", load)
        require_in_range("target_utilization", target_utilization, 0.01, 1.0)
        wanted = load / target_utilization
        for units in range(1, self.max_units + 1):
            capacity = self.capacity(units)
            if capacity + 1e-9 >= wanted:
                return units
            if units > 1 and capacity < self.capacity(units - 1):
                return None      # past the USL peak: more units serve less
        return None

    def plan(self, peak: float, ramp: float = 0.0, target_utilization: float = 0.6) -> dict:
        """Units, headroom and $ per hour to carry ``peak`` (requests/s) rising at ``ramp`` (requests/s²).

        The headroom is ``ramp × provisioning_lag``: the load that arrives before new units
        serve. ``cost_per_hour`` is ``inf`` when the option cannot carry the load at all.
        """
        require_non_negative("peak", peak)
        require_non_negative("ramp", ramp)
        headroom = ramp * self.provisioning_lag
        hottest = (peak + headroom) * self.share
        units = self.units_needed(hottest, target_utilization)
        feasible = units is not None
        cost = self.groups * units * self.price_per_hour + self.fixed_per_hour if feasible else math.inf
        return {"option": self.name, "feasible": feasible, "units_per_group": units,
                "units": self.groups * units if feasible else None, "headroom_rps": headroom,
                "hottest_group_rps": hottest, "cost_per_hour": cost}


def compare_options(options, peak: float, ramp: float = 0.0, target_utilization: float = 0.6) -> pd.DataFrame:
    """One row per option: units, headroom, $ per hour (``inf`` if infeasible), cheapest first.

    >>> a = ScalingOption("a", unit_capacity=100, price_per_hour=1.0)
    >>> b = ScalingOption("b", unit_capacity=300, price_per_hour=2.5)
    >>> compare_options([a, b], peak=450).index.tolist()
    ['b', 'a']
    """
    options = list(options)
    if not options or not all(isinstance(o, ScalingOption) for o in options):
        raise ValueError("options must be a non-empty list of ScalingOption")
    rows = [o.plan(peak, ramp, target_utilization) for o in options]
    table = pd.DataFrame(rows).set_index("option")
    return table.sort_values("cost_per_hour", kind="stable")


def cheapest(options, peak: float, ramp: float = 0.0, target_utilization: float = 0.6) -> str | None:
    """The name of the cheapest feasible option, or None when no option carries the load.

    >>> cheapest([ScalingOption("a", unit_capacity=100, price_per_hour=1.0, max_units=2)], peak=450)
    """
    table = compare_options(options, peak, ramp, target_utilization)
    feasible = table[table["feasible"]]
    return None if feasible.empty else str(feasible.index[0])
