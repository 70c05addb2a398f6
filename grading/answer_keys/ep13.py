"""Answer key of Ep13's assessment (``series-1/ep13-resilience/assessment.ipynb``).

Function questions (Q1, Q2 the breaker; Q4; Q6, Q7; Q8; Q11) are checked on visible and freshly
drawn inputs in a kernel where the course's reference for them is switched off
(``FORBIDDEN``); numeric answers (Q5, Q9) are read from the notebook's kernel and compared
with values computed here with the real library.

>>> ANSWER_KEY.question("ep13-retries__q8").expected(0.5, 3)
1.75
"""

from __future__ import annotations

import numpy as np

from course.patterns.breaker import BreakerConfig, initial_state, transition
from course.patterns.bulkhead_sizing import BulkheadSizing, burst_queue_slots
from course.patterns.resilience_costs import ResilienceInvestment
from course.patterns.thresholds import CountWindowRule, smallest_trip_failures
from course.replication.crdt import ORSet, VersionVector
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import defined_names, whole_modules

EVENTS = ("request", "success", "failure")

# What the kernel that runs the implementation answers may not reach (one place). BreakerConfig
# only holds settings (the module builds presets from it at import) and stays usable.
FORBIDDEN = {
    **whole_modules("course.patterns.explorer", "course.patterns.fast_kernels", "course.patterns.fast",
                    "course.patterns.thresholds", "course.patterns.bulkhead_sizing", "course.queueing.littles_law",
                    "course.replication.crdt", "course.replication.migration", "course.replication.gossip"),
    "course.patterns.breaker": tuple(n for n in defined_names("course.patterns.breaker") if n != "BreakerConfig"),
}


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


def _trip_cases(rng) -> list[Case]:
    cases = [Case((20, 4, 0.02, 50.0)), Case((1, 1, 0.3, 1.0))]
    for _ in range(120):
        n = int(rng.integers(2, 300))
        cases.append(Case((n, int(rng.integers(1, n + 1)), float(rng.uniform(0.001, 0.5)), float(rng.uniform(0.1, 2000.0)))))
    return cases


def _trip_expected(n, k, p, rate):
    return float(CountWindowRule(n, k).false_trips_per_day(p, rate))


def _threads_cases(rng) -> list[Case]:
    cases = [Case((100, 0.2, 1.5)), Case((50, 0.1, 1.5)), Case((100, 0.07, 1 / 0.7)), Case((100, 0.2, 0.9), "ValueError")]
    while len(cases) < 204:
        c = (float(rng.uniform(1, 2000)), float(rng.uniform(0.001, 3.0)), float(rng.uniform(1.0, 3.0)))
        if abs(c[0] * c[1] * c[2] - round(c[0] * c[1] * c[2])) > 1e-6:  # away from the rounding rule's edge
            cases.append(Case(c))
    cases += [Case((100.0, 0.2, float(rng.uniform(0.01, 0.99))), "ValueError") for _ in range(5)]
    return cases


def _threads_expected(rate, time, buffer):
    return int(BulkheadSizing(rate, time, buffer).threads)


def _slots_cases(rng) -> list[Case]:
    cases = [Case((200, 30, 0.2, 2, 2.0)), Case((400, 30, 0.2, 10, 0.5)), Case((140, 30, 0.2, 10, 2.0))]
    while len(cases) < 203:
        c = (float(rng.uniform(10, 5000)), int(rng.integers(1, 300)), float(rng.uniform(0.005, 2.0)),
             float(rng.uniform(0.1, 30.0)), float(rng.uniform(0.0, 5.0)))
        throughput = c[1] / c[2]
        exact = min(max(c[0] - throughput, 0.0) * c[3], throughput * c[4])
        if exact == 0 or abs(exact - round(exact)) > 1e-6:
            cases.append(Case(c))
    return cases


def _slots_expected(burst, threads, response_time, seconds, max_wait):
    return int(burst_queue_slots(burst, threads / response_time, seconds, max_wait))


def _attempt_cases(rng) -> list[Case]:
    cases = [Case((0.5, 3)), Case((0.0, 5)), Case((1.0, 4))]
    return cases + [Case((float(rng.uniform(0, 1)), int(rng.integers(1, 12)))) for _ in range(200)]


def _attempts_expected(q, attempts):
    return float(sum(q**i for i in range(attempts)))  # attempt i+1 happens iff the first i failed


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


def _q5():
    return {"safe_trip_failures": int(smallest_trip_failures(50, 0.05, 20.0, 1 / 90))}


def _q9():
    return {"net_benefit_per_year": float(ResilienceInvestment(80_000.0, 4.0, 2.5, 0.8, 0.2, 300_000.0, 50_000.0,
                                                               3.0).net_benefit)}


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
        Question("ep13-thresholds__q4", "Q4 expected_false_trips_per_day(window_size, trip_failures, error_rate, "
                 "requests_per_second)", "call", ("expected_false_trips_per_day",), cases=_trip_cases,
                 expected=_trip_expected, rel_tol=1e-6, abs_tol=1e-9),
        Question("ep13-thresholds__q5", "Q5 (smallest number of failures that trips)", "variables",
                 ("safe_trip_failures",), expected=_q5),
        Question("ep13-bulkhead__q6", "Q6 bulkhead_threads(peak_rate, response_time, buffer)", "call",
                 ("bulkhead_threads",), cases=_threads_cases, expected=_threads_expected),
        Question("ep13-bulkhead__q7", "Q7 queue_slots_for_burst(burst_rate, threads, response_time, burst_seconds, "
                 "max_wait)", "call", ("queue_slots_for_burst",), cases=_slots_cases, expected=_slots_expected),
        Question("ep13-retries__q8", "Q8 expected_attempts(failure_probability, max_attempts)", "call",
                 ("expected_attempts",), cases=_attempt_cases, expected=_attempts_expected),
        Question("ep13-degradation__q9", "Q9 (net benefit per year, $)", "variables", ("net_benefit_per_year",),
                 expected=_q9),
        Question("ep13-crdt__q11", "Q11 or_set_merge(a, b)", "or_set_merge", ("or_set_merge",),
                 cases=_or_set_cases, expected=_or_set_expected, compare=_or_set_matches),
    ),
)
