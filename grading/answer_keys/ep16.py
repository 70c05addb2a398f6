"""Answer key of Ep16's assessment (``series-1/ep16-data-management/assessment.ipynb``).

Function questions (Q1, Q3, Q5, Q7) are checked on visible and freshly drawn inputs in a
kernel where the course's data-management library, the exploration engine (with its
linearizability checker and quorum model) and the Ep16 widgets are switched off
(``FORBIDDEN``); numeric answers (Q4, Q6, Q8, Q10) are read from the notebook's kernel, where
the learner may use the whole library, and compared with values computed here. The question
data below repeat the assessment's parameter cell (a test checks that the reference solution
earns full marks, so the two cannot drift apart unnoticed).

>>> round(ANSWER_KEY.question("ep16-hashing__q4").expected()["modulo_moved_direct"], 4)   # 8 of 24 stay
0.6667
>>> round(ANSWER_KEY.question("ep16-data-decisions__q10").expected()["break_even_replica_month"], 2)
2633.28
"""

from __future__ import annotations

import math
from math import comb

import numpy as np

from course.data.cqrs import _lindley
from course.data.vclock import reconcile
from course.exploration import explore
from course.exploration.linearizability import Operation, check_register
from course.exploration.models.quorum import QuorumModel, freshest_read, quorum_write
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place): the whole
# data-management library (lags, ring and Maglev tables, vector clocks, Dynamo's store), the
# exploration engine with its linearizability checker and models (a search could check a
# history), Ep14's breaker explorer (a BFS too) and the Ep16 widgets, which compute lags and
# tables with their own code.
FORBIDDEN = whole_modules(
    "course.data.hashes", "course.data.partitioners", "course.data.movement", "course.data.cqrs",
    "course.data.quorums", "course.data.dynamo", "course.data.vclock", "course.data.merkle",
    "course.exploration.model", "course.exploration.search", "course.exploration.results",
    "course.exploration.canonical", "course.exploration.timeline", "course.exploration.linearizability",
    "course.exploration.models.consumer", "course.exploration.models.saga", "course.exploration.models.quorum",
    "course.patterns.explorer", "course.widgets.ep16", "course.widgets.ep16_lag",
)

# --- the question data (the assessment's parameter cell) ------------------------------------
Q4_FROM, Q4_TO = 8, 12
Q6_WALK = ["A", "B", "C", "D", "E", "F"]
Q6_N, Q6_R, Q6_W = 3, 2, 2
Q6_DOWN_AT_PUT = ["B", "C"]
Q6_DOWN_AT_GET = ["A", "B"]     # C has recovered (and received its hint); A has failed
Q8_N = 3
Q10 = dict(reads_per_s=8_000, writes_per_s=3_000, replica_down=0.001, refused_write_cost=0.20,
          refused_read_cost=0.01, replica_price=1_000.0)
SECONDS_PER_MONTH = 30 * 24 * 3600


# --- Q1 read_side_lags -----------------------------------------------------------------------

def _lag_cases(rng) -> list[Case]:
    cases = [Case(([0.0, 0.1, 0.2], [0.5, 0.5, 0.1], [0.2, 0.2, 0.2])),
             Case(([0.0, 1.0, 2.0], [0.1, 0.1, 0.1], [0.05, 0.05, 0.05])),
             Case(([], [], [])),
             Case(([0.0, 0.1], [0.5], [0.2, 0.2]), "ValueError"),
             Case(([0.0, 0.1], [0.5, -0.1], [0.2, 0.2]), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 60))
        commits = np.round(np.cumsum(rng.exponential(0.05, n)), 4).tolist()
        relays = np.round(rng.uniform(0.0, 0.4, n), 4).tolist()
        applies = np.round(rng.exponential(0.04, n) + 1e-3, 4).tolist()
        cases.append(Case((commits, relays, applies)))
    cases += [Case(([0.3, 0.1], [0.1, 0.1], [0.1, 0.1]), "ValueError"),
              Case(([0.0], [0.1], [0.0]), "ValueError")]
    return cases


def _lag_expected(commit_times, relay_delays, apply_times):
    commits = np.asarray(commit_times, dtype=float)
    if len(commits) == 0:
        return []
    # The relay keeps the log's order: an event is not delivered before the one committed before it.
    arrived = np.maximum.accumulate(commits + np.asarray(relay_delays, dtype=float))
    return (_lindley(arrived, np.asarray(apply_times, dtype=float)) - commits).tolist()


# --- Q3 maglev_table --------------------------------------------------------------------------

def _is_prime(m: int) -> bool:
    return m >= 2 and all(m % d for d in range(2, math.isqrt(m) + 1))


def _maglev_cases(rng) -> list[Case]:
    cases = [Case(([3, 0, 4], [4, 2, 1], 7)), Case(([0, 0], [1, 1], 5)), Case(([2], [2], 3)),
             Case(([0, 1], [1, 1], 8), "ValueError"), Case(([0, 1, 2], [1, 1], 7), "ValueError"),
             Case(([0], [3], 3), "ValueError")]
    primes = [p for p in range(2, 400) if _is_prime(p)]
    for _ in range(40):
        n = int(rng.integers(1, 12))
        size = int(rng.choice([p for p in primes if p >= n]))
        offsets = rng.integers(0, size, n).tolist()
        skips = (rng.integers(1, size, n) if size > 1 else np.ones(n, dtype=int)).tolist()
        cases.append(Case((offsets, skips, size)))
    cases += [Case(([0, 1, 2, 3], [1, 1, 1, 1], 3), "ValueError"), Case(([7], [1], 7), "ValueError")]
    return cases


def maglev_reference(offsets, skips, size) -> list:
    """The Maglev paper's population: backends take turns, each claiming the next free slot of
    its permutation (offset + j·skip) mod size, until the table is full."""
    n = len(offsets)
    table = [-1] * size
    nxt = [0] * n
    filled = 0
    while filled < size:
        for i in range(n):
            c = nxt[i]
            while table[(offsets[i] + c * skips[i]) % size] >= 0:
                c += 1
            table[(offsets[i] + c * skips[i]) % size] = i
            nxt[i] = c + 1
            filled += 1
            if filled == size:
                break
    return table


# --- Q5 siblings ------------------------------------------------------------------------------

def _sibling_cases(rng) -> list[Case]:
    cases = [Case(([[{"a": 1}, "old"], [{"a": 2}, "new"], [{"b": 1}, "other"]],)),
             Case(([[{"a": 1, "b": 1}, "x"], [{"a": 1, "b": 1}, "y"]],)),
             Case(([],)),
             Case(([[{"a": -1}, "bad"]],), "ValueError")]
    nodes = ["sx", "sy", "sz", "sw"]
    for _ in range(40):
        versions = []
        for _ in range(int(rng.integers(1, 8))):
            clock = {node: int(rng.integers(1, 4)) for node in nodes if rng.random() < 0.5}
            versions.append([clock, f"v{int(rng.integers(0, 100))}"])
        cases.append(Case((versions,)))
    cases.append(Case(([[{"a": 1.5}, "bad"]],), "ValueError"))
    return cases


def _sibling_expected(versions):
    return [[clock, value] for clock, value in reconcile([(dict(c), v) for c, v in versions])]


# --- Q7 is_linearizable -----------------------------------------------------------------------

def _history_cases(rng) -> list[Case]:
    inversion = [["w", "write", 1, 0, 10], ["a", "read", 1, 1, 2], ["b", "read", 0, 3, 4]]
    cases = [Case((inversion,)), Case((inversion[:2],)), Case(([["w", "write", 1, 0, None], ["a", "read", 1, 5, 6]],)),
             Case(([["a", "read", 0, 0, 1]],)), Case(([["w", "write", 1, 0, 1], ["a", "read", 0, 2, 3]],)),
             Case(([["a", "read", 0, 2, 1]],), "ValueError"), Case(([["a", "cas", 0, 0, 1]],), "ValueError")]
    for _ in range(45):
        ops = []
        for _ in range(int(rng.integers(1, 8))):
            start = int(rng.integers(0, 12))
            pending = rng.random() < 0.15
            kind = "write" if rng.random() < 0.4 else "read"
            ops.append([f"c{int(rng.integers(0, 3))}", kind, int(rng.integers(0, 3)), start,
                        None if pending else start + int(rng.integers(0, 5))])
        cases.append(Case((ops,)))
    cases.append(Case(([["a", "read", 0, "soon", 1]],), "ValueError"))
    return cases


def _history_expected(history):
    return check_register([Operation(*op) for op in history]).ok


# --- numeric answers ----------------------------------------------------------------------------

def _q8():
    steps = {}
    for r in range(1, Q8_N + 1):
        for w in range(1, Q8_N + 1):
            if r + w > Q8_N:
                found = explore(QuorumModel(freshest_read, quorum_write, n=Q8_N, r=r, w=w,
                                            read_repair=False)).violation
                steps[f"{r}/{w}"] = None if found is None else len(found)
    return {"needs_write_back": steps}


def _q4():
    span = math.lcm(Q4_FROM, Q4_TO)   # h mod a and h mod b repeat together every lcm(a, b) values
    stay = sum(h % Q4_FROM == h % Q4_TO for h in range(span)) / span
    joins = range(Q4_FROM, Q4_TO)
    return {"modulo_moved_direct": 1 - stay,
            "modulo_moves_per_key": sum(n / (n + 1) for n in joins),
            "ring_moves_per_key": sum(1 / (n + 1) for n in joins)}


def _q6():
    home = Q6_WALK[:Q6_N]

    def targets(down):
        healthy = [node for node in home if node not in down]
        missing = [node for node in home if node in down]
        standins = [node for node in Q6_WALK[Q6_N:] if node not in down]
        return healthy + standins[:len(missing)], dict(zip(standins, missing))

    put_targets, hints = targets(Q6_DOWN_AT_PUT)
    get_targets, _ = targets(Q6_DOWN_AT_GET)
    asks = get_targets[:Q6_R]
    # who holds the write at the get: the put's targets, plus C once its hint was handed off
    holders = set(put_targets) | {hints[s] for s in hints if hints[s] not in Q6_DOWN_AT_GET}
    return {"put_targets": put_targets, "hints": hints, "get_asks": asks,
            "get_sees_write": any(node in holders for node in asks)}


def _refused(n, k, q):
    return sum(comb(n, j) * q ** j * (1 - q) ** (n - j) for j in range(n - k + 1, n + 1))


def _q10():
    p, month = Q10, SECONDS_PER_MONTH

    def refusals(n, r, w):
        return (p["writes_per_s"] * month * _refused(n, w, p["replica_down"]) * p["refused_write_cost"]
                + p["reads_per_s"] * month * _refused(n, r, p["replica_down"]) * p["refused_read_cost"])

    break_even = (refusals(3, 2, 2) - refusals(5, 3, 3)) / 2    # two more replicas cost 2 x the price
    cheaper = "5/3/3" if 2 * p["replica_price"] < refusals(3, 2, 2) - refusals(5, 3, 3) else "3/2/2"
    return {"refused_writes_322": p["writes_per_s"] * month * _refused(3, 2, p["replica_down"]),
            "break_even_replica_month": break_even, "cheaper_at_price": cheaper}


ANSWER_KEY = AnswerKey(
    assignment="ep16",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep16-cqrs__q1", "Q1 read_side_lags(commit_times, relay_delays, apply_times)", "call",
                 ("read_side_lags",), cases=_lag_cases, expected=_lag_expected, rel_tol=1e-9, abs_tol=1e-9),
        Question("ep16-hashing__q3", "Q3 maglev_table(offsets, skips, size)", "call", ("maglev_table",),
                 cases=_maglev_cases, expected=maglev_reference),
        Question("ep16-hashing__q4", "Q4 (keys moved growing from 8 to 12 servers)", "variables",
                 ("modulo_moved_direct", "modulo_moves_per_key", "ring_moves_per_key"), expected=_q4,
                 rel_tol=1e-9, abs_tol=1e-9),
        Question("ep16-quorums__q5", "Q5 siblings(versions)", "call", ("siblings",), cases=_sibling_cases,
                 expected=_sibling_expected),
        Question("ep16-quorums__q6", "Q6 (a sloppy quorum's targets and hints)", "variables",
                 ("put_targets", "hints", "get_asks", "get_sees_write"), expected=_q6),
        Question("ep16-linearizability__q7", "Q7 is_linearizable(history)", "call", ("is_linearizable",),
                 cases=_history_cases, expected=_history_expected),
        Question("ep16-linearizability__q8", "Q8 (which quorums need the write-back)", "variables",
                 ("needs_write_back",), expected=_q8),
        Question("ep16-data-decisions__q10", "Q10 (the replica price at which five replicas pay)", "variables",
                 ("refused_writes_322", "break_even_replica_month", "cheaper_at_price"), expected=_q10,
                 rel_tol=1e-9, abs_tol=1e-6),
    ),
)
