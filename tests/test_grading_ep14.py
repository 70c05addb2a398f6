"""Ep14's answer key checked against the course library it stands in for."""

from __future__ import annotations

import math

import numpy as np

from course.exploration import Action, FunctionModel, Invariant, explore
from grading.answer_keys.ep14 import ANSWER_KEY, q12_costs


def _cases(grade_id):
    question = ANSWER_KEY.question(grade_id)
    return question, [c for c in question.cases(np.random.default_rng(14)) if not c.raises]


def test_q10_breadth_first_key_matches_the_exploration_engine():
    """Is the key's shortest run as long as the engine's shortest counterexample, on every drawn graph?"""
    question, cases = _cases("ep14-checking__q10")
    for case in cases:
        transitions, start, bad = case.args
        model = FunctionModel(start, lambda s, t=transitions: [Action("m", a) for a, _ in t.get(s, [])],
                              lambda s, action, t=transitions: dict(t.get(s, []))[action.name],
                              [Invariant("not bad", lambda s, b=frozenset(bad): s not in b)])
        engine = explore(model).violation
        key = question.expected(*case.args)
        assert (key is None) == (engine is None)
        if key is not None:
            assert len(key) == len(engine)


def test_q8_key_matches_a_monte_carlo_saga():
    """Do the key's completion probability and expected compensations match 200,000 simulated runs?"""
    question, _ = _cases("ep14-saga__q8")
    kinds, probabilities = ["compensatable", "compensatable", "compensatable", "pivot", "retriable"], [0.9, 0.7, 0.8, 0.6, 0.2]
    done, undone = question.expected(kinds, probabilities)
    rng = np.random.default_rng(8)
    draws = rng.random((200_000, 4)) < np.array(probabilities[:4])
    first_failure = np.where(draws.all(axis=1), 4, np.argmin(draws, axis=1))
    assert abs(draws.all(axis=1).mean() - done) < 4 * math.sqrt(done * (1 - done) / 200_000)
    compensations = np.where(first_failure < 4, first_failure, 0)
    assert abs(compensations.mean() - undone) < 4 * compensations.std() / math.sqrt(200_000)


def test_q12_break_even_makes_the_totals_equal():
    """At the key's break-even replay rate, do event sourcing and the audit table cost the same?"""
    rate = ANSWER_KEY.question("ep14-event-decisions__q12").expected()["replay_break_even"]
    totals = q12_costs(rate)
    assert math.isclose(totals["es_total"], totals["audit_total"], rel_tol=1e-12)
