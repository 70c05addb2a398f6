"""Episode 15 gateway widgets: the five rate limiters on one burst, and a latency budget across hops.

Thin views over :mod:`course.communication`: the comparator feeds the same seeded traffic
(:func:`~course.communication.ratelimit.bursty_traffic`) to the five limiters and plots what
each admits per 100 ms; the planner spends a request's budget hop by hop and names every
timeout that is not shorter than its caller's.

>>> view = limiter_view(rate=10.0, burst=10, window=1.0, burst_size=40)
>>> view["rows"]["fixed window"]["peak per window"] >= view["rows"]["sliding log"]["peak per window"]
True
>>> budget_view(edge_timeout_ms=1000, gateway_ms=5, service_ms=50, db_ms=100, gateway_timeout_ms=900,
...             service_timeout_ms=600, db_timeout_ms=300, sidecar_ms=0.0)["total_ms"]
155.0

Taught in: Ep15 · 1-foundations. The mesh widgets live in :mod:`course.widgets.ep15_mesh`.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.communication.budget import latency_budget
from course.communication.ratelimit import (
    bursty_traffic,
    make_limiters,
    max_in_any_window,
    run_limiter,
)
from course.validation import require_int, require_positive
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep15-communication/1-foundations"
TRAFFIC_SEED = 15
DURATION = 10.0      #: seconds of traffic the comparator replays
BIN = 0.1            #: seconds per bar of the admitted-requests plot
COLOURS = ("#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd")


def limiter_view(rate: float, burst: int, window: float, burst_size: int, seed: int = TRAFFIC_SEED) -> dict:
    """Admitted requests per :data:`BIN` for each limiter on the same traffic; one summary row each."""
    require_positive("rate", rate)
    if burst < 1:
        raise ValueError(f"burst (bucket size) must be ≥ 1 (got {burst}): an empty bucket refuses every request")
    require_int("burst", burst, minimum=1)
    require_positive("window", window)
    times = bursty_traffic(seed, DURATION, base_rate=5.0, burst_at=4.9, burst_size=burst_size)
    edges = np.arange(0.0, DURATION + 2.0 + BIN / 2, BIN)
    series, rows = {}, {}
    for limiter in make_limiters(rate, burst, window):
        out = run_limiter(limiter, times)
        served = times[out["admitted"]] + out["delay"][out["admitted"]]
        series[limiter.name] = np.histogram(served, edges)[0]
        rows[limiter.name] = {"admitted": int(out["admitted"].sum()), "refused": int((~out["admitted"]).sum()),
                              "peak per window": max_in_any_window(served, window),
                              "max delay": float(out["delay"].max(initial=0.0))}
    return {"bins": edges[:-1], "series": series, "rows": rows, "requests": int(times.size),
            "offered": np.histogram(times, edges)[0]}


@register(
    name="ep15-rate-limiters",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"rate": r} for r in (1.0, 5.0, 10.0, 20.0, 50.0)]
        + [{"rate": 10.0, "burst": b} for b in (1, 5, 10, 30, 0)]   # burst 0: a message
        + [{"burst": 10}]                                           # and back, so what follows is drawn
        + [{"window": w} for w in (0.5, 1.0, 2.0, 5.0)]
        + [{"burst_size": s} for s in (0, 20, 80, 200)]
    ),
)
class RateLimiterComparator(CourseWidget):
    """Rate, burst and window → what each of the five limiters admits from the same burst."""

    title = "Five rate limiters, one burst: who lets what through?"

    def controls(self):
        return {
            "rate": widgets.FloatSlider(value=10.0, min=1.0, max=50.0, step=1.0, description="limit (requests per s)"),
            "burst": widgets.IntSlider(value=10, min=0, max=50, description="burst (bucket size)"),
            "window": widgets.FloatSlider(value=1.0, min=0.5, max=5.0, step=0.5, description="window (s)"),
            "burst_size": widgets.IntSlider(value=40, min=0, max=200, step=5, description="burst at 4.9 s (requests)"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Bar(x=[], y=[], name="offered", marker_color="#cccccc")]
            + [go.Scatter(x=[], y=[], mode="lines", name=name, line=dict(color=c, shape="hv"))
               for name, c in zip(("token bucket", "leaky bucket", "fixed window", "sliding log",
                                   "sliding-window counter"), COLOURS)],
            layout=dict(height=360, margin=dict(l=60, r=20, t=40, b=40), xaxis_title="time (s)",
                        yaxis_title=f"requests per {BIN * 1000:.0f} ms", barmode="overlay",
                        title=f"Which limiter lets a burst through at the window edge? (seed {TRAFFIC_SEED})",
                        legend=dict(orientation="h", y=-0.25)),
        )
        return [self.answer, self.fig]

    def update(self, rate, burst, window, burst_size):
        self.view = view = limiter_view(rate, burst, window, burst_size)
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = view["bins"], view["offered"]
            for trace, name in zip(self.fig.data[1:], view["series"]):
                trace.x, trace.y = view["bins"], view["series"][name]
        self.answer.value = results_table(
            [(f"{view['requests']} requests offered", "admitted / 429 / peak per window / max delay")]
            + [(name, f"{r['admitted']} / {r['refused']} / {r['peak per window']} / {r['max delay']:.2f} s")
               for name, r in view["rows"].items()])


HOPS = ("gateway", "service", "database")


def budget_view(edge_timeout_ms, gateway_ms, service_ms, db_ms, gateway_timeout_ms, service_timeout_ms,
                db_timeout_ms, sidecar_ms) -> dict:
    """:func:`~course.communication.budget.latency_budget` for an edge → gateway → service → database chain."""
    return latency_budget(edge_timeout_ms, [("gateway", gateway_ms, gateway_timeout_ms),
                                            ("service", service_ms, service_timeout_ms),
                                            ("database", db_ms, db_timeout_ms)], sidecar_ms=sidecar_ms)


@register(
    name="ep15-latency-budget",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"db_ms": d} for d in (10.0, 100.0, 250.0, 400.0)]
        + [{"db_timeout_ms": t} for t in (100.0, 300.0, 700.0)]
        + [{"service_timeout_ms": t} for t in (200.0, 600.0, 1200.0)]
        + [{"sidecar_ms": s} for s in (0.0, 1.0, 5.0)]
        + [{"edge_timeout_ms": 0.0}, {"edge_timeout_ms": 1000.0}]
    ),
)
class LatencyBudgetPlanner(CourseWidget):
    """Per-hop latency and timeouts → the time spent at each hop, the slack left, the timeouts out of order."""

    title = "A latency budget across hops: edge → gateway → service → database"

    def controls(self):
        s = dict(step=5.0, min=0.0)
        return {
            "edge_timeout_ms": widgets.FloatSlider(value=1000.0, max=3000.0, description="edge timeout (ms)", **s),
            "gateway_ms": widgets.FloatSlider(value=5.0, max=100.0, description="gateway work (ms)", **s),
            "service_ms": widgets.FloatSlider(value=50.0, max=500.0, description="service work (ms)", **s),
            "db_ms": widgets.FloatSlider(value=100.0, max=1000.0, description="database work (ms)", **s),
            "gateway_timeout_ms": widgets.FloatSlider(value=900.0, max=3000.0, description="gateway timeout (ms)", **s),
            "service_timeout_ms": widgets.FloatSlider(value=600.0, max=3000.0, description="service timeout (ms)", **s),
            "db_timeout_ms": widgets.FloatSlider(value=300.0, max=3000.0, description="database timeout (ms)", **s),
            "sidecar_ms": widgets.FloatSlider(value=0.5, min=0.0, max=10.0, step=0.1,
                                              description="per sidecar proxy (ms)"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Bar(x=[], y=[], name="waits for (own work + everything below)", marker_color="#1f77b4"),
                  go.Scatter(x=[], y=[], mode="markers", name="its timeout",
                             marker=dict(symbol="line-ns-open", size=24, color="#d62728", line=dict(width=3)))],
            layout=dict(height=300, margin=dict(l=90, r=20, t=40, b=40), xaxis_title="ms",
                        title="Does every hop give up later than the hops it waits for?",
                        legend=dict(orientation="h", y=-0.3)),
        )
        self.fig.data[0].orientation = "h"
        return [self.answer, self.fig]

    def update(self, **values):
        self.view = view = budget_view(**values)
        names = ["edge"] + view["hops"]
        waits = [view["total_ms"]] + view["waits_ms"]
        timeouts = [values["edge_timeout_ms"], values["gateway_timeout_ms"], values["service_timeout_ms"],
                    values["db_timeout_ms"]]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = waits, names
            self.fig.data[1].x, self.fig.data[1].y = timeouts, names
        self.answer.value = results_table([
            ("total time under the edge (ms)", f"{view['total_ms']:.1f}"),
            ("slack under the edge timeout (ms)", f"{view['slack_ms']:.1f}"),
            ("problems", "none" if not view["violations"] else "; ".join(view["violations"])),
        ])
