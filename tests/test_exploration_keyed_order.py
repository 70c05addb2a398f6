"""Tests for course.exploration.models.keyed_order: per-key order across rebalances."""

from __future__ import annotations

import pytest

from course.exploration import explore, random_walks
from course.exploration.models.keyed_order import (
    EVENTS,
    KeyedEvent,
    KeyedOrderModel,
    apply_everything,
    key_hash_partitioner,
    last_seq_consumer,
    round_robin_partitioner,
)


def test_reference_passes_exhaustively_with_its_state_count():
    """Do the key-hash partitioner and last-seq consumer survive 1 rebalance + 1 redelivery, exhaustively?"""
    result = explore(KeyedOrderModel(key_hash_partitioner, last_seq_consumer))
    assert result.ok and result.exhaustive
    assert (result.states, result.transitions) == (29215, 91525)


def test_without_faults_any_keyed_consumer_passes():
    """Without faults, is even the naive consumer correct (only faults tell them apart)?"""
    for consume in (last_seq_consumer, apply_everything):
        result = explore(KeyedOrderModel(key_hash_partitioner, consume, rebalances=0,
                                         redeliveries=0))
        assert result.ok and result.exhaustive and result.states == 140


def test_round_robin_breaks_order_without_any_fault():
    """Does spreading one key over two partitions break order with no fault, in 6 steps?"""
    caught = explore(KeyedOrderModel(round_robin_partitioner, apply_everything, rebalances=0,
                                     redeliveries=0)).violation
    assert caught.invariant == "per-key order kept"
    assert caught.actions == ["fetch alice:1 (p0@0)", "fetch bob:1 (p1@0)", "process bob:1 (p1@0)",
                              "fetch alice:3 (p1@1)", "process alice:3 (p1@1)",
                              "process alice:1 (p0@0)"]
    assert not any(step.fault for step in caught.steps)


def test_round_robin_with_the_reference_consumer_loses_events():
    """With the last-seq consumer, does round robin drop alice:2 (skipped as stale) instead?"""
    caught = explore(KeyedOrderModel(round_robin_partitioner, last_seq_consumer, rebalances=0,
                                     redeliveries=0)).violation
    assert caught.invariant == "every event applied" and caught.kind == "final"


def test_naive_consumer_is_caught_by_a_rebalance_replay():
    """Without redeliveries, does a replay from the committed offset apply bob:1 twice (5 steps)?"""
    caught = explore(KeyedOrderModel(key_hash_partitioner, apply_everything,
                                     redeliveries=0)).violation
    assert caught.invariant == "no event applied twice"
    assert caught.actions == ["fetch bob:1 (p0@0)", "process bob:1 (p0@0)", "rebalance: p0 to c2",
                              "fetch bob:1 (p0@0)", "process bob:1 (p0@0)"]


def test_order_break_needs_the_zombie_when_only_order_is_checked():
    """Is the shortest ORDER break of the naive consumer 7 steps, with one rebalance?"""
    model = KeyedOrderModel(key_hash_partitioner, apply_everything, redeliveries=0)
    model.invariants = model.invariants[:1]
    caught = explore(model).violation
    assert caught.invariant == "per-key order kept" and len(caught) == 7
    assert sum(step.fault for step in caught.steps) == 1


def test_store_in_the_consumer_breaks_the_reference():
    """Does a store kept in consumer memory make the reference apply bob:1 twice after a rebalance?"""
    caught = explore(KeyedOrderModel(key_hash_partitioner, last_seq_consumer,
                                     store_in="consumer")).violation
    assert caught.invariant == "no event applied twice" and len(caught) == 5


def test_random_walks_agree_with_the_search():
    """Do seeded walks find no violation for the reference (the search is exhaustive)?"""
    assert random_walks(KeyedOrderModel(key_hash_partitioner, last_seq_consumer), walks=50,
                        seed=1).ok


def test_a_consumer_that_mutates_its_store_does_not_corrupt_the_search():
    """Does a consumer mutating the store in place still pass (each call gets a copy)?"""
    def mutating(store, event):
        if event.seq <= store.get(event.key, 0):
            return store, False
        store[event.key] = event.seq
        return store, True
    assert explore(KeyedOrderModel(key_hash_partitioner, mutating)).ok


@pytest.mark.parametrize("kwargs, word", [
    (dict(partitions=0), "partitions"), (dict(partitions=5), "partitions"),
    (dict(rebalances=4), "rebalances"), (dict(redeliveries=-1), "redeliveries"),
    (dict(store_in="disk"), "store_in"), (dict(events=()), "events"),
    (dict(events=(KeyedEvent(0, "a", 2),)), "events"),
])
def test_bad_parameters_are_refused_by_name(kwargs, word):
    """Are bad parameters refused with a ValueError naming them?"""
    with pytest.raises(ValueError, match=word):
        KeyedOrderModel(key_hash_partitioner, last_seq_consumer, **kwargs)


def test_bad_learner_functions_are_refused_by_name():
    """Do a partition out of range and a malformed consumer reply raise a named ValueError?"""
    with pytest.raises(ValueError, match="partitioner"):
        KeyedOrderModel(lambda event, n: n, last_seq_consumer)
    with pytest.raises(ValueError, match="consume"):
        explore(KeyedOrderModel(key_hash_partitioner, lambda store, event: True))
    with pytest.raises(ValueError, match="consume"):
        KeyedOrderModel(key_hash_partitioner, None)


def test_logs_keep_each_key_in_one_partition():
    """Does the key-hash partitioner put all of alice's events in p1 and bob's in p0?"""
    model = KeyedOrderModel(key_hash_partitioner, last_seq_consumer)
    assert model.logs == ((1,), (0, 2, 3))
    assert [str(e) for e in EVENTS] == ["alice:1", "bob:1", "alice:2", "alice:3"]
