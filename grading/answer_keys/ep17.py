"""Answer key of Ep17's assessment (``series-1/ep17-coordination/assessment.ipynb``).

Function questions (Q1, Q4, Q6) are checked on visible and freshly drawn inputs in a kernel
where the course's coordination library (Raft's rules, the simulation, quorums, leases and
locks), the exploration engine with its Raft model and the Ep17 widgets are switched off
(``FORBIDDEN``); numeric answers (Q2, Q3, Q5, Q8, Q10) are read from the notebook's kernel,
where the learner may use the whole library, and compared with values computed here. The
question data below repeat the assessment's parameter cell (a test checks that the reference
solution earns full marks, so the two cannot drift apart unnoticed).

Q4 grades a piece of Raft by running the model checker: the learner's commit rule is called
in the checking kernel on EVERY input the checker's Raft model can present within its bounds
(plus drawn five-server cases); here, in the grading process, those answers become a lookup
table that is plugged into :class:`course.exploration.models.raft.RaftModel` as the leader's
``advance_commit`` rule and explored exhaustively (:func:`judge_commit_rule`). An unsafe rule
fails with the checker's shortest counterexample; a safe one must also commit (liveness) and
give Raft's answer on the drawn five-server cases. The learner's code never sees the checker.

>>> ANSWER_KEY.question("ep17-raft__q3").expected()["ELIGIBLE"]
['S1', 'S2', 'S4']
>>> round(ANSWER_KEY.question("ep17-raft__q2").expected()["P_CLEAN"], 4)
0.7588
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np

from course.coordination import raft
from course.coordination.quorums import Placement
from course.exploration import explore
from course.exploration.models.raft import FIG8_BOUNDS, RaftModel
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place): the whole
# coordination library (Raft's rules are Q4's reference, quorums Q1's, leases and the Redis
# lock's fenced storage Q6's, the simulation), the exploration engine and its models (a search
# could run the learner's rule against the reference), Ep14's breaker explorer (a BFS too) and
# the Ep17 widgets, which compute quorums, elections and lease timelines with their own code.
FORBIDDEN = whole_modules(
    "course.coordination.raft", "course.coordination.quorums", "course.coordination.leases",
    "course.coordination.redis_lock",
    "course.exploration.model", "course.exploration.search", "course.exploration.results",
    "course.exploration.canonical", "course.exploration.timeline", "course.exploration.models.raft",
    "course.exploration.models.quorum", "course.patterns.explorer", "course.widgets.ep17_locks",
    "course.coordination.raft_sim", "course.widgets.ep17",
)
# course.coordination.etcd_cluster and local_servers only start and stop processes (they compute
# nothing a question asks), so they stay importable.
# Rules is a plain record of four functions (the stubs above); the module builds REFERENCE and
# NAIVE_COMMIT from it at import time, so switching it off would make the package unimportable.
FORBIDDEN["course.coordination.raft"] = tuple(n for n in FORBIDDEN["course.coordination.raft"] if n != "Rules")

# --- the question data (the assessment's parameter cell) ------------------------------------
Q2 = dict(followers=4, t_min_ms=150.0, range_ms=150.0, broadcast_ms=10.0, target=0.95)
Q3_LOGS = {"S1": [1, 1, 3, 3], "S2": [1, 1, 3], "S3": [1, 1, 2, 2, 2], "S4": [1, 1, 3, 3], "S5": [1, 1]}
Q5_BOUNDS = dict(max_term=2, max_log=0, requests=0)
Q8_TRIALS_MS = [1305.0, 1342.0, 1090.0, 1313.0, 1463.0, 1347.0, 1498.0, 1362.0]
Q8 = dict(election_timeout_ms=1000.0, heartbeat_ms=100.0, followers=2, agreement=0.2)
Q10 = dict(member_price=0.25, member_up=0.99, zone_up=0.9995, replicated_gb=300.0, cross_zone_price=0.01)
HOURS_PER_MONTH = 730.0
#: the bounds of Q4's checker run: terms up to 4 (4 timeouts), logs of 1 entry, 2 client commands —
#: enough for Raft's Figure 8 (the naive rule is caught in 14 steps), exhaustive in ~19,000 states
Q4_BOUNDS = dict(FIG8_BOUNDS)


# --- Q1 placement_tolerance ---------------------------------------------------------------------

def _placement_cases(rng) -> list[Case]:
    cases = [Case(([1, 1, 1], "crash")), Case(([2, 2], "crash")), Case(([2, 2, 1], "crash")),
             Case(([4], "byzantine")), Case(([2, 1, 1], "byzantine")), Case(([3, 2, 2], "crash")),
             Case(([], "crash"), "ValueError"), Case(([2, -1], "crash"), "ValueError"),
             Case(([0, 0], "crash"), "ValueError"), Case(([1, 1, 1], "paxos"), "ValueError")]
    for _ in range(40):
        zones = rng.integers(0, 6, int(rng.integers(1, 7))).tolist()
        if sum(zones) == 0:
            zones[0] = 1
        cases.append(Case((zones, str(rng.choice(["crash", "byzantine"])))))
    return cases


def _placement_expected(members_per_zone, fault_model):
    placement = Placement(tuple(members_per_zone), fault_model)
    # the worst k zones to lose are the k fullest: keep losing them while a quorum remains
    left, losable = placement.members, 0
    for count in sorted(members_per_zone, reverse=True):
        if left - count < placement.quorum:
            break
        left -= count
        losable += 1
    return [placement.quorum, placement.tolerated_faults, losable]


# --- Q2 split votes ---------------------------------------------------------------------------

def _q2():
    q = Q2
    clean = (1 - q["broadcast_ms"] / q["range_ms"]) ** q["followers"]
    # (1 - b/R)^m >= target  <=>  R >= b / (1 - target^(1/m)); the smallest whole R
    smallest = math.ceil(q["broadcast_ms"] / (1 - q["target"] ** (1 / q["followers"])) - 1e-9)
    while (1 - q["broadcast_ms"] / smallest) ** q["followers"] < q["target"]:
        smallest += 1
    first_timer = q["t_min_ms"] + q["range_ms"] / (q["followers"] + 1)
    return {"P_CLEAN": clean, "SMALLEST_RANGE_MS": smallest,
            "EXPECTED_ELECTION_MS": (first_timer + q["broadcast_ms"]) / clean}


# --- Q3 who can win the next election ---------------------------------------------------------

def _q3():
    def node(log):
        return raft.Node(0, len(Q3_LOGS), log=tuple((term, "c") for term in log))

    majority = raft.majority(len(Q3_LOGS))
    eligible = []
    for name, log in Q3_LOGS.items():
        last_term = log[-1] if log else 0
        voters = sum(raft.log_is_up_to_date(last_term, len(log), node(other)) for other in Q3_LOGS.values())
        if voters >= majority:
            eligible.append(name)
    logs = [Q3_LOGS[name] for name in eligible]
    prefix = 0
    while all(len(log) > prefix for log in logs) and len({log[prefix] for log in logs}) == 1:
        prefix += 1
    return {"ELIGIBLE": eligible, "SAFE_PREFIX": prefix}


# --- Q4 new_commit_index, judged by the model checker -------------------------------------------

def reachable_inputs(max_term: int, max_log: int, servers: int = 3) -> list[tuple]:
    """Every (current_term, log_terms, match_index, commit_index) a leader of ``servers``
    servers can hold under the checker's bounds: a log of non-decreasing terms up to the
    current term, the leader's own match index its log length, the others' 0 … its log length
    (a leader's log only grows in its term), a commit index 0 … max_log (a truncated follower
    that later leads may carry a commit index past its log under an unsafe rule)."""
    inputs = []
    for term in range(1, max_term + 1):
        for length in range(max_log + 1):
            for log in itertools.combinations_with_replacement(range(1, term + 1), length):
                for me in range(servers):
                    for others in itertools.product(range(length + 1), repeat=servers - 1):
                        match = list(others[:me]) + [length] + list(others[me:])
                        for commit in range(max_log + 1):
                            inputs.append((term, list(log), match, commit))
    return inputs


def reference_commit_index(current_term, log_terms, match_index, commit_index):
    """Raft's rule (§5.4.2), on plain data: the highest N > commit_index stored on a majority
    with log_terms[N - 1] == current_term; else commit_index unchanged."""
    if not (isinstance(current_term, int) and current_term >= 1):
        raise ValueError("current_term must be a whole number >= 1")
    if any(not isinstance(t, int) or t < 1 for t in log_terms) or list(log_terms) != sorted(log_terms):
        raise ValueError("log_terms must be non-decreasing terms >= 1")
    if any(t > current_term for t in log_terms):
        raise ValueError("log_terms must not exceed current_term")
    if len(match_index) < 1 or any(not isinstance(m, int) or m < 0 or m > len(log_terms) for m in match_index):
        raise ValueError("match_index must hold one index in 0 … len(log_terms) per server")
    if not (isinstance(commit_index, int) and commit_index >= 0):
        raise ValueError("commit_index must be a whole number >= 0")
    needed = len(match_index) // 2 + 1
    for index in range(len(log_terms), commit_index, -1):
        if sum(m >= index for m in match_index) >= needed and log_terms[index - 1] == current_term:
            return index
    return commit_index


def _commit_cases(rng) -> list[Case]:
    visible = [Case((4, [2, 4], [2, 2, 0], 0)), Case((4, [2], [1, 1, 0], 0)), Case((3, [1, 2, 3], [3, 1, 3], 1)),
               Case((2, [], [0, 0, 0], 0)), Case((3, [1, 1], [2, 2, 2], 2)),
               Case((0, [], [0, 0, 0], 0), "ValueError"), Case((2, [1, 3], [2, 2, 2], 0), "ValueError"),
               Case((2, [1, 2], [3, 0, 0], 0), "ValueError")]
    # every input the checker's model can present (the lookup table), then drawn bigger clusters
    domain = [Case(args) for args in reachable_inputs(Q4_BOUNDS["max_term"], Q4_BOUNDS["max_log"])]
    drawn = []
    for _ in range(60):
        servers = int(rng.choice([5, 7]))
        term = int(rng.integers(1, 9))
        log = sorted(rng.integers(1, term + 1, int(rng.integers(0, 9))).tolist())
        match = rng.integers(0, len(log) + 1, servers).tolist()
        drawn.append(Case((term, log, match, int(rng.integers(0, len(log) + 1)))))
    return visible + drawn + domain


def _key(args) -> str:
    return json.dumps(list(args))


def _in_checker_domain(current_term, log_terms, match_index, commit_index) -> bool:
    return (len(match_index) == 3 and current_term <= Q4_BOUNDS["max_term"]
            and len(log_terms) <= Q4_BOUNDS["max_log"] and commit_index <= Q4_BOUNDS["max_log"])


def _commit_expected(current_term, log_terms, match_index, commit_index):
    if _in_checker_domain(current_term, log_terms, match_index, commit_index):
        # the checker judges these (judge_commit_rule); here only: a whole index that never
        # goes down and stays within the log (or the commit index it was given)
        return {"index between": [commit_index, max(commit_index, len(log_terms))]}
    return reference_commit_index(current_term, log_terms, match_index, commit_index)


def _commit_compare(got, want) -> bool:
    if isinstance(want, dict):
        low, high = want["index between"]
        return type(got) is int and low <= got <= high
    return type(got) is int and got == want


def rule_from_table(table: dict):
    """The learner's answers as Raft's ``advance_commit`` rule (a leader's node in, node out)."""
    def advance(node):
        if node.role != raft.LEADER:
            return node
        match = [len(node.log) if peer == node.id else node.match_index[peer] for peer in range(node.n)]
        args = (node.term, [term for term, _ in node.log], match, node.commit_index)
        if _key(args) not in table:
            raise LookupError(f"no answer for {args}")
        return node._replace(commit_index=table[_key(args)])
    return advance


def judge_commit_rule(cases, values) -> str | None:
    """Run the checker on the learner's commit rule (as a lookup table); None if it passes."""
    table = {_key(case.args): value for case, value in zip(cases, values, strict=True)
             if case.raises is None and _in_checker_domain(*case.args) and type(value) is int}
    domain = reachable_inputs(Q4_BOUNDS["max_term"], Q4_BOUNDS["max_log"])
    if any(_key(args) not in table for args in domain):
        return "the checker could not run: some inputs of its model gave no whole-number answer"
    model = RaftModel({"advance_commit": rule_from_table(table)}, **Q4_BOUNDS)
    try:
        result = explore(model)
    except LookupError as error:
        return f"the checker could not run: it reached an input outside the table of your answers ({error})"
    if result.violation is not None:
        steps = "; ".join(f"{step.actor}: {step.action}" for step in result.violation.steps)
        return (f"the model checker ({result.states} states, 3 servers, terms <= {Q4_BOUNDS['max_term']}, "
                f"logs <= {Q4_BOUNDS['max_log']} entries) found a run that breaks {result.violation.invariant} "
                f"in {len(result.violation)} steps: {steps}")
    if not _commits(model):
        return "your rule is safe but commits nothing in a fault-free run (S1 elected, x stored on S1 and S2)"
    return None


def _commits(model) -> bool:
    """Does the fault-free run "S1 elected by S2, x at S1, x replicated to S2" commit x?"""
    state = model.initial_state()
    for verb, node, peer in (("timeout", 0, -1), ("call", 0, 1), ("request", 0, -1), ("call", 0, 1)):
        action = next(a for a in model.actions(state) if a.verb == verb and a.node == node
                      and (peer < 0 or a.peer == peer))
        state = model.step(state, action)
    return bool(state.committed)


# --- Q5 a vote rule that forgets whom it voted for ----------------------------------------------

def forgetful_vote(node, message):
    """Q5's rule: grant every RequestVote whose term is not stale (no memory of votes, no log check)."""
    if message.term < node.term:
        return node, raft.VoteReply(node.term, node.id, message.source, False)
    return node._replace(voted_for=message.source), raft.VoteReply(node.term, node.id, message.source, True)


def _q5():
    violation = explore(RaftModel({"request_vote": forgetful_vote}, **Q5_BOUNDS)).violation
    return {"BROKEN_INVARIANT": violation.invariant, "TRACE_STEPS": len(violation)}


# --- Q6 fenced_store ----------------------------------------------------------------------------

def _store_cases(rng) -> list[Case]:
    visible = [[0.0, "A", "acquire"], [1.0, "A", "write"], [12.0, "B", "acquire"], [13.0, "B", "write"],
               [14.0, "A", "write"]]
    cases = [Case((10.0, visible, True)), Case((10.0, visible, False)), Case((10.0, [], True)),
             Case((5.0, [[0.0, "A", "write"], [1.0, "A", "acquire"], [7.0, "A", "write"]], True)),
             Case((5.0, [[0.0, "A", "acquire"], [3.0, "A", "acquire"], [7.0, "A", "write"], [7.5, "B", "acquire"]], True)),
             Case((0.0, visible, True), "ValueError"),
             Case((10.0, [[5.0, "A", "acquire"], [1.0, "A", "write"]], True), "ValueError"),
             Case((10.0, [[0.0, "A", "release"]], True), "ValueError")]
    for _ in range(50):
        n = int(rng.integers(1, 30))
        times = np.cumsum(rng.integers(0, 5, n)).astype(float).tolist()
        events = [[t, str(rng.choice(["A", "B", "C"])), str(rng.choice(["acquire", "write", "write"]))] for t in times]
        cases.append(Case((float(rng.choice([2.0, 5.0, 10.0])), events, bool(rng.random() < 0.5))))
    return cases


def _store_expected(lease_s, events, fencing):
    if lease_s <= 0:
        raise ValueError("lease_s must be > 0")
    holder, expires, token, highest = None, -math.inf, 0, 0
    tokens: dict = {}
    accepted = unsafe = 0
    last = -math.inf
    for t, client, kind in events:
        if t < last:
            raise ValueError("events must be in time order")
        last = t
        if kind == "acquire":
            if holder == client and t < expires:
                expires = t + lease_s                      # a renewal: same token
            elif holder is None or t >= expires:
                token += 1
                holder, expires = client, t + lease_s
                tokens[client] = token
        elif kind == "write":
            if client not in tokens:
                continue                                   # never held the lock: no write
            mine = tokens[client]
            if fencing and mine < highest:
                continue                                   # the storage refuses a stale token
            highest = max(highest, mine)
            accepted += 1
            unsafe += not (holder == client and t < expires)
        else:
            raise ValueError("kind must be 'acquire' or 'write'")
    return [accepted, unsafe]


# --- Q8 measured etcd failovers against a model ---------------------------------------------------

def _q8():
    q = Q8
    timeout = q["election_timeout_ms"]
    trials = np.array(Q8_TRIALS_MS)
    median = float(np.median(trials))
    # first of m timers uniform on [T, 2T), minus the mean time since the last heartbeat
    model = timeout + timeout / (q["followers"] + 1) - q["heartbeat_ms"] / 2
    return {"MEDIAN_MS": median, "SHARE_WITHIN": float(np.mean((trials >= timeout) & (trials < 2 * timeout))),
            "MODEL_MS": model, "MODEL_AGREES": bool(abs(median - model) <= q["agreement"] * model)}


# --- Q10 the outage price at which five members pay ------------------------------------------------

def _q10():
    q = Q10
    minutes = HOURS_PER_MONTH * 60

    def monthly(zones):
        p = Placement(zones)
        down = (1 - p.availability(q["member_up"], q["zone_up"])) * minutes
        running = p.yearly_cost(q["member_price"], q["replicated_gb"], q["cross_zone_price"]) / 12
        return down, running

    down3, cost3 = monthly((1, 1, 1))
    down5, cost5 = monthly((2, 2, 1))
    return {"DOWN_3_MIN": down3, "DOWN_5_MIN": down5, "BREAK_EVEN_PER_MIN": (cost5 - cost3) / (down3 - down5)}


ANSWER_KEY = AnswerKey(
    assignment="ep17",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep17-quorums__q1", "Q1 placement_tolerance(members_per_zone, fault_model)", "call",
                 ("placement_tolerance",), cases=_placement_cases, expected=_placement_expected),
        Question("ep17-raft__q2", "Q2 (split votes and the timeout range)", "variables",
                 ("P_CLEAN", "SMALLEST_RANGE_MS", "EXPECTED_ELECTION_MS"), expected=_q2, rel_tol=1e-6, abs_tol=1e-9),
        Question("ep17-raft__q3", "Q3 (who can win the next election)", "variables", ("ELIGIBLE", "SAFE_PREFIX"),
                 expected=_q3),
        Question("ep17-raft-check__q4", "Q4 new_commit_index(current_term, log_terms, match_index, commit_index)",
                 "call", ("new_commit_index",), cases=_commit_cases, expected=_commit_expected,
                 compare=_commit_compare, judge=judge_commit_rule),
        Question("ep17-raft-check__q5", "Q5 (a vote rule that forgets whom it voted for, checked)", "variables",
                 ("BROKEN_INVARIANT", "TRACE_STEPS"), expected=_q5),
        Question("ep17-locks__q6", "Q6 fenced_store(lease_s, events, fencing)", "call", ("fenced_store",),
                 cases=_store_cases, expected=_store_expected),
        Question("ep17-real-systems__q8", "Q8 (measured etcd failovers against a timer model)", "variables",
                 ("MEDIAN_MS", "SHARE_WITHIN", "MODEL_MS", "MODEL_AGREES"), expected=_q8, rel_tol=1e-9, abs_tol=1e-9),
        Question("ep17-coordination-decisions__q10", "Q10 (the outage price at which five members pay)", "variables",
                 ("DOWN_3_MIN", "DOWN_5_MIN", "BREAK_EVEN_PER_MIN"), expected=_q10, rel_tol=1e-6, abs_tol=1e-6),
    ),
)
