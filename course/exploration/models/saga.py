"""A saga orchestrator under crashes, failures and duplicate replies: does it end consistently?

A saga runs a business transaction as a line of local steps, each in its own service
(a *participant*). The steps come in order: **compensatable** ones (they can be undone by a
compensating step), then the **pivot** (the point of no return), then **retriable** ones
(they cannot fail for good: they are retried until they succeed). If a step up to the pivot
is refused, the steps already done are compensated **in reverse order**; after the pivot
nothing is compensated, only retried.

The orchestrator is **a function you supply**: ``orchestrator(steps, log) -> command``. It
reads the saga's durable log — the replies received so far, ``("done", i)``, ``("failed", i)``
or ``("compensated", i)`` — and answers ``("do", i)``, ``("compensate", i)`` or ``("end",
"done" | "compensated")``. Because it decides from the log alone, a restart after a crash is
simply calling it again.

The environment injects faults, each within a budget: a step **refused** (a compensatable
step or the pivot fails for good; a retriable step fails for now); the orchestrator
**crashes after the participant acted**, losing the reply; a **timeout**: the request is lost
and the orchestrator sends it again; a **duplicate reply**: an earlier reply is delivered
again. A crash anywhere else changes nothing — the orchestrator's only memory is its
log, so restarting it is calling it again — and a crash before the request left is a
timeout. Participants are idempotent (``idempotent_participants=True``): they remember each
request they carried out and answer a repeat from that record; a compensation of a step
that never happened records a tombstone and refunds nothing.

Money: each step charges the customer its ``price`` (whole currency units), a compensation
refunds it. Invariants: *nothing at or after the pivot is compensated*; *compensations run in
reverse order*; *a confirmed compensation is not requested again*; *no money created or lost*
(each participant holds nothing or exactly its price); *the saga ends within a bounded log*;
and at the end *all done or all compensated* (the outcome the orchestrator declared).

>>> from course.exploration import explore
>>> explore(SagaModel(reference_orchestrator)).ok
True
>>> bad = explore(SagaModel(compensate_everything)).violation
>>> bad.invariant
'nothing at or after the pivot is compensated'

Taught in: Ep14 · 2-implementation (the learner's saga orchestrator, checked under faults).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from course.exploration.model import Action, FinalInvariant, Invariant, Model, StepInvariant
from course.validation import require_int

__all__ = ["SagaStep", "TRIP", "SagaModel", "SagaState", "SagaAction", "reference_orchestrator",
           "compensate_everything", "forward_compensation", "last_reply_orchestrator",
           "KINDS", "pivot_index", "linear_saga"]

#: The three kinds of step, in the order a saga must have them.
KINDS = ("compensatable", "pivot", "retriable")


@dataclass(frozen=True)
class SagaStep:
    """One local transaction: ``name``, ``kind`` (one of :data:`KINDS`), ``price`` charged (units)."""

    name: str
    kind: str
    price: int = 0


#: A trip: hotel and car can be cancelled, the flight ticket once issued cannot, the agency
#: fee is retried until it is taken.
TRIP = (SagaStep("book hotel", "compensatable", 120), SagaStep("rent car", "compensatable", 80),
        SagaStep("issue ticket", "pivot", 300), SagaStep("charge fee", "retriable", 20))


def linear_saga(compensatable: int = 2, pivot: bool = True, retriable: int = 1,
                price: int = 10) -> tuple:
    """A saga of ``compensatable`` steps, an optional pivot and ``retriable`` steps, each
    charging ``price`` — for counting states as the saga grows.

    >>> [step.kind for step in linear_saga(2, True, 1)]
    ['compensatable', 'compensatable', 'pivot', 'retriable']
    """
    require_int("compensatable", compensatable, minimum=0, maximum=8)
    require_int("retriable", retriable, minimum=0, maximum=8)
    require_int("price", price, minimum=0)
    steps = [SagaStep(f"step {i + 1}", "compensatable", price) for i in range(compensatable)]
    if pivot:
        steps.append(SagaStep(f"step {len(steps) + 1} (pivot)", "pivot", price))
    steps += [SagaStep(f"step {len(steps) + i + 1}", "retriable", price) for i in range(retriable)]
    if not 1 <= len(steps) <= 8:
        raise ValueError(f"a saga must have 1 to 8 steps in all; got {len(steps)}")
    return tuple(steps)


def pivot_index(steps: Sequence[SagaStep]) -> int:
    """Index of the first step that cannot be compensated (len(steps) if all can).

    >>> pivot_index(TRIP)
    2
    """
    return next((i for i, step in enumerate(steps) if step.kind != "compensatable"), len(steps))


def reference_orchestrator(steps, log):
    """The reference: forward until a step up to the pivot is refused, then back in reverse.

    >>> reference_orchestrator(TRIP, [("done", 0), ("failed", 1)])
    ('compensate', 0)
    >>> reference_orchestrator(TRIP, [("done", 0), ("done", 1), ("done", 2), ("failed", 3)])
    ('do', 3)
    """
    # Read the log as sets: a duplicate reply then changes nothing.
    done = {i for outcome, i in log if outcome == "done"}
    failed = {i for outcome, i in log if outcome == "failed"}
    compensated = {i for outcome, i in log if outcome == "compensated"}
    if any(steps[i].kind != "retriable" for i in failed):
        for i in sorted(done - compensated, reverse=True):
            return ("compensate", i)
        return ("end", "compensated")
    for i in range(len(steps)):
        if i not in done:
            return ("do", i)  # a retriable step that failed is simply asked again
    return ("end", "done")


def compensate_everything(steps, log):
    """Deliberately wrong: ANY failure, even a retriable step's, rolls back every done step."""
    done = {i for outcome, i in log if outcome == "done"}
    compensated = {i for outcome, i in log if outcome == "compensated"}
    if any(outcome == "failed" for outcome, _ in log):
        for i in sorted(done - compensated, reverse=True):
            return ("compensate", i)
        return ("end", "compensated")
    for i in range(len(steps)):
        if i not in done:
            return ("do", i)
    return ("end", "done")


def forward_compensation(steps, log):
    """Deliberately wrong: compensates in the order the steps ran, oldest first."""
    done = {i for outcome, i in log if outcome == "done"}
    failed = {i for outcome, i in log if outcome == "failed"}
    compensated = {i for outcome, i in log if outcome == "compensated"}
    if any(steps[i].kind != "retriable" for i in failed):
        for i in sorted(done - compensated):
            return ("compensate", i)
        return ("end", "compensated")
    for i in range(len(steps)):
        if i not in done:
            return ("do", i)
    return ("end", "done")


def last_reply_orchestrator(steps, log):
    """Deliberately wrong: decides from the LAST reply only. Without faults that works; a
    duplicate ``failed`` reply arriving mid-rollback makes it compensate a step twice."""
    done = sorted({i for outcome, i in log if outcome == "done"})
    last_outcome, last_step = log[-1] if log else (None, None)
    if last_outcome == "failed" and steps[last_step].kind != "retriable":
        return ("compensate", done[-1]) if done else ("end", "compensated")
    if last_outcome == "compensated":
        earlier = [i for i in done if i < last_step]
        return ("compensate", earlier[-1]) if earlier else ("end", "compensated")
    for i in range(len(steps)):
        if i not in done:
            return ("do", i)
    return ("end", "done")


@dataclass(frozen=True)
class SagaAction(Action):
    """An action of this model: ``verb`` and the ``step`` index it concerns (-1: none)."""

    verb: str = ""
    step: int = -1
    outcome: str = ""


@dataclass(frozen=True)
class SagaState:
    """The saga at one moment.

    ``log``: the orchestrator's durable log of replies; ``in_flight``: the request sent and
    not yet answered, or None; ``ended``: the declared outcome once the saga ended;
    ``status``: each participant's record (``idle``, ``done``, ``refused``, ``compensated``);
    ``held``: how many times each participant holds its price (0 or 1 when all is well);
    ``failures``, ``crashes``, ``timeouts``, ``duplicates``: fault budgets left.
    """

    log: tuple
    in_flight: tuple | None
    ended: str | None
    status: tuple
    held: tuple
    failures: int
    crashes: int
    timeouts: int
    duplicates: int


class SagaModel(Model):
    """The saga around ``orchestrator(steps, log) -> command``, with fault budgets.

    ``steps`` defaults to :data:`TRIP`; ``failures``, ``crashes``, ``timeouts`` and
    ``duplicates`` are how many of each fault one run may see (0 switches it off).
    ``idempotent_participants=False`` makes every participant carry out a repeated request
    again (charge or refund twice) — to see why compensations must be idempotent.
    """

    def __init__(self, orchestrator: Callable, steps: Sequence[SagaStep] = TRIP, *,
                 failures: int = 1, crashes: int = 1, timeouts: int = 1, duplicates: int = 1,
                 idempotent_participants: bool = True):
        if not callable(orchestrator):
            raise ValueError(f"orchestrator must be a function orchestrator(steps, log) -> "
                             f"command; got {orchestrator!r}")
        self.orchestrator = orchestrator
        self.steps = tuple(steps)
        if not 1 <= len(self.steps) <= 8:
            raise ValueError(f"steps must hold 1 to 8 SagaStep objects; got {len(self.steps)}")
        for step in self.steps:
            if not isinstance(step, SagaStep) or step.kind not in KINDS:
                raise ValueError(f"steps must be SagaStep objects with a kind in {KINDS}; "
                                 f"got {step!r}")
            require_int(f"price of {step.name!r}", step.price, minimum=0)
        kinds = [KINDS.index(step.kind) for step in self.steps]
        if kinds != sorted(kinds) or kinds.count(1) > 1:
            raise ValueError("steps must run compensatable ones first, then at most one pivot, "
                             "then retriable ones; got " + ", ".join(s.kind for s in self.steps))
        self.budgets = tuple(require_int(name, value, minimum=0, maximum=3) for name, value in
                             (("failures", failures), ("crashes", crashes),
                              ("timeouts", timeouts), ("duplicates", duplicates)))
        self.idempotent = bool(idempotent_participants)
        self.pivot = pivot_index(self.steps)
        # The reference's longest log: every step done and undone, plus one record per fault.
        self.max_log = 2 * len(self.steps) + sum(self.budgets)
        self.invariants = (
            StepInvariant("nothing at or after the pivot is compensated",
                          lambda before, action, after: not (
                              action.verb == "compensate" and action.step >= self.pivot)),
            StepInvariant("compensations run in reverse order",
                          lambda before, action, after: not (
                              action.verb == "compensate" and any(
                                  before.held[j] for j in range(action.step + 1,
                                                                len(self.steps))))),
            StepInvariant("a confirmed compensation is not requested again",
                          lambda before, action, after: not (
                              action.verb == "compensate"
                              and ("compensated", action.step) in before.log)),
            Invariant("no money created or lost (each participant holds nothing or its price)",
                      lambda s: all(held in (0, 1) for held in s.held)),
            Invariant(f"the saga ends within {self.max_log} log records",
                      lambda s: len(s.log) <= self.max_log),
            FinalInvariant("ends all done or all compensated, as declared", self._consistent_end),
        )

    def _consistent_end(self, state: SagaState) -> bool:
        if state.ended == "done":
            return all(held == 1 for held in state.held)
        return all(held == 0 for held in state.held)

    def initial_state(self) -> SagaState:
        n = len(self.steps)
        return SagaState((), None, None, ("idle",) * n, (0,) * n, *self.budgets)

    def _command(self, state: SagaState):
        command = self.orchestrator(self.steps, state.log)
        if isinstance(command, list):
            command = tuple(command)
        if not (isinstance(command, tuple) and len(command) == 2):
            raise ValueError(f"orchestrator must return ('do', i), ('compensate', i) or "
                             f"('end', 'done' | 'compensated'); got {command!r}")
        verb, argument = command
        if verb in ("do", "compensate"):
            if isinstance(argument, bool) or not isinstance(argument, int) or \
                    not 0 <= argument < len(self.steps):
                raise ValueError(f"orchestrator: step index must be 0 to {len(self.steps) - 1}; "
                                 f"got {command!r}")
            return verb, argument
        if verb == "end" and argument in ("done", "compensated"):
            return command
        raise ValueError(f"orchestrator must return ('do', i), ('compensate', i) or "
                         f"('end', 'done' | 'compensated'); got {command!r}")

    def actions(self, state: SagaState):
        if state.ended is not None:
            return
        if state.in_flight is None:
            verb, argument = self._command(state)
            if verb == "end":
                yield SagaAction("orchestrator", f"end: {argument}", False, "end", -1, argument)
            else:
                yield SagaAction("orchestrator", f"{verb} {self.steps[argument].name}", False,
                                 verb, argument)
        else:
            verb, i = state.in_flight
            name = self.steps[i].name
            yield SagaAction(name, "carry out, reply", False, "reply", i)
            if verb == "do" and state.failures and state.status[i] == "idle":
                label = "fail (retry later)" if self.steps[i].kind == "retriable" else "refuse"
                yield SagaAction(name, label, True, "fail", i)
            if state.crashes:
                yield SagaAction("orchestrator", f"crash after {name} acted", True, "crash", i)
            if state.timeouts:
                yield SagaAction("orchestrator", "timeout: request lost", True, "timeout", i)
        if state.duplicates:
            for record in dict.fromkeys(state.log):
                yield SagaAction(self.steps[record[1]].name, f"duplicate reply: {record[0]}",
                                 True, "duplicate", record[1], record[0])

    def _carry_out(self, state: SagaState, verb: str, i: int):
        """The participant's side of a request: (status, held, reply)."""
        status, held = list(state.status), list(state.held)
        if verb == "do":
            if self.idempotent and status[i] in ("done", "refused", "compensated"):
                reply = "done" if status[i] == "done" else "failed"  # a cancelled booking stays cancelled
            else:
                status[i], held[i], reply = "done", held[i] + 1, "done"
        elif self.idempotent:
            held[i] = 0 if status[i] in ("done", "compensated") else held[i]
            status[i], reply = "compensated", "compensated"
        else:
            status[i], held[i], reply = "compensated", held[i] - 1, "compensated"
        return tuple(status), tuple(held), reply

    def step(self, state: SagaState, action: SagaAction) -> SagaState:
        verb, i = action.verb, action.step
        if verb == "end":
            return replace(state, ended=action.outcome)
        if verb in ("do", "compensate"):
            return replace(state, in_flight=(verb, i))
        if verb == "duplicate":
            return replace(state, log=state.log + ((action.outcome, i),),
                           duplicates=state.duplicates - 1)
        if verb == "timeout":
            return replace(state, in_flight=None, timeouts=state.timeouts - 1)
        if verb == "fail":
            status = list(state.status)
            if self.steps[i].kind != "retriable":
                status[i] = "refused"  # a business refusal is final: a repeat is refused too
            return replace(state, in_flight=None, log=state.log + (("failed", i),),
                           status=tuple(status), failures=state.failures - 1)
        status, held, reply = self._carry_out(state, state.in_flight[0], i)
        if verb == "crash":
            return replace(state, in_flight=None, status=status, held=held,
                           crashes=state.crashes - 1)
        return replace(state, in_flight=None, status=status, held=held,
                       log=state.log + ((reply, i),))

    def is_final(self, state: SagaState) -> bool:
        return state.ended is not None

    def describe(self, state: SagaState) -> str:
        log = ", ".join(f"{outcome} {i}" for outcome, i in state.log) or "-"
        flight = "-" if state.in_flight is None else \
            f"{state.in_flight[0]} {self.steps[state.in_flight[1]].name}"
        paid = sum(h * s.price for h, s in zip(state.held, self.steps, strict=True))
        status = " ".join(f"{i}:{s}" for i, s in enumerate(state.status))
        end = f" | ENDED {state.ended}" if state.ended else ""
        return f"log [{log}] | in flight {flight} | {status} | customer paid {paid}{end}"
