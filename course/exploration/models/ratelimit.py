"""A gateway's rate limiter under concurrency and restarts: is the limit ever exceeded?

The promise checked: **at most ``limit`` requests allowed in any ``window`` consecutive
ticks** (a tick is one unit of the virtual clock, say one second). The limiter is **yours**:
a plain function ``allow(state, now, limit, window) -> (state, allowed)`` and its state
before the first request. Requests arrive whenever the environment likes (up to
``requests`` of them, retries after timeouts included: a retry is one more request), the
clock ticks up to ``horizon - 1``, and faults are injected within a budget:

- **non-atomic read-modify-write** (``atomic=False``): two gateway instances share the
  limiter's state in a store and each request *reads* it, decides, then *writes* it back in
  a second step, as a ``GET`` then ``SET`` does without a transaction or a script — so
  concurrent requests can read the same state and the later write wins;
- **restart** (``in_memory=True``): the gateway keeps the state in its own memory and a
  restart loses it (``restarts`` of them).

Invariant: *at most limit allowed in any window* (every state).

>>> from course.exploration import explore
>>> explore(RateLimiterModel(sliding_log, ())).ok
True
>>> caught = explore(RateLimiterModel(fixed_window, (0, 0))).violation
>>> caught.actions          # two in window [0, 3), one at tick 3: three within ticks 1..3
['tick', 'request r1', 'request r2', 'tick', 'tick', 'request r3']
>>> explore(RateLimiterModel(sliding_log, (), atomic=False)).violation.actions[:3]
['read r1', 'read r2', 'read r3']

Taught in: Ep15 · 2-implementation (the learner's rate limiter, checked under faults).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from course.exploration.canonical import freeze
from course.exploration.model import Action, Invariant, Model
from course.validation import require_int

__all__ = ["RateLimiterModel", "RateLimiterState", "RateLimiterAction", "sliding_log",
           "fixed_window", "token_bucket", "most_in_a_window"]


def sliding_log(state, now, limit, window):
    """The reference: keep the ticks of the requests allowed in the last ``window`` ticks
    and allow a request while fewer than ``limit`` are logged. ``state`` starts as ``()``.

    >>> sliding_log((0, 1), 2, limit=2, window=3)
    ((0, 1), False)
    >>> sliding_log((0, 1), 3, limit=2, window=3)
    ((1, 3), True)
    """
    recent = tuple(t for t in state if t > now - window)
    if len(recent) < limit:
        return recent + (now,), True
    return recent, False


def fixed_window(state, now, limit, window):
    """A fixed-window counter: ``state = (window index, count)``, starting ``(0, 0)``. Cheap,
    and it allows up to ``2 * limit`` across a window boundary.

    >>> fixed_window((0, 2), 2, limit=2, window=3)
    ((0, 2), False)
    >>> fixed_window((0, 2), 3, limit=2, window=3)
    ((1, 1), True)
    """
    index, count = state
    if now // window != index:
        index, count = now // window, 0
    if count < limit:
        return (index, count + 1), True
    return (index, count), False


def token_bucket(state, now, limit, window):
    """A token bucket holding ``limit`` tokens, refilled at ``limit / window`` per tick;
    ``state = (tokens, last tick)``, starting ``(limit, 0)``. It promises a rate and a burst,
    not a count per sliding window.

    >>> token_bucket((2, 0), 0, limit=2, window=3)
    ((Fraction(1, 1), 0), True)
    """
    tokens, last = state
    tokens = min(Fraction(limit), Fraction(tokens) + Fraction(limit, window) * (now - last))
    if tokens >= 1:
        return (tokens - 1, now), True
    return (tokens, now), False


def most_in_a_window(allowed_ticks, window: int) -> int:
    """The most requests allowed in any ``window`` consecutive ticks.

    >>> most_in_a_window((2, 2, 3), window=3)
    3
    >>> most_in_a_window((0, 3), window=3)
    1
    """
    ticks = sorted(allowed_ticks)
    return max((sum(1 for u in ticks if t - window < u <= t) for t in ticks), default=0)


@dataclass(frozen=True)
class RateLimiterAction(Action):
    """An action of this model: a ``verb`` and, for a write, which pending ``read`` it ends."""

    verb: str = ""
    read: int = -1


@dataclass(frozen=True)
class RateLimiterState:
    """The gateway at one moment: ``now`` (tick), ``stored`` (the limiter's state),
    ``pending`` (non-atomic mode: ``(request id, state read)`` of requests between read and
    write), ``allowed`` (ticks of the requests allowed, a ghost record), ``arrived``
    (requests so far) and ``restarts`` left."""

    now: int
    stored: object
    pending: tuple
    allowed: tuple
    arrived: int
    restarts: int


class RateLimiterModel(Model):
    """The gateway around your ``allow(state, now, limit, window) -> (state, allowed)``.

    ``initial`` is the limiter's state before any request; ``limit`` requests per
    ``window`` ticks (1 to 4, 1 to 5); ``horizon`` ticks of clock (default ``2 * window``);
    ``requests`` arriving in all (default ``limit + 1``, at most 8); ``atomic`` and
    ``in_memory``/``restarts`` switch the faults described in the module docstring.
    """

    def __init__(self, allow: Callable, initial, *, limit: int = 2, window: int = 3,
                 horizon: int | None = None, requests: int | None = None,
                 atomic: bool = True, in_memory: bool = False, restarts: int = 1):
        if not callable(allow):
            raise ValueError(f"allow must be a function allow(state, now, limit, window) -> "
                             f"(state, allowed); got {allow!r}")
        self.allow, self.initial = allow, initial
        self.limit = require_int("limit", limit, minimum=1, maximum=4)
        self.window = require_int("window", window, minimum=1, maximum=5)
        self.horizon = require_int("horizon", 2 * self.window if horizon is None else horizon,
                                   minimum=1, maximum=12)
        self.requests = require_int("requests", self.limit + 1 if requests is None else requests,
                                    minimum=1, maximum=8)
        self.atomic = bool(atomic)
        self.restarts = require_int("restarts", restarts if in_memory else 0, minimum=0,
                                    maximum=3)
        self.invariants = (Invariant(
            "at most limit allowed in any window",
            lambda s: most_in_a_window(s.allowed, self.window) <= self.limit),)

    def initial_state(self) -> RateLimiterState:
        return RateLimiterState(0, self.initial, (), (), 0, self.restarts)

    def actions(self, state: RateLimiterState):
        if state.arrived < self.requests:
            name = f"r{state.arrived + 1}"
            verb = "request" if self.atomic else "read"
            yield RateLimiterAction("client", f"{verb} {name}", False, verb)
        for request, _ in state.pending:
            yield RateLimiterAction("gateway", f"write r{request}", False, "write", request)
        if state.now < self.horizon - 1:
            yield RateLimiterAction("clock", "tick", False, "tick")
        if state.restarts:
            yield RateLimiterAction("gateway", "restart", True, "restart")

    def _decide(self, limiter_state, now):
        # Your function gets its own copy: the search hands one stored state to many runs.
        result = self.allow(copy.deepcopy(limiter_state), now, self.limit, self.window)
        if not (isinstance(result, tuple) and len(result) == 2
                and isinstance(result[1], bool)):
            raise ValueError(f"allow must return a pair (state, allowed: bool); got {result!r}")
        return result

    def step(self, state: RateLimiterState, action: RateLimiterAction) -> RateLimiterState:
        verb = action.verb
        if verb == "tick":
            return replace(state, now=state.now + 1)
        if verb == "restart":
            return replace(state, stored=self.initial, restarts=state.restarts - 1)
        if verb == "read":
            return replace(state, arrived=state.arrived + 1,
                           pending=state.pending + ((state.arrived + 1, state.stored),))
        if verb == "request":
            stored, allowed = self._decide(state.stored, state.now)
            return replace(state, stored=stored, arrived=state.arrived + 1,
                           allowed=state.allowed + ((state.now,) if allowed else ()))
        snapshot = next(read for request, read in state.pending if request == action.read)
        stored, allowed = self._decide(snapshot, state.now)
        return replace(state, stored=stored,
                       pending=tuple(p for p in state.pending if p[0] != action.read),
                       allowed=state.allowed + ((state.now,) if allowed else ()))

    def key(self, state: RateLimiterState):
        # Only the allowed ticks still inside a window can matter to the invariant later.
        recent = tuple(t for t in state.allowed if t > state.now - self.window)
        return (state.now, freeze(state.stored), freeze(state.pending), recent, state.arrived,
                state.restarts)

    def describe(self, state: RateLimiterState) -> str:
        pending = " ".join(f"r{r}" for r, _ in state.pending) or "-"
        return (f"t={state.now} | state {freeze(state.stored)} | reading {pending} | "
                f"allowed at {list(state.allowed)}")
