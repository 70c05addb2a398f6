"""Episode 15 mesh widgets: Envoy's outlier ejection against a gray host, and retry storms.

The ejection simulator re-runs :func:`course.communication.mesh.simulate_mesh` (seeded) with
and without outlier detection and plots the success rate per 20 s and the gray host's
ejections; the amplifier plots :func:`~course.communication.mesh.retry_amplification` over
call depth, with and without a retry budget.

>>> view = ejection_view(hosts=10, gray_error_rate=0.5, consecutive_5xx=5, base_ejection_time=30.0, retries=0)
>>> view["with"] > view["without"]
True
>>> storm_view(depth=3, attempts=3, failure=1.0, budget=0.1)["without budget"][-1]
27.0

Taught in: Ep15 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.communication.mesh import retry_amplification, simulate_mesh
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep15 import FOUNDATIONS
from course.widgets.registry import register

MESH_SEED = 15
RATE = 10.0          #: requests per s in the ejection simulator
DURATION = 600.0     #: seconds simulated
BIN = 20.0           #: seconds per point of the success-rate plot
_WITHOUT: dict = {}  #: the last run without outlier detection, kept while only Envoy's settings move


def ejection_view(hosts, gray_error_rate, consecutive_5xx, base_ejection_time, retries, seed=MESH_SEED) -> dict:
    """Success rate per :data:`BIN` with and without outlier detection, and the ejections.

    Envoy's cap (10 % of hosts, at least one) and 300 s maximum stay at their defaults: with one
    gray host only the first matters, and it always allows that host out.
    """
    if hosts < 2:
        raise ValueError(f"hosts must be ≥ 2 (got {hosts}): with one host, ejecting it leaves nowhere to send requests")
    runs = {}
    for detect in (True, False):
        key = (hosts, gray_error_rate, retries, seed)
        if not detect and key in _WITHOUT:      # the run without detection ignores its settings
            runs[detect] = _WITHOUT[key]
            continue
        runs[detect] = simulate_mesh(hosts=hosts, gray_error_rate=gray_error_rate, rate=RATE, duration=DURATION,
                                     seed=seed, retries=retries, outlier_detection=detect,
                                     consecutive_5xx=consecutive_5xx, base_ejection_time=base_ejection_time)
        if not detect:
            _WITHOUT.clear()
            _WITHOUT[key] = runs[detect]
    edges = np.arange(0.0, DURATION + BIN / 2, BIN)
    curves = {}
    for detect, run in runs.items():
        total = np.histogram(run.times, edges)[0]
        good = np.histogram(run.times[run.ok], edges)[0]
        curves[detect] = 100 * good / np.maximum(total, 1)
    return {"bins": edges[:-1] + BIN / 2, "with curve": curves[True], "without curve": curves[False],
            "with": runs[True].success_rate, "without": runs[False].success_rate,
            "ejections": runs[True].ejections, "load": runs[True].load_factor}


@register(
    name="ep15-outlier-ejection",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"gray_error_rate": g} for g in (0.0, 0.2, 0.5, 0.9, 1.0)]
        + [{"consecutive_5xx": c} for c in (1, 3, 5, 10)]
        + [{"hosts": h} for h in (1, 3, 10, 30)]                  # 1 host: a message
        + [{"retries": r} for r in (0, 1, 2)]
        + [{"base_ejection_time": b} for b in (5.0, 30.0, 120.0)]
    ),
)
class OutlierEjectionSimulator(CourseWidget):
    """Hosts, a gray host's error rate, Envoy's settings → success over time with and without ejection."""

    title = "Outlier detection (Envoy defaults) against a gray-failing host"

    def controls(self):
        return {
            "hosts": widgets.IntSlider(value=10, min=1, max=30, description="hosts"),
            "gray_error_rate": widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05,
                                                   description="gray host's 5xx share"),
            "consecutive_5xx": widgets.IntSlider(value=5, min=1, max=20, description="eject after N consecutive 5xx"),
            "base_ejection_time": widgets.FloatSlider(value=30.0, min=5.0, max=120.0, step=5.0,
                                                      description="base ejection time (s)"),
            "retries": widgets.IntSlider(value=0, min=0, max=3, description="retries per request"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Scatter(x=[], y=[], mode="lines+markers", name="with outlier detection"),
                  go.Scatter(x=[], y=[], mode="lines+markers", name="without", line=dict(dash="dot")),
                  go.Scatter(x=[], y=[], mode="lines", name="gray host ejected", line=dict(color="#d62728", width=6))],
            layout=dict(height=340, margin=dict(l=60, r=20, t=40, b=40), xaxis_title="time (s)",
                        yaxis_title=f"requests that succeed, per {BIN:.0f} s (%)",
                        title=f"How much does ejecting the gray host buy, and when? ({RATE:.0f} req/s, seed {MESH_SEED})",
                        legend=dict(orientation="h", y=-0.25)),
        )
        return [self.answer, self.fig]

    def update(self, hosts, gray_error_rate, consecutive_5xx, base_ejection_time, retries):
        self.view = view = ejection_view(hosts, gray_error_rate, consecutive_5xx, base_ejection_time, retries)
        xs, ys = [], []
        for t, _, seconds in view["ejections"]:
            xs += [t, min(t + seconds, DURATION), None]
            ys += [101.0, 101.0, None]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = view["bins"], view["with curve"]
            self.fig.data[1].x, self.fig.data[1].y = view["bins"], view["without curve"]
            self.fig.data[2].x, self.fig.data[2].y = xs, ys
        self.answer.value = results_table([
            ("success with / without outlier detection", f"{100 * view['with']:.2f} % / {100 * view['without']:.2f} %"),
            ("ejections (start s → seconds out)",
             ", ".join(f"{t:.0f} → {s:.0f}" for t, _, s in view["ejections"]) or "none"),
            ("attempts per request", f"{view['load']:.3f}"),
        ])


def storm_view(depth, attempts, failure, budget) -> dict:
    """Calls reaching each depth per edge request, without and with a retry budget."""
    if attempts < 1:
        raise ValueError(f"tries per call must be ≥ 1 (got {attempts}): a call never tried reaches nobody")
    depths = list(range(1, int(depth) + 1))
    return {"depths": depths,
            "without budget": [retry_amplification(d, attempts, failure) for d in depths],
            "with budget": [retry_amplification(d, attempts, failure, budget=budget) for d in depths]}


@register(
    name="ep15-retry-storm",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"depth": d} for d in (1, 3, 5, 8)]
        + [{"attempts": a} for a in (1, 2, 3, 5, 0)]               # 0 tries: a message
        + [{"attempts": 3}]                                         # and back, so what follows is drawn
        + [{"failure": f} for f in (0.0, 0.1, 0.5, 1.0)]
        + [{"budget": b} for b in (0.0, 0.1, 0.5)]
    ),
)
class RetryStormAmplifier(CourseWidget):
    """Depth, attempts per layer, failure, budget → calls reaching each layer per edge request."""

    title = "Retry storms: every layer retries, the bottom pays"

    def controls(self):
        return {
            "depth": widgets.IntSlider(value=4, min=1, max=8, description="layers of services"),
            "attempts": widgets.IntSlider(value=3, min=0, max=5, description="tries per call (1 + retries)"),
            "failure": widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05,
                                           description="chance a call below fails"),
            "budget": widgets.FloatSlider(value=0.1, min=0.0, max=1.0, step=0.05,
                                          description="retry budget (retries / requests)"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Scatter(x=[], y=[], mode="lines+markers", name="retries at every layer"),
                  go.Scatter(x=[], y=[], mode="lines+markers", name="with a retry budget")],
            layout=dict(height=320, margin=dict(l=60, r=20, t=40, b=40), xaxis_title="layer (1 = behind the edge)",
                        yaxis=dict(title="calls per edge request", type="log", exponentformat="power"),
                        title="How many calls does one edge request become at each layer?",
                        legend=dict(orientation="h", y=-0.25)),
        )
        return [self.answer, self.fig]

    def update(self, depth, attempts, failure, budget):
        self.view = view = storm_view(depth, attempts, failure, budget)
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = view["depths"], view["without budget"]
            self.fig.data[1].x, self.fig.data[1].y = view["depths"], view["with budget"]
        self.answer.value = results_table([
            ("calls at the deepest layer, no budget", f"{view['without budget'][-1]:,.2f}"),
            ("with the budget", f"{view['with budget'][-1]:,.3f}"),
        ])
