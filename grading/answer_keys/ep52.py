"""Answer key of Ep52's assessment (``series-3/ep52-reliability-engineering/assessment.ipynb``).

Function questions (Q2, Q3, Q5, Q7, Q9) are checked on visible and freshly drawn inputs in a
kernel where the course's references for them are switched off (``FORBIDDEN``); numeric answers
(Q1, Q4, Q6, Q8, Q10, Q11) are read from the notebook's kernel, where the learner may use the
whole library, and compared with values computed here with the real one.

>>> ANSWER_KEY.question("ep52-budgets__q1").expected()["burn_rate_now"]
24.0
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from course.reliability.availability import burn_rate, correlated_mix, k_of_n, k_of_n_heterogeneous
from course.reliability.detectors import evaluate_detector, heartbeat_trace
from course.reliability.downtime_costs import (
    HOURS_PER_YEAR,
    RedundancyOption,
    break_even_cost_per_hour,
    options_table,
)
from course.reliability.lifetimes import Weibull, fit_weibull
from course.reliability.markov import RepairableGroup, n_plus_one
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place).
FORBIDDEN = whole_modules(
    "course.reliability.availability", "course.reliability.markov", "course.reliability.lifetimes",
    "course.reliability.detectors", "course.reliability.downtime_costs", "course.simulation.replicated",
)

# The question data, as in the assessment's parameter cell.
Q1 = dict(slo=0.9995, month_requests=180_000_000, requests_so_far=120_000_000, failed_so_far=36_000, ratio_now=0.012)
Q4_ZONE, Q4_SHARE = 0.998, 0.03
Q6_FAILED = [4567, 5605, 11376, 11392, 18777, 20830, 23420, 23533]
Q6_RUNNING = [10115, 12511, 13417, 13693, 13751, 15224, 15551, 16257, 17052, 19708, 20923, 25338]
Q8_MTTF, Q8_MTTR = 800.0, 10.0
Q8_RUNS = [0.996885, 0.99777, 0.999057, 0.998433, 0.996621, 0.997885,
           0.998515, 0.999519, 0.997365, 0.998246, 0.997972, 0.998486]
Q11_PRICE = 6_000.0
Q11_OPTIONS = {"single zone": (0.9982, 0.0), "two zones": (0.99975, 30_000.0),
               "two zones and a database replica": (0.99992, 52_000.0), "two regions": (0.999985, 140_000.0)}


def _q1():
    budget = (1 - Q1["slo"]) * Q1["month_requests"]
    per_hour = Q1["ratio_now"] * Q1["month_requests"] / (30 * 24)
    return {"budget_spent_share": Q1["failed_so_far"] / budget,
            "burn_rate_now": burn_rate(Q1["ratio_now"], Q1["slo"]),
            "hours_to_exhaustion": (budget - Q1["failed_so_far"]) / per_hour}


def _alert_cases(rng) -> list[Case]:
    cases = [Case((1_500, 100_000, 200, 10_000, 0.999, 14.4)), Case((1_500, 100_000, 100, 10_000, 0.999, 14.4)),
             Case((50, 100_000, 300, 10_000, 0.999, 14.4)), Case((1, 0, 1, 10, 0.999, 14.4), "ValueError")]
    while len(cases) < 80:
        slo = float(rng.choice([0.99, 0.995, 0.999, 0.9995, 0.9999]))
        threshold = float(rng.choice([1.0, 2.0, 6.0, 14.4]))
        requests_long, requests_short = int(rng.integers(1_000, 10_000_000)), int(rng.integers(100, 1_000_000))
        # burn rates around the threshold, so both answers occur; none within float noise of it
        rates = threshold * rng.uniform(0.3, 3.0, 2)
        errors = [int(min(n, round(r * (1 - slo) * n))) for r, n in zip(rates, (requests_long, requests_short))]
        exact = [e / n / (1 - slo) for e, n in zip(errors, (requests_long, requests_short))]
        if all(abs(x - threshold) > 1e-6 * threshold for x in exact):
            cases.append(Case((errors[0], requests_long, errors[1], requests_short, slo, threshold)))
    cases += [Case((5, 100, 5, 0, 0.99, 2.0), "ValueError"), Case((5, 100, 5, 100, 1.0, 2.0), "ValueError"),
              Case((5, 100, 5, 100, 0.0, 2.0), "ValueError"), Case((5, -3, 5, 100, 0.99, 2.0), "ValueError")]
    return cases


def _alert_expected(errors_long, requests_long, errors_short, requests_short, slo, threshold):
    return bool(burn_rate(errors_long / requests_long, slo) >= threshold
                and burn_rate(errors_short / requests_short, slo) >= threshold)


def _k_of_n_cases(rng) -> list[Case]:
    cases = [Case((2, [0.99, 0.95, 0.90])), Case((3, [0.9, 0.8, 0.7])), Case((1, [0.9, 0.8])),
             Case((30, [0.99] * 60)), Case((4, [0.9, 0.9, 0.9]), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 61))
        values = rng.uniform(0.5, 1.0, n)
        values[rng.random(n) < 0.1] = 1.0              # some perfect parts
        cases.append(Case((int(rng.integers(1, n + 1)), values.tolist())))
    cases += [Case((0, [0.9, 0.9]), "ValueError"), Case((1, [0.9, 1.2]), "ValueError"),
              Case((1, [-0.1, 0.9]), "ValueError")]
    return cases


def _k_of_n_expected(k, availabilities):
    return k_of_n_heterogeneous(k, availabilities)


def _q4():
    return {"two_of_three_correlated": correlated_mix(k_of_n(2, 3, Q4_ZONE), Q4_ZONE, Q4_SHARE)}


def _conditional_cases(rng) -> list[Case]:
    cases = [Case((1.0, 1000.0, 5000.0, 1000.0)), Case((2.0, 1000.0, 0.0, 1000.0)), Case((2.0, 1000.0, 1000.0, 1000.0)),
             Case((0.0, 1000.0, 1.0, 1.0), "ValueError")]
    for _ in range(50):
        shape, scale = float(rng.uniform(0.3, 5.0)), float(rng.uniform(100, 100_000))
        cases.append(Case((shape, scale, float(rng.uniform(0, 3 * scale)), float(rng.uniform(0, 2 * scale)))))
    cases += [Case((1.5, -10.0, 1.0, 1.0), "ValueError"), Case((1.5, 100.0, -1.0, 1.0), "ValueError"),
              Case((1.5, 100.0, 1.0, -1.0), "ValueError"), Case((-2.0, 100.0, 1.0, 1.0), "ValueError")]
    return cases


def _conditional_expected(shape, scale, age, mission):
    unit = Weibull(shape, scale)
    return float(math.exp(unit._cumulative_hazard(age) - unit._cumulative_hazard(age + mission)))


def _q6():
    fit = fit_weibull(Q6_FAILED, right_censored=Q6_RUNNING)
    return {"pump_shape": fit.shape, "pump_scale": fit.scale, "pump_b10_hours": fit.distribution.quantile(0.10)}


def _group_cases(rng) -> list[Case]:
    cases = [Case((1, 1, 0.001, 0.5, 1)), Case((3, 2, 0.01, 1.0, 3)), Case((3, 2, 0.01, 1.0, 1)),
             Case((3, 4, 0.01, 1.0, 1), "ValueError")]
    for _ in range(50):
        units = int(rng.integers(1, 26))
        mu = float(rng.uniform(0.05, 2.0))
        cases.append(Case((units, int(rng.integers(1, units + 1)), float(mu * 10 ** rng.uniform(-4, -0.3)), mu,
                           int(rng.integers(1, units + 1)))))
    cases += [Case((3, 0, 0.01, 1.0, 1), "ValueError"), Case((3, 2, 0.01, 1.0, 0), "ValueError"),
              Case((3, 2, 0.01, 1.0, 4), "ValueError")]
    return cases


def _group_expected(units, required, failure_rate, repair_rate, crews):
    return RepairableGroup(units, required, failure_rate, repair_rate, repair_crews=crews).availability


def _q8():
    runs = np.array(Q8_RUNS)
    half = float(stats.t.ppf(0.975, runs.size - 1) * runs.std(ddof=1) / math.sqrt(runs.size))
    low, high = float(runs.mean() - half), float(runs.mean() + half)
    chain = n_plus_one(3, 1 / Q8_MTTF, 1 / Q8_MTTR).availability
    return {"sim_ci_low": low, "sim_ci_high": high, "chain_availability": chain, "chain_inside": bool(low <= chain <= high)}


def _suspicion_cases(rng) -> list[Case]:
    arrivals = [0, 1, 2, 3, 8, 9]
    cases = [Case((arrivals, 2.0, 2)), Case((arrivals, 2.5, 2)), Case((arrivals, 1.0, 3)),
             Case(([0, 1, 2, 3], 0.0, 2), "ValueError")]
    for _ in range(12):
        trace = heartbeat_trace(float(rng.uniform(600, 3600)), seed=int(rng.integers(2**31)),
                                interval=float(rng.choice([0.5, 1.0, 2.0])),
                                pause_probability=float(rng.uniform(0.005, 0.05)), pause_mean=float(rng.uniform(0.5, 3.0)))
        cases.append(Case((np.round(trace, 6).tolist(), float(rng.uniform(0.3, 3.0)), int(rng.integers(2, 300)))))
    cases += [Case((arrivals, -1.0, 2), "ValueError"), Case((arrivals, 1.0, 1), "ValueError"),
              Case((arrivals, 1.0, 5), "ValueError")]
    return cases


def _suspicion_expected(arrivals, threshold, window):
    return int(evaluate_detector(arrivals, threshold, window, model="exponential").false_suspicions)


def _q10():
    return {"failure_models": {"a": "byzantine", "b": "metastable", "c": "gray", "d": "crash", "e": "omission",
                               "f": "timing"}}


def _q11():
    options = [RedundancyOption(name, a, cost) for name, (a, cost) in Q11_OPTIONS.items()]
    table = options_table(options, Q11_PRICE)
    best = int(table["cheapest"].to_numpy().argmax())
    return {"cheapest_option": options[best].name,
            "next_step_break_even": break_even_cost_per_hour(options[best], options[best + 1])}


assert HOURS_PER_YEAR == 8760  # the questions state 8,760 hours a year

ANSWER_KEY = AnswerKey(
    assignment="ep52",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep52-budgets__q1", "Q1 (budget spent, burn rate, hours to exhaustion)", "variables",
                 ("budget_spent_share", "burn_rate_now", "hours_to_exhaustion"), expected=_q1, rel_tol=1e-6,
                 abs_tol=1e-9),
        Question("ep52-budgets__q2", "Q2 burn_rate_alert(errors_long, requests_long, errors_short, requests_short, "
                 "slo, threshold)", "call", ("burn_rate_alert",), cases=_alert_cases, expected=_alert_expected),
        Question("ep52-composition__q3", "Q3 k_of_n_mixed(k, availabilities)", "call", ("k_of_n_mixed",),
                 cases=_k_of_n_cases, expected=_k_of_n_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep52-composition__q4", "Q4 (2-of-3 zones with common-mode failures)", "variables",
                 ("two_of_three_correlated",), expected=_q4, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep52-lifetimes__q5", "Q5 conditional_reliability(shape, scale, age, mission)", "call",
                 ("conditional_reliability",), cases=_conditional_cases, expected=_conditional_expected,
                 rel_tol=1e-9, abs_tol=1e-12),
        Question("ep52-lifetimes__q6", "Q6 (Weibull fit of the pumps with censoring, B10 life)", "variables",
                 ("pump_shape", "pump_scale", "pump_b10_hours"), expected=_q6, rel_tol=1e-4, abs_tol=1e-9),
        Question("ep52-markov__q7", "Q7 group_availability(units, required, failure_rate, repair_rate, crews)",
                 "call", ("group_availability",), cases=_group_cases, expected=_group_expected,
                 rel_tol=1e-9, abs_tol=1e-12),
        Question("ep52-markov__q8", "Q8 (interval of 12 runs and the chain)", "variables",
                 ("sim_ci_low", "sim_ci_high", "chain_availability", "chain_inside"), expected=_q8,
                 rel_tol=1e-7, abs_tol=1e-9),
        Question("ep52-failure-detection__q9", "Q9 exponential_false_suspicions(arrivals, threshold, window)",
                 "call", ("exponential_false_suspicions",), cases=_suspicion_cases, expected=_suspicion_expected),
        Question("ep52-failure-detection__q10", "Q10 (failure models of six incidents)", "variables",
                 ("failure_models",), expected=_q10),
        Question("ep52-reliability-decisions__q11", "Q11 (cheapest option and the next step's break-even)",
                 "variables", ("cheapest_option", "next_step_break_even"), expected=_q11, rel_tol=1e-6, abs_tol=1e-6),
    ),
)
