"""Raft's rules as plain functions: one node's state in, the new state and its messages out.

Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", USENIX ATC
2014) keeps a replicated log consistent across ``n = 2f + 1`` servers that may crash. Every
rule of its Figure 2 is here as a *pure* function on a small immutable :class:`Node`: no
clock, no network, no randomness. The timed simulation (:mod:`course.coordination.raft_sim`)
and the model checker (:mod:`course.exploration.models.raft`) both call the SAME functions
through one entry point, :func:`receive`, so a rule you write is run by both.

A node holds ``term`` (the latest term it has seen), ``voted_for`` (whom it voted for in
that term, or None), ``log`` (a tuple of ``(term, command)`` entries; index 1 is the first,
as in the paper), ``commit_index`` (how many entries are known committed), ``role``
("follower", "candidate" or "leader") and, for a candidate or leader, ``votes``,
``next_index`` and ``match_index``. Nodes are numbered 0 … n-1 (shown as S1 … Sn).

The rules you can replace (a :class:`Rules` object, or a dict of the same names):

===================  ===================================  ==================================
field                signature                            reference
===================  ===================================  ==================================
``on_higher_term``   ``(node, term) -> node``             :func:`step_down`: adopt the term,
                                                          forget the vote, become follower
``request_vote``     ``(node, RequestVote)``              :func:`handle_request_vote`: one
                     ``-> (node, VoteReply)``             vote per term, only for a log at
                                                          least as up to date (§5.4.1)
``append_entries``   ``(node, AppendEntries)``            :func:`handle_append_entries`:
                     ``-> (node, AppendReply)``           consistency check, truncate a
                                                          conflict, append, commit index
``advance_commit``   ``(node) -> node``                   :func:`advance_commit_index`:
                                                          a CURRENT-term entry on a majority
                                                          (§5.4.2); the naive variant is
                                                          :func:`advance_commit_index_naive`
===================  ===================================  ==================================

:func:`receive` applies ``on_higher_term`` first (Figure 2, "Rules for all servers": any
message with a higher term), then hands the message to its handler. So ``request_vote`` and
``append_entries`` see a node whose term is at least the message's.

>>> a, b, c = (new_node(i, 3) for i in range(3))
>>> a, out = timeout(a)                                  # S1 becomes candidate in term 1
>>> b, (reply,) = receive(b, out[0])                     # S2 grants its vote
>>> a, _ = receive(a, reply)                             # 2 of 3 votes: S1 leads
>>> a.role, a.term, b.voted_for
('leader', 1, 0)
>>> a = client_request(a, "x")
>>> b, (ack,) = receive(b, replicate(a, 1))              # S2 stores the entry
>>> a, _ = receive(a, ack)                               # on 2 of 3 in term 1: committed
>>> a.commit_index, b.log
(1, ((1, 'x'),))

Taught in: Ep17 · 1-foundations (the rules), 2-implementation (you write them; the checker
and the simulation run them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import NamedTuple

from course.validation import require_int

__all__ = [
    "Node", "RequestVote", "VoteReply", "AppendEntries", "AppendReply", "Rules",
    "REFERENCE", "NAIVE_COMMIT", "as_rules", "new_node", "node_name", "majority",
    "last_log_index", "last_log_term", "log_is_up_to_date", "step_down", "handle_request_vote",
    "handle_append_entries", "advance_commit_index", "advance_commit_index_naive", "timeout",
    "become_leader", "client_request", "replicate", "heartbeat", "receive", "restart",
    "request_vote_without_log_check", "adopt_term_keep_role",
]

FOLLOWER, CANDIDATE, LEADER = "follower", "candidate", "leader"


class Node(NamedTuple):
    """One server's state. Immutable: every rule returns a new Node (``node._replace(...)``).

    ``id`` 0 … n-1; ``n`` the cluster size; ``term`` the current term; ``voted_for`` the id
    voted for in ``term`` (None: no vote yet); ``log`` a tuple of (term, command);
    ``commit_index`` the number of committed entries; ``role``; ``votes`` the ids that voted
    for this candidate; ``next_index``/``match_index`` per peer (a leader's bookkeeping,
    indexed by id: the next entry to send, the highest entry known stored there).
    """

    id: int
    n: int
    term: int = 0
    voted_for: int | None = None
    log: tuple = ()
    commit_index: int = 0
    role: str = FOLLOWER
    votes: frozenset = frozenset()
    next_index: tuple = ()
    match_index: tuple = ()


class RequestVote(NamedTuple):
    """A candidate asks for a vote, with the index and term of its last log entry."""

    term: int
    source: int
    dest: int
    last_log_index: int
    last_log_term: int


class VoteReply(NamedTuple):
    """The answer to a RequestVote: the voter's term and whether it granted the vote."""

    term: int
    source: int
    dest: int
    granted: bool


class AppendEntries(NamedTuple):
    """A leader's replication (or heartbeat, with no entries): the entries after
    ``prev_index`` (whose term must be ``prev_term`` at the follower), and its commit index."""

    term: int
    source: int
    dest: int
    prev_index: int
    prev_term: int
    entries: tuple
    leader_commit: int


class AppendReply(NamedTuple):
    """A follower's answer: ``success`` and, if so, the index up to which its log now
    matches the leader's (``match_index``)."""

    term: int
    source: int
    dest: int
    success: bool
    match_index: int


# -- small helpers ---------------------------------------------------------------------------

def node_name(node_id: int) -> str:
    """The display name of node ``node_id`` (0 -> "S1", as the paper numbers servers).

    >>> node_name(0), node_name(2)
    ('S1', 'S3')
    """
    return f"S{int(node_id) + 1}"


def majority(n: int) -> int:
    """The size of a majority quorum of ``n`` servers: floor(n/2) + 1.

    >>> majority(3), majority(4), majority(5)
    (2, 3, 3)
    """
    return require_int("n", n, minimum=1) // 2 + 1


def new_node(node_id: int, n: int) -> Node:
    """A fresh follower ``node_id`` (0 … n-1) of an ``n``-server cluster (1 … 9), term 0.

    >>> new_node(0, 3)
    Node(id=0, n=3, term=0, voted_for=None, log=(), commit_index=0, role='follower', votes=frozenset(), next_index=(), match_index=())
    """
    n = require_int("n", n, minimum=1, maximum=9)
    node_id = require_int("node_id", node_id, minimum=0, maximum=n - 1)
    return Node(node_id, n)


def last_log_index(node: Node) -> int:
    """The index of the node's last entry (0 for an empty log)."""
    return len(node.log)


def last_log_term(node: Node) -> int:
    """The term of the node's last entry (0 for an empty log)."""
    return node.log[-1][0] if node.log else 0


def log_is_up_to_date(last_term: int, last_index: int, node: Node) -> bool:
    """Is a log ending at (``last_term``, ``last_index``) at least as up to date as ``node``'s?

    Raft §5.4.1: the later last term wins; with equal last terms, the longer log.

    >>> voter = Node(1, 3, term=2, log=((1, "a"), (2, "b")))
    >>> log_is_up_to_date(2, 1, voter), log_is_up_to_date(2, 2, voter), log_is_up_to_date(3, 1, voter)
    (False, True, True)
    """
    mine = last_log_term(node)
    return last_term > mine or (last_term == mine and last_index >= last_log_index(node))


# -- the rules a learner may replace ---------------------------------------------------------

def step_down(node: Node, term: int) -> Node:
    """Figure 2, all servers: a message with a higher ``term`` makes any node a follower of
    that term with no vote cast yet (a lower or equal term changes nothing).

    >>> step_down(Node(0, 3, term=1, role="leader", voted_for=0), 2)[2:7]
    (2, None, (), 0, 'follower')
    """
    if term <= node.term:
        return node
    return node._replace(term=term, voted_for=None, role=FOLLOWER, votes=frozenset(),
                         next_index=(), match_index=())


def handle_request_vote(node: Node, message: RequestVote) -> tuple[Node, VoteReply]:
    """Figure 2, RequestVote receiver: refuse a stale term; grant one vote per term, and only
    to a candidate whose log is at least as up to date as this node's (§5.4.1).

    >>> voter = Node(1, 3, term=1, log=((1, "x"),))
    >>> handle_request_vote(voter, RequestVote(1, 0, 1, 0, 0))[1].granted      # empty log
    False
    >>> voter, reply = handle_request_vote(voter, RequestVote(1, 0, 1, 1, 1))
    >>> reply.granted, voter.voted_for
    (True, 0)
    """
    if message.term < node.term:
        return node, VoteReply(node.term, node.id, message.source, False)
    grant = (node.voted_for in (None, message.source)
             and log_is_up_to_date(message.last_log_term, message.last_log_index, node))
    if grant:
        node = node._replace(voted_for=message.source)
    return node, VoteReply(node.term, node.id, message.source, grant)


def handle_append_entries(node: Node, message: AppendEntries) -> tuple[Node, AppendReply]:
    """Figure 2, AppendEntries receiver.

    1. refuse a stale term; otherwise the sender is this term's leader (a candidate of the
       same term gives up);
    2. refuse if the log has no entry at ``prev_index`` with term ``prev_term`` (the
       consistency check: the leader will retry one entry earlier);
    3. an existing entry that conflicts with a new one (same index, other term) is deleted
       with everything after it; entries not yet in the log are appended;
    4. ``commit_index`` becomes min(``leader_commit``, index of the last new entry) if that
       is higher (it never goes down).

    >>> follower = Node(1, 3, term=3, log=((1, "x"), (2, "y")))
    >>> follower, reply = handle_append_entries(
    ...     follower, AppendEntries(3, 0, 1, 1, 1, ((3, "z"),), 2))
    >>> follower.log, follower.commit_index, reply.success, reply.match_index
    (((1, 'x'), (3, 'z')), 2, True, 2)
    """
    if message.term < node.term:
        return node, AppendReply(node.term, node.id, message.source, False, 0)
    node = node._replace(role=FOLLOWER, votes=frozenset(), next_index=(), match_index=())
    prev = message.prev_index
    if prev > len(node.log) or (prev > 0 and node.log[prev - 1][0] != message.prev_term):
        return node, AppendReply(node.term, node.id, message.source, False, 0)
    log = list(node.log)
    for offset, entry in enumerate(message.entries):
        index = prev + 1 + offset
        if index <= len(log):
            if log[index - 1][0] == entry[0]:
                continue  # already there: a duplicate or reordered message must not truncate
            del log[index - 1:]
        log.append(tuple(entry))
    last_new = prev + len(message.entries)
    commit = max(node.commit_index, min(message.leader_commit, last_new))
    node = node._replace(log=tuple(log), commit_index=commit)
    return node, AppendReply(node.term, node.id, message.source, True, last_new)


def _majority_index(node: Node) -> int:
    """The highest index stored on a majority (the leader's own log counts as stored)."""
    stored = sorted(len(node.log) if peer == node.id else node.match_index[peer]
                    for peer in range(node.n))
    return stored[node.n - majority(node.n)]


def advance_commit_index(node: Node) -> Node:
    """The leader's commit rule (Raft §5.4.2): commit up to the highest index N stored on a
    majority whose entry is of the CURRENT term; earlier entries commit with it, indirectly.

    >>> leader = Node(0, 3, term=4, role="leader", log=((2, "x"),), next_index=(2, 2, 1),
    ...               match_index=(1, 1, 0))
    >>> advance_commit_index(leader).commit_index          # x is of term 2, not 4
    0
    >>> advance_commit_index(leader._replace(log=((2, "x"), (4, "y")), match_index=(2, 2, 0))).commit_index
    2
    """
    if node.role != LEADER:
        return node
    for index in range(_majority_index(node), node.commit_index, -1):
        if node.log[index - 1][0] == node.term:
            return node._replace(commit_index=index)
    return node


def advance_commit_index_naive(node: Node) -> Node:
    """The NAIVE commit rule: commit any entry stored on a majority, whatever its term.
    Unsafe — Raft's Figure 8: such an entry can still be overwritten by a later leader.

    >>> leader = Node(0, 3, term=4, role="leader", log=((2, "x"),), next_index=(2, 2, 1),
    ...               match_index=(1, 1, 0))
    >>> advance_commit_index_naive(leader).commit_index
    1
    """
    if node.role != LEADER:
        return node
    return node._replace(commit_index=max(node.commit_index, _majority_index(node)))


# -- two plausible bugs, for the checker to catch --------------------------------------------

def request_vote_without_log_check(node: Node, message: RequestVote) -> tuple[Node, VoteReply]:
    """A BROKEN RequestVote handler: one vote per term, but no up-to-date check, so a
    candidate missing committed entries can win (breaks leader completeness)."""
    if message.term < node.term:
        return node, VoteReply(node.term, node.id, message.source, False)
    grant = node.voted_for in (None, message.source)
    if grant:
        node = node._replace(voted_for=message.source)
    return node, VoteReply(node.term, node.id, message.source, grant)


def adopt_term_keep_role(node: Node, term: int) -> Node:
    """A BROKEN higher-term rule: adopt the term (and forget the vote) but keep the role, so
    an old leader leads on in the new term beside the new one (breaks election safety)."""
    if term <= node.term:
        return node
    return node._replace(term=term, voted_for=None)


@dataclass(frozen=True)
class Rules:
    """The four replaceable rules (see the module's table for their signatures).

    >>> mine = Rules(advance_commit=advance_commit_index_naive)
    >>> mine.request_vote is handle_request_vote, mine == NAIVE_COMMIT
    (True, True)
    """

    on_higher_term: Callable = step_down
    request_vote: Callable = handle_request_vote
    append_entries: Callable = handle_append_entries
    advance_commit: Callable = advance_commit_index

    def __post_init__(self):
        for field in fields(self):
            if not callable(getattr(self, field.name)):
                raise ValueError(f"{field.name} must be a function; got "
                                 f"{getattr(self, field.name)!r}")


REFERENCE = Rules()
NAIVE_COMMIT = Rules(advance_commit=advance_commit_index_naive)
_RULE_NAMES = tuple(field.name for field in fields(Rules))


def as_rules(rules=None) -> Rules:
    """``rules`` as a :class:`Rules`: None -> :data:`REFERENCE`; a dict of some of the four
    names -> the reference with those replaced.

    >>> as_rules({"request_vote": request_vote_without_log_check}).request_vote.__name__
    'request_vote_without_log_check'
    >>> as_rules({"vote": print})
    Traceback (most recent call last):
    ...
    ValueError: rules has no rule 'vote'; the rules are on_higher_term, request_vote, append_entries, advance_commit
    """
    if rules is None:
        return REFERENCE
    if isinstance(rules, Rules):
        return rules
    if isinstance(rules, Mapping):
        for name in rules:
            if name not in _RULE_NAMES:
                raise ValueError(f"rules has no rule {name!r}; the rules are "
                                 f"{', '.join(_RULE_NAMES)}")
        return Rules(**rules)
    raise ValueError(f"rules must be None, a Rules object or a dict of rules; got {rules!r}")


# -- the node's own moves --------------------------------------------------------------------

def _require_node(node) -> Node:
    if not isinstance(node, Node):
        raise ValueError(f"node must be a raft Node (from new_node); got {node!r}")
    return node


def become_leader(node: Node) -> Node:
    """A candidate with a majority of votes leads: next_index = last index + 1 for every
    peer, match_index = 0 (its own: its last index)."""
    last = len(node.log)
    return node._replace(role=LEADER, next_index=(last + 1,) * node.n,
                         match_index=tuple(last if i == node.id else 0 for i in range(node.n)))


def timeout(node: Node) -> tuple[Node, list]:
    """The election timeout fired: a follower or candidate starts an election — next term,
    votes for itself, asks every peer (a leader does not time out: nothing happens).

    >>> node, messages = timeout(new_node(0, 3))
    >>> node.role, node.term, [m.dest for m in messages]
    ('candidate', 1, [1, 2])
    """
    _require_node(node)
    if node.role == LEADER:
        return node, []
    node = node._replace(term=node.term + 1, role=CANDIDATE, voted_for=node.id,
                         votes=frozenset({node.id}), next_index=(), match_index=())
    if majority(node.n) == 1:
        return become_leader(node), []
    request = [RequestVote(node.term, node.id, peer, last_log_index(node), last_log_term(node))
               for peer in range(node.n) if peer != node.id]
    return node, request


def client_request(node: Node, command, rules=None) -> Node:
    """A client's command reaches ``node``: a leader appends (its term, command) to its log;
    any other node ignores it (a real one would redirect the client to the leader)."""
    _require_node(node)
    if node.role != LEADER:
        return node
    node = node._replace(log=node.log + ((node.term, command),))
    return as_rules(rules).advance_commit(node)  # a 1-node cluster commits at once


def replicate(node: Node, peer: int) -> AppendEntries | None:
    """The AppendEntries a leader sends ``peer`` now: every entry from its ``next_index`` on
    (none: a heartbeat). None if ``node`` is not a leader or ``peer`` is itself."""
    _require_node(node)
    if node.role != LEADER or peer == node.id:
        return None
    prev = node.next_index[peer] - 1
    prev_term = node.log[prev - 1][0] if prev > 0 else 0
    return AppendEntries(node.term, node.id, peer, prev, prev_term, node.log[prev:],
                         node.commit_index)


def heartbeat(node: Node) -> list:
    """The AppendEntries a leader sends every peer (empty if it is not the leader)."""
    _require_node(node)
    if node.role != LEADER:
        return []
    return [replicate(node, peer) for peer in range(node.n) if peer != node.id]


def _handle_vote_reply(node: Node, message: VoteReply) -> tuple[Node, list]:
    if node.role != CANDIDATE or message.term != node.term or not message.granted:
        return node, []
    node = node._replace(votes=node.votes | {message.source})
    if len(node.votes) >= majority(node.n):
        node = become_leader(node)
    return node, []


def _handle_append_reply(node: Node, message: AppendReply, rules: Rules) -> tuple[Node, list]:
    if node.role != LEADER or message.term != node.term:
        return node, []  # a stale reply, from an earlier term
    peer = message.source
    if message.success:
        match = max(node.match_index[peer], message.match_index)
        node = node._replace(
            match_index=node.match_index[:peer] + (match,) + node.match_index[peer + 1:],
            next_index=node.next_index[:peer] + (max(node.next_index[peer], match + 1),)
            + node.next_index[peer + 1:])
        after = rules.advance_commit(node)
        if not isinstance(after, Node):
            raise ValueError(f"advance_commit must return a Node; it returned {after!r}")
        return after, []
    # The consistency check failed: back up one entry and try again (Figure 2).
    back = max(1, node.next_index[peer] - 1)
    node = node._replace(next_index=node.next_index[:peer] + (back,) + node.next_index[peer + 1:])
    return node, [replicate(node, peer)]


def _answer(result, rule: str, kind: type) -> tuple[Node, list]:
    """A request handler's ``(node, reply)``, checked: a learner's slip named plainly."""
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Node)
            and isinstance(result[1], kind)):
        raise ValueError(f"{rule} must return (node, {kind.__name__}); it returned {result!r}")
    return result[0], [result[1]]


def receive(node: Node, message, rules=None) -> tuple[Node, list]:
    """Deliver ``message`` to ``node`` under ``rules`` (default :data:`REFERENCE`): the new
    node and the messages it sends in answer (a list, often empty).

    First ``rules.on_higher_term`` (any message with a higher term), then the message's
    handler: ``rules.request_vote`` / ``rules.append_entries`` for requests, the built-in
    vote counting and the leader's bookkeeping (which calls ``rules.advance_commit``) for
    replies.
    """
    _require_node(node)
    rules = as_rules(rules)
    if not isinstance(message, RequestVote | AppendEntries | VoteReply | AppendReply):
        raise ValueError(f"message must be a RequestVote, VoteReply, AppendEntries or "
                         f"AppendReply; got {message!r}")
    if message.term > node.term:
        node = rules.on_higher_term(node, message.term)
        if not isinstance(node, Node):
            raise ValueError(f"on_higher_term must return a Node; it returned {node!r}")
    if isinstance(message, RequestVote):
        return _answer(rules.request_vote(node, message), "request_vote", VoteReply)
    if isinstance(message, AppendEntries):
        return _answer(rules.append_entries(node, message), "append_entries", AppendReply)
    if isinstance(message, VoteReply):
        return _handle_vote_reply(node, message)
    return _handle_append_reply(node, message, rules)


def restart(node: Node) -> Node:
    """The node after a crash and restart: ``term``, ``voted_for`` and ``log`` are on disk
    and survive; everything else is volatile and starts afresh (a follower, commit index 0,
    Figure 2's "volatile state").

    >>> restart(Node(0, 3, term=2, voted_for=0, log=((2, "x"),), commit_index=1, role="leader"))[2:7]
    (2, 0, ((2, 'x'),), 0, 'follower')
    """
    _require_node(node)
    return Node(node.id, node.n, node.term, node.voted_for, node.log)
