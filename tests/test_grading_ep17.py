"""Ep17's answer key: Q4's commit rule is judged by the Raft model checker in the grading process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course.coordination import raft
from grading.answer_keys import load_answer_key
from grading.answer_keys.ep17 import (
    Q4_BOUNDS,
    judge_commit_rule,
    reachable_inputs,
    reference_commit_index,
    rule_from_table,
)
from grading.verdict import verdict

KEY = load_answer_key("ep17")
Q4 = KEY.question("ep17-raft-check__q4")


def _naive(current_term, log_terms, match_index, commit_index):
    needed = len(match_index) // 2 + 1
    for index in range(len(log_terms), commit_index, -1):
        if sum(m >= index for m in match_index) >= needed:
            return index
    return commit_index


def _never(current_term, log_terms, match_index, commit_index):
    return commit_index


def _answers(rule, cases):
    """The probe's answers for ``rule``: {"value": ...} or {"error": [...]} per case."""
    answers = []
    for case in cases:
        try:
            answers.append({"value": rule(*case.args)})
        except ValueError as error:
            answers.append({"error": ["ValueError", str(error)]})
    return answers


@pytest.fixture(scope="module")
def cases():
    return Q4.cases(np.random.default_rng(7))


def test_the_table_covers_every_input_the_checker_presents(cases):
    """Does every leader state of the checker's model find its inputs among the probed cases?"""
    domain = reachable_inputs(Q4_BOUNDS["max_term"], Q4_BOUNDS["max_log"])
    probed = {repr(c.args) for c in cases}
    assert all(repr(args) in probed for args in domain)
    leader = raft.Node(1, 3, term=4, role="leader", log=((2, "x"),), next_index=(2, 2, 2), match_index=(0, 1, 1))
    table = {json.dumps(list(args)): reference_commit_index(*args) for args in domain}
    assert rule_from_table(table)(leader).commit_index == raft.advance_commit_index(leader).commit_index == 0


def test_raft_rule_passes_the_checker_and_the_comparisons(cases):
    """Does the reference rule, as a learner's answers, earn the question?"""
    result = verdict(Q4, cases, _answers(reference_commit_index, cases))
    assert result.passed, result.message


def test_naive_rule_fails_with_the_checkers_figure_8_counterexample(cases):
    """Is the naive commit rule failed by the checker, with the shortest run in the feedback?"""
    result = verdict(Q4, cases, _answers(_naive, cases))
    assert not result.passed
    assert "leader completeness in 14 steps" in result.message and "AppendEntries S1→S3 t3" in result.message


def test_a_rule_that_never_commits_is_safe_but_fails(cases):
    """Does a rule that commits nothing (trivially safe) fail the liveness run?"""
    values = [None if c.raises else _never(*c.args) for c in cases]
    assert "commits nothing" in judge_commit_rule(cases, values)


def test_missing_answers_are_reported_not_crashed(cases):
    """An answer that is not a whole number on the checker's inputs: a message, not an exception."""
    values = [None if c.raises else 1.5 for c in cases]
    assert "could not run" in judge_commit_rule(cases, values)
