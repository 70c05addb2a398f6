"""Tests for bulkheads, load shedding, fallbacks and degradation levels in the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from course.patterns import (
    Bulkhead,
    Client,
    Degradation,
    Dependency,
    Deterministic,
    Endpoint,
    Exponential,
    Fallback,
    FallbackStep,
    LatencyShedding,
    QueueLengthShedding,
    Service,
    Simulation,
    SlowDown,
)


def shop(bulkhead: Bulkhead | None, seed: int = 4) -> Simulation:
    """A frontend whose 'search' route calls a dependency that hangs from t = 5 s on."""
    frontend = Service("frontend", workers=20, queue_capacity=50, endpoints=[
        Endpoint("search", Deterministic(0.002),
                 (Dependency("search-engine", timeout=2.0, bulkhead=bulkhead),)),
        Endpoint("checkout", Deterministic(0.002), (Dependency("payments", timeout=1.0),)),
    ])
    engine = Service("search-engine", workers=100, service_time=Exponential(rate=100.0))
    payments = Service("payments", workers=20, service_time=Exponential(rate=50.0))
    clients = [Client("searchers", 40.0, Dependency("frontend", "search", timeout=3.0)),
               Client("buyers", 40.0, Dependency("frontend", "checkout", timeout=3.0))]
    faults = [SlowDown("search-engine", 5.0, None, extra_latency=5.0)]
    return Simulation([frontend, engine, payments], clients, faults=faults, seed=seed)


def success_rate(result, client: str, after: float) -> float:
    rows = result.requests.query("client == @client and arrival >= @after and outcome != 'in_progress'")
    return float(rows.outcome.isin(["success", "degraded"]).mean())


def test_bulkhead_isolates_a_slow_dependency():
    """When search hangs, does a bulkhead keep checkout healthy where a shared pool lets it die?"""
    shared = shop(bulkhead=None).run(30.0)
    isolated = shop(bulkhead=Bulkhead(max_concurrent=5)).run(30.0)
    assert success_rate(shared, "buyers", after=10.0) < 0.2
    assert success_rate(isolated, "buyers", after=10.0) > 0.99
    # The price: searches beyond the 5 permits fail fast instead of waiting.
    assert (isolated.calls.outcome == "bulkhead_full").sum() > 100


def max_overlap(starts, ends) -> int:
    """Largest number of intervals [start, end) open at one time."""
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # ends (-1) before starts (+1) at equal times
    return int(np.cumsum(steps[order]).max())


def test_bulkhead_never_exceeds_its_permits():
    """Are at most max_concurrent calls to the dependency in flight at any time?"""
    result = shop(bulkhead=Bulkhead(max_concurrent=5, queue_capacity=3)).run(20.0)
    calls = result.calls.query("target == 'search-engine' and outcome != 'bulkhead_full'")
    spans = result.spans.query("service == 'search-engine'")
    # A call holds its permit from when it reached the engine until its result came back.
    merged = calls.merge(spans[["request_id", "attempt", "arrival"]], on=["request_id", "attempt"])
    assert len(merged) > 0
    assert max_overlap(merged.arrival.to_numpy(), merged.end.to_numpy()) <= 5


def overloaded(shedding) -> Simulation:
    api = Service("api", workers=2, queue_capacity=1000, service_time=Exponential(rate=10.0),
                  shedding=shedding)
    return Simulation([api], [Client("users", 40.0, Dependency("api"))], seed=8)


def test_queue_length_shedding_bounds_the_queue():
    """Does shedding at 10 queued requests keep the queue at 10 or fewer and shed the rest?"""
    result = overloaded(QueueLengthShedding(max_queue_length=10)).run(30.0)
    spans = result.spans
    queued = spans[spans.queue_wait > 0]
    assert max_overlap(queued.arrival.to_numpy(), queued.start.to_numpy()) <= 10
    assert (spans.outcome == "shed").mean() > 0.5


def test_latency_shedding_bounds_the_queue_wait():
    """With a 0.5 s target, does no admitted request wait much longer than target + one drain?"""
    result = overloaded(LatencyShedding(target_wait=0.5)).run(30.0)
    spans = result.spans
    admitted = spans[spans.outcome != "shed"]
    assert (spans.outcome == "shed").sum() > 0
    # A request admitted while the head had waited <= 0.5 s waits at most 0.5 s more than
    # the head plus the time to drain the requests in between; far below the no-shedding wait.
    unshed = overloaded(None).run(30.0).spans
    assert admitted.queue_wait.quantile(0.99) < 2.0 < unshed.queue_wait.quantile(0.99)


def test_fallback_ladder_serves_cached_then_static_at_the_right_rates():
    """With a 70 % cache, are about 70 % of failed calls served cached (level 1), the rest static (2)?"""
    ladder = Fallback(FallbackStep("cached", success_probability=0.7), FallbackStep("static"))
    api = Service("api", workers=10, service_time=Exponential(rate=100.0), calls=[
        Dependency("broken", timeout=0.1, fallback=ladder)])
    broken = Service("broken", workers=10, service_time=Deterministic(1.0))
    result = Simulation([api, broken], [Client("users", 50.0, Dependency("api"))], seed=3).run(60.0)
    done = result.requests[result.requests.outcome == "degraded"]
    cached = (done.level == 1).mean()
    standard_error = np.sqrt(0.7 * 0.3 / len(done))
    assert abs(cached - 0.7) < 4 * standard_error
    assert set(done.level) == {1, 2}


def test_fallback_that_fails_everywhere_fails_the_request():
    """If every rung fails, does the request end in error rather than a silent success?"""
    ladder = Fallback(FallbackStep("cached", success_probability=0.0))
    api = Service("api", workers=10, service_time=Exponential(rate=100.0), calls=[
        Dependency("broken", timeout=0.1, fallback=ladder)])
    broken = Service("broken", workers=10, service_time=Deterministic(1.0))
    result = Simulation([api, broken], [Client("users", 20.0, Dependency("api"))], seed=3).run(10.0)
    assert set(result.requests.outcome) <= {"error", "in_progress"}


def test_degradation_skips_optional_calls_under_load():
    """Under overload, does a service at level >= 1 skip its optional call and answer degraded?"""
    api = Service("api", workers=4, queue_capacity=100, service_time=Exponential(rate=100.0),
                  degradation=Degradation(thresholds=(1.0,)), calls=[
                      Dependency("recommendations", skip_at_level=1,
                                 fallback=Fallback(FallbackStep("static"))),
                      Dependency("inventory")])
    recommendations = Service("recommendations", workers=50, service_time=Deterministic(0.05))
    inventory = Service("inventory", workers=50, service_time=Deterministic(0.001))
    light = Simulation([api, recommendations, inventory], [Client("u", 5.0, Dependency("api"))], seed=1)
    heavy = Simulation([api, recommendations, inventory], [Client("u", 120.0, Dependency("api"))], seed=1)
    calm, busy = light.run(30.0), heavy.run(30.0)
    assert (calm.requests.outcome == "success").mean() > 0.99
    busy_degraded = (busy.requests.outcome == "degraded").mean()
    assert busy_degraded > 0.2
    # Skipped calls never reach the optional service: fewer spans there than requests.
    assert (busy.spans.service == "recommendations").sum() < len(busy.requests) * (1 - busy_degraded) + 5


def test_degradation_levels_count_thresholds_reached():
    """Is the level the number of thresholds at or below the load?"""
    policy = Degradation(thresholds=(0.5, 0.9, 1.5))
    assert [policy.level(load) for load in (0.0, 0.5, 0.89, 0.9, 2.0)] == [0, 1, 1, 2, 3]
    with pytest.raises(ValueError, match="thresholds"):
        Degradation(thresholds=(0.9, 0.5))


@pytest.mark.parametrize("build, name", [
    (lambda: Bulkhead(max_concurrent=0), "max_concurrent"),
    (lambda: QueueLengthShedding(-1), "max_queue_length"),
    (lambda: LatencyShedding(0.0), "target_wait"),
    (lambda: FallbackStep("x", success_probability=1.5), "success_probability"),
])
def test_bad_parameters_name_themselves(build, name):
    """Do bad isolation parameters raise a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=name):
        build()
