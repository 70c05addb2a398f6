"""The linearizability checker on a table of known histories, and against brute force.

Each row of TABLE is a register history whose verdict was worked out by hand (the comment
in its name says why); the hypothesis test compares the memoised search with trying every permutation on small random
histories.
"""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.exploration.linearizability import Operation, check_register, history_figure

W, R = "write", "read"

# (name, history, initial value, linearizable?)
TABLE = [
    ("empty history", [], 0, True),
    ("read of the initial value", [Operation("a", R, 0, 0, 1)], 0, True),
    ("read of a value never written", [Operation("a", R, 7, 0, 1)], 0, False),
    ("sequential write then read", [Operation("a", W, 1, 0, 1), Operation("b", R, 1, 2, 3)],
     0, True),
    ("stale read after the write returned",
     [Operation("a", W, 1, 0, 1), Operation("b", R, 0, 2, 3)], 0, False),
    ("read concurrent with the write sees the old value",
     [Operation("a", W, 1, 0, 4), Operation("b", R, 0, 1, 2)], 0, True),
    ("read concurrent with the write sees the new value",
     [Operation("a", W, 1, 0, 4), Operation("b", R, 1, 1, 2)], 0, True),
    ("new then old during one write (the quorum inversion)",
     [Operation("a", W, 1, 0, 10), Operation("b", R, 1, 1, 2), Operation("c", R, 0, 3, 4)],
     0, False),
    ("old then new during one write",
     [Operation("a", W, 1, 0, 10), Operation("b", R, 0, 1, 2), Operation("c", R, 1, 3, 4)],
     0, True),
    ("two concurrent reads may disagree during a write",
     [Operation("a", W, 1, 0, 10), Operation("b", R, 1, 1, 4), Operation("c", R, 0, 2, 3)],
     0, True),
    ("touching intervals are concurrent",
     [Operation("a", W, 1, 0, 2), Operation("b", R, 0, 2, 3)], 0, True),
    ("two writes, a read sees the first after the second returned",
     [Operation("a", W, 1, 0, 1), Operation("a", W, 2, 2, 3), Operation("b", R, 1, 4, 5)],
     0, False),
    ("concurrent writes, reads agree on the order 2 then 1",
     [Operation("a", W, 1, 0, 5), Operation("b", W, 2, 0, 5), Operation("c", R, 2, 1, 2),
      Operation("c", R, 1, 6, 7)], 0, True),
    ("concurrent writes, reads see both orders",
     [Operation("a", W, 1, 0, 5), Operation("b", W, 2, 0, 5), Operation("c", R, 1, 6, 7),
      Operation("d", R, 2, 8, 9), Operation("c", R, 1, 10, 11)], 0, False),
    ("unanswered write that took effect",
     [Operation("a", W, 1, 0, None), Operation("b", R, 1, 5, 6)], 0, True),
    ("unanswered write that did not take effect",
     [Operation("a", W, 1, 0, None), Operation("b", R, 0, 5, 6)], 0, True),
    ("unanswered write seen, then unseen",
     [Operation("a", W, 1, 0, None), Operation("b", R, 1, 5, 6), Operation("b", R, 0, 7, 8)],
     0, False),
    ("unanswered read is ignored",
     [Operation("a", W, 1, 0, 1), Operation("b", R, 0, 2, None)], 0, True),
    ("the newer value read, then the overwritten one",
     [Operation("a", W, 1, 0, 1), Operation("b", W, 2, 2, 6), Operation("c", R, 2, 3, 4),
      Operation("c", R, 1, 5, 7)], 0, False),
    ("non-zero initial value", [Operation("a", R, "x", 0, 1)], "x", True),
]


@pytest.mark.parametrize("name,history,initial,expected", TABLE, ids=[row[0] for row in TABLE])
def test_known_histories(name, history, initial, expected):
    verdict = check_register(history, initial)
    assert verdict.ok is expected
    if expected:
        # The witness is a real linearization: every answered op, real-time order kept,
        # and each read returns the latest write before it.
        assert _valid_order(history, verdict.order, initial)


def _valid_order(history, order, initial):
    answered = {i for i, op in enumerate(history) if op.complete}
    if not answered <= set(order):
        return False
    for a, b in itertools.combinations(order, 2):  # a placed before b
        if history[b].complete and history[b].response < history[a].invoke:
            return False
    value = initial
    for i in order:
        op = history[i]
        if op.kind == W:
            value = op.value
        elif op.value != value:
            return False
    return True


def _brute_force(history, initial):
    writes_pending = [i for i, op in enumerate(history) if not op.complete and op.kind == W]
    answered = [i for i, op in enumerate(history) if op.complete]
    for k in range(len(writes_pending) + 1):
        for extra in itertools.combinations(writes_pending, k):
            for order in itertools.permutations(answered + list(extra)):
                if _valid_order(history, order, initial):
                    return True
    return False


@st.composite
def histories(draw):
    n = draw(st.integers(0, 6))
    ops = []
    for _ in range(n):
        start = draw(st.integers(0, 8))
        length = draw(st.integers(0, 4))
        pending = draw(st.booleans()) and draw(st.booleans())
        kind = draw(st.sampled_from([R, W]))
        ops.append(Operation(draw(st.sampled_from("abc")), kind, draw(st.integers(0, 2)),
                             start, None if pending else start + length))
    return ops


@settings(max_examples=300, deadline=None)
@given(histories())
def test_agrees_with_brute_force(history):
    assert check_register(history).ok == _brute_force(history, 0)


def test_memoisation_keeps_the_search_small():
    # 12 concurrent writes of distinct values then a read of a value nobody wrote: n! = 479
    # million orders, but at most 2^12 placed sets x 13 values configurations.
    history = [Operation(f"c{i}", W, i + 1, 0, 10) for i in range(12)]
    history.append(Operation("r", R, 99, 11, 12))
    verdict = check_register(history)
    assert not verdict.ok
    assert verdict.configurations <= 2 ** 12 * 13


def test_failed_verdict_reports_the_longest_prefix():
    history = TABLE[7][1]  # new then old
    verdict = check_register(history)
    assert not verdict.ok and verdict.order == (0, 1)
    assert "NOT linearizable" in verdict.explain(history)


@pytest.mark.parametrize("history,message", [
    ("ab", "history must be a list"),
    ([1], r"history\[0\] must be an Operation"),
    ([Operation("a", "cas", 1, 0, 1)], "kind must be 'read' or 'write'"),
    ([Operation("a", R, 1, 2, 1)], "response 1 is before invoke 2"),
    ([Operation("a", R, 1, float("nan"), 1)], "invoke must be a finite time"),
    ([Operation("a", R, 0, 0, 1)] * 25, "at most 24 operations"),
])
def test_bad_input(history, message):
    with pytest.raises(ValueError, match=message):
        check_register(history)


def test_history_figure_marks_the_stuck_operation():
    history = TABLE[7][1]
    figure = history_figure(history, verdict=check_register(history))
    reads = next(trace for trace in figure.data if trace.name == "read")
    assert list(reads.marker.line.color) == ["#1f77b4", "#d62728"]
