"""Are the inputs each student draws fair: does the model solution pass every student's draw,
and does no drawn count depend on how a learner rounds away floating-point noise?

Each student's inputs come from their own seed (``grading.secret.student_seed``), so a case on
which a correct answer fails costs a few students their points at random. A CI run found one:
Ep51 Q2 drew 1497.000004 threads, which the reference (9 significant digits) rounds to 1497
and the notebook's own solution (9 decimals) up to 1498 — about one student in 430 lost the
question. These tests run the answer keys' draws for many seeds in this process (no kernel):
the probe is the one graded students get, the verdict the grader's.
"""

from __future__ import annotations

import importlib
import json
import math

import nbformat
import pytest

from course import REPO_ROOT
from course.queueing.littles_law import ceil_count
from course.syllabus import load_syllabus
from grading.checking import checking_cells, draw_cases
from grading.probe import _PRELUDE, decode
from grading.reference_submission import solution_text
from grading.verdict import verdict

EPISODES = {ep.id: ep for ep in load_syllabus().episodes()}
#: Students per function question whose draws the model solution must pass.
STUDENTS = 25
#: Questions whose verdict runs a model checker per student (seconds each): fewer students.
FEWER = {"ep17-raft-check__q4": 2, "ep13-circuit-breaker__q2": 5}


def _solved_namespace(episode: str) -> dict:
    """A namespace holding what the checking kernel replays of the solved source notebook, and the probe."""
    nb = nbformat.read(REPO_ROOT / EPISODES[episode].relative_folder / "assessment.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = solution_text(cell.source)
    namespace = {"__name__": "__main__"}
    for cell in checking_cells(nb.cells):
        exec(compile(cell.source, f"{episode} assessment", "exec"), namespace)
    exec(_PRELUDE, namespace)
    return namespace


@pytest.mark.parametrize("episode", sorted(EPISODES))
def test_the_model_solution_passes_every_students_draw(episode, capsys):
    """For each function question and 25 students' seeds, does the notebook's solution pass?"""
    key = importlib.import_module(f"grading.answer_keys.{episode}").ANSWER_KEY
    namespace = _solved_namespace(episode)
    failed = {}
    for question in (q for q in key.questions if q.runs_learner_code):
        for seed in range(FEWER.get(question.grade_id, STUDENTS)):
            cases = draw_cases(question, seed)
            spec = {"probe": question.probe, "names": list(question.names), "cases": [list(c.args) for c in cases]}
            answers = decode(namespace["_dsu_probe"](json.loads(json.dumps(spec))), len(cases))
            v = verdict(question, cases, answers)
            if not v.passed:
                failed.setdefault(question.grade_id, (seed, v.message))
    assert failed == {}


#: Ways a learner may round a count up "ignoring floating-point noise"; all are right.
ROUNDING_RULES = {
    "9 decimals": lambda x: math.ceil(round(x, 9)),
    "9 significant digits": ceil_count,
    "less 1e-9": lambda x: math.ceil(x - 1e-9),
    "less a relative 1e-12": lambda x: math.ceil(x * (1 - 1e-12)),
}


def _pool_counts(args):
    lam, w, u = args
    return [lam * w / u, lam * (w / u)]


def _slot_counts(args):
    burst, threads, response_time, seconds, wait = args
    throughput = threads / response_time
    return [min(max(burst - throughput, 0.0) * seconds, throughput * wait),
            min(max(burst - threads / response_time, 0.0) * seconds, wait * threads / response_time)]


def _cost_counts(args):
    rates, duration_s, _, _, capacity, _ = args
    return [duration_s * 1000, *(rate / capacity for rate in rates)]


#: Question -> (its key's module, the real-valued quantities a learner rounds up, students).
COUNTED = {
    "ep51-littles-law__q2": ("ep51", _pool_counts, 3000),
    "ep13-bulkhead__q7": ("ep13", _slot_counts, 3000),
    "ep19-serverless__q1": ("ep19", _cost_counts, 1000),
}


@pytest.mark.parametrize("grade_id", sorted(COUNTED))
def test_no_drawn_count_depends_on_the_noise_rule(grade_id):
    """On thousands of students' draws, do all sensible rounding rules give the same count?"""
    episode, quantities, students = COUNTED[grade_id]
    question = importlib.import_module(f"grading.answer_keys.{episode}").ANSWER_KEY.question(grade_id)
    disputed = []
    for seed in range(students):
        for case in draw_cases(question, seed):
            if case.raises:
                continue
            for value in quantities(case.args):
                counts = {name: rule(value) for name, rule in ROUNDING_RULES.items()}
                if len(set(counts.values())) > 1:
                    disputed.append((seed, case.args, value, counts))
    assert disputed == [], disputed[:3]
