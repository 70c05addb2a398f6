"""Answer key of Ep18's assessment (``series-1/ep18-scaling/assessment.ipynb``).

Function questions (Q1, Q3, Q5, Q7) are checked on visible and freshly drawn inputs in a kernel
where the course's scaling library and its widgets are switched off (``FORBIDDEN``); numeric
answers (Q2, Q4, Q6, Q8, Q9, Q10) are read from the notebook's kernel, where the learner may use
the whole library, and compared with values computed here. The question data below repeat the
assessment's parameter cell (a test checks that the reference solution earns full marks, so the
two cannot drift apart unnoticed).

>>> ANSWER_KEY.question("ep18-load-balancing__q2").expected()["wrr_max_work"]
2.6666666666666665
>>> ANSWER_KEY.question("ep18-controllers__q8").expected()
{'best_controller': 'D', 'best_total': 37.4}
"""

from __future__ import annotations

import math

import numpy as np

from course.scaling.autoscaling import (
    AutoscalingRun,
    HPARule,
    PredictiveRule,
    ThresholdRule,
    simulate_autoscaling,
)
from course.scaling.costs import ScalingOption, compare_options
from course.scaling.scenarios import find_flapping
from course.scaling.traces import seasonal_trace
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place): every module of
# the scaling library (the threshold rule, the flap detector, balls into bins, the sharding schemes)
# and the Ep18 widgets, which run the same models.
FORBIDDEN = whole_modules(
    "course.scaling.balancing", "course.scaling.ballsbins", "course.scaling.supermarket", "course.scaling.traces",
    "course.scaling.autoscaling", "course.scaling.sharding", "course.scaling.scenarios", "course.scaling.costs",
    "course.widgets.ep18", "course.widgets.ep18_autoscaling", "course.widgets.ep18_sharding",
)

# --- the question data (the assessment's parameter cell) ------------------------------------
Q2_SPEEDS, Q2_SLOW, Q2_SLOWDOWN, Q2_OFFERED = (4.0, 2.0, 2.0), 0, 3.0, 5.0
Q4 = dict(days=14, trough=150.0, peak=1200.0, noise=0.05, seed=18, lag=600.0, target=0.75, headroom=1.1, lead_steps=10)
Q6 = dict(shards_before=4, shards_after=5, gb_per_shard=500.0, copy_mb_per_s=100.0)
Q8_BOARD = {"A": (0, 43.20, 0), "B": (14, 20.10, 2), "C": (3, 24.90, 9), "D": (6, 25.40, 1)}
Q8_PENALTY, Q8_MAX_REVERSALS = 2.0, 3
Q9_UP = dict(unit_capacity=60.0, price_per_hour=0.05, alpha=0.004, beta=0.000008, provisioning_lag=480.0, max_units=224)
Q9_OUT = dict(unit_capacity=220.0, price_per_hour=0.25, alpha=0.03, beta=0.0004, provisioning_lag=120.0,
              fixed_per_hour=0.05)
Q9_SHARDS, Q9_SHARD_FIXED, Q9_HOTTEST, Q9_RAMP, Q9_TARGET = 3, 0.08, 0.4, 0.8, 0.6
Q10 = dict(peak=1200.0, unit_capacity=190.0, target=0.6, alpha=0.02, beta=0.0005, ramp=0.4, lag=180.0, sized=11)


# --- Q1 greedy_loads ----------------------------------------------------------------------------

def _greedy_cases(rng) -> list[Case]:
    cases = [Case(([[0, 1], [0, 1], [2, 0], [1, 2]], 3)), Case(([[0], [0], [1]], 2)), Case(([], 4)),
             Case(([[0, 3]], 3), "ValueError"), Case(([[0, 1]], 0), "ValueError"), Case(([[0], []], 2), "ValueError")]
    for _ in range(40):
        bins = int(rng.integers(1, 30))
        d = int(rng.integers(1, 4))
        balls = int(rng.integers(0, 120))
        cases.append(Case((rng.integers(0, bins, (balls, d)).tolist(), bins)))
    cases.append(Case(([[-1, 0]], 2), "ValueError"))
    return cases


def _greedy_expected(candidates, bins):
    loads = [0] * bins
    for choice in candidates:
        best = choice[0]
        for b in choice[1:]:
            if loads[b] < loads[best]:
                best = b
        loads[best] += 1
    return loads


# --- Q3 threshold_counts ------------------------------------------------------------------------

def _threshold_cases(rng) -> list[Case]:
    visible = [0.8, 0.8, 0.9, 0.9, 0.5, 0.3, 0.3, 0.3, 0.2, 0.2]
    cases = [Case((visible, 4, 0.75, 0.40, 2, 120.0)), Case((visible, 4, 0.75, 0.40, 1, 0.0)),
             Case(([0.1] * 6, 2, 0.7, 0.3, 1, 0.0)), Case((visible, 4, 0.4, 0.75, 2, 0.0), "ValueError"),
             Case((visible, 4, 0.75, 0.40, 0, 0.0), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(2, 80))
        readings = np.round(rng.uniform(0.0, 1.2, n), 3).tolist()
        up = float(np.round(rng.uniform(0.5, 0.95), 2))
        down = float(np.round(rng.uniform(0.05, up - 0.05), 2))
        cases.append(Case((readings, int(rng.integers(1, 12)), up, down, int(rng.integers(1, 5)),
                           float(60 * rng.integers(0, 6)))))
    cases += [Case((visible, 0, 0.75, 0.40, 2, 0.0), "ValueError"), Case((visible, 3, 0.75, 0.40, 2, -60.0), "ValueError")]
    return cases


def _threshold_expected(readings, initial, scale_up_at, scale_down_at, consecutive, cooldown):
    rule = ThresholdRule(scale_up_at=scale_up_at, scale_down_at=scale_down_at, step=1, consecutive=consecutive,
                         cooldown=cooldown)
    counts, current = [], initial
    for i, utilization in enumerate(readings):
        current = rule.desired(60.0 * i, utilization, current, None)
        counts.append(current)
    return counts


# --- Q5 directory_assign ------------------------------------------------------------------------

def _directory_cases(rng) -> list[Case]:
    cases = [Case(([30.0, 10.0, 25.0, 20.0, 15.0], 2)), Case(([50.0, 5.0, 5.0, 5.0], 3)), Case(([4.0, 4.0], 3)),
             Case(([], 2), "ValueError"), Case(([1.0, -2.0], 2), "ValueError"), Case(([1.0, 2.0], 0), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 40))
        loads = np.round(rng.pareto(1.5, n) * 10 + 1, 2).tolist()
        if rng.random() < 0.3:
            loads[int(rng.integers(0, n))] = float(loads[0])     # ties in load
        cases.append(Case((loads, int(rng.integers(1, 9)))))
    cases.append(Case(([0.0, 0.0], 2), "ValueError"))
    return cases


def _directory_expected(range_loads, shards):
    order = sorted(range(len(range_loads)), key=lambda i: -range_loads[i])    # stable: ties keep range order
    totals, owner = [0.0] * shards, [0] * len(range_loads)
    for i in order:
        target = min(range(shards), key=lambda s: totals[s])
        owner[i] = target
        totals[target] += range_loads[i]
    return [owner, min(totals) / max(totals)]


# --- Q7 flap_report -----------------------------------------------------------------------------

def _flap_cases(rng) -> list[Case]:
    visible = [5, 6, 6, 5, 6, 7, 7, 6, 6, 6, 6, 7]
    cases = [Case((visible, 4)), Case((visible, 60)), Case(([3, 3, 3], 2)), Case(([4, 5, 6, 7], 3)),
             Case(([3], 2), "ValueError"), Case((visible, 1), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(2, 200))
        steps = rng.choice([-2, -1, 0, 0, 1, 2], n - 1)
        counts = np.maximum(1, 10 + np.concatenate([[0], np.cumsum(steps)])).astype(int).tolist()
        cases.append(Case((counts, int(rng.integers(2, 40)))))
    return cases


def _flap_expected(counts, window):
    counts = np.asarray(counts)
    run = AutoscalingRun(np.ones(counts.size), counts, counts, np.zeros(counts.size), 0.85, 0.1)
    worst = find_flapping(run, window=window, max_reversals=0)
    return [run.reversals, 0 if worst is None else worst.reversals, 0 if worst is None else worst.start]


# --- numeric answers ----------------------------------------------------------------------------

def _q2():
    speeds = np.array(Q2_SPEEDS)
    effective = speeds.copy()
    effective[Q2_SLOW] /= Q2_SLOWDOWN
    shares = speeds / speeds.sum()                   # weights are the nominal speeds
    return {"wrr_utilizations": (Q2_OFFERED * shares / effective).tolist(),
            "wrr_max_work": float(np.min(effective / shares)), "ideal_max_work": float(effective.sum())}


def q4_runs() -> dict:
    """Q4's two runs (reactive HPA and predictive) on the two-week seasonal trace."""
    q = Q4
    trace = seasonal_trace(days=q["days"], trough=q["trough"], peak=q["peak"], noise=q["noise"], seed=q["seed"])
    return {name: simulate_autoscaling(trace, rule, provisioning_lag=q["lag"])
            for name, rule in (("reactive", HPARule(target=q["target"])),
                               ("predictive", PredictiveRule(target=q["target"], headroom=q["headroom"],
                                                             lead_steps=q["lead_steps"])))}


def _q4():
    runs = q4_runs()
    return {"reactive_misses": runs["reactive"].slo_miss_minutes, "predictive_misses": runs["predictive"].slo_miss_minutes,
            "predictive_extra_cost": runs["predictive"].cost - runs["reactive"].cost}


def _q6():
    q = Q6
    total = q["shards_before"] * q["gb_per_shard"]
    cycle = math.lcm(q["shards_before"], q["shards_after"])
    stay = sum(1 for h in range(cycle) if h % q["shards_before"] == h % q["shards_after"]) / cycle
    moved = {"modulo": total * (1 - stay), "consistent": total / q["shards_after"], "split": q["gb_per_shard"] / 2}
    return {"moved_gb": moved, "copy_hours_modulo": moved["modulo"] * 1e9 / (q["copy_mb_per_s"] * 1e6) / 3600}


def _q8():
    totals = {name: cost + Q8_PENALTY * misses for name, (misses, cost, reversals) in Q8_BOARD.items()
              if reversals <= Q8_MAX_REVERSALS}
    best = min(totals, key=totals.get)
    return {"best_controller": best, "best_total": round(totals[best], 2)}


def q9_options() -> list[ScalingOption]:
    """Q9's three ways to grow."""
    shard = {**Q9_OUT, "fixed_per_hour": Q9_OUT["fixed_per_hour"] + Q9_SHARDS * Q9_SHARD_FIXED}
    return [ScalingOption("scale up", **Q9_UP), ScalingOption("scale out", **Q9_OUT),
            ScalingOption(f"shard ×{Q9_SHARDS}", **shard, groups=Q9_SHARDS, hottest_share=Q9_HOTTEST)]


def _q9():
    ceilings = {}
    for option in q9_options():
        best = max(option.capacity(n) for n in range(1, option.max_units + 1))
        ceilings[option.name] = Q9_TARGET * best / option.share
    shard_from = None
    for peak in range(100, 20_001, 100):
        table = compare_options(q9_options(), float(peak), Q9_RAMP, Q9_TARGET)
        if table["feasible"].iloc[0] and table.index[0].startswith("shard"):
            shard_from = peak
            break
    return {"q9_ceilings": ceilings, "q9_shard_from": shard_from}


def _q10():
    q = Q10
    option = ScalingOption("fleet", unit_capacity=q["unit_capacity"], price_per_hour=1.0, alpha=q["alpha"], beta=q["beta"])
    needed = q["peak"] + q["ramp"] * q["lag"]
    served = q["target"] * option.capacity(q["sized"])
    return {"q10_instances": option.units_needed(needed, q["target"]), "q10_served": served,
            "q10_short": needed - served}


ANSWER_KEY = AnswerKey(
    assignment="ep18",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep18-load-balancing__q1", "Q1 greedy_loads(candidates, bins)", "call", ("greedy_loads",),
                 cases=_greedy_cases, expected=_greedy_expected),
        Question("ep18-load-balancing__q2", "Q2 (weighted round robin over a gray-failing server)", "variables",
                 ("wrr_utilizations", "wrr_max_work", "ideal_max_work"), expected=_q2, rel_tol=1e-9, abs_tol=1e-9),
        Question("ep18-autoscaling__q3",
                 "Q3 threshold_counts(readings, initial, scale_up_at, scale_down_at, consecutive, cooldown)", "call",
                 ("threshold_counts",), cases=_threshold_cases, expected=_threshold_expected),
        Question("ep18-autoscaling__q4", "Q4 (reactive against predictive scaling over two weeks)", "variables",
                 ("reactive_misses", "predictive_misses", "predictive_extra_cost"), expected=_q4, rel_tol=1e-6,
                 abs_tol=0.005),
        Question("ep18-sharding__q5", "Q5 directory_assign(range_loads, shards)", "call", ("directory_assign",),
                 cases=_directory_cases, expected=_directory_expected, rel_tol=1e-9, abs_tol=1e-12),
        Question("ep18-sharding__q6", "Q6 (the data a rebalance moves)", "variables", ("moved_gb", "copy_hours_modulo"),
                 expected=_q6, rel_tol=1e-6, abs_tol=1e-6),
        Question("ep18-controllers__q7", "Q7 flap_report(counts, window)", "call", ("flap_report",),
                 cases=_flap_cases, expected=_flap_expected),
        Question("ep18-controllers__q8", "Q8 (read a scoreboard: the best controller that does not flap)", "variables",
                 ("best_controller", "best_total"), expected=_q8, rel_tol=1e-9, abs_tol=0.005),
        Question("ep18-scaling-decisions__q9", "Q9 (ceilings of three ways to grow, and the peak from which shards are cheapest)",
                 "variables", ("q9_ceilings", "q9_shard_from"), expected=_q9, rel_tol=1e-6, abs_tol=1e-6),
        Question("ep18-scaling-decisions__q10", "Q10 (find the error in a fleet sized without USL and headroom)",
                 "variables", ("q10_instances", "q10_served", "q10_short"), expected=_q10, rel_tol=1e-6,
                 abs_tol=1e-6),
    ),
)
