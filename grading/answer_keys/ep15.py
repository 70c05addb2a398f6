"""Answer key of Ep15's assessment (``series-1/ep15-communication/assessment.ipynb``).

Function questions (Q1, Q3, Q5) are checked on visible and freshly drawn inputs in a kernel
where the course's communication library, the Ep15 checker models and the Ep15 widgets are
switched off (``FORBIDDEN``); numeric answers (Q2, Q4, Q6, Q8) are read from the notebook's
kernel, where the learner may use the whole library, and compared with values computed here.
The question data below repeat the assessment's parameter cell (a test checks that the
reference solution earns full marks, so the two cannot drift apart unnoticed).

>>> round(ANSWER_KEY.question("ep15-mesh__q2").expected()["requests_to_first_ejection"], 6)
161.09375
>>> ANSWER_KEY.question("ep15-communication-decisions__q8").expected()["mesh_cost"]
307200.0
"""

from __future__ import annotations

import math

import numpy as np

from course.communication.mesh import ENVOY_DEFAULTS, ejection_time, max_ejected
from course.exploration import explore
from course.exploration.models.idempotency import IdempotencyModel, reference_finish
from course.exploration.models.ratelimit import most_in_a_window
from grading.answer_keys.model import AnswerKey, Case, Question
from grading.answer_keys.modules import whole_modules

# What the kernel that runs the implementation answers may not reach (one place): every module
# of the communication library, the Ep15 checker models (their limiters and window counts) and
# the Ep15 widgets.
FORBIDDEN = whole_modules(
    "course.communication.ratelimit", "course.communication.budget", "course.communication.collapsing",
    "course.communication.mesh", "course.communication.idempotency", "course.communication.grpc_chain",
    "course.exploration.models.ratelimit", "course.exploration.models.idempotency",
    "course.widgets.ep15", "course.widgets.ep15_mesh",
)

# --- the question data (the assessment's parameter cell) ------------------------------------
Q2_FAILURE, Q2_EJECTIONS, Q2_HOSTS = 0.4, 12, 25
Q4_MEDIANS_MS = {1: 0.41, 2: 0.93, 3: 1.38, 4: 1.90, 6: 2.91}
Q4_BUDGET_MS = 5.0
Q8 = dict(edge_rps=12_000, internal_hops=3, pods=900, languages=2, services=120, proxy_cpu_ms=0.25,
          proxy_latency_ms=0.4, sidecar_memory_gb=0.05, core_year=300.0, gb_year=40.0, engineer_year=200_000.0,
          mesh_platform_fte=1.5, library_fte_per_language=0.5, upgrade_hours_per_service=24, hour=100.0)


def lease_begin(store, key):
    """Q6's store: a reservation found is taken to be abandoned by a crashed request, and taken over."""
    if key not in store or store[key] is None:
        return {**store, key: None}, None
    return store, store[key]


# --- Q1 fixed_window_peak ---------------------------------------------------------------------

def _window_cases(rng) -> list[Case]:
    cases = [Case(([0.9, 0.95, 1.0, 1.05], 2, 1.0)), Case(([0.0, 0.25, 0.5, 0.75], 2, 1.0)),
             Case(([], 3, 2.0)), Case(([0.5, 0.5, 0.5], 5, 0.5)),
             Case(([1.0, 0.5], 2, 1.0), "ValueError"), Case(([0.0, 1.0], 0, 1.0), "ValueError"),
             Case(([0.0, 1.0], 2, 0.0), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 80))
        # multiples of 1/8 s: exact in binary, so no window boundary depends on rounding
        times = (np.cumsum(rng.integers(0, 5, n)) / 8.0).tolist()
        cases.append(Case((times, int(rng.integers(1, 6)), float(rng.choice([0.5, 1.0, 2.0, 4.0])))))
    cases.append(Case(([-0.5, 0.0], 2, 1.0), "ValueError"))
    return cases


def _window_expected(times, limit, window):
    admitted, current, count = [], None, 0
    for t in times:
        index = math.floor(t / window)
        if index != current:
            current, count = index, 0
        if count < limit:
            count += 1
            admitted.append(t)
    return [len(admitted), most_in_a_window(admitted, window)]


# --- Q2 the gray host and Envoy's defaults ----------------------------------------------------

def _q2():
    p, k = Q2_FAILURE, ENVOY_DEFAULTS["consecutive_5xx"]
    # expected trials to the first run of k failures in a row: (1 - p^k) / ((1 - p) p^k)
    first = (1 - p ** k) / ((1 - p) * p ** k)
    ejected = sum(ejection_time(n, ENVOY_DEFAULTS["base_ejection_time"], ENVOY_DEFAULTS["max_ejection_time"])
                  for n in range(1, Q2_EJECTIONS + 1))
    return {"requests_to_first_ejection": first, "ejected_seconds": float(ejected),
            "max_hosts_ejected": max_ejected(Q2_HOSTS, ENVOY_DEFAULTS["max_ejection_percent"])}


# --- Q3 wasted_work_ms ------------------------------------------------------------------------

def _chain_cases(rng) -> list[Case]:
    cases = [Case((1000.0, [200.0, 500.0, 400.0, 300.0])), Case((800.0, [100.0, 100.0])),
             Case((100.0, [150.0, 50.0])), Case((500.0, [500.0, 10.0])),
             Case((0.0, [10.0]), "ValueError"), Case((100.0, []), "ValueError"),
             Case((100.0, [10.0, -1.0]), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 8))
        own = rng.integers(0, 600, n).astype(float).tolist()
        cases.append(Case((float(rng.integers(1, 2500)), own)))
    return cases


def _chain_expected(deadline_ms, own_ms):
    start, wasted, first_late = 0.0, 0.0, None
    for hop, own in enumerate(own_ms):
        if first_late is None and start >= deadline_ms:
            first_late = hop
        wasted += max(0.0, start + own - max(start, deadline_ms))
        start += own
    return [wasted, first_late]


# --- Q4 a per-hop overhead from measured medians ---------------------------------------------

def _q4():
    hops = sorted(Q4_MEDIANS_MS)
    slope, intercept = np.polyfit(hops, [Q4_MEDIANS_MS[h] for h in hops], 1)
    within = max(n for n in range(1, 1000) if intercept + slope * n <= Q4_BUDGET_MS)
    return {"per_hop_ms": float(slope), "hops_within_budget": within}


# --- Q5 key_store_statuses --------------------------------------------------------------------

def _store_cases(rng) -> list[Case]:
    visible = [[0, "a", "x", 500], [10, "a", "x", 200], [20, "a", "y", 200], [90_000, "a", "y", 201]]
    cases = [Case((visible, 86_400)), Case((visible, 100_000)), Case(([], 86_400)),
             Case(([[0, "k", "p", 200], [86_400, "k", "p", 201]], 86_400)),
             Case((visible, 3_600), "ValueError"), Case(([[5, "a", "x", 200], [1, "b", "x", 200]], 86_400), "ValueError")]
    for _ in range(40):
        n = int(rng.integers(1, 40))
        times = np.cumsum(rng.integers(0, 30_000, n)).tolist()
        requests = [[int(t), str(rng.choice(["k1", "k2", "k3", "k4"])), str(rng.choice(["x", "y"])),
                     int(rng.choice([200, 201, 402, 500]))] for t in times]
        cases.append(Case((requests, int(rng.choice([86_400, 100_000, 172_800])))))
    return cases


def _store_expected(requests, retention_s):
    stored, statuses = {}, []
    for t, key, params, outcome in requests:
        entry = stored.get(key)
        if entry is None or t - entry[0] >= retention_s:
            stored[key] = (t, params, outcome)
            statuses.append(outcome)
        elif entry[1] == params:
            statuses.append(entry[2])
        else:
            statuses.append(422)
    return statuses


# --- Q6 the lease-taking store, checked --------------------------------------------------------

def _q6():
    violation = explore(IdempotencyModel(lease_begin, reference_finish)).violation
    return {"broken_invariant": violation.invariant, "trace_steps": len(violation),
            "trace_faults": sum(step.fault for step in violation.steps)}


# --- Q8 mesh or libraries for a fintech --------------------------------------------------------

def _q8():
    q = Q8
    passes = 2 * q["internal_hops"]
    cores = q["edge_rps"] * passes * q["proxy_cpu_ms"] / 1000
    mesh = (cores * q["core_year"] + q["pods"] * q["sidecar_memory_gb"] * q["gb_year"]
            + q["mesh_platform_fte"] * q["engineer_year"])
    library = (q["languages"] * q["library_fte_per_language"] * q["engineer_year"]
               + q["services"] * q["upgrade_hours_per_service"] * q["hour"])
    return {"mesh_cost": float(mesh), "library_cost": float(library),
            "mesh_added_ms": float(passes * q["proxy_latency_ms"])}


ANSWER_KEY = AnswerKey(
    assignment="ep15",
    notebook="assessment",
    forbidden=FORBIDDEN,
    questions=(
        Question("ep15-gateway__q1", "Q1 fixed_window_peak(times, limit, window)", "call", ("fixed_window_peak",),
                 cases=_window_cases, expected=_window_expected),
        Question("ep15-mesh__q2", "Q2 (a gray host under Envoy's outlier detection)", "variables",
                 ("requests_to_first_ejection", "ejected_seconds", "max_hosts_ejected"), expected=_q2,
                 rel_tol=1e-9, abs_tol=1e-6),
        Question("ep15-grpc__q3", "Q3 wasted_work_ms(deadline_ms, own_ms)", "call", ("wasted_work_ms",),
                 cases=_chain_cases, expected=_chain_expected, rel_tol=1e-9, abs_tol=1e-9),
        Question("ep15-grpc__q4", "Q4 (a per-hop overhead from measured medians)", "variables",
                 ("per_hop_ms", "hops_within_budget"), expected=_q4, rel_tol=1e-6, abs_tol=1e-9),
        Question("ep15-idempotency__q5", "Q5 key_store_statuses(requests, retention_s)", "call",
                 ("key_store_statuses",), cases=_store_cases, expected=_store_expected),
        Question("ep15-idempotency__q6", "Q6 (the lease-taking key store, checked)", "variables",
                 ("broken_invariant", "trace_steps", "trace_faults"), expected=_q6),
        Question("ep15-communication-decisions__q8", "Q8 (mesh or libraries for a fintech)", "variables",
                 ("mesh_cost", "library_cost", "mesh_added_ms"), expected=_q8, rel_tol=1e-9, abs_tol=1e-6),
    ),
)
