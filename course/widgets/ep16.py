"""Episode 16 widgets: the ring explorer and the quorum explorer.

Each widget is a thin view over :mod:`course.data`: a pure ``*_view`` function returns what is
drawn, the widget writes it into FigureWidgets in place. The replication-lag viewer is in
:mod:`course.widgets.ep16_lag`.

>>> view = ring_view(servers=10, vnodes=100)
>>> round(view["moved on join"], 3), round(view["modulo moved on join"], 3)
(0.086, 0.907)
>>> quorum_view(n=3, r=2, w=2, failures=0)["overlap"]
True

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.data.hashes import HASH_SPACE, key_hashes, keys
from course.data.movement import cv, modulo_moved_theory, ring_moved_theory, share_cv_theory
from course.data.quorums import (
    check_nrw,
    quorum_latency,
    simulate_stale_reads,
    stale_read_probability,
)
from course.validation import require_int, require_non_negative
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep16-data-management/1-foundations"
#: Keys placed by the ring explorer (hashed once per session).
EXPLORER_KEYS = 10_000
MAX_SERVERS = 32
MAX_VNODES = 500
#: Monte Carlo trials of the quorum explorer: stale reads and latency percentiles.
QUORUM_TRIALS = 4000
QUORUM_SEED = 16


# --------------------------------------------------------------------------- ring explorer


@functools.cache
def _tokens() -> np.ndarray:
    """Ring tokens of servers s0 … s32 (rows) at virtual nodes 0 … 499: Ring's own ``{node}#{v}`` hashes."""
    names = (f"s{i}#{v}" for i in range(MAX_SERVERS + 1) for v in range(MAX_VNODES))
    return key_hashes(names).reshape(MAX_SERVERS + 1, MAX_VNODES)


@functools.cache
def _key_hashes() -> np.ndarray:
    return key_hashes(keys(EXPLORER_KEYS))


def _ring(servers: int, vnodes: int) -> tuple[np.ndarray, np.ndarray]:
    tokens = _tokens()[:servers, :vnodes].ravel()
    owners = np.repeat(np.arange(servers), vnodes)
    order = np.argsort(tokens, kind="stable")
    return tokens[order], owners[order]


def _place(points: np.ndarray, owners: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    i = np.searchsorted(points, hashes, side="left")
    i[i == len(points)] = 0
    return owners[i]


def ring_view(servers: int, vnodes: int) -> dict:
    """Ring shares (exact, of the hash space) of ``servers`` s0… with ``vnodes`` each; keys moved when one joins.

    Identical to :class:`course.data.partitioners.Ring` over servers ``s0 … s{N-1}`` (same
    tokens), placed on :data:`EXPLORER_KEYS` keys; modulo-N's movement on the same keys for contrast.
    """
    servers = require_int("servers", servers, minimum=2, maximum=MAX_SERVERS)
    vnodes = require_int("vnodes", vnodes, minimum=1, maximum=MAX_VNODES)
    points, owners = _ring(servers, vnodes)
    with np.errstate(over="ignore"):
        arcs = np.diff(points, prepend=points[-1:])
    shares = np.bincount(owners, weights=arcs.astype(np.float64), minlength=servers) / HASH_SPACE
    shares = shares / shares.sum()
    hashes = _key_hashes()
    before = _place(points, owners, hashes)
    after = _place(*_ring(servers + 1, vnodes), hashes)
    modulo_before = hashes % np.uint64(servers)
    modulo_after = hashes % np.uint64(servers + 1)
    return {
        "servers": servers, "vnodes": vnodes, "shares": shares,
        "load CV": cv(shares), "CV theory": share_cv_theory(servers, vnodes),
        "max/mean": float(shares.max() * servers),
        "moved on join": float(np.mean(before != after)), "join theory": ring_moved_theory(servers),
        "modulo moved on join": float(np.mean(modulo_before != modulo_after)),
        "modulo theory": modulo_moved_theory(servers),
        "keys per server": np.bincount(before, minlength=servers),
    }


@register(
    name="ep16-ring-explorer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"servers": s, "vnodes": 100} for s in (2, 3, 5, 10, 20, 32)]
        + [{"servers": 10, "vnodes": v} for v in (1, 2, 5, 10, 50, 100, 200, 500)]
        + [{"servers": 32, "vnodes": 500}]
        + [{"servers": 10, "vnodes": 0}]                       # no ring points: a message
        + [{"servers": 10, "vnodes": 100}]                     # and back
    ),
)
class RingExplorer(CourseWidget):
    """Servers and virtual nodes → each server's share of the ring, and the keys a join moves."""

    title = "Consistent hashing: virtual nodes, load shares and the keys a new server takes"

    def controls(self):
        return {
            "servers": widgets.IntSlider(value=10, min=2, max=MAX_SERVERS, description="servers N"),
            "vnodes": widgets.IntSlider(value=100, min=0, max=MAX_VNODES, description="virtual nodes per server V"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Bar(x=[], y=[], name="share of the ring"),
                  go.Scatter(x=[], y=[], mode="lines", name="fair share 1/N", line=dict(dash="dash"))],
            layout=dict(height=320, margin=dict(l=60, r=20, t=40, b=40), yaxis_title="share of keys (%)",
                        xaxis_title="server", title="How even is the ring? Each server's share of the hash space"),
        )
        self.moves = go.FigureWidget(
            data=[go.Bar(x=["modulo-N", "ring"], y=[0, 0], name="measured"),
                  go.Bar(x=["modulo-N", "ring"], y=[0, 0], name="theory: N/(N+1) and 1/(N+1)")],
            layout=dict(barmode="group", height=280, margin=dict(l=60, r=20, t=40, b=40),
                        yaxis=dict(title="keys moved (%)", range=[0, 100]),
                        title=f"How many of {EXPLORER_KEYS:,} keys move when server N+1 joins?"),
        )
        return [self.answer, self.fig, self.moves]

    def update(self, servers, vnodes):
        if vnodes < 1:
            raise ValueError(f"virtual nodes per server V must be >= 1: a server with no point on the ring "
                             f"owns no keys at all; got {vnodes}")
        self.view = view = ring_view(servers, vnodes)
        names = [f"s{i}" for i in range(servers)]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = names, (100 * view["shares"]).tolist()
            self.fig.data[1].x, self.fig.data[1].y = [names[0], names[-1]], [100 / servers] * 2
        with self.moves.batch_update():
            self.moves.data[0].y = [100 * view["modulo moved on join"], 100 * view["moved on join"]]
            self.moves.data[1].y = [100 * view["modulo theory"], 100 * view["join theory"]]
        self.answer.value = results_table([
            ("load CV (measured) / √((N−1)/(NV+1)) / 1/√V",
             f"{view['load CV']:.3f} / {view['CV theory']:.3f} / {1 / np.sqrt(vnodes):.3f}"),
            ("busiest server / fair share", f"{view['max/mean']:.2f}×"),
            ("keys moved on a join: ring / modulo-N",
             f"{100 * view['moved on join']:.1f} % / {100 * view['modulo moved on join']:.1f} %"),
        ])


# --------------------------------------------------------------------------- quorum explorer


def quorum_view(n: int, r: int, w: int, failures: int, read_after_ms: float = 0.0,
                trials: int = QUORUM_TRIALS, seed: int = QUORUM_SEED) -> dict:
    """Stale-read probability (exact bound and simulated) and read/write latency of N/R/W with failures.

    Replicas answer in 2 ms + Exponential(8 ms); ``failures`` replicas are down (strict quorum:
    an operation needing more replies than replicas up is unavailable).
    """
    n, r, w = check_nrw(n, r, w)
    failures = require_int("failures", failures, minimum=0, maximum=n)
    require_non_negative("read_after_ms", read_after_ms)
    read = quorum_latency(n, r, failures, trials=trials, seed=seed)
    write = quorum_latency(n, w, failures, trials=trials, seed=seed + 1)
    stale = simulate_stale_reads(n, r, w, read_after=read_after_ms / 1000, trials=trials, seed=seed)
    return {"n": n, "r": r, "w": w, "failures": failures, "overlap": r + w > n,
            "stale bound": stale_read_probability(n, r, w), "stale measured": stale["stale"],
            "read": read, "write": write}


@register(
    name="ep16-quorum-explorer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"n": 3, "r": r, "w": w, "failures": 0} for r in (1, 2, 3) for w in (1, 2, 3)]
        + [{"n": 5, "r": 2, "w": 2, "failures": f} for f in (0, 1, 2, 3, 4, 5)]
        + [{"n": 3, "r": 1, "w": 1, "failures": 0, "read_after_ms": t} for t in (0.0, 5.0, 20.0)]
        + [{"n": 3, "r": 5, "w": 2, "failures": 0}]                         # R > N: a message
        + [{"n": 3, "r": 2, "w": 2, "failures": 0}]                         # and back
    ),
)
class QuorumExplorer(CourseWidget):
    """N, R, W and failed replicas → stale-read probability, read/write latency, availability."""

    title = "Quorums: N, R, W and failures → stale reads and latency"

    def controls(self):
        return {
            "n": widgets.IntSlider(value=3, min=1, max=7, description="replicas N"),
            "r": widgets.IntSlider(value=2, min=1, max=7, description="read quorum R"),
            "w": widgets.IntSlider(value=2, min=1, max=7, description="write quorum W"),
            "failures": widgets.IntSlider(value=0, min=0, max=7, description="replicas down"),
            "read_after_ms": widgets.FloatSlider(value=0.0, min=0.0, max=50.0, step=1.0,
                                                 description="read this long after the ack (ms)"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(
            data=[go.Bar(x=["p50", "p99", "p99.9"], y=[0, 0, 0], name="read (wait for R)"),
                  go.Bar(x=["p50", "p99", "p99.9"], y=[0, 0, 0], name="write (wait for W)")],
            layout=dict(barmode="group", height=300, margin=dict(l=60, r=20, t=40, b=40),
                        yaxis_title="latency (ms)",
                        title="What does waiting for R or W replies cost? (replica: 2 ms + Exp(8 ms))"),
        )
        return [self.answer, self.fig]

    def update(self, n, r, w, failures, read_after_ms):
        for label, value in (("read quorum R", r), ("write quorum W", w), ("replicas down", failures)):
            if value > n:
                raise ValueError(f"{label} must be <= replicas N = {n}; got {value}")
        self.view = view = quorum_view(n, r, w, failures, read_after_ms)
        ms = {op: [1000 * view[op][p] if view[op]["available"] else 0.0 for p in ("p50", "p99", "p999")]
              for op in ("read", "write")}
        with self.fig.batch_update():
            self.fig.data[0].y, self.fig.data[1].y = ms["read"], ms["write"]
        verdict = "R + W > N: every read meets the latest write" if view["overlap"] else \
            "R + W ≤ N: a read can miss the latest acknowledged write"
        self.answer.value = results_table([
            ("quorums", verdict),
            ("stale read right after the ack: C(N−W,R)/C(N,R)", f"{view['stale bound']:.3f}"),
            (f"stale read {read_after_ms:g} ms after the ack (simulated, {QUORUM_TRIALS:,} trials)",
             f"{view['stale measured']:.3f}"),
            ("reads / writes available with these replicas down",
             f"{'yes' if view['read']['available'] else 'NO'} / {'yes' if view['write']['available'] else 'NO'}"),
        ])
