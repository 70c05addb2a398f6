"""Tests for course.communication: limiters, budgets, collapsing, the mesh, idempotency keys."""

from __future__ import annotations

import numpy as np
import pytest

from course.communication import (
    FixedWindow,
    IdempotencyStore,
    LeakyBucket,
    SlidingLog,
    SlidingWindowCounter,
    TokenBucket,
    bursty_traffic,
    collapse,
    compare_limiters,
    ejection_time,
    latency_budget,
    max_ejected,
    pinned_version,
    propagate_deadline,
    retry_after_seconds,
    retry_amplification,
    sidecar_overhead,
    simulate_mesh,
    timeout_violations,
    webhook_schedule,
)
from course.communication.ratelimit import max_in_any_window


def test_fixed_window_passes_twice_its_limit_across_an_edge_the_sliding_log_never():
    """Around a window edge the fixed window admits 2 × limit in 20 ms; the log holds every 1 s to the limit."""
    times = np.concatenate([np.full(10, 0.99), np.full(10, 1.01)])
    rows = {r["limiter"]: r for r in compare_limiters(times, rate=10.0, burst=10)}
    assert rows["fixed window"]["admitted"] == 20 and rows["fixed window"]["peak per window"] == 20
    assert rows["sliding log"]["admitted"] == 10 and rows["sliding log"]["peak per window"] == 10
    t = bursty_traffic(seed=3, duration=30.0, base_rate=8.0)
    for r in compare_limiters(t, rate=10.0, burst=10):
        if r["limiter"] == "sliding log":
            assert r["peak per window"] <= 10


def test_token_bucket_burst_then_rate_and_retry_after():
    """A full bucket admits burst at once, then one per 1/rate; Retry-After is the refill wait rounded up."""
    b = TokenBucket(rate=2.0, burst=3)
    assert [b.decide(0.0).admitted for _ in range(4)] == [True, True, True, False]
    refused = b.decide(0.1)
    assert refused.status == 429 and refused.retry_after == 1    # 0.4 s to the next token -> 1 s
    assert b.decide(0.5).admitted and not b.decide(0.5).admitted
    assert retry_after_seconds(2.01) == 3 and retry_after_seconds(0.0) == 1
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(rate=1.0, burst=0)
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=-1.0, burst=1)
    with pytest.raises(ValueError, match="backwards"):
        b.decide(0.2)


def test_leaky_bucket_smooths_a_burst_into_even_service_times():
    """Ten simultaneous requests into capacity 5 at 10/s: 5 admitted at delays 0, 0.1 … 0.4 s, 5 refused."""
    b = LeakyBucket(rate=10.0, capacity=5)
    out = [b.decide(0.0) for _ in range(10)]
    assert [d.admitted for d in out] == [True] * 5 + [False] * 5
    np.testing.assert_allclose([d.delay for d in out[:5]], [0.0, 0.1, 0.2, 0.3, 0.4], atol=1e-12)
    assert out[5].retry_after == 1


def test_sliding_window_counter_weights_the_previous_window():
    """At 25 % into window 1 the estimate is 0.75 × previous + current: 4 before, limit 4 -> one more fits (3 + 1)."""
    s = SlidingWindowCounter(limit=4, window=1.0)
    assert all(s.decide(0.5).admitted for _ in range(4)) and not s.decide(0.5).admitted
    assert s.decide(1.25).admitted and not s.decide(1.25).admitted
    assert s.decide(1.75).admitted                # 4 × 0.25 + 1 + 1 = 3 ≤ 4


def test_sliding_log_window_is_half_open():
    """A time stamp exactly one window old no longer counts."""
    s = SlidingLog(limit=1, window=1.0)
    assert s.decide(0.5).admitted and not s.decide(1.25).admitted and s.decide(1.5).admitted


def test_fixed_window_retry_after_points_to_the_next_window():
    w = FixedWindow(limit=1, window=10.0)
    assert w.decide(1.0).admitted
    assert w.decide(2.5).retry_after == 8          # 7.5 s to the edge, rounded up
    assert max_in_any_window([0.0, 0.5, 1.0], 1.0) == 2


def test_bursty_traffic_is_seeded_and_refuses_absurd_sizes():
    np.testing.assert_array_equal(bursty_traffic(5), bursty_traffic(5))
    assert not np.array_equal(bursty_traffic(5), bursty_traffic(6))
    with pytest.raises(ValueError, match="base_rate × duration"):
        bursty_traffic(1, duration=1e6, base_rate=10.0)


def test_latency_budget_and_timeout_order():
    """Sums the hops (two sidecars each), reports inner timeouts not shorter than their callers'."""
    plan = latency_budget(500, [("gw", 5, 450), ("svc", 50, 400), ("db", 100, 100)], sidecar_ms=1.0)
    assert plan["own_ms"] == [7.0, 52.0, 102.0] and plan["total_ms"] == 161.0
    assert plan["slack_ms"] == 339.0
    assert plan["violations"] == ["db needs 102 ms but times out at 100 ms"]
    assert timeout_violations([("edge", 100), ("a", 100)]) == ["a timeout 100 ms ≥ its caller edge 100 ms"]
    assert propagate_deadline(100, [30, 30, 30, 30]) == [70.0, 40.0, 10.0, -20.0]
    with pytest.raises(ValueError, match="edge_timeout_ms"):
        latency_budget(0, [("a", 1, 1)])


def test_collapse_joins_requests_while_a_call_is_in_flight():
    assert collapse([0.0, 0.05, 0.1, 0.15, 0.3], service_time=0.1) == {
        "requests": 5, "backend_calls": 3, "collapsed": 2}
    with pytest.raises(ValueError, match="service_time"):
        collapse([0.0], 0.0)


def test_envoy_ejection_rule():
    """30 s × ejections capped at 300 s; at most 10 % ejected, at least one."""
    assert [ejection_time(n) for n in (1, 2, 10, 11)] == [30.0, 60.0, 300.0, 300.0]
    assert [max_ejected(n) for n in (1, 9, 10, 19, 20, 100)] == [1, 1, 1, 1, 2, 10]
    assert max_ejected(10, percent=50) == 5
    with pytest.raises(ValueError, match="percent"):
        max_ejected(10, percent=150)


def test_mesh_ejects_the_gray_host_and_ejections_grow():
    """The gray host (50 % 5xx) is ejected, for 30, 60, 90 s; outlier detection raises success; seeded."""
    run = simulate_mesh(hosts=10, gray_error_rate=0.5, duration=200.0, seed=7)
    assert run.ejections and all(host == 0 for _, host, _ in run.ejections)
    assert [s for _, _, s in run.ejections][:3] == [30.0, 60.0, 90.0][: len(run.ejections[:3])]
    for (t0, _, s), (t1, _, _) in zip(run.ejections, run.ejections[1:]):
        assert t1 >= t0 + s                         # not ejected again while still out
    off = simulate_mesh(hosts=10, gray_error_rate=0.5, duration=200.0, seed=7, outlier_detection=False)
    assert run.success_rate > off.success_rate
    assert off.success_rate == pytest.approx(0.95, abs=0.01)    # 1/10 of traffic × 50 % errors
    retried = simulate_mesh(hosts=10, gray_error_rate=0.5, duration=60.0, seed=7, retries=1,
                            outlier_detection=False)
    assert retried.success_rate > 0.999 and retried.load_factor == pytest.approx(1.05, abs=0.01)
    again = simulate_mesh(hosts=10, gray_error_rate=0.5, duration=200.0, seed=7)
    assert again.ejections == run.ejections
    with pytest.raises(ValueError, match="rate × duration"):
        simulate_mesh(rate=1e6, duration=1e3)


def test_mesh_never_ejects_more_than_the_cap():
    """All 20 hosts failing: never more than ⌊20 × 10 %⌋ = 2 out at once."""
    run = simulate_mesh(hosts=20, gray_error_rate=1.0, base_error_rate=1.0, duration=100.0, seed=1)
    events = sorted([(t, 1) for t, _, _ in run.ejections] + [(t + s, -1) for t, _, s in run.ejections],
                    key=lambda e: (e[0], e[1]))
    out = peak = 0
    for _, step in events:
        out += step
        peak = max(peak, out)
    assert peak == 2


def test_retry_amplification_and_budget():
    assert retry_amplification(4, 3) == 81.0
    assert retry_amplification(2, 3, failure=0.5) == pytest.approx(1.75 ** 2)
    assert retry_amplification(4, 3, budget=0.2) == pytest.approx(1.2 ** 4)
    assert sidecar_overhead(4, 0.25)["latency_ms"] == 2.0
    with pytest.raises(ValueError, match="attempts"):
        retry_amplification(2, 0)


def test_idempotency_store_replays_500_prunes_after_a_day_and_refuses_misuse():
    store, calls = IdempotencyStore(), []

    def failing(params):
        calls.append(params)
        return 500, {"error": "api_error"}

    assert store.handle("k", {"a": 1}, 0.0, failing) == (500, {"error": "api_error"})
    assert store.handle("k", {"a": 1}, 3600.0, failing)[0] == 500 and len(calls) == 1   # 500 replayed
    assert store.handle("k", {"a": 2}, 3600.0, failing)[0] == 400
    assert store.handle("k", {"a": 1}, 86_400.0, failing)[0] == 500 and len(calls) == 2  # pruned: runs anew

    def reentrant(params):
        return store.handle("r", params, 10.0, reentrant)

    assert store.handle("r", {"x": 1}, 10.0, reentrant)[0] == 409
    with pytest.raises(ValueError, match="255"):
        store.handle("x" * 256, {}, 0.0, failing)


def test_pinned_versions_and_webhook_schedule():
    assert pinned_version("2020-01-01", ["2019-12-03", "2020-03-02"]) == "2019-12-03"
    with pytest.raises(ValueError, match="requested"):
        pinned_version("2020-01-01", ["2019-12-03"], requested="2099-01-01")
    schedule = webhook_schedule()
    gaps = np.diff([0.0] + schedule)
    assert schedule[-1] <= 3 * 86400 and np.all(np.diff(gaps) > 0)


@pytest.mark.parametrize("hosts, retries, gray, base", [(10, 0, 0.5, 0.0), (10, 2, 0.5, 0.1), (3, 3, 1.0, 0.5),
                                                        (1, 2, 0.3, 0.0), (30, 1, 0.9, 0.05)])
def test_bulk_run_without_detection_equals_the_event_loop(hosts, retries, gray, base):
    """Without ejection the bulk computation must give the event loop's outcomes draw for draw
    (the loop with a threshold never reached ejects nobody and uses the same draws)."""
    common = dict(hosts=hosts, gray_error_rate=gray, base_error_rate=base, rate=50.0, duration=40.0,
                  seed=11, retries=retries)
    bulk = simulate_mesh(**common, outlier_detection=False)
    loop = simulate_mesh(**common, consecutive_5xx=10**6)
    assert loop.ejections == []
    np.testing.assert_array_equal(bulk.ok, loop.ok)
    np.testing.assert_array_equal(bulk.attempts, loop.attempts)


HOSTILE = [
    (lambda: TokenBucket(float("nan"), 1), "rate"),
    (lambda: TokenBucket(1.0, 2.5), "burst"),
    (lambda: LeakyBucket(1.0, 0), "capacity"),
    (lambda: FixedWindow(0, 1.0), "limit"),
    (lambda: SlidingLog(1, float("inf")), "window"),
    (lambda: SlidingWindowCounter(1, -1.0), "window"),
    (lambda: TokenBucket(1.0, 1).decide(float("nan")), "t"),
    (lambda: retry_after_seconds(-1.0), "wait"),
    (lambda: bursty_traffic(1, duration=0.0), "duration"),
    (lambda: bursty_traffic(1, burst_size=-3), "burst_size"),
    (lambda: compare_limiters([0.0, 1.0], rate=0.0, burst=1), "rate"),
    (lambda: max_in_any_window([0.0], 0.0), "window"),
    (lambda: latency_budget(100, []), "hops"),
    (lambda: latency_budget(100, [("a", -1, 10)]), "latency of a"),
    (lambda: propagate_deadline(float("inf"), [1]), "deadline_ms"),
    (lambda: collapse([0.0], float("nan")), "service_time"),
    (lambda: ejection_time(0), "ejections"),
    (lambda: max_ejected(0), "hosts"),
    (lambda: simulate_mesh(hosts=0), "hosts"),
    (lambda: simulate_mesh(gray_error_rate=1.5), "gray_error_rate"),
    (lambda: simulate_mesh(retries=11), "retries"),
    (lambda: simulate_mesh(duration=float("inf")), "duration"),
    (lambda: retry_amplification(21, 3), "depth"),
    (lambda: retry_amplification(2, 3, budget=-0.1), "budget"),
    (lambda: sidecar_overhead(-1, 0.5), "hops"),
    (lambda: IdempotencyStore(retention_s=0.0), "retention_s"),
    (lambda: IdempotencyStore().handle("", {}, 0.0, lambda p: (200, {})), "key"),
    (lambda: IdempotencyStore().handle("k", {}, -1.0, lambda p: (200, {})), "now"),
    (lambda: pinned_version("2000-01-01", ["2010-01-01"]), "first_request_date"),
    (lambda: webhook_schedule(factor=0.5), "factor"),
]


@pytest.mark.parametrize("call, name", HOSTILE, ids=[name for _, name in HOSTILE])
def test_hostile_calls_are_refused_naming_the_parameter(call, name):
    """Bad input: a ValueError whose message names the parameter (never a TypeError or a hang)."""
    with pytest.raises(ValueError, match=name):
        call()
