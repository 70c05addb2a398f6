"""Episode 16 replication-lag viewer: the read side's lag as a distribution, and an alert on it.

A thin view over :func:`course.data.cqrs.simulate_read_side` (Lindley's recursion, which gives
the event loop's times to the last bit): lag of every event over time, the alert threshold, and
the percentiles a dashboard would show.

>>> view = lag_view(write_rate=50.0, apply_time_ms=10.0, relay_delay_ms=200.0, alert_ms=300.0)
>>> view["p50"] < view["p99"] < view["p999"]
True

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.data.cqrs import simulate_read_side
from course.validation import require_non_negative, require_positive
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep16 import FOUNDATIONS
from course.widgets.registry import register

#: Events simulated per view (the run lasts EVENTS / write_rate seconds).
EVENTS = 5000
LAG_SEED = 16


def lag_view(write_rate: float, apply_time_ms: float, relay_delay_ms: float, alert_ms: float,
             relay_jitter_ms: float = 0.0, seed: int = LAG_SEED) -> dict:
    """Lag (ms) of about :data:`EVENTS` events and its percentiles; events over ``alert_ms``."""
    rate = require_positive("write_rate", write_rate)
    require_positive("apply_time_ms", apply_time_ms)
    require_non_negative("relay_delay_ms", relay_delay_ms)
    require_non_negative("alert_ms", alert_ms)
    if rate * apply_time_ms / 1000 >= 1:
        raise ValueError(f"write_rate × apply_time_ms / 1000 must be < 1 (projector utilisation "
                         f"{rate * apply_time_ms / 1000:.2f}): the read side falls behind for ever")
    run = simulate_read_side(rate, apply_time_ms / 1000, relay_delay_ms / 1000, EVENTS / rate, seed,
                             relay_jitter=relay_jitter_ms / 1000, engine="recursion")
    lag = 1000 * run.read_lag
    p50, p99, p999 = np.percentile(lag, [50, 99, 99.9])
    alert = run.alert(alert_ms / 1000)
    return {"time": run.committed, "lag_ms": lag, "p50": float(p50), "p99": float(p99), "p999": float(p999),
            "mean": float(lag.mean()), "share over": alert["share over"], "first breach at": alert["first breach at"],
            "utilisation": rate * apply_time_ms / 1000}


@register(
    name="ep16-replication-lag",
    notebook=FOUNDATIONS,
    kind="scenario",
    sweep=lambda: (
        [{"write_rate": w} for w in (10.0, 50.0, 80.0, 95.0, 99.0)]
        + [{"write_rate": 50.0, "apply_time_ms": a} for a in (1.0, 10.0, 19.0, 25.0)]   # 25 ms at 50/s: a message
        + [{"apply_time_ms": 10.0, "relay_jitter_ms": j} for j in (0.0, 50.0, 200.0)]
        + [{"alert_ms": a} for a in (100.0, 300.0, 1000.0)]
    ),
)
class ReplicationLagViewer(CourseWidget):
    """Write rate, projector speed, relay delay → the read side's lag over time and an alert on it."""

    title = "CQRS read side: replication lag as a distribution, with an alert"

    def controls(self):
        return {
            "write_rate": widgets.FloatSlider(value=50.0, min=1.0, max=99.0, step=1.0, description="writes per s"),
            "apply_time_ms": widgets.FloatSlider(value=10.0, min=1.0, max=30.0, step=0.5,
                                                 description="projector apply time (ms)"),
            "relay_delay_ms": widgets.FloatSlider(value=200.0, min=0.0, max=1000.0, step=10.0,
                                                  description="relay delay (ms)"),
            "relay_jitter_ms": widgets.FloatSlider(value=0.0, min=0.0, max=500.0, step=10.0,
                                                   description="relay jitter, mean (ms)"),
            "alert_ms": widgets.FloatSlider(value=300.0, min=0.0, max=2000.0, step=10.0,
                                            description="alert when lag exceeds (ms)"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Scatter(x=[], y=[], mode="markers", marker=dict(size=3), name="lag of each event"),
                  go.Scatter(x=[], y=[], mode="lines", name="alert threshold", line=dict(dash="dash", color="#d62728"))],
            layout=dict(height=320, margin=dict(l=60, r=20, t=40, b=40), xaxis_title="commit time (s)",
                        yaxis_title="lag to the read side (ms)",
                        title=f"When is the read side behind, and by how much? ({EVENTS:,} events, seed {LAG_SEED})"),
        )
        return [self.answer, self.fig]

    def update(self, write_rate, apply_time_ms, relay_delay_ms, relay_jitter_ms, alert_ms):
        self.view = view = lag_view(write_rate, apply_time_ms, relay_delay_ms, alert_ms, relay_jitter_ms)
        t = view["time"]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = t, view["lag_ms"]
            self.fig.data[1].x, self.fig.data[1].y = [0.0, float(t[-1])], [alert_ms, alert_ms]
        first = view["first breach at"]
        self.answer.value = results_table([
            ("projector utilisation", f"{view['utilisation']:.2f}"),
            ("lag p50 / p99 / p99.9 (ms)", f"{view['p50']:.0f} / {view['p99']:.0f} / {view['p999']:.0f}"),
            ("events over the alert threshold", f"{100 * view['share over']:.2f} %"),
            ("first alert", "never" if first is None else f"at {first:.1f} s"),
        ])
