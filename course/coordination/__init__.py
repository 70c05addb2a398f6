"""Coordination (Ep17): consensus with Raft, leader election, leases and distributed locks.

=================  ======================================================================
``raft``           Raft's rules as pure functions on a node's state (term, votedFor, log,
                   commitIndex, role): RequestVote with the up-to-date check,
                   AppendEntries, elections, stepping down on a higher term, the
                   leader's commit rule (current-term entries only, §5.4.2) and the
                   naive rule; a ``Rules`` object a learner's functions plug into
``raft_sim``       a seeded discrete-event Raft cluster on the virtual clock
                   (:mod:`course.sim`): delays, loss, partitions, crashes and restarts;
                   tidy records of elections, leaders and commits; the Fig. 16 sweep
                   (election time vs election-timeout randomness)
``quorums``        crash (2f + 1, majority) and Byzantine (3f + 1) sizing, quorum
                   intersection, k-of-n availability and zone ``Placement`` (zone losses
                   survived, availability, yearly cost)
``leases``         a seeded lease lock on the virtual clock: SET NX PX with an owner,
                   renewals, pauses, clock jumps, a fencing-token resource; Kubernetes'
                   leader-election defaults
``local_servers``  free loopback ports, children that die with their parent, a server as a
                   context manager that always stops it
``etcd_cluster``   a real 3-member etcd cluster on loopback: kill the leader, time the next
``redis_lock``     a real redis-server on loopback: SET NX PX lock, compare-and-delete,
                   INCR fencing tokens, the paused-holder demo
=================  ======================================================================

Raft's checker model (every message order, loss, crash within bounds) lives with the other
models on the exploration engine, in :mod:`course.exploration.models.raft`.

Taught in: Ep17 · 1-foundations, 2-implementation.
"""

# Each module's names are re-exported below, one block per module (Raft first, then leases
# and locks), so that ``from course.coordination import ...`` works for all of them.

from course.coordination.raft import (
    NAIVE_COMMIT,
    REFERENCE,
    AppendEntries,
    AppendReply,
    Node,
    RequestVote,
    Rules,
    VoteReply,
    advance_commit_index,
    advance_commit_index_naive,
    client_request,
    handle_append_entries,
    handle_request_vote,
    heartbeat,
    majority,
    new_node,
    receive,
    replicate,
    restart,
    step_down,
    timeout,
)
from course.coordination.raft_sim import (
    FIG16_RANGES,
    PAPER_FIG16,
    RaftRun,
    downtime_cdf,
    failover_times,
    fast_failover_times,
    fig16_sweep,
    simulate,
)

__all__ = [
    "Node", "RequestVote", "VoteReply", "AppendEntries", "AppendReply", "Rules", "REFERENCE",
    "NAIVE_COMMIT", "new_node", "majority", "step_down", "handle_request_vote",
    "handle_append_entries", "advance_commit_index", "advance_commit_index_naive", "timeout",
    "client_request", "replicate", "heartbeat", "receive", "restart",
    "RaftRun", "simulate", "failover_times", "fast_failover_times", "fig16_sweep", "downtime_cdf",
    "FIG16_RANGES", "PAPER_FIG16",
]
