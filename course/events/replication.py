"""One replicated partition when its leader dies: what acks and min.insync.replicas lose, measured.

Kafka's model, reduced to one partition with ``replicas`` copies: replica 0 is the leader,
the others are followers that fetch from it, each message reaching follower r after a
seeded random delay (in order: a follower's log is always a prefix of the leader's). The
**in-sync replica set (ISR)** is the leader plus the followers that have kept up; a follower
that stops fetching (cut off at ``follower_cutoffs[r]``) leaves the ISR after
``replica_lag_time_max`` seconds (Kafka's broker setting ``replica.lag.time.max.ms``; short
here so that a run stays small).

The producer's ``acks`` setting says when a write counts as done:

* ``acks=0`` — when it is sent; the producer never hears of a failure;
* ``acks=1`` — when the leader has it;
* ``acks=all`` — when *every current ISR member* has it. ``min.insync.replicas`` is a floor,
  not "a majority": if the ISR is smaller, an ``acks=all`` write is refused
  (NotEnoughReplicas) instead of acknowledged. It has no effect on acks=0 or acks=1.

At ``leader_fails_at`` the leader dies. A clean election picks the first surviving ISR
member (in replica order); with none, the partition is **offline** — unless
``unclean_leader_election`` lets an out-of-sync follower lead. Every acknowledged message
the new leader lacks is **lost**: the run counts them (:meth:`ReplicationRun.summary`).
With ``acks=0`` the producer keeps sending to the dead leader until it notices, after
``producer_notice_delay`` seconds; those messages are lost too.

>>> base = dict(publish_rate=1000.0, leader_fails_at=2.0)
>>> simulate_leader_failure(acks="1", seed=4, **base).summary()["acked then lost"] > 0
True
>>> simulate_leader_failure(acks="all", seed=4, **base).summary()["acked then lost"]
0

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course.sim import seed_entropy, stream_generator
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["simulate_leader_failure", "ReplicationRun", "ACKS", "loss_table"]

ACKS = ("0", "1", "all")
#: Most messages one run simulates (refused beyond, before any work).
MAX_MESSAGES = 10_000_000


@dataclass(frozen=True)
class ReplicationRun:
    """Per message: when it was sent, its fate, and whether the new leader holds it."""

    acks: str
    min_insync_replicas: int
    sent_at: np.ndarray
    outcome: np.ndarray            # "acked", "refused", "unacknowledged", "sent to dead leader"
    on_new_leader: np.ndarray      # bool
    new_leader: int | None         # None: partition offline
    isr_at_failure: tuple

    def summary(self) -> dict:
        """Counts: sent, acknowledged, refused, acknowledged then lost, offline or not."""
        acked = self.outcome == "acked"
        lost = acked & ~self.on_new_leader if self.new_leader is not None else np.zeros_like(acked)
        return {
            "acks": self.acks,
            "min.insync.replicas": self.min_insync_replicas,
            "sent": int(self.sent_at.size),
            "acknowledged": int(acked.sum()),
            "refused (producer told)": int((self.outcome == "refused").sum()),
            "acked then lost": int(lost.sum()),
            "ISR at failure": "{" + ", ".join(map(str, self.isr_at_failure)) + "}",
            "new leader": "offline" if self.new_leader is None else f"replica {self.new_leader}",
        }

    def records(self) -> list[dict]:
        """One tidy row per message."""
        return [{"message": i, "sent_at": float(t), "outcome": str(o), "on_new_leader": bool(k)}
                for i, (t, o, k) in enumerate(zip(self.sent_at, self.outcome, self.on_new_leader))]


def simulate_leader_failure(acks: str = "all", min_insync_replicas: int = 1, *, seed,
                            replicas: int = 3, publish_rate: float = 1000.0,
                            leader_fails_at: float = 2.0, replication_delay: float = 0.01,
                            follower_cutoffs: dict | None = None, replica_lag_time_max: float = 0.5,
                            unclean_leader_election: bool = False,
                            producer_notice_delay: float = 0.1) -> ReplicationRun:
    """Publish at ``publish_rate`` messages/s until the leader dies at ``leader_fails_at`` s.

    ``replication_delay`` is the mean (exponential) seconds for a message to reach a follower;
    ``follower_cutoffs`` maps follower number (1 … replicas − 1) to the second it stops
    fetching. See the module docstring for the rules.
    """
    acks = str(acks)
    if acks not in ACKS:
        raise ValueError(f"acks must be one of {ACKS}; got {acks!r}")
    replicas = require_int("replicas", replicas, minimum=1)
    min_insync_replicas = require_int("min_insync_replicas", min_insync_replicas, minimum=1,
                                      maximum=replicas)
    publish_rate = require_positive("publish_rate", publish_rate)
    leader_fails_at = require_positive("leader_fails_at", leader_fails_at)
    replication_delay = require_positive("replication_delay", replication_delay)
    replica_lag_time_max = require_positive("replica_lag_time_max", replica_lag_time_max)
    producer_notice_delay = require_non_negative("producer_notice_delay", producer_notice_delay)
    cutoffs = np.full(replicas, np.inf)
    for follower, time in (follower_cutoffs or {}).items():
        follower = require_int("follower_cutoffs key", follower, minimum=1, maximum=replicas - 1)
        cutoffs[follower] = require_non_negative("follower_cutoffs time", time)
    entropy = seed_entropy(seed)

    last_send = leader_fails_at + (producer_notice_delay if acks == "0" else 0.0)
    if last_send * publish_rate > MAX_MESSAGES:
        raise ValueError(
            f"publish_rate × leader_fails_at (+ producer_notice_delay) = {last_send * publish_rate:.3g} messages; "
            f"a run is limited to {MAX_MESSAGES:,}"
        )
    count = int(np.ceil(last_send * publish_rate))
    sent = np.arange(count) / publish_rate
    sent = sent[sent < last_send]
    alive_leader = sent < leader_fails_at

    # arrival[r, i]: when follower r has message i (inf: never, it was cut off first)
    arrival = np.full((replicas, sent.size), np.inf)
    arrival[0, alive_leader] = sent[alive_leader]
    for r in range(1, replicas):
        delays = stream_generator(entropy, f"follower-{r}").exponential(replication_delay, sent.size)
        fetched = np.maximum.accumulate(sent + delays)      # in order: a prefix of the leader's log
        fetched[(fetched >= cutoffs[r]) | ~alive_leader] = np.inf
        arrival[r] = fetched
    leaves_isr = cutoffs + replica_lag_time_max              # inf for followers never cut off
    leaves_isr[0] = np.inf

    def isr_size(time):
        return 1 + np.sum(leaves_isr[1:, None] > np.atleast_1d(time)[None, :], axis=0)

    outcome = np.full(sent.size, "unacknowledged", dtype=object)
    outcome[~alive_leader] = "sent to dead leader"
    if acks in ("0", "1"):
        outcome[alive_leader] = "acked"
        if acks == "0":
            outcome[~alive_leader] = "acked"     # the producer believes it delivered them
    else:
        # A follower stops blocking an ack when it has the message or has left the ISR.
        satisfied = np.minimum(arrival[1:], leaves_isr[1:, None]) if replicas > 1 else np.zeros((0, sent.size))
        ack_time = np.maximum(sent, satisfied.max(axis=0)) if replicas > 1 else sent.copy()
        refused_now = isr_size(sent) < min_insync_replicas
        refused_after = isr_size(ack_time) < min_insync_replicas
        in_time = alive_leader & (ack_time < leader_fails_at)
        outcome[in_time] = "acked"
        outcome[alive_leader & (refused_now | (in_time & refused_after))] = "refused"

    isr = tuple(r for r in range(replicas) if leaves_isr[r] > leader_fails_at)
    candidates = [r for r in isr if r != 0]
    if candidates:
        new_leader = candidates[0]
    elif unclean_leader_election and replicas > 1:
        new_leader = int(np.argmin(np.sum(np.isinf(arrival[1:]), axis=1))) + 1  # the most complete
    else:
        new_leader = None
    if new_leader is None:
        on_new_leader = np.zeros(sent.size, dtype=bool)
    else:
        on_new_leader = arrival[new_leader] < leader_fails_at
    return ReplicationRun(acks, min_insync_replicas, sent, outcome, on_new_leader, new_leader, isr)


def loss_table(seed, settings=(("0", 1), ("1", 1), ("all", 1), ("all", 2)), **scenario) -> list[dict]:
    """:meth:`ReplicationRun.summary` rows for each (acks, min.insync.replicas) in ``settings``.

    >>> rows = loss_table(seed=4, publish_rate=1000.0)
    >>> [row["acked then lost"] > 0 for row in rows]
    [True, True, False, False]
    """
    return [simulate_leader_failure(acks, floor, seed=seed, **scenario).summary() for acks, floor in settings]
