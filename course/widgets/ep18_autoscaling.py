"""Episode 18 autoscaler tuner: thresholds, cooldown, consecutive readings and lag → SLO misses and cost.

A pure :func:`autoscaler_view` runs :func:`course.scaling.autoscaling.simulate_autoscaling` on a
seeded trace (one day, or six hours with a flash crowd; one value per minute) and the widget
draws load against ready capacity and the instances asked for.

>>> view = autoscaler_view("flash crowd", "threshold", 0.75, 0.40, 300.0, 3, 180.0, 0.6)
>>> view["run"].slo_miss_minutes > 0
True

Taught in: Ep18 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.scaling.autoscaling import HPARule, ThresholdRule, simulate_autoscaling
from course.scaling.traces import TRACES, trace_by_name
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep18-scaling/1-foundations"
_STYLE = {"description_width": "initial"}
TUNER_SEED = 18
#: Requests/s one instance serves flat out; the SLO holds while ready instances run at or below 85 %.
CAPACITY_PER_INSTANCE = 100.0
SLO_UTILIZATION = 0.85
PRICE_PER_HOUR = 0.10
RULES = ("threshold", "HPA")


def autoscaler_view(trace: str, rule: str, scale_up_at: float, scale_down_at: float, cooldown: float,
                    consecutive: int, provisioning_lag: float, target: float) -> dict:
    """The run of one controller on one seeded trace: per-minute load, ready capacity, instances.

    ``rule`` is ``threshold`` (scale_up_at, scale_down_at, cooldown s, consecutive readings) or
    ``HPA`` (target utilisation, 10 % tolerance, 300 s scale-down stabilisation).
    """
    if rule == "threshold":
        controller = ThresholdRule(scale_up_at, scale_down_at, step=1, consecutive=int(consecutive),
                                   cooldown=cooldown)
    elif rule == "HPA":
        controller = HPARule(target=target)
    else:
        raise ValueError(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    load = trace_by_name(trace, seed=TUNER_SEED)
    run = simulate_autoscaling(load, controller, provisioning_lag=provisioning_lag,
                               capacity_per_instance=CAPACITY_PER_INSTANCE, slo_utilization=SLO_UTILIZATION,
                               price_per_hour=PRICE_PER_HOUR)
    return {"minutes": np.arange(load.size), "run": run,
            "slo_capacity": run.ready * CAPACITY_PER_INSTANCE * SLO_UTILIZATION,
            "misses": np.flatnonzero(run.utilization > SLO_UTILIZATION)}


@register(
    name="ep18-autoscaler-tuner",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"trace": t, "rule": r} for t in TRACES for r in RULES]
        + [{"rule": "threshold", "scale_up_at": u} for u in (0.6, 0.7, 0.8, 0.9)]
        + [{"rule": "threshold", "cooldown": c} for c in (0.0, 60.0, 300.0, 900.0)]
        + [{"rule": "threshold", "consecutive": k} for k in (1, 3, 5)]
        + [{"provisioning_lag": lag} for lag in (0.0, 60.0, 300.0, 600.0)]
        + [{"rule": "HPA", "target": t} for t in (0.4, 0.6, 0.8)]
        + [{"rule": "threshold", "scale_up_at": 0.5, "scale_down_at": 0.6}]   # bad: no hysteresis gap
        + [{"rule": "threshold", "trace": "flash crowd", "scale_up_at": 0.75, "scale_down_at": 0.4,
            "cooldown": 300.0, "consecutive": 3, "provisioning_lag": 180.0}]
    ),
)
class AutoscalerTuner(CourseWidget):
    """Tune a threshold rule or the HPA rule on a seeded trace; read SLO-miss minutes, cost and flapping."""

    title = "Autoscaler tuner: thresholds, cooldown, readings and provisioning lag → SLO misses and cost"

    def controls(self):
        return {
            "trace": widgets.Dropdown(options=list(TRACES), value="flash crowd", description="trace", style=_STYLE),
            "rule": widgets.Dropdown(options=list(RULES), value="threshold", description="rule", style=_STYLE),
            "scale_up_at": widgets.FloatSlider(value=0.75, min=0.3, max=1.0, step=0.05,
                                               description="scale out above (utilisation)", style=_STYLE),
            "scale_down_at": widgets.FloatSlider(value=0.40, min=0.05, max=0.95, step=0.05,
                                                 description="scale in below (utilisation)", style=_STYLE),
            "cooldown": widgets.FloatSlider(value=300.0, min=0.0, max=1200.0, step=60.0,
                                            description="cooldown (s)", style=_STYLE),
            "consecutive": widgets.IntSlider(value=3, min=1, max=10, description="consecutive readings",
                                             style=_STYLE),
            "provisioning_lag": widgets.FloatSlider(value=180.0, min=0.0, max=900.0, step=60.0,
                                                    description="provisioning lag (s)", style=_STYLE),
            "target": widgets.FloatSlider(value=0.6, min=0.2, max=0.9, step=0.05,
                                          description="HPA target utilisation", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(data=[
            go.Scatter(x=[0, 1], y=[0, 0], mode="lines", name="load (requests/s)"),
            go.Scatter(x=[0, 1], y=[0, 0], mode="lines", line=dict(shape="hv"),
                       name=f"ready capacity at the SLO ({SLO_UTILIZATION:.0%} of ready instances)"),
            go.Scatter(x=[0], y=[0], mode="markers", marker=dict(color="crimson", size=5), name="SLO-miss minute"),
            go.Scatter(x=[0, 1], y=[0, 0], mode="lines", line=dict(shape="hv", dash="dot"),
                       name="instances asked for (right axis)", yaxis="y2"),
        ])
        self.fig.update_layout(
            title="Does capacity keep up with load, and at what cost?", height=420,
            xaxis_title="time (minutes)", yaxis_title="requests per second",
            yaxis2=dict(title="instances", overlaying="y", side="right", rangemode="tozero"),
            margin=dict(l=60, r=60, t=50, b=50), legend=dict(orientation="h", y=-0.25))
        return [self.answer, self.fig]

    def update(self, trace, rule, scale_up_at, scale_down_at, cooldown, consecutive, provisioning_lag, target):
        threshold = rule == "threshold"
        for name in ("scale_up_at", "scale_down_at", "cooldown", "consecutive"):
            self.inputs[name].disabled = not threshold
        self.inputs["target"].disabled = threshold
        self.view = view = autoscaler_view(trace, rule, scale_up_at, scale_down_at, cooldown, consecutive,
                                           provisioning_lag, target)
        run = view["run"]
        with self.fig.batch_update():
            self.fig.data[0].x = view["minutes"]
            self.fig.data[0].y = run.load
            self.fig.data[1].x = view["minutes"]
            self.fig.data[1].y = view["slo_capacity"]
            self.fig.data[2].x = view["misses"]
            self.fig.data[2].y = run.load[view["misses"]]
            self.fig.data[3].x = view["minutes"]
            self.fig.data[3].y = run.requested
        self.answer.value = results_table([
            ("SLO-miss minutes (ready instances above 85 %)", f"{run.slo_miss_minutes}"),
            ("instance-hours paid (booting included)", f"{run.instance_hours:,.1f}"),
            (f"cost at ${PRICE_PER_HOUR:.2f} per instance-hour", f"${run.cost:,.2f}"),
            ("scaling actions", f"{run.scaling_actions}"),
            ("reversals (up↔down): flapping", f"{run.reversals}"),
        ])
