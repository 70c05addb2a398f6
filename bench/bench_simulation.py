"""Benchmark: M/M/c simulation speed of SimPy, Ciw, our readable engine and our fast path.

One model for all — λ = 9/s, μ = 1/s, c = 10 (ρ = 0.9), 200,000 measured customers after
10,000 warm-up customers — measured in ONE run, with ratios against SimPy and Ciw timed in
the same process. Every row also reports the simulated mean wait next to the exact
Erlang C value, so a fast but wrong engine would show.

The fast path's first call (numba compiling, or loading its cache) is timed separately,
in fresh processes with a private NUMBA_CACHE_DIR: once with an empty cache (compile) and
once with the cache that run wrote (what every later session pays).

Run: ``.venv/bin/python bench/bench_simulation.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ciw
import simpy

from course.queueing.markovian import mmc
from course.simulation import simulate_mmc, simulate_mmc_reference

ARRIVAL_RATE, SERVICE_RATE, SERVERS = 9.0, 1.0, 10
CUSTOMERS, WARMUP = 200_000, 10_000
SEED = 2024
REPO = Path(__file__).resolve().parent.parent


def simpy_mmc(customers: int, warmup: int, seed: int) -> float:
    """M/M/c the SimPy way: a source process, one process per customer, a Resource."""
    rng = random.Random(seed)
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=SERVERS)
    waits = []

    def customer(env, index):
        arrival = env.now
        with counter.request() as request:
            yield request
            if index >= warmup:
                waits.append(env.now - arrival)
            yield env.timeout(rng.expovariate(SERVICE_RATE))

    def source(env):
        for index in range(warmup + customers):
            env.process(customer(env, index))
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))

    env.process(source(env))
    env.run()
    return sum(waits) / len(waits)


def ciw_mmc(customers: int, warmup: int, seed: int) -> float:
    """M/M/c the Ciw way: create_network, then simulate until enough customers finished."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(ARRIVAL_RATE)],
        service_distributions=[ciw.dists.Exponential(SERVICE_RATE)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)  # Ciw's own API seeds the global random module
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_customers(warmup + customers, method="Finish")
    waits = [r.waiting_time for r in simulation.get_all_records() if r.id_number > warmup]
    return sum(waits) / len(waits)


def _timed(function, *arguments):
    start = time.perf_counter()
    value = function(*arguments)
    return value, time.perf_counter() - start


def first_call_seconds(cache_dir: str) -> float:
    """Seconds for the first simulate_mmc call in a fresh process (after imports)."""
    code = (
        "import time; from course.simulation import simulate_mmc; t = time.perf_counter(); "
        "simulate_mmc(9, 1, 10, customers=1000, seed=0, warmup=0); "
        "simulate_mmc(0.9, 1, 1, customers=1000, seed=0, warmup=0); "
        "print(time.perf_counter() - t)"
    )
    environment = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    output = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=environment,
                            capture_output=True, text=True, check=True).stdout
    return float(output.strip().splitlines()[-1])


def run() -> list[dict]:
    exact = mmc(ARRIVAL_RATE, SERVICE_RATE, SERVERS).wq
    timings = {}
    timings["SimPy 4 (Resource, one process per customer)"] = _timed(
        simpy_mmc, CUSTOMERS, WARMUP, SEED)
    timings["Ciw 3 (create_network, simulate_until_max_customers)"] = _timed(
        ciw_mmc, CUSTOMERS, WARMUP, SEED)
    timings["DSU reference path (heapq event list)"] = _timed(
        lambda: simulate_mmc_reference(ARRIVAL_RATE, SERVICE_RATE, SERVERS, CUSTOMERS, SEED,
                                       warmup=WARMUP).mean_wait)
    simulate_mmc(ARRIVAL_RATE, SERVICE_RATE, SERVERS, 1_000, SEED)  # compile outside the timing
    runs = [_timed(lambda: simulate_mmc(ARRIVAL_RATE, SERVICE_RATE, SERVERS, CUSTOMERS, SEED,
                                        warmup=WARMUP).mean_wait) for _ in range(3)]
    timings["DSU fast path (numba, warm call, best of 3)"] = min(runs, key=lambda run: run[1])

    simpy_rate = (CUSTOMERS + WARMUP) / timings["SimPy 4 (Resource, one process per customer)"][1]
    ciw_rate = (CUSTOMERS + WARMUP) / timings["Ciw 3 (create_network, simulate_until_max_customers)"][1]
    rows = []
    for engine, (mean_wait, seconds) in timings.items():
        rate = (CUSTOMERS + WARMUP) / seconds
        rows.append(_row(engine, CUSTOMERS + WARMUP, seconds, rate, simpy_rate, ciw_rate,
                         mean_wait, exact, "all customers incl. 10k warm-up counted in the rate"))

    big = 20_000_000
    mean_wait, seconds = _timed(lambda: simulate_mmc(ARRIVAL_RATE, SERVICE_RATE, SERVERS, big, SEED,
                                                     warmup=WARMUP).mean_wait)
    rows.append(_row("DSU fast path, 20 M customers", big + WARMUP, seconds,
                     (big + WARMUP) / seconds, simpy_rate, ciw_rate, mean_wait, exact,
                     f"relative error {mean_wait / exact - 1:+.3%}"))

    with tempfile.TemporaryDirectory() as cache_dir:
        cold = first_call_seconds(cache_dir)
        warm = first_call_seconds(cache_dir)
    for label, seconds, note in [("cold cache: numba compiles", cold, "one-off per install"),
                                 ("warm cache: numba loads", warm, "every later process")]:
        rows.append({"engine": f"DSU fast path first call, {label}", "baseline": "-",
                     "customers": 2_000, "seconds": round(seconds, 3), "customers_per_s": None,
                     "ratio_vs_simpy": None, "ratio_vs_ciw": None, "mean_wait": None,
                     "exact_wq": None, "note": note})
    return rows


def _row(engine, customers, seconds, rate, simpy_rate, ciw_rate, mean_wait, exact, note):
    return {
        "engine": engine, "baseline": "SimPy and Ciw, same run", "customers": customers,
        "seconds": round(seconds, 4), "customers_per_s": round(rate),
        "ratio_vs_simpy": round(rate / simpy_rate, 2), "ratio_vs_ciw": round(rate / ciw_rate, 2),
        "mean_wait": round(mean_wait, 4), "exact_wq": round(exact, 4), "note": note,
    }


if __name__ == "__main__":
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(run()).to_string(index=False))
