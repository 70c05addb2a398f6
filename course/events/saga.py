"""A linear saga: compensatable steps, one pivot, retriable steps — its run and its states.

A saga replaces one distributed transaction by a sequence of local ones. The steps come in
a fixed order of kinds:

* **compensatable** steps can be undone by a compensating action (release the seat,
  refund the card): a failure later on undoes them, in reverse order;
* the **pivot** is the go/no-go step (charge the card, book with a partner that cannot
  cancel): once it has succeeded the saga *will* complete;
* **retriable** steps come after the pivot and are retried until they succeed (they must be
  idempotent); they are never compensated, and nothing is compensated once the pivot
  succeeded.

An **orchestrator** runs the steps from one place and keeps the saga's state; in a
**choreography** each service reacts to the previous one's event — the same states, spread
over the services' logs.

Because the steps run in a line, the orchestrator's state is just *where it is*: running
step i (n + 1 places, counting "all done"), or compensating back from step j (one place per
compensatable step) — O(n) states, not the 2ⁿ subsets of "which steps are done" a naive
model would allow. :func:`saga_state_space` enumerates them with the course's exploration engine.

>>> trip = [Step("reserve seat", "compensatable"), Step("hold hotel", "compensatable"),
...         Step("charge card", "pivot"), Step("send ticket", "retriable")]
>>> space = saga_state_space(trip)
>>> len(space.states), 2 ** len(trip)
(8, 16)
>>> [(r["step"], r["action"]) for r in run_saga(trip, {"charge card": ["fail"]})]
[('reserve seat', 'done'), ('hold hotel', 'done'), ('charge card', 'failed'), ('hold hotel', 'compensated'), ('reserve seat', 'compensated')]

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from course.exploration import Action, FunctionModel, explore

__all__ = ["Step", "KINDS", "validate_saga", "saga_transitions", "saga_state_space", "SagaStateSpace", "run_saga"]

KINDS = ("compensatable", "pivot", "retriable")


@dataclass(frozen=True)
class Step:
    """One local transaction of a saga: its ``name`` and ``kind`` (one of :data:`KINDS`)."""

    name: str
    kind: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r} for step {self.name!r}")


def validate_saga(steps: Sequence[Step]) -> int:
    """Check the order compensatable* → pivot → retriable*; return the pivot's index.

    >>> validate_saga([Step("a", "compensatable"), Step("b", "pivot")])
    1
    """
    steps = list(steps)
    if not steps:
        raise ValueError("steps must hold at least one step")
    pivots = [i for i, step in enumerate(steps) if step.kind == "pivot"]
    if len(pivots) != 1:
        raise ValueError(f"steps must hold exactly one pivot; got {len(pivots)}")
    pivot = pivots[0]
    for i, step in enumerate(steps):
        expected = "compensatable" if i < pivot else "pivot" if i == pivot else "retriable"
        if step.kind != expected:
            raise ValueError(
                f"steps must run compensatable → pivot → retriable; step {i} ({step.name!r}) is "
                f"{step.kind}, expected {expected}"
            )
    return pivot


@dataclass(frozen=True)
class SagaStateSpace:
    """Every reachable orchestrator state and every transition (state, outcome, next state)."""

    states: tuple
    transitions: tuple
    pivot: int

    def describe(self, state) -> str:
        """A state in words: ``("run", 2)`` is 'running step 3'."""
        phase, i = state
        if phase == "run":
            return f"running step {i + 1}"
        if phase == "undo":
            return f"compensating step {i + 1}"
        return phase


def saga_transitions(state, steps: Sequence[Step], pivot: int):
    """The (outcome, next state) pairs out of an orchestrator ``state`` = (phase, step index).

    >>> two = [Step("hold", "compensatable"), Step("pay", "pivot")]
    >>> list(saga_transitions(("run", 1), two, 1))
    [('success', ('completed', 2)), ('failure', ('undo', 0))]
    """
    phase, i = state
    n = len(steps)
    if phase == "run":
        after_success = ("run", i + 1) if i + 1 < n else ("completed", n)
        yield "success", after_success
        if steps[i].kind == "retriable":
            yield "failure (retry)", state
        elif i > 0:
            yield "failure", ("undo", i - 1)
        else:
            yield "failure", ("aborted", 0)
    elif phase == "undo":
        yield "compensated", ("undo", i - 1) if i > 0 else ("aborted", 0)
        yield "failure (retry)", state       # a compensation is retried until it succeeds


def saga_state_space(steps: Sequence[Step]) -> SagaStateSpace:
    """Every orchestrator state reachable from ("run", 0), found by the course's exploration
    engine (:func:`course.exploration.explore`, breadth-first) on :func:`saga_transitions`.

    For n steps with the pivot at index p: n running states, p compensating states and the
    two ends, ``completed`` and ``aborted`` — n + p + 2 in all.
    """
    steps = list(steps)
    pivot = validate_saga(steps)

    def moves(state):
        return dict(saga_transitions(state, steps, pivot))

    model = FunctionModel(("run", 0), lambda state: [Action("orchestrator", outcome) for outcome in moves(state)],
                          lambda state, action: moves(state)[action.name])
    nodes, edges = explore(model, stop_at_first=False, keep_graph=True).graph
    states = tuple(nodes.sort_values("id")["value"])
    transitions = tuple((states[a], outcome, states[b])
                        for a, outcome, b in zip(edges["source"], edges["action"], edges["target"], strict=True))
    return SagaStateSpace(states, transitions, pivot)


def run_saga(steps: Sequence[Step], failures: Mapping[str, Sequence[str]] | None = None,
             max_retries: int = 10) -> list[dict]:
    """Run the saga; ``failures[name]`` lists the outcomes of that step's attempts ("fail"/"ok").

    Attempts beyond the listed ones succeed. A failed compensatable step or pivot triggers
    the compensations of the steps done before it, in reverse order; a failed retriable step
    is retried (up to ``max_retries`` attempts, then the run stops with 'stuck', for a human).
    Returns tidy rows: step, kind, attempt, action ('done', 'failed', 'compensated', …).
    """
    steps = list(steps)
    validate_saga(steps)
    failures = {name: list(outcomes) for name, outcomes in (failures or {}).items()}
    rows: list[dict] = []

    def attempt(step: Step) -> bool:
        planned = failures.get(step.name, [])
        return not (planned and planned.pop(0) == "fail")

    for i, step in enumerate(steps):
        for number in range(1, max_retries + 1):
            ok = attempt(step)
            rows.append({"step": step.name, "kind": step.kind, "attempt": number,
                         "action": "done" if ok else "failed"})
            if ok:
                break
            if step.kind != "retriable":
                for done in reversed(steps[:i]):
                    rows.append({"step": done.name, "kind": done.kind, "attempt": 1, "action": "compensated"})
                return rows
        else:
            rows.append({"step": step.name, "kind": step.kind, "attempt": max_retries, "action": "stuck"})
            return rows
    return rows
