"""Raft on three servers under every order of events: are its four safety properties kept?

The servers run the rules of :mod:`course.coordination.raft` — the reference ones, or yours
(a :class:`~course.coordination.raft.Rules` object or a dict of the rules you replace) —
through the same :func:`~course.coordination.raft.receive` the timed simulation uses.

One step is one of these (the engine tries every one that is enabled, in every order):

- **timeout**: a follower or candidate (up, term below ``max_term``) starts an election;
- **RequestVote Si→Sj**: candidate Si's request, built from its state now, reaches Sj and
  Sj's answer reaches Si (one remote call in one step);
- **AppendEntries Si→Sj**: leader Si's replication (entries from its ``next_index`` for
  Sj; a heartbeat if none), answered in the same step; a refused one backs ``next_index``
  up, and the next AppendEntries carries the earlier entry;
- **client c at Si**: a leader appends the command (``requests`` in a run, logs at most
  ``max_log`` long);
- faults: **reply lost** (either call: the receiver acts, the sender hears nothing);
  **delay** (``delays`` in a run: the call is built now and parked, to arrive later —
  after the sender may have moved on to another term — and then **deliver** it; one call
  is parked at a time, and since the sender may make the same call again meanwhile, a
  parked call is also a **duplicate**);
  **crash** and **restart** (``crashes`` in a run: a restarted server keeps term, vote and
  log, forgets the rest). A request that is never sent is a lost request: every pattern of
  loss and every partition is covered by the steps not taken.

Invariants (Raft's Figure 3), with two ghost records the servers cannot see — the leaders
elected so far (term, server) and every entry some server has committed (index, term,
command, the term in which it was first committed):

- *election safety*: at most one leader per term, ever;
- *log matching*: two logs with an entry of the same index and term agree up to it;
- *leader completeness*: a leader holds every entry committed in an earlier term;
- *state machine safety*: no two servers commit different entries at one index.

Bounds keep the space finite: the highest term, the longest log, the client requests, the
election timeouts, the faults of a run. The three servers are interchangeable, so a state
and its renamings count once (symmetry reduction in :meth:`RaftModel.key`).

>>> from course.exploration import explore
>>> explore(RaftModel(max_term=2, max_log=1, requests=1)).states        # the reference
551
>>> caught = explore(RaftModel("naive", **FIG8_BOUNDS)).violation      # the naive commit rule
>>> caught.invariant, len(caught)
('leader completeness', 14)

Taught in: Ep17 · 2-implementation (your Raft rules, checked under every order of events).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from course.coordination.raft import (
    LEADER,
    NAIVE_COMMIT,
    Node,
    RequestVote,
    as_rules,
    client_request,
    last_log_index,
    last_log_term,
    new_node,
    node_name,
    receive,
    replicate,
    restart,
    timeout,
)
from course.exploration.model import Action, Invariant, Model
from course.validation import require_int

__all__ = ["RaftModel", "RaftState", "RaftAction", "INVARIANTS", "COMMANDS", "FIG8_BOUNDS",
           "describe_node", "counterexample_table"]

COMMANDS = "xyzuvw"
INVARIANTS = ("election safety", "log matching", "leader completeness", "state machine safety")
#: The smallest bounds with room for Raft's Figure 8 on three servers: four terms (one
#: timeout each), two client commands, logs of one entry. The naive commit rule fails here;
#: the reference passes (19,057 states, exhaustive).
FIG8_BOUNDS = {"max_term": 4, "max_log": 1, "requests": 2, "timeouts": 4}


@dataclass(frozen=True)
class RaftAction(Action):
    """An action of this model with what ``step`` needs: ``verb`` and the two servers."""

    verb: str = ""
    node: int = -1
    peer: int = -1


class RaftState(NamedTuple):
    """Three servers and their network at one moment.

    ``nodes``: a :class:`~course.coordination.raft.Node` per server; ``up``: is it running;
    ``parked``: delayed calls, ``(message,)`` tuples sorted; ``leaders``: ghost, the (term,
    server) pairs ever elected; ``committed``: ghost, (index, term, command, first commit
    term) of every entry ever committed; ``requests``, ``delays``, ``crashes``, ``timeouts``: what is
    left of each budget.
    """

    nodes: tuple
    up: tuple
    parked: tuple
    leaders: frozenset
    committed: frozenset
    requests: int
    delays: int
    crashes: int
    timeouts: int


def _entries(log) -> str:
    return ",".join(f"{command}{term}" for term, command in log) or "-"


def describe_node(node: Node, up: bool = True) -> str:
    """One server in a few characters: name, role letter and term, log as command+term,
    commit index; e.g. ``S1 L3 [x1] c1``.

    >>> describe_node(Node(0, 3, term=3, role="leader", log=((1, "x"),), commit_index=1))
    'S1 L3 [x1] c1'
    """
    if not up:
        return f"{node_name(node.id)} down t{node.term} [{_entries(node.log)}]"
    return (f"{node_name(node.id)} {node.role[0].upper()}{node.term} [{_entries(node.log)}]"
            f" c{node.commit_index}")


def _message_name(message) -> str:
    kind = "RequestVote" if isinstance(message, RequestVote) else "AppendEntries"
    return f"{kind} {node_name(message.source)}→{node_name(message.dest)} t{message.term}"


def _with_ghosts(state: RaftState, nodes: tuple, up: tuple, **changes) -> RaftState:
    leaders = state.leaders | {(node.term, node.id) for node in nodes if node.role == LEADER}
    known = {(index, term, command): first for index, term, command, first in state.committed}
    for node in nodes:
        for index in range(1, node.commit_index + 1):
            term, command = node.log[index - 1]
            known.setdefault((index, term, command), node.term)
    committed = frozenset((*entry, first) for entry, first in known.items())
    return state._replace(nodes=nodes, up=up, leaders=leaders, committed=committed, **changes)


def _set(values: tuple, index: int, value) -> tuple:
    return values[:index] + (value,) + values[index + 1:]


_ORDERS = tuple(itertools.permutations(range(3)))


def _renamed_key(state: RaftState, order: tuple) -> tuple:
    """``state`` as a plain tuple with server ``order[k]`` renamed k (ids, votes, leader
    bookkeeping, parked messages, ghost leaders)."""
    new = {old: k for k, old in enumerate(order)}
    new[None] = None
    nodes = tuple(
        (state.up[old], node.term, new[node.voted_for], node.role, node.log,
         node.commit_index, frozenset(new[v] for v in node.votes),
         tuple(node.next_index[o] for o in order) if node.next_index else (),
         tuple(node.match_index[o] for o in order) if node.match_index else ())
        for old in order for node in (state.nodes[old],))
    parked = tuple(sorted(repr(m._replace(source=new[m.source], dest=new[m.dest]))
                          for m in state.parked))
    return (nodes, parked, frozenset((term, new[i]) for term, i in state.leaders),
            state.committed, state.requests, state.delays, state.crashes, state.timeouts)


# -- the four invariants ---------------------------------------------------------------------

def _election_safety(state: RaftState) -> bool:
    terms = [term for term, _ in state.leaders]
    return len(terms) == len(set(terms))


def _log_matching(state: RaftState) -> bool:
    logs = [node.log for node in state.nodes]
    for a in range(len(logs)):
        for b in range(a + 1, len(logs)):
            for index in range(min(len(logs[a]), len(logs[b])), 0, -1):
                if logs[a][index - 1][0] == logs[b][index - 1][0]:
                    if logs[a][:index] != logs[b][:index]:
                        return False
                    break  # the longest agreeing entry covers every shorter prefix
    return True


def _leader_completeness(state: RaftState) -> bool:
    for node, up in zip(state.nodes, state.up, strict=True):
        if not up or node.role != LEADER:
            continue
        for index, term, command, first in state.committed:
            if first < node.term and (len(node.log) < index
                                      or node.log[index - 1] != (term, command)):
                return False
    return True


def _state_machine_safety(state: RaftState) -> bool:
    indices = [index for index, *_ in {entry[:3] for entry in state.committed}]
    return len(indices) == len(set(indices))


_CHECKS = {"election safety": _election_safety, "log matching": _log_matching,
           "leader completeness": _leader_completeness,
           "state machine safety": _state_machine_safety}


class RaftModel(Model):
    """Three Raft servers running ``rules`` (None or "reference": the reference; "naive":
    the naive commit rule; a Rules object or a dict of replaced rules: yours).

    Bounds, each a whole number: ``max_term`` (1–6) the highest term a timeout may start,
    ``max_log`` (0–4) the longest log a client request may make, ``requests`` (0–4) the
    client commands of a run (x, y, z, …), ``delays`` (0–2) calls parked to arrive late,
    ``crashes`` (0–2) crash-restart pairs. ``lost_replies`` switches the reply-lost fault
    on. ``invariants`` picks which of :data:`INVARIANTS` to check (default all four).
    """

    def __init__(self, rules=None, *, max_term: int = 3, max_log: int = 1, requests: int = 1,
                 timeouts: int | None = None, delays: int = 0, crashes: int = 0,
                 lost_replies: bool = False, invariants=INVARIANTS):
        if rules == "naive":
            rules = NAIVE_COMMIT
        elif rules == "reference":
            rules = None
        self.rules = as_rules(rules)
        self.n = 3
        self.max_term = require_int("max_term", max_term, minimum=1, maximum=6)
        self.max_log = require_int("max_log", max_log, minimum=0, maximum=4)
        self.requests = require_int("requests", requests, minimum=0, maximum=len(COMMANDS) - 2)
        self.delays = require_int("delays", delays, minimum=0, maximum=2)
        self.crashes = require_int("crashes", crashes, minimum=0, maximum=2)
        # Every timeout raises one term, so 3 x max_term timeouts is as good as unlimited.
        self.timeouts = require_int("timeouts", self.n * self.max_term if timeouts is None
                                    else timeouts, minimum=0, maximum=self.n * self.max_term)
        self.lost_replies = bool(lost_replies)
        if isinstance(invariants, str) or not all(name in _CHECKS for name in invariants):
            raise ValueError(f"invariants must be a list of names from {INVARIANTS}; "
                             f"got {invariants!r}")
        self.invariants = tuple(Invariant(name, _CHECKS[name]) for name in invariants)

    # -- the system ------------------------------------------------------------------------

    def initial_state(self) -> RaftState:
        nodes = tuple(new_node(i, self.n) for i in range(self.n))
        return RaftState(nodes, (True,) * self.n, (), frozenset(), frozenset(), self.requests,
                         self.delays, self.crashes, self.timeouts)

    def _call(self, node: Node, peer: int):
        """The call ``node`` would make to ``peer`` now, or None."""
        if node.role == "candidate":
            return RequestVote(node.term, node.id, peer, last_log_index(node),
                               last_log_term(node))
        if node.role == LEADER:
            return replicate(node, peer)
        return None

    def actions(self, state: RaftState):
        for i, (node, up) in enumerate(zip(state.nodes, state.up, strict=True)):
            name = node_name(i)
            if not up:
                continue
            if node.role != LEADER and node.term < self.max_term and state.timeouts:
                yield RaftAction(name, "timeout", False, "timeout", i)
            for peer in range(self.n):
                if peer == i or not state.up[peer]:
                    continue
                message = self._call(node, peer)
                if message is None:
                    continue
                label = _message_name(message)
                yield RaftAction(name, label, False, "call", i, peer)
                if self.lost_replies:
                    yield RaftAction(name, f"{label}, reply lost", True, "lost reply", i, peer)
                if state.delays and not state.parked:
                    yield RaftAction(name, f"{label} delayed", True, "delay", i, peer)
            if (node.role == LEADER and state.requests and len(node.log) < self.max_log):
                command = COMMANDS[self.requests - state.requests]
                yield RaftAction("client", f"{command} at {name}", False, "request", i)
        for index, message in enumerate(state.parked):
            if state.up[message.dest]:
                yield RaftAction(node_name(message.source), f"deliver {_message_name(message)}",
                                 True, "deliver", index)
        if state.crashes:
            for i, up in enumerate(state.up):
                if up:
                    yield RaftAction(node_name(i), "crash", True, "crash", i)
        for i, up in enumerate(state.up):
            if not up:
                yield RaftAction(node_name(i), "restart", True, "restart", i)

    def _exchange(self, nodes: tuple, message, up: tuple, reply_lost: bool) -> tuple:
        """``message`` reaches its destination; its answer reaches the sender (if up and
        not lost). The answer's own follow-ups are not sent: a refused AppendEntries is
        retried by the leader's next AppendEntries, built from its updated next_index."""
        receiver, replies = receive(nodes[message.dest], message, self.rules)
        nodes = _set(nodes, message.dest, receiver)
        if not reply_lost and up[message.source]:
            for reply in replies:
                sender, _ = receive(nodes[reply.dest], reply, self.rules)
                nodes = _set(nodes, reply.dest, sender)
        return nodes

    def step(self, state: RaftState, action: RaftAction) -> RaftState:
        nodes, up = state.nodes, state.up
        verb = action.verb
        if verb == "timeout":
            node, _ = timeout(nodes[action.node])  # the requests are the RequestVote steps
            return _with_ghosts(state, _set(nodes, action.node, node), up,
                                timeouts=state.timeouts - 1)
        if verb in ("call", "lost reply"):
            message = self._call(nodes[action.node], action.peer)
            return _with_ghosts(state, self._exchange(nodes, message, up, verb == "lost reply"),
                                up)
        if verb == "delay":
            message = self._call(nodes[action.node], action.peer)
            parked = tuple(sorted(state.parked + (message,), key=repr))
            return state._replace(parked=parked, delays=state.delays - 1)
        if verb == "deliver":
            message = state.parked[action.node]
            parked = state.parked[:action.node] + state.parked[action.node + 1:]
            return _with_ghosts(state, self._exchange(nodes, message, up, False), up,
                                parked=parked)
        if verb == "request":
            command = COMMANDS[self.requests - state.requests]
            node = client_request(nodes[action.node], command, self.rules)
            return _with_ghosts(state, _set(nodes, action.node, node), up,
                                requests=state.requests - 1)
        if verb == "crash":
            return state._replace(up=_set(up, action.node, False), crashes=state.crashes - 1)
        if verb == "restart":
            node = restart(nodes[action.node])
            return _with_ghosts(state, _set(nodes, action.node, node), _set(up, action.node, True))
        raise ValueError(f"unknown action {action!r}")

    def key(self, state: RaftState):
        """The state with its servers renamed into a canonical order (symmetry reduction:
        the three servers are interchangeable, so a state and its renamings behave alike).

        Servers are ordered by what they hold (up, term, role, log, commit index); among
        orderings that tie, the renaming with the smallest hash is taken, which is the same
        for every member of the symmetry class.
        """
        signature = [(up, node.term, node.role, node.log, node.commit_index)
                     for node, up in zip(state.nodes, state.up, strict=True)]
        orders = [order for order in _ORDERS
                  if signature[order[0]] <= signature[order[1]] <= signature[order[2]]]
        if len(orders) == 1:
            return _renamed_key(state, orders[0])
        return min((_renamed_key(state, order) for order in orders), key=hash)

    def describe(self, state: RaftState) -> str:
        servers = " · ".join(describe_node(node, up)
                             for node, up in zip(state.nodes, state.up, strict=True))
        committed = ",".join(f"{command}{term}@{index}"
                             for index, term, command, _ in sorted(state.committed)) or "-"
        parked = f" | parked: {', '.join(_message_name(m) for m in state.parked)}" \
            if state.parked else ""
        return f"{servers} | committed {committed}{parked}"


def counterexample_table(model: RaftModel, counterexample) -> pd.DataFrame:
    """``counterexample`` (found on ``model``) as a readable table: the run replayed, one row
    per step, one column per server (role letter and term, log as command+term, commit
    index; "down" if crashed) and the entries committed so far (command+term@index).

    >>> from course.exploration import explore
    >>> model = RaftModel("naive", **FIG8_BOUNDS)
    >>> table = counterexample_table(model, explore(model).violation)
    >>> list(table.columns), len(table)
    (['step', 'actor', 'action', 'S1', 'S2', 'S3', 'committed'], 15)
    >>> table.iloc[-1]["committed"]                  # x (term 1) committed; S2 leads without it
    'x1@1'
    >>> table.iloc[-1]["S2"]
    'L4 [y2] c0'
    """
    if not isinstance(model, RaftModel):
        raise ValueError(f"model must be a RaftModel; got {type(model).__name__}")
    state = model.initial_state()
    rows = [_row(0, "", "start", state)]
    for number, action in enumerate(counterexample.replay, start=1):
        state = model.step(state, action)
        rows.append(_row(number, action.actor, action.name + (" (fault)" if action.fault
                                                              else ""), state))
    return pd.DataFrame(rows)


def _row(number: int, actor: str, action: str, state: RaftState) -> dict:
    row = {"step": number, "actor": actor, "action": action}
    for node, up in zip(state.nodes, state.up, strict=True):
        row[node_name(node.id)] = describe_node(node, up).split(" ", 1)[1]
    row["committed"] = ",".join(f"{command}{term}@{index}"
                                for index, term, command, _ in sorted(state.committed)) or "-"
    return row
