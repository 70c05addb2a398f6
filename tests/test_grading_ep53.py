"""Ep53's assessment against its answer key, fast: the reference solutions agree with the key
on every question (drawn cases and refusals included), the visible inputs are among the graded
cases, the drawn cases change with the seed, and the visible checks catch the classic slips
without giving the answer away. (tests/test_episodes.py grades the whole episode through nbgrader.)"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from course.syllabus import load_syllabus
from grading.answer_keys import load_answer_key

KEY = load_answer_key("ep53")
NOTEBOOK = nbformat.read(next(n.path for n in load_syllabus().episode("ep53").notebooks if n.name == "assessment"),
                         as_version=4)
CELLS = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in NOTEBOOK.cells}


@pytest.fixture(scope="module")
def reference():
    """The kernel state after the parameter cell and every reference answer cell, in order."""
    namespace: dict = {"print": lambda *a, **k: None}
    exec(CELLS["ep53-assessment-parameters"], namespace)
    for cell in NOTEBOOK.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            exec(cell.source, namespace)
    return namespace


@pytest.mark.parametrize("question", [q for q in KEY.questions if q.probe == "variables"], ids=lambda q: q.grade_id)
def test_the_reference_numbers_match_the_key(question, reference):
    want = question.expected()
    got = {name: reference[name] for name in question.names}
    assert set(want) == set(question.names)
    assert question.matches(got, want), (got, want)


@pytest.mark.parametrize("question", [q for q in KEY.questions if q.probe == "call"], ids=lambda q: q.grade_id)
def test_the_reference_functions_pass_every_drawn_case(question, reference):
    function = reference[question.names[0]]
    cases = question.cases(np.random.default_rng(53))
    assert sum(1 for c in cases if c.raises) >= 2 and sum(1 for c in cases if not c.raises) >= 20
    for case in cases:
        if case.raises:
            with pytest.raises(ValueError):
                function(*case.args)
        else:
            assert question.matches(function(*case.args), question.expected(*case.args)), case.args


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


def _visible_checks(grade_id: str, answers: dict):
    """Run the parameter cell and the visible checks of ``grade_id`` with ``answers`` set."""
    namespace: dict = {"print": lambda *a, **k: None}
    exec(CELLS["ep53-assessment-parameters"], namespace)
    results = []

    def collect(_grade_id, *checks):
        for one in checks:
            try:
                results.append(one() is not False)
            except AssertionError:
                results.append(False)

    namespace.update(answers, check=collect)
    exec(CELLS[grade_id], namespace)
    return all(results)


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
    assert not _visible_checks(grade_id, slip)
    right = {name: reference[name] for name in slip}
    assert _visible_checks(grade_id, right)
