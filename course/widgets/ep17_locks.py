"""Episode 17 widgets: the quorum / fault-tolerance calculator and the lock-lease timeline.

Pure views first — :func:`quorum_view` (members, fault model, zones → tolerated faults,
quorum, which zone loss kills the quorum, availability, yearly cost, from
:mod:`course.coordination.quorums`) and :func:`lease_view` (lease, pause, clock jump,
fencing → the seeded run of :func:`course.coordination.leases.simulate_lease_lock`) — then the
widgets that draw them, updated in place. The election-timeout explorer is in
:mod:`course.widgets.ep17`.

>>> view = quorum_view(members=5, fault_model="crash", zones=3)
>>> view["placement"].members_per_zone, view["tolerated"], view["quorum"], view["survives"]
((2, 2, 1), 2, 3, (True, True, True))
>>> lease_view(lease_s=10, pause_s=15, clock_jump_s=0, fencing=False)["corrupted"]
True

Taught in: Ep17 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.coordination.leases import simulate_lease_lock
from course.coordination.quorums import FAULT_MODELS, HOURS_PER_YEAR, Placement
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep17-coordination/1-foundations"
_STYLE = {"description_width": "initial"}
#: cluster sizes the calculator compares (1 … 9 members)
SIZES = tuple(range(1, 10))
#: the seed of the lease timeline's network delays (fixed: the widget shows one story)
LEASE_SEED = 17
LEASE_HORIZON_S = 40.0
LEASE_ROWS = ("A", "B", "resource")


def spread(members: int, zones: int) -> tuple[int, ...]:
    """``members`` dealt round-robin over ``zones`` (5 over 3 → (2, 2, 1)).

    >>> spread(3, 2), spread(7, 3)
    ((2, 1), (3, 2, 2))
    """
    if not 1 <= zones <= 5:
        raise ValueError(f"zones must be in 1 … 5; got {zones}")
    if not 1 <= members <= 99:
        raise ValueError(f"members must be in 1 … 99; got {members}")
    return tuple(members // zones + (zone < members % zones) for zone in range(zones))


def quorum_view(members: int, fault_model: str, zones: int, member_availability: float = 0.99,
                zone_availability: float = 0.999, member_price_per_hour: float = 0.10) -> dict:
    """Tolerated faults, quorum, zone losses survived, availability and yearly cost of one placement.

    Also the yearly downtime (hours) of every size in :data:`SIZES` over the same zones, for
    the comparison figure.
    """
    placement = Placement(spread(members, zones), fault_model)
    availability = placement.availability(member_availability, zone_availability)

    def downtime(n):
        return (1 - Placement(spread(n, zones), fault_model).availability(member_availability,
                                                                        zone_availability)) * HOURS_PER_YEAR

    return {
        "placement": placement, "tolerated": placement.tolerated_faults, "quorum": placement.quorum,
        "survives": placement.zone_losses_survived(), "availability": availability,
        "downtime_h": (1 - availability) * HOURS_PER_YEAR,
        "yearly_cost": placement.yearly_cost(member_price_per_hour),
        "sizes": np.array(SIZES), "size_downtime_h": np.array([downtime(n) for n in SIZES]),
    }


@register(
    name="ep17-quorum-calculator",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"members": n} for n in range(0, 10)]                      # 0 is bad: no cluster
        + [{"fault_model": m, "members": 4} for m in FAULT_MODELS]
        + [{"zones": z, "members": 5} for z in (1, 2, 3)]
        + [{"member_availability": a} for a in (0.9, 0.99, 0.999)]
        + [{"zone_availability": a} for a in (0.99, 0.999, 1.0)]
        + [{"members": 3, "zones": 2, "fault_model": "crash"}]
    ),
)
class QuorumCalculator(CourseWidget):
    """Members, fault model and zones → faults tolerated, quorum, zone losses, availability, cost."""

    title = "How many members, over how many zones, for how many faults — at what price?"

    def controls(self):
        return {
            "members": widgets.IntSlider(value=3, min=0, max=9, description="members n"),
            "fault_model": widgets.Dropdown(options=list(FAULT_MODELS), value="crash", description="fault model",
                                            style=_STYLE),
            "zones": widgets.Dropdown(options=[1, 2, 3], value=3, description="zones", style=_STYLE),
            "member_availability": widgets.Dropdown(options=[0.9, 0.99, 0.999], value=0.99,
                                                    description="member availability", style=_STYLE),
            "zone_availability": widgets.Dropdown(options=[0.99, 0.999, 1.0], value=0.999,
                                                  description="zone availability", style=_STYLE),
            "member_price_per_hour": widgets.FloatSlider(value=0.10, min=0.0, max=2.0, step=0.01,
                                                         description="USD per member-hour"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.zones_fig = go.FigureWidget(data=[
            go.Bar(x=["zone 0"], y=[0], name="losing this zone keeps a quorum", marker_color="seagreen"),
            go.Bar(x=["zone 0"], y=[0], name="losing this zone loses the quorum", marker_color="crimson"),
        ])
        self.zones_fig.update_layout(
            title="Which single zone loss kills the quorum?", height=300, barmode="stack",
            xaxis_title="zone", yaxis_title="members in the zone", margin=dict(l=60, r=20, t=50, b=50),
            legend=dict(orientation="h", y=-0.35))
        self.sizes_fig = go.FigureWidget(data=[
            go.Scatter(x=[1], y=[1.0], mode="lines+markers", name="every size over the same zones"),
            go.Scatter(x=[1], y=[1.0], mode="markers", marker=dict(size=14, color="crimson", symbol="star"),
                       name="your cluster"),
        ])
        self.sizes_fig.update_layout(
            title="How much yearly downtime does each cluster size leave?", height=320,
            xaxis_title="members n", yaxis_title="expected downtime (hours a year, log)", yaxis_type="log", yaxis_exponentformat="power",
            margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.35))
        return [self.answer, self.zones_fig, self.sizes_fig]

    def update(self, members, fault_model, zones, member_availability, zone_availability, member_price_per_hour):
        if member_price_per_hour < 0:
            raise ValueError(f"member_price_per_hour must be >= 0; got {member_price_per_hour:g}")
        self.view = view = quorum_view(members, fault_model, zones, member_availability, zone_availability,
                                       member_price_per_hour)
        counts = np.array(view["placement"].members_per_zone)
        survives = np.array(view["survives"])
        names = [f"zone {z}" for z in range(len(counts))]
        # log axis: a cluster that never fails under the model (availability 1) is drawn at 1e-9 h
        downtime = np.maximum(view["size_downtime_h"], 1e-9)
        with self.zones_fig.batch_update():
            self.zones_fig.data[0].x, self.zones_fig.data[0].y = names, np.where(survives, counts, 0)
            self.zones_fig.data[1].x, self.zones_fig.data[1].y = names, np.where(survives, 0, counts)
        with self.sizes_fig.batch_update():
            self.sizes_fig.data[0].x, self.sizes_fig.data[0].y = view["sizes"], downtime
            self.sizes_fig.data[1].x, self.sizes_fig.data[1].y = [members], [max(view["downtime_h"], 1e-9)]
        lost = [name for name, ok in zip(names, survives) if not ok]
        self.answer.value = results_table([
            ("members per zone", " + ".join(str(c) for c in counts)),
            (f"faults tolerated ({fault_model})", str(view["tolerated"])),
            ("quorum (members a decision needs)", str(view["quorum"])),
            ("a single zone loss that kills the quorum", ", ".join(lost) if lost else "none"),
            ("availability of the quorum", f"{100 * view['availability']:.6f} %"),
            ("expected downtime", f"{view['downtime_h']:.3g} hours a year"),
            ("machines", f"{view['yearly_cost']:,.0f} USD a year"),
        ])


def lease_view(lease_s: float, pause_s: float, clock_jump_s: float, fencing: bool) -> dict:
    """One seeded run of the lease lock (A renews every lease/3, pauses at 5 s; the server clock jumps at 4 s)."""
    if not lease_s > 0:
        raise ValueError(f"lease_s must be > 0 s; got {lease_s:g}")
    run = simulate_lease_lock(lease_s=lease_s, renew_every_s=lease_s / 3, pause_s=pause_s,
                              clock_jump_s=clock_jump_s, fencing=fencing, horizon_s=LEASE_HORIZON_S,
                              seed=LEASE_SEED)
    writes = run.writes
    return {"run": run, "corrupted": run.corrupted, "rejected": run.stale_writes_rejected,
            "holders": [h[0] for h in run.holdings],
            "accepted": [w["time_s"] for w in writes if w["event"] == "write accepted" and not w["stale"]],
            "rejected_at": [w["time_s"] for w in writes if w["event"] == "write rejected"],
            "corrupt_at": [w["time_s"] for w in writes if w["event"] == "write accepted" and w["stale"]]}


@register(
    name="ep17-lease-timeline",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"pause_s": float(p)} for p in range(0, 31, 3)]
        + [{"fencing": f} for f in (False, True)]
        + [{"lease_s": float(x)} for x in (0, 2, 5, 10, 15, 20)]      # 0 is bad: no lease
        + [{"clock_jump_s": float(j), "pause_s": 0.0} for j in (0, 5, 10, 15)]
        + [{"lease_s": 10.0, "pause_s": 15.0, "clock_jump_s": 0.0, "fencing": True}]
    ),
)
class LeaseTimeline(CourseWidget):
    """Lease, pause, clock jump and fencing → who held the lock when, and whether the resource was corrupted."""

    title = "A lease lock with a paused holder: when does the stale write get in?"

    def controls(self):
        return {
            "lease_s": widgets.FloatSlider(value=10.0, min=0.0, max=30.0, step=1.0, description="lease (s)"),
            "pause_s": widgets.FloatSlider(value=15.0, min=0.0, max=30.0, step=1.0,
                                           description="A's pause at t = 5 s (s)"),
            "clock_jump_s": widgets.FloatSlider(value=0.0, min=0.0, max=20.0, step=1.0,
                                                description="server clock jump at t = 4 s (s)"),
            "fencing": widgets.Checkbox(value=True, description="resource checks fencing tokens"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(data=[
            go.Bar(y=["A"], x=[0.0], base=[0.0], orientation="h", name="A holds the lease (server's view)",
                   marker_color="rgb(31,119,180)", width=0.5),
            go.Bar(y=["B"], x=[0.0], base=[0.0], orientation="h", name="B holds the lease (server's view)",
                   marker_color="rgb(255,127,14)", width=0.5),
            go.Bar(y=["A"], x=[0.0], base=[0.0], orientation="h", name="A paused (GC)",
                   marker_color="lightgray", width=0.25),
            go.Scatter(y=["resource"], x=[0.0], mode="markers", name="write accepted",
                       marker=dict(color="seagreen", size=7)),
            go.Scatter(y=["resource"], x=[0.0], mode="markers", name="stale write rejected (fencing)",
                       marker=dict(color="darkorange", size=13, symbol="x")),
            go.Scatter(y=["resource"], x=[0.0], mode="markers", name="stale write accepted: corruption",
                       marker=dict(color="crimson", size=16, symbol="star")),
        ])
        self.fig.update_layout(
            title="Who holds the lock, and which writes reach the resource?", height=340, barmode="overlay",
            xaxis=dict(title="time (s)", range=[0, LEASE_HORIZON_S]),
            yaxis=dict(categoryorder="array", categoryarray=list(reversed(LEASE_ROWS))),
            margin=dict(l=80, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        return [self.answer, self.fig]

    def update(self, lease_s, pause_s, clock_jump_s, fencing):
        self.view = view = lease_view(lease_s, pause_s, clock_jump_s, fencing)
        run = view["run"]
        spans = {name: [(start, end - start) for who, _, start, end in run.holdings if who == name]
                 for name in ("A", "B")}
        pause_start, pause_end = run.pause
        with self.fig.batch_update():
            for index, name in enumerate(("A", "B")):
                trace = self.fig.data[index]
                trace.y = [name] * len(spans[name])
                trace.base = [s for s, _ in spans[name]]
                trace.x = [d for _, d in spans[name]]
            paused = pause_s > 0 and np.isfinite(pause_start)
            self.fig.data[2].y = ["A"] if paused else []
            self.fig.data[2].base = [pause_start] if paused else []
            self.fig.data[2].x = [pause_end - pause_start] if paused else []
            for index, key in ((3, "accepted"), (4, "rejected_at"), (5, "corrupt_at")):
                self.fig.data[index].x = view[key]
                self.fig.data[index].y = ["resource"] * len(view[key])
        verdict = ("CORRUPTED: the resource accepted a write with an older token after a newer one"
                   if view["corrupted"] else
                   f"safe: {view['rejected']} stale write(s) rejected by the fencing check" if view["rejected"]
                   else "safe: no stale write reached the resource")
        self.answer.value = results_table([
            ("holders, in order (server's view)", " → ".join(view["holders"]) or "none"),
            ("writes accepted", str(len(view["accepted"]) + len(view["corrupt_at"]))),
            ("verdict", verdict),
        ])
