"""Tests for course.exploration.models.saga: the saga-orchestrator model under faults."""

from __future__ import annotations

import pytest

from course.exploration import explore, random_walks
from course.exploration.models.saga import (
    TRIP,
    SagaModel,
    SagaStep,
    compensate_everything,
    forward_compensation,
    last_reply_orchestrator,
    linear_saga,
    pivot_index,
    reference_orchestrator,
)

NO_FAULTS = {"failures": 0, "crashes": 0, "timeouts": 0, "duplicates": 0}


def test_reference_passes_every_fault_exhaustively():
    """Does the reference orchestrator survive one of each fault at every point (968 states)?"""
    result = explore(SagaModel(reference_orchestrator))
    assert result.ok and result.exhaustive
    assert (result.states, result.transitions, result.depth) == (968, 1350, 16)


def test_reference_passes_with_two_of_each_fault():
    """With two of each fault (22,200 states) does the reference still end consistently?"""
    result = explore(SagaModel(reference_orchestrator, failures=2, crashes=2, timeouts=2,
                               duplicates=2))
    assert result.ok and result.exhaustive and result.states == 22_200


@pytest.mark.parametrize("n", range(1, 9))
def test_a_linear_saga_without_faults_is_a_line_of_2n_plus_2_states(n):
    """Without faults is the saga a line: each step sent then answered, then the end (2n + 2)?"""
    result = explore(SagaModel(reference_orchestrator, linear_saga(n - 1, True, 0), **NO_FAULTS))
    assert result.states == 2 * n + 2 and result.transitions == 2 * n + 1
    assert result.final_states == 1 and result.ok


@pytest.mark.parametrize("n", range(1, 9))
def test_one_refusal_gives_quadratically_many_logged_states_not_exponential(n):
    """With one refusal allowed, are there (n+1)(n+2) states — the log remembers which step
    refused — far below the 2^n subsets of done steps times the logs?"""
    result = explore(SagaModel(reference_orchestrator, linear_saga(n - 1, True, 0),
                               failures=1, crashes=0, timeouts=0, duplicates=0))
    assert result.states == (n + 1) * (n + 2)
    assert result.ok and result.final_states == n + 1  # refused at step k (n ways) or none


def test_compensating_after_the_pivot_is_caught():
    """Is rolling back on a retriable failure caught at the compensation of the ticket (9 steps)?"""
    violation = explore(SagaModel(compensate_everything)).violation
    assert violation.invariant == "nothing at or after the pivot is compensated"
    assert violation.kind == "step"
    assert violation.actions[-2:] == ["fail (retry later)", "compensate issue ticket"]
    assert len(violation) == 9


def test_forward_compensation_is_caught():
    """Is compensating the hotel before the car caught, after the ticket is refused (7 steps)?"""
    violation = explore(SagaModel(forward_compensation)).violation
    assert violation.invariant == "compensations run in reverse order"
    assert violation.actions[-2:] == ["refuse", "compensate book hotel"]
    assert len(violation) == 7


def test_deciding_from_the_last_reply_compensates_twice_only_with_duplicate_replies():
    """Does the last-reply orchestrator pass without duplicates and fail with one (8 steps)?"""
    assert explore(SagaModel(last_reply_orchestrator, duplicates=0)).ok
    violation = explore(SagaModel(last_reply_orchestrator)).violation
    assert violation.invariant == "a confirmed compensation is not requested again"
    assert "duplicate reply: failed" in violation.actions
    assert len(violation) == 8


def test_participants_must_be_idempotent():
    """Without idempotent participants does a crash after the hotel acted charge twice (4 steps)?"""
    violation = explore(SagaModel(reference_orchestrator,
                                  idempotent_participants=False)).violation
    assert violation.invariant.startswith("no money created or lost")
    assert violation.actions == ["do book hotel", "crash after book hotel acted",
                                 "do book hotel", "carry out, reply"]
    assert "customer paid 240" in violation.steps[-1].state


def test_an_orchestrator_that_never_ends_is_caught_by_the_log_bound():
    """Is an orchestrator that keeps re-sending the first step caught by the bounded log?"""
    def stuck(steps, log):
        return ("do", 0)
    violation = explore(SagaModel(stuck, **NO_FAULTS)).violation
    assert violation.invariant == "the saga ends within 8 log records"


def test_ending_done_too_early_is_caught_at_the_end():
    """Is declaring 'done' after the pivot, forgetting the retriable fee, a final violation?"""
    def early(steps, log):
        done = {i for outcome, i in log if outcome == "done"}
        return ("do", len(done)) if len(done) < 3 else ("end", "done")
    violation = explore(SagaModel(early, **NO_FAULTS)).violation
    assert violation.invariant == "ends all done or all compensated, as declared"
    assert violation.kind == "final"


def test_a_learners_orchestrator_with_lists_checks_like_the_reference():
    """Does a learner's differently written (list-based) orchestrator pass, state for state?"""
    def learner(steps, log):
        failed_for_good = [i for outcome, i in log
                           if outcome == "failed" and steps[i].kind != "retriable"]
        done = [i for outcome, i in log if outcome == "done"]
        undone = [i for outcome, i in log if outcome == "compensated"]
        if failed_for_good:
            left = [i for i in done if i not in undone]
            return ("compensate", max(left)) if left else ("end", "compensated")
        missing = [i for i in range(len(steps)) if i not in done]
        return ("do", missing[0]) if missing else ("end", "done")
    result = explore(SagaModel(learner))
    assert result.ok and result.states == 968


def test_random_walks_catch_the_pivot_bug():
    """Do seeded random walks also catch compensate_everything, reproducibly?"""
    model = SagaModel(compensate_everything)
    walked = random_walks(model, walks=300, length=40, seed=11)
    assert walked.violation is not None
    assert walked.violation.actions == random_walks(model, walks=300, length=40,
                                                    seed=11).violation.actions


@pytest.mark.parametrize("steps, match", [
    ((SagaStep("a", "pivot"), SagaStep("b", "compensatable")), "compensatable ones first"),
    ((SagaStep("a", "pivot"), SagaStep("b", "pivot")), "at most one pivot"),
    ((SagaStep("a", "maybe"),), "kind"),
    ((), "1 to 8"),
    ((SagaStep("a", "pivot", -5),), "price"),
])
def test_bad_steps_are_refused(steps, match):
    """Is a saga out of order, with two pivots, an unknown kind, no steps or a negative price refused?"""
    with pytest.raises(ValueError, match=match):
        SagaModel(reference_orchestrator, steps)


@pytest.mark.parametrize("command", [("do", 9), ("undo", 0), ("end", "maybe"), "do 0", ("do", True)])
def test_bad_commands_raise_a_value_error(command):
    """Does an orchestrator returning an unknown command or step raise a ValueError saying what is allowed?"""
    with pytest.raises(ValueError, match="orchestrator"):
        explore(SagaModel(lambda steps, log: command))


def test_fault_budgets_and_helpers_are_checked():
    """Are fault budgets limited to 0..3 and the helpers' defaults right?"""
    with pytest.raises(ValueError, match="crashes"):
        SagaModel(reference_orchestrator, crashes=4)
    with pytest.raises(ValueError, match="orchestrator"):
        SagaModel("reference")
    assert pivot_index(TRIP) == 2 and pivot_index(linear_saga(3, False, 0)) == 3


@pytest.mark.parametrize("compensatable, retriable", [(2, 1), (3, 0), (1, 3), (5, 2)])
def test_a_linear_saga_holds_only_prefixes_n_plus_1_not_2_to_the_n(compensatable, retriable):
    """Under every fault, do the participants' holdings stay prefixes (steps 1..k done): n + 1
    configurations of the 2^n subsets — the sense in which a linear saga has O(n) states?"""
    steps = linear_saga(compensatable, True, retriable)
    n = len(steps)
    result = explore(SagaModel(reference_orchestrator, steps), keep_graph=True)
    nodes, _ = result.graph
    holdings = {state.held for state in nodes["value"]}
    assert holdings == {(1,) * k + (0,) * (n - k) for k in range(n + 1)}
    assert len(holdings) == n + 1 < 2 ** n


def test_commands_as_lists_are_accepted():
    """Does an orchestrator answering lists (["do", 0]) check like the reference?"""
    def lists(steps, log):
        return list(reference_orchestrator(steps, log))
    assert explore(SagaModel(lists)).states == 968
