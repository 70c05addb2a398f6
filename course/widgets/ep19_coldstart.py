"""Episode 19 widget: what cold starts do to p99, by traffic shape, keep-alive and provisioned concurrency.

The same mean request rate arrives steady, in bursts, or in periodic batches; a seeded warm-pool
simulation (:func:`course.architecture.coldstarts.simulate_cold_starts`, 30 minutes per run,
50 ms of work, lognormal initialisation with a 400 ms median) gives each request's response time.
All runs of the grid are made once per kernel and cached, so a slider move is a lookup.

>>> view = cold_start_view("periodic batch", rate=1.0, keep_alive=300, provisioned=0)
>>> view["p99_ms"]["periodic batch"] > view["p99_ms"]["steady"]
True

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

from functools import cache

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.architecture.coldstarts import SHAPES, simulate_cold_starts
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep19 import FOUNDATIONS
from course.widgets.registry import register

_STYLE = {"description_width": "initial"}
COLD_SEED = 19
RATES = (0.1, 0.2, 0.5, 1.0, 2.0)
KEEP_ALIVES = (60, 300, 900)
PROVISIONED = (0, 20)


@cache
def _runs(keep_alive: int, provisioned: int) -> dict:
    return {(shape, rate): simulate_cold_starts(shape, rate, seed=COLD_SEED, keep_alive_s=float(keep_alive),
                                                provisioned=provisioned)
            for shape in SHAPES for rate in RATES}


def cold_start_view(shape: str, rate: float, keep_alive: int, provisioned: int) -> dict:
    """p99 (ms) and cold share of every shape over :data:`RATES`, and the chosen run's responses."""
    if keep_alive <= 0:
        raise ValueError("keep_alive must be > 0 s: an environment that is never kept warm makes every "
                         f"request a cold start; got {keep_alive}")
    if keep_alive not in KEEP_ALIVES:
        raise ValueError(f"keep_alive must be one of {KEEP_ALIVES} s; got {keep_alive}")
    if provisioned not in PROVISIONED:
        raise ValueError(f"provisioned must be one of {PROVISIONED}; got {provisioned}")
    if rate not in RATES:
        raise ValueError(f"rate must be one of {RATES} requests/s; got {rate}")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")
    runs = _runs(keep_alive, provisioned)
    chosen = runs[shape, rate]
    return {
        "curves": {s: np.array([runs[s, r].p99_ms for r in RATES]) for s in SHAPES},
        "p99_ms": {s: runs[s, rate].p99_ms for s in SHAPES},
        "cold_share": {s: runs[s, rate].cold_share for s in SHAPES},
        "run": chosen,
    }


@register(
    name="ep19-cold-start-p99",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"shape": s, "rate": r} for s in SHAPES for r in RATES]
        + [{"keep_alive": k, "provisioned": p} for k in KEEP_ALIVES for p in PROVISIONED]
        + [{"keep_alive": 0}]                                      # bad: nothing kept warm
        + [{"shape": "periodic batch", "rate": 1.0, "keep_alive": 300, "provisioned": 0}]
    ),
)
class ColdStartP99(CourseWidget):
    """Traffic shape, rate, keep-alive and provisioned environments → p99 and the share of cold requests."""

    title = "Cold starts and the 99th percentile: same mean rate, three traffic shapes"

    def controls(self):
        return {
            "shape": widgets.Dropdown(options=list(SHAPES), value="periodic batch", description="highlight shape",
                                      style=_STYLE),
            "rate": widgets.Dropdown(options=list(RATES), value=1.0, description="mean rate (requests/s)",
                                     style=_STYLE),
            "keep_alive": widgets.Dropdown(options=[0, *KEEP_ALIVES], value=300,
                                           description="keep-alive after last use (s)", style=_STYLE),
            "provisioned": widgets.Dropdown(options=list(PROVISIONED), value=0,
                                            description="provisioned environments", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        x = list(RATES)
        self.fig = go.FigureWidget(
            data=[go.Scatter(x=x, y=np.ones(len(x)), mode="lines+markers", name=s) for s in SHAPES]
            + [go.Scatter(x=[1.0], y=[1.0], mode="markers", marker=dict(size=16, symbol="star", color="black"),
                          name="highlighted shape and rate")])
        self.fig.update_layout(
            title="Which traffic shape pays for cold starts in its 99th percentile?", height=380,
            xaxis_title="mean request rate (requests per second, log axis)", xaxis_type="log",
            yaxis_title="p99 response time (ms, log axis)", yaxis_type="log", xaxis_exponentformat="power",
            yaxis_exponentformat="power", margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        self.hist = go.FigureWidget(data=[go.Histogram(x=[0.05], nbinsx=60, name="requests")])
        self.hist.update_layout(
            title="How are the highlighted run's response times spread? (log count)", height=300,
            xaxis_title="response time (ms)", yaxis_title="requests (log axis)", yaxis_type="log",
            yaxis_exponentformat="power", margin=dict(l=60, r=20, t=50, b=50))
        for k in KEEP_ALIVES:            # every run now, so that no slider move waits for a simulation
            for p in PROVISIONED:
                _runs(k, p)
        return [self.answer, self.fig, self.hist]

    def update(self, shape, rate, keep_alive, provisioned):
        self.view = view = cold_start_view(shape, rate, keep_alive, provisioned)
        with self.fig.batch_update():
            for trace, s in zip(self.fig.data, SHAPES):
                trace.y = view["curves"][s]
                trace.line.width = 4 if s == shape else 1.5
            self.fig.data[-1].x = [rate]
            self.fig.data[-1].y = [view["p99_ms"][shape]]
        with self.hist.batch_update():
            self.hist.data[0].x = view["run"].response_s * 1000
        rows = [("shape", "p99 (ms) · cold share")]
        rows += [(s, f"{view['p99_ms'][s]:,.0f} ms · {view['cold_share'][s]:.2%}") for s in SHAPES]
        rows.append(("environments started (highlighted run)", f"{view['run'].environments}"))
        self.answer.value = results_table(rows)
