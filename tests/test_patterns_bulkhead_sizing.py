"""Tests for course.patterns.bulkhead_sizing: Little's law pools, Erlang C waits, burst queues."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import course.patterns.bulkhead_sizing as sizing_module
from course.patterns.bulkhead_sizing import (
    BulkheadSizing,
    burst_queue_slots,
    pool_p_wait,
    pool_utilization,
)


def erlang_c_by_the_textbook_sum(servers: int, load: float) -> float:
    """Erlang C from its defining sums (fine for the small pools of these tests)."""
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


def test_curriculum_example_100_rps_at_200_ms():
    """Does 100 req/s × 0.2 s give 20 busy, 30 threads with the 1.5 buffer, 67 % at peak?"""
    plan = BulkheadSizing(peak_rate=100, response_time=0.2, buffer=1.5)
    assert plan.busy == pytest.approx(20) and plan.threads == 30
    assert plan.utilization == pytest.approx(2 / 3)
    assert plan.throughput == pytest.approx(150)


def test_a_utilisation_target_is_not_a_pool_size():
    """Do 21 threads (30 × 0.7) run at ρ = 0.95 with P(wait) = 0.76, and 14 (20 × 0.7) fail to keep up?"""
    assert pool_utilization(100, 0.2, 21) == pytest.approx(20 / 21)
    assert round(pool_p_wait(100, 0.2, 21), 2) == 0.76
    assert pool_p_wait(100, 0.2, 21) == pytest.approx(erlang_c_by_the_textbook_sum(21, 20.0))
    with pytest.raises(ValueError, match="carry at most 70 requests/s"):
        pool_utilization(100, 0.2, 14)


def test_burst_queue_is_100_slots_not_400():
    """Does a 200 req/s burst for 2 s need about 100 slots, while 400 would hold requests 2.7 s?"""
    plan = BulkheadSizing(100, 0.2)
    assert plan.queue_slots(burst_rate=200, burst_seconds=2, max_wait=2.0) == 100
    assert plan.queue_wait(400) == pytest.approx(400 / 150)
    assert plan.queue_wait(400) > 2.0  # past a 2 s timeout


def test_queue_is_capped_by_the_longest_acceptable_wait():
    """Is the queue capped at throughput × max_wait, and empty when the pool keeps up?"""
    plan = BulkheadSizing(100, 0.2)
    assert plan.queue_slots(burst_rate=400, burst_seconds=10, max_wait=0.5) == 75  # 150 × 0.5
    assert plan.queue_slots(burst_rate=140, burst_seconds=10, max_wait=2.0) == 0


@given(burst=st.floats(1, 1e4), throughput=st.floats(1, 1e4), seconds=st.floats(0.1, 60),
       wait=st.floats(0, 10))
def test_burst_queue_is_the_smaller_of_backlog_and_wait_cap(burst, throughput, seconds, wait):
    """Is the queue the backlog or the wait cap, whichever is smaller, rounded up?"""
    slots = burst_queue_slots(burst, throughput, seconds, wait)
    smaller = min(max(burst - throughput, 0) * seconds, throughput * wait)
    assert smaller * (1 - 1e-9) - 1e-9 <= slots <= smaller * (1 + 1e-9) + 1


@given(rate=st.floats(1, 5000), time=st.floats(0.001, 5), buffer=st.floats(1.01, 3))
def test_threads_are_the_smallest_pool_covering_the_buffered_load(rate, time, buffer):
    """Is the pool the least whole number ≥ λW × buffer (up to float noise), and below 100 % busy?"""
    plan = BulkheadSizing(rate, time, buffer)
    needed = rate * time * buffer
    assert plan.threads >= needed * (1 - 1e-9)
    assert plan.threads - 1 < needed * (1 + 1e-9)
    assert plan.utilization <= 1 / buffer * (1 + 1e-9)
    assert 0 <= plan.p_wait < 1
    assert plan.p_wait == pytest.approx(
        float(sizing_module.erlang_c(plan.threads, plan.busy)))


def test_p_wait_matches_the_textbook_sum():
    """Does Erlang C for the 30-thread plan match the defining formula?"""
    plan = BulkheadSizing(100, 0.2)
    assert plan.p_wait == pytest.approx(erlang_c_by_the_textbook_sum(30, 20.0), rel=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: BulkheadSizing(0, 0.2), "peak_rate"),
    (lambda: BulkheadSizing(100, -1), "response_time"),
    (lambda: BulkheadSizing(100, 0.2, buffer=0.9), "buffer"),
    (lambda: BulkheadSizing(100, 0.2, buffer=1.0).p_wait, "utilization at 1"),
    (lambda: BulkheadSizing(100, 0.2).queue_slots(0, 2, 2), "burst_rate"),
    (lambda: BulkheadSizing(100, 0.2).queue_slots(200, 2, -1), "max_wait"),
    (lambda: pool_utilization(100, 0.2, 2.5), "threads"),
    (lambda: burst_queue_slots(200, 0, 2, 2), "pool_throughput"),
    (lambda: pool_p_wait(100, 0.2, 20), "grow without bound"),
])
def test_bad_input_raises_value_error(call, message):
    """Does each bad argument raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=message):
        call()
