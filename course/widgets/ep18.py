"""Episode 18 widgets: the load-balancing policy race and the balls-in-bins explorer.

Both are thin views over :mod:`course.scaling`: a pure ``compute`` function returns what is
drawn, and the widget writes it into FigureWidgets in place. Simulations are run once per
kernel on a fixed grid (seeded) and cached, so a slider move is a lookup, not a new run.
The autoscaler tuner is in :mod:`course.widgets.ep18_autoscaling`, the shard heat map in
:mod:`course.widgets.ep18_sharding`.

>>> view = policy_race_view(load=0.7, slowdown=4.0)
>>> view["p99_ms"]["least connections"] < view["p99_ms"]["round robin"]
True

Taught in: Ep18 · 1-foundations.
"""

from __future__ import annotations

from functools import cache

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.scaling.balancing import POLICIES, Fleet, race
from course.scaling.ballsbins import bin_loads, d_choice_formula, one_choice_formula
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep18-scaling/1-foundations"
_STYLE = {"description_width": "initial"}
#: The race's grid: loads 0.30 … 0.95 and the slow server's slowdowns (1 = healthy fleet).
RACE_LOADS = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))
SLOWDOWNS = (1.0, 4.0)
RACE_REQUESTS = 10_000
RACE_SEED = 18
#: Balls-in-bins grid: n = 10^x for x = 2, 2.5, …, 6; 1 to 3 choices; seeds 0, 1, 2.
BIN_EXPONENTS = tuple(2.0 + 0.5 * i for i in range(9))
BIN_CHOICES = (1, 2, 3)
BIN_SEEDS = (0, 1, 2)


def race_fleet(slowdown: float) -> Fleet:
    """The race's fleet: speeds 2, 2, 1 × 6; server 0 (a fast one) gray-fails at ``slowdown``."""
    return Fleet(slow_server=None if slowdown == 1.0 else 0, slowdown=slowdown)


@cache
def _race_grid(slowdown: float) -> dict:
    rows = race(race_fleet(slowdown), loads=RACE_LOADS, requests=RACE_REQUESTS, seed=RACE_SEED)
    grid = {p: np.array([r["p99_ms"] for r in rows if r["policy"] == p]) for p in POLICIES}
    busiest = {p: np.array([r["busiest"] for r in rows if r["policy"] == p]) for p in POLICIES}
    return {"p99_ms": grid, "busiest": busiest}


def policy_race_view(load: float, slowdown: float) -> dict:
    """p99 (ms) of every policy over the load grid, and at ``load``, from one seeded race per slowdown.

    ``load`` is offered work over the fleet's real capacity; it must be one of :data:`RACE_LOADS`
    (the widget's slider steps) and < 1.
    """
    if not load < 1:
        raise ValueError(f"load must be < 1: at load = {load:g} the whole fleet is saturated and every "
                         "queue grows without bound, whatever the policy")
    if slowdown not in SLOWDOWNS:
        raise ValueError(f"slowdown must be one of {SLOWDOWNS}; got {slowdown:g}")
    index = int(np.argmin(np.abs(np.array(RACE_LOADS) - load)))
    if abs(RACE_LOADS[index] - load) > 1e-9:
        raise ValueError(f"load must be one of the grid's loads {RACE_LOADS[0]:g} … {RACE_LOADS[-1]:g} "
                         f"in steps of 0.05; got {load:g}")
    grid = _race_grid(float(slowdown))
    return {"loads": np.array(RACE_LOADS), "curves": grid["p99_ms"], "index": index,
            "p99_ms": {p: float(grid["p99_ms"][p][index]) for p in POLICIES},
            "busiest": {p: float(grid["busiest"][p][index]) for p in POLICIES}}


@register(
    name="ep18-policy-race",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"load": load, "slowdown": s, "policy": "power of two choices"} for s in SLOWDOWNS for load in RACE_LOADS]
        + [{"policy": p, "load": 0.8} for p in POLICIES]
        + [{"load": 1.0}]                                           # bad: a saturated fleet
        + [{"load": 0.7, "slowdown": 4.0, "policy": "round robin"}]
    ),
)
class PolicyRace(CourseWidget):
    """Policy × load → p99: seven balancers on the same seeded traffic, with or without a gray server."""

    title = "Load-balancing policy race: p99 response time against load (same seeded traffic for all)"

    def controls(self):
        return {
            "policy": widgets.Dropdown(options=list(POLICIES), value="power of two choices",
                                       description="highlight policy", style=_STYLE),
            "load": widgets.FloatSlider(value=0.7, min=0.3, max=1.0, step=0.05, description="load (of real capacity)",
                                        style=_STYLE),
            "slowdown": widgets.Dropdown(options=[("healthy fleet", 1.0), ("server 0 gray-fails: 4× slower", 4.0)],
                                         value=4.0, description="fleet", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Scatter(x=list(RACE_LOADS), y=np.ones(len(RACE_LOADS)), mode="lines+markers", name=p)
                  for p in POLICIES]
            + [go.Scatter(x=[0.7], y=[1.0], mode="markers", marker=dict(size=16, symbol="star", color="black"),
                          name="highlighted policy at this load")])
        self.fig.update_layout(
            title="Which policy keeps the 99th percentile low as load grows?", height=420,
            xaxis_title="load (offered work / real capacity of the fleet)",
            yaxis_title="p99 response time (ms, log axis)", yaxis_type="log", yaxis_exponentformat="power",
            margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25))
        self._drawn = None
        for slowdown in SLOWDOWNS:      # both races now, so that no slider move waits for a simulation
            _race_grid(slowdown)
        return [self.answer, self.fig]

    def update(self, policy, load, slowdown):
        self.view = view = policy_race_view(round(load, 2), slowdown)
        with self.fig.batch_update():
            if self._drawn != slowdown:
                for trace, p in zip(self.fig.data, POLICIES):
                    trace.y = view["curves"][p]
                self._drawn = slowdown
            for trace, p in zip(self.fig.data, POLICIES):
                trace.line.width = 4 if p == policy else 1.5
            self.fig.data[-1].x = [view["loads"][view["index"]]]
            self.fig.data[-1].y = [view["p99_ms"][policy]]
        ranked = sorted(POLICIES, key=lambda p: view["p99_ms"][p])
        rows = []
        for p in ranked:
            note = "  (a server overloaded: its queue grows all run)" if view["busiest"][p] > 1 else ""
            rows.append((p, f"{view['p99_ms'][p]:,.1f} ms{note}"))
        self.answer.value = results_table([("policy (best first)", f"p99 at load {load:.2f}")] + rows)


# --------------------------------------------------------------------------- balls in bins


@cache
def _bins_grid() -> dict:
    """Max load per (exponent, choices, seed) and the load histogram of seed 0."""
    maxima, histograms = {}, {}
    for x in BIN_EXPONENTS:
        n = round(10**x)
        for d in BIN_CHOICES:
            for seed in BIN_SEEDS:
                loads = bin_loads(n, d, seed)
                maxima[x, d, seed] = int(loads.max())
                if seed == 0:
                    histograms[x, d] = np.bincount(loads)
    return {"max": maxima, "hist": histograms}


def balls_bins_view(exponent: float, choices: int) -> dict:
    """Simulated max loads (3 seeds) over the n grid for 1 and ``choices`` choices, formulas, histogram at n = 10^exponent."""
    if choices not in BIN_CHOICES:
        raise ValueError(f"choices must be one of {BIN_CHOICES}; got {choices}")
    n = round(10**exponent)
    if n < 16:
        raise ValueError(f"bins must be >= 16 for the formulas (ln ln n must exceed 1, or ln n / ln ln n is "
                         f"meaningless); got n = {n}")
    if exponent not in BIN_EXPONENTS:
        raise ValueError(f"exponent must be one of {BIN_EXPONENTS}; got {exponent:g}")
    grid = _bins_grid()
    sizes = np.array([round(10**x) for x in BIN_EXPONENTS])

    def simulated(d):
        values = np.array([[grid["max"][x, d, s] for s in BIN_SEEDS] for x in BIN_EXPONENTS])
        return values.min(axis=1), np.median(values, axis=1), values.max(axis=1)

    return {
        "n": n, "sizes": sizes, "one": simulated(1), "many": simulated(choices) if choices > 1 else None,
        "one_formula": np.array([one_choice_formula(int(s)) for s in sizes]),
        "many_formula": None if choices == 1 else np.array([d_choice_formula(int(s), choices) for s in sizes]),
        "here": [grid["max"][exponent, choices, s] for s in BIN_SEEDS],
        "here_one": [grid["max"][exponent, 1, s] for s in BIN_SEEDS],
        "histogram": grid["hist"][exponent, choices],
        "formula_here": one_choice_formula(n) if choices == 1 else d_choice_formula(n, choices),
    }


@register(
    name="ep18-balls-in-bins",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"exponent": x, "choices": d} for d in BIN_CHOICES for x in BIN_EXPONENTS]
        + [{"exponent": 1.0, "choices": 2}]                          # bad: n = 10, formulas undefined
        + [{"exponent": 6.0, "choices": 2}]
    ),
)
class BallsInBins(CourseWidget):
    """n balls into n bins: the fullest bin with 1 and with d choices, simulated beside the formulas."""

    title = "Balls into bins: the fullest bin with one random choice and with the better of d"

    def controls(self):
        return {
            "exponent": widgets.FloatSlider(value=6.0, min=1.0, max=6.0, step=0.5, description="n = 10^x, x",
                                            style=_STYLE),
            "choices": widgets.IntSlider(value=2, min=1, max=3, description="choices d", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        sizes = [round(10**x) for x in BIN_EXPONENTS]
        flat = np.ones(len(sizes))
        self.fig = go.FigureWidget(data=[
            go.Scatter(x=sizes, y=flat, mode="markers", name="simulated, 1 choice (median, min–max of 3 seeds)",
                       error_y=dict(type="data", symmetric=False, array=0 * flat, arrayminus=0 * flat)),
            go.Scatter(x=sizes, y=flat, mode="lines", line=dict(dash="dash"), name="ln n / ln ln n"),
            go.Scatter(x=sizes, y=flat, mode="markers", marker=dict(symbol="square"),
                       name="simulated, d choices (median, min–max)",
                       error_y=dict(type="data", symmetric=False, array=0 * flat, arrayminus=0 * flat)),
            go.Scatter(x=sizes, y=flat, mode="lines", line=dict(dash="dot"), name="ln ln n / ln d"),
        ])
        self.fig.update_layout(
            title="How full is the fullest bin as n grows? Simulation beside the leading terms", height=400,
            xaxis_title="bins n = balls (log axis)", yaxis_title="balls in the fullest bin", xaxis_type="log",
            xaxis_exponentformat="power",
            margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        self.hist = go.FigureWidget(data=[go.Bar(x=[0, 1], y=[1, 1], name="bins")])
        self.hist.update_layout(
            title="How many bins hold k balls? (seed 0, log axis)", height=300, yaxis_type="log",
            yaxis_exponentformat="power",
            xaxis_title="balls in a bin k", yaxis_title="bins", margin=dict(l=60, r=20, t=50, b=50))
        return [self.answer, self.fig, self.hist]

    def update(self, exponent, choices):
        self.view = view = balls_bins_view(exponent, choices)
        low, mid, high = view["one"]
        with self.fig.batch_update():
            self.fig.data[0].y = mid
            self.fig.data[0].error_y.array = high - mid
            self.fig.data[0].error_y.arrayminus = mid - low
            self.fig.data[1].y = view["one_formula"]
            many = view["many"] is not None
            for trace in self.fig.data[2:]:
                trace.visible = many
            if many:
                low, mid, high = view["many"]
                self.fig.data[2].y = mid
                self.fig.data[2].error_y.array = high - mid
                self.fig.data[2].error_y.arrayminus = mid - low
                self.fig.data[3].y = view["many_formula"]
        hist = view["histogram"]
        with self.hist.batch_update():
            self.hist.data[0].x = np.arange(hist.size)
            self.hist.data[0].y = hist          # empty classes (0) are simply not drawn on the log axis
        formula = "ln n / ln ln n" if choices == 1 else f"ln ln n / ln {choices}"
        self.answer.value = results_table([
            ("n (balls = bins)", f"{view['n']:,}"),
            (f"simulated fullest bin, {choices} choice(s), seeds 0/1/2", " / ".join(map(str, view["here"]))),
            ("simulated fullest bin, 1 choice, seeds 0/1/2", " / ".join(map(str, view["here_one"]))),
            (f"formula {formula}", f"{view['formula_here']:.2f}"),
        ])
