"""Episode 19 widget: the watermark and late-event explorer.

One seeded stream (600 events, about 2 a second, lognormal delays around 1 s and a share of
stragglers held back up to 30 s more) is counted in tumbling event-time windows by
:func:`course.architecture.streaming.window_counts`. Raising the allowed lateness lets fewer events
arrive late but makes every window wait longer before its count is emitted: the widget shows both.

>>> view = watermark_view(window_s=10, lateness_s=0, straggler_share=0.05)
>>> view["late"] > watermark_view(window_s=10, lateness_s=30, straggler_share=0.05)["late"]
True

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

import math
from functools import cache

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.architecture.streaming import exact_counts, stream, window_counts
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep19 import FOUNDATIONS
from course.widgets.registry import register

_STYLE = {"description_width": "initial"}
STREAM_SEED = 19
STREAM_EVENTS = 600
WINDOWS = (5.0, 10.0, 30.0, 60.0)
STRAGGLERS = (0.0, 0.05, 0.2)


@cache
def _stream(straggler_share: float):
    return tuple(stream(STREAM_EVENTS, seed=STREAM_SEED, straggler_share=straggler_share))


def watermark_view(window_s: float, lateness_s: float, straggler_share: float) -> dict:
    """Watermarked and exact counts per window, late events, and how long after its end each window is emitted (s)."""
    if window_s not in WINDOWS:
        raise ValueError(f"window_s must be one of {WINDOWS}; got {window_s:g}")
    if straggler_share not in STRAGGLERS:
        raise ValueError(f"straggler_share must be one of {STRAGGLERS}; got {straggler_share:g}")
    if not lateness_s >= 0:
        raise ValueError(f"lateness_s must be >= 0 s (a watermark ahead of the largest event time seen would "
                         f"close windows before their own events); got {lateness_s:g}")
    events = list(_stream(straggler_share))
    result = window_counts(events, window_s, lateness_s)
    exact = exact_counts(events, window_s)
    starts = np.array(sorted(exact))
    waits = [result.emitted_at[s] - (s + window_s) for s in result.emitted_at if math.isfinite(result.emitted_at[s])]
    late_ids = {id(e) for e in result.late_events}
    return {
        "events": events, "late_mask": np.array([id(e) in late_ids for e in events]),
        "starts": starts, "watermarked": np.array([result.counts.get(s, 0) for s in starts]),
        "exact": np.array([exact[s] for s in starts]), "late": result.late,
        "wrong_windows": int(sum(result.counts.get(s, 0) != exact[s] for s in starts)),
        "mean_wait_s": float(np.mean(waits)) if waits else math.nan,
    }


@register(
    name="ep19-watermark-explorer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"lateness_s": float(x)} for x in range(0, 61, 5)]
        + [{"window_s": w} for w in WINDOWS]
        + [{"straggler_share": s} for s in STRAGGLERS]
        + [{"lateness_s": -5.0}]                                    # bad: a watermark ahead of the data
        + [{"window_s": 10.0, "lateness_s": 5.0, "straggler_share": 0.05}]
    ),
)
class WatermarkExplorer(CourseWidget):
    """Window size, allowed lateness and stragglers → late events, wrong windows and the wait for results."""

    title = "Watermarks and late events: how long to wait before a window's count is final?"

    def controls(self):
        return {
            "window_s": widgets.Dropdown(options=list(WINDOWS), value=10.0, description="window (s of event time)",
                                         style=_STYLE),
            "lateness_s": widgets.FloatSlider(value=5.0, min=-5.0, max=60.0, step=1.0,
                                              description="allowed lateness (s)", style=_STYLE),
            "straggler_share": widgets.Dropdown(options=list(STRAGGLERS), value=0.05,
                                                description="share of stragglers", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(data=[
            go.Scatter(x=[0.0], y=[0.0], mode="markers", marker=dict(size=4, color="rgb(31,119,180)"),
                       name="on time"),
            go.Scatter(x=[0.0], y=[0.0], mode="markers", marker=dict(size=7, color="crimson", symbol="x"),
                       name="late: its window had closed"),
        ])
        self.fig.update_layout(
            title="Which events arrive after their window closed?", height=360,
            xaxis_title="event time (s)", yaxis_title="delay: arrival time − event time (s)",
            margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        self.bars = go.FigureWidget(data=[
            go.Bar(x=[0.0], y=[0], name="exact count (all events, as a batch job sees them)",
                   marker_color="lightgray"),
            go.Bar(x=[0.0], y=[0], name="watermarked count (emitted when the window closed)"),
        ])
        self.bars.update_layout(
            title="How far is each emitted window count from the exact one?", height=320, barmode="overlay",
            xaxis_title="window start (s of event time)", yaxis_title="events in the window",
            margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        return [self.answer, self.fig, self.bars]

    def update(self, window_s, lateness_s, straggler_share):
        self.view = view = watermark_view(window_s, lateness_s, straggler_share)
        times = np.array([e.event_time for e in view["events"]])
        delays = np.array([e.arrival_time - e.event_time for e in view["events"]])
        late = view["late_mask"]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = times[~late], delays[~late]
            self.fig.data[1].x, self.fig.data[1].y = times[late], delays[late]
        with self.bars.batch_update():
            self.bars.data[0].x, self.bars.data[0].y = view["starts"], view["exact"]
            self.bars.data[1].x, self.bars.data[1].y = view["starts"], view["watermarked"]
            self.bars.data[0].width = self.bars.data[1].width = 0.8 * window_s
        self.answer.value = results_table([
            ("late events (dropped from their window)", f"{view['late']} of {len(view['events'])}"),
            ("windows whose emitted count is wrong", f"{view['wrong_windows']} of {view['starts'].size}"),
            ("mean wait from a window's end to its result", f"{view['mean_wait_s']:.1f} s"),
        ])
