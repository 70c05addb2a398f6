"""Episode 17 widget: the election-timeout explorer — how long is a cluster without a leader
after its leader crashes, and how often do votes split?

A pure view first, :func:`election_view` (timeout range, network delay, loss → the failover
times of five servers, their CDF, the share of failovers with a split vote), computed by the
vectorised model :func:`course.coordination.raft_sim.fast_failover_times` (checked against
the event simulation in the tests) — then the widget that draws it, updated in place. The
quorum calculator and the lease timeline are in :mod:`course.widgets.ep17_locks`.

>>> view = election_view(timeout_min_ms=150, timeout_max_ms=151, delay_ms=5, loss=0.0)
>>> wide = election_view(timeout_min_ms=150, timeout_max_ms=300, delay_ms=5, loss=0.0)
>>> view["split_share"] > 0.95, wide["median_ms"] < 300 < view["median_ms"]
(True, True)

In a notebook: ``from course.widgets.ep17 import ElectionTimeoutExplorer`` then
``ElectionTimeoutExplorer().ui`` (a widget task: set 150–150 ms, then widen the range and
read how the share of failovers still leaderless after ten timeouts and the 95th percentile
fall; or raise the delay until the timing warning shows). About half the failovers keep
one failed election even at 150–300 ms: the set-up is the paper's worst case, where the
servers with the shortest logs cannot win and may time out first.

Taught in: Ep17 · 1-foundations (Figure 16's shape, the timing requirement).
"""

from __future__ import annotations

from functools import cache

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.coordination.raft_sim import fast_failover_times
from course.validation import require_in_range, require_positive
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep17-coordination/1-foundations"
_STYLE = {"description_width": "initial"}
#: fixed: the widget shows one sample per setting, the same on every move back
ELECTION_SEED = 17
TRIALS = 500
SERVERS = 5
#: A failover still without a leader after this many smallest timeouts counts as "capped".
CAP_TIMEOUTS = 10
#: The reference curve drawn beside yours: the paper's recommended range, 5 ms delay, no loss.
REFERENCE = (150.0, 300.0, 5.0, 0.0)


def _delays(delay_ms: float) -> tuple[float, float]:
    """One-way delays uniform in [delay/2, 3·delay/2]: mean ``delay_ms``."""
    return 0.5 * delay_ms, 1.5 * delay_ms


@cache
def _failovers(low: float, high: float, delay_ms: float, loss: float):
    frame = fast_failover_times((low, high), seed=ELECTION_SEED, trials=TRIALS, n=SERVERS,
                                delay_ms=_delays(delay_ms), loss=loss,
                                cap_ms=CAP_TIMEOUTS * low)
    return frame["downtime_ms"].to_numpy(), frame["split_votes"].to_numpy()


def election_view(timeout_min_ms: float, timeout_max_ms: float, delay_ms: float,
                  loss: float) -> dict:
    """Failovers of five servers (the Raft paper's §9.3 set-up) at this setting.

    ``timeout_min_ms`` in [20, 1000], ``timeout_max_ms`` in [min, 2000], ``delay_ms`` (mean
    one-way delay) in (0, 200], ``loss`` in [0, 0.5]. Returns the sorted failover times
    (``times_ms``, capped ones left out) and their cumulative share ``cdf``; ``median_ms`` and
    ``p95_ms`` (over every trial, capped ones counted at the cap); ``split_share`` (failovers
    with at least one failed election: a split vote, or a candidate whose log is too short);
    ``split_counts`` (share with 0, 1, 2, 3, 4+ failed elections);
    ``capped_share``; ``broadcast_ms`` (the longest round trip, 3 × delay) and
    ``timing_ok`` (broadcast time well below the smallest timeout: at most a tenth).
    """
    low = require_in_range("timeout_min_ms", timeout_min_ms, 20.0, 1000.0)
    high = require_in_range("timeout_max_ms", timeout_max_ms, 20.0, 2000.0)
    if high < low:
        raise ValueError(f"timeout_max_ms must be >= timeout_min_ms ({low:g} ms); got {high:g}")
    delay = require_positive("delay_ms", delay_ms)
    delay = require_in_range("delay_ms", delay, 0.0, 200.0)
    loss = require_in_range("loss", loss, 0.0, 0.5)
    times, splits = _failovers(low, high, delay, loss)
    cap = CAP_TIMEOUTS * low
    done = np.sort(times[~np.isnan(times)])
    filled = np.where(np.isnan(times), cap, times)
    counts = np.bincount(np.minimum(splits, 4), minlength=5) / len(splits)
    broadcast = 3.0 * delay
    return {
        "times_ms": done,
        "cdf": np.arange(1, len(done) + 1) / len(times),
        "median_ms": float(np.median(filled)),
        "p95_ms": float(np.percentile(filled, 95)),
        "split_share": float(np.mean(splits > 0)),
        "split_counts": counts,
        "capped_share": float(np.mean(np.isnan(times))),
        "cap_ms": cap,
        "broadcast_ms": broadcast,
        "timing_ok": broadcast <= low / 10.0,
    }


@register(
    name="ep17-election-timeout",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"timeout_min_ms": 150.0, "timeout_max_ms": float(h)}
         for h in (150, 151, 155, 175, 200, 300)]
        + [{"delay_ms": float(d)} for d in (1, 5, 15, 40)]
        + [{"loss": p} for p in (0.0, 0.1, 0.3)]
        + [{"timeout_min_ms": 12.0 * 5, "timeout_max_ms": 24.0 * 5, "delay_ms": 1.0,
            "loss": 0.0}]
        + [{"timeout_min_ms": 300.0, "timeout_max_ms": 200.0},      # bad: max < min
           {"timeout_min_ms": 100.0, "timeout_max_ms": 20.0},       # bad: max < min
           {"timeout_min_ms": 150.0, "timeout_max_ms": 300.0, "loss": 0.0, "delay_ms": 5.0}]
    ),
)
class ElectionTimeoutExplorer(CourseWidget):
    """Election-timeout range, delay, loss → time without a leader and split votes."""

    title = "Election timeouts: how long without a leader after the leader crashes?"

    def controls(self):
        return {
            "timeout_min_ms": widgets.FloatSlider(value=150.0, min=20.0, max=500.0, step=5.0,
                                                  description="smallest timeout (ms)",
                                                  style=_STYLE),
            "timeout_max_ms": widgets.FloatSlider(value=155.0, min=20.0, max=1000.0, step=1.0,
                                                  description="largest timeout (ms)",
                                                  style=_STYLE),
            "delay_ms": widgets.FloatSlider(value=5.0, min=0.5, max=100.0, step=0.5,
                                            description="one-way delay, mean (ms)", style=_STYLE),
            "loss": widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.01,
                                        description="message loss", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        reference = election_view(*REFERENCE)
        self.fig = go.FigureWidget(data=[
            go.Scatter(x=[0.0], y=[0.0], mode="lines", name="your setting",
                       line=dict(width=3)),
            go.Scatter(x=reference["times_ms"], y=reference["cdf"], mode="lines",
                       name="150–300 ms, 5 ms delay, no loss", line=dict(dash="dot")),
        ])
        self.fig.update_layout(
            title="How soon is there a leader again? (share of 500 failovers, 5 servers)",
            xaxis_title="time without a leader after the crash (ms)",
            yaxis_title="share of failovers with a leader again", yaxis_range=[0, 1.02],
            height=360, margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25))
        self.bars = go.FigureWidget(data=[go.Bar(x=["0", "1", "2", "3", "4+"], y=np.zeros(5),
                                                 name="failovers")])
        self.bars.update_layout(
            title="How many elections failed (split vote, or a too-short log) before one won?",
            xaxis_title="failed elections in one failover", yaxis_title="share of failovers",
            yaxis_range=[0, 1], height=300, margin=dict(l=60, r=20, t=50, b=50))
        return [self.answer, self.fig, self.bars]

    def update(self, timeout_min_ms, timeout_max_ms, delay_ms, loss):
        self.view = view = election_view(timeout_min_ms, timeout_max_ms, delay_ms, loss)
        with self.fig.batch_update():
            self.fig.data[0].x = view["times_ms"]
            self.fig.data[0].y = view["cdf"]
        with self.bars.batch_update():
            self.bars.data[0].y = view["split_counts"]
        rows = [
            ("median time without a leader", f"{view['median_ms']:,.0f} ms"),
            ("95th percentile", f"{view['p95_ms']:,.0f} ms"),
            ("failovers with a failed election (split vote or too-short log)",
             f"{view['split_share']:.0%}"),
            (f"no leader within {view['cap_ms']:,.0f} ms (10 smallest timeouts)",
             f"{view['capped_share']:.0%}"),
            ("broadcast time (longest round trip)", f"{view['broadcast_ms']:,.1f} ms"),
        ]
        warning = ""
        if not view["timing_ok"]:
            warning = ("<p style='color:#b35900'>⚠ broadcast time is not ≪ the election "
                       "timeout (more than a tenth of it): Raft's timing requirement is broken, "
                       "so followers start elections while votes are still on the way.</p>")
        self.answer.value = results_table(rows) + warning
