"""Check a state machine exhaustively: visit every reachable state, test every transition.

Tests try the sequences someone thought of; an *explorer* tries them all. For a small
machine — a circuit breaker with a short window, a cool-down of a few ticks and at most two
calls in flight — breadth-first search (BFS) enumerates every reachable state and checks
each transition against the invariants. Because BFS visits states in order of distance
from the start, the first violation it meets comes with the **shortest** sequence of
events that produces it: a counterexample you can replay by hand.

The breaker model (:class:`BreakerModel`) drives a breaker's ``transition(state, event,
now)`` with four events — a clock ``tick``, a ``request``, and the ``success`` or
``failure`` of a call in flight — and keeps *ghost* variables of its own (when the breaker
was seen to open, how many probes it let through since it went half-open), so that the
invariants judge any implementation by what it does, not by its private counters:

- never OPEN → CLOSED directly (recovery goes through HALF_OPEN);
- never CLOSED → HALF_OPEN directly;
- a CLOSED breaker allows every request;
- no call passes while OPEN before the cool-down has elapsed;
- HALF_OPEN admits at most ``half_open_permits`` probes.

Times are canonicalised (relative to now, cool-downs clamped at zero), so the infinitely
many clock values collapse into finitely many states. For a state type the explorer does
not know (a learner's own), pass ``max_depth`` to bound the search instead.

The search itself is the course's one exploration engine, :mod:`course.exploration`: a
:class:`BreakerModel` *is* an engine model (``initial_state``, ``actions``, ``step``, ``key``,
``invariants``), so ``course.exploration.explore(BreakerModel(...))`` works too and returns
the engine's table and timeline; :func:`explore` here keeps the Ep13 results — a
``Counterexample`` of (time, event, decision, mode after) rows.

>>> result = explore(BreakerModel(SMALL_COUNT_CONFIG))
>>> result.violation is None, result.states > 100
(True, True)
>>> bad = explore(BreakerModel(SMALL_COUNT_CONFIG, machine=broken_breaker))
>>> bad.violation.invariant
'never OPEN -> CLOSED directly'

Taught in: Ep13 · 1-foundations ("theorem proving" by exhaustive enumeration).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from course.exploration import Action, Model, StepInvariant
from course.exploration import explore as explore_model
from course.patterns.breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    BreakerConfig,
    BreakerState,
    initial_state,
    transition,
)
from course.validation import require_int

__all__ = [
    "Invariant", "Counterexample", "Exploration", "explore", "BreakerModel", "ModelState",
    "ReferenceBreaker", "BrokenBreaker", "broken_breaker", "FunctionMachine", "BREAKER_INVARIANTS",
    "SMALL_COUNT_CONFIG", "SMALL_TIME_CONFIG", "SMALL_CONSECUTIVE_CONFIG",
]

#: Small configurations whose state spaces can be enumerated in well under a second.
SMALL_COUNT_CONFIG = BreakerConfig(window="count", window_size=4, minimum_calls=2,
                                   failure_rate_threshold=0.5, open_duration=2.0,
                                   half_open_permits=2, name="small-count")
SMALL_TIME_CONFIG = BreakerConfig(window="time", window_size=3.0, bucket_width=1.0,
                                  minimum_calls=2, failure_rate_threshold=0.5,
                                  open_duration=2.0, half_open_permits=1, name="small-time")
SMALL_CONSECUTIVE_CONFIG = BreakerConfig(window="consecutive", failure_threshold=3,
                                         minimum_calls=1, window_size=1, open_duration=2.0,
                                         half_open_permits=2,
                                         half_open_rule="consecutive_successes",
                                         name="small-consecutive")


class ReferenceBreaker:
    """The course's breaker as a machine: ``initial_state(config)`` and ``transition``."""

    def initial_state(self, config: BreakerConfig):
        return initial_state(config)

    def transition(self, state, event: str, now: float):
        return transition(state, event, now)


class BrokenBreaker(ReferenceBreaker):
    """A plausible bug: when the cool-down ends it closes at once, skipping HALF_OPEN.

    One request after a cool-down can reopen the floodgates to a dependency that is still
    down; the explorer finds it in a handful of events.
    """

    def transition(self, state, event: str, now: float):
        if event == "request" and state.mode == OPEN and now >= state.open_until:
            return initial_state(state.config), "allow"
        return transition(state, event, now)


#: An example of a wrong breaker for the explorer to catch.
broken_breaker = BrokenBreaker()


class FunctionMachine:
    """Wrap your own ``transition(state, event, now)`` and start state for the explorer.

    The states must expose ``.mode`` ("closed", "open" or "half_open"); explore them with a
    ``max_depth``, since the explorer cannot canonicalise a state type it does not know.
    """

    def __init__(self, transition_function: Callable, start_state):
        if not callable(transition_function):
            raise ValueError("transition_function must be callable as f(state, event, now)")
        self._transition = transition_function
        self._start = start_state

    def initial_state(self, config: BreakerConfig):
        return self._start

    def transition(self, state, event: str, now: float):
        return self._transition(state, event, now)


@dataclass(frozen=True)
class ModelState:
    """A breaker state plus the model's clock, calls in flight and ghost variables."""

    breaker: object
    now: int = 0
    in_flight: int = 0
    requests_this_tick: int = 0
    opened_at: int | None = None  # ghost: when the breaker was seen to enter OPEN
    probes: int = 0  # ghost: requests allowed since it entered HALF_OPEN
    decision: str | None = None  # the breaker's answer to the event that led here (not in the key)

    @property
    def mode(self) -> str:
        return self.breaker.mode


@dataclass(frozen=True)
class Invariant:
    """A named property of every transition: ``holds(model, before, event, decision, after)``."""

    name: str
    holds: Callable


BREAKER_INVARIANTS = (
    Invariant("never OPEN -> CLOSED directly",
              lambda m, b, e, d, a: not (b.mode == OPEN and a.mode == CLOSED)),
    Invariant("never CLOSED -> HALF_OPEN directly",
              lambda m, b, e, d, a: not (b.mode == CLOSED and a.mode == HALF_OPEN)),
    Invariant("a CLOSED breaker allows every request",
              lambda m, b, e, d, a: not (b.mode == CLOSED and e == "request" and d != "allow")),
    Invariant("no call passes while OPEN before the cool-down",
              lambda m, b, e, d, a: not (b.mode == OPEN and e == "request" and d == "allow"
                                         and b.now - b.opened_at < m.cool_down)),
    Invariant("HALF_OPEN admits at most the probe limit",
              lambda m, b, e, d, a: not (a.mode == HALF_OPEN and a.probes > m.probe_limit)),
)


#: Who causes each event, for the engine's timeline.
_ACTORS = {"tick": "clock", "request": "client", "success": "dependency", "failure": "dependency"}


class BreakerModel(Model):
    """The environment a breaker lives in, bounded so that its states can be enumerated.

    ``machine`` has ``initial_state(config)`` and ``transition(state, event, now)`` (the
    reference by default); ``config``'s cool-down must be a whole number of ticks. At most
    ``max_in_flight`` calls are outstanding and ``max_requests_per_tick`` requests arrive per
    tick, which keeps every counter finite.
    """

    def __init__(self, config: BreakerConfig, machine=None, max_in_flight: int = 2,
                 max_requests_per_tick: int = 2):
        self.config = config
        self.machine = ReferenceBreaker() if machine is None else machine
        self.max_in_flight = require_int("max_in_flight", max_in_flight, minimum=1)
        self.max_requests_per_tick = require_int("max_requests_per_tick", max_requests_per_tick,
                                                 minimum=1)
        if not float(config.open_duration).is_integer():
            raise ValueError(f"open_duration must be a whole number of ticks; got "
                             f"{config.open_duration!r}")
        self.cool_down = int(config.open_duration)
        self.probe_limit = config.half_open_permits
        self.invariants = engine_invariants(self, BREAKER_INVARIANTS)

    def initial(self) -> ModelState:
        return ModelState(self.machine.initial_state(self.config))

    def initial_state(self) -> ModelState:
        return self.initial()

    def actions(self, state: ModelState):
        """The events enabled in ``state``: always a tick; a request while the limits allow;
        a success or failure while a call is in flight."""
        events = ["tick"]
        if state.in_flight < self.max_in_flight and \
                state.requests_this_tick < self.max_requests_per_tick:
            events.append("request")
        if state.in_flight > 0:
            events += ["success", "failure"]
        return [Action(_ACTORS[event], event) for event in events]

    def step(self, state: ModelState, action: Action) -> ModelState:
        if action.name == "tick":
            return ModelState(state.breaker, state.now + 1, state.in_flight, 0,
                              state.opened_at, state.probes)
        event, decision, after = self._step(state, action.name)
        return replace(after, decision=decision)

    def successors(self, state: ModelState):
        """Yield ``(event, decision, next_state)`` for every event enabled in ``state``."""
        for action in self.actions(state):
            after = self.step(state, action)
            yield action.name, after.decision, after

    def describe(self, state: ModelState) -> str:
        return f"t={state.now} {state.mode}, {state.in_flight} in flight"

    def _step(self, state: ModelState, event: str):
        breaker, decision = self.machine.transition(state.breaker, event, float(state.now))
        in_flight, requests = state.in_flight, state.requests_this_tick
        if event == "request":
            requests += 1
            in_flight += decision == "allow"
        else:
            in_flight -= 1
        mode = breaker.mode
        opened_at = state.opened_at
        if mode == OPEN and state.mode != OPEN:
            opened_at = state.now
        elif mode != OPEN and mode != HALF_OPEN:
            opened_at = None
        probes = state.probes if state.mode == HALF_OPEN else 0
        if mode != HALF_OPEN:
            probes = 0
        elif event == "request" and decision == "allow":
            probes += 1
        return event, decision, ModelState(breaker, state.now, in_flight, requests, opened_at,
                                           probes)

    def key(self, state: ModelState):
        """A canonical form: equal keys behave alike from here on, whatever the clock says."""
        now = state.now
        opened = None if state.opened_at is None else min(now - state.opened_at, self.cool_down)
        return (_canonical_breaker(state.breaker, now), state.in_flight,
                state.requests_this_tick, opened, state.probes)


def _canonical_breaker(breaker, now: int):
    if not isinstance(breaker, BreakerState):
        return (breaker, now)  # unknown state type: only max_depth bounds the search
    config = breaker.config
    current = math.floor(now / config.bucket_width)
    oldest = current - math.ceil(config.window_size / config.bucket_width) + 1
    buckets = tuple((index - current, calls, failures) for index, calls, failures
                    in breaker.buckets if index >= oldest)
    remaining = max(breaker.open_until - now, 0.0) if breaker.mode == OPEN else None
    return (breaker.mode, breaker.outcomes, buckets, breaker.consecutive_failures, remaining,
            breaker.probes, breaker.probe_successes, breaker.probe_failures)


@dataclass
class Counterexample:
    """The shortest event sequence that breaks ``invariant``: (time, event, decision, mode)."""

    invariant: str
    steps: list = field(default_factory=list)

    def __str__(self):
        lines = [f"invariant violated: {self.invariant}", "  t  event     decision  mode after"]
        for now, event, decision, mode in self.steps:
            lines.append(f"{now:3d}  {event:<9} {decision or '-':<9} {mode}")
        return "\n".join(lines)


@dataclass
class Exploration:
    """What a search found: ``states`` and ``transitions`` explored, ``depth`` reached."""

    states: int
    transitions: int
    depth: int
    violation: Counterexample | None
    complete: bool

    def __str__(self):
        verdict = "all invariants hold" if self.violation is None else str(self.violation)
        scope = "every reachable state" if self.complete else "a bounded part of the space"
        return (f"explored {self.states} states and {self.transitions} transitions "
                f"({scope}, depth {self.depth}): {verdict}")


def engine_invariants(model: BreakerModel, invariants) -> tuple:
    """Ep13's invariants ``holds(model, before, event, decision, after)`` as engine step invariants."""
    return tuple(StepInvariant(invariant.name,
                               lambda before, action, after, holds=invariant.holds:
                               holds(model, before, action.name, after.decision, after))
                 for invariant in invariants)


def explore(model: BreakerModel, invariants=BREAKER_INVARIANTS, max_states: int = 500_000,
            max_depth: int | None = None) -> Exploration:
    """Breadth-first search of ``model``'s reachable states, checking every transition.

    Stops at the first violation (with the shortest counterexample), or when every state
    has been expanded, or at ``max_states`` / ``max_depth`` (then ``complete`` is False).
    The search is :func:`course.exploration.explore`'s; this wrapper keeps Ep13's result.
    """
    require_int("max_states", max_states, minimum=1)
    if invariants is not BREAKER_INVARIANTS:
        model = _WithInvariants(model, engine_invariants(model, invariants))
    result = explore_model(model, max_states=max_states, max_depth=max_depth)
    violation = result.violation
    if violation is None:
        return Exploration(result.states, result.transitions, result.depth, None,
                           result.exhaustive)
    return Exploration(result.states, result.transitions, max(result.depth, len(violation)),
                       Counterexample(violation.invariant, _replay(model, violation.actions)),
                       False)


class _WithInvariants(Model):
    """``model`` checked against other invariants than its own."""

    def __init__(self, model: BreakerModel, invariants: tuple):
        self.model = model
        self.invariants = invariants

    def initial_state(self):
        return self.model.initial_state()

    def actions(self, state):
        return self.model.actions(state)

    def step(self, state, action):
        return self.model.step(state, action)

    def key(self, state):
        return self.model.key(state)


def _replay(model, events: list) -> list:
    """The (time, event, decision, mode after) rows of a trace, by replaying its events: the
    transition function is deterministic, so the replay passes through the same states."""
    state, steps = model.initial_state(), []
    for event in events:
        state = model.step(state, Action(_ACTORS[event], event))
        steps.append((state.now, event, state.decision, state.mode))
    return steps
