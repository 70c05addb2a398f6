"""An event store in memory: state as a fold of events, appends with an expected version.

Event sourcing keeps *what happened* (``deposited 50``, ``withdrawn 20``) instead of *what
is* (``balance 30``). The current state is recomputed by folding an ``apply`` function over
the stream, like replaying a bank statement from the opening balance:
``state = fold(apply, events, initial)``.

Writers race: two commands may read version 3 of an account and both try to append event
4. The store refuses the second append — **optimistic concurrency**: each append names the
version it was decided on (``expected_version``) and raises :class:`ConcurrencyConflictError`
when the stream has moved on. The loser reloads, re-decides and retries; nothing is locked
while it thinks.

Corrections never edit the log: a wrong event is *compensated* by a new event that undoes
its effect (:func:`compensation`), so the history keeps both and says who corrected what.
Read models (projections) are folds too, over the whole log in append order, so they can be
thrown away and rebuilt (:func:`rebuild_projection`).

>>> store = EventStore()
>>> _ = store.append("acct-1", [("opened", {}), ("deposited", {"amount": 50})], expected_version=0)
>>> _ = store.append("acct-1", [("withdrawn", {"amount": 20})], expected_version=2)
>>> fold(ledger_apply, store.read("acct-1"), 0)
30
>>> store.append("acct-1", [("withdrawn", {"amount": 5})], expected_version=2)
Traceback (most recent call last):
...
course.events.store.ConcurrencyConflictError: stream 'acct-1' is at version 3, not the expected 2: reload, re-decide and retry

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from course.validation import require_int

__all__ = [
    "Event", "EventStore", "ConcurrencyConflictError", "fold", "ledger_apply", "compensation",
    "rebuild_projection",
]


@dataclass(frozen=True)
class Event:
    """One fact: the ``version``-th event (1, 2, …) of ``stream``, of a ``kind``, with ``data``.

    ``position`` is its place in the whole store's log (1, 2, …, across streams); ``schema`` the
    version of the event's data layout (see :mod:`course.events.upcasting`).
    """

    stream: str
    version: int
    kind: str
    data: Mapping = field(default_factory=dict)
    position: int = 0
    schema: int = 1


class ConcurrencyConflictError(Exception):
    """An append decided on an older version of the stream than the one stored.

    Not a ``ValueError``: nothing is wrong with the arguments; another writer won the race.
    """

    def __init__(self, stream: str, expected_version: int, actual_version: int):
        self.stream, self.expected_version, self.actual_version = stream, expected_version, actual_version
        super().__init__(
            f"stream {stream!r} is at version {actual_version}, not the expected {expected_version}: "
            "reload, re-decide and retry"
        )


def fold(apply: Callable, events: Iterable[Event], initial):
    """Return the state after applying ``events`` in order to ``initial``: the left fold.

    ``apply(state, event)`` returns the next state and must not change its input.

    >>> fold(ledger_apply, [Event("a", 1, "deposited", {"amount": 5})], 10)
    15
    """
    return functools.reduce(apply, events, initial)


def ledger_apply(balance, event: Event):
    """The tiny ledger of Ep14: ``opened``, ``deposited``/``withdrawn`` an ``amount`` (currency units).

    ``corrected`` events carry a signed ``amount`` that is added (a compensation).

    >>> ledger_apply(10, Event("a", 2, "withdrawn", {"amount": 4}))
    6
    """
    if event.kind == "opened":
        return 0
    if event.kind in ("deposited", "corrected"):
        return balance + event.data["amount"]
    if event.kind == "withdrawn":
        return balance - event.data["amount"]
    raise ValueError(f"event.kind must be opened, deposited, withdrawn or corrected; got {event.kind!r}")


class EventStore:
    """Streams of events, appended with an expected version, read back in order.

    >>> store = EventStore()
    >>> [e.version for e in store.append("s", [("a", {}), ("b", {})], expected_version=0)]
    [1, 2]
    >>> store.version("s"), store.version("never-written")
    (2, 0)
    """

    def __init__(self):
        self._streams: dict[str, list[Event]] = {}
        self._log: list[Event] = []

    def version(self, stream: str) -> int:
        """The number of events in ``stream`` (0 for a stream never written)."""
        return len(self._streams.get(stream, ()))

    def append(self, stream: str, changes: Iterable[tuple[str, Mapping]], expected_version: int,
               schema: int = 1) -> list[Event]:
        """Append ``changes`` — (kind, data) pairs — if ``stream`` is still at ``expected_version``.

        All or nothing: on a conflict no event is written. Returns the stored events.
        """
        expected_version = require_int("expected_version", expected_version, minimum=0)
        changes = list(changes)
        if not changes:
            raise ValueError("changes must hold at least one (kind, data) pair")
        actual = self.version(stream)
        if actual != expected_version:
            raise ConcurrencyConflictError(stream, expected_version, actual)
        events = self._streams.setdefault(stream, [])
        stored = []
        for kind, data in changes:
            event = Event(stream, len(events) + 1, kind, MappingProxyType(dict(data)),
                          position=len(self._log) + 1, schema=schema)
            events.append(event)
            self._log.append(event)
            stored.append(event)
        return stored

    def read(self, stream: str, after_version: int = 0) -> list[Event]:
        """The events of ``stream`` with a version above ``after_version``, in order."""
        after_version = require_int("after_version", after_version, minimum=0)
        return list(self._streams.get(stream, ())[after_version:])

    def log(self, after_position: int = 0) -> list[Event]:
        """Every event of every stream in append order, after ``after_position``."""
        after_position = require_int("after_position", after_position, minimum=0)
        return list(self._log[after_position:])

    def streams(self) -> list[str]:
        """The names of the streams written so far, in order of their first event."""
        return list(self._streams)


def compensation(event: Event, reason: str) -> tuple[str, dict]:
    """The (kind, data) of a ledger event that undoes ``event``'s effect on the balance.

    It names the event it compensates (its stream version) and why, so the log explains itself.

    >>> compensation(Event("a", 3, "deposited", {"amount": 500}), "typed 500 for 50")
    ('corrected', {'amount': -500, 'compensates': 3, 'reason': 'typed 500 for 50'})
    """
    if event.kind == "deposited":
        amount = -event.data["amount"]
    elif event.kind == "withdrawn":
        amount = event.data["amount"]
    elif event.kind == "corrected":
        amount = -event.data["amount"]
    else:
        raise ValueError(f"event.kind must be deposited, withdrawn or corrected; got {event.kind!r}")
    return "corrected", {"amount": amount, "compensates": event.version, "reason": reason}


def rebuild_projection(store: EventStore, apply: Callable, initial):
    """A read model rebuilt from scratch: ``apply`` folded over the whole log in append order.

    >>> store = EventStore()
    >>> _ = store.append("a", [("deposited", {"amount": 5})], 0)
    >>> _ = store.append("b", [("deposited", {"amount": 7})], 0)
    >>> rebuild_projection(store, lambda total, e: total + e.data["amount"], 0)
    12
    """
    return fold(apply, store.log(), initial)
