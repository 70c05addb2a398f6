"""Episode 13 widgets: breaker thresholds, bulkhead sizing, the chaos dashboard, resilience money.

Each widget is a thin view over a model of the kit — :mod:`course.patterns.thresholds`,
:mod:`course.patterns.bulkhead_sizing`, :mod:`course.patterns.scenarios` and
:mod:`course.patterns.resilience_costs` — writing into FigureWidgets in place. Settings that make no
sense (a pool that cannot keep up, a protected loss above the unprotected one) show the
model's ValueError as a message.

>>> sizer = BulkheadSizer()
>>> sizer.set(peak_rate=100.0, response_time_ms=200.0, buffer=1.5)
>>> sizer.plan.threads, round(sizer.plan.utilization, 3)
(30, 0.667)
>>> sizer.set(buffer=1.0); sizer.error.split(":")[0]
'buffer = 1 leaves utilization at 1'

Taught in: Ep13 · 1-foundations (thresholds, sizing), 2-implementation (dashboard),
3-strategy (cost of resilience).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from course.patterns.breaker import HYSTRIX
from course.patterns.bulkhead_sizing import BulkheadSizing
from course.patterns.resilience_costs import ResilienceInvestment
from course.patterns.scenarios import SHOPPER_SHARE, chaos_scenario
from course.patterns.thresholds import false_trip_table, smallest_trip_failures
from course.queueing.erlang import erlang_c_table
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep13-resilience/1-foundations"
IMPLEMENTATION = "series-1/ep13-resilience/2-implementation"
STRATEGY = "series-1/ep13-resilience/3-strategy"
_STYLE = {"description_width": "initial"}
#: False-trip rates below this are drawn at this floor (a log axis cannot show 0).
TRIP_FLOOR = 1e-12
#: Slider readout for dollars (d3-format): "$50,119", not "5.01e+4".
MONEY_FORMAT = "$,.0f"


def _money(value: float) -> str:
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


# --------------------------------------------------------------------------- thresholds


@register(
    name="ep13-false-trips",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"window_size": n} for n in (5, 10, 20, 50, 100, 200)]
        + [{"error_rate_pct": p} for p in (0.1, 1.0, 5.0, 10.0)]
        + [{"requests_per_second": r, "outage_error_rate_pct": q} for r in (1.0, 100.0, 1000.0)
           for q in (20.0, 100.0)]
        + [{"window_size": 5, "error_rate_pct": 20.0, "max_trips_per_month": 0.1}]  # unattainable
        + [{"window_size": 20, "error_rate_pct": 2.0, "requests_per_second": 50.0,
            "max_trips_per_month": 1.0, "outage_error_rate_pct": 30.0}]
    ),
)
class FalseTripExplorer(CourseWidget):
    """For a count window of n calls: false trips per day and outage detection, for every k."""

    title = "Choosing a trip threshold: false alarms on a healthy dependency vs detecting an outage"

    def controls(self):
        return {
            "window_size": widgets.IntSlider(value=20, min=5, max=200, step=5,
                                             description="window n (calls)", style=_STYLE),
            "error_rate_pct": widgets.FloatSlider(value=2.0, min=0.1, max=20.0, step=0.1,
                                                  description="normal error rate (%)", style=_STYLE),
            "requests_per_second": widgets.FloatLogSlider(value=50.0, base=10, min=0, max=3, step=0.05,
                                                          description="requests/s", style=_STYLE),
            "outage_error_rate_pct": widgets.FloatSlider(value=30.0, min=5.0, max=100.0, step=5.0,
                                                         description="outage error rate (%)",
                                                         style=_STYLE),
            "max_trips_per_month": widgets.FloatSlider(value=1.0, min=0.1, max=30.0, step=0.1,
                                                       description="false trips allowed / month",
                                                       style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        fig = make_subplots(rows=1, cols=2, subplot_titles=(
            "false trips per day (healthy dependency)", "P(one window trips) during the outage"))
        fig.add_trace(go.Scatter(x=[1], y=[1.0], mode="lines+markers", name="false trips / day"), 1, 1)
        fig.add_trace(go.Scatter(x=[1], y=[0.0], mode="lines+markers", name="detection"), 1, 2)
        fig.add_trace(go.Scatter(x=[1, 1], y=[TRIP_FLOOR, 1.0], mode="lines", name="chosen k",
                                 line=dict(dash="dash", color="black")), 1, 1)
        fig.add_trace(go.Scatter(x=[1, 1], y=[0.0, 1.0], mode="lines", showlegend=False,
                                 line=dict(dash="dash", color="black")), 1, 2)
        fig.add_trace(go.Scatter(x=[1, 2], y=[1.0, 1.0], mode="lines", name="false trips allowed",
                                 line=dict(dash="dot", color="#d62728")), 1, 1)
        # Powers of ten, not SI prefixes: "1p trips/day" reads as a unit, 10⁻¹² does not.
        fig.update_yaxes(type="log", exponentformat="power", title_text="false trips per day",
                         row=1, col=1)
        fig.update_yaxes(range=[0, 1.02], title_text="probability", row=1, col=2)
        fig.update_xaxes(title_text="failures k that trip the window")
        fig.update_layout(height=380, margin=dict(l=60, r=20, t=50, b=50),
                          legend=dict(orientation="h", y=-0.25))
        self.fig = go.FigureWidget(fig)
        return [self.answer, self.fig]

    def update(self, window_size, error_rate_pct, requests_per_second, outage_error_rate_pct,
               max_trips_per_month):
        error_rate, outage = error_rate_pct / 100, outage_error_rate_pct / 100
        self.table = false_trip_table(window_size, error_rate, requests_per_second, outage)
        allowed = max_trips_per_month / 30          # the model's limit is per day
        try:
            self.chosen = smallest_trip_failures(window_size, error_rate, requests_per_second, allowed)
        except ValueError:
            fewest = 30 * float(self.table.false_trips_per_day.iloc[-1])
            raise ValueError(
                f"false trips allowed / month = {max_trips_per_month:g} cannot be met: with a window "
                f"of {window_size} calls at a normal error rate of {error_rate_pct:g} %, even k = "
                f"{window_size} of {window_size} trips {fewest:.3g} times a month — use a longer "
                "window or allow more false trips"
            ) from None
        row = self.table.iloc[self.chosen - 1]
        trips = np.maximum(self.table.false_trips_per_day.to_numpy(), TRIP_FLOOR)
        top = float(max(trips.max(), 1.0))
        with self.fig.batch_update():
            self.fig.data[0].x = self.table.trip_failures.to_numpy()
            self.fig.data[0].y = trips
            self.fig.data[1].x = self.table.trip_failures.to_numpy()
            self.fig.data[1].y = self.table.detection_probability.to_numpy()
            self.fig.data[2].x = [self.chosen, self.chosen]
            self.fig.data[2].y = [TRIP_FLOOR, top]
            self.fig.data[3].x = [self.chosen, self.chosen]
            self.fig.data[4].x = [1, window_size]
            self.fig.data[4].y = [allowed, allowed]
        self.answer.value = results_table([
            ("smallest safe k (trips when ≥ k of n calls fail)", f"{self.chosen} of {window_size}"),
            ("as a failure-rate threshold", f"{self.chosen / window_size:.0%}"),
            ("false trips per 30 days", f"{30 * row.false_trips_per_day:.3g}"),
            ("P(a window trips) at the outage error rate", f"{row.detection_probability:.3f}"),
            ("failed calls to trip in a full outage", f"{self.chosen} "
             f"({self.chosen / requests_per_second:.2g} s of traffic)"),
        ])


# --------------------------------------------------------------------------- bulkhead sizing


@register(
    name="ep13-bulkhead-sizer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"peak_rate": r} for r in (10.0, 100.0, 500.0, 1000.0)]
        + [{"response_time_ms": t} for t in (10.0, 200.0, 1000.0)]
        + [{"buffer": b} for b in (1.0, 1.2, 1.5, 3.0)]       # 1.0 at a whole L: no steady state
        + [{"burst_rate": b, "burst_seconds": s} for b in (50.0, 400.0) for s in (1.0, 10.0)]
        + [{"peak_rate": 100.0, "response_time_ms": 200.0, "buffer": 1.5, "burst_rate": 200.0,
            "burst_seconds": 2.0, "max_wait": 2.0}]
    ),
)
class BulkheadSizer(CourseWidget):
    """Little's law pool size with a buffer, its Erlang C wait probability, and a burst queue."""

    title = "Bulkhead sizing: threads from Little's law, waits from Erlang C, a queue for bursts"

    def controls(self):
        return {
            "peak_rate": widgets.FloatSlider(value=100.0, min=10.0, max=1000.0, step=10.0,
                                             description="peak requests/s", style=_STYLE),
            "response_time_ms": widgets.FloatSlider(value=200.0, min=10.0, max=1000.0, step=10.0,
                                                    description="mean response (ms)", style=_STYLE),
            "buffer": widgets.FloatSlider(value=1.5, min=1.0, max=3.0, step=0.05,
                                          description="buffer ×", style=_STYLE),
            "burst_rate": widgets.FloatSlider(value=200.0, min=10.0, max=3000.0, step=10.0,
                                              description="burst requests/s", style=_STYLE),
            "burst_seconds": widgets.FloatSlider(value=2.0, min=0.5, max=30.0, step=0.5,
                                                 description="burst length (s)", style=_STYLE),
            "max_wait": widgets.FloatSlider(value=2.0, min=0.0, max=10.0, step=0.1,
                                            description="longest wait in line (s)", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(data=[
            go.Scatter(x=[1], y=[0.0], mode="lines", name="P(wait), Erlang C"),
            go.Scatter(x=[1], y=[0.0], mode="lines", name="utilisation at peak", line=dict(dash="dot")),
            go.Scatter(x=[1], y=[0.0], mode="markers", name="the plan", marker=dict(size=12, symbol="star")),
        ])
        self.fig.update_layout(title="Pool size against waiting: more threads, less queueing",
                               xaxis_title="threads in the pool", yaxis_title="probability / utilisation",
                               yaxis_range=[0, 1.02], height=360, margin=dict(l=60, r=20, t=50, b=50),
                               legend=dict(orientation="h", y=-0.25))
        return [self.answer, self.fig]

    def update(self, peak_rate, response_time_ms, buffer, burst_rate, burst_seconds, max_wait):
        self.plan = BulkheadSizing(peak_rate, response_time_ms / 1000, buffer)
        plan = self.plan
        wait = plan.p_wait
        slots = plan.queue_slots(burst_rate, burst_seconds, max_wait)
        smallest = int(np.floor(plan.busy)) + 1
        threads = np.unique(np.linspace(smallest, max(3 * plan.busy, smallest + 10), 200).astype(int))
        with self.fig.batch_update():
            self.fig.data[0].x = threads
            # one pass of the Erlang recursion gives every pool size up to the largest
            self.fig.data[0].y = erlang_c_table(int(threads.max()), plan.busy)[threads]
            self.fig.data[1].x = threads
            self.fig.data[1].y = plan.busy / threads
            self.fig.data[2].x = [plan.threads]
            self.fig.data[2].y = [wait]
        self.answer.value = results_table([
            ("busy threads at peak, L = λW", f"{plan.busy:.4g}"),
            ("threads (L × buffer, rounded up)", f"{plan.threads}"),
            ("utilisation at peak", f"{plan.utilization:.1%}"),
            ("P(a call waits), Erlang C", f"{wait:.3f}"),
            ("pool throughput (requests/s)", f"{plan.throughput:.4g}"),
            # Both bounds, so that moving either the burst or the longest wait shows its effect.
            ("queue the burst builds, (burst − throughput) × length",
             f"{max(0.0, (burst_rate - plan.throughput) * burst_seconds):.4g}"),
            ("queue the longest wait allows, throughput × wait", f"{plan.throughput * max_wait:.4g}"),
            ("queue slots for the burst (the smaller, rounded up)", f"{slots}"),
            ("wait of the last queued call (s)", f"{plan.queue_wait(slots):.2f}"),
        ])


# --------------------------------------------------------------------------- chaos dashboard

#: The dashboard's short scenario: 100 requests/s for 40 s; slow from 8 s, down from 18 s,
#: back at 28 s (explicit, so that a change of the simulator's defaults cannot move it).
DASHBOARD_SCENARIO = dict(duration=40.0, slow_at=8.0, fail_at=18.0, recover_at=28.0, arrival_rate=100.0,
                          extra_latency=2.0)


@register(
    name="ep13-chaos-dashboard",
    notebook=IMPLEMENTATION,
    kind="scenario",
    sweep=lambda: (
        [{"failure_rate_threshold": t} for t in (0.2, 0.5, 0.9)]
        + [{"minimum_calls": m} for m in (5, 50)]
        + [{"open_duration": d} for d in (1.0, 15.0)]
        + [{"breaker": False}, {"bulkhead": False}, {"fallback": False, "breaker": True},
           {"retries": True}, {"until": 20}, {"until": 40}]
    ),
)
class ChaosDashboard(CourseWidget):
    """Re-runs the Ep13 chaos scenario on every change; ``until`` (with a Play button) replays it."""

    title = "Chaos dashboard: recommendations slows down (8 s), crashes (18 s), recovers (28 s)"

    def controls(self):
        return {
            "failure_rate_threshold": widgets.FloatSlider(value=HYSTRIX.failure_rate_threshold, min=0.1,
                                                          max=1.0, step=0.05,
                                                          description="trip at error rate ≥",
                                                          style=_STYLE),
            # Up to past the ~700 calls a 10 s window holds at 70 product requests/s: near and
            # above that the breaker trips late (in the crash, not the slowdown) or never.
            "minimum_calls": widgets.IntSlider(value=HYSTRIX.minimum_calls, min=10, max=1500, step=10,
                                               description="minimum calls in its 10 s window",
                                               style=_STYLE),
            "open_duration": widgets.FloatSlider(value=HYSTRIX.open_duration, min=1.0, max=20.0,
                                                 step=1.0, description="open for (s)", style=_STYLE),
            "breaker": widgets.Checkbox(value=True, description="circuit breaker"),
            "bulkhead": widgets.Checkbox(value=True, description="bulkhead (10 permits)"),
            "fallback": widgets.Checkbox(value=True, description="fallback"),
            "retries": widgets.Checkbox(value=False, description="3 retries"),
            "until": widgets.IntSlider(value=int(DASHBOARD_SCENARIO["duration"]), min=1,
                                       max=int(DASHBOARD_SCENARIO["duration"]), description="show up to (s)",
                                       style=_STYLE),
        }

    def figures(self):
        self.play = widgets.Play(value=int(DASHBOARD_SCENARIO["duration"]), min=1,
                                 max=int(DASHBOARD_SCENARIO["duration"]), interval=150,
                                 description="replay")
        widgets.jslink((self.play, "value"), (self.inputs["until"], "value"))
        fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                            subplot_titles=("user latency (s)", "share of requests answered",
                                            "frontend pool use and breaker"))
        traces = [
            (go.Scatter(name="shoppers p50", line=dict(color="#1f77b4")), 1),
            (go.Scatter(name="shoppers p99", line=dict(color="#1f77b4", dash="dash")), 1),
            (go.Scatter(name="buyers p99", line=dict(color="#d62728", dash="dash")), 1),
            (go.Scatter(name="shoppers answered", line=dict(color="#1f77b4")), 2),
            (go.Scatter(name="buyers answered", line=dict(color="#d62728")), 2),
            (go.Scatter(name="frontend pool use", line=dict(color="#2ca02c")), 3),
            (go.Scatter(name="breaker open (share of the second)", fill="tozeroy",
                        line=dict(color="#7f7f7f")), 3),
        ]
        for trace, row in traces:
            fig.add_trace(trace.update(x=[0.0], y=[0.0], mode="lines"), row, 1)
        for start, end, colour in ((DASHBOARD_SCENARIO["slow_at"], DASHBOARD_SCENARIO["fail_at"], "orange"),
                                   (DASHBOARD_SCENARIO["fail_at"], DASHBOARD_SCENARIO["recover_at"], "red")):
            fig.add_vrect(x0=start, x1=end, fillcolor=colour, opacity=0.12, line_width=0,
                          row="all", col=1)
        fig.update_yaxes(range=[0, 2.2], row=1, col=1)
        fig.update_yaxes(range=[0, 1.05], row=2, col=1)
        fig.update_yaxes(range=[0, 1.05], row=3, col=1)
        fig.update_xaxes(range=[0, DASHBOARD_SCENARIO["duration"]], title_text="time (s)", row=3, col=1)
        fig.update_layout(height=620, margin=dict(l=60, r=20, t=60, b=40),
                          legend=dict(orientation="h", y=-0.12))
        self.fig = go.FigureWidget(fig)
        self._key = None
        self.answer = widgets.HTML()
        return [self.play, self.answer, self.fig]

    def update(self, failure_rate_threshold, minimum_calls, open_duration, breaker, bulkhead,
               fallback, retries, until):
        for name in ("failure_rate_threshold", "minimum_calls", "open_duration"):
            self.inputs[name].disabled = not breaker      # they set the breaker, which is off
        key = (failure_rate_threshold, minimum_calls, open_duration, breaker, bulkhead, fallback, retries)
        if key != self._key:
            config = HYSTRIX.with_changes(failure_rate_threshold=failure_rate_threshold,
                                          minimum_calls=minimum_calls, open_duration=open_duration)
            self.run = chaos_scenario(breaker=breaker, bulkhead=bulkhead, fallback=fallback,
                                      retries=retries, breaker_config=config, seed=13,
                                      **DASHBOARD_SCENARIO)
            self._key = key
        run = self.run
        latency = run.latency[run.latency.time < until]
        shoppers, buyers = latency[latency.client == "shoppers"], latency[latency.client == "buyers"]
        frontend = run.pools[(run.pools.service == "frontend") & (run.pools.time < until)]
        breaker_rows = run.breaker[run.breaker.time < until]
        series = [
            (shoppers.time, shoppers.latency_p50), (shoppers.time, shoppers.latency_p99),
            (buyers.time, buyers.latency_p99), (shoppers.time, shoppers.success_rate),
            (buyers.time, buyers.success_rate), (frontend.time, frontend.pool_use),
            (breaker_rows.time, breaker_rows.open_fraction),
        ]
        with self.fig.batch_update():
            for trace, (x, y) in zip(self.fig.data, series):
                trace.x = x.to_numpy(dtype=float)
                trace.y = y.to_numpy(dtype=float)
        self.answer.value = results_table(_dashboard_summary(run, breaker, minimum_calls))


def _dashboard_summary(run, breaker: bool, minimum_calls: int) -> list[tuple[str, str]]:
    """The breaker's story in words: when it first opened, and what its volume rule asks for."""
    if not breaker:
        return [("circuit breaker", "off")]
    opened = run.breaker[run.breaker.open_fraction > 0]
    product_rate = SHOPPER_SHARE * DASHBOARD_SCENARIO["arrival_rate"]
    first = "never in these 40 s" if opened.empty else f"at {opened.time.iloc[0]:g} s"
    return [
        ("breaker first opens", first),
        ("it may trip once its 10 s window holds", f"≥ {minimum_calls} calls = "
                                                   f"{minimum_calls / product_rate:.3g} s of product "
                                                   f"page traffic ({product_rate:g} requests/s)"),
    ]


# --------------------------------------------------------------------------- money


@register(
    name="ep13-resilience-cost",
    notebook=STRATEGY,
    sweep=lambda: (
        [{"incidents_per_year": n} for n in (0.0, 1.0, 6.0, 24.0, 50.0)]
        + [{"hours_per_incident": h} for h in (0.1, 2.0, 12.0)]
        + [{"revenue_per_hour": r} for r in (1_000.0, 100_000.0, 1_000_000.0)]
        + [{"loss_unprotected_pct": 10.0, "loss_protected_pct": 40.0}]     # protected > unprotected
        + [{"loss_unprotected_pct": 90.0, "loss_protected_pct": 15.0, "build_cost": 1e4}]
        + [{"build_cost": 5e6, "run_cost_per_year": 500_000.0}]
    ),
)
class ResilienceCostCalculator(CourseWidget):
    """Expected yearly loss with and without resilience patterns, against what they cost."""

    title = "Cost of downtime vs cost of resilience (expected values per year)"

    def controls(self):
        return {
            "revenue_per_hour": widgets.FloatLogSlider(value=50_000.0, base=10, min=3, max=6, step=0.05,
                                                       readout_format=MONEY_FORMAT,
                                                       description="revenue per hour ($)", style=_STYLE),
            "incidents_per_year": widgets.FloatSlider(value=6.0, min=0.0, max=50.0, step=0.5,
                                                      description="dependency incidents / year",
                                                      style=_STYLE),
            "hours_per_incident": widgets.FloatSlider(value=1.5, min=0.1, max=12.0, step=0.1,
                                                      description="hours per incident", style=_STYLE),
            "loss_unprotected_pct": widgets.FloatSlider(value=90.0, min=0.0, max=100.0, step=5.0,
                                                        description="revenue lost, no patterns (%)",
                                                        style=_STYLE),
            "loss_protected_pct": widgets.FloatSlider(value=15.0, min=0.0, max=100.0, step=5.0,
                                                      description="revenue lost, degraded (%)",
                                                      style=_STYLE),
            "build_cost": widgets.FloatLogSlider(value=120_000.0, base=10, min=4, max=7, step=0.05,
                                                 readout_format=MONEY_FORMAT,
                                                 description="build cost ($, over 3 years)",
                                                 style=_STYLE),
            "run_cost_per_year": widgets.FloatSlider(value=20_000.0, min=0.0, max=500_000.0,
                                                     step=5_000.0, readout_format=MONEY_FORMAT,
                                                     description="running cost / year ($)",
                                                     style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        fig = make_subplots(rows=1, cols=2, subplot_titles=("per year", "net benefit against incident rate"))
        names = ["loss without", "loss with", "cost of patterns", "net benefit"]
        fig.add_trace(go.Bar(x=names, y=[0.0] * 4, name="dollars per year",
                             marker_color=["#d62728", "#ff7f0e", "#7f7f7f", "#2ca02c"]), 1, 1)
        fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="lines", name="net benefit"), 1, 2)
        fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name="break-even",
                                 marker=dict(size=12, symbol="x", color="black")), 1, 2)
        fig.update_xaxes(title_text="incidents per year", row=1, col=2)
        fig.update_yaxes(title_text="dollars per year", row=1, col=1)
        fig.update_yaxes(title_text="net benefit (dollars per year)", row=1, col=2)
        fig.update_yaxes(tickprefix="$")
        fig.update_layout(height=380, margin=dict(l=70, r=20, t=50, b=50),
                          legend=dict(orientation="h", y=-0.25))
        self.fig = go.FigureWidget(fig)
        return [self.answer, self.fig]

    def update(self, revenue_per_hour, incidents_per_year, hours_per_incident, loss_unprotected_pct,
               loss_protected_pct, build_cost, run_cost_per_year):
        if loss_protected_pct > loss_unprotected_pct:   # the model would name its 0–1 shares
            raise ValueError(
                f"revenue lost, degraded ({loss_protected_pct:g} %) must not exceed revenue lost, "
                f"no patterns ({loss_unprotected_pct:g} %): patterns that lose more than none are "
                "not a resilience plan"
            )
        self.plan = ResilienceInvestment(
            revenue_per_hour=revenue_per_hour, incidents_per_year=incidents_per_year,
            hours_per_incident=hours_per_incident, loss_share_unprotected=loss_unprotected_pct / 100,
            loss_share_protected=loss_protected_pct / 100, build_cost=build_cost,
            run_cost_per_year=run_cost_per_year,
        )
        plan = self.plan
        break_even = plan.break_even_incidents_per_year
        rates = np.linspace(0.0, max(50.0, 2 * break_even), 101)
        saved_per_incident = plan.annual_benefit / incidents_per_year if incidents_per_year else \
            plan.with_incidents(1.0).annual_benefit
        summary = plan.summary()
        with self.fig.batch_update():
            self.fig.data[0].y = [summary["expected_loss_unprotected"], summary["expected_loss_protected"],
                                  summary["annual_cost"], summary["net_benefit"]]
            self.fig.data[1].x = rates
            self.fig.data[1].y = rates * saved_per_incident - plan.annual_cost
            self.fig.data[2].x = [break_even]
            self.fig.data[2].y = [0.0]
        payback = summary["payback_years"]
        self.answer.value = results_table([
            ("expected loss per year without the patterns", _money(plan.expected_loss_unprotected)),
            ("expected loss per year with them (degraded)", _money(plan.expected_loss_protected)),
            ("annual cost (build / 3 + running)", _money(plan.annual_cost)),
            ("net benefit per year", _money(plan.net_benefit)),
            ("break-even incidents per year", f"{break_even:.2f}"),
            ("payback of the build cost", "never" if np.isnan(payback) else f"{payback:.2f} years"),
        ])
