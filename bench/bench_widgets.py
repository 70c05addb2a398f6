"""Widget update latency: one slider move = model computation + in-place figure update.

Every registered widget is built headlessly and driven over its sweep (its slider range,
bad values included). Baseline, measured in the same run: a trivial widget that only
copies 200 numbers into one FigureWidget trace — the floor plotly itself costs.
"""

from __future__ import annotations

import statistics
import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.widgets.base import CourseWidget
from course.widgets.registry import WidgetSpec, discover

REPEATS = 3
GOAL_MS = {"calculator": 50.0, "scenario": 300.0}


class _TrivialWidget(CourseWidget):
    """The baseline: one slider, one trace of 200 points, nothing computed."""

    def controls(self):
        return {"shift": widgets.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01)}

    def figures(self):
        self.fig = go.FigureWidget(data=[go.Scatter(x=np.arange(200), y=np.zeros(200))])
        return [self.fig]

    def update(self, shift):
        with self.fig.batch_update():
            self.fig.data[0].y = np.full(200, shift)


def time_updates(widget, settings) -> list[float]:
    """Milliseconds of each ``widget.set(**setting)``, over ``REPEATS`` passes of the sweep."""
    times = []
    for _ in range(REPEATS):
        for setting in settings:
            started = time.perf_counter()
            widget.set(**setting)
            times.append((time.perf_counter() - started) * 1000)
    return times


def summarise(name: str, kind: str, times: list[float], baseline_median: float) -> dict:
    p95 = float(np.percentile(times, 95))
    return {
        "widget": name,
        "kind": kind,
        "updates": len(times),
        "median_ms": statistics.median(times),
        "p95_ms": p95,
        "goal_p95_ms": GOAL_MS.get(kind, 50.0),
        "meets_goal": p95 < GOAL_MS.get(kind, 50.0),
        "baseline": "trivial FigureWidget update",
        "median_vs_baseline": statistics.median(times) / baseline_median,
    }


def shown(widget):
    """The widget as on a page: once its box is built, moves travel as plotly.js edits (before
    that, each update re-sends the whole figure — see course.widgets.base.built_before_display)."""
    widget.ui  # noqa: B018 — building the box marks the widget as shown
    return widget


def run() -> list[dict]:
    baseline = shown(_TrivialWidget())
    baseline_times = time_updates(baseline, [{"shift": s} for s in np.linspace(0, 1, 50)])
    baseline_median = statistics.median(baseline_times)
    rows = [summarise("(baseline) trivial", "calculator", baseline_times, baseline_median)]
    for _, spec in sorted(discover().items()):
        rows.append(measure(spec, baseline_median))
    return rows


def measure(spec: WidgetSpec, baseline_median: float) -> dict:
    widget = shown(spec.factory())
    settings = list(spec.sweep())
    widget.set(**settings[0])  # first call may fill caches (numba, scipy imports)
    return summarise(spec.name, spec.kind, time_updates(widget, settings), baseline_median)
