"""Static figures of the course notebooks that need more than one unit: one axis per unit.

:func:`shared_pool_figure` draws Ep13's shared thread pool as the dependency slows: the mean
wait for a thread (ms, log axis in powers of ten, from 1 µs) above, the probability of waiting
(%, linear 0–100) below, sharing the latency axis — instead of ms and % on one log axis
reaching down to 1e-24.

>>> import numpy as np
>>> fig = shared_pool_figure(np.array([0.1, 0.3]), np.array([1e-20, 50.0]), np.array([1e-18, 0.6]),
...                          critical_latency=0.38, threads=40, arrival_rate=100.0)
>>> fig.layout.yaxis.title.text, fig.layout.yaxis2.title.text
('mean wait (ms)', 'P(wait) (%)')
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: Waits below this many milliseconds (1 µs) sit under the wait axis: nobody notices them.
WAIT_FLOOR_MS = 1e-3


def shared_pool_figure(latencies, waits_ms, p_waits, critical_latency: float, threads: int,
                       arrival_rate: float) -> go.Figure:
    """Mean wait (ms) and P(wait) (%) of a shared pool against the dependency latency (s).

    ``latencies`` in seconds, ``waits_ms`` in milliseconds, ``p_waits`` as probabilities
    (0–1); ``critical_latency`` (s) is where the pool loses its steady state.
    """
    latencies, waits_ms, p_waits = (np.asarray(a, dtype=float) for a in (latencies, waits_ms, p_waits))
    if not latencies.shape == waits_ms.shape == p_waits.shape:
        raise ValueError("latencies, waits_ms and p_waits must have the same length; got "
                         f"{latencies.size}, {waits_ms.size} and {p_waits.size}")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.add_trace(go.Scatter(x=latencies, y=waits_ms, name="mean wait for a thread (ms)"), 1, 1)
    fig.add_trace(go.Scatter(x=latencies, y=100 * p_waits, name="P(wait) (%)", line=dict(dash="dash")), 2, 1)
    fig.add_vline(x=critical_latency, line_dash="dot", row="all", col=1)
    fig.add_annotation(x=critical_latency, y=1.0, yref="paper", text="pool unstable from here",
                       showarrow=False, xanchor="right")
    top = max(float(np.nanmax(waits_ms)), 10 * WAIT_FLOOR_MS)
    fig.update_yaxes(type="log", exponentformat="power", range=[np.log10(WAIT_FLOOR_MS), np.log10(top) + 0.2],
                     title_text="mean wait (ms)", row=1, col=1)
    fig.update_yaxes(range=[0, 100], title_text="P(wait) (%)", row=2, col=1)
    fig.update_xaxes(title_text="dependency latency (s)", row=2, col=1)
    fig.update_layout(title=f"A shared pool of {threads} threads at {arrival_rate:.0f} requests/s "
                            "as the dependency slows (M/M/c)", height=460)
    return fig
