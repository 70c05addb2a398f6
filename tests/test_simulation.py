"""Tests for course.simulation's fast path (simulate_mmc, simulate_queue, request_log).

Exact values come from course.queueing.markovian (Erlang C, Pollaczek–Khinchine), written and tested
independently of the simulator. Interval checks use fixed seeds, so they are
deterministic; the coverage test is what shows the intervals are honest in general.
"""

import importlib.util
import sys

import numpy as np
import pytest

import course.sim.jit
from course.queueing.general import md1, mg1
from course.queueing.markovian import mmc
from course.simulation import (
    Deterministic,
    Erlang,
    Exponential,
    Lognormal,
    fast,
    request_log,
    simulate_mmc,
    simulate_mmc_reference,
    simulate_queue,
)

EXACT_WQ = mmc(9, 1, 10).wq  # λ = 9/s, μ = 1/s, c = 10: Wq = 0.6687 s


def test_erlang_c_reference_value():
    """Is the exact value the tests compare against the known Erlang C Wq for λ=9, μ=1, c=10?"""
    # Independent of course.queueing.markovian: Erlang B by the stable recursion, then C = B/(1 − ρ(1 − B)).
    blocking = 1.0
    for k in range(1, 11):
        blocking = 9 * blocking / (k + 9 * blocking)
    erlang_c = blocking / (1 - 0.9 * (1 - blocking))
    assert EXACT_WQ == pytest.approx(erlang_c / (10 - 9), rel=1e-12)


def test_mmc_interval_covers_erlang_c():
    """Does a 200k-customer M/M/10 run's 95 % interval contain the exact Erlang C waits?"""
    result = simulate_mmc(9, 1, 10, customers=200_000, seed=2024)
    assert result.wait_ci[0] < EXACT_WQ < result.wait_ci[1]
    assert result.response_ci[0] < EXACT_WQ + 1.0 < result.response_ci[1]
    assert result.wait_ci[0] < result.mean_wait < result.wait_ci[1]
    assert result.model == "M/M/10" and result.customers == 200_000 and result.seed == 2024


def test_twenty_million_customers_within_two_percent():
    """Is the mean wait of a 20-million-customer run within 2 % of Erlang C, as are Lq and ρ?"""
    result = simulate_mmc(9, 1, 10, customers=20_000_000, seed=20)
    assert abs(result.mean_wait / EXACT_WQ - 1) < 0.02
    assert abs(result.mean_queue_length / mmc(9, 1, 10).lq - 1) < 0.02
    assert result.utilization == pytest.approx(0.9, rel=0.005)
    assert result.mean_service == pytest.approx(1.0, rel=0.005)


def test_interval_coverage_in_100_replications():
    """Does the 95 % interval cover the exact Wq in at least 90 of 100 seeded replications?"""
    covered, half_widths = 0, []
    for seed in range(100):
        low, high = simulate_mmc(9, 1, 10, customers=200_000, seed=seed).wait_ci
        covered += low < EXACT_WQ < high
        half_widths.append((high - low) / 2)
    assert covered >= 90
    # ... and not by being uselessly wide: ~10 % of Wq at 200k customers.
    assert np.mean(half_widths) < 0.2 * EXACT_WQ


def test_md1_matches_pollaczek_khinchine():
    """Does a simulated M/D/1 queue wait what Pollaczek–Khinchine says, half of M/M/1's wait?"""
    result = simulate_queue(0.8, Deterministic(1.0), 1, customers=400_000, seed=11)
    exact = md1(0.8, 1.0).wq  # ρS/(2(1−ρ)) = 2 s
    assert exact == pytest.approx(2.0)
    assert result.wait_ci[0] < exact < result.wait_ci[1]
    assert result.model == "M/D/1"


def test_mg1_with_lognormal_service_matches_pollaczek_khinchine():
    """Does M/G/1 with lognormal (CV = 2) service match Wq = ρ(1 + C²)/(2(1 − ρ))·S?"""
    service = Lognormal(mean=1.0, cv=2.0)
    result = simulate_queue(0.6, service, 1, customers=1_000_000, seed=5)
    exact = mg1(0.6, 1.0, service_cv=2.0).wq
    assert exact == pytest.approx(0.6 * service.second_moment / (2 * 0.4))  # λE[S²]/(2(1−ρ))
    assert result.wait_ci[0] < exact < result.wait_ci[1]


def test_erlang_service_multi_server_brackets_known_limits():
    """Does M/E4/3 wait less than M/M/3 but more than half of it (C² = 1/4)?"""
    erlang = simulate_queue(2.4, Erlang(phases=4, mean=1.0), 3, customers=300_000, seed=8)
    exponential = mmc(2.4, 1.0, 3).wq
    # Allen–Cunneen scales the M/M/c wait by (1 + C²)/2 = 0.625; any sane simulation lies between.
    assert 0.5 * exponential < erlang.mean_wait < exponential
    assert erlang.mean_wait == pytest.approx(0.625 * exponential, rel=0.05)


def test_deterministic_arrivals_and_service_never_wait():
    """Does a D/D/1 queue at ρ = 0.5 have every wait exactly zero?"""
    result = simulate_queue(2.0, Deterministic(0.25), 1, customers=1_000, seed=0,
                            arrivals=Deterministic(0.5), warmup=0, keep_waits=True)
    assert np.all(result.waits == 0.0)
    assert result.model == "D/D/1"


def test_same_seed_same_result_and_generator_equivalent():
    """Do the same seed, or a Generator built from it, give identical waits, and another seed not?"""
    first = simulate_mmc(9, 1, 10, customers=10_000, seed=3, keep_waits=True)
    again = simulate_mmc(9, 1, 10, customers=10_000, seed=3, keep_waits=True)
    from_generator = simulate_mmc(9, 1, 10, customers=10_000, seed=np.random.default_rng(3),
                                  keep_waits=True)
    other = simulate_mmc(9, 1, 10, customers=10_000, seed=4, keep_waits=True)
    assert np.array_equal(first.waits, again.waits)
    assert np.array_equal(first.waits, from_generator.waits)
    assert not np.array_equal(first.waits, other.waits)


def test_global_numpy_seed_is_neither_used_nor_changed():
    """Does a run leave numpy's global random state alone and ignore it?"""
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    a = simulate_mmc(9, 1, 10, customers=1_000, seed=1).mean_wait
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(99)
    assert simulate_mmc(9, 1, 10, customers=1_000, seed=1).mean_wait == a


@pytest.mark.parametrize("servers", [1, 10])
def test_fast_and_reference_paths_give_identical_waits(servers):
    """Do the compiled recursion and the event-list engine give bit-identical waits per seed?"""
    arrival_rate = 0.9 * servers
    kwargs = dict(customers=30_000, seed=17, warmup=1_000, keep_waits=True)
    compiled = simulate_mmc(arrival_rate, 1.0, servers, **kwargs)
    readable = simulate_mmc_reference(arrival_rate, 1.0, servers, **kwargs)
    assert np.array_equal(compiled.waits, readable.waits)
    assert np.array_equal(compiled.service_times, readable.service_times)
    assert compiled.wait_ci == readable.wait_ci
    assert compiled.engine.startswith("fast") and readable.engine.startswith("reference")


def test_chunked_run_equals_one_chunk(monkeypatch):
    """Does splitting a run into many chunks change nothing (state carried across chunks)?"""
    whole = simulate_mmc(9, 1, 10, customers=50_000, seed=6, keep_waits=True)
    monkeypatch.setattr(fast, "CHUNK", 4_099)
    pieces = simulate_mmc(9, 1, 10, customers=50_000, seed=6, keep_waits=True)
    assert np.array_equal(whole.waits, pieces.waits)
    assert whole.wait_ci == pieces.wait_ci


def test_kept_waits_agree_with_summary():
    """Are the kept waits the customers the mean and the empirical quantiles were computed from?"""
    result = simulate_mmc(9, 1, 10, customers=100_000, seed=12, keep_waits=True)
    assert result.waits.shape == (100_000,)
    assert result.waits.mean() == pytest.approx(result.mean_wait, rel=1e-12)
    assert np.mean(result.waits + result.service_times) == pytest.approx(result.mean_response)
    # P(Wq > 0) is Erlang C itself (0.6687): the median wait is positive, the 30 % quantile 0.
    assert result.wait_quantile(0.30) == 0.0 and result.wait_quantile(0.5) > 0
    with pytest.raises(ValueError, match="keep_waits"):
        simulate_mmc(9, 1, 10, customers=1_000, seed=1).wait_quantile(0.5)


def test_kernels_compiled_and_python_agree():
    """Do the numba kernels and their plain-Python originals (.py_func) compute the same waits?"""
    rng = np.random.default_rng(0)
    gaps, services = rng.exponential(1 / 2.7, 5_000), rng.exponential(1.0, 5_000)
    compiled, clock_a = fast.multi_server_waits(gaps, services, 0.0, np.zeros(3))
    python, clock_b = fast.multi_server_waits.py_func(gaps, services, 0.0, np.zeros(3))
    assert np.array_equal(compiled, python) and clock_a == clock_b
    single_c = fast.single_server_waits(gaps, services / 3, 0.0, 0.0)
    single_p = fast.single_server_waits.py_func(gaps, services / 3, 0.0, 0.0)
    assert np.array_equal(single_c[0], single_p[0])
    # c = 1 through the heap gives Lindley's waits too.
    heap_one, _ = fast.multi_server_waits.py_func(gaps, services / 3, 0.0, np.zeros(1))
    assert np.array_equal(heap_one, single_p[0])


def test_lindley_difference_form_agrees():
    """Do the clock-time waits equal Lindley's W(n+1) = max(0, W(n) + S(n) − A(n+1))?"""
    rng = np.random.default_rng(1)
    gaps, services = rng.exponential(1 / 0.9, 2_000), rng.exponential(1.0, 2_000)
    waits, _, _ = fast.single_server_waits(gaps, services, 0.0, 0.0)
    lindley = [0.0]
    for n in range(1, 2_000):
        lindley.append(max(0.0, lindley[-1] + services[n - 1] - gaps[n]))
    np.testing.assert_allclose(waits, lindley, rtol=0, atol=1e-9)


def test_fast_path_runs_without_numba(monkeypatch):
    """Without numba installed, does the fast path still run, as Python, with the same waits?"""
    monkeypatch.setitem(sys.modules, "numba", None)  # makes `import numba` raise ImportError
    monkeypatch.delitem(sys.modules, "course.sim.jit")  # so the shim is imported afresh, without
    monkeypatch.setattr(course.sim, "jit", course.sim.jit)  # (and the package keeps its own)
    spec = importlib.util.spec_from_file_location("course.simulation._fast_no_numba", fast.__file__)
    plain = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plain)
    assert plain.NUMBA_AVAILABLE is False
    kwargs = dict(customers=20_000, seed=9, warmup=500, keep_waits=True)
    python_result = plain.simulate_mmc(9, 1, 10, **kwargs)
    compiled_result = simulate_mmc(9, 1, 10, **kwargs)
    assert np.array_equal(python_result.waits, compiled_result.waits)
    assert python_result.engine == "fast (pure Python fallback)"
    single = plain.simulate_mmc(0.9, 1, 1, **kwargs)
    assert np.array_equal(single.waits, simulate_mmc(0.9, 1, 1, **kwargs).waits)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: simulate_mmc(10, 1, 10, 1_000, 1), "utilization"),
        (lambda: simulate_mmc(12, 1, 10, 1_000, 1), "stable"),
        (lambda: simulate_mmc(-1, 1, 10, 1_000, 1), "arrival_rate"),
        (lambda: simulate_mmc(1, 0, 10, 1_000, 1), "service_rate"),
        (lambda: simulate_mmc(1, 1, 0, 1_000, 1), "servers"),
        (lambda: simulate_mmc(1, 1, 2.5, 1_000, 1), "servers"),
        (lambda: simulate_mmc(1, 1, 2, 10, 1), "customers"),
        (lambda: simulate_mmc(1, 1, 2, 1_000, None), "seed"),
        (lambda: simulate_mmc(1, 1, 2, 1_000, -3), "seed"),
        (lambda: simulate_mmc(1, 1, 2, 1_000, 1, warmup=-1), "warmup"),
        (lambda: simulate_mmc(1, 1, 2, 1_000, 1, batches=1), "batches"),
        (lambda: simulate_mmc(1, 1, 2, 1_000, 1, confidence=1.0), "confidence"),
        (lambda: simulate_queue(1, 2.0, 2, 1_000, 1), "service"),
        (lambda: simulate_queue(1, Exponential(1), 2, 1_000, 1, arrivals=Exponential(2)),
         "arrivals"),
    ],
)
def test_bad_input_names_the_parameter(call, message):
    """Does bad input raise a ValueError that names the parameter (never inf or a hang)?"""
    with pytest.raises(ValueError, match=message):
        call()


def test_callable_service_sampler():
    """Can a plain function f(rng, size) be the service distribution, and is bad output refused?"""
    def uniform_service(rng, size):
        return rng.uniform(0.0, 2.0, size)

    result = simulate_queue(0.5, uniform_service, 1, customers=200_000, seed=1)
    exact = 0.5 * (4 / 3) / (2 * 0.5)  # PK with E[S²] = 4/3 for U(0, 2): Wq = 2/3 s
    assert result.wait_ci[0] < exact < result.wait_ci[1]
    with pytest.raises(ValueError, match="finite durations"):
        simulate_queue(0.5, lambda rng, size: -np.ones(size), 1, customers=100, seed=1)


def test_request_log_is_a_consistent_fcfs_log():
    """Is the synthetic log FCFS, never over `servers` in service, and obeying L = λW?"""
    log = request_log(arrival_rate=100.0, servers=4, requests=200_000, seed=3)
    assert list(log.columns) == ["request_id", "arrival_time", "start_time", "end_time", "latency"]
    assert np.all(np.diff(log["arrival_time"]) > 0)
    assert np.all(np.diff(log["start_time"]) >= 0)  # FCFS: service starts in arrival order
    assert np.all(log["start_time"] >= log["arrival_time"])
    np.testing.assert_allclose(log["latency"], log["end_time"] - log["arrival_time"])
    in_service = _max_concurrency(log["start_time"].to_numpy(), log["end_time"].to_numpy())
    assert in_service == 4
    # Little's law measured on the log, against the model that generated it: M/M/4, μ = 100/(0.8·4) = 31.25/s.
    window = (log["arrival_time"].iloc[20_000], log["arrival_time"].iloc[-20_000])
    in_system = _time_average(log["arrival_time"].to_numpy(), log["end_time"].to_numpy(), *window)
    inside = log[log["arrival_time"].between(*window)]
    rate = len(inside) / (window[1] - window[0])
    assert in_system == pytest.approx(rate * inside["latency"].mean(), rel=0.01)
    assert in_system == pytest.approx(mmc(100.0, 31.25, 4).l, rel=0.05)


def test_request_log_is_seeded():
    """Does the same seed give the same log and another seed a different one?"""
    a, b = request_log(50.0, requests=100, seed=1), request_log(50.0, requests=100, seed=1)
    assert a.equals(b)
    assert not a.equals(request_log(50.0, requests=100, seed=2))
    with pytest.raises(ValueError, match="utilization"):
        request_log(50.0, service=Exponential(10.0), servers=2, requests=100, seed=1)


def _max_concurrency(starts, ends) -> int:
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(starts.size), -np.ones(ends.size)])
    order = np.lexsort((steps, times))  # at equal times, departures (−1) first
    return int(np.cumsum(steps[order]).max())


def _time_average(starts, ends, low, high) -> float:
    """Time-average over [low, high] of the number of intervals (start, end) in progress."""
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(starts.size), -np.ones(ends.size)])
    order = np.argsort(times, kind="stable")
    counts = np.cumsum(steps[order])
    durations = np.diff(np.clip(times[order], low, high))
    return float(np.sum(counts[:-1] * durations) / (high - low))


