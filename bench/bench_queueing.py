"""Queueing and USL calculators behind the Ep51 widgets: vectorised grids vs scalar loops.

Goal: every widget update well under 50 ms; the (ρ, c) surface of 100 × 60 cells under
20 ms. Baseline, measured in the same run: the same numbers computed cell by cell with
the scalar models (``mmc(...).wq``, ``.response_time_quantile``), as a learner would.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from course.capacity.scalability import fit_usl, fit_usl_deviation
from course.datasets import load
from course.queueing.markovian import hockey_stick, mmc, wait_surface

REPEATS = 5


def best_ms(function, repeats: int = REPEATS) -> float:
    """Median wall time of ``function()`` in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _surface_by_loop(rho, servers):
    return [[mmc(r * c, 1.0, int(c)).wq for c in servers] for r in rho]


def _hockey_by_loop(rho, servers):
    return [
        (model.w, model.response_time_quantile(0.95))
        for model in (mmc(r * servers, 1.0, servers) for r in rho)
    ]


def run() -> list[dict]:
    rho = np.linspace(0.01, 0.99, 100)
    servers = np.arange(1, 61)
    rows = []
    vectorised = best_ms(lambda: wait_surface(rho, servers))
    looped = best_ms(lambda: _surface_by_loop(rho, servers), repeats=1)
    rows.append({"operation": "wait_surface 100 x 60", "ms": vectorised, "goal_ms": 20.0,
                 "baseline": "scalar mmc().wq per cell", "baseline_ms": looped,
                 "speedup": looped / vectorised})
    grid = np.linspace(0.0, 0.99, 200)
    for count in (1, 50):
        vectorised = best_ms(lambda c=count: hockey_stick(1.0, grid, servers=c))
        looped = best_ms(lambda c=count: _hockey_by_loop(grid[1:], c), repeats=1)
        rows.append({"operation": f"hockey_stick 200 points, c={count}", "ms": vectorised,
                     "goal_ms": 50.0, "baseline": "scalar mmc() + brentq p95 per point",
                     "baseline_ms": looped, "speedup": looped / vectorised})
    data = load("specsdm91")
    loads, throughput = data["load_users"], data["throughput_scripts_per_hour"]
    fit_ms = best_ms(lambda: fit_usl(loads, throughput))
    linear_ms = best_ms(lambda: fit_usl_deviation(loads, throughput))
    rows.append({"operation": "fit_usl specsdm91 (bounded non-linear)", "ms": fit_ms,
                 "goal_ms": 50.0, "baseline": "fit_usl_deviation (linear least squares)",
                 "baseline_ms": linear_ms, "speedup": linear_ms / fit_ms})
    return rows
