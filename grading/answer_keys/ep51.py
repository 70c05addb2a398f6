"""Answer key of Ep51's assessment (``series-3/ep51-mathematics-of-scale/assessment.ipynb``).

Function questions (Q2, Q3, Q5, Q7, Q9) are checked on visible and freshly drawn inputs in a
kernel where the course's reference for them is switched off (``FORBIDDEN``); numeric answers
(Q1, Q4, Q6, Q8, Q10, Q12) are read from the notebook's kernel, where the learner may use the
whole library, and compared with values computed here with the real one.

>>> ANSWER_KEY.question("ep51-littles-law__q1").expected()["connections_in_use"]
3.0
"""

from __future__ import annotations

from functools import cache

import numpy as np

from course.capacity.costs import CapacityCosts
from course.capacity.scalability import fit_usl, fit_usl_deviation, usl
from course.datasets import load
from course.queueing.erlang import erlang_c
from course.queueing.general import mg1
from course.queueing.littles_law import concurrency, pool_size
from course.queueing.markovian import mm1, mmc, servers_for_response_quantile
from course.simulation import simulate_mmc
from course.simulation.fast import fcfs_start_times
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place).
FORBIDDEN = whole_modules(
    "course.queueing.littles_law", "course.queueing.erlang", "course.queueing.markovian", "course.queueing.general", "course.queueing.finite",
    "course.queueing.networks", "course.capacity.costs", "course.capacity.performance", "course.reliability.markov",
    "course.capacity.scalability", "course.simulation.fast", "course.simulation.reference", "course.simulation.synthetic",
    "course.simulation.network", "course.patterns.bulkhead_sizing",
)


def _near_whole(value: float) -> bool:
    # within noise of a whole number the rounding rule, not the formula, decides: not a fair case
    return abs(value - round(value)) <= 1e-6


def _pool_cases(rng) -> list[Case]:
    cases = [Case((1000, 0.2, 0.8)), Case((100, 0.07, 0.7)), Case((10, 1.0, 0.9)), Case((10, 1.0, 1.5), "ValueError")]
    while len(cases) < 204:
        lam, w, u = float(rng.uniform(1, 5000)), float(rng.uniform(0.001, 2.0)), float(rng.uniform(0.3, 1.0))
        if not _near_whole(lam * w / u):
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


@cache
def _simulation_answers() -> dict:
    run = simulate_mmc(8.0, 1.0, 10, customers=200_000, seed=51)
    exact = mmc(8.0, 1.0, 10).wq
    low, high = (float(v) for v in run.wait_ci)
    return {"sim_ci_low": low, "sim_ci_high": high, "exact_wq": float(exact),
            "formula_inside": bool(low <= exact <= high)}


def _q1():
    return {"connections_in_use": concurrency(4500 / 60, 0.040)}


def _q4():
    return {"pk_wait_ms": 1000 * mg1(40.0, 50.0, service_cv=1.5).wq}


def _q6():
    return {"servers_needed": int(servers_for_response_quantile(600.0, 12.5, quantile=0.9, target_time=0.25))}


def _q10():
    data = load("specsdm91")
    return {"throughput_at_300": float(fit_usl(data["load_users"], data["throughput_scripts_per_hour"]).predict(300))}


def _q12():
    return {"cheapest_servers": int(CapacityCosts(500.0, 25.0, 0.150, 0.80, 0.0005).cheapest())}


ANSWER_KEY = AnswerKey(
    assignment="ep51",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep51-littles-law__q1", "Q1 (connections in use)", "variables", ("connections_in_use",),
                 expected=_q1),
        Question("ep51-littles-law__q2", "Q2 pool_threads(arrival_rate, time_in_system, target_utilization)",
                 "call", ("pool_threads",), cases=_pool_cases, expected=_pool_expected),
        Question("ep51-single-server__q3", "Q3 mm1_metrics(arrival_rate, service_rate)", "call", ("mm1_metrics",),
                 cases=_mm1_cases, expected=_mm1_expected),
        Question("ep51-single-server__q4", "Q4 (mean wait in the queue, ms)", "variables", ("pk_wait_ms",),
                 expected=_q4, rel_tol=1e-6),
        Question("ep51-multi-server__q5", "Q5 erlang_c_probability(servers, offered_load)", "call",
                 ("erlang_c_probability",), cases=_erlang_cases, expected=_erlang_expected),
        Question("ep51-multi-server__q6", "Q6 (servers needed)", "variables", ("servers_needed",), expected=_q6),
        Question("ep51-simulation__q7", "Q7 single_server_waits(arrival_times, service_times)", "call",
                 ("single_server_waits",), cases=_waits_cases, expected=_waits_expected, abs_tol=1e-8),
        Question("ep51-simulation__q8", "Q8 (simulated interval and exact wait)", "variables",
                 ("sim_ci_low", "sim_ci_high", "exact_wq", "formula_inside"), expected=_simulation_answers),
        Question("ep51-usl__q9", "Q9 usl_deviation_fit(loads, throughputs)", "call", ("usl_deviation_fit",),
                 cases=_usl_cases, expected=_usl_expected, rel_tol=1e-6, abs_tol=1e-12),
        Question("ep51-usl__q10", "Q10 (throughput at 300 users)", "variables", ("throughput_at_300",),
                 expected=_q10, rel_tol=1e-3),
        Question("ep51-capacity-decisions__q12", "Q12 (cheapest number of servers)", "variables",
                 ("cheapest_servers",), expected=_q12),
    ),
)
