"""Downtime in money: the cost of being down against the cost of redundancy, and its sensitivity.

A redundancy option buys availability for a yearly price; what it saves is the downtime
it removes, priced at what an hour of outage costs the business (lost revenue, service
credits, the people on the incident). The cheapest option minimises

    total per year = redundancy cost per year + (1 − A) · 8,760 h · cost per hour down,

and the step from option a to a safer option b pays exactly when an hour of downtime costs
more than the **break-even** (cost_b − cost_a) / ((A_b − A_a) · 8,760 h). Expected-value
arithmetic only: a long outage can cost more than its hours (reputation, contracts), which
a flat price per hour does not see — say so next to any answer.

A month of downtime (for error-budget policies) is modelled as a compound Poisson sum:
incidents arrive at a rate per month, each lasting a lognormal number of minutes.

Money in $, times in hours unless a name says minutes; a year is 8,760 hours (365 days).

>>> single = RedundancyOption("single", availability=0.999, cost_per_year=0.0)
>>> pair = RedundancyOption("pair", availability=0.99999, cost_per_year=40_000.0)
>>> round(break_even_cost_per_hour(single, pair), 2)
4612.33

Taught in: Ep52 · 3-strategy.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.sim.distributions import Lognormal
from course.sim.streams import spawn_generators
from course.validation import (
    require_finite,
    require_finite_result,
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
)

__all__ = [
    "HOURS_PER_YEAR", "MINUTES_PER_MONTH", "RedundancyOption", "downtime_cost_per_year",
    "options_table", "break_even_cost_per_hour", "tornado", "monthly_downtime_minutes",
    "budget_exhausted_share",
]

HOURS_PER_YEAR = 8760.0
#: Minutes in the 30-day month that error budgets are counted over.
MINUTES_PER_MONTH = 43_200.0


def _availability(name: str, value) -> float:
    value = require_positive(name, value)
    if value > 1:
        raise ValueError(f"{name} must lie in (0, 1]; got {value:g}")
    return value


@dataclass(frozen=True)
class RedundancyOption:
    """One way to run the service: its ``availability`` (0 < A <= 1) and what it costs a year ($).

    >>> RedundancyOption("pair", 0.9999, 12_000.0).downtime_hours_per_year
    0.876
    """

    name: str
    availability: float
    cost_per_year: float

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise ValueError(f"name must be a text naming the option; got {self.name!r}")
        _availability("availability", self.availability)
        require_non_negative("cost_per_year", self.cost_per_year)

    @property
    def downtime_hours_per_year(self) -> float:
        """Expected hours down per year, (1 − A) · 8,760."""
        return round((1 - self.availability) * HOURS_PER_YEAR, 12)


def downtime_cost_per_year(availability: float, cost_per_hour_down: float) -> float:
    """Expected $ a year lost to downtime: (1 − A) · 8,760 h · cost per hour down.

    >>> round(downtime_cost_per_year(0.999, 10_000.0))
    87600
    """
    availability = _availability("availability", availability)
    cost_per_hour_down = require_non_negative("cost_per_hour_down", cost_per_hour_down)
    return require_finite_result((1 - availability) * HOURS_PER_YEAR * cost_per_hour_down,
                                 "cost_per_hour_down")


def options_table(options: Iterable[RedundancyOption], cost_per_hour_down: float) -> pd.DataFrame:
    """One row per option: availability, nines, hours down, downtime and redundancy cost, total.

    ``nines`` is −log10(1 − A) (infinite for A = 1). The row of the cheapest total has
    ``cheapest`` True (the first, if two tie).

    >>> table = options_table([RedundancyOption("single", 0.999, 0.0),
    ...                        RedundancyOption("pair", 0.99999, 40_000.0)], 10_000.0)
    >>> table[["option", "total_cost", "cheapest"]].round(0).to_dict("records")
    [{'option': 'single', 'total_cost': 87600.0, 'cheapest': False}, {'option': 'pair', 'total_cost': 40876.0, 'cheapest': True}]
    """
    if isinstance(options, str | bytes | RedundancyOption) or not isinstance(options, Iterable):
        raise ValueError(f"options must be a list of RedundancyOption objects; got {options!r}")
    options = list(options)
    if not options:
        raise ValueError("options must hold at least one RedundancyOption")
    for option in options:
        if not isinstance(option, RedundancyOption):
            raise ValueError(f"options must be RedundancyOption objects; got {option!r}")
    cost_per_hour_down = require_non_negative("cost_per_hour_down", cost_per_hour_down)
    rows = []
    for option in options:
        down = 1 - option.availability
        rows.append({
            "option": option.name,
            "availability": option.availability,
            "nines": -math.log10(down) if down > 0 else math.inf,
            "downtime_hours": down * HOURS_PER_YEAR,
            "downtime_cost": down * HOURS_PER_YEAR * cost_per_hour_down,
            "redundancy_cost": option.cost_per_year,
            "total_cost": option.cost_per_year + down * HOURS_PER_YEAR * cost_per_hour_down,
        })
    table = pd.DataFrame(rows)
    require_finite_result(table[["downtime_cost", "total_cost"]].to_numpy(), "cost_per_hour_down",
                          "cost_per_year")
    table["cheapest"] = False
    table.loc[table["total_cost"].idxmin(), "cheapest"] = True
    return table


def break_even_cost_per_hour(cheaper: RedundancyOption, safer: RedundancyOption) -> float:
    """$ per hour of downtime above which ``safer`` costs less in total than ``cheaper``.

    (cost_safer − cost_cheaper) / ((A_safer − A_cheaper) · 8,760 h); ``safer`` must be the
    more available option. Negative when the safer option is also the cheaper to run.

    >>> round(break_even_cost_per_hour(RedundancyOption("a", 0.999, 0.0),
    ...                                RedundancyOption("b", 0.9999, 7_884.0)), 6)
    1000.0
    """
    if not (isinstance(cheaper, RedundancyOption) and isinstance(safer, RedundancyOption)):
        raise ValueError("cheaper and safer must be RedundancyOption objects")
    gained = safer.availability - cheaper.availability
    if not gained > 0:
        raise ValueError(
            f"safer must be more available than cheaper; got {safer.availability!r} <= {cheaper.availability!r}"
        )
    return require_finite_result((safer.cost_per_year - cheaper.cost_per_year) / (gained * HOURS_PER_YEAR),
                                 "cheaper", "safer")


def tornado(model: Callable[..., float], baseline: Mapping[str, float], spread: float = 0.2) -> pd.DataFrame:
    """Sensitivity of ``model(**inputs)`` to each input moved by ± ``spread`` (a share, 0–1).

    One row per input: ``low`` and ``high`` are the model's change from its baseline value
    when that input alone is multiplied by (1 − spread) and (1 + spread); ``swing`` is
    |high − low|. Rows are sorted widest swing first — the top bar of a tornado chart.

    >>> tornado(lambda price, volume: price * volume, {"price": 2.0, "volume": 10.0}, 0.5)
    ...     # doctest: +NORMALIZE_WHITESPACE
        input   low  high  swing
    0   price -10.0  10.0   20.0
    1  volume -10.0  10.0   20.0
    """
    spread = require_open_unit("spread", spread)
    if not callable(model):
        raise ValueError(f"model must be a function of the inputs returning a number; got {model!r}")
    if not isinstance(baseline, Mapping) or not baseline:
        raise ValueError("baseline must be a dict naming at least one input and its value")
    baseline = {str(name): require_finite(str(name), value) for name, value in baseline.items()}
    try:
        inspect.signature(model).bind(**baseline)
    except TypeError as error:  # the model would refuse these inputs: say so before calling it
        raise ValueError(f"baseline must name exactly the inputs model takes ({error})") from None
    except ValueError:
        pass  # no signature to read (a builtin): the call itself will tell
    centre = _number(model(**baseline))
    rows = []
    for name, value in baseline.items():
        low = _number(model(**{**baseline, name: value * (1 - spread)})) - centre
        high = _number(model(**{**baseline, name: value * (1 + spread)})) - centre
        rows.append({"input": name, "low": low, "high": high, "swing": abs(high - low)})
    require_finite_result([[row["low"], row["high"], row["swing"]] for row in rows], "baseline", "model")
    table = pd.DataFrame(rows)
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _number(value) -> float:
    """The model's result as a finite float, or a ValueError that says what the model returned."""
    try:
        return require_finite("model(...)", value)
    except ValueError:
        raise ValueError(f"model must return a finite number; it returned {value!r}") from None


def monthly_downtime_minutes(incidents_per_month: float, mean_minutes: float, months: int, seed,
                             duration_cv: float = 1.0) -> np.ndarray:
    """Minutes of downtime in each of ``months`` 30-day months, drawn from ``seed``.

    Incidents arrive as a Poisson process, ``incidents_per_month`` on average; each lasts a
    lognormal time with mean ``mean_minutes`` and coefficient of variation ``duration_cv``.
    A month's downtime is capped at the month (43,200 minutes). Two streams of ``seed``
    draw the counts and the durations.

    >>> minutes = monthly_downtime_minutes(2.0, 30.0, months=12_000, seed=1)
    >>> round(float(minutes.mean()), -1)                   # ≈ 2 incidents x 30 min
    60.0
    """
    incidents_per_month = require_non_negative("incidents_per_month", incidents_per_month)
    mean_minutes = require_positive("mean_minutes", mean_minutes)
    months = require_int("months", months, minimum=1, maximum=10_000_000)
    duration_cv = require_positive("duration_cv", duration_cv)
    if incidents_per_month * months > 60_000_000:  # far past the 50 million below: refuse before drawing
        raise ValueError("incidents_per_month x months is too large to draw (over 50 million incidents)")
    count_rng, duration_rng = spawn_generators(seed, 2)
    counts = count_rng.poisson(incidents_per_month, months)
    if counts.sum() > 50_000_000:
        raise ValueError("incidents_per_month x months is too large to draw (over 50 million incidents)")
    durations = Lognormal(mean=mean_minutes, cv=duration_cv).sample(duration_rng, int(counts.sum()))
    month_of = np.repeat(np.arange(months), counts)
    minutes = np.bincount(month_of, weights=durations, minlength=months)
    return np.minimum(minutes, MINUTES_PER_MONTH)


def budget_exhausted_share(monthly_minutes, slo: float) -> float:
    """Share of months whose downtime exceeds the error budget (1 − SLO) · 43,200 minutes.

    >>> budget_exhausted_share([10.0, 50.0, 43.2, 0.0], slo=0.999)    # budget 43.2 min
    0.25
    """
    slo = require_open_unit("slo", slo)
    try:
        minutes = np.asarray(monthly_minutes, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("monthly_minutes must be a non-empty sequence of minutes >= 0") from None
    if minutes.ndim != 1 or minutes.size == 0 or not np.all(np.isfinite(minutes)) or np.any(minutes < 0):
        raise ValueError("monthly_minutes must be a non-empty sequence of minutes >= 0")
    budget = (1 - slo) * MINUTES_PER_MONTH
    return float(np.mean(minutes > budget * (1 + 1e-12)))
