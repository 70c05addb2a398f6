"""Tests for course.patterns.fast: does the compiled path agree with the reference engine?

The reference (course.patterns.simulation / runtime) is independent, readable code; the
fast path re-implements it over arrays. Three kinds of evidence, from strongest to weakest
assumption: identical records for the same seed; the same statistics over independent
seeds (what would still hold if the two engines drew their random numbers differently);
and every decision of the compiled breaker replayed through the pure transition function.
"""

from __future__ import annotations

import importlib.util
import sys
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import course.sim.jit
from course.patterns import (
    HYSTRIX,
    PYBREAKER,
    BreakerConfig,
    Bulkhead,
    Client,
    Crash,
    Dependency,
    DropMessages,
    Endpoint,
    ErrorRate,
    Exponential,
    Fallback,
    FallbackStep,
    Lognormal,
    Retry,
    Service,
    Simulation,
    SlowDown,
    fast,
    fast_kernels,
    initial_state,
    transition,
)
from course.patterns.outcomes import OUTCOME_NAMES, TIMEOUT

#: A count window that trips, probes and re-opens many times a minute, with jittered cool-downs.
SMALL_COUNT = BreakerConfig(window="count", window_size=20, minimum_calls=10,
                            failure_rate_threshold=0.5, open_duration=1.0, open_jitter=0.3,
                            half_open_permits=3)
QUICK_PYBREAKER = PYBREAKER.with_changes(open_duration=2.0)


DEFAULT = object()


def shop(seed, *, breaker=HYSTRIX, bulkhead=DEFAULT, arrival_rate=200.0, faults=True,
         front_time=DEFAULT, is_failure=None):
    """users -> frontend -> catalog, then pricing; catalog slows, pricing errs, catalog crashes."""
    bulkhead = Bulkhead(8, queue_capacity=4) if bulkhead is DEFAULT else bulkhead
    front_time = Exponential(rate=500.0) if front_time is DEFAULT else front_time
    extra = {} if is_failure is None else {"is_failure": is_failure}
    guards = dict(timeout=0.3, breaker=breaker, bulkhead=bulkhead, **extra)
    frontend = Service("frontend", workers=30, queue_capacity=20, service_time=front_time,
                       calls=[Dependency("catalog", **guards), Dependency("pricing", **guards)])
    catalog = Service("catalog", workers=8, queue_capacity=20,
                      service_time=Lognormal(mean=0.02, cv=1.5))
    pricing = Service("pricing", workers=6, service_time=Exponential(rate=200.0))
    users = Client("users", arrival_rate, Dependency("frontend", timeout=1.0))
    schedule = [SlowDown("catalog", 10.0, 20.0, extra_latency=0.5),
                ErrorRate("pricing", 25.0, 35.0, probability=0.6, status=503),
                Crash("catalog", 40.0, 50.0)] if faults else []
    return Simulation([frontend, catalog, pricing], [users], faults=schedule, seed=seed)


def only_timeouts(outcome: int, status: int) -> bool:
    return outcome == TIMEOUT


def sorted_frame(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, ignore_index=True)


SYSTEMS = {
    "hystrix": lambda: shop(1),
    "count window with jitter": lambda: shop(3, breaker=SMALL_COUNT),
    "consecutive failures": lambda: shop(4, breaker=QUICK_PYBREAKER, bulkhead=Bulkhead(4)),
    "no patterns": lambda: shop(5, breaker=None, bulkhead=None),
    "changing rate, own failure rule": lambda: shop(
        6, arrival_rate=[(0.0, 100.0), (20.0, 400.0), (30.0, 0.0), (35.0, 150.0)],
        is_failure=only_timeouts),
    "front without service time": lambda: shop(7, front_time=None),
}


@pytest.mark.parametrize("name", SYSTEMS)
def test_records_equal_the_reference_engines(name):
    """For the same seed, does the fast path return the reference engine's very records?"""
    simulation = SYSTEMS[name]()
    reference = simulation.run(60.0)
    result = fast.run(simulation, 60.0)
    assert result.events == reference.events
    pd.testing.assert_frame_equal(result.requests, reference.requests)
    pd.testing.assert_frame_equal(sorted_frame(result.spans, ["request_id", "service"]),
                                  sorted_frame(reference.spans, ["request_id", "service"]))
    pd.testing.assert_frame_equal(sorted_frame(result.calls, ["request_id", "target"]),
                                  sorted_frame(reference.calls, ["request_id", "target"]))
    pd.testing.assert_frame_equal(result.breaker_transitions, reference.breaker_transitions)
    pd.testing.assert_frame_equal(result.breaker_timeline(1.0), reference.breaker_timeline(1.0))
    # Rows come in another order, so sums of latencies may differ in the last bit.
    pd.testing.assert_frame_equal(result.timeline(1.0), reference.timeline(1.0), rtol=1e-12)
    outcomes = set(reference.calls.outcome)
    assert len(outcomes) >= 3  # the run exercised more than the happy path


def test_the_shop_scenario_exercises_every_pattern():
    """Does the shared scenario reach every call ending the fast path models?"""
    calls = fast.run(shop(1), 60.0).calls
    seen = set(calls.outcome)
    assert {"success", "timeout", "connection_error", "error", "rejected", "short_circuited",
            "bulkhead_full"} <= seen


def replicate_statistics(run_one, seeds) -> pd.DataFrame:
    """Per seed: request outcome fractions, latency, catalog call endings, breaker-open time."""
    rows = []
    for seed in seeds:
        result = run_one(shop(seed))
        finished = result.requests[result.requests.outcome != "in_progress"]
        catalog = result.calls[result.calls.target == "catalog"]
        breakers = result.breaker_timeline(result.duration)
        rows.append({
            "success_fraction": (finished.outcome == "success").mean(),
            "error_fraction": (finished.outcome == "error").mean(),
            "latency_mean": finished.latency.mean(),
            "latency_p95": finished.latency.quantile(0.95),
            "catalog_timeout_fraction": (catalog.outcome == "timeout").mean(),
            "catalog_rejected_fraction": catalog.outcome.isin(["rejected", "bulkhead_full"]).mean(),
            "catalog_short_circuited_fraction": (catalog.outcome == "short_circuited").mean(),
            "catalog_open_fraction": float(
                breakers.loc[breakers.target == "catalog", "open_fraction"].iloc[0]),
        })
    return pd.DataFrame(rows)


def test_statistics_agree_with_the_reference_over_independent_seeds():
    """Over independent seeds, do outcome fractions, latency and breaker-open time agree?

    Six 70 s runs per engine (fast path seeds 1-6, reference seeds 101-106) with a slow-down,
    an error burst and a crash. Welch's t test per metric, Bonferroni-corrected so that the
    chance of a false alarm over all eight metrics is 0.1 %: a gap beyond that is a
    modelling difference between the engines, not luck.
    """
    duration = 70.0
    fast_runs = replicate_statistics(lambda s: fast.run(s, duration), range(1, 7))
    reference_runs = replicate_statistics(lambda s: s.run(duration), range(101, 107))
    variance_fast = fast_runs.var() / len(fast_runs)
    variance_reference = reference_runs.var() / len(reference_runs)
    standard_error = np.sqrt(variance_fast + variance_reference)
    assert (standard_error > 0).all()  # every metric varies from seed to seed
    freedom = standard_error**4 / (variance_fast**2 / (len(fast_runs) - 1)
                                   + variance_reference**2 / (len(reference_runs) - 1))
    critical = stats.t.ppf(1 - 0.001 / (2 * len(standard_error)), freedom)
    t_values = (fast_runs.mean() - reference_runs.mean()) / standard_error
    assert (t_values.abs() < critical).all(), pd.DataFrame(
        {"fast": fast_runs.mean(), "reference": reference_runs.mean(), "t": t_values,
         "critical": critical})
    # The faults matter: a breaker that never opened would make the comparison toothless.
    assert reference_runs.catalog_open_fraction.mean() > 0.05
    assert reference_runs.catalog_timeout_fraction.mean() > 0.001


def replay(events: pd.DataFrame, config: BreakerConfig) -> tuple[list, list]:
    """Feed a breaker's events to the pure transition(): its decisions and mode changes."""
    state = initial_state(config)
    decisions, changes = [], []
    for time, event, jitter in zip(events.time, events.event, events.jitter):
        before = state.mode
        state, decision = transition(state, event, now=time, jitter=jitter)
        decisions.append(decision)
        if state.mode != before:
            changes.append((time, before, state.mode))
    return decisions, changes


@pytest.mark.parametrize("config", [HYSTRIX, SMALL_COUNT, QUICK_PYBREAKER],
                         ids=["time window", "count window", "consecutive"])
def test_breaker_decisions_follow_the_pure_transition_function(config):
    """Replayed through transition(), does every breaker event get the fast path's decision?"""
    result = fast.run(shop(8, breaker=config), 60.0, record_breaker_events=True)
    events = result.breaker_events
    transitions = result.breaker_transitions
    for target in ("catalog", "pricing"):
        mine = events[events.target == target]
        decisions, changes = replay(mine, config)
        assert decisions == mine.decision.tolist()
        logged = transitions[transitions.target == target]
        assert changes == list(zip(logged.time, logged.from_state, logged.to_state))
    kinds = set(zip(transitions.from_state, transitions.to_state))
    assert {("closed", "open"), ("open", "half_open"), ("half_open", "closed")} <= kinds
    assert set(events.decision) == {"allow", "reject", "record", "ignore"}
    if config.open_jitter:
        assert events.jitter.abs().max() > 0  # cool-downs were really jittered


def test_every_breaker_call_is_logged_once_per_event():
    """Does the event log hold one request per call sent and one result per answered call?"""
    result = fast.run(shop(9), 30.0, record_breaker_events=True)
    events, calls, spans = result.breaker_events, result.calls, result.spans
    leaf_calls = calls[calls.target != "frontend"]
    refused = leaf_calls.outcome == "short_circuited"
    requests = events[events.event == "request"]
    assert (requests.decision == "reject").sum() == refused.sum()
    assert (events.event != "request").sum() == (~refused).sum()
    # Calls still waiting for an answer at the end have no row yet: at most one per busy job.
    waiting = (requests.decision == "allow").sum() - (~refused).sum()
    in_progress = ((spans.service == "frontend") & (spans.outcome == "in_progress")).sum()
    assert 0 <= waiting <= in_progress


def test_a_seed_gives_the_same_run_and_another_seed_another():
    """Is a run reproducible from its seed, and does a new seed change it?"""
    first, again, other = (fast.run(shop(seed), 30.0) for seed in (11, 11, 12))
    for name in ("arrival", "end", "outcome"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    pd.testing.assert_frame_equal(first.timeline(1.0), again.timeline(1.0))
    assert not np.array_equal(first.arrival[:50], other.arrival[:50])


def test_per_request_arrays_match_the_requests_frame():
    """Are arrival, end, latency and outcome the requests frame's columns, in request order?"""
    result = fast.run(shop(13), 20.0)
    requests = result.requests
    np.testing.assert_array_equal(result.arrival, requests.arrival)
    np.testing.assert_array_equal(result.end, requests.end)
    np.testing.assert_array_equal(result.latency, requests.latency)
    assert [OUTCOME_NAMES[code] for code in result.outcome] == requests.outcome.tolist()
    assert result.requests_count == len(requests) > 3000
    assert result.events_per_second > 0


def pure_python_kernels():
    """fast_kernels loaded again as if numba were not installed."""
    spec = importlib.util.spec_from_file_location("pure_fast_kernels", fast_kernels.__file__)
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(sys.modules, {"numba": None}):
        del sys.modules["course.sim.jit"]  # imported afresh without numba; restored on exit
        jit = course.sim.jit
        try:
            spec.loader.exec_module(module)
        finally:
            course.sim.jit = jit
    return module


def test_the_pure_python_fallback_gives_the_same_records(monkeypatch):
    """Without numba, does the same loop run as plain Python and give identical records?"""
    simulation = shop(14, breaker=SMALL_COUNT, arrival_rate=50.0)
    compiled = fast.run(simulation, 60.0)
    plain = pure_python_kernels()
    assert not plain.NUMBA_AVAILABLE
    assert not hasattr(plain.simulate, "signatures")  # a plain function, not a dispatcher
    monkeypatch.setattr(fast, "kernels", plain)
    fallback = fast.run(simulation, 60.0)
    assert fallback.engine == "fast (pure Python)" and compiled.engine == "fast (numba)"
    pd.testing.assert_frame_equal(fallback.requests, compiled.requests)
    pd.testing.assert_frame_equal(fallback.spans, compiled.spans)
    pd.testing.assert_frame_equal(fallback.breaker_transitions, compiled.breaker_transitions)
    assert len(compiled.breaker_transitions) > 3


def test_a_run_that_outgrows_its_first_guesses_still_matches():
    """With thousands of breaker transitions (more than the log's first room), same records?"""
    flapping = BreakerConfig(window="consecutive", window_size=1, minimum_calls=1,
                             failure_threshold=1, open_duration=0.002, half_open_permits=1,
                             half_open_rule="consecutive_successes")
    api = Service("api", workers=20, service_time=Exponential(rate=1000.0),
                  calls=[Dependency("db", timeout=0.5, breaker=flapping)])
    db = Service("db", workers=10, service_time=Exponential(rate=500.0))
    simulation = Simulation([api, db], [Client("users", 400.0, Dependency("api"))], seed=15,
                            faults=[ErrorRate("db", 5.0, 25.0, probability=1.0)])
    result = fast.run(simulation, 30.0)
    reference = simulation.run(30.0)
    assert len(reference.breaker_transitions) > 1024
    pd.testing.assert_frame_equal(result.breaker_transitions, reference.breaker_transitions)
    pd.testing.assert_frame_equal(result.requests, reference.requests)


def api_db(dependency=None, client_call=None, faults=(), clients=None, **simulation):
    api = Service("api", 2, Exponential(100.0), calls=[dependency or Dependency("db")])
    db = Service("db", 2, Exponential(100.0))
    users = clients or [Client("users", 1.0, client_call or Dependency("api"))]
    return Simulation([api, db], users, faults=faults, **simulation)


UNSUPPORTED = {
    "retry": lambda: api_db(Dependency("db", retry=Retry(3))),
    "fallback": lambda: api_db(Dependency("db", fallback=Fallback(FallbackStep("static")))),
    "network_delay": lambda: api_db(network_delay=0.01),
    "several clients": lambda: api_db(clients=[Client("a", 1.0, Dependency("api")),
                                               Client("b", 1.0, Dependency("api"))]),
    "a breaker or bulkhead on the call of client": lambda: api_db(
        client_call=Dependency("api", breaker=HYSTRIX)),
    "a crash of the front service": lambda: api_db(faults=[Crash("api", 1.0, 2.0)]),
    "drop_messages faults": lambda: api_db(faults=[DropMessages(("api", "db"), 1.0, 2.0)]),
    "calls from db/default": lambda: Simulation(
        [Service("api", 2, calls=[Dependency("db")]),
         Service("db", 2, calls=[Dependency("cache")]), Service("cache", 2)],
        [Client("users", 1.0, Dependency("api"))]),
    "two calls to one service": lambda: Simulation(
        [Service("api", 2, endpoints=[Endpoint("x", calls=(Dependency("db"), Dependency("db")))]),
         Service("db", 2)], [Client("users", 1.0, Dependency("api", endpoint="x"))]),
}


@pytest.mark.parametrize("feature", UNSUPPORTED)
def test_unsupported_features_are_refused_by_name(feature):
    """Is a system outside the fast path's class refused with a ValueError naming the feature?"""
    simulation = UNSUPPORTED[feature]()
    with pytest.raises(ValueError, match="the fast path does not support") as raised:
        fast.check_supported(simulation)
    assert feature in str(raised.value)
    with pytest.raises(ValueError, match="reference engine"):
        fast.run(simulation, 1.0)


def test_bad_arguments_are_refused():
    """Are a non-positive duration and a non-Simulation refused with the argument's name?"""
    with pytest.raises(ValueError, match="duration"):
        fast.run(api_db(), 0.0)
    with pytest.raises(ValueError, match="simulation"):
        fast.run("not a simulation", 1.0)
