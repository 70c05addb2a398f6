"""Is a register's history linearizable? A checker in the Knossos/porcupine style.

A *history* is what the clients of a register saw: operations, each with the time it was
invoked and the time its response came back (``None`` if it never came back: the client
crashed or is still waiting). The history is **linearizable** if every operation can be
given one instant between its invocation and its response such that, taken in the order
of those instants, the operations behave like a single register: each read returns the
value of the latest write before it (or the initial value).

The search is Wing & Gong's (1993), with the memoisation of Lowe (2017) that porcupine and
Knossos use: build the linear order one operation at a time; an operation may go next only
if no operation still waiting responded before it was invoked (real-time order); a read may
go only if it returns the register's current value. A configuration — *which* operations
are placed and the register's value — reached twice is explored once, so the search visits
at most 2^n · (values) configurations instead of n! orders. Operations that never returned
may be placed (they took effect) or left out (they did not).

Times are real numbers; ``A`` precedes ``B`` only if ``A.response < B.invoke`` strictly, so
operations whose intervals touch are concurrent.

>>> history = [Operation("w", "write", 1, 0, 3),
...            Operation("r1", "read", 1, 1, 2),     # sees the write early: fine
...            Operation("r2", "read", 0, 4, 5)]     # starts after the write returned: stale
>>> check_register(history).ok
False
>>> check_register(history[:2]).order
(0, 1)

Taught in: Ep16 · 2-implementation (quorum reads and writes checked under faults).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import plotly.graph_objects as go

__all__ = ["Operation", "Linearization", "check_register", "history_figure"]

_KINDS = ("read", "write")
#: At most this many operations: the memo has up to 2^n entries per register value.
MAX_OPERATIONS = 24


@dataclass(frozen=True)
class Operation:
    """One operation on a register: ``client`` did a ``kind`` ("read" or "write") of
    ``value`` (the value written, or the value the read returned), invoked at time
    ``invoke`` and answered at time ``response`` (``None``: never answered). Times in any
    one unit (steps, ms)."""

    client: str
    kind: str
    value: object
    invoke: float
    response: float | None = None

    @property
    def complete(self) -> bool:
        """Did the client get an answer?"""
        return self.response is not None

    def __str__(self) -> str:
        end = "…" if self.response is None else f"{self.response:g}"
        value = "?" if self.value is None and self.kind == "read" else self.value
        return f"{self.client}: {self.kind} {value} [{self.invoke:g}, {end}]"


@dataclass(frozen=True)
class Linearization:
    """The checker's verdict. ``ok``: a linear order exists; ``order``: one such order (indices
    into the history; pending operations that were left out are not in it), or for a
    non-linearizable history the longest prefix the search could place; ``configurations``:
    distinct (placed set, value) pairs the search visited."""

    ok: bool
    order: tuple
    configurations: int

    def explain(self, history) -> str:
        """The order as readable lines (for a notebook)."""
        lines = [("linearizable" if self.ok else "NOT linearizable")
                 + f" ({self.configurations} configurations searched)"]
        label = "order" if self.ok else "longest placeable prefix"
        lines.append(f"{label}: " + " -> ".join(str(history[i]) for i in self.order))
        return "\n".join(lines)


def _validate(history) -> tuple:
    if isinstance(history, str | bytes) or not isinstance(history, Iterable):
        raise ValueError(f"history must be a list of Operation; got {history!r}")
    history = tuple(history)
    if len(history) > MAX_OPERATIONS:
        raise ValueError(f"history must hold at most {MAX_OPERATIONS} operations; "
                         f"got {len(history)}")
    for index, op in enumerate(history):
        if not isinstance(op, Operation):
            raise ValueError(f"history[{index}] must be an Operation; got {op!r}")
        if op.kind not in _KINDS:
            raise ValueError(f"history[{index}].kind must be 'read' or 'write'; got {op.kind!r}")
        for name, time in (("invoke", op.invoke), ("response", op.response)):
            if time is None and name == "response":
                continue
            if (isinstance(time, bool) or not isinstance(time, numbers.Real)
                    or not math.isfinite(time)):
                raise ValueError(f"history[{index}].{name} must be a finite time; got {time!r}")
        if op.response is not None and op.response < op.invoke:
            raise ValueError(f"history[{index}]: response {op.response} is before invoke "
                             f"{op.invoke}; a response must come at or after its invocation")
    return history


def check_register(history, initial=0) -> Linearization:
    """Is ``history`` (a list of :class:`Operation`) linearizable for one read/write
    register that starts holding ``initial``? Returns a :class:`Linearization`.

    >>> inverted = [Operation("a", "write", 1, 0, 10), Operation("b", "read", 1, 2, 3),
    ...             Operation("c", "read", 0, 4, 5)]   # new, then old, during the write
    >>> check_register(inverted).ok
    False
    >>> check_register([Operation("a", "write", 1, 0, None),   # never answered...
    ...                 Operation("b", "read", 1, 5, 6)]).ok   # ...but it took effect
    True
    """
    history = _validate(history)
    # An unanswered read returned nothing to anybody: it cannot be wrong, so leave it out.
    active = [i for i, op in enumerate(history) if op.complete or op.kind == "write"]
    n = len(active)
    ops = [history[i] for i in active]
    must = 0  # bitmask of the operations that have to be placed: the answered ones
    for j, op in enumerate(ops):
        if op.complete:
            must |= 1 << j
    ends = [math.inf if op.response is None else op.response for op in ops]
    seen: set = set()
    best: list = []

    def search(placed: int, value, order: list) -> bool:
        if placed & must == must:
            best[:] = order
            return True
        if (placed, value) in seen:
            return False
        seen.add((placed, value))
        if len(order) > len(best):
            best[:] = order
        # Real-time order: j may go next only if no waiting operation answered before j began.
        waiting_end = min((ends[k] for k in range(n) if not placed >> k & 1), default=math.inf)
        for j in range(n):
            if placed >> j & 1 or ops[j].invoke > waiting_end:
                continue
            op = ops[j]
            if op.kind == "read":
                if op.value != value:
                    continue
                next_value = value
            else:
                next_value = op.value
            order.append(active[j])
            if search(placed | 1 << j, next_value, order):
                return True
            order.pop()
        return False

    ok = search(0, initial, [])
    return Linearization(ok, tuple(best), len(seen))


def history_figure(history, title: str | None = None, verdict: Linearization | None = None
                   ) -> go.Figure:
    """A history drawn as one bar per operation, invoke to response, one lane per client.

    The question it answers: *which operations overlapped, and which one read a value no
    single register could have given it?* Reads are blue, writes green; an unanswered
    operation's bar runs to the right edge, hatched. With a failed ``verdict`` the first
    operation the search could not place is outlined in red.

    >>> figure = history_figure([Operation("w", "write", 1, 0, 3)])
    >>> figure.data[0].name
    'write'
    """
    history = _validate(history)
    last = max([op.response or op.invoke for op in history] + [1])
    clients = list(dict.fromkeys(op.client for op in history))
    stuck = None
    if verdict is not None and not verdict.ok:
        placed = set(verdict.order)
        waiting = [i for i, op in enumerate(history) if i not in placed and op.complete]
        stuck = min(waiting, key=lambda i: history[i].response) if waiting else None
    figure = go.Figure()
    for kind, color in (("write", "#2ca02c"), ("read", "#1f77b4")):
        rows = [(i, op) for i, op in enumerate(history) if op.kind == kind]
        if not rows:
            continue
        figure.add_trace(go.Bar(
            name=kind, orientation="h", y=[op.client for _, op in rows],
            base=[op.invoke for _, op in rows],
            x=[(op.response if op.complete else last + 1) - op.invoke or 0.15 for _, op in rows],
            text=[f"{kind} {op.value}" + ("" if op.complete else " (no answer)")
                  for _, op in rows],
            textposition="inside", insidetextanchor="middle",
            marker={"color": color,
                    "pattern": {"shape": ["" if op.complete else "/" for _, op in rows]},
                    "line": {"color": ["#d62728" if i == stuck else color for i, _ in rows],
                             "width": [4 if i == stuck else 1 for i, _ in rows]}},
            hovertemplate="%{text}<br>invoked %{base}<extra></extra>"))
    figure.update_layout(
        barmode="overlay", title=title or "History: each bar runs from invocation to response",
        xaxis={"title": "time (steps)"},
        yaxis={"title": "client", "categoryorder": "array", "categoryarray": clients[::-1]},
        height=160 + 45 * len(clients), margin={"l": 90, "r": 20, "t": 50, "b": 40})
    return figure
