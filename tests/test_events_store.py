"""Event store, snapshots and upcasting: does the fold rebuild the state, and do the guards hold?"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.events.snapshots import (
    SnapshotPolicy,
    load_from_snapshot,
    replayed_on_loads,
    take_snapshot,
)
from course.events.store import (
    ConcurrencyConflictError,
    Event,
    EventStore,
    compensation,
    fold,
    ledger_apply,
    rebuild_projection,
)
from course.events.upcasting import LEDGER_UPCASTERS, dollars_to_cents, upcast

amounts = st.lists(st.tuples(st.sampled_from(["deposited", "withdrawn"]), st.integers(0, 10_000)),
                   max_size=60)


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(amounts)
def test_fold_equals_the_running_balance(changes):
    """Is the folded balance the plain sum of deposits minus withdrawals, whatever the events?"""
    store = EventStore()
    store.append("a", [("opened", {})], 0)
    for kind, amount in changes:
        store.append("a", [(kind, {"amount": amount})], store.version("a"))
    expected = sum(a if k == "deposited" else -a for k, a in changes)
    assert fold(ledger_apply, store.read("a"), None) == expected
    assert store.version("a") == len(changes) + 1


def test_a_stale_append_conflicts_and_writes_nothing():
    """Does an append on an old version raise ConcurrencyConflictError and leave the stream unchanged?"""
    store = EventStore()
    store.append("a", [("opened", {}), ("deposited", {"amount": 10})], 0)
    with pytest.raises(ConcurrencyConflictError) as conflict:
        store.append("a", [("withdrawn", {"amount": 3}), ("withdrawn", {"amount": 4})], 1)
    assert (conflict.value.expected_version, conflict.value.actual_version) == (1, 2)
    assert store.version("a") == 2 and len(store.log()) == 2
    with pytest.raises(ValueError, match="expected_version"):
        store.append("a", [("withdrawn", {"amount": 3})], -1)
    with pytest.raises(ValueError, match="changes"):
        store.append("a", [], 2)


def test_stored_events_cannot_be_edited():
    """Is an event's data read-only once stored (corrections must be new events)?"""
    store = EventStore()
    (event,) = store.append("a", [("deposited", {"amount": 10})], 0)
    with pytest.raises(TypeError):
        event.data["amount"] = 1


def test_compensation_undoes_the_effect_and_keeps_history():
    """Does a compensating event restore the balance while both events stay in the log?"""
    store = EventStore()
    store.append("a", [("opened", {}), ("deposited", {"amount": 50}), ("deposited", {"amount": 500})], 0)
    wrong = store.read("a")[2]
    store.append("a", [compensation(wrong, "typo")], 3)
    assert fold(ledger_apply, store.read("a"), None) == 50
    assert [e.kind for e in store.read("a")] == ["opened", "deposited", "deposited", "corrected"]
    assert store.read("a")[3].data["compensates"] == 3
    with pytest.raises(ValueError, match="event.kind"):
        compensation(store.read("a")[0], "no")


def test_projection_is_rebuilt_from_the_log_across_streams():
    """Does rebuilding a projection over the whole log give the per-stream folds' total?"""
    store = EventStore()
    store.append("a", [("opened", {}), ("deposited", {"amount": 5})], 0)
    store.append("b", [("opened", {}), ("deposited", {"amount": 7})], 0)
    store.append("a", [("withdrawn", {"amount": 2})], 2)

    def balances(state, event):
        return {**state, event.stream: ledger_apply(state.get(event.stream, 0), event)}

    assert rebuild_projection(store, balances, {}) == {"a": 3, "b": 7}
    assert [e.position for e in store.log()] == [1, 2, 3, 4, 5]


def test_loading_from_a_snapshot_equals_the_full_fold():
    """Does snapshot + later events give the same state as folding everything?"""
    store = EventStore()
    store.append("a", [("opened", {})] + [("deposited", {"amount": i}) for i in range(1, 251)], 0)
    events = store.read("a")
    snapshot = take_snapshot("a", events[:200], ledger_apply, None)
    assert snapshot.version == 200
    assert load_from_snapshot(snapshot, store.read("a", 200), ledger_apply, None) == fold(ledger_apply, events, None)
    assert load_from_snapshot(None, events, ledger_apply, None) == sum(range(1, 251))


def test_snapshot_cost_curve_has_its_minimum_at_the_square_root_rule():
    """Is the best interval the brute-force minimum, and the replay count's mean (k-1)/2?"""
    policy = SnapshotPolicy(event_cost=10e-6, snapshot_write=0.05, snapshot_read=0.002)
    ks = np.arange(1, 5001)
    assert policy.best_interval() == int(ks[np.argmin(policy.cost_per_command(ks))]) == 100
    assert replayed_on_loads(100_000, 100).mean() == pytest.approx(99 / 2, rel=1e-3)
    assert policy.load_cost(100) == pytest.approx(0.002 + 10e-6 * replayed_on_loads(100_000, 100).mean(), rel=1e-3)
    heavy_reads = SnapshotPolicy(event_cost=10e-6, snapshot_write=0.05, loads_per_append=4.0)
    assert heavy_reads.best_interval() == 50
    with pytest.raises(ValueError, match="interval"):
        policy.cost_per_command(0)
    with pytest.raises(ValueError, match="event_cost"):
        SnapshotPolicy(event_cost=0, snapshot_write=1)


def test_upcasting_reads_old_events_in_the_new_schema():
    """Are schema-1 dollars read as schema-2 cents, exactly, with the stored event untouched?"""
    old = Event("a", 1, "withdrawn", {"amount": 0.29, "memo": "fee"}, schema=1)
    new = upcast(old, LEDGER_UPCASTERS)
    assert dict(new.data) == {"amount_cents": 29, "currency": "USD", "memo": "fee"} and new.schema == 2
    assert old.schema == 1 and dict(old.data) == {"amount": 0.29, "memo": "fee"}
    current = Event("a", 2, "withdrawn", {"amount_cents": 5, "currency": "USD"}, schema=2)
    assert upcast(current, LEDGER_UPCASTERS) == current
    assert dollars_to_cents({"amount": 0.125})["amount_cents"] == 12   # banker's rounding
    with pytest.raises(ValueError, match="cycle"):
        upcast(old, {("withdrawn", s): (lambda d: d) for s in range(1, 1000)}, max_steps=5)
