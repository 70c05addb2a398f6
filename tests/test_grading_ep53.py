"""Ep53's assessment against its answer key, fast: the reference solutions agree with the key
on every question (in tests/test_grading_references.py), the visible inputs are among the graded
cases, the drawn cases change with the seed, and the visible checks catch the classic slips
without giving the answer away. (tests/test_episodes.py grades the whole episode through nbgrader.)"""

from __future__ import annotations

import numpy as np
import pytest
from assessment_support import (
    assessment_cells,
    reference_namespace,
    visible_checks_pass,
)

from grading.answer_keys import load_answer_key

KEY = load_answer_key("ep53")
_, CELLS = assessment_cells("ep53")


@pytest.fixture(scope="module")
def reference():
    return reference_namespace("ep53")


VISIBLE = {
    "ep53-speedup__q2": [(4, 2.5), (32, 32.0), (16, 1.0), (8, 9.0), (1, 1.0)],
    "ep53-operational-laws__q4": [(1.0, [1.0], [0.5]), (20.0, [1.0, 2.0], [0.01, 0.02]), (50.0, [1.0], [0.02])],
    "ep53-tail-latency__q5": [(10.0, 1.5, 1, 0.99), (10.0, 1.5, 100, 0.5), (10.0, 1.5, 0, 0.99), (10.0, 1.5, 10, 1.0)],
    "ep53-growth__q9": [([100.0, 110.0, 121.0],), ([5.0, 5.0],), ([1.0],), ([3.0, 0.0, 4.0],)],
}


@pytest.mark.parametrize("grade_id", sorted(VISIBLE))
def test_visible_inputs_are_graded_and_the_rest_is_drawn(grade_id):
    question = KEY.question(grade_id)
    one, other = question.cases(np.random.default_rng(1)), question.cases(np.random.default_rng(2))
    for args in VISIBLE[grade_id]:
        assert any(c.args == args for c in one), args
        assert repr(args[0]) in CELLS[grade_id]   # the visible check really uses these inputs
    assert [c.args for c in one] != [c.args for c in other]


@pytest.mark.parametrize("grade_id, slip", [
    ("ep53-speedup__q1", {"amdahl_64": 22.145, "cores_for_80pct": 129.33}),            # not rounded up to whole cores
    ("ep53-speedup__q1", {"amdahl_64": 62.08, "cores_for_80pct": 130}),                # the vendor's claim
    ("ep53-operational-laws__q3", {"disk_visits_per_request": 4.0, "x_max": 25.0, "n_star": 77.5,
                                   "response_time": 4.0}),                               # think time left in
    ("ep53-measurement__q8", {"demand_db_ms": 0.0118, "overhead_ms": 4.1, "n_star_load": 44.2, "x_model_40": 70.7}),
    ("ep53-measurement__q8", {"demand_db_ms": 11.8, "overhead_ms": 0.0041, "n_star_load": 44.2, "x_model_40": 70.7}),
    ("ep53-growth__q10", {"months_until_full": 21.7, "order_within_months": 13.96}),   # counted from month 0
])
def test_visible_checks_catch_the_classic_slips(grade_id, slip, reference):
    assert not visible_checks_pass("ep53", grade_id, slip)
    right = {name: reference[name] for name in slip}
    assert visible_checks_pass("ep53", grade_id, right)
