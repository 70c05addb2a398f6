"""A payments API behind an idempotency-key store: can one payment be charged twice?

The system: a client pays with an idempotency key (``k1``, ``k2``, …). Each request the
server receives goes through four steps — **begin** (ask the key store what to do),
**charge** (the card is charged: the effect), **store response** (the key store records the
response) and **reply**. The key store is **yours**: two plain functions

- ``begin(store, key) -> (store, response_or_None)`` — ``None`` means "go ahead and
  charge"; a response (a pair ``(status, body)``) is sent back *instead* of charging: the
  stored first response replayed, or ``(409, "in progress")`` while another request with
  the same key is running;
- ``finish(store, key, response) -> store`` — record the first response (500s included).

``begin`` runs as one atomic step, as an ``INSERT … ON CONFLICT`` or a Redis ``SET NX``
does. The environment injects faults, each within a budget so the state space stays finite:

- **duplicate**: a second request with the same key while the first is still running (a
  double click, two tabs, a proxy that retried);
- **timeout**: a reply is lost; the client times out and **retries** with the same key;
- **crash**: the server loses every request in flight — possibly *between "charge" and
  "store response"*. The key store and the charges are durable.

With ``atomic=True`` (the default) the charge and the stored response are one database
transaction (the charge is a row in the same database as the key, as a payments API's own
ledger is); with ``atomic=False`` they are two writes and a crash can fall between them.

Invariants: *no payment charged twice* (every state), *every reply for a key is the same*
(a replay returns the first response, not a new one), and at the end *every charge has its
response stored* whenever nothing is in flight (else the client can never learn what
happened: every retry gets 409).

>>> from course.exploration import explore
>>> explore(IdempotencyModel(reference_begin, reference_finish)).ok
True
>>> caught = explore(IdempotencyModel(racy_begin, reference_finish)).violation
>>> caught.invariant, caught.actions
('no payment charged twice', ['send k1', 'duplicate k1', 'begin r1', 'begin r2', 'charge r1', 'charge r2'])

Taught in: Ep15 · 2-implementation (the learner's idempotency-key store, checked under faults).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace

from course.exploration.canonical import freeze
from course.exploration.model import Action, FinalInvariant, Invariant, Model
from course.validation import require_int

__all__ = ["IN_PROGRESS", "IdempotencyModel", "IdempotencyState", "IdempotencyAction",
           "reference_begin", "reference_finish", "racy_begin", "no_store_begin",
           "success_response"]

#: What ``begin`` answers while another request with the same key is running.
IN_PROGRESS = (409, "in progress")


def success_response(key: str) -> tuple:
    """The response of a successful charge for ``key``: ``(201, "ch_<key>")``.

    >>> success_response("k1")
    (201, 'ch_k1')
    """
    return (201, f"ch_{key}")


def reference_begin(store, key):
    """The reference: reserve an unseen key (``None`` marks "in progress") and go ahead;
    answer 409 while it is reserved; replay the stored response once there is one.

    ``store`` is a dict ``key -> response or None`` (start with ``{}``).

    >>> reference_begin({}, "k1")
    ({'k1': None}, None)
    >>> reference_begin({"k1": None}, "k1")
    ({'k1': None}, (409, 'in progress'))
    >>> reference_begin({"k1": (201, "ch_k1")}, "k1")
    ({'k1': (201, 'ch_k1')}, (201, 'ch_k1'))
    """
    if key not in store:
        return {**store, key: None}, None
    if store[key] is None:
        return store, IN_PROGRESS
    return store, store[key]


def reference_finish(store, key, response):
    """Record the first response for ``key`` (whatever its status: a 500 is replayed too).

    >>> reference_finish({"k1": None}, "k1", (201, "ch_k1"))
    {'k1': (201, 'ch_k1')}
    """
    return {**store, key: response}


def racy_begin(store, key):
    """Deliberately racy: replay a stored response, else go ahead — without reserving the
    key, so two requests with the same key that run at once both charge."""
    if store.get(key) is not None:
        return store, store[key]
    return store, None


def no_store_begin(store, key):
    """No idempotency at all: every request charges (a retry after a timeout charges again)."""
    return store, None


@dataclass(frozen=True)
class IdempotencyAction(Action):
    """An action of this model: a ``verb`` and the request (``request``) or payment index."""

    verb: str = ""
    request: int = -1


@dataclass(frozen=True)
class IdempotencyState:
    """Client, server and key store at one moment.

    ``in_flight``: requests running, as ``(request id, payment index, phase, response)`` with
    phase ``"new"``, ``"begun"``, ``"charged"`` or ``"done"`` (response ready to send);
    ``next_id``: the next request id; ``sent``: payments sent at least once; ``replies``:
    per payment, the responses the client received (in order); ``store``: your key store;
    ``charges``: per payment, how many times the card was charged (a ghost count);
    ``duplicates``, ``timeouts``, ``crashes``: fault budgets left.
    """

    in_flight: tuple
    next_id: int
    sent: frozenset
    replies: tuple
    store: object
    charges: tuple
    duplicates: int
    timeouts: int
    crashes: int


class IdempotencyModel(Model):
    """The payments API around your ``begin`` and ``finish``, with fault budgets.

    ``payments`` distinct payments (keys ``k1`` … ``kN``, 1 to 3); ``duplicates``,
    ``timeouts``, ``crashes``: how many of each fault may happen in one run (0 to 3);
    ``atomic``: charge and stored response in one transaction; ``store`` the key store
    before the first request (default ``{}``).
    """

    def __init__(self, begin: Callable, finish: Callable, store=None, *, payments: int = 1,
                 duplicates: int = 1, timeouts: int = 1, crashes: int = 1, atomic: bool = True):
        for name, function in (("begin", begin), ("finish", finish)):
            if not callable(function):
                raise ValueError(f"{name} must be a function; got {function!r}")
        self.begin, self.finish = begin, finish
        self.store = {} if store is None else store
        self.payments = require_int("payments", payments, minimum=1, maximum=3)
        self.budgets = tuple(require_int(name, value, minimum=0, maximum=3) for name, value in
                             (("duplicates", duplicates), ("timeouts", timeouts),
                              ("crashes", crashes)))
        self.atomic = bool(atomic)
        self.keys = tuple(f"k{i + 1}" for i in range(self.payments))
        self.invariants = (
            Invariant("no payment charged twice", lambda s: max(s.charges) <= 1),
            Invariant("every reply for a key is the same",
                      lambda s: all(len(set(r for r in replies if r != IN_PROGRESS)) <= 1
                                    for replies in s.replies)),
            FinalInvariant("every charge has its response stored", self._charges_answered),
        )

    def _charges_answered(self, state: IdempotencyState) -> bool:
        stored = self._call_store(lambda store: store, state.store)
        return all(not charged or (isinstance(stored, dict) and stored.get(key) is not None)
                   for key, charged in zip(self.keys, state.charges, strict=True))

    @staticmethod
    def _call_store(function, store, *args):
        # Your functions get their own copy: the search hands one stored state to many runs.
        return function(copy.deepcopy(store), *args)

    def initial_state(self) -> IdempotencyState:
        return IdempotencyState((), 1, frozenset(), ((),) * self.payments, self.store,
                                (0,) * self.payments, *self.budgets)

    def actions(self, state: IdempotencyState):
        for payment, key in enumerate(self.keys):
            running = any(p == payment for _, p, _, _ in state.in_flight)
            answered = any(r != IN_PROGRESS for r in state.replies[payment])
            if payment not in state.sent:
                yield IdempotencyAction("client", f"send {key}", False, "send", payment)
            elif running and state.duplicates:
                yield IdempotencyAction("client", f"duplicate {key}", True, "duplicate", payment)
            elif not running and not answered and state.timeouts:
                yield IdempotencyAction("client", f"retry {key}", True, "retry", payment)
        for request, _, phase, _ in state.in_flight:
            name = f"r{request}"
            if phase == "new":
                yield IdempotencyAction("server", f"begin {name}", False, "begin", request)
            elif phase == "begun":
                yield IdempotencyAction("server", f"charge {name}", False, "charge", request)
            elif phase == "charged":
                yield IdempotencyAction("server", f"store response {name}", False, "store",
                                        request)
            else:
                yield IdempotencyAction("server", f"reply {name}", False, "reply", request)
                if state.timeouts:
                    yield IdempotencyAction("network", f"lose reply {name}", True, "lose",
                                            request)
        if state.crashes and state.in_flight:
            yield IdempotencyAction("server", "crash", True, "crash")

    def _with(self, state, request, phase=None, response=None, drop=False):
        flights = []
        for entry in state.in_flight:
            if entry[0] != request:
                flights.append(entry)
            elif not drop:
                flights.append((entry[0], entry[1], phase, response))
        return tuple(flights)

    def step(self, state: IdempotencyState, action: IdempotencyAction) -> IdempotencyState:
        verb = action.verb
        if verb in ("send", "duplicate", "retry"):
            payment = action.request
            flights = state.in_flight + ((state.next_id, payment, "new", None),)
            return replace(state, in_flight=flights, next_id=state.next_id + 1,
                           sent=state.sent | {payment},
                           duplicates=state.duplicates - (verb == "duplicate"),
                           timeouts=state.timeouts - (verb == "retry"))
        if verb == "crash":
            # Memory is lost; the key store and the charges are on disk.
            return replace(state, in_flight=(), crashes=state.crashes - 1)
        entry = next(e for e in state.in_flight if e[0] == action.request)
        request, payment, _, response = entry
        key = self.keys[payment]
        if verb == "begin":
            store, answer = self._checked_begin(state.store, key)
            if answer is None:
                return replace(state, store=store, in_flight=self._with(state, request, "begun"))
            return replace(state, store=store,
                           in_flight=self._with(state, request, "done", answer))
        if verb == "charge":
            charges = list(state.charges)
            charges[payment] += 1
            after = replace(state, charges=tuple(charges))
            if self.atomic:
                store = self._checked_finish(state.store, key, success_response(key))
                return replace(after, store=store, in_flight=self._with(
                    state, request, "done", success_response(key)))
            return replace(after, in_flight=self._with(state, request, "charged"))
        if verb == "store":
            store = self._checked_finish(state.store, key, success_response(key))
            return replace(state, store=store, in_flight=self._with(
                state, request, "done", success_response(key)))
        flights = self._with(state, request, drop=True)
        if verb == "lose":
            return replace(state, in_flight=flights, timeouts=state.timeouts - 1)
        replies = list(state.replies)
        replies[payment] = replies[payment] + (response,)
        return replace(state, in_flight=flights, replies=tuple(replies))

    def _checked_begin(self, store, key):
        result = self._call_store(self.begin, store, key)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise ValueError(f"begin must return a pair (store, response or None); got "
                             f"{result!r}")
        answer = result[1]
        if answer is not None and not (isinstance(answer, tuple) and len(answer) == 2):
            raise ValueError(f"begin's response must be None or a pair (status, body); got "
                             f"{answer!r}")
        return result

    def _checked_finish(self, store, key, response):
        return self._call_store(self.finish, store, key, response)

    def is_final(self, state: IdempotencyState) -> bool:
        # Quiet: nothing in flight. What is charged then without a stored response stays so:
        # every retry is answered 409 for good.
        return not state.in_flight

    def key(self, state: IdempotencyState):
        # Request ids only name requests: renumbering them in order keeps the behaviour.
        order = {entry[0]: i for i, entry in enumerate(state.in_flight)}
        flights = tuple((order[r], p, phase, resp) for r, p, phase, resp in state.in_flight)
        return (flights, state.sent, state.replies, freeze(state.store), state.charges,
                state.duplicates, state.timeouts, state.crashes)

    def describe(self, state: IdempotencyState) -> str:
        flights = " ".join(f"r{r}:{self.keys[p]}:{phase}" for r, p, phase, _ in
                           state.in_flight) or "-"
        charges = " ".join(f"{k}x{n}" for k, n in zip(self.keys, state.charges, strict=True))
        return f"in flight {flights} | store {freeze(state.store)} | charged {charges}"
