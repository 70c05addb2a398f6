"""Episode 19 widget: function (FaaS) against always-on servers — the break-even request rate.

A pure :func:`break_even_view` computes both monthly bills over a log grid of request rates from
the dated AWS Lambda price sheet (:mod:`course.architecture.prices`) and a server price the
learner sets (labelled as theirs, not AWS's); the widget draws the line, the staircase, a band for
durations half and twice as long, and the crossing. The cold-start explorer is in
:mod:`course.widgets.ep19_coldstart`, the watermark explorer in :mod:`course.widgets.ep19_watermark`.

>>> view = break_even_view(duration_ms=100, memory_mb=512, server_price_per_hour=0.10, server_capacity=100)
>>> round(view["break_even"], 2)
26.88

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.architecture.prices import LAMBDA_X86_US_EAST_1
from course.architecture.serverless import (
    always_on_monthly_cost,
    break_even_with_capacity,
    faas_monthly_cost,
    servers_needed,
)
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep19-architecture/1-foundations"
_STYLE = {"description_width": "initial"}
#: Request rates drawn: 0.01 … 10,000 per second, 121 points on a log grid.
RATES = np.logspace(-2, 4, 121)


def break_even_view(duration_ms: float, memory_mb: float, server_price_per_hour: float,
                    server_capacity: float) -> dict:
    """Monthly USD of the function and of always-on servers over :data:`RATES`, and the break-even rate.

    ``duration_ms`` per request (billed per ms), ``memory_mb`` 128 … 10,240, the server's price per
    hour (USD) and the requests per second one server carries.
    """
    if not 128 <= memory_mb <= 10_240:
        raise ValueError(f"memory_mb must be in 128 … 10,240 (the function's memory range); got {memory_mb:g}")
    if not 1 <= duration_ms <= 900_000:
        raise ValueError(f"duration_ms must be in 1 … 900,000 (the 15-minute limit); got {duration_ms:g}")
    sheet, memory_gb, duration_s = LAMBDA_X86_US_EAST_1, memory_mb / 1024, duration_ms / 1000
    faas = np.array([faas_monthly_cost(r, duration_s, memory_gb, sheet) for r in RATES])
    low = np.array([faas_monthly_cost(r, max(duration_s / 2, 0.001), memory_gb, sheet) for r in RATES])
    high = np.array([faas_monthly_cost(r, duration_s * 2, memory_gb, sheet) for r in RATES])
    servers = np.array([servers_needed(r, server_capacity) for r in RATES])
    always = servers * always_on_monthly_cost(server_price_per_hour)
    crossing = break_even_with_capacity(duration_s, memory_gb, server_price_per_hour, server_capacity, sheet)
    band = [break_even_with_capacity(d, memory_gb, server_price_per_hour, server_capacity, sheet)
            for d in (duration_s * 2, max(duration_s / 2, 0.001))]
    return {"rates": RATES, "faas": faas, "faas_low": low, "faas_high": high, "always_on": always,
            "break_even": crossing, "band": band, "concurrency": crossing * duration_s if math.isfinite(crossing) else math.inf}


@register(
    name="ep19-faas-break-even",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"duration_ms": d} for d in (10, 50, 100, 200, 500, 1000, 2000)]
        + [{"memory_mb": m} for m in (128, 256, 512, 1024, 2048, 4096)]
        + [{"server_price_per_hour": p} for p in (0.02, 0.05, 0.10, 0.20, 0.40)]
        + [{"server_capacity": c} for c in (10, 50, 100, 200, 500)]
        + [{"memory_mb": 64}]                                     # bad: below the memory range
        + [{"duration_ms": 100, "memory_mb": 512, "server_price_per_hour": 0.10, "server_capacity": 100}]
    ),
)
class FaasBreakEven(CourseWidget):
    """Duration, memory, server price and capacity → both monthly bills and the break-even request rate."""

    title = "Function or always-on server? Monthly cost against request rate (AWS Lambda prices read 2026-12-05)"

    def controls(self):
        return {
            "duration_ms": widgets.FloatLogSlider(value=100, base=10, min=0, max=4, step=0.1,
                                                  description="duration per request (ms)", style=_STYLE),
            "memory_mb": widgets.IntSlider(value=512, min=64, max=4096, step=64,
                                           description="function memory (MB)", style=_STYLE),
            "server_price_per_hour": widgets.FloatSlider(value=0.10, min=0.01, max=1.0, step=0.01,
                                                         description="server price (USD/hour, yours)", style=_STYLE),
            "server_capacity": widgets.FloatLogSlider(value=100, base=10, min=0, max=4, step=0.1,
                                                      description="one server carries (requests/s)", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        x = list(RATES)
        flat = np.ones(len(x))
        self.fig = go.FigureWidget(data=[
            go.Scatter(x=x, y=flat, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip"),
            go.Scatter(x=x, y=flat, mode="lines", line=dict(width=0), fill="tonexty",
                       fillcolor="rgba(31,119,180,0.2)", name="function, duration ÷2 … ×2"),
            go.Scatter(x=x, y=flat, mode="lines", line=dict(color="rgb(31,119,180)"), name="function (FaaS)"),
            go.Scatter(x=x, y=flat, mode="lines", line=dict(shape="hv", color="black"),
                       name="always-on servers, enough to carry the rate"),
            go.Scatter(x=[1.0], y=[1.0], mode="markers", marker=dict(size=14, symbol="star", color="crimson"),
                       name="break-even"),
        ])
        self.fig.update_layout(
            title="At what request rate does a server become cheaper than the function?", height=420,
            xaxis_title="request rate (requests per second, log axis)", xaxis_type="log",
            yaxis_title="cost per month (USD, log axis)", yaxis_type="log", xaxis_exponentformat="power",
            yaxis_exponentformat="power", margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25))
        return [self.answer, self.fig]

    def update(self, duration_ms, memory_mb, server_price_per_hour, server_capacity):
        self.view = view = break_even_view(duration_ms, memory_mb, server_price_per_hour, server_capacity)
        crossing = view["break_even"]
        with self.fig.batch_update():
            self.fig.data[0].y = view["faas_low"]
            self.fig.data[1].y = view["faas_high"]
            self.fig.data[2].y = view["faas"]
            self.fig.data[3].y = view["always_on"]
            finite = math.isfinite(crossing)
            self.fig.data[4].visible = finite
            if finite:
                self.fig.data[4].x = [crossing]
                self.fig.data[4].y = [always_on_monthly_cost(server_price_per_hour)]
        low, high = view["band"]
        fmt = lambda r: "never (function cheaper)" if not math.isfinite(r) else f"{r:,.2f} requests/s"  # noqa: E731
        self.answer.value = results_table([
            ("break-even rate", fmt(crossing)),
            ("… with duration ×2 / ÷2", f"{fmt(low)} / {fmt(high)}"),
            ("requests a month at break-even", "—" if not finite else f"{crossing * 3600 * 730:,.0f}"),
            ("mean concurrent executions there (rate × duration)",
             "—" if not finite else f"{view['concurrency']:,.1f}"),
            ("prices", "AWS Lambda x86 US East, read 2026-12-05; server price is your assumption"),
        ])
