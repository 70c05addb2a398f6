"""Answer key of Ep14's assessment (``series-1/ep14-event-driven/assessment.ipynb``).

Function questions (Q1, Q3, Q6, Q8, Q10) are checked on visible and freshly drawn inputs in a
kernel where the course's event-driven library and exploration engine are switched off
(``FORBIDDEN``); numeric answers (Q2, Q4, Q5, Q7, Q11, Q12) are read from the notebook's kernel,
where the learner may use the whole library, and compared with values computed here. The
question data below repeat the assessment's parameter cell (a test checks that the reference
solution earns full marks, so the two cannot drift apart unnoticed).

>>> ANSWER_KEY.question("ep14-delivery__q4").expected()["duplicates_per_million"]
4950.0
>>> round(ANSWER_KEY.question("ep14-event-decisions__q12").expected()["replay_break_even"], 3)
0.275
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from course.events.costs import EventSourcingCase
from course.events.groups import assign, lag_over_time, moved_partitions
from course.events.store import ConcurrencyConflictError, Event, EventStore, fold
from course.exploration import explore
from course.exploration.models.consumer import ConsumerModel, Transfer
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place): every module
# of the event-driven library and of the exploration engine (Ep13's breaker explorer is a BFS
# too), and the Ep14 widgets, which compute lags and saga states with their own code.
FORBIDDEN = whole_modules(
    "course.events.store", "course.events.snapshots", "course.events.upcasting", "course.events.delivery",
    "course.events.groups", "course.events.replication", "course.events.saga", "course.events.costs",
    "course.exploration.model", "course.exploration.search", "course.exploration.results",
    "course.exploration.canonical", "course.exploration.timeline", "course.exploration.models.consumer",
    "course.exploration.models.saga", "course.patterns.explorer", "course.widgets.ep14", "course.widgets.ep14_saga",
)

# --- the question data (the assessment's parameter cell) ------------------------------------
Q2_START_VERSION = 5
Q2_ATTEMPTS = [("A", 5, 2), ("B", 5, 1), ("C", 7, 1), ("B again", 8, 1), ("D", 7, 3), ("E", 9, 2)]
Q4_CRASH_PROBABILITY, Q4_BATCH, Q4_MAX_DUPLICATES = 1e-4, 100, 1_000
Q5 = dict(partitions=6, publish_rate=1_200.0, consumers=4, consumer_rate=300.0, backlog=18_000.0, minutes=10)
Q7_CONFIGS = {"3/2": (3, 2), "3/1": (3, 1), "5/3": (5, 3), "5/2": (5, 2)}
Q11_STREAM = [(1, "alice", "bob", 30), (2, "bob", "carol", 20), (3, "alice", "bob", 30)]
Q12 = dict(years=5, hour_cost=120.0, writes_per_day=500_000, event_bytes=1_000, replicas=3, storage_price=0.023,
           es_build=800, es_upkeep=240, audit_build=120, audit_upkeep=60, audit_share_answered=0.7,
           audits=6, audit_hours=40, temporal=20, temporal_hours=10, replays=1, replay_hours=160)

KINDS = ("deposited", "withdrawn", "reversal")


# --- Q1 balance_as_of -------------------------------------------------------------------------

def _ledger_cases(rng) -> list[Case]:
    visible = [[0.0, "deposited", 100], [5.0, "withdrawn", 30], [9.0, "reversal", 1], [12.0, "deposited", 7]]
    cases = [Case((visible, 6.0)), Case((visible, 9.0)), Case((visible, 20.0)), Case((visible, -1.0)),
             Case(([[0.0, "reversal", 0]], 1.0), "ValueError"),
             Case(([[0.0, "deposited", 5], [1.0, "reversal", 0], [2.0, "reversal", 0]], 3.0), "ValueError"),
             Case(([[3.0, "deposited", 5], [1.0, "withdrawn", 2]], 4.0), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 25))
        times = np.cumsum(rng.integers(0, 4, n)).astype(float)
        events, reversed_ = [], set()
        for i in range(n):
            candidates = [j for j in range(i) if events[j][1] != "reversal" and j not in reversed_]
            if candidates and rng.random() < 0.25:
                j = int(rng.choice(candidates))
                reversed_.add(j)
                events.append([float(times[i]), "reversal", j])
            else:
                events.append([float(times[i]), str(rng.choice(["deposited", "withdrawn"])), int(rng.integers(0, 500))])
        cases.append(Case((events, float(rng.uniform(-1, times[-1] + 2)))))
    cases += [Case(([[0.0, "deposited", 5], [1.0, "refunded", 5]], 2.0), "ValueError"),
              Case(([[0.0, "deposited", -5]], 2.0), "ValueError"),
              Case(([[0.0, "deposited", 5], [1.0, "reversal", 1]], 2.0), "ValueError")]
    return cases


def _ledger_expected(events, as_of):
    # The log as course.events.store Events, folded up to as_of; a reversal adds back the
    # opposite of the effect it cancels.
    effect = [e[2] if e[1] == "deposited" else -e[2] if e[1] == "withdrawn" else 0 for e in events]

    def apply(balance, event):
        if event.kind == "reversal":
            return balance - effect[event.data["target"]]
        return balance + effect[event.version - 1]

    log = [Event("acct", i + 1, kind, {"target": value}) for i, (at, kind, value) in enumerate(events) if at <= as_of]
    return int(fold(apply, log, 0))


# --- Q3 bounded_dedup -------------------------------------------------------------------------

def _dedup_cases(rng) -> list[Case]:
    cases = [Case(([1, 2, 1, 3, 1], 2)), Case(([1, 2, 3, 1, 2, 3], 2)), Case(([1, 2, 3, 1, 2, 3], 3)),
             Case(([], 4)), Case(([1, 1], 0), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 200))
        distinct = int(rng.integers(1, 40))
        ids = rng.integers(1, distinct + 1, n).tolist()
        cases.append(Case((ids, int(rng.integers(1, 30)))))
    cases.append(Case(([1, 2], -3), "ValueError"))
    return cases


def _dedup_expected(message_ids, window):
    memory, remembered, ever = deque(), set(), set()
    applied = duplicates = 0
    for message in message_ids:
        if message in remembered:
            continue
        applied += 1
        duplicates += message in ever
        ever.add(message)
        memory.append(message)
        remembered.add(message)
        if len(memory) > window:
            remembered.discard(memory.popleft())
    return [applied, duplicates]


# --- Q6 partitions_moved ----------------------------------------------------------------------

def _moved_cases(rng) -> list[Case]:
    cases = [Case((6, 2, 3)), Case((4, 4, 6)), Case((12, 3, 4)), Case((6, 0, 3), "ValueError"),
             Case((0, 2, 3), "ValueError")]
    for _ in range(40):
        cases.append(Case((int(rng.integers(1, 65)), int(rng.integers(1, 20)), int(rng.integers(1, 20)))))
    cases.append(Case((8, 3, -1), "ValueError"))
    return cases


def _moved_expected(partitions, consumers_before, consumers_after):
    return len(moved_partitions(assign(partitions, consumers_before), assign(partitions, consumers_after)))


# --- Q8 expected_compensations ----------------------------------------------------------------

def _saga_cases(rng) -> list[Case]:
    cases = [Case((["compensatable", "compensatable", "pivot", "retriable"], [0.9, 0.8, 0.5, 0.1])),
             Case((["pivot", "retriable"], [0.7, 0.3])), Case((["compensatable", "pivot"], [1.0, 1.0])),
             Case((["pivot", "compensatable"], [0.5, 0.5]), "ValueError"),
             Case((["compensatable", "pivot"], [0.5]), "ValueError"),
             Case((["compensatable", "pivot"], [1.5, 0.5]), "ValueError")]
    for _ in range(40):
        before, after = int(rng.integers(0, 8)), int(rng.integers(0, 5))
        kinds = ["compensatable"] * before + ["pivot"] + ["retriable"] * after
        cases.append(Case((kinds, np.round(rng.uniform(0.0, 1.0, len(kinds)), 4).tolist())))
    cases += [Case((["compensatable", "compensatable"], [0.5, 0.5]), "ValueError"),
              Case((["pivot", "pivot"], [0.5, 0.5]), "ValueError"),
              Case((["compensatable", "pivot", "undo"], [0.5, 0.5, 0.5]), "ValueError")]
    return cases


def _saga_expected(kinds, success_probabilities):
    pivot = kinds.index("pivot")
    reach, expected = 1.0, 0.0
    for j in range(pivot + 1):
        expected += j * reach * (1 - success_probabilities[j])   # fails at step j: undo the j done before it
        reach *= success_probabilities[j]
    return [reach, expected]


# --- Q10 shortest_violation -------------------------------------------------------------------

def _graph_cases(rng) -> list[Case]:
    visible = {"s0": [["send", "s1"], ["crash", "s2"]], "s1": [["ack", "s3"]], "s2": [["resend", "s1"]],
               "s3": [], "s4": [["loop", "s4"]]}
    cases = [Case((visible, "s0", ["s3"])), Case((visible, "s0", ["s2", "s3"])), Case((visible, "s0", ["s4"])),
             Case((visible, "s3", ["s3"])), Case((visible, "s9", ["s3"]), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(2, 30))
        transitions = {}
        for s in range(n):
            count = int(rng.integers(0, 4))
            transitions[f"s{s}"] = [[f"a{s}_{k}", f"s{int(rng.integers(0, n))}"] for k in range(count)]
        bad = sorted({f"s{int(b)}" for b in rng.integers(1, n, int(rng.integers(1, 4)))})
        cases.append(Case((transitions, "s0", bad)))
    return cases


def _graph_expected(transitions, start, bad):
    # Breadth-first by discovery, transitions in the order listed (the question's tie-break).
    bad = set(bad)
    if start in bad:
        return []
    parent = {start: None}
    frontier = deque([start])
    while frontier:
        state = frontier.popleft()
        for action, target in transitions.get(state, []):
            if target in parent:
                continue
            parent[target] = (state, action)
            if target in bad:
                path = []
                while parent[target] is not None:
                    target, action = parent[target]
                    path.append(action)
                return path[::-1]
            frontier.append(target)
    return None


# --- numeric answers ----------------------------------------------------------------------------

def _q2():
    store = EventStore()
    store.append("policy", [("issued", {})] * Q2_START_VERSION, expected_version=0)
    accepted, conflicts = [], 0
    for label, expected_version, count in Q2_ATTEMPTS:
        try:
            store.append("policy", [("changed", {"by": label})] * count, expected_version=expected_version)
            accepted.append(label)
        except ConcurrencyConflictError:
            conflicts += 1
    return {"accepted": accepted, "final_version": len(store.read("policy")), "conflicts": conflicts}


def _q4():
    crashes_per_million = 1_000_000 * Q4_CRASH_PROBABILITY
    largest = max(b for b in range(1, 10_000) if crashes_per_million * (b - 1) / 2 <= Q4_MAX_DUPLICATES)
    return {"duplicates_per_million": crashes_per_million * (Q4_BATCH - 1) / 2,
            "lost_per_million_at_most_once": crashes_per_million * (Q4_BATCH + 1) / 2,
            "largest_batch": largest}


def _q5():
    seconds = 60.0 * Q5["minutes"]
    run = lag_over_time(Q5["publish_rate"], Q5["partitions"], Q5["consumers"], Q5["consumer_rate"], seconds,
                        initial_lag=Q5["backlog"], points=2)
    draining = run["drain_rate"][run["drain_rate"] > 0]
    return {"growing_partitions": int(np.sum(run["drain_rate"] < 0)),
            "drain_seconds": float(Q5["backlog"] / draining.min()),
            "lag_after": float(run["lag"][:, -1].sum())}


def _q7():
    return {"tolerance": {name: [replicas - floor, floor - 1] for name, (replicas, floor) in Q7_CONFIGS.items()}}


def _content_handler(state, message):
    key = (message.debit, message.credit, message.amount)
    if key in state:
        return state, []
    return state | {key}, [(message.debit, -message.amount), (message.credit, message.amount)]


def _q11():
    stream = [Transfer(*row) for row in Q11_STREAM]
    violation = explore(ConsumerModel(_content_handler, frozenset(), messages=stream)).violation
    return {"content_invariant": violation.invariant, "content_steps": len(violation),
            "content_faults": sum(step.fault for step in violation.steps)}


def q12_costs(replays_per_year: float = Q12["replays"]) -> dict:
    """Q12's two totals over the horizon ($) at a replay rate (replays a year)."""
    q = Q12
    es = EventSourcingCase(q["writes_per_day"], q["event_bytes"], q["replicas"], q["storage_price"],
                           build_hours=q["es_build"], upkeep_hours_per_year=q["es_upkeep"], hour_cost=q["hour_cost"],
                           audits_per_year=q["audits"], hours_saved_per_audit=q["audit_hours"],
                           temporal_queries_per_year=q["temporal"], hours_saved_per_temporal_query=q["temporal_hours"],
                           replays_per_year=replays_per_year, hours_saved_per_replay=q["replay_hours"], years=q["years"])
    unanswered = q["years"] * (q["audits"] * q["audit_hours"] * (1 - q["audit_share_answered"])
                               + q["temporal"] * q["temporal_hours"] + replays_per_year * q["replay_hours"])
    audit = (q["audit_build"] + q["years"] * q["audit_upkeep"] + unanswered) * q["hour_cost"] + es.storage_cost
    return {"es_total": es.cost, "audit_total": audit}


def _q12():
    totals = q12_costs()
    # audit_total grows linearly with the replay rate, es_total does not: solve for equality
    slope = Q12["years"] * Q12["replay_hours"] * Q12["hour_cost"]
    break_even = (totals["es_total"] - q12_costs(0.0)["audit_total"]) / slope
    return {**totals, "replay_break_even": break_even}


ANSWER_KEY = AnswerKey(
    assignment="ep14",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep14-event-sourcing__q1", "Q1 balance_as_of(events, as_of)", "call", ("balance_as_of",),
                 cases=_ledger_cases, expected=_ledger_expected),
        Question("ep14-event-sourcing__q2", "Q2 (optimistic concurrency: accepted appends, final version)",
                 "variables", ("accepted", "final_version", "conflicts"), expected=_q2),
        Question("ep14-delivery__q3", "Q3 bounded_dedup(message_ids, window)", "call", ("bounded_dedup",),
                 cases=_dedup_cases, expected=_dedup_expected),
        Question("ep14-delivery__q4", "Q4 (duplicates and losses of batched offset commits)", "variables",
                 ("duplicates_per_million", "lost_per_million_at_most_once", "largest_batch"), expected=_q4,
                 rel_tol=1e-9, abs_tol=1e-6),
        Question("ep14-partitioned-log__q5", "Q5 (a lagging consumer group)", "variables",
                 ("growing_partitions", "drain_seconds", "lag_after"), expected=_q5, rel_tol=1e-9, abs_tol=1e-6),
        Question("ep14-partitioned-log__q6", "Q6 partitions_moved(partitions, consumers_before, consumers_after)",
                 "call", ("partitions_moved",), cases=_moved_cases, expected=_moved_expected),
        Question("ep14-partitioned-log__q7", "Q7 (failures tolerated by replicas / min.insync.replicas)", "variables",
                 ("tolerance",), expected=_q7),
        Question("ep14-saga__q8", "Q8 expected_compensations(kinds, success_probabilities)", "call",
                 ("expected_compensations",), cases=_saga_cases, expected=_saga_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep14-checking__q10", "Q10 shortest_violation(transitions, start, bad)", "call",
                 ("shortest_violation",), cases=_graph_cases, expected=_graph_expected),
        Question("ep14-checking__q11", "Q11 (the content-keyed dedup, checked)", "variables",
                 ("content_invariant", "content_steps", "content_faults"), expected=_q11),
        Question("ep14-event-decisions__q12", "Q12 (claims: event sourcing against an audit table)", "variables",
                 ("es_total", "audit_total", "replay_break_even"), expected=_q12, rel_tol=1e-6, abs_tol=1e-6),
    ),
)

assert math.isclose(_q12()["replay_break_even"], 0.275, rel_tol=1e-9)  # the figure the essay Q13 quotes
