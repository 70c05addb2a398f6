"""Tests for course.exploration.models.consumer: the idempotent-consumer model under faults."""

from __future__ import annotations

import pytest

from course.exploration import explore, random_walks
from course.exploration.models.consumer import (
    OPENING_BALANCES,
    TRANSFERS,
    ConsumerModel,
    Transfer,
    idempotent_handler,
    naive_handler,
    watermark_handler,
)


def test_reference_handler_passes_exhaustively():
    """Does the reference survive every crash point, duplicate and reordering (1 of each), exhaustively?"""
    result = explore(ConsumerModel(idempotent_handler))
    assert result.ok and result.exhaustive
    assert result.states == 1198 and result.transitions == 2855
    assert result.final_states == 20  # the runs end in several (fault-budget) final states


def test_reference_with_larger_fault_budgets_still_passes():
    """With 2 crashes, 2 duplicates and 2 reorderings (10,211 states) does it still pass?"""
    result = explore(ConsumerModel(idempotent_handler, crashes=2, duplicates=2, reorders=2))
    assert result.ok and result.exhaustive and result.states == 10_211


def test_without_faults_the_stream_is_a_straight_line():
    """Without faults is each message delivered, handled, acked in order: 20 states, one end?"""
    result = explore(ConsumerModel(naive_handler, crashes=0, duplicates=0, reorders=0))
    assert result.ok and result.exhaustive and result.final_states == 1
    # Without faults even the non-idempotent handler passes: only faults tell them apart.


def test_non_idempotent_handler_is_caught_with_its_shortest_trace():
    """Is the naive handler caught by a 4-step duplicate delivery, and is that the shortest?"""
    violation = explore(ConsumerModel(naive_handler)).violation
    assert violation.invariant == "no effect applied twice"
    assert violation.actions == ["deliver m1", "handle m1", "redeliver m1", "handle m1"]
    assert [step.fault for step in violation.steps] == [False, False, True, False]
    assert "alice 40 bob 110" in violation.steps[-1].state  # m1's 30 moved twice
    # No run of 3 steps can apply a message twice: it needs a delivery, a handling, a second
    # delivery and a second handling.
    assert explore(ConsumerModel(naive_handler), max_depth=3).ok


def test_a_crash_between_apply_and_ack_alone_catches_the_naive_handler():
    """With only crashes allowed, is the naive handler caught after a crash before the ack (5 steps)?"""
    violation = explore(ConsumerModel(naive_handler, duplicates=0, reorders=0)).violation
    assert violation.actions == ["deliver m1", "handle m1", "crash", "deliver m1", "handle m1"]


def test_dedup_record_must_commit_with_the_effect():
    """Non-transactional: does a crash between the postings and the dedup record break the reference?"""
    violation = explore(ConsumerModel(idempotent_handler, transactional=False, duplicates=0,
                                      reorders=0)).violation
    assert violation.invariant == "no effect applied twice"
    assert violation.actions == ["deliver m1", "handle m1", "crash", "deliver m1", "handle m1"]


def test_watermark_dedup_loses_a_message_only_when_reordered():
    """Is 'skip ids at or below the highest seen' right without reordering and wrong with it?"""
    assert explore(ConsumerModel(watermark_handler, 0, reorders=0)).ok
    violation = explore(ConsumerModel(watermark_handler, 0)).violation
    assert violation.invariant == "each effect applied exactly once"
    assert violation.kind == "final"
    assert "deliver m3 early" in violation.actions
    assert len(violation) == 9


def test_a_learners_mutable_handler_is_handled():
    """Does a learner's handler that keeps a dict and mutates it in place check like the reference?"""
    def learner(state, message):
        if message.message_id in state["seen"]:
            return state, []
        state["seen"].add(message.message_id)
        return state, [(message.debit, -message.amount), (message.credit, message.amount)]

    result = explore(ConsumerModel(learner, {"seen": set()}))
    assert result.ok and result.states == explore(ConsumerModel(idempotent_handler)).states


def test_unbalanced_postings_create_money():
    """Is a handler that credits without debiting caught by 'no money created or lost'?"""
    def credit_only(state, message):
        if message.message_id in state:
            return state, []
        return state | {message.message_id}, [(message.credit, message.amount)]

    violation = explore(ConsumerModel(credit_only)).violation
    assert violation.invariant == "no money created or lost"
    assert violation.actions == ["deliver m1", "handle m1"]


def test_random_walks_find_the_naive_handler_too():
    """Do seeded random walks catch the naive handler, the same way for the same seed?"""
    model = ConsumerModel(naive_handler)
    first = random_walks(model, walks=200, length=30, seed=7)
    assert first.violation is not None
    assert first.violation.actions == random_walks(model, walks=200, length=30,
                                                   seed=7).violation.actions


@pytest.mark.parametrize("kwargs, name", [
    ({"crashes": -1}, "crashes"),
    ({"duplicates": 4}, "duplicates"),
    ({"reorders": 1.5}, "reorders"),
    ({"messages": ()}, "messages"),
    ({"messages": [Transfer(1, "alice", "zoe", 5)]}, "zoe"),
    ({"messages": ["m1"]}, "Transfer"),
])
def test_bad_parameters_raise_value_errors(kwargs, name):
    """Does each bad parameter raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=name):
        ConsumerModel(idempotent_handler, **kwargs)


def test_bad_handlers_raise_value_errors():
    """Is a handler that is not callable, or returns the wrong shape, refused clearly?"""
    with pytest.raises(ValueError, match="handler"):
        ConsumerModel("not a function")
    with pytest.raises(ValueError, match="pair"):
        explore(ConsumerModel(lambda state, message: state))
    with pytest.raises(ValueError, match="postings"):
        explore(ConsumerModel(lambda state, message: (state, [("nobody", 1)])))


def test_defaults_are_a_closed_system():
    """Do the default transfers move money only between the default accounts?"""
    assert {t.debit for t in TRANSFERS} | {t.credit for t in TRANSFERS} <= set(OPENING_BALANCES)
    assert ConsumerModel(idempotent_handler).expected == (60, 60, 30)


def test_random_walks_beyond_the_bound_find_a_reordering_bug_in_a_longer_stream():
    """With six messages and a 2,000-state cap, does check() fall back to seeded walks that
    find the watermark bug, shrunk to 18 steps — the least any run needs to end (6 x deliver,
    handle, ack)?"""
    from course.exploration import check

    messages = TRANSFERS + (Transfer(4, "carol", "alice", 5), Transfer(5, "bob", "alice", 15),
                            Transfer(6, "carol", "bob", 1))
    model = ConsumerModel(watermark_handler, 0, messages=messages, crashes=3, duplicates=3,
                          reorders=3)
    result = check(model, max_states=2_000, walks=300, length=50, seed=1)
    assert result.method == "breadth-first search, then random walks"
    assert result.bound.startswith("max_states=2000, then random walks")
    violation = result.violation
    assert violation.invariant == "each effect applied exactly once"
    assert len(violation) == 18
    assert any(step.fault and "early" in step.action for step in violation.steps)


def test_postings_as_lists_and_numpy_integers_are_accepted():
    """Does a handler returning [account, numpy int] lists check like the reference?"""
    import numpy as np

    def lists(state, message):
        if message.message_id in state:
            return state, []
        return state | {message.message_id}, [[message.debit, np.int64(-message.amount)],
                                              [message.credit, np.int64(message.amount)]]

    assert explore(ConsumerModel(lists)).states == 1198
    with pytest.raises(ValueError, match="postings"):
        explore(ConsumerModel(lambda state, message: (state, [("alice", True)])))
