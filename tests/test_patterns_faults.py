"""Tests for course.patterns.faults: each fault has its effect, random schedules, the table."""

from __future__ import annotations

import numpy as np
import pytest

from course.patterns import (
    HYSTRIX,
    Client,
    Crash,
    DelayMessages,
    Dependency,
    Deterministic,
    DropMessages,
    ErrorRate,
    Exponential,
    Partition,
    Service,
    Simulation,
    SlowDown,
    random_crashes,
    random_faults,
)


def chain(faults, rate=50.0, seed=6, timeout=1.0, service_time=None, **dependency):
    """users -> api (10 workers) -> db (10 workers)."""
    api = Service("api", workers=10, service_time=Deterministic(0.001),
                  calls=[Dependency("db", timeout=timeout, **dependency)])
    db = Service("db", workers=10, service_time=service_time or Exponential(rate=100.0))
    return Simulation([api, db], [Client("users", rate, Dependency("api", timeout=5.0))],
                      faults=faults, seed=seed)


def test_crash_refuses_requests_until_recovery_and_fails_work_in_progress():
    """While db is down do calls end in connection_error, including those running at the crash?"""
    slow_db = Deterministic(0.5)
    result = chain([Crash("db", 10.0, 20.0)], service_time=slow_db).run(30.0)
    spans = result.spans.query("service == 'db'")
    during = spans[(spans.arrival >= 10.0) & (spans.arrival < 20.0)]
    assert len(during) > 0 and (during.outcome == "connection_error").all()
    assert (during.end == during.arrival).all()  # refused at once
    cut = spans[(spans.arrival < 10.0) & (spans.end == 10.0)]
    assert len(cut) > 0 and (cut.outcome == "connection_error").all()
    after = spans[spans.arrival >= 20.5]
    assert (after.outcome.isin(["success", "in_progress"])).all()


def test_crash_resets_the_crashed_callers_breakers():
    """Does a crashed caller restart with a closed breaker (its memory is gone)?"""
    faults = [ErrorRate("db", 0.0, 10.0, 1.0, 500), Crash("api", 12.0, 13.0)]
    result = chain(faults, breaker=HYSTRIX.with_changes(open_duration=100.0)).run(20.0)
    transitions = result.breaker_transitions
    assert list(transitions.to_state) == ["open", "closed"]
    assert transitions.time.iloc[1] == 12.0


def test_slow_down_scales_and_shifts_service_times():
    """During SlowDown(factor 2, +0.05 s) is db's mean service time 2 × 10 ms + 50 ms?"""
    result = chain([SlowDown("db", 10.0, 40.0, extra_latency=0.05, factor=2.0)], rate=30.0).run(50.0)
    spans = result.spans.query("service == 'db' and outcome == 'success'")
    work = (spans.end - spans.start).to_numpy()
    inside = work[(spans.start >= 10.0).to_numpy() & (spans.start < 40.0).to_numpy()]
    outside = work[(spans.start < 10.0).to_numpy() | (spans.start >= 40.0).to_numpy()]
    # Exponential(mean 10 ms) doubled: standard deviation 20 ms per call.
    assert abs(inside.mean() - 0.07) < 4 * 0.02 / np.sqrt(inside.size)
    assert abs(outside.mean() - 0.01) < 4 * 0.01 / np.sqrt(outside.size)


def test_error_rate_fails_that_fraction_with_that_status():
    """Does ErrorRate(p=0.3, 503) answer about 30 % of db calls with 503, at once?"""
    result = chain([ErrorRate("db", 0.0, None, probability=0.3, status=503)], rate=100.0).run(60.0)
    spans = result.spans.query("service == 'db'")
    errors = spans[spans.outcome == "error"]
    share = len(errors) / len(spans)
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / len(spans))
    assert set(errors.status) == {503} and (errors.end == errors.arrival).all()


def test_dropped_messages_become_timeouts_in_both_directions():
    """With 20 % loss each way, do about 1 - 0.8² = 36 % of calls time out?"""
    result = chain([DropMessages(("api", "db"), 0.0, None, probability=0.2)], rate=100.0,
                   timeout=0.5).run(60.0)
    calls = result.calls.query("target == 'db' and outcome != 'in_progress'")
    calls = calls[calls.sent < 59.0]
    share = (calls.outcome == "timeout").mean()
    assert abs(share - 0.36) < 4 * np.sqrt(0.36 * 0.64 / len(calls))
    # Lost responses still cost the callee its work: some spans succeed for timed-out calls.
    timed_out = calls[calls.outcome == "timeout"].merge(
        result.spans.query("service == 'db'"), on=["request_id", "attempt"])
    assert (timed_out.outcome_y == "success").any()


def test_delayed_messages_add_the_delay_each_way():
    """Does a 0.1 s delay between api and db add 0.2 s to each call's round trip?"""
    constant_db = Deterministic(0.01)
    base = chain([], rate=20.0, service_time=constant_db).run(20.0)
    delayed = chain([DelayMessages(("api", "db"), 0.0, None, delay=0.1)], rate=20.0,
                    service_time=constant_db).run(20.0)
    assert np.allclose(base.calls.query("target == 'db'").latency, 0.01)
    late = delayed.calls.query("target == 'db' and outcome == 'success'").latency
    assert np.allclose(late, 0.21)


def test_partition_cuts_only_the_links_between_the_groups():
    """During a partition do api -> db calls time out while users -> api still get answers?"""
    # 10 requests/s each holding an api worker 0.5 s: 5 of 10 workers busy, no queueing.
    result = chain([Partition(("api", "users"), ("db",), 10.0, 20.0)], rate=10.0, timeout=0.5,
                   fallback=None).run(30.0)
    calls = result.calls
    to_db = calls[(calls.target == "db") & (calls.sent >= 10.0) & (calls.sent < 19.4)]
    assert len(to_db) > 0 and (to_db.outcome == "timeout").all()
    to_api = calls[(calls.target == "api") & (calls.sent >= 10.0) & (calls.sent < 19.4)]
    assert (to_api.outcome == "error").all()  # api answered: 504 for its timed-out db call
    assert set(to_api.status) == {504}
    healthy = calls[(calls.target == "db") & (calls.sent >= 20.0) & (calls.sent < 29.0)]
    assert (healthy.outcome == "success").all()


def test_fault_table_lists_each_interval():
    """Does result.faults list kind, target, start and end (the run's end for open faults)?"""
    faults = [Crash("db", 5.0, 8.0), SlowDown("api", 1.0, None, extra_latency=0.1),
              Partition(("api",), ("db",), 2.0, 3.0)]
    table = chain(faults).run(10.0).faults
    assert list(table.kind) == ["crash", "slow_down", "partition"]
    assert list(table.target) == ["db", "api", "{api}|{db}"]
    assert list(table.end) == [8.0, 10.0, 3.0]


def test_random_fault_schedules_are_seeded_and_available_the_expected_share():
    """Is a random crash schedule reproducible, non-overlapping, down about MTTR/(MTBF+MTTR)?"""
    first = random_crashes("db", 50.0, 10.0, horizon=200_000.0, seed=9)
    assert first == random_crashes("db", 50.0, 10.0, horizon=200_000.0, seed=9)
    assert first != random_crashes("db", 50.0, 10.0, horizon=200_000.0, seed=10)
    starts = np.array([fault.start for fault in first])
    ends = np.array([fault.end for fault in first])
    assert np.all(starts[1:] >= ends[:-1])
    down = (ends - starts).sum() / 200_000.0
    # ~3,300 cycles: the share's standard error is well under 0.005.
    assert abs(down - 10.0 / 60.0) < 0.015


def test_random_faults_take_any_fault_type():
    """Can random_faults schedule error spells that the simulation then applies?"""
    faults = random_faults(lambda start, end: ErrorRate("db", start, end, 1.0, 500),
                           mean_time_between=5.0, mean_duration=2.0, horizon=60.0, seed=1)
    result = chain(faults).run(60.0)
    spans = result.spans.query("service == 'db'")
    inside = np.zeros(len(spans), dtype=bool)
    for fault in faults:
        inside |= ((spans.arrival >= fault.start) & (spans.arrival < fault.end)).to_numpy()
    assert (spans.outcome[inside] == "error").all()
    assert (spans.outcome[~inside] != "error").all()


@pytest.mark.parametrize("build, name", [
    (lambda: Crash("db", 5.0, 4.0), "end"),
    (lambda: ErrorRate("db", 0.0, None, probability=2.0), "probability"),
    (lambda: ErrorRate("db", 0.0, None, status=200), "status"),
    (lambda: DropMessages(("db", "db"), 0.0), "between"),
    (lambda: SlowDown("db", 0.0, None, factor=0.0), "factor"),
    (lambda: chain([Crash("nowhere", 1.0, 2.0)]), "unknown service"),
    (lambda: chain([Crash("db", 1.0, 5.0), Crash("db", 4.0, 6.0)]), "overlap"),
])
def test_bad_faults_are_refused_with_a_clear_message(build, name):
    """Do bad fault parameters raise a ValueError saying what is wrong?"""
    with pytest.raises(ValueError, match=name):
        build()
