"""What an exploration returns: an :class:`Exploration` and its :class:`Counterexample` traces.

A counterexample is a run from the initial state to a violation, one :class:`Step` per action:
who acted (``actor``), what happened (``action``), whether the environment injected it as a
fault, and the state after it (rendered by the model's ``describe``). ``table()`` gives it as
a tidy pandas DataFrame; :func:`course.exploration.timeline.timeline_figure` draws it.

>>> steps = (Step(1, "broker", "deliver m1", False, "inbox [m1]"),
...          Step(2, "consumer", "crash", True, "inbox []"))
>>> trace = Counterexample("each effect applied exactly once", "state", "inbox []", steps)
>>> len(trace), trace.actions
(2, ['deliver m1', 'crash'])
>>> trace.table().columns.tolist()
['step', 'actor', 'action', 'fault', 'state']
>>> print(trace)
invariant violated: each effect applied exactly once (after 2 steps)
   0              start                         inbox []
   1  broker      deliver m1                    inbox [m1]
   2  consumer    crash (fault)                 inbox []
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Step", "Counterexample", "Exploration"]


@dataclass(frozen=True)
class Step:
    """One action of a trace and the state after it (``state`` is the model's description)."""

    step: int
    actor: str
    action: str
    fault: bool
    state: str


@dataclass(frozen=True)
class Counterexample:
    """A run that breaks ``invariant``: the ``start`` state, then ``steps`` in order.

    ``kind`` says which kind of invariant broke: ``"state"`` (in the last state), ``"step"``
    (on the last transition) or ``"final"`` (the run ended in a bad state). From a
    breadth-first search no shorter run breaks any invariant.
    """

    invariant: str
    kind: str
    start: str
    steps: tuple
    end_state: object = field(default=None, compare=False, repr=False)
    replay: tuple = field(default=(), compare=False, repr=False)  # the Action objects, in order

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def actions(self) -> list[str]:
        """The action names, in order."""
        return [step.action for step in self.steps]

    def table(self) -> pd.DataFrame:
        """The trace as a tidy table: one row per step (row 0 is the start), columns
        ``step, actor, action, fault, state``."""
        rows = [{"step": 0, "actor": "", "action": "start", "fault": False, "state": self.start}]
        rows += [{"step": s.step, "actor": s.actor, "action": s.action, "fault": s.fault,
                  "state": s.state} for s in self.steps]
        return pd.DataFrame(rows, columns=["step", "actor", "action", "fault", "state"])

    def __str__(self) -> str:
        actor_width = max([10] + [len(s.actor) for s in self.steps])
        action_width = max([28] + [len(s.action) + 8 * s.fault for s in self.steps])
        lines = [f"invariant violated: {self.invariant} (after {len(self.steps)} steps)",
                 f"   0  {'':<{actor_width}}  {'start':<{action_width}}  {self.start}".rstrip()]
        for s in self.steps:
            action = s.action + (" (fault)" if s.fault else "")
            lines.append(f"{s.step:4d}  {s.actor:<{actor_width}}  {action:<{action_width}}  "
                         f"{s.state}".rstrip())
        return "\n".join(lines)


@dataclass(frozen=True)
class Exploration:
    """What a search found.

    ``states`` distinct states (after canonicalisation) and ``transitions`` examined,
    ``depth`` the longest shortest-path reached, ``final_states`` how many states were final,
    ``violations`` the counterexamples (shortest first). ``exhaustive`` is True only if every
    reachable state was expanded; otherwise ``bound`` names the limit that stopped the search
    (``"max_states=…"``, ``"max_depth=…"``, ``"stopped at the first violation"``, ``"random
    walks …"``). With ``keep_graph=True`` the search also returns ``graph = (nodes, edges)``,
    two DataFrames: nodes ``id, depth, state, final, value`` (``state`` the description,
    ``value`` the state object itself); edges ``source, target, actor, action, fault``.
    """

    method: str
    states: int
    transitions: int
    depth: int
    final_states: int
    violations: tuple
    exhaustive: bool
    bound: str | None = None
    graph: tuple | None = field(default=None, repr=False)

    @property
    def violation(self) -> Counterexample | None:
        """The first (for a breadth-first search: a shortest) counterexample, or None."""
        return self.violations[0] if self.violations else None

    @property
    def ok(self) -> bool:
        """No invariant was violated in what was explored (exhaustive or not: see ``scope``)."""
        return not self.violations

    @property
    def scope(self) -> str:
        """``"exhaustive"`` or ``"bounded: not exhaustive (<bound>)"``."""
        return "exhaustive" if self.exhaustive else f"bounded: not exhaustive ({self.bound})"

    def summary(self) -> dict:
        """The counts as a dict (one row of a comparison table)."""
        return {"method": self.method, "states": self.states, "transitions": self.transitions,
                "depth": self.depth, "final_states": self.final_states,
                "violations": len(self.violations), "scope": self.scope,
                "first_violation": None if self.violation is None else self.violation.invariant,
                "trace_length": None if self.violation is None else len(self.violation)}

    def __str__(self) -> str:
        head = (f"{self.method}: {self.states:,} states, {self.transitions:,} transitions, "
                f"depth {self.depth} — {self.scope}")
        if not self.violations:
            return head + ": no invariant violated"
        return head + "\n" + str(self.violation)
