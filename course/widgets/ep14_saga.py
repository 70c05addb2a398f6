"""Episode 14 saga state-space viewer: the orchestrator's states, found by the exploration engine.

The saga's orchestrator is written as a model for :mod:`course.exploration` (its states are
(phase, step) pairs, its actions the outcomes of a step or a compensation) and explored
breadth-first with the invariant "nothing at or after the pivot is compensated". The viewer
draws the state graph — a line forward, a line back — and compares its size, n + p + 2 for n
steps with the pivot at p, with the 2ⁿ subsets a model of "which steps are done" would allow.

>>> view = saga_view(compensatable=3, retriable=2)
>>> view["states"], view["subsets"], view["exhaustive"], view["violation"]
(11, 64, True, None)

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from course.events.saga import Step, saga_transitions, validate_saga
from course.exploration import Action, FunctionModel, Invariant, explore
from course.validation import require_int
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep14 import FOUNDATIONS
from course.widgets.registry import register

_STYLE = {"description_width": "initial"}
#: Largest saga the viewer draws (steps on each side of the pivot).
MAX_SIDE = 12


def saga_model(steps: list[Step]) -> FunctionModel:
    """The orchestrator of a linear saga as an exploration model, with the pivot invariant."""
    pivot = validate_saga(steps)

    def actions(state):
        return [Action("orchestrator", outcome) for outcome, _ in saga_transitions(state, steps, pivot)]

    def step(state, action):
        return dict(saga_transitions(state, steps, pivot))[action.name]

    nothing_after_pivot = Invariant("nothing at or after the pivot is compensated",
                                    lambda state: not (state[0] == "undo" and state[1] >= pivot))
    return FunctionModel(("run", 0), actions, step, [nothing_after_pivot], describe=_describe)


def _describe(state) -> str:
    """'run:2' for ("run", 2): the engine keeps states in its graph by their description."""
    return f"{state[0]}:{state[1]}"


def _parse(description: str) -> tuple:
    phase, i = description.split(":")
    return phase, int(i)


def saga_view(compensatable: int, retriable: int, after_pivot: str = "retriable") -> dict:
    """Explore the saga with ``compensatable`` steps, a pivot and ``retriable`` steps; node positions.

    ``after_pivot="compensatable"`` makes the steps after the pivot compensatable: a design the
    saga rules refuse (a ValueError saying why), since nothing after the pivot may be undone.
    """
    compensatable = require_int("compensatable", compensatable, minimum=0, maximum=MAX_SIDE)
    retriable = require_int("retriable", retriable, minimum=0, maximum=MAX_SIDE)
    steps = ([Step(f"C{i + 1}", "compensatable") for i in range(compensatable)] + [Step("P", "pivot")]
             + [Step(f"R{i + 1}", after_pivot) for i in range(retriable)])
    result = explore(saga_model(steps), keep_graph=True, stop_at_first=False)
    nodes, edges = result.graph
    n = len(steps)

    def place(state):
        phase, i = state
        if phase == "run":
            return float(i), 1.0
        if phase == "undo":
            return float(i), 0.0
        return (float(n), 1.0) if phase == "completed" else (-1.0, 0.0)

    where = {row.id: place(_parse(row.state)) for row in nodes.itertuples()}
    labels = {row.id: _label(_parse(row.state), steps) for row in nodes.itertuples()}
    edge_x, edge_y = [], []
    for row in edges.itertuples():
        if row.source == row.target:
            continue                                   # a retry loop: drawn as the node's ring
        (x0, y0), (x1, y1) = where[row.source], where[row.target]
        edge_x += [x0, x1, None]
        edge_y += [y0, y1, None]
    ids = list(where)
    return {
        "states": result.states, "transitions": result.transitions, "subsets": 2 ** n,
        "exhaustive": result.exhaustive, "violation": result.violation, "steps": n,
        "node_x": [where[i][0] for i in ids], "node_y": [where[i][1] for i in ids],
        "labels": [labels[i] for i in ids], "edge_x": edge_x, "edge_y": edge_y,
    }


def _label(state, steps) -> str:
    phase, i = state
    if phase == "run":
        return f"run {steps[i].name}"
    if phase == "undo":
        return f"undo {steps[i].name}"
    return phase


@register(
    name="ep14-saga-state-space",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"compensatable": c} for c in range(0, MAX_SIDE + 1, 3)]
        + [{"retriable": r} for r in range(0, MAX_SIDE + 1, 4)]
        + [{"compensatable": MAX_SIDE, "retriable": MAX_SIDE}, {"compensatable": 2, "retriable": 1}]
        + [{"after_pivot": "compensatable"}, {"after_pivot": "retriable"}]   # the first breaks the rules
    ),
)
class SagaStateSpaceViewer(CourseWidget):
    """The linear saga's states as a graph, and how their number grows next to 2ⁿ."""

    title = "A saga's state space: explored by the exploration engine"

    def controls(self):
        return {
            "compensatable": widgets.IntSlider(value=2, min=0, max=MAX_SIDE,
                                               description="compensatable steps", style=_STYLE),
            "retriable": widgets.IntSlider(value=1, min=0, max=MAX_SIDE, description="steps after the pivot",
                                           style=_STYLE),
            "after_pivot": widgets.Dropdown(options=["retriable", "compensatable"], value="retriable",
                                            description="steps after the pivot are", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], subplot_titles=(
            "orchestrator states (top: forward; bottom: compensating)", "states against the steps n"))
        fig.add_trace(go.Scatter(x=[0], y=[0], mode="lines", line=dict(color="#aaaaaa"), name="transition",
                                 showlegend=False), 1, 1)
        fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers+text", text=[""], textposition="top center",
                                 marker=dict(size=14), name="state", showlegend=False), 1, 1)
        fig.add_trace(go.Scatter(x=[1], y=[1], mode="lines+markers", name="linear saga (explored)"), 1, 2)
        fig.add_trace(go.Scatter(x=[1], y=[2], mode="lines", name="2ⁿ subsets", line=dict(dash="dash")), 1, 2)
        fig.update_yaxes(visible=False, range=[-0.6, 1.6], row=1, col=1)
        fig.update_xaxes(title_text="step", row=1, col=1)
        fig.update_yaxes(type="log", exponentformat="power", title_text="states", row=1, col=2)
        fig.update_xaxes(title_text="steps n", row=1, col=2)
        fig.update_layout(height=360, margin=dict(l=40, r=20, t=50, b=40), legend=dict(orientation="h", y=-0.2))
        self.fig = go.FigureWidget(fig)
        return [self.answer, self.fig]

    def update(self, compensatable, retriable, after_pivot):
        self.view = view = saga_view(compensatable, retriable, after_pivot)
        ns = np.arange(1, view["steps"] + 1)
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = view["edge_x"], view["edge_y"]
            self.fig.data[1].x, self.fig.data[1].y = view["node_x"], view["node_y"]
            self.fig.data[1].text = view["labels"]
            # for n steps with the pivot as early as it is here: n + p + 2 states
            self.fig.data[2].x, self.fig.data[2].y = ns, ns + min(compensatable, view["steps"] - 1) + 2
            self.fig.data[3].x, self.fig.data[3].y = ns, 2.0 ** ns
        self.answer.value = results_table([
            ("steps n (pivot at position)", f"{view['steps']} ({compensatable + 1})"),
            ("states found by the exploration", f"{view['states']} ({view['transitions']} transitions)"),
            ("subsets of done steps, 2ⁿ", f"{view['subsets']:,}"),
            ("search", "exhaustive" if view["exhaustive"] else "bounded"),
            ("nothing after the pivot compensated", "holds" if view["violation"] is None else "VIOLATED"),
        ])
