"""Keyed partitions, a consumer group and a rebalance: is per-key order kept?

The system: a producer writes a stream of keyed events (:class:`KeyedEvent`, each with a
per-key sequence number) to ``partitions`` partition logs, choosing the partition with a
**partitioner you supply** — ``partitioner(event, partitions) -> int``. Two consumers (c1,
c2) share the partitions (partition p starts with consumer ``p % 2``); each fetches events of
the partitions it owns, in log order, and hands each to a **consumer you supply** — a plain
function ``consume(store, event) -> (store, apply)`` — which says whether to apply the event
to the sink, and may keep a small ``store`` (a dict) beside it. A consumer commits the offsets
it has processed; only the partition's current owner may commit (a consumer group's
generation fencing).

The environment injects faults, each within a budget so that the state space stays finite:

- **rebalance**: a partition moves to the other consumer at any point. The new owner starts
  from the last *committed* offset; the old owner keeps what it had already fetched and,
  not having noticed yet, may still process it (a "zombie");
- **redelivery**: the broker sends an idle owner the last event it fetched again (a lost
  ack, a retried fetch).

With ``store_in="sink"`` (the default) ``store`` lives in the sink and is written in the same
transaction as the applied event, so every consumer sees it. With ``store_in="consumer"``
each consumer keeps its own store in memory, and a rebalance hands the partition to a
consumer that knows nothing — which breaks even the reference.

Invariants (every state): *per-key order kept* (no event applied after a later event of the
same key) and *no event applied twice*; at the end (every log committed, nothing in flight):
*every event applied*.

>>> from course.exploration import explore
>>> explore(KeyedOrderModel(key_hash_partitioner, last_seq_consumer)).ok
True
>>> caught = explore(KeyedOrderModel(round_robin_partitioner, apply_everything,
...                                  rebalances=0, redeliveries=0)).violation
>>> caught.invariant, len(caught)
('per-key order kept', 6)

Taught in: Ep19 · 2-implementation (the learner's partitioner and consumer, checked across
rebalances).
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from course.exploration.canonical import freeze
from course.exploration.model import Action, FinalInvariant, Invariant, Model
from course.validation import require_int

__all__ = ["KeyedEvent", "EVENTS", "KeyedOrderModel", "KeyedOrderState", "KeyedOrderAction",
           "key_hash_partitioner", "round_robin_partitioner", "last_seq_consumer",
           "apply_everything", "applied_order"]

CONSUMERS = ("c1", "c2")


@dataclass(frozen=True)
class KeyedEvent:
    """An event of the stream: the ``number``-th produced (from 0), for ``key``, the
    ``seq``-th of that key (from 1)."""

    number: int
    key: str
    seq: int

    def __str__(self) -> str:
        return f"{self.key}:{self.seq}"


#: A small stream: two keys (two customers' accounts), four events, five events, in production order.
EVENTS = (KeyedEvent(0, "alice", 1), KeyedEvent(1, "bob", 1), KeyedEvent(2, "alice", 2),
          KeyedEvent(3, "alice", 3))


def key_hash_partitioner(event: KeyedEvent, partitions: int) -> int:
    """The reference: a stable hash of the key (CRC-32), modulo the partition count.

    Every event of a key goes to one partition, and every producer process agrees on which
    (Python's built-in ``hash`` of a string changes from process to process).

    >>> [key_hash_partitioner(e, 2) for e in EVENTS]
    [1, 0, 1, 1]
    """
    return zlib.crc32(event.key.encode()) % partitions


def round_robin_partitioner(event: KeyedEvent, partitions: int) -> int:
    """Deliberately NOT keyed: spread events evenly by production number (balanced, unordered)."""
    return event.number % partitions


def last_seq_consumer(store: dict, event: KeyedEvent):
    """The reference: apply an event only if its sequence number is above the last one applied
    for its key, and record it (``store`` maps key -> last applied seq; start with ``{}``).

    >>> last_seq_consumer({}, EVENTS[0])
    ({'alice': 1}, True)
    >>> last_seq_consumer({"alice": 2}, EVENTS[2])
    ({'alice': 2}, False)
    """
    if event.seq <= store.get(event.key, 0):
        return store, False
    store = dict(store)
    store[event.key] = event.seq
    return store, True


def apply_everything(store: dict, event: KeyedEvent):
    """Deliberately naive: apply whatever arrives, redeliveries and replays included."""
    return store, True


def applied_order(state: KeyedOrderState, events: Sequence[KeyedEvent] = EVENTS) -> str:
    """The sink's applied events of a state, in order, e.g. ``'alice:1 bob:1 alice:2 alice:1'``."""
    return " ".join(str(events[i]) for i in state.applied) or "-"


@dataclass(frozen=True)
class KeyedOrderAction(Action):
    """An action of this model: a ``verb``, the ``consumer`` (0/1) and ``partition`` it concerns."""

    verb: str = ""
    consumer: int = -1
    partition: int = -1


@dataclass(frozen=True)
class KeyedOrderState:
    """Broker, consumers and sink at one moment.

    ``owner[p]``: the consumer owning partition p; ``position[p]``: the owner's next offset to
    fetch; ``committed[p]``: the committed offset; ``inbox[c]``: (partition, offset) fetched by
    consumer c, not yet processed; ``pending[c]``: processed, not yet committed; ``stores``: the
    consumer store(s), one shared (sink) or one per consumer; ``applied``: the sink's applied
    event numbers in order (a ghost record, for the invariants); ``rebalances``,
    ``redeliveries``: fault budgets left.
    """

    owner: tuple
    position: tuple
    committed: tuple
    inbox: tuple
    pending: tuple
    stores: tuple
    applied: tuple
    rebalances: int
    redeliveries: int


class KeyedOrderModel(Model):
    """Partition logs built by ``partitioner``, two consumers running ``consume``, with faults.

    ``events`` defaults to :data:`EVENTS` (1 to 6 events); ``partitions`` 1 to 4;
    ``rebalances`` and ``redeliveries`` are how many of each fault one run may see (0 to 3);
    ``store_in`` is ``"sink"`` or ``"consumer"`` (where ``consume``'s store lives).

    >>> model = KeyedOrderModel(key_hash_partitioner, last_seq_consumer)
    >>> model.logs  # event numbers per partition: bob in p0, alice in p1
    ((1,), (0, 2, 3))
    """

    def __init__(self, partitioner: Callable, consume: Callable, *,
                 events: Sequence[KeyedEvent] = EVENTS, partitions: int = 2,
                 rebalances: int = 1, redeliveries: int = 1, store_in: str = "sink"):
        for name, function in (("partitioner", partitioner), ("consume", consume)):
            if not callable(function):
                raise ValueError(f"{name} must be a function; got {function!r}")
        self.partitions = require_int("partitions", partitions, minimum=1, maximum=4)
        self.events = tuple(events)
        if not 1 <= len(self.events) <= 6:
            raise ValueError(f"events must hold 1 to 6 KeyedEvent objects (the state space "
                             f"grows fast); got {len(self.events)}")
        last_seq: dict = {}
        for number, event in enumerate(self.events):
            if not isinstance(event, KeyedEvent) or event.number != number:
                raise ValueError(f"events must be KeyedEvent objects numbered 0, 1, 2, ... in "
                                 f"order; got {event!r} at position {number}")
            if event.seq != last_seq.get(event.key, 0) + 1:
                raise ValueError(f"events: each key's seq must run 1, 2, 3, ... in production "
                                 f"order; got {event!r}")
            last_seq[event.key] = event.seq
        self.budgets = tuple(require_int(name, value, minimum=0, maximum=3) for name, value in
                             (("rebalances", rebalances), ("redeliveries", redeliveries)))
        if store_in not in ("sink", "consumer"):
            raise ValueError(f"store_in must be 'sink' or 'consumer'; got {store_in!r}")
        self.store_in = store_in
        self.consume = consume
        logs = [[] for _ in range(self.partitions)]
        for event in self.events:
            chosen = partitioner(event, self.partitions)
            if isinstance(chosen, bool) or not isinstance(chosen, int) \
                    or not 0 <= chosen < self.partitions:
                raise ValueError(f"partitioner must return a partition 0..{self.partitions - 1}; "
                                 f"got {chosen!r} for event {event}")
            logs[chosen].append(event.number)
        self.logs = tuple(tuple(log) for log in logs)
        self.invariants = (
            Invariant("per-key order kept", self._order_kept),
            Invariant("no event applied twice", lambda s: len(set(s.applied)) == len(s.applied)),
            FinalInvariant("every event applied",
                           lambda s: set(s.applied) == set(range(len(self.events)))),
        )

    def _order_kept(self, state: KeyedOrderState) -> bool:
        highest: dict = {}
        for number in state.applied:
            event = self.events[number]
            if event.seq < highest.get(event.key, 0):
                return False
            highest[event.key] = max(event.seq, highest.get(event.key, 0))
        return True

    def initial_state(self) -> KeyedOrderState:
        stores = ({},) if self.store_in == "sink" else ({},) * len(CONSUMERS)
        zeros = (0,) * self.partitions
        return KeyedOrderState(tuple(p % len(CONSUMERS) for p in range(self.partitions)), zeros,
                               zeros, ((),) * len(CONSUMERS), ((),) * len(CONSUMERS), stores,
                               (), *self.budgets)

    def _label(self, partition: int, offset: int) -> str:
        return f"{self.events[self.logs[partition][offset]]} (p{partition}@{offset})"

    def actions(self, state: KeyedOrderState):
        for c, name in enumerate(CONSUMERS):
            if state.inbox[c]:
                p, offset = state.inbox[c][0]
                yield KeyedOrderAction(name, f"process {self._label(p, offset)}", False,
                                       "process", c)
            if state.pending[c]:
                yield KeyedOrderAction(name, "commit", False, "commit", c)
            for p in range(self.partitions):
                if state.owner[p] == c and state.position[p] < len(self.logs[p]):
                    yield KeyedOrderAction(name, f"fetch {self._label(p, state.position[p])}",
                                           False, "fetch", c, p)
        for p in range(self.partitions):
            if state.rebalances and self.logs[p]:
                to = 1 - state.owner[p]
                yield KeyedOrderAction("group", f"rebalance: p{p} to {CONSUMERS[to]}", True,
                                       "rebalance", to, p)
            c = state.owner[p]
            # A retried fetch: the owner, idle, is sent the last event it fetched again.
            if state.redeliveries and state.position[p] > 0 and not state.inbox[c]:
                yield KeyedOrderAction("broker", f"redeliver {self._label(p, state.position[p] - 1)}"
                                       f" to {CONSUMERS[c]}", True, "redeliver", c, p)

    def step(self, state: KeyedOrderState, action: KeyedOrderAction) -> KeyedOrderState:
        verb, c, p = action.verb, action.consumer, action.partition
        if verb == "fetch":
            return replace(state, inbox=_put(state.inbox, c, state.inbox[c] + ((p, state.position[p]),)),
                           position=_put(state.position, p, state.position[p] + 1))
        if verb == "redeliver":
            return replace(state, inbox=_put(state.inbox, c, state.inbox[c] + ((p, state.position[p] - 1),)),
                           redeliveries=state.redeliveries - 1)
        if verb == "rebalance":
            # The new owner resumes from the committed offset; the old owner's fetched events
            # stay in its inbox (it has not noticed the rebalance yet).
            return replace(state, owner=_put(state.owner, p, c),
                           position=_put(state.position, p, state.committed[p]),
                           rebalances=state.rebalances - 1)
        if verb == "commit":
            committed = list(state.committed)
            for partition, offset in state.pending[c]:
                # Only the current owner's commit is accepted (generation fencing); a commit
                # never moves an offset backwards.
                if state.owner[partition] == c:
                    committed[partition] = max(committed[partition], offset + 1)
            return replace(state, committed=tuple(committed), pending=_put(state.pending, c, ()))
        return self._process(state, c)

    def _process(self, state: KeyedOrderState, c: int) -> KeyedOrderState:
        (p, offset), rest = state.inbox[c][0], state.inbox[c][1:]
        number = self.logs[p][offset]
        slot = 0 if self.store_in == "sink" else c
        # The consumer gets its own copy: a learner's function may mutate the store in place,
        # and the search hands the same state to several runs.
        result = self.consume(copy.deepcopy(state.stores[slot]), self.events[number])
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict)):
            raise ValueError(f"consume must return a pair (store dict, apply bool); got {result!r}")
        store, apply = result
        return replace(state, inbox=_put(state.inbox, c, rest),
                       pending=_put(state.pending, c, state.pending[c] + ((p, offset),)),
                       stores=_put(state.stores, slot, store),
                       applied=state.applied + ((number,) if apply else ()))

    def key(self, state: KeyedOrderState):
        return (state.owner, state.position, state.committed, state.inbox, state.pending,
                tuple(freeze(s) for s in state.stores), state.applied, state.rebalances,
                state.redeliveries)

    def is_final(self, state: KeyedOrderState) -> bool:
        return (all(state.committed[p] == len(self.logs[p]) for p in range(self.partitions))
                and not any(state.inbox) and not any(state.pending))

    def describe(self, state: KeyedOrderState) -> str:
        owners = " ".join(f"p{p}:{CONSUMERS[o]}@{state.committed[p]}"
                          for p, o in enumerate(state.owner))
        return f"applied {applied_order(state, self.events)} | owners {owners}"


def _put(values: tuple, index: int, value) -> tuple:
    return values[:index] + (value,) + values[index + 1:]
