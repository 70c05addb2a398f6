"""Capacity plans in money: reserved against on-demand servers under a load that varies.

A reserved server is paid every hour of the commitment, used or not, at a discount; an
on-demand server is paid only for the hours it runs, at the full price. With ``need[h]``
servers needed in hour h and R reserved, the bill over the hours is

    cost(R) = R · hours · reserved_price + on_demand_price · Σ_h max(0, need[h] − R).

Adding the R-th reserved server costs ``reserved_price`` every hour and saves
``on_demand_price`` in each hour that needs at least R servers, so it pays off exactly when
the share of such hours exceeds reserved_price / on_demand_price (the *break-even share*):
reserve the base of the load and buy the peaks on demand. A 2-D ``need`` (one row per
equally likely scenario of the load, e.g. growth quantiles over a provisioning lag) pools
all rows' hours, which makes the cost an expectation over the scenarios.

Units: servers (whole numbers), prices in money per server-hour; hours are the columns.

>>> need = [4, 4, 6, 10, 6, 4]                   # servers needed in six hours
>>> best_reservation(need, reserved_price=0.6, on_demand_price=1.0)
4
>>> round(plan_cost(need, 4, 0.6, 1.0)["total"], 2)    # 4 x 6 x 0.6 + (2 + 6 + 2) x 1.0
24.4

Taught in: Ep53 · 3-strategy.
"""

from __future__ import annotations

import numpy as np

from course.validation import require_int, require_positive

__all__ = ["plan_cost", "best_reservation", "break_even_share", "MAX_SERVERS"]

#: A fleet larger than this is a typo (and best_reservation tries every level up to the peak).
MAX_SERVERS = 1_000_000


def _need(servers_per_hour) -> np.ndarray:
    try:
        need = np.asarray(servers_per_hour, dtype=float)
    except (TypeError, ValueError):  # text, dicts, ragged rows: say which argument, not numpy's words
        raise ValueError("servers_per_hour must be a list of whole numbers of servers per hour "
                         "(or equal-length rows of them, one per scenario)") from None
    if need.ndim not in (1, 2) or need.size == 0:
        raise ValueError("servers_per_hour must be a non-empty list of hours (or scenarios x hours)")
    if not np.all(np.isfinite(need)) or np.any(need < 0) or np.any(need != np.round(need)):
        raise ValueError("servers_per_hour must hold whole numbers >= 0")
    if need.max() > MAX_SERVERS:
        raise ValueError(f"servers_per_hour must stay at most {MAX_SERVERS:,} servers; got {need.max():g}")
    return need if need.ndim == 2 else need[None, :]


def _prices(reserved_price: float, on_demand_price: float) -> tuple[float, float]:
    reserved_price = require_positive("reserved_price", reserved_price)
    on_demand_price = require_positive("on_demand_price", on_demand_price)
    if reserved_price >= on_demand_price:
        raise ValueError(f"reserved_price must be below on_demand_price ({on_demand_price:g}); "
                         f"got {reserved_price:g}: nobody reserves at no discount")
    return reserved_price, on_demand_price


def break_even_share(reserved_price: float, on_demand_price: float) -> float:
    """Share of hours a server must be needed for reserving it to pay: reserved / on-demand price.

    >>> break_even_share(0.62, 1.0)     # a 38 % discount pays off above 62 % of the hours
    0.62
    """
    reserved_price, on_demand_price = _prices(reserved_price, on_demand_price)
    return reserved_price / on_demand_price


def plan_cost(servers_per_hour, reserved: int, reserved_price: float, on_demand_price: float) -> dict:
    """The bill of reserving ``reserved`` servers and buying the rest on demand, per scenario.

    Returns ``reserved_cost``, ``on_demand_cost``, ``total`` (money over the hours of one
    scenario, averaged over the scenarios), ``on_demand_hours`` (server-hours bought on
    demand) and ``reserved_use`` (share of reserved server-hours actually needed, 0–1).

    >>> plan_cost([2, 3, 5], reserved=3, reserved_price=0.5, on_demand_price=1.0)["reserved_use"]   # 8 of 9
    0.8888888888888888
    """
    need = _need(servers_per_hour)
    reserved = require_int("reserved", reserved, minimum=0, maximum=MAX_SERVERS)
    reserved_price, on_demand_price = _prices(reserved_price, on_demand_price)
    hours = need.shape[1]
    extra = float(np.maximum(need - reserved, 0.0).sum(axis=1).mean())
    used = float(np.minimum(need, reserved).sum(axis=1).mean())
    reserved_cost = reserved * hours * reserved_price
    return {
        "reserved": reserved,
        "reserved_cost": reserved_cost,
        "on_demand_cost": on_demand_price * extra,
        "total": reserved_cost + on_demand_price * extra,
        "on_demand_hours": extra,
        "reserved_use": used / (reserved * hours) if reserved else 1.0,
    }


def best_reservation(servers_per_hour, reserved_price: float, on_demand_price: float) -> int:
    """The number of reserved servers with the lowest expected bill (the smaller on a tie).

    It is the largest R whose share of hours needing at least R servers is above the
    break-even share (each further server would be idle too often to pay for itself).

    >>> best_reservation([[1, 2, 3], [3, 4, 5]], reserved_price=0.5, on_demand_price=1.0)
    3
    """
    need = _need(servers_per_hour)
    threshold = break_even_share(reserved_price, on_demand_price)
    levels = np.arange(1, int(need.max()) + 1)
    # share of hours needing at least R servers, by sorting (not a levels x hours table: a
    # million servers over a year of hours would take gigabytes)
    hours = np.sort(need.ravel())
    share = 1.0 - np.searchsorted(hours, levels, side="left") / hours.size
    # strictly above: at exactly the break-even share the server saves nothing, so keep it out
    return int(levels[share > threshold + 1e-12].max(initial=0))
