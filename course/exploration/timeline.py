"""Draw a counterexample as a timeline: one lane per actor, one marker per step.

The question the figure answers: *who did what, in which order, to break the invariant?*
Faults (crashes, duplicates, reorderings, timeouts) are red crosses, the system's own
actions blue dots; hovering a marker shows the state after that step, and a red ring marks
the last step, where the invariant named in the title broke.

>>> from course.exploration.results import Counterexample, Step
>>> trace = Counterexample("no effect applied twice", "state", "start",
...                        (Step(1, "broker", "deliver m1", False, "inbox [m1]"),
...                         Step(2, "broker", "duplicate m1", True, "inbox [m1, m1]")))
>>> figure = timeline_figure(trace)
>>> [trace.name for trace in figure.data]
['action', 'fault', 'violation']
"""

from __future__ import annotations

import plotly.graph_objects as go

from course.exploration.results import Counterexample

__all__ = ["timeline_figure"]


def timeline_figure(counterexample: Counterexample, title: str | None = None) -> go.Figure:
    """A plotly figure of ``counterexample``: step (x) against actor (y), faults in red."""
    if not isinstance(counterexample, Counterexample):
        raise ValueError(f"counterexample must be a Counterexample (from explore(...).violation); "
                         f"got {type(counterexample).__name__}")
    table = counterexample.table().iloc[1:]
    actors = list(dict.fromkeys(table["actor"]))
    figure = go.Figure()
    for fault, name, color, symbol in ((False, "action", "#1f77b4", "circle"),
                                       (True, "fault", "#d62728", "x")):
        rows = table[table["fault"] == fault]
        figure.add_trace(go.Scatter(
            x=rows["step"], y=rows["actor"], mode="markers+text", name=name,
            text=rows["action"], textposition="top center", cliponaxis=False,
            marker={"color": color, "symbol": symbol, "size": 12},
            customdata=rows[["state"]].to_numpy(),
            hovertemplate="step %{x}: %{text}<br>state after: %{customdata[0]}<extra></extra>"))
    if len(table):
        last = table.iloc[-1]
        # A ring round the last step: the title names the invariant it broke.
        figure.add_trace(go.Scatter(
            x=[last["step"]], y=[last["actor"]], mode="markers", name="violation",
            marker={"color": "rgba(0,0,0,0)", "size": 24,
                    "line": {"color": "#d62728", "width": 2}},
            hovertemplate=f"broke: {counterexample.invariant}<extra></extra>"))
    figure.update_layout(
        title=title or f"Shortest counterexample: {counterexample.invariant}",
        xaxis={"title": "step", "dtick": 1, "range": [0.3, len(table) + 0.7]},
        yaxis={"title": "actor", "categoryorder": "array", "categoryarray": actors[::-1],
               "range": [-0.5, len(actors) - 0.2]},  # room above the top lane for its labels
        height=180 + 40 * len(actors), margin={"l": 90, "r": 20, "t": 50, "b": 40})
    return figure
