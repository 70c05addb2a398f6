"""Episode 14 widgets: delivery semantics, consumer lag, the snapshot-interval cost curve.

Each widget is a thin view over a model of :mod:`course.events` — a pure ``compute`` function
returns what is drawn, and the widget writes it into FigureWidgets in place. The saga
state-space viewer is in :mod:`course.widgets.ep14_saga`.

>>> view = delivery_outcomes(crash_pct=5.0, ack_loss_pct=0.0, poison_pct=0.0, max_attempts=3,
...                          dead_letter=True, messages=300, seed=14)
>>> view["lost"][1:], view["duplicates"][2]     # at-least-once and effectively-once lose nothing
([0, 0], 0)

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.events.delivery import SEMANTICS, DeliveryConfig, simulate_delivery
from course.events.groups import lag_over_time
from course.events.snapshots import SnapshotPolicy
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep14-event-driven/1-foundations"
_STYLE = {"description_width": "initial"}
#: Messages per semantics in the delivery explorer: three runs stay well under 50 ms.
EXPLORER_MESSAGES = 300
EXPLORER_SEED = 14
#: Most partitions the lag dashboard draws (one trace each, created once).
MAX_PARTITIONS = 24


# --------------------------------------------------------------------------- delivery semantics


def delivery_outcomes(crash_pct: float, ack_loss_pct: float, poison_pct: float, max_attempts: int,
                      dead_letter: bool, messages: int = EXPLORER_MESSAGES, seed: int = EXPLORER_SEED) -> dict:
    """Lost, duplicated, dead-lettered and stuck messages for each semantics, same faults and seed.

    Percentages are per delivery (crash), per send (lost acknowledgement) and per message (poison).
    """
    for name, value in (("crash_pct", crash_pct), ("ack_loss_pct", ack_loss_pct), ("poison_pct", poison_pct)):
        if not 0 <= value <= 100:
            raise ValueError(f"{name} must lie in [0, 100] %; got {value:g}")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be >= 1: every message is tried at least once; got {max_attempts}")
    out = {"semantics": list(SEMANTICS), "lost": [], "duplicates": [], "dead-lettered": [], "pending at end": []}
    for semantics in SEMANTICS:
        config = DeliveryConfig(messages=messages, consumer_crash_probability=crash_pct / 100,
                                ack_loss_probability=ack_loss_pct / 100, poison_share=poison_pct / 100,
                                max_attempts=max_attempts, dead_letter=dead_letter, semantics=semantics,
                                drain_time=30.0)
        summary = simulate_delivery(config, seed=seed).summary()
        for key in ("lost", "duplicates", "dead-lettered", "pending at end"):
            out[key].append(summary[key])
    return out


@register(
    name="ep14-delivery-semantics",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"crash_pct": c} for c in (0.0, 1.0, 5.0, 10.0, 20.0)]
        + [{"ack_loss_pct": a} for a in (0.0, 5.0, 20.0)]
        + [{"poison_pct": p, "dead_letter": d} for p in (0.0, 2.0) for d in (True, False)]
        + [{"max_attempts": m} for m in (1, 3, 5)]
        + [{"max_attempts": 0}]                                  # no attempt at all: a message
        + [{"crash_pct": 5.0, "ack_loss_pct": 0.0, "poison_pct": 0.0, "max_attempts": 3, "dead_letter": True}]
    ),
)
class DeliverySemanticsExplorer(CourseWidget):
    """Three semantics under the same seeded faults: what each loses, duplicates, dead-letters."""

    title = "Delivery semantics: what crashes and lost acknowledgements cost each guarantee"

    def controls(self):
        return {
            "crash_pct": widgets.FloatSlider(value=5.0, min=0.0, max=20.0, step=0.5,
                                             description="consumer crash per delivery (%)", style=_STYLE),
            "ack_loss_pct": widgets.FloatSlider(value=0.0, min=0.0, max=20.0, step=0.5,
                                                description="producer acks lost (%)", style=_STYLE),
            "poison_pct": widgets.FloatSlider(value=0.0, min=0.0, max=5.0, step=0.5,
                                              description="poison messages (%)", style=_STYLE),
            "max_attempts": widgets.IntSlider(value=3, min=0, max=5, description="attempts before DLQ",
                                              style=_STYLE),
            "dead_letter": widgets.Checkbox(value=True, description="dead-letter queue"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        colours = {"lost": "#d62728", "duplicates": "#ff7f0e", "dead-lettered": "#7f7f7f",
                   "pending at end": "#9467bd"}
        self.fig = go.FigureWidget(
            data=[go.Bar(x=list(SEMANTICS), y=[0, 0, 0], name=name, marker_color=colour)
                  for name, colour in colours.items()],
            layout=dict(barmode="group", height=340, margin=dict(l=60, r=20, t=40, b=40),
                        yaxis_title=f"messages (of {EXPLORER_MESSAGES})",
                        title=f"{EXPLORER_MESSAGES} messages, seed {EXPLORER_SEED}: the same faults for each"),
        )
        return [self.answer, self.fig]

    def update(self, crash_pct, ack_loss_pct, poison_pct, max_attempts, dead_letter):
        self.view = delivery_outcomes(crash_pct, ack_loss_pct, poison_pct, max_attempts, dead_letter)
        with self.fig.batch_update():
            for trace in self.fig.data:
                trace.y = self.view[trace.name]
        lost, dup = self.view["lost"], self.view["duplicates"]
        self.answer.value = results_table([
            (f"{s}: lost / duplicated", f"{lost[i]} / {dup[i]}") for i, s in enumerate(SEMANTICS)
        ] + [("retry policy", f"{max_attempts} attempt(s), then " + ("the DLQ" if dead_letter else "retry forever")),
             ("stuck behind a poison message (no DLQ)", str(max(self.view["pending at end"])))])


# --------------------------------------------------------------------------- consumer lag


def lag_view(partitions: int, consumers: int, publish_rate: float, consumer_rate: float,
             initial_lag: float, duration: float = 60.0) -> dict:
    """:func:`course.events.groups.lag_over_time` plus the verdicts the dashboard prints."""
    if partitions > MAX_PARTITIONS:
        raise ValueError(f"partitions must be <= {MAX_PARTITIONS} in this dashboard; got {partitions}")
    run = lag_over_time(publish_rate, partitions, consumers, consumer_rate, duration,
                        initial_lag=initial_lag, points=61)
    growing = [p for p, rate in enumerate(run["drain_rate"]) if rate < 0]
    drain = run["drain_rate"]
    finite = [initial_lag / rate for rate in drain if rate > 0]
    run["growing"] = growing
    run["drained_after"] = (max(finite) if finite and not growing and initial_lag > 0 else
                            0.0 if not growing else None)
    run["busy_consumers"] = min(partitions, consumers)
    return run


@register(
    name="ep14-consumer-lag",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"partitions": p} for p in (1, 2, 4, 6, 12, 24)]
        + [{"consumers": c} for c in (1, 3, 4, 8, 24)]
        + [{"publish_rate": r} for r in (10.0, 400.0, 2000.0)]
        + [{"consumer_rate": r} for r in (20.0, 100.0, 500.0)]
        + [{"consumer_rate": 0.0}]                               # a stopped consumer: a message
        + [{"initial_lag": b} for b in (0.0, 5000.0)]
        + [{"partitions": 6, "consumers": 4, "publish_rate": 600.0, "consumer_rate": 200.0,
            "initial_lag": 1000.0}]
    ),
)
class ConsumerLagDashboard(CourseWidget):
    """Partitions × consumers × rates: each partition's lag over a minute, and who is idle."""

    title = "Consumer lag: partitions, consumers of one group, and rates"

    def controls(self):
        return {
            "partitions": widgets.IntSlider(value=6, min=1, max=MAX_PARTITIONS, description="partitions",
                                            style=_STYLE),
            "consumers": widgets.IntSlider(value=4, min=1, max=24, description="consumers in the group",
                                           style=_STYLE),
            "publish_rate": widgets.FloatSlider(value=600.0, min=10.0, max=2000.0, step=10.0,
                                                description="publish rate (msg/s)", style=_STYLE),
            "consumer_rate": widgets.FloatSlider(value=200.0, min=0.0, max=500.0, step=10.0,
                                                 description="one consumer (msg/s)", style=_STYLE),
            "initial_lag": widgets.FloatSlider(value=1000.0, min=0.0, max=10000.0, step=100.0,
                                               description="backlog per partition (msg)", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Scatter(x=[0.0], y=[0.0], mode="lines", name=f"partition {p}", visible=False)
                  for p in range(MAX_PARTITIONS)],
            layout=dict(height=340, margin=dict(l=60, r=20, t=40, b=40), xaxis_title="time (s)",
                        yaxis_title="lag (messages)", title="lag of each partition (fluid model)"),
        )
        return [self.answer, self.fig]

    def update(self, partitions, consumers, publish_rate, consumer_rate, initial_lag):
        self.view = view = lag_view(partitions, consumers, publish_rate, consumer_rate, initial_lag)
        with self.fig.batch_update():
            for p, trace in enumerate(self.fig.data):
                if p < partitions:
                    trace.x, trace.y = view["times"], view["lag"][p]
                    trace.name = f"partition {p} ({view['owner'][p]})"
                    trace.visible = True
                else:
                    trace.visible = False
        drained = view["drained_after"]
        self.answer.value = results_table([
            ("consumers reading / idle", f"{view['busy_consumers']} / {len(view['idle'])}"),
            ("partitions whose lag grows without bound",
             ", ".join(map(str, view["growing"])) if view["growing"] else "none"),
            ("backlog drained after", "never" if drained is None else f"{drained:.1f} s"),
            ("most lag at 60 s", f"{view['lag'][:, -1].max():,.0f} messages"),
        ])


# --------------------------------------------------------------------------- snapshot interval

INTERVALS = np.unique(np.round(np.logspace(0, 5, 121)).astype(int))


def snapshot_curve(event_cost_us: float, snapshot_write_ms: float, snapshot_read_ms: float,
                   loads_per_append: float, stream_length: int) -> dict:
    """Cost per command (ms) against the snapshot interval, its parts and the best interval."""
    policy = SnapshotPolicy(event_cost=event_cost_us * 1e-6, snapshot_write=snapshot_write_ms * 1e-3,
                            snapshot_read=snapshot_read_ms * 1e-3, loads_per_append=loads_per_append)
    best = policy.best_interval()
    replay_all = loads_per_append * policy.no_snapshot_cost(stream_length)
    if policy.cost_per_command(best) >= replay_all:
        raise ValueError(
            f"snapshots never pay for a stream of {stream_length:,} events: the best interval costs "
            f"{policy.cost_per_command(best) * 1000:.3g} ms per command, replaying every event "
            f"{replay_all * 1000:.3g} ms — keep folding from the start"
        )
    return {
        "intervals": INTERVALS,
        "total_ms": policy.cost_per_command(INTERVALS) * 1000,
        "load_ms": loads_per_append * policy.load_cost(INTERVALS) * 1000,
        "write_ms": policy.write_cost_per_append(INTERVALS) * 1000,
        "best": best,
        "best_ms": policy.cost_per_command(best) * 1000,
        "no_snapshot_ms": loads_per_append * policy.no_snapshot_cost(stream_length) * 1000,
    }


@register(
    name="ep14-snapshot-interval",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"event_cost_us": c} for c in (1.0, 10.0, 100.0, 1000.0)]
        + [{"snapshot_write_ms": w} for w in (0.1, 5.0, 50.0, 500.0)]
        + [{"snapshot_read_ms": r} for r in (0.0, 2.0, 20.0)]
        + [{"loads_per_append": x} for x in (0.1, 1.0, 10.0)]
        + [{"stream_length": n} for n in (100, 10_000, 1_000_000)]
        + [{"event_cost_us": 10.0, "snapshot_write_ms": 50.0, "snapshot_read_ms": 2.0,
            "loads_per_append": 1.0, "stream_length": 100}]            # snapshots never pay: a message
        + [{"event_cost_us": 10.0, "snapshot_write_ms": 50.0, "snapshot_read_ms": 2.0,
            "loads_per_append": 1.0, "stream_length": 50_000}]
    ),
)
class SnapshotCostCurve(CourseWidget):
    """Cost per command against the snapshot interval: replaying falls, writing snapshots rises."""

    title = "How often to snapshot: the cost per command against the interval"

    def controls(self):
        return {
            "event_cost_us": widgets.FloatLogSlider(value=10.0, base=10, min=0, max=3, step=0.05,
                                                    description="read + apply one event (µs)", style=_STYLE),
            "snapshot_write_ms": widgets.FloatLogSlider(value=50.0, base=10, min=-1, max=3, step=0.05,
                                                        description="write a snapshot (ms)", style=_STYLE),
            "snapshot_read_ms": widgets.FloatSlider(value=2.0, min=0.0, max=20.0, step=0.5,
                                                    description="read a snapshot (ms)", style=_STYLE),
            "loads_per_append": widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05,
                                                       description="loads per event appended", style=_STYLE),
            "stream_length": widgets.IntSlider(value=50_000, min=100, max=1_000_000, step=100,
                                               description="events in the stream", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[
                go.Scatter(x=[1], y=[1.0], mode="lines", name="cost per command"),
                go.Scatter(x=[1], y=[1.0], mode="lines", name="loading (replay + snapshot read)",
                           line=dict(dash="dot")),
                go.Scatter(x=[1], y=[1.0], mode="lines", name="writing snapshots", line=dict(dash="dash")),
                go.Scatter(x=[1], y=[1.0], mode="markers", name="best interval",
                           marker=dict(size=12, symbol="star")),
                go.Scatter(x=[1, 100000], y=[1.0, 1.0], mode="lines", name="no snapshots at this length",
                           line=dict(color="#d62728", dash="dashdot")),
            ],
            layout=dict(height=360, margin=dict(l=60, r=20, t=40, b=40),
                        xaxis=dict(type="log", title="snapshot every k events", exponentformat="power"),
                        yaxis=dict(type="log", title="ms per command", exponentformat="power"),
                        legend=dict(orientation="h", y=-0.25)),
        )
        return [self.answer, self.fig]

    def update(self, event_cost_us, snapshot_write_ms, snapshot_read_ms, loads_per_append, stream_length):
        self.view = view = snapshot_curve(event_cost_us, snapshot_write_ms, snapshot_read_ms,
                                          loads_per_append, stream_length)
        with self.fig.batch_update():
            for trace, key in zip(self.fig.data[:3], ("total_ms", "load_ms", "write_ms")):
                trace.x, trace.y = view["intervals"], view[key]
            self.fig.data[3].x, self.fig.data[3].y = [view["best"]], [view["best_ms"]]
            self.fig.data[4].y = [view["no_snapshot_ms"]] * 2
        self.answer.value = results_table([
            ("best interval k", f"every {view['best']:,} events"),
            ("cost per command there", f"{view['best_ms']:.3g} ms"),
            ("without snapshots, at this stream length", f"{view['no_snapshot_ms']:.3g} ms"),
        ])
