"""Tests for course.exploration.models.quorum: quorum reads and writes checked for
linearizability under every failure subset and message order."""

from __future__ import annotations

import itertools

import pytest

from course.exploration import explore
from course.exploration.linearizability import check_register
from course.exploration.models.quorum import (
    QuorumModel,
    first_reply_read,
    freshest_read,
    history_of,
    quorum_write,
)

INVARIANT = "every history is linearizable"


@pytest.mark.parametrize("n,r,w", [(n, r, w) for n in (1, 2) for r in range(1, n + 1)
                                   for w in range(1, n + 1)])
def test_small_n_caught_exactly_when_quorums_need_not_meet(n, r, w):
    """For N = 1, 2 and every R, W (every node may crash): violated iff R + W <= N."""
    result = explore(QuorumModel(freshest_read, quorum_write, n=n, r=r, w=w))
    assert result.ok is (r + w > n)
    if result.ok:
        assert result.exhaustive


@pytest.mark.parametrize("r,w,steps", [(1, 1, 5), (1, 2, 7), (2, 1, 6)])
def test_three_replicas_overlap_free_quorums_caught_with_shortest_trace(r, w, steps):
    """N = 3 with R + W <= 3: a stale read after the write answered, in the fewest steps."""
    caught = explore(QuorumModel(freshest_read, quorum_write, n=3, r=r, w=w)).violation
    assert caught.invariant == INVARIANT and len(caught) == steps
    assert caught.actions[0] == "invoke write 1"
    history = history_of(caught.end_state)
    assert not check_register(history).ok
    # The stale read began after the write had answered: the write is complete in the history.
    write, read = history[0], history[-1]
    assert write.complete and read.value == 0 and read.invoke > write.response


def test_three_replicas_majority_quorums_pass_under_every_failure_subset():
    """N = 3, R = W = 2, any of the 3 nodes may crash at any moment: exhaustive and clean."""
    result = explore(QuorumModel(freshest_read, quorum_write, n=3, r=2, w=2))
    assert result.ok and result.exhaustive
    assert result.states == 27_053


@pytest.mark.parametrize("r,w", [(3, 1), (1, 3)])
def test_three_replicas_other_overlapping_quorums_pass(r, w):
    result = explore(QuorumModel(freshest_read, quorum_write, n=3, r=r, w=w, crashes=1))
    assert result.ok and result.exhaustive


def test_without_read_repair_a_new_then_old_inversion_is_caught():
    """R + W > N is not enough without the read's write-back: the shortest run is 8 steps."""
    caught = explore(QuorumModel(freshest_read, quorum_write, n=3, r=2, w=2,
                                 read_repair=False)).violation
    assert len(caught) == 8
    first, second = history_of(caught.end_state)[1:]
    assert (first.value, second.value) == (1, 0) and first.response < second.invoke
    assert not any(step.fault for step in caught.steps)  # message order alone does it


def test_sloppy_quorum_breaks_a_majority_quorum():
    caught = explore(QuorumModel(freshest_read, quorum_write, n=3, r=2, w=2,
                                 sloppy=True)).violation
    assert caught is not None and len(caught) == 9
    assert any(step.fault and step.action.startswith("crash") for step in caught.steps)
    # The spare D answered the read in place of the crashed replica.
    assert "D handles reader's read" in caught.actions


def test_hinted_handoff_delivers_the_value_to_the_recovered_replica():
    model = QuorumModel(freshest_read, quorum_write, n=1, r=1, w=1, sloppy=True, reads=0,
                        writes=2, recoveries=1)  # a second write keeps the run going
    state = model.initial_state()
    for name in ("crash A", "invoke write 1", "B handles writer's store v1", "recover A",
                 "hand v1 to A"):
        action = next(a for a in model.actions(state) if a.name == name)
        state = model.step(state, action)
    assert state.stored == ((1, 1), (1, 1)) and state.hints == ((), ())


def test_a_read_returning_its_first_reply_is_caught():
    caught = explore(QuorumModel(first_reply_read, quorum_write, n=3, r=2, w=2)).violation
    assert caught is not None and caught.invariant == INVARIANT


def test_a_write_answering_before_its_quorum_is_caught():
    caught = explore(QuorumModel(freshest_read, lambda acks, w: acks >= w - 1,
                                 n=3, r=2, w=2)).violation
    assert caught is not None


def test_every_failure_subset_is_reachable():
    """With the default budget every subset of the 3 nodes can be down at once."""
    result = explore(QuorumModel(freshest_read, quorum_write, n=3, r=2, w=2, reads=1),
                     keep_graph=True)
    downs = {tuple(value.up) for value in result.graph[0]["value"]}
    assert downs == set(itertools.product((True, False), repeat=3))


@pytest.mark.parametrize("kwargs,message", [
    ({"n": 6}, "n must be"), ({"r": 4}, "r must be"), ({"w": 0}, "w must be"),
    ({"reads": 4}, "reads must be"), ({"crashes": 5}, "crashes must be"),
    ({"nodes": ["A", "A", "B"]}, "nodes must name at least"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        QuorumModel(freshest_read, quorum_write, **kwargs)


def test_read_must_return_one_of_its_replies():
    model = QuorumModel(lambda replies, r: (9, 9), quorum_write, n=1, r=1, w=1)
    with pytest.raises(ValueError, match="read must return None or one of"):
        explore(model)


def test_learner_functions_must_be_callable():
    with pytest.raises(ValueError, match="read must be a function"):
        QuorumModel(None, quorum_write)
