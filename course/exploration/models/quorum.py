"""A replicated register with quorum reads and writes: is it linearizable under faults?

The system, in the style of Dynamo (2007): a key's value is kept on the first ``n`` nodes of
its *preference list* (the nodes after the key on the ring). A **writer** client writes the
values 1, 2, … (version k for the k-th write: one writer, so versions need no coordination)
by sending a *store* to the replicas and waiting for acknowledgements; a **reader** client
reads by asking the replicas and waiting for replies, then (with ``read_repair=True``)
writes the freshest value it saw back to the replicas before it answers — the second phase
of the ABD algorithm (Attiya, Bar-Noy & Dolev 1995), without which R + W > N is *not* enough.

You supply the coordinator's two decisions as plain functions:

- ``read(replies, r)`` — ``replies`` is the list of ``(version, value)`` pairs received so
  far, one per replica, in arrival order; return ``None`` to keep waiting, or the
  ``(version, value)`` the read returns;
- ``write(acks, w)`` — ``acks`` replicas have stored the value; return True when the write
  (or the read's write-back) may answer its client.

The environment decides everything else, and the engine tries every choice:

- **message order**: every message in flight (a store or a read request, to one replica) may
  be delivered next; a replica handles it and its answer reaches the client in that step;
- **failures**: any node may crash at any moment (``crashes`` of them in a run; the default
  ``n`` reaches every failure subset); a crashed node keeps its disk, loses the messages in
  flight to it and answers nothing; ``recoveries`` of them may come back;
- **sloppy quorum** (``sloppy=True``): the coordinator sends to the first ``n`` nodes of the
  preference list that are up, reaching past the ``n`` replicas to ``spares`` more nodes; a
  spare keeps a *hint* and hands the value to the node it stood in for once that node is
  back (hinted handoff).

The invariant: the history of operations the clients saw so far is linearizable
(:func:`course.exploration.linearizability.check_register`). Breadth-first search makes the
first violation a **shortest** one.

>>> from course.exploration import explore
>>> explore(QuorumModel(freshest_read, quorum_write, n=2, r=2, w=1)).ok       # R + W > N
True
>>> caught = explore(QuorumModel(freshest_read, quorum_write, n=3, r=1, w=2)).violation
>>> caught.invariant, len(caught)                                            # R + W <= N
('every history is linearizable', 7)

Taught in: Ep16 · 2-implementation (the learner's quorum read and write, checked under faults).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from course.exploration.linearizability import Operation, check_register
from course.exploration.model import Action, Invariant, Model
from course.validation import require_int

__all__ = ["QuorumModel", "QuorumState", "QuorumAction", "freshest_read", "first_reply_read",
           "quorum_write", "history_of"]


def freshest_read(replies, r):
    """The reference read: wait for ``r`` replies, return the one with the highest version.

    >>> freshest_read([(0, 0)], 2) is None
    True
    >>> freshest_read([(0, 0), (1, 1)], 2)
    (1, 1)
    """
    if len(replies) < r:
        return None
    return max(replies)


def first_reply_read(replies, r):
    """A plausible bug: wait for ``r`` replies, but return the first that arrived."""
    return replies[0] if len(replies) >= r else None


def quorum_write(acks, w):
    """The reference write: done once ``w`` replicas acknowledged.

    >>> quorum_write(1, 2), quorum_write(2, 2)
    (False, True)
    """
    return acks >= w


@dataclass(frozen=True)
class QuorumAction(Action):
    """An action of this model with what ``step`` needs: ``verb``, ``node`` index, ``message``."""

    verb: str = ""
    node: int = -1
    message: tuple = ()


class Client(NamedTuple):
    """One client: ``pc`` operations done; ``phase`` "idle", "read", "back" (write-back) or
    "write"; ``op`` the index of its current operation in the history; ``replies`` received
    (version, value) pairs; ``acks`` the nodes that stored; ``chosen`` the read's answer."""

    pc: int = 0
    phase: str = "idle"
    op: int = -1
    replies: tuple = ()
    acks: frozenset = frozenset()
    chosen: tuple = ()


class QuorumState(NamedTuple):
    """Nodes, clients and the history at one moment.

    ``stored``: per node the (version, value) on its disk; ``up``: per node, is it running;
    ``hints``: per node the (node it stood in for, version, value) hints it holds;
    ``messages``: in flight, ``("read", node, client, op)`` or ``("store", node, client,
    op, phase, version, value)``; ``clients``: :class:`Client` per client; ``ops``: the history
    as (client, kind, value, invoke, response) with times counted in events; ``clock``:
    events so far; ``crashes``, ``recoveries``: fault budgets left.
    """

    stored: tuple
    up: tuple
    hints: tuple
    messages: frozenset
    clients: tuple
    ops: tuple
    clock: int
    crashes: int
    recoveries: int


_CLIENTS = ("writer", "reader")


@functools.lru_cache(maxsize=200_000)
def _linearizable(ops: tuple) -> bool:
    return check_register([Operation(*op) for op in ops]).ok


def history_of(state: QuorumState) -> list:
    """The history a state carries, as :class:`~course.exploration.linearizability.Operation`
    objects (times are event counts: 1 = the first invocation)."""
    return [Operation(*op) for op in state.ops]


class QuorumModel(Model):
    """The replicated register around your ``read(replies, r)`` and ``write(acks, w)``.

    ``n`` replicas (1–5), quorums ``r`` and ``w`` (1..n); the writer makes ``writes`` writes,
    the reader ``reads`` reads, one after another. ``nodes`` names the preference list (first
    ``n``) and the spares after it (default "A", "B", …). ``sloppy`` switches on sloppy quorum
    with ``spares`` stand-in nodes; ``read_repair`` the read's write-back phase.
    """

    def __init__(self, read: Callable, write: Callable, n: int = 3, r: int = 2, w: int = 2, *,
                 sloppy: bool = False, spares: int = 1, read_repair: bool = True,
                 writes: int = 1, reads: int = 2, crashes: int | None = None,
                 recoveries: int = 0, nodes: Sequence[str] | None = None):
        for name, function in (("read", read), ("write", write)):
            if not callable(function):
                raise ValueError(f"{name} must be a function; got {function!r}")
        self.read, self.write = read, write
        self.n = require_int("n", n, minimum=1, maximum=5)
        self.r = require_int("r", r, minimum=1, maximum=self.n)
        self.w = require_int("w", w, minimum=1, maximum=self.n)
        self.sloppy = bool(sloppy)
        self.spares = require_int("spares", spares, minimum=1, maximum=2) if self.sloppy else 0
        self.read_repair = bool(read_repair)
        self.programs = (("write",) * require_int("writes", writes, minimum=0, maximum=2),
                         ("read",) * require_int("reads", reads, minimum=0, maximum=3))
        total = self.n + self.spares
        self.crashes = require_int("crashes", self.n if crashes is None else crashes,
                                   minimum=0, maximum=total)
        self.recoveries = require_int("recoveries", recoveries, minimum=0, maximum=2)
        if nodes is None:
            nodes = [chr(ord("A") + i) for i in range(total)]
        nodes = [str(node) for node in nodes]
        if len(nodes) < total or len(set(nodes)) != len(nodes):
            raise ValueError(f"nodes must name at least n + spares = {total} distinct nodes; "
                             f"got {nodes!r}")
        self.nodes = tuple(nodes[:total])
        self.invariants = (Invariant("every history is linearizable",
                                     lambda s: _linearizable(s.ops)),)

    # -- the system ------------------------------------------------------------------------

    def initial_state(self) -> QuorumState:
        total = len(self.nodes)
        return QuorumState(((0, 0),) * total, (True,) * total, ((),) * total, frozenset(),
                           (Client(), Client()), (), 0, self.crashes, self.recoveries)

    def _targets(self, state: QuorumState) -> list:
        """Where a coordinator sends now: the n replicas (strict; a down one gets nothing
        useful — its message is lost), or the first n nodes that are up (sloppy)."""
        if not self.sloppy:
            return [i for i in range(self.n) if state.up[i]]
        return [i for i in range(len(self.nodes)) if state.up[i]][:self.n]

    def actions(self, state: QuorumState):
        if all(client.pc == len(program) for client, program in zip(state.clients,
                                                                     self.programs, strict=True)):
            return  # every operation has answered: nothing left can change the history
        for c, client in enumerate(state.clients):
            if client.phase == "idle" and client.pc < len(self.programs[c]):
                kind = self.programs[c][client.pc]
                label = f"write {client.pc + 1}" if kind == "write" else "read"
                yield QuorumAction(_CLIENTS[c], f"invoke {label}", False, "invoke")
        for message in sorted(state.messages):
            node, client = message[1], _CLIENTS[message[2]]
            what = "read" if message[0] == "read" else f"store v{message[5]}"
            yield QuorumAction(self.nodes[node], f"{self.nodes[node]} handles {client}'s {what}",
                               False, "deliver", node, message)
        for i, holding in enumerate(state.hints):
            for hint in holding:
                if state.up[i] and state.up[hint[0]]:
                    yield QuorumAction(self.nodes[i], f"hand v{hint[1]} to {self.nodes[hint[0]]}",
                                       False, "handoff", i, hint)
        for i, running in enumerate(state.up):
            if running and state.crashes:
                yield QuorumAction(self.nodes[i], f"crash {self.nodes[i]}", True, "crash", i)
            if not running and state.recoveries:
                yield QuorumAction(self.nodes[i], f"recover {self.nodes[i]}", True, "recover", i)

    def step(self, state: QuorumState, action: QuorumAction) -> QuorumState:
        verb = action.verb
        if verb == "crash":
            up = _set(state.up, action.node, False)
            lost = frozenset(m for m in state.messages if m[1] == action.node)
            return state._replace(up=up, messages=state.messages - lost,
                           crashes=state.crashes - 1)
        if verb == "recover":
            return state._replace(up=_set(state.up, action.node, True),
                           recoveries=state.recoveries - 1)
        if verb == "handoff":
            spare, (target, version, value) = action.node, action.message
            stored = _set(state.stored, target, max(state.stored[target], (version, value)))
            hints = _set(state.hints, spare,
                         tuple(h for h in state.hints[spare] if h != action.message))
            return state._replace(stored=stored, hints=hints)
        if verb == "invoke":
            c = _CLIENTS.index(action.actor)
            return self._invoke(state, c)
        return self._deliver(state, action.message)

    def _send(self, state: QuorumState, c: int, op: int, phase: str, version=None,
              value=None):
        targets = self._targets(state)
        if phase == "read":
            messages = {("read", i, c, op) for i in targets}
        else:
            messages = {("store", i, c, op, phase, version, value) for i in targets}
        return state.messages | messages

    def _invoke(self, state: QuorumState, c: int) -> QuorumState:
        client = state.clients[c]
        kind = self.programs[c][client.pc]
        clock = state.clock + 1
        op = len(state.ops)
        if kind == "write":
            version = client.pc + 1  # one writer: the k-th write is version k
            messages = self._send(state, c, op, "write", version, version)
            ops = state.ops + ((_CLIENTS[c], "write", version, clock, None),)
            new = Client(client.pc, "write", op, (), frozenset(), (version, version))
        else:
            messages = self._send(state, c, op, "read")
            ops = state.ops + ((_CLIENTS[c], "read", None, clock, None),)
            new = Client(client.pc, "read", op)
        return state._replace(messages=messages, ops=ops, clock=clock,
                       clients=_set(state.clients, c, new))

    def _deliver(self, state: QuorumState, message: tuple) -> QuorumState:
        messages = state.messages - {message}
        node, c = message[1], message[2]
        client = state.clients[c]
        if message[0] == "read":
            state = state._replace(messages=messages)
            if client.phase != "read":
                return state
            replies = client.replies + (state.stored[node],)
            chosen = self.read(list(replies), self.r)
            client = client._replace(replies=replies)
            if chosen is None:
                return state._replace(clients=_set(state.clients, c, client))
            chosen = _as_version(chosen, replies)
            # The read phase is over: its unanswered requests no longer matter.
            messages = frozenset(m for m in messages if not (m[0] == "read" and m[2] == c))
            state = state._replace(messages=messages)
            if not self.read_repair:
                return self._answer(state, c, client._replace(chosen=chosen))
            client = Client(client.pc, "back", client.op, (), frozenset(), chosen)
            state = state._replace(clients=_set(state.clients, c, client))
            return state._replace(messages=self._send(state, c, client.op, "back", *chosen))
        # A store: the replica keeps the higher version (a late, older store changes nothing).
        _, _, _, op, phase, version, value = message
        stored = _set(state.stored, node, max(state.stored[node], (version, value)))
        hints = state.hints
        if self.sloppy and node >= self.n:
            # A spare stands in for the replicas that were down when the store was sent.
            missing = [i for i in range(self.n) if not state.up[i]]
            hints = _set(hints, node, tuple(sorted(set(state.hints[node]) | {
                (i, version, value) for i in missing})))
        state = state._replace(messages=messages, stored=stored, hints=hints)
        if client.op != op or client.phase != phase:
            return state  # the ack of a phase that is already over
        acks = client.acks | {node}
        client = client._replace(acks=acks)
        if not self.write(len(acks), self.w):
            return state._replace(clients=_set(state.clients, c, client))
        return self._answer(state, c, client)

    def _answer(self, state: QuorumState, c: int, client: Client) -> QuorumState:
        clock = state.clock + 1
        kind_value = client.chosen[1]
        op = state.ops[client.op]
        ops = _set(state.ops, client.op, (op[0], op[1], kind_value, op[3], clock))
        done = Client(client.pc + 1)
        return state._replace(ops=ops, clock=clock, clients=_set(state.clients, c, done))

    def key(self, state: QuorumState):
        return state

    def describe(self, state: QuorumState) -> str:
        nodes = " ".join(f"{name}{'' if up else '(down)'}=v{stored[0]}"
                         for name, up, stored in zip(self.nodes, state.up, state.stored,
                                                     strict=True))
        ops = "; ".join(str(op) for op in history_of(state)) or "-"
        return f"{nodes} | {ops}"


def _set(values: tuple, index: int, value) -> tuple:
    return values[:index] + (value,) + values[index + 1:]


def _as_version(chosen, replies) -> tuple:
    if not (isinstance(chosen, tuple | list) and len(chosen) == 2 and tuple(chosen) in replies):
        raise ValueError(f"read must return None or one of the (version, value) replies "
                         f"{list(replies)}; got {chosen!r}")
    return tuple(chosen)
