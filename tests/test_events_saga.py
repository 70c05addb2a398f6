"""Sagas: is the state space linear, and are compensations in reverse, never after the pivot?"""

from __future__ import annotations

import itertools

import pytest

from course.events.saga import Step, run_saga, saga_state_space, validate_saga


def saga(compensatable: int, retriable: int) -> list[Step]:
    return ([Step(f"c{i}", "compensatable") for i in range(compensatable)] + [Step("pivot", "pivot")]
            + [Step(f"r{i}", "retriable") for i in range(retriable)])


@pytest.mark.parametrize(("compensatable", "retriable"), [(0, 0), (1, 0), (3, 2), (10, 5), (40, 20)])
def test_state_count_is_linear(compensatable, retriable):
    """Does a saga of n steps with the pivot at p have n + p + 2 states, every one reachable?"""
    steps = saga(compensatable, retriable)
    space = saga_state_space(steps)
    n, p = len(steps), compensatable
    assert len(space.states) == n + p + 2
    assert {("completed", n), ("aborted", 0)} <= set(space.states)
    assert all(target in space.states for _, _, target in space.transitions)


def test_no_compensation_state_after_the_pivot():
    """Is no step at or after the pivot ever in a compensating state?"""
    space = saga_state_space(saga(3, 3))
    assert all(i < space.pivot for phase, i in space.states if phase == "undo")


def test_compensations_run_in_reverse_and_skip_the_pivot_and_beyond():
    """For every failure point, are done compensatable steps undone in reverse and nothing after the pivot?"""
    steps = saga(3, 2)
    for failing in steps:
        rows = run_saga(steps, {failing.name: ["fail"]})
        done = [r["step"] for r in rows if r["action"] == "done"]
        undone = [r["step"] for r in rows if r["action"] == "compensated"]
        if failing.kind == "retriable":
            assert undone == [] and done[-1] == steps[-1].name          # retried, then completed
        else:
            assert undone == list(reversed(done))
            assert all(not name.startswith(("pivot", "r")) for name in undone)


def test_a_retriable_step_that_keeps_failing_is_stuck_not_compensated():
    """Does a retriable step failing every attempt end 'stuck' with nothing compensated?"""
    rows = run_saga(saga(2, 1), {"r0": ["fail"] * 20}, max_retries=5)
    assert rows[-1]["action"] == "stuck" and not any(r["action"] == "compensated" for r in rows)


def test_bad_sagas_are_refused():
    """Are a missing pivot, two pivots, a wrong order and an unknown kind refused by name?"""
    for bad in ([Step("a", "compensatable")], [Step("a", "pivot"), Step("b", "pivot")],
                [Step("a", "retriable"), Step("b", "pivot")]):
        with pytest.raises(ValueError, match="steps"):
            validate_saga(bad)
    with pytest.raises(ValueError, match="kind"):
        Step("a", "reversible")


def test_linear_states_against_the_subsets_a_naive_model_counts():
    """Is 2^n far above the linear count already at 20 steps (the O(n) vs 2^n point)?"""
    counts = [(len(saga(k, k).copy()), len(saga_state_space(saga(k, k)).states)) for k in range(1, 10)]
    for n, states in counts:
        assert states <= 2 * n + 2
    assert list(itertools.islice((2 ** n for n, _ in counts), 8, 9))[0] == 2 ** 19
