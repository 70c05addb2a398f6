"""Answer key of Ep51's assessment (``series-3/ep51-mathematics-of-scale/assessment.ipynb``).

Function questions (Q2, Q3, Q5, Q7, Q9) are checked on visible and freshly drawn inputs in a
kernel where the course's reference for them is switched off (``FORBIDDEN``); numeric answers
(Q1, Q4, Q6, Q8, Q10, Q12) are read from the notebook's kernel, where the learner may use the
whole library, and compared with values computed here with the real one. Each numeric question
asks for several values that no single library call returns together (reasoning over lookup).

The question data below repeat the notebook's parameter cell (a test checks they agree).

>>> ANSWER_KEY.question("ep51-littles-law__q1").expected()["response_time_ms"]
310.0
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy import stats

from course.capacity.costs import CapacityCosts
from course.capacity.scalability import fit_usl_deviation, usl
from course.queueing.erlang import erlang_c
from course.queueing.finite import mmck
from course.queueing.general import allen_cunneen, kingman
from course.queueing.littles_law import pool_size
from course.queueing.markovian import mm1, mmc
from course.simulation.fast import fcfs_start_times
from grading.answer_keys.model import AnswerKey, Case, Question, clear_of_whole
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place).
FORBIDDEN = whole_modules(
    "course.queueing.littles_law", "course.queueing.erlang", "course.queueing.markovian", "course.queueing.general", "course.queueing.finite",
    "course.queueing.networks", "course.capacity.costs", "course.capacity.performance", "course.reliability.markov",
    "course.capacity.scalability", "course.simulation.fast", "course.simulation.reference", "course.simulation.synthetic",
    "course.simulation.network", "course.patterns.bulkhead_sizing",
)

#: The data of the numeric questions, as the notebook's parameter cell states them.
DATA = {
    # Q1: Little's law on a system and its parts
    "API_ARRIVAL_RATE": 1_500.0, "API_IN_FLIGHT": 465.0, "AUTH_IN_FLIGHT": 27.0,
    "RECS_SHARE": 0.35, "RECS_IN_FLIGHT": 126.0,
    # Q4: find the error in a Kingman estimate
    "RESIZE_ARRIVAL_RATE": 30.0, "RESIZE_ARRIVAL_CV": 0.6, "RESIZE_SERVICE_MEAN_MS": 25.0,
    "RESIZE_SERVICE_SD_MS": 40.0, "RESIZE_WAIT_BUDGET_MS": 100.0,
    # Q6: a finite accept queue (M/M/c/K)
    "GATEWAY_WORKERS": 12, "GATEWAY_SERVICE_TIME": 0.060, "GATEWAY_ARRIVAL_RATE": 190.0, "GATEWAY_MAX_REFUSED": 0.01,
    # Q8: a simulation's batch means (ms), read against two formulas
    "BATCH_MEANS_MS": [120.6, 139.6, 137.3, 125.2, 147.1, 121.0, 108.2, 172.3, 115.0, 141.7],
    "SIM_ARRIVAL_RATE": 42.0, "SIM_SERVICE_TIME": 0.080, "SIM_SERVERS": 4, "SIM_SERVICE_CV": 1.5,
    "SIM_CONFIDENCE": 0.95,
    # Q10: a closed load test described by a USL fit
    "LOADTEST_GAMMA": 0.8, "LOADTEST_ALPHA": 0.02, "LOADTEST_BETA": 0.0001, "LOADTEST_THINK_TIME": 1.0,
    "LOADTEST_USERS": 80, "LOADTEST_TARGET": 0.5,
    # Q12: one pool for a day of three load levels
    "DAY_PROFILE": [(8, 400.0), (10, 250.0), (6, 60.0)], "ORDER_SERVICE_TIME": 0.040, "ORDER_TARGET_TIME": 0.250,
    "ORDER_SERVER_PER_HOUR": 0.90, "ORDER_PENALTY_PER_LATE": 0.002,
}
#: The simulation that produced BATCH_MEANS_MS (kept out of the notebook, so the table must be read,
#: not re-simulated): simulate_queue(42, Gamma(1/1.5², 0.08·1.5²), 4, customers=200_000, seed=51,
#: batches=10, keep_waits=True); each batch's mean wait in ms, rounded to 0.1 ms.
SIMULATION_SEED = 51


def _pool_cases(rng) -> list[Case]:
    cases = [Case((1000, 0.2, 0.8)), Case((100, 0.07, 0.7)), Case((10, 1.0, 0.9)), Case((10, 1.0, 1.5), "ValueError")]
    while len(cases) < 204:
        lam, w, u = float(rng.uniform(1, 5000)), float(rng.uniform(0.001, 2.0)), float(rng.uniform(0.3, 1.0))
        if clear_of_whole(lam * w / u):
            cases.append(Case((lam, w, u)))
    cases += [Case((float(rng.uniform(1, 100)), 0.5, float(u)), "ValueError")
              for u in (*rng.uniform(1.01, 3.0, 3), 0.0, -float(rng.uniform(0.1, 1)))]
    return cases


def _pool_expected(lam, w, u):
    return pool_size(lam, w, u)


def _mm1_cases(rng) -> list[Case]:
    cases = [Case((0.8, 1.0)), Case((1.0, 1.0), "ValueError")]
    cases += [Case((float(rng.uniform(0.01, 0.99)) * float(mu), float(mu))) for mu in rng.uniform(0.1, 500, size=40)]
    cases += [Case((float(mu * rng.uniform(1.0, 3.0)), float(mu)), "ValueError") for mu in rng.uniform(0.1, 50, size=5)]
    return cases


def _mm1_expected(lam, mu):
    q = mm1(lam, mu)
    return {"utilization": q.utilization, "L": q.l, "Lq": q.lq, "W": q.w, "Wq": q.wq,
            "p95": q.response_time_quantile(0.95)}


def _erlang_cases(rng) -> list[Case]:
    cases = [Case((1, 0.5)), Case((2, 1.6)), Case((1000, 950.0)), Case((4, 4.0), "ValueError")]
    cases += [Case((int(c), float(rng.uniform(0.05, 0.995)) * int(c))) for c in rng.integers(1, 1500, size=25)]
    # far in the tail the probability underflows (to 1e-124, or below the smallest double): the
    # abs_tol of the question accepts any answer that small, 0.0 included
    cases += [Case((int(c), float(c) * float(rng.uniform(0.05, 0.2)))) for c in rng.integers(100, 1500, size=3)]
    cases.append(Case((1500, 1492.5)))
    cases += [Case((int(c), float(c) * float(rng.uniform(1.0, 2.0))), "ValueError") for c in rng.integers(1, 200, size=5)]
    return cases


def _erlang_expected(c, a):
    return float(erlang_c(c, a))


def _waits_cases(rng) -> list[Case]:
    arrivals = np.cumsum(rng.exponential(1 / 0.9, size=5000))
    services = rng.lognormal(-0.5, 1.0, size=5000)
    return [Case(([0.0, 1.0, 1.5], [2.0, 2.0, 2.0])), Case(([0.0, 5.0], [1.0, 1.0])),
            Case((arrivals.tolist(), services.tolist()))]


def _waits_expected(arrivals, services):
    arrivals = np.asarray(arrivals, dtype=float)
    return (fcfs_start_times(arrivals, np.asarray(services, dtype=float), 1) - arrivals).tolist()


def _usl_cases(rng) -> list[Case]:
    n_exact = np.array([1, 2, 4, 8, 16, 32])
    x_exact = 10 * n_exact / (1 + 0.05 * (n_exact - 1) + 0.001 * n_exact * (n_exact - 1))
    cases = [Case((n_exact.tolist(), x_exact.tolist()))]
    for _ in range(10):
        loads = np.array([1, 2, 4, 8, 16, 24, 32, 48, 64], dtype=float)
        alpha, beta = rng.uniform(0.001, 0.1), rng.uniform(1e-5, 1e-3)
        noisy = usl(loads, alpha, beta, 50.0) * rng.lognormal(0, 0.02, loads.size)
        order = rng.permutation(loads.size)  # the fit must not rely on sorted input
        cases.append(Case((loads[order].tolist(), noisy[order].tolist())))
    return cases


def _usl_expected(loads, throughputs):
    fit = fit_usl_deviation(loads, throughputs)
    return [float(fit.alpha), float(fit.beta)]


def _q1():
    d = DATA
    recs_rate = d["RECS_SHARE"] * d["API_ARRIVAL_RATE"]  # only the calling requests enter it
    outside = d["API_IN_FLIGHT"] - d["AUTH_IN_FLIGHT"] - d["RECS_IN_FLIGHT"]  # calls never overlap
    return {"response_time_ms": 1000 * d["API_IN_FLIGHT"] / d["API_ARRIVAL_RATE"],
            "recommendation_time_ms": 1000 * d["RECS_IN_FLIGHT"] / recs_rate,
            "other_time_ms": 1000 * outside / d["API_ARRIVAL_RATE"]}


def _q4():
    d = DATA
    service_rate = 1000 / d["RESIZE_SERVICE_MEAN_MS"]
    service_cv = d["RESIZE_SERVICE_SD_MS"] / d["RESIZE_SERVICE_MEAN_MS"]
    wait = kingman(d["RESIZE_ARRIVAL_RATE"], service_rate, d["RESIZE_ARRIVAL_CV"], service_cv).wq
    # Kingman: Wq = ρ/(1-ρ)·k·S with k = (Ca² + Cs²)/2, so Wq <= B  <=>  ρ <= B/(B + k·S)
    k = (d["RESIZE_ARRIVAL_CV"] ** 2 + service_cv**2) / 2
    budget, mean = d["RESIZE_WAIT_BUDGET_MS"], d["RESIZE_SERVICE_MEAN_MS"]
    return {"kingman_wait_ms": 1000 * wait, "max_rate_for_budget": budget / (budget + k * mean) * service_rate}


def _q6():
    d = DATA
    c, lam, mu = d["GATEWAY_WORKERS"], d["GATEWAY_ARRIVAL_RATE"], 1 / d["GATEWAY_SERVICE_TIME"]
    queue = 0
    while mmck(lam, mu, c, c + queue).blocking_probability > d["GATEWAY_MAX_REFUSED"]:
        queue += 1
    return {"refused_share_no_queue": float(mmck(lam, mu, c, c).blocking_probability),
            "smallest_queue": queue,
            "goodput_smallest_queue": float(mmck(lam, mu, c, c + queue).throughput)}


def _q8():
    d = DATA
    means = np.asarray(d["BATCH_MEANS_MS"], dtype=float)
    half = stats.t.ppf((1 + d["SIM_CONFIDENCE"]) / 2, means.size - 1) * means.std(ddof=1) / math.sqrt(means.size)
    low, high = float(means.mean() - half), float(means.mean() + half)
    service_rate = 1 / d["SIM_SERVICE_TIME"]
    exact_mmc = 1000 * mmc(d["SIM_ARRIVAL_RATE"], service_rate, d["SIM_SERVERS"]).wq
    approx = 1000 * allen_cunneen(d["SIM_ARRIVAL_RATE"], service_rate, d["SIM_SERVERS"], 1.0, d["SIM_SERVICE_CV"]).wq
    return {"ci_low_ms": low, "ci_high_ms": high, "allen_cunneen_wq_ms": float(approx),
            "mmc_inside": bool(low <= exact_mmc <= high), "allen_cunneen_inside": bool(low <= approx <= high)}


@cache
def _loadtest_curve() -> tuple[np.ndarray, np.ndarray]:
    d = DATA
    users = np.arange(1, 2001)
    return users, usl(users, d["LOADTEST_ALPHA"], d["LOADTEST_BETA"], d["LOADTEST_GAMMA"])


def _q10():
    d = DATA
    users, throughput = _loadtest_curve()
    response = users / throughput - d["LOADTEST_THINK_TIME"]  # N = X (R + Z), solved for R
    within = users[response <= d["LOADTEST_TARGET"]]
    n = d["LOADTEST_USERS"]
    return {"peak_users": int(users[np.argmax(throughput)]),
            "response_time_at_80": float(n / throughput[n - 1] - d["LOADTEST_THINK_TIME"]),
            "max_users_half_second": int(within.max())}


def _day_cost(servers: int) -> float:
    d = DATA
    per_hour = d["ORDER_SERVER_PER_HOUR"]
    total = servers * per_hour * sum(hours for hours, _ in d["DAY_PROFILE"])
    for hours, rate in d["DAY_PROFILE"]:
        plan = CapacityCosts(rate, 1 / d["ORDER_SERVICE_TIME"], d["ORDER_TARGET_TIME"], per_hour,
                             d["ORDER_PENALTY_PER_LATE"])
        total += hours * plan.hourly_cost(servers)["penalty_cost"]
    return total


def _q12():
    d = DATA
    peak = max(rate for _, rate in d["DAY_PROFILE"])
    smallest = math.floor(peak * d["ORDER_SERVICE_TIME"]) + 1
    costs = {c: _day_cost(c) for c in range(smallest, smallest + 40)}
    best = min(costs, key=costs.get)
    return {"cheapest_pool": int(best), "cheapest_daily_cost": float(costs[best])}


ANSWER_KEY = AnswerKey(
    assignment="ep51",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep51-littles-law__q1", "Q1 (times inside the API and its parts, ms)", "variables",
                 ("response_time_ms", "recommendation_time_ms", "other_time_ms"), expected=_q1,
                 rel_tol=1e-6, abs_tol=1e-6),
        Question("ep51-littles-law__q2", "Q2 pool_threads(arrival_rate, time_in_system, target_utilization)",
                 "call", ("pool_threads",), cases=_pool_cases, expected=_pool_expected),
        Question("ep51-single-server__q3", "Q3 mm1_metrics(arrival_rate, service_rate)", "call", ("mm1_metrics",),
                 cases=_mm1_cases, expected=_mm1_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep51-single-server__q4", "Q4 (Kingman's wait, ms, and the highest rate within budget)", "variables",
                 ("kingman_wait_ms", "max_rate_for_budget"), expected=_q4, rel_tol=1e-6, abs_tol=1e-6),
        Question("ep51-multi-server__q5", "Q5 erlang_c_probability(servers, offered_load)", "call",
                 ("erlang_c_probability",), cases=_erlang_cases, expected=_erlang_expected,
                 rel_tol=1e-9, abs_tol=1e-12),
        Question("ep51-multi-server__q6", "Q6 (refused share, smallest queue, goodput)", "variables",
                 ("refused_share_no_queue", "smallest_queue", "goodput_smallest_queue"), expected=_q6,
                 rel_tol=1e-6, abs_tol=1e-9),
        Question("ep51-simulation__q7", "Q7 single_server_waits(arrival_times, service_times)", "call",
                 ("single_server_waits",), cases=_waits_cases, expected=_waits_expected, abs_tol=1e-8),
        Question("ep51-simulation__q8", "Q8 (batch-means interval and the two formulas)", "variables",
                 ("ci_low_ms", "ci_high_ms", "allen_cunneen_wq_ms", "mmc_inside", "allen_cunneen_inside"),
                 expected=_q8, rel_tol=1e-6, abs_tol=1e-6),
        Question("ep51-usl__q9", "Q9 usl_deviation_fit(loads, throughputs)", "call", ("usl_deviation_fit",),
                 cases=_usl_cases, expected=_usl_expected, rel_tol=1e-6, abs_tol=1e-12),
        Question("ep51-usl__q10", "Q10 (peak, response time at 80 users, most users within 0.5 s)", "variables",
                 ("peak_users", "response_time_at_80", "max_users_half_second"), expected=_q10,
                 rel_tol=1e-6, abs_tol=1e-9),
        Question("ep51-capacity-decisions__q12", "Q12 (cheapest pool for the day and its daily cost)", "variables",
                 ("cheapest_pool", "cheapest_daily_cost"), expected=_q12, rel_tol=1e-6, abs_tol=1e-6),
    ),
)
