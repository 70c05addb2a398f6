"""Answer key of Ep13's assessment (``series-1/ep13-resilience/assessment.ipynb``).

Function questions (Q1, Q2 the breaker; Q3, Q5; Q6, Q7; Q10; Q15) are checked on visible and
freshly drawn inputs in a kernel where the course's reference for them is switched off
(``FORBIDDEN``); numeric answers (Q4, Q8, Q11, Q13) are read from the notebook's kernel and
compared with values computed here. Q9, Q12 and Q14 are graded by hand against their mark schemes;
the numbers their model answers use are the ones computed here:

>>> ANSWER_KEY.question("ep13-thresholds__q4").expected()
{'payment_timeout': 0.92, 'healthy_cut_off_share': 0.000343389725499..., 'retries_that_fit': 1}
>>> {k: round(v, 4) for k, v in ANSWER_KEY.question("ep13-bulkhead__q8").expected().items()}
{'bulkhead_shopper_share_at_most': 0.2304, 'frontend_workers_needed': 70.9}
>>> {k: round(v, 9) for k, v in ANSWER_KEY.question("ep13-retries__q11").expected().items()}
{'outage_calls_per_second': 1600.0, 'half_failing_calls_per_second': 750.0, 'budgeted_calls_per_second': 440.0}
>>> round(_fraud_longest_sleep(), 9)       # the most a request sleeps before its 4th attempt (s)
0.7
>>> {k: round(v, 2) for k, v in ANSWER_KEY.question("ep13-degradation__q13").expected().items()}
{'net_benefit_a': 75000.0, 'net_benefit_b': 100000.0, 'tie_incidents_per_year': 5.83}
>>> a, b = _option(OPTION_A), _option(OPTION_B)       # Q14's model answer: each option against no patterns,
>>> a.break_even_incidents_per_year, round(b.break_even_incidents_per_year, 2)
(3.75, 4.44)
>>> round(a.with_incidents(5).net_benefit - b.with_incidents(5).net_benefit, 6)  # a quiet year: A wins by
5000.0
>>> round(35_000 / (0.8 * 30_000 * (0.35 - 0.20)), 2)   # the tie if B's cached level lost 20 %, not 10 %
9.72
>>> round(CHAOS_PERMITS / CHAOS_SLOW_SERVICE, 1)         # Q9's model answer: calls/s 10 permits complete
16.1
>>> ANSWER_KEY.question("ep13-thresholds__q5").expected(100, 30.0, 0.1, 30.0, 31.0)
16.666666666666668
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from course.patterns.breaker import BreakerConfig, initial_state, transition
from course.patterns.bulkhead_sizing import burst_queue_slots
from course.patterns.resilience_costs import ResilienceInvestment
from course.patterns.retry import exponential_backoff
from course.patterns.thresholds import CountWindowRule
from course.queueing.erlang import erlang_c
from course.queueing.markovian import servers_for_p_wait
from course.replication.crdt import ORSet, VersionVector
from grading.answer_keys.model import AnswerKey, Case, Question, clear_of_whole
from grading.answer_keys.modules import defined_names, whole_modules

EVENTS = ("request", "success", "failure")

# What the kernel that runs the implementation answers may not reach (one place). BreakerConfig
# only holds settings (the module builds presets from it at import) and stays usable.
FORBIDDEN = {
    **whole_modules("course.patterns.explorer", "course.patterns.fast_kernels", "course.patterns.fast",
                    "course.patterns.thresholds", "course.patterns.bulkhead_sizing", "course.queueing.littles_law",
                    "course.queueing.erlang", "course.queueing.markovian", "course.queueing.general",
                    "course.queueing.finite", "course.queueing.networks",
                    "course.replication.crdt", "course.replication.migration", "course.replication.gossip"),
    "course.patterns.breaker": tuple(n for n in defined_names("course.patterns.breaker") if n != "BreakerConfig"),
}

# The data of the questions: the same values as the notebook's parameter cell (a test compares them).
PAY_MEDIAN, PAY_SIGMA, PAY_HEADROOM = 0.12, 0.6, 1.2
PAY_TIME_LEFT, PAY_RESERVE, PAY_BACKOFF_BASE, PAY_BACKOFF_CAP, PAY_MAX_ATTEMPTS = 2.5, 0.1, 0.1, 1.0, 3
CHAOS_SHOPPERS, CHAOS_BUYERS, CHAOS_PERMITS, CHAOS_SLOW_SERVICE = 70.0, 30.0, 10, 0.62
CHAOS_CALL_TIMEOUT, CHAOS_CHECKOUT_HOLD = 1.0, 0.03
FRAUD_RATE, FRAUD_MAX_ATTEMPTS, FRAUD_FAILURE, FRAUD_BUDGET_RATIO = 400.0, 4, 0.5, 0.1
FRAUD_BACKOFF_BASE, FRAUD_BACKOFF_CAP = 0.1, 1.0
TICKETS = dict(revenue_per_hour=30_000.0, incidents_per_year=10.0, hours_per_incident=0.8, loss_without=0.85)
OPTION_A = dict(loss_with=0.35, build_cost=90_000.0, run_cost_per_year=15_000.0)
OPTION_B = dict(loss_with=0.10, build_cost=150_000.0, run_cost_per_year=30_000.0)


# -- Q1, Q2: the breaker -------------------------------------------------------------------------
def _q2_config():
    return BreakerConfig(window="consecutive", window_size=1, minimum_calls=1, failure_threshold=3,
                         open_duration=5.0, half_open_permits=2, half_open_rule="consecutive_successes")


def _breaker_expected(steps):
    state, seen = initial_state(_q2_config()), []
    for event, now in steps:
        state, decision = transition(state, event, now)
        seen.append([state.mode, decision])
    return seen


STORY = [["request", 0.0], ["failure", 0.5], ["failure", 1.0], ["failure", 1.5], ["request", 6.0],
         ["request", 6.5], ["success", 6.6], ["request", 6.7], ["success", 6.8]]
STORIES = [
    STORY,
    [["failure", 0.0], ["failure", 0.5], ["success", 1.0], ["failure", 1.5], ["failure", 2.0]],
    [["failure", 0.0], ["failure", 0.0], ["failure", 1.0], ["success", 2.0], ["failure", 3.0], ["request", 5.5],
     ["request", 6.0]],
    [["failure", 0.0], ["failure", 0.0], ["failure", 0.0], ["request", 5.0], ["request", 5.0], ["request", 5.0],
     ["failure", 6.0], ["request", 10.5], ["request", 11.0]],
    [["failure", 0.0], ["failure", 0.0], ["failure", 0.0], ["request", 5.0], ["success", 5.5], ["success", 5.6],
     ["request", 5.7], ["success", 5.8]],
]


def _sequences(rng, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        length = int(rng.integers(1, 60))
        events = [EVENTS[i] for i in rng.integers(0, len(EVENTS), length)]
        times = np.cumsum(rng.choice([0.0, 0.5, 1.0, 2.5, 5.0, 7.5], length))  # exact in binary
        cases.append(Case(([[e, t] for e, t in zip(events, times.tolist(), strict=True)],)))
    return cases


def _q2_cases(rng) -> list[Case]:
    return _sequences(np.random.default_rng(13), 50) + _sequences(rng, 400)  # the visible 50, then fresh


# -- Q3: false trips of a count window -----------------------------------------------------------
def _trip_cases(rng) -> list[Case]:
    cases = [Case((20, 4, 0.02, 50.0)), Case((1, 1, 0.3, 1.0))]
    for _ in range(120):
        n = int(rng.integers(2, 300))
        cases.append(Case((n, int(rng.integers(1, n + 1)), float(rng.uniform(0.001, 0.5)), float(rng.uniform(0.1, 2000.0)))))
    return cases


def _trip_expected(n, k, p, rate):
    return float(CountWindowRule(n, k).false_trips_per_day(p, rate))


# -- Q4: a timeout from percentiles, inside a propagated deadline ----------------------------------
def _q4():
    healthy = stats.lognorm(s=PAY_SIGMA, scale=PAY_MEDIAN)
    timeout = math.ceil(round(healthy.ppf(0.999) * PAY_HEADROOM * 100, 9)) / 100   # up to the next 10 ms
    available, elapsed, attempts = PAY_TIME_LEFT - PAY_RESERVE, 0.0, 0
    while attempts < PAY_MAX_ATTEMPTS:
        sleep = exponential_backoff(attempts - 1, PAY_BACKOFF_BASE, PAY_BACKOFF_CAP) if attempts else 0.0
        if elapsed + sleep + timeout > available:
            break
        elapsed, attempts = elapsed + sleep + timeout, attempts + 1
    return {"payment_timeout": timeout, "healthy_cut_off_share": float(healthy.sf(timeout)),
            "retries_that_fit": attempts - 1}


# -- Q5: probes of breakers with a jittered open duration ------------------------------------------
def _probes_cases(rng) -> list[Case]:
    cases = [Case((100, 30.0, 0.0, 30.0, 31.0)), Case((100, 30.0, 0.1, 30.0, 31.0)), Case((100, 30.0, 0.1, 0.0, 27.0)),
             Case((100, 30.0, 0.1, 25.0, 40.0)), Case((40, 10.0, 0.2, 9.0, 9.5)),
             Case((100, 30.0, 1.0, 29.0, 31.0), "ValueError"), Case((100, 30.0, -0.1, 29.0, 31.0), "ValueError"),
             Case((100, 30.0, 0.1, 31.0, 29.0), "ValueError"), Case((100, 0.0, 0.1, 0.0, 1.0), "ValueError")]
    for _ in range(200):
        duration = float(rng.uniform(0.5, 120.0))
        jitter = 0.0 if rng.random() < 0.15 else float(rng.uniform(0.005, 0.6))
        start = float(rng.uniform(0.3, 1.7)) * duration
        end = start + float(rng.uniform(0.0, 0.6)) * duration
        cases.append(Case((int(rng.integers(1, 2000)), duration, jitter, start, end)))
    cases += [Case((10, float(rng.uniform(1, 60)), float(rng.uniform(1.0, 3.0)), 0.0, 1.0), "ValueError") for _ in range(3)]
    return cases


def _probes_expected(instances, open_duration, jitter, start, end):
    if jitter == 0:
        return float(instances) if start <= open_duration < end else 0.0
    low, high = open_duration * (1 - jitter), open_duration * (1 + jitter)
    return instances * max(0.0, min(end, high) - max(start, low)) / (high - low)


# -- Q6: a bulkhead sized for a P(wait) target with Erlang C ---------------------------------------
def _threads_for_wait_expected(peak_rate, response_time, max_p_wait):
    return int(servers_for_p_wait(peak_rate, 1 / response_time, max_p_wait))


def _fair_wait_case(rate, time, target) -> bool:
    """Away from the edges where float noise, not Erlang C, would decide the answer."""
    load = rate * time
    if not clear_of_whole(load):
        return False
    c = _threads_for_wait_expected(rate, time, target)
    return all(abs(erlang_c(k, load) - target) > 1e-7 * target for k in (c - 1, c) if k > load)


def _threads_for_wait_cases(rng) -> list[Case]:
    cases = [Case((100, 0.2, 0.2)), Case((100, 0.2, 0.05)), Case((50, 0.1, 0.5)), Case((7, 0.3, 1.0)),
             Case((100, 0.2, 0.0), "ValueError"), Case((100, 0.2, 1.5), "ValueError")]
    while len(cases) < 166:
        c = (float(rng.uniform(0.5, 600.0)), float(rng.uniform(0.005, 1.5)), float(rng.uniform(0.001, 0.95)))
        if _fair_wait_case(*c):
            cases.append(Case(c))
    return cases


# -- Q7: a burst queue (the cheat corpus' target: keep its name, grade ids and points) ------------
def _slots_cases(rng) -> list[Case]:
    cases = [Case((200, 30, 0.2, 2, 2.0)), Case((400, 30, 0.2, 10, 0.5)), Case((140, 30, 0.2, 10, 2.0))]
    while len(cases) < 203:
        c = (float(rng.uniform(10, 5000)), int(rng.integers(1, 300)), float(rng.uniform(0.005, 2.0)),
             float(rng.uniform(0.1, 30.0)), float(rng.uniform(0.0, 5.0)))
        throughput = c[1] / c[2]
        exact = min(max(c[0] - throughput, 0.0) * c[3], throughput * c[4])
        if exact == 0 or clear_of_whole(exact):
            cases.append(Case(c))
    return cases


def _slots_expected(burst, threads, response_time, seconds, max_wait):
    return int(burst_queue_slots(burst, threads / response_time, seconds, max_wait))


# -- Q8: Little's law on the chaos table -----------------------------------------------------------
def _q8():
    permit_throughput = CHAOS_PERMITS / CHAOS_SLOW_SERVICE          # calls/s 10 permits can complete
    return {"bulkhead_shopper_share_at_most": permit_throughput / CHAOS_SHOPPERS,
            "frontend_workers_needed": CHAOS_SHOPPERS * CHAOS_CALL_TIMEOUT + CHAOS_BUYERS * CHAOS_CHECKOUT_HOLD}


# -- Q10: when can an attempt be sent? ---------------------------------------------------------------
KINDS = ("none", "full", "equal")


def _window_cases(rng) -> list[Case]:
    cases = [Case(("none", 5, 0.1, 2.0)), Case(("full", 5, 0.1, 2.0)), Case(("equal", 2, 0.1, 2.0)),
             Case(("equal", 1, 0.1, 2.0)), Case(("none", 7, 0.1, 1.0)),
             Case(("full", 0, 0.1, 1.0), "ValueError"), Case(("decorrelated", 3, 0.1, 1.0), "ValueError")]
    for _ in range(200):
        base = float(rng.uniform(0.005, 1.0))
        cases.append(Case((KINDS[int(rng.integers(0, 3))], int(rng.integers(1, 14)), base,
                           float(rng.uniform(base, 40.0)))))
    return cases


def _window_expected(kind, attempt, base, cap):
    earliest = latest = 0.0
    for retries in range(attempt - 1):       # attempt n follows n - 1 sleeps; sleep i has `retries` = i
        ceiling = min(cap, base * 2.0**retries)
        latest += ceiling
        earliest += {"none": ceiling, "full": 0.0, "equal": ceiling / 2}[kind]
    return [earliest, latest]


# -- Q11: the colleague's note on retries ----------------------------------------------------------
def _q11():
    attempts_half_failing = sum(FRAUD_FAILURE**i for i in range(FRAUD_MAX_ATTEMPTS))  # attempt i+1 iff i failed
    return {"outage_calls_per_second": FRAUD_RATE * FRAUD_MAX_ATTEMPTS,
            "half_failing_calls_per_second": FRAUD_RATE * attempts_half_failing,
            "budgeted_calls_per_second": FRAUD_RATE * (1 + FRAUD_BUDGET_RATIO)}


def _fraud_longest_sleep():
    return sum(exponential_backoff(i, FRAUD_BACKOFF_BASE, FRAUD_BACKOFF_CAP) for i in range(FRAUD_MAX_ATTEMPTS - 1))


# -- Q13: two resilience options ---------------------------------------------------------------------
def _option(option) -> ResilienceInvestment:
    return ResilienceInvestment(TICKETS["revenue_per_hour"], TICKETS["incidents_per_year"],
                                TICKETS["hours_per_incident"], TICKETS["loss_without"], option["loss_with"],
                                option["build_cost"], option["run_cost_per_year"], amortisation_years=3)


def _q13():
    a, b = _option(OPTION_A), _option(OPTION_B)
    saved_per_incident = TICKETS["hours_per_incident"] * TICKETS["revenue_per_hour"] * (
        OPTION_A["loss_with"] - OPTION_B["loss_with"])
    return {"net_benefit_a": float(a.net_benefit), "net_benefit_b": float(b.net_benefit),
            "tie_incidents_per_year": float((b.annual_cost - a.annual_cost) / saved_per_incident)}


# -- Q15: the OR-Set merge ---------------------------------------------------------------------------
def _plain(or_set) -> dict:
    return {"entries": {e: sorted([list(d) for d in or_set.dots(e)]) for e in sorted(or_set.value)},
            "context": dict(sorted(or_set.context.counts.items()))}


def _or_set_cases(rng) -> list[Case]:
    ann = ORSet().add("milk", "ann")
    bob = ORSet().merge(ann)
    cases = [Case((_plain(ann.remove("milk")), _plain(bob))), Case((_plain(ann.remove("milk")), _plain(bob.add("milk", "bob"))))]
    for _ in range(150):
        replicas = [ORSet(), ORSet(), ORSet()]
        for _ in range(int(rng.integers(0, 25))):
            i, j = (int(x) for x in rng.integers(0, 3, 2))
            roll, element = rng.random(), "abcd"[int(rng.integers(0, 4))]
            if roll < 0.4:
                replicas[i] = replicas[i].add(element, f"r{i}")
            elif roll < 0.65:
                replicas[i] = replicas[i].remove(element)
            else:
                replicas[i] = replicas[i].merge(replicas[j])
        i, j = (int(x) for x in rng.choice(3, 2, replace=False))
        cases.append(Case((_plain(replicas[i]), _plain(replicas[j]))))
    return cases


def _or_set_expected(a, b):
    def build(plain):
        return ORSet({e: [tuple(d) for d in dots] for e, dots in plain["entries"].items()}, VersionVector(plain["context"]))

    return _normal_state(_plain(build(a).merge(build(b))))


def _normal_state(state) -> dict:
    """{"entries": {element: sorted dots}, "context": {...}} without empty entries or zero counters."""
    entries = {}
    for element, dots in state["entries"].items():
        if isinstance(dots, dict) and set(dots) == {"__set__"}:
            dots = dots["__set__"]
        dots = sorted({tuple(d) for d in dots})
        if dots:
            entries[element] = [list(d) for d in dots]
    return {"entries": entries, "context": {r: c for r, c in state["context"].items() if c}}


def _or_set_matches(got, want) -> bool:
    try:
        return _normal_state(got) == want
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


BREAKER = ("new_breaker_state", "breaker_transition")
ANSWER_KEY = AnswerKey(
    assignment="ep13",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep13-circuit-breaker__q1", "Q1 the breaker on fixed stories", "breaker", BREAKER,
                 cases=lambda rng: [Case((story,)) for story in STORIES], expected=_breaker_expected),
        Question("ep13-circuit-breaker__q2", "Q2 the breaker on random event sequences", "breaker", BREAKER,
                 cases=_q2_cases, expected=_breaker_expected),
        Question("ep13-thresholds__q3", "Q3 expected_false_trips_per_day(window_size, trip_failures, error_rate, "
                 "requests_per_second)", "call", ("expected_false_trips_per_day",), cases=_trip_cases,
                 expected=_trip_expected, rel_tol=1e-6, abs_tol=1e-9),
        Question("ep13-thresholds__q4", "Q4 (the payments timeout, its healthy cut-off share, the retries that fit)",
                 "variables", ("payment_timeout", "healthy_cut_off_share", "retries_that_fit"), expected=_q4,
                 rel_tol=1e-6, abs_tol=1e-9),
        Question("ep13-thresholds__q5", "Q5 expected_probes_between(instances, open_duration, jitter, start, end)",
                 "call", ("expected_probes_between",), cases=_probes_cases, expected=_probes_expected,
                 rel_tol=1e-9, abs_tol=1e-9),
        Question("ep13-bulkhead__q6", "Q6 threads_for_wait(peak_rate, response_time, max_p_wait)", "call",
                 ("threads_for_wait",), cases=_threads_for_wait_cases, expected=_threads_for_wait_expected),
        Question("ep13-bulkhead__q7", "Q7 queue_slots_for_burst(burst_rate, threads, response_time, burst_seconds, "
                 "max_wait)", "call", ("queue_slots_for_burst",), cases=_slots_cases, expected=_slots_expected),
        Question("ep13-bulkhead__q8", "Q8 (the bulkhead's bound on shoppers answered, the frontend workers needed)",
                 "variables", ("bulkhead_shopper_share_at_most", "frontend_workers_needed"), expected=_q8,
                 rel_tol=1e-6, abs_tol=1e-9),
        Question("ep13-retries__q10", "Q10 attempt_window(kind, attempt, base, cap)", "call", ("attempt_window",),
                 cases=_window_cases, expected=_window_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep13-retries__q11", "Q11 (calls per second on the fraud service: outage, half failing, budgeted)",
                 "variables", ("outage_calls_per_second", "half_failing_calls_per_second", "budgeted_calls_per_second"),
                 expected=_q11, rel_tol=1e-9, abs_tol=1e-6),
        Question("ep13-degradation__q13", "Q13 (net benefits of options A and B, $ a year; the incident rate "
                 "where they tie)", "variables", ("net_benefit_a", "net_benefit_b", "tie_incidents_per_year"),
                 expected=_q13, rel_tol=1e-6, abs_tol=1e-6),
        Question("ep13-crdt__q15", "Q15 or_set_merge(a, b)", "or_set_merge", ("or_set_merge",),
                 cases=_or_set_cases, expected=_or_set_expected, compare=_or_set_matches),
    ),
)
