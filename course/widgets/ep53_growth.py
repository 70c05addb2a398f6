"""Episode 53 growth forecaster: demand with an uncertainty band, and the date capacity runs out.

Demand grows linearly, by compounding or logistically towards a ceiling, at a monthly rate we
only know roughly (a normal belief with a standard deviation,
:mod:`course.capacity.performance`). The band's upper edge is the planning line: capacity
"runs out" on the first day that edge reaches it, and with a provisioning lag of L months
the order must go out L months earlier. A month is 365.25/12 = 30.4375 days here, and a
date is rounded down to the day (running out a day early is the safe error).

>>> f = growth_forecast("compound", demand=400, rate_pct=5, rate_sd_pct=2, capacity=1000,
...                     lag_months=3, confidence=0.9, start="2027-01-01")
>>> round(f.runs_out_months, 2), str(f.runs_out_on), str(f.order_by)
(11.51, '2027-12-17', '2027-09-16')

Taught in: Ep53 · 1-foundations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from scipy import stats

from course.capacity.performance import CompoundGrowth, LinearGrowth, LogisticGrowth
from course.validation import require_in_range, require_int, require_positive
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep53 import FOUNDATIONS
from course.widgets.registry import register

DAYS_PER_MONTH = 365.25 / 12
MODELS = {"linear (+ rate × today's demand each month)": "linear",
          "compound (× (1 + rate) each month)": "compound",
          "logistic (towards a ceiling)": "logistic"}
START = "2027-01-01"


def date_after(start: str, months: float) -> np.datetime64:
    """The day ``months`` (>= 0, 30.4375-day months) after ``start`` (ISO date), rounded down.

    >>> str(date_after("2027-01-01", 12))
    '2028-01-01'
    """
    return np.datetime64(start, "D") + np.timedelta64(math.floor(months * DAYS_PER_MONTH), "D")


@dataclass(frozen=True)
class GrowthForecast:
    """Forecast median and band over ``months`` (0..horizon), and the planning dates.

    ``runs_out_months`` is None when the band's upper edge never reaches the capacity (the
    logistic ceiling lies below it, or the rate at that quantile is <= 0); ``order_by`` is
    then None too. ``late_by_months`` > 0 says the order is already late by that much.
    """

    months: np.ndarray
    dates: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    capacity: float
    confidence: float
    runs_out_months: float | None
    runs_out_on: np.datetime64 | None
    median_runs_out_months: float | None
    order_by: np.datetime64 | None
    late_by_months: float


def _model(model: str, demand: float, rate: float, rate_sd: float, ceiling_multiple: float):
    if model == "linear":
        return LinearGrowth(demand, demand * rate, rate_sd=demand * rate_sd)
    if model == "compound":
        return CompoundGrowth(demand, rate, rate_sd=rate_sd)
    if model == "logistic":
        return LogisticGrowth(demand, rate, capacity=demand * ceiling_multiple, rate_sd=rate_sd)
    raise ValueError(f"model must be one of {', '.join(MODELS.values())}; got {model!r}")


def _z(confidence: float) -> float:
    """The standard normal quantile at the upper edge of a central ``confidence`` band."""
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def _reached(forecast, level: float, q: float) -> float | None:
    """Months until the q-quantile reaches ``level``, or None if it never does."""
    try:
        return forecast.time_to_reach(level, q)
    except ValueError as error:  # only "never reached" is expected here: inputs are checked first
        if "never reached" in str(error) or "must be < capacity" in str(error):
            return None
        raise


def growth_forecast(model: str, demand: float, rate_pct: float, rate_sd_pct: float, capacity: float,
                    lag_months: float, confidence: float, start: str = START, horizon_months: int = 36,
                    ceiling_multiple: float = 4.0) -> GrowthForecast:
    """Forecast demand with a ``confidence`` band and date when ``capacity`` runs out.

    ``demand`` and ``capacity`` in one unit (requests/s, GB); ``rate_pct`` and ``rate_sd_pct`` in
    % per month (for ``"linear"`` as % of today's demand); ``lag_months`` from order to capacity
    in service; ``ceiling_multiple`` the logistic ceiling as a multiple of today's demand.

    >>> f = growth_forecast("compound", 50, 30, 0, 1e9, 0, 0.9, horizon_months=6)
    >>> round(float(f.median[6]))          # 50 GB x 1.3^6, not 230
    241
    """
    demand = require_positive("demand", demand)
    capacity = require_positive("capacity", capacity)
    lag_months = require_in_range("lag_months", lag_months, 0.0, 120.0)
    confidence = require_in_range("confidence", confidence, 0.5, 0.99)
    horizon_months = require_int("horizon_months", horizon_months, minimum=1, maximum=240)
    rate, rate_sd = rate_pct / 100, require_in_range("rate_sd_pct", rate_sd_pct, 0.0, 100.0) / 100
    if model == "compound" and rate - _z(confidence) * rate_sd <= -1:
        raise ValueError(
            f"rate_sd_pct is too large for a {confidence:.0%} band: the band's lowest rate "
            f"{100 * (rate - _z(confidence) * rate_sd):.0f} % a month would be a loss of 100 % or more"
        )
    forecast = _model(model, demand, rate, rate_sd, ceiling_multiple)
    months = np.arange(horizon_months + 1, dtype=float)
    band = forecast.band(months, confidence)
    upper_q = 1 - (1 - confidence) / 2
    runs_out = _reached(forecast, capacity, upper_q)
    median_runs_out = _reached(forecast, capacity, 0.5)
    if runs_out is None:
        runs_out_on = order_by = None
        late = 0.0
    else:
        runs_out_on = date_after(start, runs_out)
        late = max(lag_months - runs_out, 0.0)
        order_by = date_after(start, runs_out - lag_months) if late == 0 else np.datetime64(start, "D")
    return GrowthForecast(
        months=months, dates=np.array([date_after(start, m) for m in months]),
        median=np.asarray(band.estimate), low=np.asarray(band.low), high=np.asarray(band.high),
        capacity=capacity, confidence=confidence, runs_out_months=runs_out, runs_out_on=runs_out_on,
        median_runs_out_months=median_runs_out, order_by=order_by, late_by_months=late,
    )


def _growth_sweep():
    return ([{"model": m, "rate_pct": r, "rate_sd_pct": sd} for m in MODELS.values()
             for r in (0.0, 2.0, 5.0, 10.0) for sd in (0.0, 2.0)]
            + [{"model": "compound", "rate_pct": 5.0, "lag_months": lag, "capacity": c}
               for lag in (0.0, 3.0, 12.0) for c in (300.0, 1000.0, 5000.0)]
            + [{"model": "logistic", "ceiling_multiple": 2.0, "capacity": 1000.0},  # ceiling below capacity
               {"model": "compound", "rate_pct": -60.0, "rate_sd_pct": 30.0},       # bad: rate quantile <= -1
               {"model": "compound", "rate_pct": 5.0, "rate_sd_pct": 2.0, "capacity": 1000.0, "lag_months": 3.0}])


@register(name="ep53-growth-forecaster", notebook=FOUNDATIONS, sweep=_growth_sweep)
class GrowthForecaster(CourseWidget):
    """Demand forecast with its band, the capacity line, and the "runs out" and "order by" dates.

    >>> g = GrowthForecaster(); str(g.view.runs_out_on), str(g.view.order_by)
    ('2027-12-17', '2027-09-16')
    """

    title = "Growth forecaster: when does capacity run out, and when must you order?"

    def controls(self):
        return {
            "model": widgets.Dropdown(options=list(MODELS.items()), value="compound", description="growth",
                                      style={"description_width": "initial"}),
            "demand": widgets.FloatText(value=400.0, description="demand today", style={"description_width": "initial"}),
            "rate_pct": widgets.FloatSlider(value=5.0, min=-60.0, max=30.0, step=0.5, description="growth per month (%)"),
            "rate_sd_pct": widgets.FloatSlider(value=2.0, min=0.0, max=30.0, step=0.5,
                                               description="uncertainty of the rate, sd (%)"),
            "ceiling_multiple": widgets.FloatSlider(value=4.0, min=1.1, max=20.0, step=0.1,
                                                    description="logistic ceiling (× today)"),
            "capacity": widgets.FloatText(value=1000.0, description="capacity (same unit)",
                                          style={"description_width": "initial"}),
            "lag_months": widgets.FloatSlider(value=3.0, min=0.0, max=24.0, step=0.5,
                                              description="provisioning lag (months)"),
            "confidence": widgets.FloatSlider(value=0.9, min=0.5, max=0.99, step=0.01, description="band confidence"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        empty = dict(x=[], y=[])
        self.fig = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines", line=dict(width=0), showlegend=False, name="band low"),
            go.Scatter(**empty, mode="lines", line=dict(width=0), fill="tonexty",
                       fillcolor="rgba(31,119,180,0.2)", name="band"),
            go.Scatter(**empty, mode="lines", line=dict(color="#1f77b4"), name="median forecast"),
            go.Scatter(**empty, mode="lines", line=dict(color="black"), name="capacity"),
            go.Scatter(**empty, mode="lines", line=dict(color="#d62728", dash="dash"), name="capacity runs out"),
            go.Scatter(**empty, mode="lines", line=dict(color="#ff7f0e", dash="dot"), name="order by"),
        ])
        self.fig.update_layout(title="Demand forecast with its band, against capacity", height=420,
                               xaxis_title="date", yaxis_title="demand (unit of 'demand today')",
                               margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25))
        return [self.answer, self.fig]

    def update(self, model, demand, rate_pct, rate_sd_pct, ceiling_multiple, capacity, lag_months, confidence):
        self.inputs["ceiling_multiple"].disabled = model != "logistic"
        view = growth_forecast(model, demand, rate_pct, rate_sd_pct, capacity, lag_months, confidence,
                               ceiling_multiple=ceiling_multiple)
        self.view = view
        dates = view.dates.astype(str)
        top = float(max(np.max(view.high), view.capacity)) * 1.05
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = dates, view.low
            self.fig.data[1].x, self.fig.data[1].y = dates, view.high
            self.fig.data[2].x, self.fig.data[2].y = dates, view.median
            self.fig.data[3].x, self.fig.data[3].y = dates[[0, -1]], [view.capacity] * 2
            for trace, day in ((self.fig.data[4], view.runs_out_on), (self.fig.data[5], view.order_by)):
                shown = day is not None and day <= view.dates[-1]
                trace.x = [str(day)] * 2 if shown else []
                trace.y = [0.0, top] if shown else []
        never = "not within this model (the band's upper edge never reaches capacity)"
        rows = [
            (f"capacity runs out on ({view.confidence:.0%} band's upper edge)",
             never if view.runs_out_on is None else f"{view.runs_out_on} (month {view.runs_out_months:.2f})"),
            ("… on the median forecast",
             "never" if view.median_runs_out_months is None else f"month {view.median_runs_out_months:.2f}"),
        ]
        if view.runs_out_on is not None:
            rows.append(("order capacity by", f"{view.order_by}" if view.late_by_months == 0
                         else f"now — already {view.late_by_months:.2f} months late"))
        self.answer.value = results_table(rows)
