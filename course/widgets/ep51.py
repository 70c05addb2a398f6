"""Episode 51 calculators: Little's law, queues, Erlang C staffing, wait surface, capacity money.

Each widget is a thin view: the numbers come from :mod:`course.queueing.littles_law` and
:mod:`course.queueing.markovian`; the widget only turns control values into model calls and writes
the results into FigureWidgets in place. Slider positions that make no sense (an unstable
queue, a negative rate) show the model's ValueError as a message and leave the figure as
it was — never an infinity or a NaN on screen.

>>> explorer = QueueExplorer()
>>> explorer.set(model="M/M/1", utilization=0.9, service_time_ms=100.0)
>>> round(explorer.quantities["W"], 6)          # W = S/(1 − ρ) = 100 ms / 0.1
1000.0
>>> explorer.set(utilization=1.0); "stable queue" in explorer.error
True

Taught in: Ep51 · 1-foundations (Little, queues, Erlang C, surface) and 3-strategy (capacity
cost, decision weights). The USL fit explorer lives in :mod:`course.widgets.ep51_usl`.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from course.capacity.costs import CapacityCosts, decision_table, headroom_table
from course.queueing.general import md1
from course.queueing.littles_law import solve
from course.queueing.markovian import (
    hockey_stick,
    mm1,
    mmc,
    servers_for_service_level,
    wait_surface,
)
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-3/ep51-mathematics-of-scale/1-foundations"
PERCENTILES = (0.50, 0.95, 0.99)
_STYLE = {"description_width": "initial"}
#: Slider readouts in dollars (d3-format): "$0.50", "$0.0002", not "0.50" or "2.00e-4".
DOLLARS = "$,.2f"
DOLLARS_FINE = "$,.4f"


def _unstable(setting: str, utilization: float) -> ValueError:
    """The message for ρ ≥ 1, naming the learner's own control."""
    return ValueError(
        f"{setting} gives ρ (utilisation) = {utilization:.3g}, but ρ must be < 1 for a stable queue: "
        "work arrives at least as fast as it is served and the queue grows without bound"
    )


def _figure(title: str, x_title: str, y_title: str, traces, height: int = 360) -> go.FigureWidget:
    fig = go.FigureWidget(data=traces)
    fig.update_layout(
        title=title, xaxis_title=x_title, yaxis_title=y_title, height=height,
        margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25),
    )
    return fig


# --------------------------------------------------------------------------- Little's law

_LITTLE_NAMES = {"L": "L (items in the system)", "arrival_rate": "λ (arrivals per s)",
                 "W": "W (seconds in the system)"}


@register(
    name="ep51-littles-law",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"solve_for": "L", "arrival_rate": float(rate), "W": 0.2} for rate in range(0, 2001, 250)]
        + [{"solve_for": "W", "L": float(items), "arrival_rate": 3000.0} for items in (0, 45, 90, 180)]
        + [{"solve_for": "arrival_rate", "L": 2.0, "W": w} for w in (0.005, 0.01, 0.02)]
        + [{"solve_for": "L", "arrival_rate": -5.0, "W": 0.2},        # bad: negative rate
           {"solve_for": "W", "L": 10.0, "arrival_rate": 0.0},        # bad: divide by λ = 0
           {"solve_for": "arrival_rate", "L": 10.0, "W": 0.0},        # bad: divide by W = 0
           {"solve_for": "L", "arrival_rate": 1000.0, "W": 0.2}]
    ),
)
class LittlesLawSolver(CourseWidget):
    """Give two of L, λ, W; read the third (L = λW), with the straight line L(λ) at this W.

    >>> solver = LittlesLawSolver()
    >>> solver.set(solve_for="L", arrival_rate=3000.0, W=0.030); round(solver.result.L, 9)
    90.0
    """

    title = "Little's law: L = λ·W (pick the unknown, type the other two)"

    def controls(self):
        return {
            "solve_for": widgets.Dropdown(
                options=[(label, key) for key, label in _LITTLE_NAMES.items()], value="L",
                description="solve for", style=_STYLE),
            "L": widgets.FloatText(value=200.0, description="L (items)", style=_STYLE),
            "arrival_rate": widgets.FloatText(value=1000.0, description="λ (per s)", style=_STYLE),
            "W": widgets.FloatText(value=0.2, description="W (s)", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "L grows in proportion to λ at a fixed time in system W", "arrival rate λ (per s)",
            "items in the system L",
            [go.Scatter(x=[0.0, 1.0], y=[0.0, 1.0], mode="lines", name="L = λ·W"),
             go.Scatter(x=[0.0], y=[0.0], mode="markers", marker=dict(size=12), name="your system")],
        )
        return [self.answer, self.fig]

    def update(self, solve_for, L, arrival_rate, W):
        given = {"L": L, "arrival_rate": arrival_rate, "W": W}
        given[solve_for] = None
        for name, control in self.inputs.items():
            if name != "solve_for":
                control.disabled = name == solve_for
        self.result = solve(**given)
        top = max(2.0 * self.result.arrival_rate, 1.0)
        with self.fig.batch_update():
            self.fig.data[0].x = [0.0, top]
            self.fig.data[0].y = [0.0, top * self.result.W]
            self.fig.data[1].x = [self.result.arrival_rate]
            self.fig.data[1].y = [self.result.L]
        self.answer.value = results_table([
            (_LITTLE_NAMES["L"], f"{self.result.L:,.6g}"),
            (_LITTLE_NAMES["arrival_rate"], f"{self.result.arrival_rate:,.6g}"),
            (_LITTLE_NAMES["W"], f"{self.result.W:,.6g}"),
        ])


# --------------------------------------------------------------------------- queue explorer

MODELS = ("M/M/1", "M/D/1", "M/M/c")
_CURVE_UTILIZATIONS = np.linspace(0.01, 0.97, 97)


def _queue(model: str, utilization: float, service_rate: float, servers: int):
    """The model object at this utilisation (arrival rate = ρ·c·μ)."""
    if model == "M/M/1":
        return mm1(utilization * service_rate, service_rate)
    if model == "M/D/1":
        return md1(utilization * service_rate, service_rate)
    if model == "M/M/c":
        return mmc(utilization * servers * service_rate, service_rate, servers)
    raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")


@register(
    name="ep51-queue-explorer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"model": m, "utilization": u / 100, "servers": 4, "service_time_ms": 50.0}
         for m in MODELS for u in range(1, 101, 3)]
        + [{"model": "M/M/c", "utilization": 0.8, "servers": c, "service_time_ms": 50.0}
           for c in (1, 2, 8, 16, 32, 64)]
        + [{"model": "M/M/1", "utilization": 0.8, "service_time_ms": s} for s in (1.0, 100.0, 500.0)]
        + [{"model": m, "utilization": 1.0} for m in MODELS]                 # bad: ρ = 1
        + [{"model": "M/M/1", "utilization": 0.8, "servers": 4, "service_time_ms": 50.0}]
    ),
)
class QueueExplorer(CourseWidget):
    """Move ρ and watch W, Wq, L and the response-time percentiles climb the hockey stick.

    Times are in milliseconds. M/D/1 (constant service) has no simple closed form for
    its response-time percentiles, so the explorer shows its means only.
    """

    title = "Queue explorer: utilisation → waiting (the hockey stick)"

    def controls(self):
        return {
            "model": widgets.Dropdown(options=list(MODELS), value="M/M/1", description="model"),
            "utilization": widgets.FloatSlider(value=0.8, min=0.01, max=1.0, step=0.01,
                                               description="ρ (utilisation)", style=_STYLE),
            "servers": widgets.IntSlider(value=4, min=1, max=64, description="servers c (M/M/c)",
                                         style=_STYLE),
            "service_time_ms": widgets.FloatSlider(value=50.0, min=1.0, max=500.0, step=1.0,
                                                   description="service time S (ms)", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Mean response time W against utilisation ρ", "utilisation ρ", "time (ms)",
            [go.Scatter(x=[0.0], y=[0.0], mode="lines", name="mean response time W"),
             go.Scatter(x=[0.0], y=[0.0], mode="lines", line=dict(dash="dash"),
                        name="95th percentile of response time"),
             go.Scatter(x=[0.0], y=[0.0], mode="markers", marker=dict(size=12), name="current ρ")],
        )
        self._curve_key = self._drawn_curve = None
        return [self.answer, self.fig]

    def _curve(self, model, servers, service_rate):
        """W and p95 (ms) over the ρ grid; recomputed only when the model, c or S change."""
        key = (model, servers, service_rate)
        if key != self._curve_key:
            if model == "M/D/1":
                w = np.array([md1(u * service_rate, service_rate).w for u in _CURVE_UTILIZATIONS])
                p95 = None
            else:
                grid = hockey_stick(service_rate, _CURVE_UTILIZATIONS,
                                    servers=servers if model == "M/M/c" else 1)
                w, p95 = grid["w"].to_numpy(), grid["p95"].to_numpy()
            self._curve_cache = (1000.0 * w, None if p95 is None else 1000.0 * p95)
            self._curve_key = key
        return self._curve_cache

    def update(self, model, utilization, servers, service_time_ms):
        if not service_time_ms > 0:
            raise ValueError(f"service_time_ms must be > 0; got {service_time_ms:g}")
        service_rate = 1000.0 / service_time_ms        # per second
        self.inputs["servers"].disabled = model != "M/M/c"
        if utilization >= 1:
            raise ValueError(
                f"ρ (utilisation) = {utilization:g}: ρ must be < 1 for a stable queue — work arrives "
                "as fast as it is served and the queue grows without bound; move ρ below 1"
            )
        queue = _queue(model, utilization, service_rate, servers)
        w_curve, p95_curve = self._curve(model, servers, service_rate)
        self.quantities = {"W": 1000 * queue.w, "Wq": 1000 * queue.wq, "L": queue.l, "Lq": queue.lq}
        percentiles = {}
        if model != "M/D/1":
            percentiles = {p: 1000 * queue.response_time_quantile(p) for p in PERCENTILES}
        self.quantities.update({f"p{round(100 * p)}": t for p, t in percentiles.items()})
        with self.fig.batch_update():
            # Moving ρ alone only moves the marker: the curve is redrawn when model, c or S change.
            if self._drawn_curve != self._curve_key:
                self.fig.data[0].x = _CURVE_UTILIZATIONS
                self.fig.data[0].y = w_curve
                self.fig.data[1].visible = p95_curve is not None
                self.fig.data[1].x = _CURVE_UTILIZATIONS
                self.fig.data[1].y = w_curve if p95_curve is None else p95_curve
                self._drawn_curve = self._curve_key
            self.fig.data[2].x = [utilization]
            self.fig.data[2].y = [1000 * queue.w]
        rows = [("arrival rate λ (per s)", f"{queue.arrival_rate:,.2f}"),
                ("mean response time W (ms)", f"{1000 * queue.w:,.2f}"),
                ("mean wait in queue Wq (ms)", f"{1000 * queue.wq:,.2f}"),
                ("mean number in system L", f"{queue.l:,.3f}"),
                ("mean number waiting Lq", f"{queue.lq:,.3f}")]
        if percentiles:
            rows += [(f"p{round(100 * p)} response time (ms)", f"{t:,.2f}") for p, t in percentiles.items()]
        else:
            rows.append(("percentiles", "not shown for M/D/1 (no simple closed form)"))
        self.answer.value = results_table(rows)


# --------------------------------------------------------------------------- Erlang C staffing

@register(
    name="ep51-erlang-staffing",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"arrival_rate": float(r), "service_time": 0.2, "target_time": 0.05, "target_level": 0.9}
         for r in (1, 10, 50, 100, 200, 400)]
        + [{"arrival_rate": 50.0, "service_time": s, "target_time": 0.05, "target_level": 0.9}
           for s in (0.01, 0.1, 0.5, 1.0)]
        + [{"arrival_rate": 50.0, "service_time": 0.2, "target_time": t, "target_level": lv}
           for t in (0.0, 0.02, 0.2, 1.0) for lv in (0.5, 0.8, 0.95, 0.99)]
        + [{"arrival_rate": 0.0, "service_time": 0.2, "target_time": 0.05, "target_level": 0.9},  # bad
           {"arrival_rate": 50.0, "service_time": 0.2, "target_time": 0.05, "target_level": 1.0},  # bad
           {"arrival_rate": 50.0, "service_time": 0.2, "target_time": 0.05, "target_level": 0.9}]
    ),
)
class ErlangStaffing(CourseWidget):
    """Service-level target → servers: the smallest c with P(wait ≤ t) ≥ target (Erlang C)."""

    title = "Erlang C staffing: how many servers answer X % within t?"

    def controls(self):
        return {
            "arrival_rate": widgets.BoundedFloatText(value=50.0, min=0.0, max=500.0, step=1.0,
                                                     description="λ (per s)", style=_STYLE),
            "service_time": widgets.BoundedFloatText(value=0.2, min=0.001, max=2.0, step=0.01,
                                                     description="service time S (s)", style=_STYLE),
            "target_time": widgets.BoundedFloatText(value=0.05, min=0.0, max=60.0, step=0.01,
                                                    description="answer within t (s)", style=_STYLE),
            "target_level": widgets.FloatSlider(value=0.9, min=0.5, max=1.0, step=0.01,
                                                description="target service level", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Service level P(wait ≤ t) against the number of servers", "servers c",
            "service level",
            [go.Bar(x=[1], y=[0.0], name="service level"),
             go.Scatter(x=[1, 2], y=[0.9, 0.9], mode="lines", line=dict(dash="dash"), name="target"),
             go.Scatter(x=[1], y=[0.0], mode="markers", marker=dict(size=14, symbol="star"),
                        name="servers needed")],
        )
        self.fig.update_yaxes(range=[0, 1.02])
        return [self.answer, self.fig]

    def update(self, arrival_rate, service_time, target_time, target_level):
        if not arrival_rate > 0:
            raise ValueError(f"arrival_rate must be > 0; got {arrival_rate:g}")
        if not service_time > 0:
            raise ValueError(f"service_time must be > 0; got {service_time:g}")
        service_rate = 1.0 / service_time
        needed = servers_for_service_level(arrival_rate, service_rate, target_time, target_level)
        load = arrival_rate * service_time
        first = math.floor(load) + 1
        # Show the stable pools up to a few past the answer (at most 40 bars).
        counts = np.arange(max(first, needed - 30), needed + 6)
        levels = np.array([mmc(arrival_rate, service_rate, int(c)).service_level(target_time)
                           for c in counts])
        self.needed = needed
        with self.fig.batch_update():
            self.fig.data[0].x = counts
            self.fig.data[0].y = levels
            self.fig.data[1].x = [counts[0] - 0.5, counts[-1] + 0.5]
            self.fig.data[1].y = [target_level, target_level]
            self.fig.data[2].x = [needed]
            self.fig.data[2].y = [levels[counts == needed][0]]
        chosen = mmc(arrival_rate, service_rate, needed)
        self.answer.value = results_table([
            ("offered load A = λS (Erlangs)", f"{load:,.3f}"),
            ("servers needed", f"{needed}"),
            ("utilisation at that size", f"{chosen.utilization:.1%}"),
            ("probability of waiting (Erlang C)", f"{chosen.p_wait:.2%}"),
            (f"service level P(wait ≤ {target_time:g} s)", f"{chosen.service_level(target_time):.2%}"),
            ("mean wait Wq (s)", f"{chosen.wq:.4g}"),
        ])


# --------------------------------------------------------------------------- 3-D wait surface

_SURFACE_POINTS = 40


@register(
    name="ep51-wait-surface",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"service_time_ms": s, "max_servers": 32, "max_utilization": 0.95}
         for s in (1.0, 10.0, 50.0, 100.0, 250.0, 500.0)]
        + [{"service_time_ms": 50.0, "max_servers": c, "max_utilization": 0.95} for c in (2, 8, 16, 64)]
        + [{"service_time_ms": 50.0, "max_servers": 16, "max_utilization": u}
           for u in (0.5, 0.8, 0.9, 0.99)]
        + [{"service_time_ms": 50.0, "max_servers": 16, "max_utilization": 1.0},   # bad: ρ = 1
           {"service_time_ms": 50.0, "max_servers": 16, "max_utilization": 0.9}]
    ),
)
class WaitSurface(CourseWidget):
    """Mean wait Wq (ms) over utilisation ρ and servers c: pooling flattens the hockey stick."""

    title = "Mean wait Wq over utilisation and number of servers (M/M/c)"

    def controls(self):
        return {
            "service_time_ms": widgets.FloatSlider(value=50.0, min=1.0, max=500.0, step=1.0,
                                                   description="service time S (ms)", style=_STYLE),
            "max_servers": widgets.IntSlider(value=32, min=2, max=64, description="servers up to",
                                             style=_STYLE),
            "max_utilization": widgets.FloatSlider(value=0.95, min=0.5, max=1.0, step=0.01,
                                                   description="ρ up to", style=_STYLE),
        }

    def figures(self):
        self.fig = go.FigureWidget(data=[go.Surface(x=[0.0, 1.0], y=[1, 2], z=[[0.0, 0.0], [0.0, 0.0]],
                                                    colorscale="Viridis", colorbar=dict(title="Wq (ms)"))])
        self.fig.update_layout(
            title="Mean wait Wq (ms) over utilisation ρ and servers c", height=520,
            margin=dict(l=0, r=0, t=50, b=0),
            scene=dict(xaxis_title="utilisation ρ", yaxis_title="servers c", zaxis_title="Wq (ms)"),
        )
        return [self.fig]

    def update(self, service_time_ms, max_servers, max_utilization):
        if not service_time_ms > 0:
            raise ValueError(f"service_time_ms must be > 0; got {service_time_ms:g}")
        if max_utilization >= 1:
            raise _unstable(f"ρ up to = {max_utilization:g}", max_utilization)
        utilizations = np.linspace(0.05, max_utilization, _SURFACE_POINTS)
        servers = np.arange(1, max_servers + 1)
        wq = 1000.0 * wait_surface(utilizations, servers, service_rate=1000.0 / service_time_ms)
        self.wq = wq
        with self.fig.batch_update():
            # Surface wants z[row = y][column = x]: rows are server counts.
            self.fig.data[0].x = utilizations
            self.fig.data[0].y = servers
            self.fig.data[0].z = wq.T


# --------------------------------------------------------------------------- capacity in money

STRATEGY = "series-3/ep51-mathematics-of-scale/3-strategy"


@register(
    name="ep51-capacity-cost",
    notebook=STRATEGY,
    sweep=lambda: (
        [{"arrival_rate": float(r), "servers": 60} for r in (100, 400, 800, 1000, 1100, 1500, 2000)]
        + [{"arrival_rate": 1000.0, "service_time_ms": s, "servers": 60} for s in (10.0, 50.0, 100.0)]
        + [{"arrival_rate": 1000.0, "service_time_ms": 50.0, "target_time_ms": t, "servers": 55}
           for t in (60.0, 100.0, 200.0, 500.0, 1000.0)]
        + [{"server_cost_per_hour": c, "penalty_per_late_request": p, "target_time_ms": 200.0}
           for c in (0.1, 0.5, 2.0, 5.0) for p in (0.0, 0.0002, 0.002, 0.01)]
        + [{"arrival_rate": 1000.0, "service_time_ms": 50.0, "servers": c} for c in range(45, 81, 5)]
        + [{"arrival_rate": 1000.0, "service_time_ms": 50.0, "servers": 55}]
    ),
)
class CapacityCostCurve(CourseWidget):
    """Hourly cost of servers plus SLA penalties against pool size, with the cheapest pool marked.

    The ``servers`` slider picks a plan to inspect; a pool that cannot keep up (λ ≥ cμ)
    shows the model's message instead of a cost.
    """

    title = "Capacity in money: servers against SLA penalties"

    def controls(self):
        return {
            "arrival_rate": widgets.FloatSlider(value=1000.0, min=50.0, max=2000.0, step=10.0,
                                                description="λ (req/s)", style=_STYLE),
            "service_time_ms": widgets.FloatSlider(value=50.0, min=5.0, max=100.0, step=1.0,
                                                   description="service time (ms)", style=_STYLE),
            "target_time_ms": widgets.FloatSlider(value=200.0, min=20.0, max=1000.0, step=10.0,
                                                  description="SLA target (ms)", style=_STYLE),
            "server_cost_per_hour": widgets.FloatSlider(value=0.5, min=0.05, max=5.0, step=0.05,
                                                        readout_format=DOLLARS,
                                                        description="cost per server-hour ($)", style=_STYLE),
            "penalty_per_late_request": widgets.FloatSlider(
                value=0.0002, min=0.0, max=0.01, step=0.0001, readout_format=DOLLARS_FINE,
                description="penalty per late request ($)", style=_STYLE),
            "servers": widgets.IntSlider(value=55, min=1, max=200, description="inspect a pool of c servers",
                                         style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Cost per hour against the number of servers", "servers c", "cost (dollars per hour)",
            [go.Scatter(x=[1], y=[0.0], mode="lines", name="servers"),
             go.Scatter(x=[1], y=[0.0], mode="lines", name="SLA penalties"),
             go.Scatter(x=[1], y=[0.0], mode="lines+markers", name="total"),
             go.Scatter(x=[1], y=[0.0], mode="markers", marker=dict(size=14, symbol="star"),
                        name="cheapest"),
             go.Scatter(x=[1], y=[0.0], mode="markers", marker=dict(size=12, symbol="circle-open"),
                        name="inspected plan")],
        )
        self.fig.update_yaxes(tickprefix="$")
        return [self.answer, self.fig]

    def update(self, arrival_rate, service_time_ms, target_time_ms, server_cost_per_hour,
               penalty_per_late_request, servers):
        plan = CapacityCosts(arrival_rate, 1000.0 / service_time_ms, target_time_ms / 1000.0,
                             server_cost_per_hour, penalty_per_late_request)
        capacity = servers * 1000.0 / service_time_ms
        if arrival_rate >= capacity:
            pool = f"{servers} server{'s' if servers != 1 else ''}"
            raise _unstable(f"λ = {arrival_rate:,.0f} req/s on {pool} of {service_time_ms:g} ms "
                            f"(at most {capacity:,.0f} req/s)", arrival_rate / capacity)
        inspected = plan.hourly_cost(servers)
        table = plan.table()
        best = table.loc[table["total_cost"].idxmin()]
        self.table, self.cheapest = table, int(best["servers"])
        with self.fig.batch_update():
            for trace, column in zip(self.fig.data[:3], ("server_cost", "penalty_cost", "total_cost")):
                trace.x = table["servers"].to_numpy()
                trace.y = table[column].to_numpy()
            self.fig.data[3].x = [self.cheapest]
            self.fig.data[3].y = [best["total_cost"]]
            self.fig.data[4].x = [servers]
            self.fig.data[4].y = [inspected["total_cost"]]
        self.answer.value = results_table([
            ("cheapest pool", f"{self.cheapest} servers at ${best['total_cost']:,.2f}/h "
                              f"(utilisation {best['utilization']:.1%})"),
            (f"inspected: {servers} servers", f"${inspected['total_cost']:,.2f}/h = "
                                              f"${inspected['server_cost']:,.2f} servers + "
                                              f"${inspected['penalty_cost']:,.2f} penalties"),
            ("share of requests late at that size", f"{inspected['late_share']:.2%}"),
        ])


DEFAULT_WEIGHTS = {"cost_per_hour": 2.0, "p95_ms": 1.0, "headroom_pct": 2.0, "operational_risk": 1.0}
#: The criteria of :func:`default_capacity_plans` in words, with their units.
CRITERIA_WORDS = {"cost_per_hour": "cost ($ per hour)", "p95_ms": "p95 latency (ms)",
                  "headroom_pct": "headroom (%)", "operational_risk": "operational risk (1–5)"}


def criterion_words(name: str) -> str:
    """A criterion's name as a learner reads it, with its unit.

    >>> criterion_words("p95_ms"), criterion_words("energy_kwh")
    ('p95 latency (ms)', 'energy kwh')
    """
    return CRITERIA_WORDS.get(name, str(name).replace("_", " "))


def default_capacity_plans() -> tuple:
    """The 3-strategy example: 52, 55 and 60 servers at 1,000 req/s with 50 ms service.

    Returns (criteria DataFrame, better-direction dict). ``operational_risk`` is a 1–5
    judgement (an assumption to edit), the other columns are computed by the models.
    """
    table = headroom_table(1000.0, 20.0, [52, 55, 60], quantile=0.95, target_time=0.2)
    criteria = pd.DataFrame(
        {
            "cost_per_hour": table["servers"].to_numpy() * 0.5,
            "p95_ms": 1000.0 * table["quantile_time"].to_numpy(),
            "headroom_pct": 100.0 * table["headroom"].to_numpy(),
            "operational_risk": [4.0, 2.0, 1.0],
        },
        index=[f"{c} servers" for c in table["servers"]],
    )
    better = {"cost_per_hour": "lower", "p95_ms": "lower", "headroom_pct": "higher",
              "operational_risk": "lower"}
    return criteria, better


@register(
    name="ep51-decision-weights",
    notebook=STRATEGY,
    sweep=lambda: (
        [{"cost_per_hour": w} for w in (0.0, 1.0, 2.0, 5.0)]
        + [{"headroom_pct": w, "p95_ms": v} for w in (0.0, 3.0, 5.0) for v in (0.0, 2.0)]
        + [{"cost_per_hour": 0.0, "p95_ms": 0.0, "headroom_pct": 0.0, "operational_risk": 0.0}]  # bad
        + [dict(DEFAULT_WEIGHTS)]
    ),
)
class DecisionWeights(CourseWidget):
    """Re-weight a decision table with sliders; bars show each option's weighted score (0–1)."""

    title = "Decision table: move the weights, watch the ranking"

    def __init__(self, criteria=None, better=None, weights=None):
        if criteria is None:
            criteria, better = default_capacity_plans()
        self.criteria, self.better = criteria, dict(better)
        self.start_weights = dict(weights or DEFAULT_WEIGHTS)
        super().__init__()

    def controls(self):
        return {name: widgets.FloatSlider(value=float(self.start_weights.get(name, 1.0)), min=0.0,
                                          max=5.0, step=0.5, description=f"weight of {criterion_words(name)}",
                                          style=_STYLE)
                for name in self.criteria.columns}

    def figures(self):
        self.answer = widgets.HTML()
        names = list(self.criteria.index)
        self.fig = _figure("Weighted score per option (1 = best on every criterion)", "option",
                           "weighted score", [go.Bar(x=names, y=[0.0] * len(names), name="score")])
        self.fig.update_yaxes(range=[0, 1.05])
        return [self.answer, self.fig]

    def update(self, **weights):
        self.table = decision_table(self.criteria, weights, self.better)
        ordered = self.table.loc[list(self.criteria.index)]
        with self.fig.batch_update():
            self.fig.data[0].y = ordered["weighted_score"].to_numpy()
        self.answer.value = results_table([
            (f"rank {int(rank)}", f"{option} (score {score:.3f})")
            for option, rank, score in zip(self.table.index, self.table["rank"],
                                           self.table["weighted_score"])
        ])
