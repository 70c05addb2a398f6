"""Pattern simulator speed: 10 simulated minutes of 3 services at 1,000 requests/s.

The scenario: users -> frontend (60 workers) -> catalog (20 workers) and pricing (10
workers), every call with a 0.5 s timeout, a Hystrix-default circuit breaker and a
30-permit bulkhead: about 600,000 requests and 2.4 million events. Goal: < 2 s.

Baselines, measured in the same run: the same scenario without patterns (what the
patterns cost), and a bare heapq loop processing the same number of events with a no-op
callback (the floor any heap-based Python simulator pays). The compiled fast path
(course.patterns.fast) runs the same scenario and is compared with both; its compile time
(fresh process, empty numba cache) and its first call (cache load) are reported apart, and
``same_records`` says whether it returned the readable engine's very requests. A second table row times the
Ep13 chaos scenario a widget re-runs on every slider move (goal: < 200 ms, DataFrames
included). Wall time is reported next to CPU time (and ratios of both): on a shared,
loaded machine wall time is inflated and noisy, CPU time much less so.
"""

from __future__ import annotations

import heapq
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from course.patterns import (
    HYSTRIX,
    Bulkhead,
    Client,
    Dependency,
    Exponential,
    Service,
    Simulation,
    fast,
)
from course.patterns.scenarios import chaos_scenario

DURATION = 600.0
ARRIVAL_RATE = 1000.0
GOAL_SECONDS = 2.0
CHAOS_GOAL_MS = 200.0


def three_services(patterns: bool) -> Simulation:
    """The benchmark system, with or without breaker and bulkheads on the two calls."""
    guards = dict(breaker=HYSTRIX, bulkhead=Bulkhead(30)) if patterns else {}
    frontend = Service("frontend", workers=60, service_time=Exponential(rate=500.0), calls=[
        Dependency("catalog", timeout=0.5, **guards),
        Dependency("pricing", timeout=0.5, **guards)])
    catalog = Service("catalog", workers=20, service_time=Exponential(rate=100.0))
    pricing = Service("pricing", workers=10, service_time=Exponential(rate=200.0))
    users = Client("users", ARRIVAL_RATE, Dependency("frontend", timeout=2.0))
    return Simulation([frontend, catalog, pricing], [users], seed=1)


def timed_run(simulation: Simulation):
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    result = simulation.run(DURATION)
    return result, time.perf_counter() - started_wall, time.process_time() - started_cpu


def bare_heap_loop(events: int) -> tuple[float, float]:
    """Wall and CPU seconds for ``events`` pops and pushes of (time, seq, callback, arg)."""
    heap: list = []
    sequence = itertools.count()

    def nothing(_):
        return None

    for index in range(1000):
        heapq.heappush(heap, (index * 0.001, next(sequence), nothing, None))
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    for _ in range(events):
        now, _, callback, argument = heapq.heappop(heap)
        callback(argument)
        heapq.heappush(heap, (now + 1.0, next(sequence), nothing, None))
    return time.perf_counter() - started_wall, time.process_time() - started_cpu


#: A fresh interpreter compiling the fast path with an empty numba cache (a tiny run).
COLD_COMPILE = """
import time
from course.patterns import fast, Client, Dependency, Exponential, Service, Simulation, HYSTRIX
api = Service("api", 4, Exponential(100.0), calls=[Dependency("db", timeout=1.0, breaker=HYSTRIX)])
simulation = Simulation([api, Service("db", 4, Exponential(100.0))],
                        [Client("users", 10.0, Dependency("api"))])
started_wall, started_cpu = time.perf_counter(), time.process_time()
fast.run(simulation, 1.0)
print(time.perf_counter() - started_wall, time.process_time() - started_cpu)
"""


def cold_compile() -> tuple[float, float]:
    """Wall and CPU seconds of the first fast-path call in a new process with no numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        output = subprocess.run(
            [sys.executable, "-c", COLD_COMPILE], capture_output=True, text=True, check=True,
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "NUMBA_CACHE_DIR": cache})
    wall, cpu = output.stdout.split()
    return float(wall), float(cpu)


def timed_fast_run(simulation: Simulation):
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    result = fast.run(simulation, DURATION)
    return result, time.perf_counter() - started_wall, time.process_time() - started_cpu


def fast_row(case, result, wall, cpu, baseline, baseline_wall, baseline_cpu, goal=None,
             **extra) -> dict:
    return {
        "case": case, "simulated_s": DURATION, "requests": result.requests_count,
        "events": result.events, "wall_s": wall, "cpu_s": cpu,
        "requests_per_s": result.requests_count / wall, "events_per_s": result.events / wall,
        "baseline": baseline, "ratio_vs_baseline": wall / baseline_wall,
        "cpu_ratio_vs_baseline": cpu / baseline_cpu, "goal_s": goal,
        "meets_goal": None if goal is None else wall < goal, **extra,
    }


def fast_path_rows(reference, reference_wall, reference_cpu, heap_wall, heap_cpu) -> list[dict]:
    """The compiled path on the benchmark scenario, against the readable engine and heapq."""
    simulation = three_services(patterns=True)
    first, first_wall, first_cpu = timed_fast_run(simulation)
    cache_hits = (sum(fast.kernels.simulate.stats.cache_hits.values())
                  if fast.NUMBA_AVAILABLE else 0)
    runs = [timed_fast_run(simulation) for _ in range(3)]
    result, wall, cpu = runs[[run[1] for run in runs].index(statistics.median(
        run[1] for run in runs))]
    requests = reference.requests
    same = (result.events == reference.events
            and np.array_equal(result.outcome, requests.outcome.cat.codes.to_numpy())
            and np.array_equal(result.end, requests.end.to_numpy(), equal_nan=True))
    compile_wall, compile_cpu = cold_compile()
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    result.timeline(1.0)
    result.calls  # noqa: B018 - building the DataFrame is what is timed
    frames_wall, frames_cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
    engine = f"{result.engine}, warm cache, median of 3"
    return [
        fast_row(f"breaker + bulkhead, fast path ({engine})", result, wall, cpu,
                 "readable engine, same scenario", reference_wall, reference_cpu, GOAL_SECONDS,
                 same_records=same, loop_wall_s=result.wall_time),
        fast_row(f"breaker + bulkhead, fast path ({engine})", result, wall, cpu,
                 "bare heapq loop, same events", heap_wall, heap_cpu, GOAL_SECONDS),
        fast_row("fast path: first call in this process (cache load + run)", first, first_wall,
                 first_cpu, "fast path, warm", wall, cpu, cache_hits=cache_hits),
        fast_row("fast path: compile, new process, empty cache (1 s run)", first, compile_wall,
                 compile_cpu, "fast path, warm", wall, cpu)
        | {"requests": None, "events": None, "requests_per_s": None, "events_per_s": None},
        fast_row("fast path: timeline(1 s) + calls DataFrames", first, frames_wall, frames_cpu,
                 "fast path, warm", wall, cpu)
        | {"requests_per_s": None, "events_per_s": None},
    ]


def row(case, result, wall, cpu, baseline, baseline_wall, goal=None, baseline_cpu=None) -> dict:
    requests = len(result.requests) if result is not None else None
    return {
        "case": case,
        "simulated_s": DURATION,
        "requests": requests,
        "events": result.events if result is not None else None,
        "wall_s": wall,
        "cpu_s": cpu,
        "requests_per_s": requests / wall if requests else None,
        "events_per_s": result.events / wall if result is not None else None,
        "baseline": baseline,
        "ratio_vs_baseline": wall / baseline_wall if baseline_wall else None,
        "cpu_ratio_vs_baseline": cpu / baseline_cpu if baseline_cpu else None,
        "goal_s": goal,
        "meets_goal": None if goal is None else wall < goal,
    }


def run() -> list[dict]:
    guarded, wall, cpu = timed_run(three_services(patterns=True))
    bare, bare_wall, bare_cpu = timed_run(three_services(patterns=False))
    heap_wall, heap_cpu = bare_heap_loop(guarded.events)
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    guarded.timeline(1.0)
    guarded.calls  # noqa: B018 - building the DataFrame is what is timed
    metrics_wall, metrics_cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
    rows = [
        row("breaker + bulkhead (simulate)", guarded, wall, cpu, "no patterns", bare_wall,
            GOAL_SECONDS, bare_cpu),
        row("breaker + bulkhead (simulate)", guarded, wall, cpu, "bare heapq loop, same events",
            heap_wall, GOAL_SECONDS, heap_cpu),
        row("no patterns (simulate)", bare, bare_wall, bare_cpu, "bare heapq loop, same events",
            heap_wall, baseline_cpu=heap_cpu),
        {**row("bare heapq loop", None, heap_wall, heap_cpu, "-", None),
         "events": guarded.events, "events_per_s": guarded.events / heap_wall},
        {**row("timeline(1 s) + calls DataFrames", None, metrics_wall, metrics_cpu,
               "simulate (breaker + bulkhead)", wall, baseline_cpu=cpu),
         "requests": len(guarded.requests)},
    ]
    rows += fast_path_rows(guarded, wall, cpu, heap_wall, heap_cpu)
    walls, cpus = [], []
    for _ in range(5):
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        chaos = chaos_scenario()
        walls.append(time.perf_counter() - started_wall)
        cpus.append(time.process_time() - started_cpu)
    chaos_wall, chaos_cpu = statistics.median(walls), statistics.median(cpus)
    rows.append({
        "case": "Ep13 chaos scenario (90 s at 100/s, DataFrames)",
        "simulated_s": 90.0,
        "requests": len(chaos.result.requests),
        "events": chaos.result.events,
        "wall_s": chaos_wall,
        "cpu_s": chaos_cpu,
        "requests_per_s": len(chaos.result.requests) / chaos_wall,
        "events_per_s": chaos.result.events / chaos_wall,
        "baseline": "bare heapq loop, same events",
        "ratio_vs_baseline": chaos_wall / (heap_wall * chaos.result.events / guarded.events),
        "cpu_ratio_vs_baseline": chaos_cpu / (heap_cpu * chaos.result.events / guarded.events),
        "goal_s": CHAOS_GOAL_MS / 1000,
        "meets_goal": chaos_wall < CHAOS_GOAL_MS / 1000,
    })
    return rows


if __name__ == "__main__":
    for line in run():
        print(line)
