"""Ep18's answer key: the worked numbers it states, the slips it refuses and what it forbids.
(tests/test_grading_references.py checks every key against its notebook's reference answers.)"""

import numpy as np

from grading.answer_keys.ep18 import ANSWER_KEY, FORBIDDEN


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
