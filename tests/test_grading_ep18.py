"""Ep18's answer key against the assessment's reference solutions, on many drawn inputs (no kernel)."""

from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading.answer_keys.ep18 import ANSWER_KEY, FORBIDDEN
from grading.answer_keys.model import close

NOTEBOOK = Path(__file__).resolve().parent.parent / "series-1" / "ep18-scaling" / "assessment.ipynb"


@pytest.fixture(scope="module")
def reference():
    """The parameter cell and every answer cell of the source notebook, run in one namespace."""
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source
             for c in nbformat.read(NOTEBOOK, as_version=4).cells}
    namespace: dict = {}
    exec(cells["ep18-assessment-parameters"].replace('mark_opened("ep18/assessment")', ""), namespace)
    for grade_id, source in cells.items():
        if grade_id and grade_id.startswith("ep18-") and "__a" in grade_id:
            exec(source, namespace)
    return namespace


@pytest.mark.parametrize("question", [q for q in ANSWER_KEY.questions if q.probe == "call"], ids=lambda q: q.grade_id)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_function_answers_match_the_key_on_drawn_cases(reference, question, seed):
    """Does the reference function give the key's answer on every drawn case, and refuse the bad ones?"""
    function = reference[question.names[0]]
    for case in question.cases(np.random.default_rng(seed)):
        if case.raises:
            with pytest.raises(ValueError):
                function(*case.args)
        else:
            assert question.matches(function(*case.args), question.expected(*case.args)), case.args


@pytest.mark.parametrize("question", [q for q in ANSWER_KEY.questions if q.probe == "variables"],
                         ids=lambda q: q.grade_id)
def test_numeric_answers_match_the_key(reference, question):
    got = {name: reference[name] for name in question.names}
    assert close(got, question.expected(), question.rel_tol, question.abs_tol)


def test_the_key_states_the_worked_numbers():
    """The numbers the questions and the report quote."""
    expected = {q.grade_id: q.expected() for q in ANSWER_KEY.questions if q.probe == "variables"}
    assert expected["ep18-autoscaling__q4"]["reactive_misses"] == 155
    assert expected["ep18-autoscaling__q4"]["predictive_misses"] == 65
    assert expected["ep18-sharding__q6"]["moved_gb"] == {"modulo": 1600.0, "consistent": 400.0, "split": 250.0}
    assert expected["ep18-controllers__q8"] == {"best_controller": "D", "best_total": 37.4}
    assert expected["ep18-scaling-decisions__q9"]["q9_shard_from"] == 3200
    assert expected["ep18-scaling-decisions__q10"]["q10_instances"] == 16


def _last_on_tie(candidates, bins):
    """A slip: on a tie the ball goes to the candidate listed last."""
    loads = [0] * bins
    for choice in candidates:
        best = choice[0]
        for b in choice[1:]:
            if loads[b] <= loads[best]:
                best = b
        loads[best] += 1
    return loads


def _moves_counted(counts, window):
    """A slip: every change counted as a reversal."""
    return [int((np.diff(counts) != 0).sum()), 0, 0]


def test_a_tie_slip_and_a_reversal_slip_are_caught():
    """Wrong answers that pass a careless reading earn nothing on the drawn cases."""
    q1 = ANSWER_KEY.question("ep18-load-balancing__q1")
    cases = [c for c in q1.cases(np.random.default_rng(0)) if not c.raises]
    assert sum(not q1.matches(_last_on_tie(*c.args), q1.expected(*c.args)) for c in cases) > len(cases) // 2
    q7 = ANSWER_KEY.question("ep18-controllers__q7")
    cases = [c for c in q7.cases(np.random.default_rng(0)) if not c.raises]
    assert all(not q7.matches(_moves_counted(*c.args), q7.expected(*c.args)) for c in cases
               if q7.expected(*c.args)[0] > 0)


def test_forbidden_covers_the_whole_scaling_library():
    import pkgutil

    import course.scaling
    modules = {f"course.scaling.{m.name}" for m in pkgutil.iter_modules(course.scaling.__path__)}
    assert modules <= set(FORBIDDEN)
    assert "ThresholdRule" in FORBIDDEN["course.scaling.autoscaling"]
    assert "find_flapping" in FORBIDDEN["course.scaling.scenarios"]
