"""Episode 53 widgets, part 1: the speedup comparator and the MVA solver.

Each widget is a pure ``compute`` function (numbers only, no plotting, unit-tested on its
own) and a thin view that writes its result into FigureWidgets in place. Settings that make
no sense show the model's ValueError as a message; the last valid figure stays, greyed.

>>> view = speedup_comparison(0.05, "amdahl", 32)
>>> round(view.amdahl_at_n, 2), round(view.gustafson_at_n, 2), round(view.scaled_fraction, 4)
(12.55, 12.55, 0.6275)
>>> round(speedup_comparison(0.05, "gustafson", 32).amdahl_at_n, 2)   # s′ = 0.05 on 32 CPUs
30.45

Taught in: Ep53 · 1-foundations. The growth forecaster lives in :mod:`course.widgets.ep53_growth`,
the fan-out tail calculator in :mod:`course.widgets.ep53_tail`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.capacity.performance import (
    amdahl,
    amdahl_limit,
    amdahl_to_gustafson,
    gustafson,
    gustafson_to_amdahl,
)
from course.capacity.scalability import usl
from course.queueing.networks import asymptotic_bounds, bottleneck, mva
from course.validation import require_in_range, require_int, require_non_negative
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-3/ep53-performance-modelling/1-foundations"
_STYLE = {"description_width": "initial"}
#: Processor counts drawn: 1 to 1024 on a log axis, every power of two on the grid.
_PROCESSORS = np.unique(np.round(np.logspace(0, 10, 121, base=2.0)))
MEASURED_ON = {"s — Amdahl: serial share of the fixed job on 1 CPU": "amdahl",
               "s′ — Gustafson: serial share of the run on n CPUs": "gustafson"}
BOTTLENECK_COLOUR, OTHER_COLOUR = "#d62728", "#7f7f7f"


# --------------------------------------------------------------------------- speedup laws


@dataclass(frozen=True)
class SpeedupComparison:
    """Amdahl, Gustafson and USL speedups of one job, with s and s′ converted at n processors.

    ``serial_fraction`` s is Amdahl's (the fixed job's serial share on one processor);
    ``scaled_fraction`` s′ the serial share of the wall clock on the n-processor run. Arrays
    are over ``processors`` (1 to 1024); ``scaled_fractions`` is s′ at each processor count
    for this s.
    """

    processors: np.ndarray
    amdahl: np.ndarray
    gustafson: np.ndarray
    usl: np.ndarray
    scaled_fractions: np.ndarray
    n: int
    serial_fraction: float
    scaled_fraction: float
    beta: float
    amdahl_at_n: float
    gustafson_at_n: float
    usl_at_n: float
    limit: float


def speedup_comparison(fraction: float, measured_on: str, n: int, beta: float = 0.0) -> SpeedupComparison:
    """Compare the three speedup laws for a serial ``fraction`` measured the ``measured_on`` way.

    ``measured_on`` is ``"amdahl"`` (``fraction`` is s, of the fixed job on one processor) or
    ``"gustafson"`` (``fraction`` is s′, measured on the run on ``n`` processors); the other is
    converted at ``n``. The Gustafson curve keeps s′ fixed as the job grows with the processors,
    so it meets Amdahl's at n and nowhere else. The USL curve has α = s and coherency ``beta``
    (β = 0 is Amdahl exactly).

    >>> v = speedup_comparison(0.05, "amdahl", 16)
    >>> round(v.amdahl_at_n, 2), v.limit
    (9.14, 20.0)
    """
    if measured_on not in MEASURED_ON.values():
        raise ValueError(f"measured_on must be 'amdahl' or 'gustafson'; got {measured_on!r}")
    n = require_int("n", n, minimum=1, maximum=int(_PROCESSORS[-1]))
    fraction = require_in_range("fraction", fraction, 0.0, 1.0)
    beta = require_in_range("beta", beta, 0.0, 1.0)
    if measured_on == "amdahl":
        s, s_scaled = fraction, amdahl_to_gustafson(fraction, n)
    else:
        s, s_scaled = gustafson_to_amdahl(fraction, n), fraction
    return SpeedupComparison(
        processors=_PROCESSORS,
        amdahl=1.0 / (s + (1.0 - s) / _PROCESSORS),
        gustafson=s_scaled + (1.0 - s_scaled) * _PROCESSORS,
        usl=usl(_PROCESSORS, s, beta),
        scaled_fractions=s / (s + (1.0 - s) / _PROCESSORS),
        n=n, serial_fraction=s, scaled_fraction=s_scaled, beta=beta,
        amdahl_at_n=amdahl(n, s), gustafson_at_n=gustafson(n, s_scaled),
        usl_at_n=float(usl(n, s, beta)), limit=amdahl_limit(s),
    )


def _speedup_sweep():
    fractions = [0.0, 0.01, 0.05, 0.1, 0.3, 1.0]
    return ([{"measured_on": m, "fraction": f, "n": n, "beta": 0.0}
             for m in MEASURED_ON.values() for f in fractions for n in (1, 16, 32, 1024)]
            + [{"measured_on": "amdahl", "fraction": 0.05, "n": 64, "beta": b} for b in (0.0001, 0.001, 0.01)]
            + [{"n": 0}, {"n": 32}])                                  # bad: no processors


@register(name="ep53-speedup-comparator", notebook=FOUNDATIONS, sweep=_speedup_sweep)
class SpeedupComparator(CourseWidget):
    """Amdahl, Gustafson and USL on linked plots: speedup (left) and the serial fractions (right).

    >>> c = SpeedupComparator(); c.set(fraction=0.05, measured_on="gustafson", n=32)
    >>> round(c.view.amdahl_at_n, 2), round(c.view.serial_fraction, 5)
    (30.45, 0.00164)
    """

    title = "Speedup laws compared: Amdahl (fixed job), Gustafson (grown job), USL (with coherency β)"

    def controls(self):
        return {
            "measured_on": widgets.Dropdown(options=list(MEASURED_ON.items()), value="amdahl",
                                            description="the fraction is", style=_STYLE,
                                            layout=widgets.Layout(width="560px")),
            "fraction": widgets.FloatSlider(value=0.05, min=0.0, max=1.0, step=0.005, readout_format=".3f",
                                            description="serial fraction"),
            "n": widgets.IntSlider(value=32, min=0, max=1024, description="processors n"),
            "beta": widgets.FloatSlider(value=0.0, min=0.0, max=0.01, step=0.0001, readout_format=".4f",
                                        description="USL coherency β"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        empty = dict(x=[], y=[])
        self.fig = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines", name="Amdahl 1/(s + (1−s)/k)"),
            go.Scatter(**empty, mode="lines", name="Gustafson s′ + (1−s′)k", line=dict(dash="dash")),
            go.Scatter(**empty, mode="lines", name="USL, α = s", line=dict(dash="dot")),
            go.Scatter(**empty, mode="markers", marker=dict(size=12, symbol="circle-open"),
                       name="at your n"),
        ])
        self.fig.update_layout(title="Speedup against processors", height=380, xaxis_type="log",
                               yaxis_type="log", xaxis_exponentformat="power", yaxis_exponentformat="power", xaxis_title="processors k (log scale)",
                               yaxis_title="speedup (log scale)", margin=dict(l=60, r=20, t=50, b=50),
                               legend=dict(orientation="h", y=-0.3))
        self.fractions = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines", name="s (a property of the job)"),
            go.Scatter(**empty, mode="lines", name="s′ the k-CPU run shows", line=dict(dash="dash")),
            go.Scatter(**empty, mode="markers", marker=dict(size=12, symbol="circle-open"),
                       name="s and s′ at your n"),
        ])
        self.fractions.update_layout(title="The same job's serial fraction, measured two ways", height=380,
                                     xaxis_type="log", xaxis_exponentformat="power",
                                     xaxis_title="processors k (log scale)",
                                     yaxis_title="serial fraction", yaxis_range=[0, 1.02],
                                     margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        return [self.answer, widgets.HBox([self.fig, self.fractions])]

    def plotly_figures(self):
        return [self.fig, self.fractions]

    def update(self, measured_on, fraction, n, beta):
        view = speedup_comparison(fraction, measured_on, n, beta)
        self.view = view
        with self.fig.batch_update():
            for trace, values in zip(self.fig.data, (view.amdahl, view.gustafson, view.usl)):
                trace.x, trace.y = view.processors, values
            self.fig.data[3].x = [view.n] * 3
            self.fig.data[3].y = [view.amdahl_at_n, view.gustafson_at_n, view.usl_at_n]
        with self.fractions.batch_update():
            self.fractions.data[0].x = view.processors[[0, -1]]
            self.fractions.data[0].y = [view.serial_fraction] * 2
            self.fractions.data[1].x, self.fractions.data[1].y = view.processors, view.scaled_fractions
            self.fractions.data[2].x = [view.n, view.n]
            self.fractions.data[2].y = [view.serial_fraction, view.scaled_fraction]
        limit = "none (s = 0)" if math.isinf(view.limit) else f"{view.limit:,.2f}×"
        self.answer.value = results_table([
            ("s, Amdahl (fixed job, 1 CPU)", f"{view.serial_fraction:.5f}"),
            (f"s′, Gustafson (run on n = {view.n})", f"{view.scaled_fraction:.5f}"),
            (f"Amdahl speedup at n = {view.n}", f"{view.amdahl_at_n:,.2f}×"),
            (f"Gustafson scaled speedup at n = {view.n}", f"{view.gustafson_at_n:,.2f}×"),
            (f"USL at n = {view.n} (α = s, β = {view.beta:g})", f"{view.usl_at_n:,.2f}×"),
            ("Amdahl's ceiling 1/s", limit),
        ])


# --------------------------------------------------------------------------- MVA solver

STATIONS = ("web", "application", "database")


@dataclass(frozen=True)
class MVAView:
    """Exact MVA and the asymptotic bounds of a closed network, for populations 1..max.

    Times in seconds, throughputs in requests per second; ``utilization`` is per station
    at the chosen ``population``; ``bottleneck`` the index of the largest demand.
    """

    population: np.ndarray
    throughput: np.ndarray
    response_time: np.ndarray
    throughput_upper: np.ndarray
    throughput_lower: np.ndarray
    response_time_lower: np.ndarray
    response_time_upper: np.ndarray
    utilization: np.ndarray
    chosen: int
    bottleneck: int
    knee: float


def mva_view(demands_ms, think_time: float, population: int, max_population: int) -> MVAView:
    """Solve the closed network by MVA for 1..``max_population`` users and read it at ``population``.

    ``demands_ms`` D_k of the queueing stations in milliseconds per request, ``think_time`` Z
    in seconds.

    >>> v = mva_view([10, 20], think_time=1.0, population=50, max_population=50)
    >>> round(float(v.throughput[-1]), 2), v.bottleneck
    (44.27, 1)
    """
    demands = np.asarray(demands_ms, dtype=float) / 1000.0
    think_time = require_non_negative("think_time", think_time)
    max_population = require_int("max_population", max_population, minimum=1)
    population = require_int("population", population, minimum=1, maximum=max_population)
    if np.any(demands < 0) or not np.any(demands > 0):
        raise ValueError("demands must be >= 0 ms each, with at least one > 0")
    solution = mva(demands, think_time, max_population)
    bounds = asymptotic_bounds(demands, think_time, solution.population)
    return MVAView(
        population=solution.population, throughput=solution.throughput,
        response_time=solution.response_time, throughput_upper=bounds.throughput_upper,
        throughput_lower=bounds.throughput_lower, response_time_lower=bounds.response_time_lower,
        response_time_upper=bounds.response_time_upper,
        utilization=solution.utilization[population - 1], chosen=population,
        bottleneck=bottleneck(demands), knee=float(bounds.knee),
    )


def _mva_sweep():
    return ([{"population": n, "think_time": 1.0} for n in (1, 10, 50, 100, 200)]
            + [{"database_ms": d, "population": 80} for d in (2.0, 8.0, 30.0)]
            + [{"think_time": z, "population": 120} for z in (0.0, 0.5, 5.0)]
            + [{"web_ms": 0.0, "application_ms": 0.0, "database_ms": 0.0},       # bad: no work at all
               {"web_ms": 5.0, "application_ms": 12.0, "database_ms": 8.0, "think_time": 1.0}])


@register(name="ep53-mva-solver", notebook=FOUNDATIONS, sweep=_mva_sweep)
class MVASolver(CourseWidget):
    """A three-station closed network with N users and think time Z: MVA, bounds, bottleneck.

    >>> s = MVASolver(); s.set(population=100); s.view.bottleneck, round(s.view.knee, 1)
    (1, 85.4)
    """

    title = "MVA solver: N users, each thinking Z seconds between requests, three queueing stations"

    def controls(self):
        return {
            "web_ms": widgets.FloatSlider(value=5.0, min=0.0, max=40.0, step=0.5, description="web demand D₁ (ms)"),
            "application_ms": widgets.FloatSlider(value=12.0, min=0.0, max=40.0, step=0.5,
                                                  description="application demand D₂ (ms)"),
            "database_ms": widgets.FloatSlider(value=8.0, min=0.0, max=40.0, step=0.5,
                                               description="database demand D₃ (ms)"),
            "think_time": widgets.FloatSlider(value=1.0, min=0.0, max=10.0, step=0.1, description="think time Z (s)"),
            "population": widgets.IntSlider(value=50, min=1, max=200, description="users N"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        empty = dict(x=[], y=[])
        bound = dict(mode="lines", line=dict(dash="dot", color="#2ca02c"))
        self.fig = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines", name="MVA (exact)", line=dict(color="#1f77b4")),
            go.Scatter(**empty, **bound, name="upper bound min(N/(D+Z), 1/D_max)"),
            go.Scatter(**empty, mode="lines", line=dict(dash="dash", color="#9467bd"),
                       name="lower bound N/(N·D+Z)"),
            go.Scatter(**empty, mode="markers", marker=dict(size=12), name="your N"),
        ])
        self.fig.update_layout(title="Throughput against users", height=360, xaxis_title="users N",
                               yaxis_title="throughput X (requests/s)", margin=dict(l=60, r=20, t=50, b=50),
                               legend=dict(orientation="h", y=-0.3))
        self.response = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines", name="MVA (exact)", line=dict(color="#1f77b4")),
            go.Scatter(**empty, **bound, name="lower bound max(D, N·D_max − Z)"),
            go.Scatter(**empty, mode="markers", marker=dict(size=12), name="your N"),
        ])
        self.response.update_layout(title="Response time against users", height=360, xaxis_title="users N",
                                    yaxis_title="response time R (ms)", margin=dict(l=60, r=20, t=50, b=50),
                                    legend=dict(orientation="h", y=-0.3))
        self.bars = go.FigureWidget(data=[go.Bar(x=list(STATIONS), y=[0, 0, 0], name="utilisation")])
        self.bars.update_layout(title="Utilisation at your N (bottleneck in red)", height=300,
                                yaxis_title="utilisation (%)", yaxis_range=[0, 105],
                                margin=dict(l=60, r=20, t=50, b=40))
        return [self.answer, widgets.HBox([self.fig, self.response]), self.bars]

    def plotly_figures(self):
        return [self.fig, self.response, self.bars]

    def update(self, web_ms, application_ms, database_ms, think_time, population):
        top = int(self.inputs["population"].max)
        view = mva_view([web_ms, application_ms, database_ms], think_time, population, top)
        self.view = view
        chosen = view.chosen - 1
        with self.fig.batch_update():
            for trace, values in zip(self.fig.data, (view.throughput, view.throughput_upper, view.throughput_lower)):
                trace.x, trace.y = view.population, values
            self.fig.data[3].x, self.fig.data[3].y = [view.chosen], [view.throughput[chosen]]
        with self.response.batch_update():
            self.response.data[0].x, self.response.data[0].y = view.population, 1000 * view.response_time
            self.response.data[1].x, self.response.data[1].y = view.population, 1000 * view.response_time_lower
            self.response.data[2].x = [view.chosen]
            self.response.data[2].y = [1000 * view.response_time[chosen]]
        with self.bars.batch_update():
            self.bars.data[0].y = 100 * view.utilization
            self.bars.data[0].marker.color = [BOTTLENECK_COLOUR if k == view.bottleneck else OTHER_COLOUR
                                              for k in range(len(STATIONS))]
        demand_total = (web_ms + application_ms + database_ms) / 1000
        self.answer.value = results_table([
            ("bottleneck (largest demand)", f"{STATIONS[view.bottleneck]}"),
            ("throughput ceiling 1/D_max", f"{1 / (max(web_ms, application_ms, database_ms) / 1000):,.1f} requests/s"),
            ("N* = (D + Z)/D_max, where the asymptotes cross", f"{view.knee:,.1f} users"),
            (f"throughput X at N = {view.chosen}", f"{view.throughput[chosen]:,.2f} requests/s"),
            (f"response time R at N = {view.chosen}", f"{1000 * view.response_time[chosen]:,.1f} ms"),
            ("total demand D", f"{1000 * demand_total:,.1f} ms"),
        ])
