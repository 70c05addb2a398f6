"""Answer key of Ep53's assessment (``series-3/ep53-performance-modelling/assessment.ipynb``).

Function questions (Q2, Q4, Q5, Q9) are checked on visible and freshly drawn inputs in a kernel
where the course's reference for them is switched off (``FORBIDDEN``); numeric answers (Q1, Q3,
Q6, Q8, Q10, Q11) are read from the notebook's kernel, where the learner may use the whole
library, and compared with values computed here with the real one. The question data below
repeat the assessment's parameter cell (a test checks that the reference solution earns full
marks, so the two cannot drift apart unnoticed).

>>> round(ANSWER_KEY.question("ep53-speedup__q1").expected()["amdahl_64"], 3)
22.145
"""

from __future__ import annotations

import math

import numpy as np

from course.capacity.performance import (
    CompoundGrowth,
    HedgedRequests,
    LognormalLatency,
    amdahl,
    amdahl_limit,
    fanout_slow_probability,
)
from course.capacity.plans import best_reservation, plan_cost
from course.queueing.markovian import mm1
from course.queueing.networks import mva
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place).
FORBIDDEN = whole_modules(
    "course.capacity.performance", "course.capacity.scalability", "course.capacity.costs", "course.capacity.plans",
    "course.queueing.networks", "course.queueing.markovian", "course.queueing.erlang", "course.queueing.general",
    "course.queueing.littles_law", "course.queueing.finite", "course.sim.distributions",
    "course.simulation.network", "course.simulation.reference", "course.simulation.fast", "course.simulation.closed",
    # The Ep53 widgets compute fan-out and hedged quantiles with their own numerics: no route there either.
    "course.widgets.ep53", "course.widgets.ep53_tail", "course.widgets.ep53_growth",
)

# --- the question data (the assessment's parameter cell) ------------------------------------
VENDOR_SERIAL = 0.03                 # Q1: "97 % parallel"
VENDOR_CORES = 64
TEST_SECONDS = 120.0                 # Q3: the measured window
TEST_USERS = 80
TEST_THINK = 3.0
TEST_COMPLETIONS = 2_400
TEST_BUSY = {"web": 48.0, "auth": 24.0, "db_cpu": 72.0, "disk": 96.0}   # busy seconds in the window
TEST_DISK_IOS = 9_600
SEARCH_MEAN_MS, SEARCH_CV = 4.0, 2.5  # Q6
SEARCH_FANOUT, SEARCH_SLOW_MS = 40, 25.0
LOAD_WINDOW, LOAD_THINK = 60.0, 0.5  # Q8
LOAD_TEST = {"users": [1, 10, 20], "completions": [115, 1141, 2256], "busy_api_s": [0.71, 7.07, 13.99],
             "busy_db_s": [1.36, 13.46, 26.62], "response_ms": [22.1, 25.7, 32.0]}
STORAGE_TB = [31.0, 32.4, 34.1, 35.2, 37.0, 38.9, 40.1, 42.3, 44.0, 45.8, 48.1, 50.2]  # Q10: months 0..11
STORAGE_CAPACITY_TB, STORAGE_RATE_SD, STORAGE_LAG_MONTHS = 80.0, 0.01, 3
WEEK_NEED = [[8] * 7 + [14] * 2 + [22] * 8 + [14] * 4 + [8] * 3] * 5 + [[6] * 10 + [10] * 10 + [6] * 4] * 2  # Q11
WEEK_RESERVED_PRICE, WEEK_ON_DEMAND_PRICE = 0.50, 0.80


def _positive(rng, low, high, size=None):
    return rng.uniform(low, high, size)


# --- Q2 amdahl_serial_fraction ---------------------------------------------------------------

def _serial_cases(rng) -> list[Case]:
    cases = [Case((4, 2.5)), Case((32, 32.0)), Case((16, 1.0)), Case((8, 9.0), "ValueError"),
             Case((1, 1.0), "ValueError"), Case((8, 0.5), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(2, 2049))
        cases.append(Case((n, float(rng.uniform(1.0, n)))))
    cases += [Case((int(n), float(n) * float(rng.uniform(1.01, 2.0))), "ValueError") for n in rng.integers(2, 100, 3)]
    return cases


def _serial_expected(cores, speedup):
    return (cores / speedup - 1) / (cores - 1)


# --- Q4 open_network_response ----------------------------------------------------------------

def _open_cases(rng) -> list[Case]:
    cases = [Case((1.0, [1.0], [0.5])), Case((20.0, [1.0, 2.0], [0.01, 0.02])),
             Case((50.0, [1.0], [0.02]), "ValueError"), Case((10.0, [1.0, 1.0], [0.01]), "ValueError")]
    for _ in range(30):
        k = int(rng.integers(1, 7))
        visits = rng.uniform(0.1, 5.0, k)
        times = rng.uniform(0.0005, 0.05, k)
        top = float(rng.uniform(0.05, 0.95))
        rate = top / float(np.max(visits * times))
        cases.append(Case((rate, visits.tolist(), times.tolist())))
    for _ in range(3):
        visits, times = rng.uniform(0.5, 3.0, 3), rng.uniform(0.001, 0.02, 3)
        cases.append(Case((float(rng.uniform(1.0, 2.0)) / float(np.max(visits * times)), visits.tolist(), times.tolist()),
                          "ValueError"))
    return cases


def _open_expected(arrival_rate, visits, service_times):
    # each station is an M/M/1 queue fed at λ·V_k (forced flow); a request spends V_k·W_k there
    return float(sum(v * mm1(arrival_rate * v, 1.0 / s).w for v, s in zip(visits, service_times)))


# --- Q5 fanout_quantile -----------------------------------------------------------------------

def _fanout_cases(rng) -> list[Case]:
    cases = [Case((10.0, 1.5, 1, 0.99)), Case((10.0, 1.5, 100, 0.5)), Case((10.0, 1.5, 0, 0.99), "ValueError"),
             Case((10.0, 1.5, 10, 1.0), "ValueError"), Case((10.0, 0.0, 10, 0.5), "ValueError")]
    for _ in range(40):
        cases.append(Case((float(rng.uniform(0.5, 200.0)), float(rng.uniform(0.1, 4.0)), int(rng.integers(1, 1001)),
                           float(rng.uniform(0.05, 0.999)))))
    return cases


def _fanout_expected(mean, cv, fanout, p):
    # the slowest of n independent replies is below t with probability F(t)^n
    return LognormalLatency(mean, cv).quantile(p ** (1.0 / fanout))


# --- Q9 fit_compound ---------------------------------------------------------------------------

def _fit_cases(rng) -> list[Case]:
    cases = [Case(([100.0, 110.0, 121.0],)), Case(([5.0, 5.0],)), Case(([1.0],), "ValueError"),
             Case(([3.0, 0.0, 4.0],), "ValueError"), Case(([3.0, -1.0],), "ValueError")]
    for _ in range(30):
        n = int(rng.integers(3, 37))
        start, rate = float(rng.uniform(1, 1000)), float(rng.uniform(-0.05, 0.2))
        values = start * (1 + rate) ** np.arange(n) * rng.lognormal(0, 0.03, n)
        cases.append(Case((values.tolist(),)))
    return cases


def _fit_expected(values):
    slope, intercept = np.polyfit(np.arange(len(values)), np.log(values), 1)
    return [math.exp(intercept), math.expm1(slope)]


# --- numeric answers ----------------------------------------------------------------------------

def _q1():
    limit = amdahl_limit(VENDOR_SERIAL)
    cores = 1
    while amdahl(cores, VENDOR_SERIAL) < 0.8 * limit * (1 - 1e-12):
        cores += 1
    return {"amdahl_64": amdahl(VENDOR_CORES, VENDOR_SERIAL), "cores_for_80pct": cores}


def _q3():
    throughput = TEST_COMPLETIONS / TEST_SECONDS
    demands = {k: busy / TEST_COMPLETIONS for k, busy in TEST_BUSY.items()}
    top = max(demands.values())
    return {"disk_visits_per_request": TEST_DISK_IOS / TEST_COMPLETIONS, "x_max": 1 / top,
            "n_star": (sum(demands.values()) + TEST_THINK) / top,
            "response_time": TEST_USERS / throughput - TEST_THINK}


def _q6():
    latency = LognormalLatency(SEARCH_MEAN_MS, SEARCH_CV)
    hedged = HedgedRequests(latency, hedge_delay=latency.quantile(0.95))
    return {"hedge_delay_ms": latency.quantile(0.95), "p99_hedged_ms": hedged.quantile(0.99),
            "fanout_slow_hedged": fanout_slow_probability(hedged.slow_probability(SEARCH_SLOW_MS), SEARCH_FANOUT)}


def _q8():
    row = LOAD_TEST["users"].index(20)
    completions = LOAD_TEST["completions"][row]
    demands = np.array([LOAD_TEST["busy_api_s"][row], LOAD_TEST["busy_db_s"][row]]) / completions
    overhead = LOAD_TEST["response_ms"][0] / 1000 - demands.sum()
    model = mva(demands, LOAD_THINK, 40, delay_demands=[overhead])
    return {"demand_db_ms": float(1000 * demands[1]), "overhead_ms": float(1000 * overhead),
            "n_star_load": float((demands.sum() + overhead + LOAD_THINK) / demands.max()), "x_model_40": float(model.throughput[-1])}


def _q10():
    initial, rate = _fit_expected(STORAGE_TB)
    now = len(STORAGE_TB) - 1
    median = CompoundGrowth(initial, rate, rate_sd=STORAGE_RATE_SD)
    full = median.time_to_reach(STORAGE_CAPACITY_TB, q=0.5) - now
    fast = median.time_to_reach(STORAGE_CAPACITY_TB, q=0.9) - now
    return {"months_until_full": full, "order_within_months": fast - STORAGE_LAG_MONTHS}


def _q11():
    need = np.array(WEEK_NEED).ravel()
    best = best_reservation(need, WEEK_RESERVED_PRICE, WEEK_ON_DEMAND_PRICE)
    return {"best_reserved": best,
            "weekly_bill": plan_cost(need, best, WEEK_RESERVED_PRICE, WEEK_ON_DEMAND_PRICE)["total"]}


ANSWER_KEY = AnswerKey(
    assignment="ep53",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep53-speedup__q1", "Q1 (the vendor's speedup, corrected)", "variables",
                 ("amdahl_64", "cores_for_80pct"), expected=_q1, rel_tol=1e-6),
        Question("ep53-speedup__q2", "Q2 amdahl_serial_fraction(cores, speedup)", "call", ("amdahl_serial_fraction",),
                 cases=_serial_cases, expected=_serial_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep53-operational-laws__q3", "Q3 (a load test read with the operational laws)", "variables",
                 ("disk_visits_per_request", "x_max", "n_star", "response_time"), expected=_q3, rel_tol=1e-6),
        Question("ep53-operational-laws__q4", "Q4 open_network_response(arrival_rate, visits, service_times)", "call",
                 ("open_network_response",), cases=_open_cases, expected=_open_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep53-tail-latency__q5", "Q5 fanout_quantile(mean, cv, fanout, p)", "call", ("fanout_quantile",),
                 cases=_fanout_cases, expected=_fanout_expected, rel_tol=1e-6, abs_tol=1e-9),
        Question("ep53-tail-latency__q6", "Q6 (hedging a search backend at its p95)", "variables",
                 ("hedge_delay_ms", "p99_hedged_ms", "fanout_slow_hedged"), expected=_q6, rel_tol=1e-5, abs_tol=1e-9),
        Question("ep53-measurement__q8", "Q8 (a model from a load test)", "variables",
                 ("demand_db_ms", "overhead_ms", "n_star_load", "x_model_40"), expected=_q8, rel_tol=1e-6, abs_tol=1e-9),
        Question("ep53-growth__q9", "Q9 fit_compound(values)", "call", ("fit_compound",),
                 cases=_fit_cases, expected=_fit_expected, rel_tol=1e-7, abs_tol=1e-10),
        Question("ep53-growth__q10", "Q10 (when the storage fills, and when to order)", "variables",
                 ("months_until_full", "order_within_months"), expected=_q10, rel_tol=1e-6, abs_tol=1e-6),
        Question("ep53-capacity-plan__q11", "Q11 (the week's reservation and bill)", "variables",
                 ("best_reserved", "weekly_bill"), expected=_q11, rel_tol=1e-9, abs_tol=1e-6),
    ),
)
