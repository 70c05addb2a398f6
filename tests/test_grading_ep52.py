"""Ep52's assessment against its answer key, fast: the reference solutions agree with the key
on every question (in tests/test_grading_references.py), the visible inputs are among the graded
cases, the drawn cases change with the seed, and the visible checks catch the classic slips.
(tests/test_episodes.py grades the whole episode through nbgrader.)"""

from __future__ import annotations

import numpy as np
import pytest
from assessment_support import (
    assessment_cells,
    parameters,
    reference_namespace,
    visible_checks_pass,
)

from grading.answer_keys import load_answer_key

KEY = load_answer_key("ep52")
_, CELLS = assessment_cells("ep52")


@pytest.fixture(scope="module")
def reference():
    return reference_namespace("ep52")


def test_the_key_uses_the_notebooks_data():
    """Does the key grade the same question data the learner sees in the parameter cell?"""
    from grading.answer_keys import ep52

    namespace = parameters("ep52")
    assert namespace["Q6_FAILED_AT"] == ep52.Q6_FAILED and namespace["Q6_STILL_RUNNING_AT"] == ep52.Q6_RUNNING
    assert namespace["Q8_RUNS"] == ep52.Q8_RUNS and (namespace["Q8_MTTF"], namespace["Q8_MTTR"]) == (800.0, 10.0)
    assert namespace["Q11_OPTIONS"] == ep52.Q11_OPTIONS and namespace["Q11_COST_PER_HOUR_DOWN"] == ep52.Q11_PRICE
    assert (namespace["Q4_ZONE_AVAILABILITY"], namespace["Q4_COMMON_MODE_SHARE"]) == (ep52.Q4_ZONE, ep52.Q4_SHARE)
    assert (namespace["Q1_SLO"], namespace["Q1_MONTH_REQUESTS"], namespace["Q1_FAILED_SO_FAR"],
            namespace["Q1_ERROR_RATIO_NOW"]) == (ep52.Q1["slo"], ep52.Q1["month_requests"], ep52.Q1["failed_so_far"],
                                                 ep52.Q1["ratio_now"])


def test_the_alert_cases_hold_both_answers():
    """Are both True and False answers among Q2's drawn cases (a constant answer cannot pass)?"""
    question = KEY.question("ep52-budgets__q2")
    answers = {question.expected(*c.args) for c in question.cases(np.random.default_rng(5)) if not c.raises}
    assert answers == {True, False}


VISIBLE = {
    "ep52-budgets__q2": [(1_500, 100_000, 200, 10_000, 0.999, 14.4), (50, 100_000, 300, 10_000, 0.999, 14.4)],
    "ep52-composition__q3": [(2, [0.99, 0.95, 0.90]), (3, [0.9, 0.8, 0.7]), (30, [0.99] * 60)],
    "ep52-lifetimes__q5": [(1.0, 1000.0, 5000.0, 1000.0), (2.0, 1000.0, 1000.0, 1000.0)],
    "ep52-markov__q7": [(1, 1, 0.001, 0.5, 1), (3, 2, 0.01, 1.0, 3), (3, 2, 0.01, 1.0, 1)],
    "ep52-failure-detection__q9": [([0, 1, 2, 3, 8, 9], 2.0, 2), ([0, 1, 2, 3, 8, 9], 1.0, 3)],
}


@pytest.mark.parametrize("grade_id", sorted(VISIBLE))
def test_visible_inputs_are_graded_and_the_rest_is_drawn(grade_id):
    """Are the visible checks' inputs among the graded cases, and do the drawn ones change with the seed?"""
    question = KEY.question(grade_id)
    one, other = question.cases(np.random.default_rng(1)), question.cases(np.random.default_rng(2))
    for args in VISIBLE[grade_id]:
        assert any(c.args == args for c in one), args
    assert [c.args for c in one] != [c.args for c in other]


@pytest.mark.parametrize("grade_id, slip", [
    ("ep52-budgets__q1", {"budget_spent_share": 0.4, "burn_rate_now": 0.012, "hours_to_exhaustion": 18.0}),  # a ratio
    ("ep52-budgets__q1", {"budget_spent_share": 0.4, "burn_rate_now": 24.0, "hours_to_exhaustion": 432.0}),  # minutes
    ("ep52-composition__q4", {"two_of_three_correlated": 0.999988016}),                # the independent formula
    ("ep52-lifetimes__q6", {"pump_shape": 2.24, "pump_scale": 16_897.0, "pump_b10_hours": 6_100.0}),  # failures only
    ("ep52-failure-detection__q10", {"failure_models": {"a": "Byzantine", "b": "metastable", "c": "gray",
                                                        "d": "crash", "e": "omission", "f": "timing"}}),
])
def test_visible_checks_catch_the_classic_slips(grade_id, slip, reference):
    """Do the visible checks reject each classic slip, and accept the reference answer?"""
    assert not visible_checks_pass("ep52", grade_id, slip)
    right = {name: reference[name] for name in slip}
    assert visible_checks_pass("ep52", grade_id, right)
