"""A Raft cluster on the virtual clock: elections, leaders and commits under delay, loss,
partitions and crashes — and the shape of the Raft paper's Figure 16.

The servers run the pure rules of :mod:`course.coordination.raft` (the reference, or yours:
``rules=``) on the kit's event loop (:class:`course.sim.loop.EventLoop`). Time is virtual,
so a run is exact and repeatable: every random draw comes from streams seeded by ``seed``
(:func:`course.sim.streams.stream_generator`).

What happens in a run:

- every server waits a random **election timeout**, uniform in ``election_timeout_ms``,
  redrawn each time the timer is reset (a valid AppendEntries, a granted vote, a new
  election); when it fires, the server starts an election (:func:`~course.coordination.raft.timeout`);
- a leader sends AppendEntries to every peer at once and then every ``heartbeat_ms``;
- every message takes a **delay** uniform in ``delay_ms`` and is **lost** with probability
  ``loss``; a :class:`~course.patterns.faults.Partition` (servers named "S1" … "Sn",
  times in seconds, the fault vocabulary of Ep13) drops every message across it;
- a :class:`~course.patterns.faults.Crash` stops a server (its messages are lost) and, at
  its ``end``, restarts it with only term, vote and log
  (:func:`~course.coordination.raft.restart`);
- ``requests``: (time in ms, command) pairs go to the leader of the highest term that is up.

:func:`simulate` returns a :class:`RaftRun` of tidy tables (pandas): ``elections`` (one row
per term: start, end, candidates, winner, split vote), ``leaders`` (each leader change),
``commits`` (each entry a leader first counts committed) and ``requests``.

:func:`failover_times` repeats the paper's §9.3 experiment (crash the leader of five servers
at a random moment of its heartbeat interval, just after a heartbeat, with followers'
logs of different lengths; time until a new leader) and :func:`fig16_sweep` runs it across
the election-timeout ranges of Figure 16's top graph; :func:`downtime_cdf` gives the CDF.
:func:`fast_failover_times` is a vectorised approximation of the same experiment (for
widgets), checked against the event simulation in the tests. :data:`PAPER_FIG16` holds the
paper's own measurements, to quote as theirs.

>>> run = simulate(3, seed=1, duration_ms=1000)
>>> run.leaders.loc[0, "leader"], int(run.leaders.loc[0, "term"])
('S3', 1)
>>> bool(run.leaders["time_ms"].iloc[0] >= 150)      # no election before the first timeout
True

Taught in: Ep17 · 1-foundations (Figure 16's shape), 2-implementation (your rules on a
timed, faulty network).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.coordination.raft import (
    LEADER,
    AppendEntries,
    Node,
    RequestVote,
    as_rules,
    client_request,
    heartbeat,
    new_node,
    node_name,
    receive,
    restart,
    timeout,
)
from course.patterns.faults import Crash, Partition
from course.sim.loop import EventLoop
from course.sim.streams import seed_entropy, stream_generator
from course.validation import require_int, require_non_negative, require_probability

__all__ = ["RaftRun", "simulate", "failover_times", "fast_failover_times", "fig16_sweep",
           "downtime_cdf", "FIG16_RANGES", "PAPER_FIG16"]

#: The election-timeout ranges (ms) of the Raft paper's Figure 16, top graph.
FIG16_RANGES = ((150, 150), (150, 151), (150, 155), (150, 175), (150, 200), (150, 300))

#: What Ongaro & Ousterhout MEASURED (USENIX ATC 2014, §9.3 and the caption of Figure 16),
#: on their implementation — their numbers, not this simulation's.
PAPER_FIG16 = {
    "source": "Ongaro & Ousterhout, In Search of an Understandable Consensus Algorithm, "
              "USENIX ATC 2014, §9.3 and Figure 16",
    "servers": 5,
    "broadcast_time_ms": 15,            # "a broadcast time of roughly 15ms"
    "trials_per_line": 1000,            # "except for 100 trials for 150-150ms"
    "no_randomness_s": 10,              # 150-150 ms: "consistently took longer than 10 seconds"
    "median_150_155_ms": 287,           # "5ms of randomness ... a median downtime of 287ms"
    "worst_150_200_ms": 513,            # "50ms of randomness the worst-case ... was 513ms"
    "mean_12_24_ms": 35,                # "12-24ms ... only 35ms on average to elect a leader"
    "longest_12_24_ms": 152,            # "(the longest trial took 152ms)"
    "recommended_ms": (150, 300),       # "a conservative election timeout such as 150-300ms"
}


@dataclass(frozen=True)
class RaftRun:
    """The record of one run: ``elections``, ``leaders``, ``commits``, ``requests`` (tidy
    frames, times in ms), ``nodes`` (each server's final state) and ``messages`` (counts of
    sent, lost and delivered)."""

    elections: pd.DataFrame
    leaders: pd.DataFrame
    commits: pd.DataFrame
    requests: pd.DataFrame
    nodes: tuple
    messages: dict


def _require_range(name: str, value, low_min: float = 0.0) -> tuple[float, float]:
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair of milliseconds; got {value!r}") \
            from None
    low = require_non_negative(f"{name}[0]", low)
    high = require_non_negative(f"{name}[1]", high)
    if low < low_min or high < low:
        raise ValueError(f"{name} must satisfy {low_min:g} <= low <= high (ms); got {value!r}")
    return low, high


class _Cluster:
    """The servers, their timers and the network of one run (times on the loop in ms)."""

    def __init__(self, n, entropy, timeout_ms, heartbeat_ms, delay_ms, loss, rules,
                 partitions=(), record=True, stop_at_leader=False, tag=""):
        self.n = n
        self.loop = EventLoop()
        self.timer_rng = stream_generator(entropy, f"raft:timeouts{tag}")
        self.net_rng = stream_generator(entropy, f"raft:network{tag}")
        self.stopped = False
        self.low, self.high = timeout_ms
        self.heartbeat_ms = heartbeat_ms
        self.delay_low, self.delay_high = delay_ms
        self.loss = loss
        self.rules = rules
        self.partitions = [(p.start * 1000.0, math.inf if p.end is None else p.end * 1000.0,
                            {_index(s, n, "partition") for s in p.group_a},
                            {_index(s, n, "partition") for s in p.group_b})
                           for p in partitions]
        self.nodes = [new_node(i, n) for i in range(n)]
        self.up = [True] * n
        self.generation = [0] * n
        self.stop_at_leader = stop_at_leader
        self.first_leader_ms = None
        self.record = record
        self.elections: dict[int, dict] = {}
        self.leaders, self.commits, self.requests = [], [], []
        self.committed = set()
        self.sent = self.lost = self.delivered = 0

    # -- timers ----------------------------------------------------------------------------

    def reset_timer(self, i: int) -> None:
        if self.stopped:
            return
        self.generation[i] += 1
        wait = self.low + (self.high - self.low) * self.timer_rng.random()
        self.loop.schedule_in(wait, self._timer_fired, (i, self.generation[i]))

    def _timer_fired(self, argument) -> None:
        i, generation = argument
        if generation != self.generation[i] or not self.up[i]:
            return
        node = self.nodes[i]
        if node.role == LEADER:
            return
        node, messages = timeout(node)
        self._update(i, node)
        record = self.elections.setdefault(node.term, {
            "term": node.term, "start_ms": self.loop.now, "candidates": 0, "winner": None,
            "end_ms": math.nan})
        record["candidates"] += 1
        self.reset_timer(i)
        self._send_all(messages)

    def _heartbeat(self, argument) -> None:
        i, term = argument
        node = self.nodes[i]
        if not self.up[i] or node.role != LEADER or node.term != term:
            return
        self._send_all(heartbeat(node))
        self.loop.schedule_in(self.heartbeat_ms, self._heartbeat, argument)

    # -- the network -----------------------------------------------------------------------

    def _cut(self, a: int, b: int, now: float) -> bool:
        return any(start <= now < end and ((a in g1 and b in g2) or (a in g2 and b in g1))
                   for start, end, g1, g2 in self.partitions)

    def _send_all(self, messages) -> None:
        if self.stopped:
            return
        for message in messages:
            self.sent += 1
            if (self.loss and self.net_rng.random() < self.loss) or \
                    self._cut(message.source, message.dest, self.loop.now):
                self.lost += 1
                continue
            delay = self.delay_low + (self.delay_high - self.delay_low) * self.net_rng.random()
            self.loop.schedule_in(delay, self._deliver, message)

    def _deliver(self, message) -> None:
        i = message.dest
        if not self.up[i] or self._cut(message.source, i, self.loop.now):
            self.lost += 1
            return
        self.delivered += 1
        node, replies = receive(self.nodes[i], message, self.rules)
        if not isinstance(node, Node):
            raise ValueError(f"rules must return a raft Node; a rule returned {node!r}")
        self._update(i, node)
        if isinstance(message, AppendEntries) and replies and replies[0].term == message.term:
            self.reset_timer(i)  # heard from the leader of its term
        elif isinstance(message, RequestVote) and replies and getattr(replies[0], "granted",
                                                                      False):
            self.reset_timer(i)  # granted a vote
        self._send_all(replies)

    # -- state changes, recorded -----------------------------------------------------------

    def _update(self, i: int, node: Node) -> None:
        before = self.nodes[i]
        self.nodes[i] = node
        if node.role == LEADER and (before.role != LEADER or before.term != node.term):
            now = self.loop.now
            if self.first_leader_ms is None:
                self.first_leader_ms = now
            if self.stop_at_leader:
                self.stopped = True
                self.loop.heap.clear()  # the experiment ends at the first leader
            if self.record:
                self.leaders.append({"time_ms": now, "term": node.term, "leader": node_name(i)})
                election = self.elections.get(node.term)
                if election is not None and election["winner"] is None:
                    election["winner"] = node_name(i)
                    election["end_ms"] = now
            if not self.stop_at_leader:
                self._send_all(heartbeat(node))
                self.loop.schedule_in(self.heartbeat_ms, self._heartbeat, (i, node.term))
        if self.record and node.role == LEADER and node.commit_index > before.commit_index:
            for index in range(before.commit_index + 1, node.commit_index + 1):
                entry = (index, *node.log[index - 1])
                if entry not in self.committed:
                    self.committed.add(entry)
                    self.commits.append({"time_ms": self.loop.now, "index": index,
                                         "term": entry[1], "command": entry[2],
                                         "leader": node_name(i)})

    def crash(self, i: int) -> None:
        self.up[i] = False
        self.generation[i] += 1

    def recover(self, i: int) -> None:
        self.nodes[i] = restart(self.nodes[i])
        self.up[i] = True
        self.reset_timer(i)

    def request(self, command) -> None:
        leaders = [node for node, up in zip(self.nodes, self.up, strict=True)
                   if up and node.role == LEADER]
        if not leaders:
            self.requests.append({"time_ms": self.loop.now, "command": command, "leader": None})
            return
        leader = max(leaders, key=lambda node: node.term)
        self.requests.append({"time_ms": self.loop.now, "command": command,
                              "leader": node_name(leader.id)})
        self._update(leader.id, client_request(leader, command, self.rules))


def _index(name, n: int, what: str) -> int:
    names = [node_name(i) for i in range(n)]
    if name not in names:
        raise ValueError(f"{what} must name servers among {names}; got {name!r}")
    return names.index(name)


def _check_common(n, timeout_ms, heartbeat_ms, delay_ms, loss):
    n = require_int("n", n, minimum=1, maximum=9)
    timeout_ms = _require_range("election_timeout_ms", timeout_ms, low_min=1.0)
    heartbeat_ms = require_non_negative("heartbeat_ms", heartbeat_ms)
    if not 0 < heartbeat_ms <= timeout_ms[0]:
        raise ValueError(f"heartbeat_ms must be in (0, {timeout_ms[0]:g}] (at most the "
                         f"smallest election timeout); got {heartbeat_ms:g}")
    delay_ms = _require_range("delay_ms", delay_ms)
    loss = require_probability("loss", loss)
    if loss == 1.0:
        raise ValueError("loss must be in [0, 1): with every message lost nothing can happen")
    return n, timeout_ms, heartbeat_ms, delay_ms, loss


def simulate(n: int = 5, *, seed, duration_ms: float = 2000.0,
             election_timeout_ms: Sequence[float] = (150.0, 300.0), heartbeat_ms: float = 50.0,
             delay_ms: Sequence[float] = (3.0, 7.5), loss: float = 0.0,
             faults: Iterable = (), requests: Iterable = (), rules=None) -> RaftRun:
    """Run ``n`` (1–9) servers for ``duration_ms`` of virtual time from a cold start.

    ``election_timeout_ms`` (low, high) with low >= 1; ``heartbeat_ms`` in (0, low];
    ``delay_ms`` (low, high) one-way message delay; ``loss`` in [0, 1); ``faults``: Ep13's
    :class:`~course.patterns.faults.Crash` and :class:`~course.patterns.faults.Partition`
    with servers "S1" … "Sn" and times in SECONDS; ``requests``: (time_ms, command) pairs;
    ``rules``: see :func:`course.coordination.raft.as_rules`. Same ``seed``, same run.

    >>> from course.patterns.faults import Crash
    >>> run = simulate(3, seed=2, faults=[Crash("S2", start=0.5)], duration_ms=1500)
    >>> run.leaders["leader"].tolist()               # S2 leads, crashes at 500 ms; S3 takes over
    ['S2', 'S3']
    """
    n, timeout_ms, heartbeat_ms, delay_ms, loss = _check_common(
        n, election_timeout_ms, heartbeat_ms, delay_ms, loss)
    duration_ms = require_non_negative("duration_ms", duration_ms)
    rules = as_rules(rules)
    faults = list(faults)
    for fault in faults:
        if not isinstance(fault, Crash | Partition):
            raise ValueError(f"faults must be Crash or Partition objects "
                             f"(course.patterns.faults); got {fault!r}")
    cluster = _Cluster(n, seed_entropy(seed), timeout_ms, heartbeat_ms, delay_ms, loss, rules,
                       partitions=[f for f in faults if isinstance(f, Partition)])
    loop = cluster.loop
    for fault in faults:
        if isinstance(fault, Crash):
            i = _index(fault.service, n, "Crash")
            loop.schedule_at(fault.start * 1000.0, cluster.crash, i)
            if fault.end is not None:
                loop.schedule_at(fault.end * 1000.0, cluster.recover, i)
    for item in requests:
        try:
            at, command = item
        except (TypeError, ValueError):
            raise ValueError(f"requests must be (time_ms, command) pairs; got {item!r}") from None
        loop.schedule_at(require_non_negative("requests time_ms", at), cluster.request, command)
    for i in range(n):
        cluster.reset_timer(i)
    loop.run(until=duration_ms)
    elections = pd.DataFrame(sorted(cluster.elections.values(), key=lambda r: r["term"]),
                             columns=["term", "start_ms", "end_ms", "candidates", "winner"])
    elections["split"] = elections["winner"].isna() & (elections["candidates"] >= 2)
    return RaftRun(
        elections=elections,
        leaders=pd.DataFrame(cluster.leaders, columns=["time_ms", "term", "leader"]),
        commits=pd.DataFrame(cluster.commits,
                             columns=["time_ms", "index", "term", "command", "leader"]),
        requests=pd.DataFrame(cluster.requests, columns=["time_ms", "command", "leader"]),
        nodes=tuple(cluster.nodes),
        messages={"sent": cluster.sent, "lost": cluster.lost, "delivered": cluster.delivered})


def _failover_trial(n, entropy, trial, timeout_ms, heartbeat_ms, delay_ms, loss, rules,
                    cap_ms):
    """One trial of §9.3: returns (downtime_ms or nan, terms started, split terms)."""
    cluster = _Cluster(n, entropy, timeout_ms, heartbeat_ms, delay_ms, loss, rules,
                       record=False, stop_at_leader=True, tag=f":trial {trial}")
    # A settled cluster: S1 leads term 1; follower k holds k entries (the leader n - 1), so
    # the followers with the shortest logs cannot win (the paper's worst case).
    log = tuple((1, f"e{k}") for k in range(1, n))
    leader = Node(0, n, term=1, voted_for=0, log=log, commit_index=0, role=LEADER,
                  next_index=(n,) * n, match_index=(n - 1,) + (0,) * (n - 1))
    cluster.nodes = [leader] + [Node(i, n, term=1, voted_for=0, log=log[:i])
                                for i in range(1, n)]
    # Every follower heard from the leader just now; then the synchronized heartbeat
    # broadcast before the crash (empty AppendEntries that every log accepts, so no retry
    # desynchronises them) resets every timer again as it arrives.
    for i in range(1, n):
        cluster.reset_timer(i)
    cluster._send_all([AppendEntries(1, 0, i, 0, 0, (), 0) for i in range(1, n)])
    crash_at = heartbeat_ms * cluster.net_rng.random()
    cluster.loop.schedule_at(crash_at, cluster.crash, 0)
    cluster.loop.run(until=crash_at + cap_ms)
    terms = max(node.term for node in cluster.nodes) - 1
    if cluster.first_leader_ms is None:
        return math.nan, terms
    return cluster.first_leader_ms - crash_at, terms


def failover_times(election_timeout_ms: Sequence[float] = (150.0, 300.0), *, seed,
                   trials: int = 200, n: int = 5, heartbeat_ms: float | None = None,
                   delay_ms: Sequence[float] = (3.0, 7.5), loss: float = 0.0,
                   cap_ms: float = 10_000.0, rules=None) -> pd.DataFrame:
    """The Raft paper's §9.3 experiment, ``trials`` (1–100,000) times: the leader of ``n``
    servers broadcasts a heartbeat, crashes a uniform random moment within its heartbeat
    interval (default: half the smallest election timeout, as in the paper), and the clock
    runs until some server becomes leader or ``cap_ms`` has passed.

    One row per trial: ``downtime_ms`` (crash to new leader; NaN if capped), ``terms`` (the
    elections it took), ``split_votes`` (terms - 1: elections that ended without a
    leader — a split vote, or a candidate whose log was too short to win; the column keeps
    the paper's word for both), ``capped``. Trial k uses the same random streams whatever the range (common
    random numbers), so ranges compare draw for draw.

    >>> frame = failover_times((150, 300), seed=0, trials=50)
    >>> bool(frame["downtime_ms"].min() >= 75)          # at least min timeout - heartbeat
    True
    """
    n, timeout_ms, heartbeat_ms, delay_ms, loss = _check_common(
        n, election_timeout_ms, _half_low(election_timeout_ms) if heartbeat_ms is None
        else heartbeat_ms, delay_ms, loss)
    if n < 3:
        raise ValueError(f"n must be >= 3 for a failover (a leader and a majority left); got {n}")
    trials = require_int("trials", trials, minimum=1, maximum=100_000)
    cap_ms = require_non_negative("cap_ms", cap_ms)
    rules = as_rules(rules)
    entropy = seed_entropy(seed)
    rows = []
    for trial in range(trials):
        downtime, terms = _failover_trial(n, entropy, trial, timeout_ms, heartbeat_ms,
                                          delay_ms, loss, rules, cap_ms)
        rows.append((trial, downtime, terms))
    frame = pd.DataFrame(rows, columns=["trial", "downtime_ms", "terms"])
    frame["split_votes"] = (frame["terms"] - 1).clip(lower=0)
    frame["capped"] = frame["downtime_ms"].isna()
    return frame


def _half_low(election_timeout_ms) -> float:
    """Half the smallest election timeout: the paper's heartbeat interval in Figure 16."""
    low, _ = _require_range("election_timeout_ms", election_timeout_ms, low_min=1.0)
    return low / 2.0


def fig16_sweep(ranges: Sequence = FIG16_RANGES, *, seed, trials: int = 200, n: int = 5,
                delay_ms: Sequence[float] = (3.0, 7.5), loss: float = 0.0,
                cap_ms: float = 10_000.0, rules=None, method: str = "events") -> pd.DataFrame:
    """:func:`failover_times` for each election-timeout range (ms) of ``ranges`` — by
    default Figure 16's top graph, 150–150 … 150–300 ms. A tidy frame: ``range`` (a label
    such as "150–155 ms"), ``low_ms``, ``high_ms``, then the per-trial columns.

    ``method="events"`` runs the event simulation (about a second for 6 × 200 trials);
    ``method="fast"`` the vectorised approximation :func:`fast_failover_times` (a few
    hundredths of a second; reference rules only, so ``rules`` must be None).

    >>> sweep = fig16_sweep(((150, 155), (150, 300)), seed=0, trials=40)
    >>> medians = sweep.groupby("range", sort=False)["downtime_ms"].median()
    >>> bool(medians["150–300 ms"] < medians["150–155 ms"])
    True
    >>> fast = fig16_sweep(seed=0, trials=1000, cap_ms=3000, method="fast")
    >>> fast.groupby("range", sort=False)["capped"].mean().round(2).tolist()
    [0.84, 0.61, 0.01, 0.0, 0.0, 0.0]
    """
    if method not in ("events", "fast"):
        raise ValueError(f"method must be 'events' or 'fast'; got {method!r}")
    if method == "fast" and rules is not None:
        raise ValueError("rules must be None with method='fast' (the approximation runs the "
                         "reference rules only); use method='events' for your rules")
    frames = []
    for pair in ranges:
        low, high = _require_range("ranges item", pair, low_min=1.0)
        if method == "fast":
            frame = fast_failover_times((low, high), seed=seed, trials=trials, n=n,
                                        delay_ms=delay_ms, loss=loss, cap_ms=cap_ms)
        else:
            frame = failover_times((low, high), seed=seed, trials=trials, n=n,
                                   delay_ms=delay_ms, loss=loss, cap_ms=cap_ms, rules=rules)
        frame.insert(0, "high_ms", high)
        frame.insert(0, "low_ms", low)
        frame.insert(0, "range", f"{low:g}–{high:g} ms")
        frames.append(frame)
    if not frames:
        raise ValueError("ranges must hold at least one (low, high) pair")
    return pd.concat(frames, ignore_index=True)


def downtime_cdf(sweep: pd.DataFrame) -> pd.DataFrame:
    """The cumulative share of trials with a leader again by each downtime, per range: the
    curves of Figure 16 (capped trials never reach 1). Columns ``range``, ``downtime_ms``,
    ``share``.

    >>> cdf = downtime_cdf(fig16_sweep(((150, 300),), seed=0, trials=20))
    >>> float(cdf["share"].max())
    1.0
    """
    if not isinstance(sweep, pd.DataFrame) or not {"range", "downtime_ms"} <= set(sweep):
        raise ValueError("sweep must be a frame from fig16_sweep (columns range, downtime_ms)")
    parts = []
    for label, group in sweep.groupby("range", sort=False):
        times = np.sort(group["downtime_ms"].dropna().to_numpy())
        parts.append(pd.DataFrame({"range": label, "downtime_ms": times,
                                   "share": np.arange(1, len(times) + 1) / len(group)}))
    return pd.concat(parts, ignore_index=True)


def fast_failover_times(election_timeout_ms: Sequence[float] = (150.0, 300.0), *, seed,
                        trials: int = 2000, n: int = 5, delay_ms: Sequence[float] = (3.0, 7.5),
                        loss: float = 0.0, cap_ms: float = 3000.0) -> pd.DataFrame:
    """A fast, vectorised APPROXIMATION of :func:`failover_times` (same experiment, same
    columns), for widgets: numpy over all trials at once, one election attempt per round.

    Each round the server whose timer fires first stands for the next term; every other
    server's vote is decided by when the request arrives (after its own timer fired: it
    stands too and refuses), by its log (only servers with shorter or equal logs vote yes)
    and by its vote in that term; a request or reply is lost with ``loss``. A winner needs
    a majority counting itself. What it leaves out: two candidates' requests racing inside
    one round, a leader's heartbeats after it wins. The event simulation is the reference;
    tests check that both agree on medians and split-vote shares.

    >>> frame = fast_failover_times((150, 300), seed=0, trials=500)
    >>> bool(frame["downtime_ms"].median() < 300), int(frame["capped"].sum())
    (True, 0)
    """
    n, (low, high), _, (dlo, dhi), loss = _check_common(
        n, election_timeout_ms, _half_low(election_timeout_ms), delay_ms, loss)
    if n < 3:
        raise ValueError(f"n must be >= 3 for a failover (a leader and a majority left); got {n}")
    trials = require_int("trials", trials, minimum=1, maximum=200_000)
    cap_ms = require_non_negative("cap_ms", cap_ms)
    rng = np.random.default_rng(seed_entropy(seed))
    m, need = n - 1, n // 2  # survivors; votes needed besides the candidate's own
    rank = np.arange(m)  # follower k holds k + 1 entries: a longer log has a higher rank
    span, delay_span = high - low, dhi - dlo
    crash_all = (low / 2.0) * rng.random(trials)
    lost = rng.random((trials, m)) < loss
    heard = np.where(lost, 0.0, dlo + delay_span * rng.random((trials, m)))
    deadline = heard + low + span * rng.random((trials, m))
    term = np.ones((trials, m), dtype=np.int64)
    voted = np.ones((trials, m), dtype=np.int64)  # the term of each server's last vote
    leader_at = np.full(trials, np.nan)
    terms = np.zeros(trials, dtype=np.int64)
    idx = np.arange(trials)  # the trials still without a leader, compacted as they finish
    crash = crash_all
    while idx.size:
        first = np.argmin(deadline, axis=1)
        rows = np.arange(idx.size)
        start = deadline[rows, first]
        alive = start - crash <= cap_ms
        if not alive.all():
            idx, deadline, term, voted, crash, first, start = (
                a[alive] for a in (idx, deadline, term, voted, crash, first, start))
            if not idx.size:
                break
            rows = np.arange(idx.size)
        stand = term[rows, first] + 1
        term[rows, first] = stand
        voted[rows, first] = stand
        terms[idx] += 1
        draws = rng.random((5, idx.size, m))
        wanted = stand[:, None]
        arrive = start[:, None] + dlo + delay_span * draws[0]
        reaches = (rank[None, :] != first[:, None]) & (draws[1] >= loss)
        standing = deadline <= arrive  # its own timer fired first: it stands, term + 1
        own_term = term + standing
        newer = reaches & (own_term < wanted)  # steps down to the candidate's term
        grant = (newer | (reaches & (own_term == wanted) & ~standing)) \
            & (voted < wanted) & (rank[None, :] <= first[:, None])
        term = np.where(newer, wanted, term)
        voted = np.where(grant, wanted, voted)
        counted = grant & (draws[2] >= loss)
        wins = counted.sum(axis=1) >= need
        if wins.any():
            round_trip = np.where(counted[wins], arrive[wins] - start[wins, None] + dlo
                                  + delay_span * draws[3][wins], np.inf)
            leader_at[idx[wins]] = start[wins] + np.partition(round_trip, need - 1,
                                                              axis=1)[:, need - 1]
        # Timers: the candidate and every granting server wait a fresh timeout; a server
        # whose own candidacy was overtaken by a higher term restarts from its own timeout.
        fresh = low + span * draws[4]
        deadline[rows, first] = start + fresh[rows, first]
        deadline = np.where(grant, arrive + fresh, deadline)
        deadline = np.where(standing & newer & ~grant, deadline + fresh, deadline)
        if wins.any():
            keep = ~wins
            idx, deadline, term, voted, crash = (a[keep] for a in (idx, deadline, term, voted,
                                                                    crash))
    downtime = leader_at - crash_all
    downtime[downtime > cap_ms] = np.nan
    frame = pd.DataFrame({"trial": np.arange(trials), "downtime_ms": downtime, "terms": terms})
    frame["split_votes"] = (frame["terms"] - 1).clip(lower=0)
    frame["capped"] = frame["downtime_ms"].isna()
    return frame
