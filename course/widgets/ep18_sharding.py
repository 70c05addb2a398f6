"""Episode 18 shard heat map: where do the writes land under hash, range, directory and geo sharding?

A pure :func:`shard_view` draws 20,000 seeded writes (monotonic new ids or uniform keys, a share
of them to one hot key) and counts them per shard and per slice of time.

>>> view = shard_view("range", "monotonic", 0.0, 8)
>>> view["balance"], int(view["loads"][-1])
(0.0, 20000)

Taught in: Ep18 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.scaling.sharding import REGIONS, SCHEMES, balance, heat_map, write_keys
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-1/ep18-scaling/1-foundations"
_STYLE = {"description_width": "initial"}
WRITES = 20_000
KEY_SPACE = 100_000
WINDOWS = 20
HEAT_SEED = 18
MAX_SHARDS = 16


def shard_view(scheme: str, pattern: str, hot_share: float, shards: int) -> dict:
    """Writes per shard per time slice, per-shard totals, balance = min/max and the hottest shard's share."""
    if scheme == "geo" and shards > len(REGIONS):
        raise ValueError(f"shards must be <= {len(REGIONS)} for geo sharding (one shard per region: "
                         f"{', '.join(REGIONS)}); got {shards}")
    keys = write_keys(pattern, WRITES, KEY_SPACE, hot_share, seed=HEAT_SEED)
    regions = None
    if scheme == "geo":
        rng = np.random.default_rng(HEAT_SEED)
        regions = rng.choice(len(REGIONS), size=WRITES, p=list(REGIONS.values()))
    options = {"regions": regions} if scheme == "geo" else {"key_space": KEY_SPACE} if scheme == "range" else {}
    grid = heat_map(keys, scheme, shards, WINDOWS, **options)
    loads = grid.sum(axis=1)
    return {"grid": grid, "loads": loads, "balance": balance(loads), "hottest": float(loads.max() / WRITES)}


@register(
    name="ep18-shard-heat-map",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"scheme": s, "pattern": p, "shards": 4} for s in SCHEMES for p in ("monotonic", "uniform")]
        + [{"scheme": "hash", "hot_share": h} for h in (0.0, 0.1, 0.3, 0.5)]
        + [{"scheme": "range", "shards": n} for n in (2, 8, 16)]
        + [{"scheme": "geo", "shards": 8}]                             # bad: more shards than regions
        + [{"scheme": "range", "pattern": "monotonic", "hot_share": 0.0, "shards": 8}]
    ),
)
class ShardHeatMap(CourseWidget):
    """Writes per shard over time: hot ranges from monotonic keys, a hot key that stays hot."""

    title = "Shard heat map: where do 20,000 writes land?"

    def controls(self):
        return {
            "scheme": widgets.Dropdown(options=list(SCHEMES), value="range", description="scheme", style=_STYLE),
            "pattern": widgets.Dropdown(options=["monotonic", "uniform"], value="monotonic",
                                        description="keys of new writes", style=_STYLE),
            "hot_share": widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.05,
                                             description="share of writes to one hot key", style=_STYLE),
            "shards": widgets.IntSlider(value=8, min=2, max=MAX_SHARDS, description="shards", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = go.FigureWidget(data=[go.Heatmap(z=[[0, 0], [0, 0]], x=[0, 1], y=[0, 1], colorscale="YlOrRd",
                                                    colorbar=dict(title="writes"))])
        self.fig.update_layout(
            title="Which shard takes the writes, slice by slice?", height=380,
            xaxis_title=f"time (slice of {WRITES // WINDOWS:,} writes)", yaxis_title="shard",
            margin=dict(l=60, r=20, t=50, b=50))
        self.bars = go.FigureWidget(data=[go.Bar(x=[0, 1], y=[0, 0], name="writes")])
        self.bars.update_layout(title="Writes per shard (balance = min/max)", height=280,
                                xaxis_title="shard", yaxis_title="writes", margin=dict(l=60, r=20, t=50, b=50))
        return [self.answer, self.fig, self.bars]

    def update(self, scheme, pattern, hot_share, shards):
        self.view = view = shard_view(scheme, pattern, hot_share, shards)
        with self.fig.batch_update():
            self.fig.data[0].z = view["grid"]
            self.fig.data[0].x = np.arange(WINDOWS)
            self.fig.data[0].y = np.arange(shards)
        with self.bars.batch_update():
            self.bars.data[0].x = np.arange(shards)
            self.bars.data[0].y = view["loads"]
        self.answer.value = results_table([
            ("balance = min/max (1 is even)", f"{view['balance']:.3f}"),
            ("hottest shard's share of writes", f"{view['hottest']:.1%}"),
            ("an even share would be", f"{1 / shards:.1%}"),
        ])
