"""Tests for Ep15's checker models: the idempotency-key store and the rate limiter, under faults."""

from __future__ import annotations

import pytest

from course.exploration import explore, random_walks
from course.exploration.models.idempotency import (
    IN_PROGRESS,
    IdempotencyModel,
    no_store_begin,
    racy_begin,
    reference_begin,
    reference_finish,
)
from course.exploration.models.ratelimit import (
    RateLimiterModel,
    fixed_window,
    most_in_a_window,
    sliding_log,
    token_bucket,
)


def test_reference_key_store_survives_duplicates_timeouts_and_crashes_exhaustively():
    """Does the reference store pass every interleaving of 1 duplicate, 1 timeout, 1 crash?"""
    result = explore(IdempotencyModel(reference_begin, reference_finish))
    assert result.ok and result.exhaustive
    assert (result.states, result.transitions) == (84, 136)


def test_reference_key_store_with_two_payments_and_two_duplicates():
    """Two payments, two duplicates: still no double charge, exhaustively (13,411 states)?"""
    result = explore(IdempotencyModel(reference_begin, reference_finish, payments=2,
                                      duplicates=2))
    assert result.ok and result.exhaustive and result.states == 13_411


def test_racy_store_is_caught_with_the_shortest_concurrent_duplicate():
    """A store that checks for a response but reserves nothing: two duplicates both charge."""
    caught = explore(IdempotencyModel(racy_begin, reference_finish)).violation
    assert caught.invariant == "no payment charged twice"
    assert caught.actions == ["send k1", "duplicate k1", "begin r1", "begin r2", "charge r1",
                              "charge r2"]
    assert [step.fault for step in caught.steps] == [False, True, False, False, False, False]


def test_racy_store_passes_without_concurrency():
    """Without duplicates the racy store is fine: only the fault tells it apart."""
    result = explore(IdempotencyModel(racy_begin, reference_finish, duplicates=0))
    assert result.ok and result.exhaustive


def test_no_store_charges_again_on_a_retry_after_a_timeout():
    """Without a key store, a crash after the charge and a retry charge the card twice."""
    caught = explore(IdempotencyModel(no_store_begin, reference_finish, duplicates=0)).violation
    assert caught.invariant == "no payment charged twice"
    assert caught.actions == ["send k1", "begin r1", "charge r1", "crash", "retry k1",
                              "begin r2", "charge r2"]


def test_crash_between_charge_and_store_response_leaves_a_charge_without_an_answer():
    """Two writes (atomic=False): a crash between them strands the charge; every retry 409s."""
    caught = explore(IdempotencyModel(reference_begin, reference_finish, atomic=False)).violation
    assert caught.invariant == "every charge has its response stored"
    assert caught.actions == ["send k1", "begin r1", "charge r1", "crash"]


def test_a_store_that_replays_a_different_response_is_caught():
    """A store that forgets the first response and records a fresh one breaks replay."""
    def begin(store, key):
        if key in store and store[key] is not None:
            return store, (200, f"replayed-{len(store)}-{store[key][1]}x")
        return reference_begin(store, key)
    caught = explore(IdempotencyModel(begin, reference_finish)).violation
    assert caught.invariant == "every reply for a key is the same"


def test_in_progress_replies_do_not_count_as_different_responses():
    """A 409 'in progress' then the 201 is one answer, not two (the reference passes)."""
    assert IN_PROGRESS == (409, "in progress")
    result = random_walks(IdempotencyModel(reference_begin, reference_finish, duplicates=3,
                                           timeouts=3, crashes=2), walks=50, length=40, seed=3)
    assert result.ok


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"payments": 0}, "payments"), ({"duplicates": 4}, "duplicates"),
    ({"crashes": -1}, "crashes"), ({"timeouts": 1.5}, "timeouts")])
def test_idempotency_model_refuses_bad_budgets_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        IdempotencyModel(reference_begin, reference_finish, **kwargs)


def test_idempotency_model_refuses_a_store_that_returns_nonsense():
    model = IdempotencyModel(lambda store, key: None, reference_finish)
    with pytest.raises(ValueError, match="begin must return a pair"):
        explore(model)
    with pytest.raises(ValueError, match="begin must be a function"):
        IdempotencyModel("nope", reference_finish)


def test_sliding_log_keeps_the_limit_exhaustively():
    """Does the sliding log keep 'at most 2 in any 3 ticks' for 3 requests over 6 ticks?"""
    result = explore(RateLimiterModel(sliding_log, ()))
    assert result.ok and result.exhaustive and result.states == 131


def test_sliding_log_with_more_requests_and_a_longer_horizon():
    result = explore(RateLimiterModel(sliding_log, (), limit=3, window=4, requests=6))
    assert result.ok and result.exhaustive and result.states == 1214


def test_fixed_window_bursts_across_the_boundary():
    """Fixed window: two allowed at tick 1 and one at tick 3 — three within 3 ticks."""
    caught = explore(RateLimiterModel(fixed_window, (0, 0))).violation
    assert caught.invariant == "at most limit allowed in any window"
    assert caught.actions == ["tick", "request r1", "request r2", "tick", "tick", "request r3"]


def test_token_bucket_promises_a_rate_not_a_window_count():
    caught = explore(RateLimiterModel(token_bucket, (2, 0))).violation
    assert caught.actions == ["request r1", "request r2", "tick", "tick", "request r3"]


def test_racy_read_modify_write_is_caught():
    """The reference itself, run as GET-then-SET across instances, allows 3 at once."""
    caught = explore(RateLimiterModel(sliding_log, (), atomic=False)).violation
    assert caught.actions == ["read r1", "read r2", "read r3", "write r1", "write r2",
                              "write r3"]
    assert caught.end_state.allowed == (0, 0, 0)


def test_in_memory_limiter_forgets_on_restart():
    caught = explore(RateLimiterModel(sliding_log, (), in_memory=True)).violation
    assert caught.actions == ["request r1", "request r2", "restart", "request r3"]
    assert caught.steps[2].fault


def test_most_in_a_window_counts_inclusive_windows():
    assert most_in_a_window((), 3) == 0
    assert most_in_a_window((0, 2, 3, 5), 3) == 2
    assert most_in_a_window((0, 2, 3, 5), 4) == 3


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"limit": 0}, "limit"), ({"window": 6}, "window"), ({"requests": 9}, "requests"),
    ({"horizon": 0}, "horizon"), ({"in_memory": True, "restarts": 4}, "restarts")])
def test_rate_limiter_model_refuses_bad_sizes_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RateLimiterModel(sliding_log, (), **kwargs)


def test_rate_limiter_model_refuses_a_limiter_that_returns_nonsense():
    with pytest.raises(ValueError, match="allow must return a pair"):
        explore(RateLimiterModel(lambda state, now, limit, window: True, ()))
