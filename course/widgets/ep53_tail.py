"""Episode 53 fan-out tail calculator: how slow a request that waits for n backends is, and
how much extra load hedging costs for how much p99.

A request fans out to ``fanout`` backends and waits for all of them; each backend's latency is
lognormal with a mean and a coefficient of variation (σ = √ln(1 + CV²)). "Slow" means slower
than one backend's own p99, so a single call is slow 1 % of the time. Hedging: when a call has
not answered after its ``hedge_percentile``-th percentile, a copy goes to another replica and
the first reply wins (:class:`course.capacity.performance.HedgedRequests`: independent
replies, the copy not slowed by the extra load, nothing cancelled). The price is the share
of calls that send a copy, 1 − hedge_percentile.

>>> v = fanout_tail(fanout=100, mean_ms=10, cv=1.5, hedge_percentile=95)
>>> round(v.slow_share, 4), round(v.extra_load, 2)               # 1 − 0.99^100, 5 % copies
(0.634, 0.05)
>>> round(v.request_p99_ms, 1), round(v.hedged_request_p99_ms, 1)
(314.0, 87.2)

Taught in: Ep53 · 1-foundations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from scipy import special

from course.capacity.performance import (
    HedgedRequests,
    LognormalLatency,
    fanout_quantile,
    fanout_slow_probability,
)
from course.validation import require_in_range, require_int
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep53 import FOUNDATIONS
from course.widgets.registry import register

#: Quantile of one backend that defines "slow" (its p99), and of the request we report.
SLOW_LEVEL = 0.99
#: Fan-outs drawn: 1 to 1000 on a log axis.
_FANOUTS = np.unique(np.round(np.logspace(0, 3, 61)))
#: Hedge points on the trade-off curve: send the copy at these percentiles of one backend.
_HEDGE_PERCENTILES = np.concatenate([np.arange(50.0, 95.0, 2.5), np.arange(95.0, 99.95, 0.25)])
_BISECTIONS = 80


@dataclass(frozen=True)
class FanoutTail:
    """Slow shares and p99s with and without hedging; arrays over fan-outs and hedge points.

    Times in milliseconds, shares as fractions. ``extra_loads`` and ``hedged_p99s_ms`` form the
    trade-off curve (one point per entry of ``hedge_percentiles``).
    """

    fanout: int
    slow_threshold_ms: float
    slow_share: float
    hedged_slow_share: float
    request_p99_ms: float
    hedged_request_p99_ms: float
    extra_load: float
    fanouts: np.ndarray
    slow_shares: np.ndarray
    hedged_slow_shares: np.ndarray
    hedge_percentiles: np.ndarray
    extra_loads: np.ndarray
    hedged_p99s_ms: np.ndarray


def _lognormal_sf(times, mu: float, sigma: float):
    """P(L > t) of the lognormal, vectorised (1 for t <= 0)."""
    times = np.asarray(times, dtype=float)
    with np.errstate(divide="ignore"):
        z = (np.log(np.maximum(times, 0.0)) - mu) / sigma
    return special.ndtr(-z)


def hedged_quantiles(latency: LognormalLatency, delays, p: float) -> np.ndarray:
    """The p-quantile of min(L₁, d + L₂) for every hedge delay d in ``delays`` (same unit).

    Vectorised bisection on S(t)·S(t − d) = 1 − p between 0 and the unhedged quantile (hedging
    never makes a reply later): 80 halvings leave an error below 1e-24 of that quantile, far
    below a float's resolution. Agrees with :meth:`HedgedRequests.quantile`.

    >>> latency = LognormalLatency(mean=10, cv=1.5)
    >>> round(float(hedged_quantiles(latency, [20.0], 0.99)[0]), 1)
    33.5
    """
    delays = np.asarray(delays, dtype=float)
    target = 1.0 - p
    low, high = np.zeros_like(delays), np.full_like(delays, latency.quantile(p))
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        late = _lognormal_sf(middle, latency.mu, latency.sigma) * np.where(
            middle > delays, _lognormal_sf(middle - delays, latency.mu, latency.sigma), 1.0)
        too_early = late > target
        low, high = np.where(too_early, middle, low), np.where(too_early, high, middle)
    return high


def fanout_tail(fanout: int, mean_ms: float, cv: float, hedge_percentile: float) -> FanoutTail:
    """Slow share and p99 of a request waiting for ``fanout`` lognormal backends, hedged or not.

    ``mean_ms`` and ``cv`` describe one backend's latency; ``hedge_percentile`` (50–99.9) is the
    percentile of one backend's latency after which a copy is sent.

    >>> round(fanout_tail(1, 10, 1.5, 95).slow_share, 4)
    0.01
    """
    fanout = require_int("fanout", fanout, minimum=1, maximum=100_000)
    hedge_percentile = require_in_range("hedge_percentile", hedge_percentile, 50.0, 99.9)
    latency = LognormalLatency(mean=mean_ms, cv=cv)
    threshold = latency.quantile(SLOW_LEVEL)
    hedge_delay = latency.quantile(hedge_percentile / 100)
    hedged = HedgedRequests(latency, hedge_delay)
    p_hedged = hedged.slow_probability(threshold)
    # The request waits for all n replies: P(max <= t) = F(t)^n, so its p99 is one reply's
    # quantile at 0.99^(1/n).
    per_call_level = SLOW_LEVEL ** (1.0 / fanout)
    delays = np.exp(latency.mu + latency.sigma * special.ndtri(_HEDGE_PERCENTILES / 100))
    return FanoutTail(
        fanout=fanout, slow_threshold_ms=threshold,
        slow_share=fanout_slow_probability(1 - SLOW_LEVEL, fanout),
        hedged_slow_share=fanout_slow_probability(p_hedged, fanout),
        request_p99_ms=fanout_quantile(latency, fanout, SLOW_LEVEL),
        hedged_request_p99_ms=float(hedged_quantiles(latency, [hedge_delay], per_call_level)[0]),
        extra_load=hedged.extra_load,
        fanouts=_FANOUTS,
        slow_shares=-np.expm1(_FANOUTS * math.log1p(-(1 - SLOW_LEVEL))),
        hedged_slow_shares=-np.expm1(_FANOUTS * math.log1p(-p_hedged)),
        hedge_percentiles=_HEDGE_PERCENTILES,
        extra_loads=_lognormal_sf(delays, latency.mu, latency.sigma),
        hedged_p99s_ms=hedged_quantiles(latency, delays, per_call_level),
    )


def _tail_sweep():
    return ([{"fanout": n, "hedge_percentile": h} for n in (1, 10, 100, 1000) for h in (50.0, 90.0, 95.0, 99.0)]
            + [{"fanout": 100, "cv": cv, "mean_ms": m} for cv in (0.2, 1.0, 3.0) for m in (2.0, 50.0)]
            + [{"fanout": 100, "cv": 0.0},                                       # bad: cv must be > 0
               {"fanout": 100, "cv": 1.5, "mean_ms": 10.0, "hedge_percentile": 95.0}])


@register(name="ep53-fanout-hedging", notebook=FOUNDATIONS, sweep=_tail_sweep)
class FanoutTailCalculator(CourseWidget):
    """Slow share against fan-out (left) and the price of hedging in load against p99 (right).

    >>> t = FanoutTailCalculator(); t.set(fanout=100, hedge_percentile=95.0)
    >>> round(100 * t.view.slow_share, 1), round(100 * t.view.extra_load, 1)
    (63.4, 5.0)
    """

    title = "Fan-out tail calculator: a request waits for all n backends; hedge slow calls"

    def controls(self):
        return {
            "fanout": widgets.IntSlider(value=100, min=1, max=1000, description="fan-out n (backends)"),
            "mean_ms": widgets.FloatSlider(value=10.0, min=1.0, max=100.0, step=0.5,
                                           description="backend mean latency (ms)"),
            "cv": widgets.FloatSlider(value=1.5, min=0.0, max=4.0, step=0.05, description="backend latency CV"),
            "hedge_percentile": widgets.FloatSlider(value=95.0, min=50.0, max=99.9, step=0.1,
                                                    description="hedge after percentile"),
        }

    def figures(self):
        self.answer = widgets.HTML()
        empty = dict(x=[], y=[])
        self.fig = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines", name="no hedging: 1 − 0.99ⁿ"),
            go.Scatter(**empty, mode="lines", line=dict(dash="dash"), name="hedged"),
            go.Scatter(**empty, mode="markers", marker=dict(size=12, symbol="circle-open"), name="your n"),
        ])
        self.fig.update_layout(title="Share of requests slower than one backend's p99", height=380,
                               xaxis_type="log", xaxis_exponentformat="power", xaxis_title="fan-out n (log scale)",
                               yaxis_title="requests slow (%)", yaxis_range=[0, 101],
                               margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.3))
        self.tradeoff = go.FigureWidget(data=[
            go.Scatter(**empty, mode="lines+markers", marker=dict(size=4), name="hedged, by hedge point"),
            go.Scatter(**empty, mode="markers", marker=dict(size=13, symbol="star"), name="no hedging"),
            go.Scatter(**empty, mode="markers", marker=dict(size=13, symbol="circle-open"),
                       name="your hedge point"),
        ])
        self.tradeoff.update_layout(title="What extra load buys: the request's p99 (all n replies)",
                                    height=380, xaxis_title="extra load: calls that send a copy (%)",
                                    yaxis_title="request p99 (ms)", margin=dict(l=60, r=20, t=50, b=50),
                                    legend=dict(orientation="h", y=-0.3))
        return [self.answer, widgets.HBox([self.fig, self.tradeoff])]

    def plotly_figures(self):
        return [self.fig, self.tradeoff]

    def update(self, fanout, mean_ms, cv, hedge_percentile):
        view = fanout_tail(fanout, mean_ms, cv, hedge_percentile)
        self.view = view
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = view.fanouts, 100 * view.slow_shares
            self.fig.data[1].x, self.fig.data[1].y = view.fanouts, 100 * view.hedged_slow_shares
            self.fig.data[2].x = [view.fanout, view.fanout]
            self.fig.data[2].y = [100 * view.slow_share, 100 * view.hedged_slow_share]
        with self.tradeoff.batch_update():
            self.tradeoff.data[0].x, self.tradeoff.data[0].y = 100 * view.extra_loads, view.hedged_p99s_ms
            self.tradeoff.data[1].x, self.tradeoff.data[1].y = [0.0], [view.request_p99_ms]
            self.tradeoff.data[2].x = [100 * view.extra_load]
            self.tradeoff.data[2].y = [view.hedged_request_p99_ms]
        self.answer.value = results_table([
            ("slow = slower than one backend's p99", f"{view.slow_threshold_ms:,.1f} ms"),
            (f"requests slow at n = {view.fanout}, no hedging", f"{100 * view.slow_share:.1f} %"),
            (f"requests slow at n = {view.fanout}, hedged", f"{100 * view.hedged_slow_share:.2f} %"),
            ("request p99, no hedging", f"{view.request_p99_ms:,.1f} ms"),
            ("request p99, hedged", f"{view.hedged_request_p99_ms:,.1f} ms"),
            ("extra load (calls that send a copy)", f"{100 * view.extra_load:.1f} %"),
        ])
