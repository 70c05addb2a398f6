"""An at-least-once broker and a consumer that may crash: is the consumer idempotent?

The system: a broker holds a stream of transfers (:class:`Transfer`) and delivers them in
offset order to one consumer, which handles each with a **handler you supply** — a plain
function ``handler(state, message) -> (state, postings)`` — and then acknowledges it. The
handler's ``state`` is its own durable record (for the reference, the set of message ids
already applied); ``postings`` are the effects, ``[(account, amount), ...]``, which the model
applies to the accounts.

The environment injects faults, each within a budget so that the state space stays finite:

- **crash** of the consumer at any point where it holds work: between delivery and handling,
  or between applying a message and acknowledging it (then the broker redelivers every
  unacknowledged message — at-least-once);
- **duplicate** delivery of a message already delivered (its ack was lost, the ack timed out
  and the broker retried, or the producer sent it twice);
- **reorder**: a later message delivered before an earlier one.

With ``transactional=True`` (the default) the postings and the handler's new state are
stored in one transaction, as a consumer does when its dedup record lives in the same
database as its effects. With ``transactional=False`` they are two writes, and a crash can
fall between them — which breaks even the reference: the dedup record must commit with the
effect.

Invariants: *no effect applied twice*, *no money created or lost* (every state), and at the
end (all messages acknowledged) *each effect applied exactly once* and *every balance as
exactly-once processing leaves it*.

>>> from course.exploration import explore
>>> explore(ConsumerModel(idempotent_handler)).ok
True
>>> caught = explore(ConsumerModel(naive_handler)).violation
>>> caught.invariant, caught.actions
('no effect applied twice', ['deliver m1', 'handle m1', 'redeliver m1', 'handle m1'])

Taught in: Ep14 · 2-implementation (the learner's idempotent consumer, checked under faults).
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from course.exploration.canonical import freeze
from course.exploration.model import Action, FinalInvariant, Invariant, Model
from course.validation import require_int

__all__ = ["Transfer", "TRANSFERS", "OPENING_BALANCES", "ConsumerModel", "ConsumerState",
           "ConsumerAction",
           "idempotent_handler", "naive_handler", "watermark_handler"]


@dataclass(frozen=True)
class Transfer:
    """A message of the stream: move ``amount`` (whole currency units) from ``debit`` to ``credit``."""

    message_id: int
    debit: str
    credit: str
    amount: int


#: A small stream: three transfers between three accounts.
TRANSFERS = (Transfer(1, "alice", "bob", 30), Transfer(2, "bob", "carol", 20),
             Transfer(3, "alice", "carol", 10))
#: The accounts before the stream (currency units).
OPENING_BALANCES = {"alice": 100, "bob": 50, "carol": 0}


def idempotent_handler(state, message):
    """The reference: skip a message id already applied; else post it and remember its id.

    ``state`` is the frozenset of applied message ids (start with ``frozenset()``).

    >>> idempotent_handler(frozenset(), TRANSFERS[0])
    (frozenset({1}), [('alice', -30), ('bob', 30)])
    >>> idempotent_handler(frozenset({1}), TRANSFERS[0])
    (frozenset({1}), [])
    """
    if message.message_id in state:
        return state, []
    return state | {message.message_id}, [(message.debit, -message.amount),
                                          (message.credit, message.amount)]


def naive_handler(state, message):
    """Deliberately NOT idempotent: posts every message it is handed, duplicates included."""
    return state, [(message.debit, -message.amount), (message.credit, message.amount)]


def watermark_handler(state, message):
    """A plausible bug: remember only the highest id applied (``state`` starts at 0) and skip
    anything at or below it — right for duplicates, wrong when messages arrive out of order."""
    if message.message_id <= state:
        return state, []
    return message.message_id, [(message.debit, -message.amount),
                                (message.credit, message.amount)]


@dataclass(frozen=True)
class ConsumerAction(Action):
    """An action of this model, carrying what ``step`` needs: a ``verb`` and the message ``index``."""

    verb: str = ""
    index: int = -1


@dataclass(frozen=True)
class ConsumerState:
    """Broker, consumer and accounts at one moment (indices are positions in the stream).

    ``unacked``: messages the broker still owns; ``sent``: delivered at least once since the
    last rewind; ``inbox``: delivered, not yet handled; ``to_ack``: handled, ack not yet sent;
    ``stored``: the handler's durable state; ``unsaved``: (index, new state) applied but not
    yet stored (non-transactional consumers only); ``balances`` per account; ``applied``:
    how many times each message's postings were applied (a ghost count, for the invariants);
    ``crashes``, ``duplicates``, ``reorders``: fault budgets left.
    """

    unacked: frozenset
    sent: frozenset
    inbox: tuple
    to_ack: frozenset
    stored: object
    unsaved: tuple | None
    balances: tuple
    applied: tuple
    crashes: int
    duplicates: int
    reorders: int


class ConsumerModel(Model):
    """The broker–consumer system around ``handler``, with fault budgets.

    ``handler(state, message) -> (state, postings)``; ``handler_state`` is its state before
    the first message (``frozenset()`` for the reference, 0 for ``watermark_handler``).
    ``messages`` and ``balances`` default to :data:`TRANSFERS` and :data:`OPENING_BALANCES`;
    ``crashes``, ``duplicates`` and ``reorders`` are how many of each fault may happen in one
    run (0 switches a fault off).
    """

    def __init__(self, handler: Callable, handler_state=frozenset(), *,
                 messages: Sequence[Transfer] = TRANSFERS,
                 balances: Mapping[str, int] = OPENING_BALANCES, crashes: int = 1,
                 duplicates: int = 1, reorders: int = 1, transactional: bool = True):
        if not callable(handler):
            raise ValueError(f"handler must be a function handler(state, message) -> "
                             f"(state, postings); got {handler!r}")
        self.handler = handler
        self.handler_state = handler_state
        self.messages = tuple(messages)
        if not 1 <= len(self.messages) <= 6:
            raise ValueError(f"messages must hold 1 to 6 transfers (the state space grows "
                             f"fast); got {len(self.messages)}")
        self.accounts = tuple(balances)
        for message in self.messages:
            if not isinstance(message, Transfer):
                raise ValueError(f"messages must be Transfer objects; got {message!r}")
            for account in (message.debit, message.credit):
                if account not in balances:
                    raise ValueError(f"messages: account {account!r} is not in balances "
                                     f"{list(self.accounts)}")
        self.opening = tuple(require_int(f"balances[{a!r}]", balances[a]) for a in self.accounts)
        self.budgets = tuple(require_int(name, value, minimum=0, maximum=3) for name, value in
                             (("crashes", crashes), ("duplicates", duplicates),
                              ("reorders", reorders)))
        self.transactional = bool(transactional)
        self.expected = self._exactly_once_balances()
        self.invariants = (
            Invariant("no effect applied twice", lambda s: max(s.applied) <= 1),
            Invariant("no money created or lost", lambda s: sum(s.balances) == sum(self.opening)),
            FinalInvariant("each effect applied exactly once", lambda s: set(s.applied) == {1}),
            FinalInvariant("every balance as exactly-once processing leaves it",
                           lambda s: s.balances == self.expected),
        )

    def _exactly_once_balances(self) -> tuple:
        balances = dict(zip(self.accounts, self.opening, strict=True))
        for message in self.messages:
            balances[message.debit] -= message.amount
            balances[message.credit] += message.amount
        return tuple(balances[a] for a in self.accounts)

    def initial_state(self) -> ConsumerState:
        everything = frozenset(range(len(self.messages)))
        return ConsumerState(everything, frozenset(), (), frozenset(), self.handler_state, None,
                             self.opening, (0,) * len(self.messages), *self.budgets)

    def _name(self, index: int) -> str:
        return f"m{self.messages[index].message_id}"

    def actions(self, state: ConsumerState):
        def act(actor, verb, index, label, fault=False):
            return ConsumerAction(actor, label.format(self._name(index)), fault, verb, index)
        if state.unsaved is not None:
            yield act("consumer", "store", state.unsaved[0], "store dedup record {}")
        elif state.inbox:
            yield act("consumer", "handle", state.inbox[0], "handle {}")
        if state.to_ack:
            yield act("consumer", "ack", min(state.to_ack), "ack {}")
        waiting = sorted(state.unacked - state.sent)
        if waiting:
            yield act("broker", "deliver", waiting[0], "deliver {}")
        if state.reorders:
            for index in waiting[1:]:
                yield act("broker", "deliver", index, "deliver {} early", fault=True)
        if state.duplicates:
            for index in sorted(state.sent):
                if index not in state.inbox:
                    yield act("broker", "redeliver", index, "redeliver {}", fault=True)
        if state.crashes and (state.inbox or state.to_ack or state.unsaved is not None):
            yield ConsumerAction("consumer", "crash", True, "crash")

    def step(self, state: ConsumerState, action: ConsumerAction) -> ConsumerState:
        verb, index = action.verb, action.index
        if verb == "crash":
            # The consumer loses what it held in memory; the broker will redeliver every
            # message it has not had an ack for, from the earliest.
            return replace(state, inbox=(), to_ack=frozenset(), unsaved=None,
                           sent=state.sent - state.unacked, crashes=state.crashes - 1)
        if verb == "deliver":
            return replace(state, inbox=state.inbox + (index,), sent=state.sent | {index},
                           reorders=state.reorders - action.fault)
        if verb == "redeliver":
            return replace(state, inbox=state.inbox + (index,), duplicates=state.duplicates - 1)
        if verb == "ack":
            return replace(state, to_ack=state.to_ack - {index}, unacked=state.unacked - {index})
        if verb == "store":
            return replace(state, stored=state.unsaved[1], unsaved=None,
                           to_ack=state.to_ack | {index})
        return self._handle(state, index)

    def _handle(self, state: ConsumerState, index: int) -> ConsumerState:
        # The handler gets its own copy: a learner's handler may mutate its state in place,
        # and the search hands the same stored state to several runs.
        result = self.handler(copy.deepcopy(state.stored), self.messages[index])
        if not (isinstance(result, tuple) and len(result) == 2):
            raise ValueError(f"handler must return a pair (state, postings); got {result!r}")
        new_state, postings = result
        balances = dict(zip(self.accounts, state.balances, strict=True))
        postings = list(postings)
        for posting in postings:
            if not (isinstance(posting, tuple | list) and len(posting) == 2
                    and posting[0] in balances and isinstance(posting[1], numbers.Integral)
                    and not isinstance(posting[1], bool)):
                raise ValueError(f"handler postings must be (account, whole amount) pairs with "
                                 f"an account of {list(self.accounts)}; got {posting!r}")
            balances[posting[0]] += int(posting[1])
        applied = list(state.applied)
        applied[index] += bool(postings)
        after = replace(state, inbox=state.inbox[1:],
                        balances=tuple(balances[a] for a in self.accounts),
                        applied=tuple(applied))
        if self.transactional:
            return replace(after, stored=new_state, to_ack=state.to_ack | {index})
        return replace(after, unsaved=(index, new_state))

    def key(self, state: ConsumerState):
        return (state.unacked, state.sent, state.inbox, state.to_ack, freeze(state.stored),
                freeze(state.unsaved), state.balances, state.applied, state.crashes,
                state.duplicates, state.reorders)

    def is_final(self, state: ConsumerState) -> bool:
        return not state.unacked and not state.inbox and state.unsaved is None

    def describe(self, state: ConsumerState) -> str:
        def names(indices):
            return " ".join(self._name(i) for i in indices) or "-"
        balances = " ".join(f"{a} {b}" for a, b in zip(self.accounts, state.balances,
                                                       strict=True))
        applied = " ".join(f"{self._name(i)}x{n}" for i, n in enumerate(state.applied) if n)
        return (f"inbox {names(state.inbox)} | to ack {names(sorted(state.to_ack))} | "
                f"unacked {names(sorted(state.unacked))} | applied {applied or '-'} | "
                f"{balances}")
