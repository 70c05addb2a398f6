"""Answer key of Ep19's assessment (``series-1/ep19-architecture/assessment.ipynb``).

Function questions (Q1, Q4, Q5, Q7) are checked on visible and freshly drawn inputs in a kernel
where the course's architecture library, the exploration engine and the Ep19 widgets are
switched off (``FORBIDDEN``); numeric answers (Q2, Q8) are read from the notebook's kernel,
where the learner may use the whole library, and compared with values computed here. The
question data below repeat the assessment's parameter cell (a test checks that the reference
solution earns full marks, so the two cannot drift apart unnoticed).

>>> ANSWER_KEY.question("ep19-serverless__q2").expected()["JOB_PIECES"]
4
>>> ANSWER_KEY.question("ep19-architecture-decisions__q8").expected()["Q8_WINNER"]
'services + partitioned log'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from course.architecture.prices import FunctionLimits, FunctionPriceSheet
from course.architecture.serverless import (
    always_on_monthly_cost,
    concurrency_needed,
    faas_monthly_cost,
    invocations_for_job,
    servers_needed,
    throttled_share,
)
from course.capacity.costs import decision_table
from course.exploration.models.keyed_order import KeyedEvent, key_hash_partitioner
from grading.answer_keys.model import AnswerKey, Case, Question, clear_of_whole
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place): the Ep19
# architecture library (prices, break-even, streams with watermarks, lambda/kappa layers), the
# exploration engine and its keyed-order model (its partitioner is Q4's reference), and the Ep19
# widgets, which compute the same costs and windows with their own code.
FORBIDDEN = whole_modules(
    "course.architecture.prices", "course.architecture.serverless", "course.architecture.coldstarts",
    "course.architecture.styles", "course.architecture.streaming", "course.architecture.lambda_kappa",
    "course.exploration.model", "course.exploration.search", "course.exploration.results",
    "course.exploration.canonical", "course.exploration.timeline", "course.exploration.models.keyed_order",
    "course.widgets.ep19", "course.widgets.ep19_coldstart", "course.widgets.ep19_watermark",
)

# --- the question data (the assessment's parameter cell) ------------------------------------
PRICE_PER_REQUEST = 0.20 / 1_000_000      # USD, AWS Lambda x86 us-east-1, read 2026-12-05
PRICE_PER_GB_SECOND = 0.0000166667        # USD per GB-second, same page and date
HOURS_PER_MONTH = 730.0
Q2 = dict(job_s=40 * 60.0, timeout_s=900.0, margin=0.8, rate_per_s=600.0, duration_s=2.0, limit=1000)
Q8_CRITERIA = {
    "managed queue + functions": {"cost": 310.0, "p99 (ms)": 900.0, "ops hours": 4.0, "replay": 0},
    "services + partitioned log": {"cost": 520.0, "p99 (ms)": 60.0, "ops hours": 20.0, "replay": 1},
    "stream processor (kappa)": {"cost": 780.0, "p99 (ms)": 80.0, "ops hours": 30.0, "replay": 1},
}
Q8_WEIGHTS = {"cost": 3, "p99 (ms)": 1, "ops hours": 2, "replay": 2}
Q8_BETTER = {"cost": "lower", "p99 (ms)": "lower", "ops hours": "lower", "replay": "higher"}

_SHEET = FunctionPriceSheet("assessment", PRICE_PER_REQUEST, PRICE_PER_GB_SECOND, "the assessment", "2026-12-05")


# --- Q1 profile_costs ---------------------------------------------------------------------------

def _cost_cases(rng) -> list[Case]:
    flat, peaky = [10.0] * 24, [2.0] * 8 + [40.0] * 4 + [400.0] * 2 + [40.0] * 10
    cases = [Case((flat, 0.1, 0.5, 0.10, 50.0, 2)), Case((peaky, 0.02, 1.0, 0.0832, 150.0, 2)),
             Case(([0.0] * 24, 0.3, 0.25, 0.05, 10.0, 1)), Case((flat, 0.0004, 0.128, 0.1, 5.0, 3)),
             Case(([1.0] * 23, 0.1, 0.5, 0.10, 50.0, 2), "ValueError"), Case((flat, 0.1, 12.0, 0.10, 50.0, 2), "ValueError"),
             Case(([-1.0] + [1.0] * 23, 0.1, 0.5, 0.10, 50.0, 2), "ValueError"),
             Case((flat, 0.1, 0.0, 0.10, 50.0, 2), "ValueError"), Case((flat, 0.1, 0.5, 0.10, 50.0, 0), "ValueError")]
    while len(cases) < 49:
        base = float(rng.uniform(0, 300))
        rates = np.round(base * rng.lognormal(0.0, 1.0, 24), 3).tolist()
        case = (rates, float(np.round(rng.uniform(0.0005, 3.0), 4)),
                float(rng.choice([0.128, 0.25, 0.5, 1.0, 1.769, 2.0, 4.0, 10.0])),
                float(np.round(rng.uniform(0.01, 1.0), 4)), float(np.round(rng.uniform(5, 800), 1)),
                int(rng.integers(1, 5)))
        if _fair_cost_case(*case):
            cases.append(Case(case))
    return cases


def _fair_cost_case(hourly_rates, duration_s, memory_gb, price, capacity, min_servers) -> bool:
    """No whole number of milliseconds or servers that float noise, not the reasoning, would round up."""
    return clear_of_whole(duration_s * 1000) and all(r == 0 or clear_of_whole(r / capacity) for r in hourly_rates)


def _cost_expected(hourly_rates, duration_s, memory_gb, server_price_per_hour, server_capacity_per_s, min_servers):
    if len(hourly_rates) != 24:
        raise ValueError("hourly_rates must hold 24 rates")
    if not (isinstance(min_servers, int) and min_servers >= 1):
        raise ValueError("min_servers must be >= 1")
    # each profile hour is 1/24 of the month: the month's bill is the mean of the steady bills
    functions = sum(faas_monthly_cost(rate, duration_s, memory_gb, _SHEET) for rate in hourly_rates) / 24
    servers = [max(min_servers, servers_needed(rate, server_capacity_per_s)) for rate in hourly_rates]
    autoscaled = sum(always_on_monthly_cost(server_price_per_hour, n) for n in servers) / 24
    return [functions, autoscaled, always_on_monthly_cost(server_price_per_hour, max(servers))]


# --- Q4 keys_that_move --------------------------------------------------------------------------

def _move_cases(rng) -> list[Case]:
    cases = [Case((["alice", "bob", "carol", "dave"], 2, 3)), Case((["alice", "bob"], 4, 4)),
             Case((["k1", "k2", "k1"], 1, 2)), Case(([], 3, 5)), Case((["a"], 0, 2), "ValueError"),
             Case((["a"], 2, -1), "ValueError")]
    for _ in range(40):
        keys = [f"{rng.choice(['user', 'order', 'device', 'acct'])}-{int(rng.integers(0, 500))}"
                for _ in range(int(rng.integers(1, 40)))]
        cases.append(Case((keys, int(rng.integers(1, 17)), int(rng.integers(1, 17)))))
    return cases


def _move_expected(keys, before, after):
    if before < 1 or after < 1:
        raise ValueError("partition counts must be >= 1")
    moved = []
    for key in keys:
        event = KeyedEvent(0, key, 1)
        if key not in moved and key_hash_partitioner(event, before) != key_hash_partitioner(event, after):
            moved.append(key)
    return moved


# --- Q5 first_order_break -----------------------------------------------------------------------

def _break_cases(rng) -> list[Case]:
    cases = [Case(([["a", 1], ["b", 1], ["a", 2], ["a", 1]],)), Case(([["a", 1], ["a", 1], ["a", 2]],)),
             Case(([],)), Case(([["x", 3], ["y", 1], ["x", 2], ["y", 0]],), "ValueError"),
             Case(([["a", 2], ["b", 5], ["b", 4], ["a", 1]],))]
    for _ in range(40):
        n = int(rng.integers(1, 30))
        keys = [str(k) for k in rng.choice(["a", "b", "c", "d"], n)]
        applied = [[k, int(rng.integers(1, 8))] for k in keys]
        if rng.random() < 0.4:           # an in-order history: each key's seqs sorted
            by_key: dict = {}
            for item in applied:
                by_key.setdefault(item[0], []).append(item[1])
            sorted_seqs = {k: iter(sorted(v)) for k, v in by_key.items()}
            applied = [[k, next(sorted_seqs[k])] for k, _ in applied]
        cases.append(Case((applied,)))
    return cases


def _break_expected(applied):
    for _key, seq in applied:
        if seq < 1:
            raise ValueError("seq must be >= 1")
    highest: dict = {}
    for index, (key, seq) in enumerate(applied):
        if seq < highest.get(key, 0):
            return index
        highest[key] = max(seq, highest.get(key, 0))
    return -1


# --- Q7 lateness_margin -------------------------------------------------------------------------

def _late_cases(rng) -> list[Case]:
    visible = [[1.0, 1.5], [12.0, 12.2], [3.0, 14.0], [25.0, 25.1], [9.5, 26.0], [19.0, 27.0]]
    cases = [Case((visible, 10.0)), Case((visible[:2], 10.0)), Case(([], 10.0)), Case((visible, 5.0)),
             Case(([[5.0, 1.0], [12.0, 1.0], [3.0, 1.0]], 10.0)),      # ties in arrival: list order
             Case((visible, 0.0), "ValueError"), Case((visible, -2.0), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 60))
        times = np.round(rng.uniform(0, 300, n), 2)
        arrivals = np.round(times + rng.exponential(float(rng.uniform(0.5, 20)), n), 1)   # rounding makes ties
        events = [[float(t), float(a)] for t, a in zip(times, arrivals, strict=True)]
        cases.append(Case((events, float(rng.choice([5.0, 10.0, 30.0, 60.0])))))
    return cases


def _late_expected(events, window_s):
    # The event is late at lateness L exactly when largest_before - end >= L (the window end is at
    # or before the watermark): the margin is the largest such overshoot.
    if window_s <= 0:
        raise ValueError("window_s must be > 0")
    order = sorted(range(len(events)), key=lambda i: (events[i][1], i))
    largest, worst = -math.inf, -1.0
    for i in order:
        t = events[i][0]
        end = math.floor(t / window_s) * window_s + window_s
        if largest >= end:
            worst = max(worst, largest - end)
        largest = max(largest, t)
    return worst


# --- numeric answers ----------------------------------------------------------------------------

def _q2():
    limits = FunctionLimits(Q2["timeout_s"], Q2["limit"], 10_240, "the assessment", "2026-12-05")
    return {"JOB_PIECES": invocations_for_job(Q2["job_s"], limits, Q2["margin"]),
            "PEAK_CONCURRENCY": concurrency_needed(Q2["rate_per_s"], Q2["duration_s"]),
            "THROTTLED_SHARE": throttled_share(Q2["rate_per_s"], Q2["duration_s"], limits)}


def q8_table(weights=None) -> pd.DataFrame:
    """Q8's ranked decision table at ``weights`` (default: the question's)."""
    criteria = pd.DataFrame.from_dict(Q8_CRITERIA, orient="index")
    return decision_table(criteria, weights or Q8_WEIGHTS, Q8_BETTER)


def _q8():
    table = q8_table()
    winner = table.index[0]
    margin = float(table["weighted_score"].iloc[0] - table["weighted_score"].iloc[1])
    def alone_first(weights):
        ranked = q8_table(weights)
        return ranked.index[0] == winner and int((ranked["rank"] == 1).sum()) == 1
    smallest = next(w for w in range(21) if alone_first({**Q8_WEIGHTS, "replay": w}))
    return {"Q8_WINNER": winner, "Q8_MARGIN": margin, "Q8_MIN_REPLAY_WEIGHT": smallest}


ANSWER_KEY = AnswerKey(
    assignment="ep19",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep19-serverless__q1", "Q1 profile_costs(hourly_rates, duration_s, memory_gb, server_price_per_hour, "
                 "server_capacity_per_s, min_servers)", "call", ("profile_costs",), cases=_cost_cases,
                 expected=_cost_expected, rel_tol=1e-9, abs_tol=1e-6),
        Question("ep19-serverless__q2", "Q2 (a transcoding job and an API against the limits)", "variables",
                 ("JOB_PIECES", "PEAK_CONCURRENCY", "THROTTLED_SHARE"), expected=_q2, rel_tol=1e-9, abs_tol=1e-9),
        Question("ep19-event-architecture__q4", "Q4 keys_that_move(keys, before, after)", "call",
                 ("keys_that_move",), cases=_move_cases, expected=_move_expected),
        Question("ep19-ordering-check__q5", "Q5 first_order_break(applied)", "call", ("first_order_break",),
                 cases=_break_cases, expected=_break_expected),
        Question("ep19-streaming__q7", "Q7 lateness_margin(events, window_s)", "call", ("lateness_margin",),
                 cases=_late_cases, expected=_late_expected, rel_tol=1e-9, abs_tol=1e-9),
        Question("ep19-architecture-decisions__q8", "Q8 (a re-weighted decision table for a school-alerts service)",
                 "variables", ("Q8_WINNER", "Q8_MARGIN", "Q8_MIN_REPLAY_WEIGHT"), expected=_q8,
                 rel_tol=1e-9, abs_tol=1e-9),
    ),
)
