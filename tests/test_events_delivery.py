"""The pub/sub delivery simulation: do the semantics lose, duplicate and reorder what they should?"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.events.delivery import DeliveryConfig, simulate_delivery

CRASHY = dict(messages=600, consumer_crash_probability=0.05)


def test_without_faults_every_message_is_applied_once_in_order():
    """With no faults at all, is each message applied exactly once, none lost, none late?"""
    for ordering in ("none", "per-partition", "total"):
        s = simulate_delivery(DeliveryConfig(messages=300, ordering=ordering, processing_time=0.005), seed=2).summary()
        assert (s["lost"], s["duplicates"], s["pending at end"]) == (0, 0, 0)
        if ordering != "none":
            assert s["out of order"] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_semantics_under_consumer_crashes(seed):
    """Does at-most-once lose but never duplicate, at-least-once duplicate but never lose, effectively-once neither?"""
    most = simulate_delivery(DeliveryConfig(semantics="at-most-once", **CRASHY), seed=seed)
    least = simulate_delivery(DeliveryConfig(semantics="at-least-once", **CRASHY), seed=seed)
    once = simulate_delivery(DeliveryConfig(semantics="effectively-once", **CRASHY), seed=seed)
    assert most.summary()["lost"] > 0 and most.summary()["duplicates"] == 0
    assert least.summary()["lost"] == 0 and least.summary()["duplicates"] > 0
    assert once.summary()["lost"] == 0 and once.summary()["duplicates"] == 0
    # the at-most-once losses are exactly its crashes before the effect
    crashed = {r["message"] for r in most.deliveries if r["outcome"] == "crash before effect"}
    assert most.summary()["lost"] == len(crashed)
    # every at-least-once duplicate comes from a crash after the effect, before the commit
    applied = sum(1 for r in least.deliveries if r["outcome"].startswith("applied"))
    assert applied - least.summary()["applied once or more"] == least.summary()["duplicates"]


def test_lost_acknowledgements_duplicate_unless_the_producer_is_idempotent():
    """Do producer resends after lost acks create duplicates, removed by the idempotent producer?"""
    config = dict(messages=500, ack_loss_probability=0.1)
    least = simulate_delivery(DeliveryConfig(semantics="at-least-once", **config), seed=5)
    once = simulate_delivery(DeliveryConfig(semantics="effectively-once", **config), seed=5)
    assert least.summary()["duplicates"] > 20
    assert once.summary()["duplicates"] == 0 and once.producer_copies_dropped == least.summary()["duplicates"]


def test_broker_downtime_drops_fire_and_forget_publications():
    """While the broker is down, does at-most-once drop exactly the publications of that window?"""
    config = dict(messages=600, publish_rate=100.0, broker_crash_times=(2.0,), broker_downtime=1.0)
    most = simulate_delivery(DeliveryConfig(semantics="at-most-once", **config), seed=1)
    least = simulate_delivery(DeliveryConfig(semantics="at-least-once", **config), seed=1)
    assert most.dropped_at_broker == 100 and most.summary()["lost"] == 100
    assert least.summary()["lost"] == 0


def test_poison_messages_go_to_the_dead_letter_queue_or_block_their_partition():
    """Are poison messages dead-lettered after max_attempts, and without a DLQ do they block the rest?"""
    config = dict(messages=400, poison_share=0.02, max_attempts=3, drain_time=20.0)
    with_dlq = simulate_delivery(DeliveryConfig(dead_letter=True, **config), seed=4)
    without = simulate_delivery(DeliveryConfig(dead_letter=False, **config), seed=4)
    poison = int(np.sum(with_dlq.effects == 0))
    assert with_dlq.summary()["dead-lettered"] == poison > 0 and with_dlq.summary()["pending at end"] == 0
    attempts = [r["attempt"] for r in with_dlq.deliveries if r["outcome"] == "failed, dead-lettered"]
    assert set(attempts) == {3}
    assert without.summary()["dead-lettered"] == 0
    assert without.summary()["pending at end"] > poison       # healthy messages stuck behind them
    assert without.lag[-1]["lag"] > 0 or any(row["lag"] > 0 for row in without.lag[-4:])


def test_ordering_per_partition_keeps_key_order_and_a_shared_queue_does_not():
    """With slow parallel consumers and no faults, are keys reordered only by the shared queue?"""
    config = dict(messages=800, publish_rate=200.0, processing_time=0.03, consumers=4, partitions=4)
    shared = simulate_delivery(DeliveryConfig(ordering="none", **config), seed=6).summary()
    keyed = simulate_delivery(DeliveryConfig(ordering="per-partition", **config), seed=6).summary()
    assert shared["out of order"] > 0 and keyed["out of order"] == 0


def test_total_order_costs_throughput_and_shows_as_lag():
    """Does one partition with one consumer build far more lag than four partitions at the same load?"""
    config = dict(messages=800, publish_rate=100.0, processing_time=0.02)
    total = simulate_delivery(DeliveryConfig(ordering="total", **config), seed=7).summary()
    keyed = simulate_delivery(DeliveryConfig(ordering="per-partition", **config), seed=7).summary()
    assert total["max lag"] > 5 * keyed["max lag"]


def test_same_seed_same_run_and_bad_input_is_named():
    """Is a run reproducible from its seed, and does bad input raise a ValueError naming the field?"""
    a = simulate_delivery(DeliveryConfig(**CRASHY), seed=9)
    b = simulate_delivery(DeliveryConfig(**CRASHY), seed=9)
    assert a.deliveries == b.deliveries and a.lag == b.lag
    with pytest.raises(ValueError, match="semantics"):
        DeliveryConfig(semantics="exactly-once")
    with pytest.raises(ValueError, match="consumer_crash_probability"):
        DeliveryConfig(consumer_crash_probability=1.5)
    with pytest.raises(ValueError, match="seed"):
        simulate_delivery(DeliveryConfig(), seed=-1)


def test_a_broker_outage_mid_delivery_duplicates_only_without_dedup():
    """When commits fail while the broker is down, is the effect redone under at-least-once and skipped
    under effectively-once?"""
    config = dict(messages=600, publish_rate=100.0, processing_time=0.05, broker_crash_times=(2.0, 4.0),
                  broker_downtime=0.5)
    least = simulate_delivery(DeliveryConfig(semantics="at-least-once", **config), seed=3)
    once = simulate_delivery(DeliveryConfig(semantics="effectively-once", **config), seed=3)
    failed_commits = [r for r in least.deliveries if r["outcome"].endswith("commit failed: broker down")]
    assert failed_commits and least.summary()["duplicates"] >= len(failed_commits)
    assert least.summary()["lost"] == 0
    assert once.summary()["duplicates"] == 0 and once.summary()["lost"] == 0
    assert any(r["outcome"].startswith("duplicate skipped") for r in once.deliveries)


@settings(max_examples=15, deadline=None, database=None, derandomize=True)
@given(seed=st.integers(0, 10_000), crash=st.floats(0.0, 0.2), ack_loss=st.floats(0.0, 0.2),
       ordering=st.sampled_from(["none", "per-partition", "total"]))
def test_guarantees_hold_for_any_seed_and_fault_rates(seed, crash, ack_loss, ordering):
    """Whatever the seed, crash and ack-loss rates: does at-least-once never lose, effectively-once
    never lose nor duplicate, at-most-once never duplicate (with every message accounted for)?"""
    base = dict(messages=120, consumer_crash_probability=crash, ack_loss_probability=ack_loss, ordering=ordering,
                processing_time=0.005, drain_time=120.0)
    most = simulate_delivery(DeliveryConfig(semantics="at-most-once", **base), seed=seed).summary()
    least = simulate_delivery(DeliveryConfig(semantics="at-least-once", **base), seed=seed).summary()
    once = simulate_delivery(DeliveryConfig(semantics="effectively-once", **base), seed=seed).summary()
    assert most["duplicates"] == 0
    assert least["lost"] == 0 and least["pending at end"] == 0
    assert once["lost"] == 0 and once["duplicates"] == 0 and once["pending at end"] == 0
    for summary in (most, least, once):
        assert summary["applied once or more"] + summary["lost"] + summary["dead-lettered"] \
            + summary["pending at end"] == summary["published"]


def test_absurd_runs_are_refused_before_any_work():
    """Are a billion messages, or a day of draining in nanosecond steps, refused by name at once?"""
    with pytest.raises(ValueError, match="messages"):
        DeliveryConfig(messages=10**9)
    with pytest.raises(ValueError, match="drain_time"):
        DeliveryConfig(drain_time=86_400.0, retry_backoff=1e-9)
