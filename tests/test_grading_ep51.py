"""Ep51 for real: does `dsu grade` give the instructor's solutions every autograded point of the
Ep51 assessment, score a wrong answer down by exactly its question, and can a learner who passes
then be certified for Series 3 and the certificate verified?"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from certificates.credential import issue_certificate
from certificates.keys import init_keys
from certificates.verify import verify_certificate
from course.notebooks.nbgrader_course import generate_assignment, prepare
from course.syllabus import load_syllabus
from grading.batch import grade_batch
from grading.course_settings import course_settings
from grading.options import GradingOptions
from grading.reference_submission import solved_submission

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*not in session")]
WRONG_Q5 = "def erlang_c_probability(servers, offered_load):\n    return 0.5"


@pytest.fixture(scope="module")
def ep51(tmp_path_factory):
    base = tmp_path_factory.mktemp("ep51")
    root = prepare(base / "root", ["ep51"])
    generate_assignment(root, "ep51")
    source = nbformat.read(root / "source" / "ep51" / "assessment.ipynb", as_version=4)
    release = nbformat.read(root / "release" / "ep51" / "assessment.ipynb", as_version=4)
    submissions = {"solved": solved_submission(source, release),
                   "wrong-q5": solved_submission(source, release, {"ep51-multi-server__a5": WRONG_Q5}),
                   "blank": release}
    subs = base / "subs"
    for student, nb in submissions.items():
        (subs / student / "ep51").mkdir(parents=True)
        nbformat.write(nb, subs / student / "ep51" / "assessment.ipynb")
    report = grade_batch(root, "ep51", GradingOptions(workers=2, cell_timeout=120), submissions=subs,
                         log=lambda line: None)
    return root, base, report


def _grades(root, student):
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        return {g.cell.name: (g.score, g.cell.max_score, g.needs_manual_grade)
                for g in gb.find_submission_notebook("assessment", "ep51", student).grades}


def test_the_solutions_earn_every_autograded_point(ep51):
    """Do the instructor's solutions pass every test, with nothing flagged or repaired?"""
    root, _, report = ep51
    assert report.ok, report.table()
    grades = _grades(root, "solved")
    autograded = {name: g for name, g in grades.items() if not name.endswith("__essay")}
    assert all(score == most for score, most, _ in autograded.values()), autograded
    total_points = load_syllabus().episode("ep51").assessment_points
    essays = sum(most for name, (_, most, _) in grades.items() if name.endswith("__essay"))
    assert sum(score for score, _, _ in autograded.values()) == total_points - essays
    assert report.outcome("solved").issues == [] and report.outcome("solved").events == []


def test_a_wrong_answer_costs_exactly_its_question(ep51):
    """Does a constant Erlang C answer lose Q5's points and nothing else?"""
    root, _, _ = ep51
    solved, wrong = _grades(root, "solved"), _grades(root, "wrong-q5")
    lost = {name for name in solved if solved[name][0] != wrong[name][0]}
    assert lost == {"ep51-multi-server__q5"}
    assert wrong["ep51-multi-server__q5"][0] == 0


def test_an_unanswered_notebook_scores_zero(ep51):
    """Does the untouched release version score 0 with no essay left to grade?"""
    root, _, _ = ep51
    assert all(score == 0 and not pending for score, _, pending in _grades(root, "blank").values())


def test_a_passing_learner_is_certified_for_series_3(ep51, tmp_path):
    """Once the essays are graded by hand, is 'solved' certified for Series 3 (every Ep51 objective
    assessed) with a certificate that verifies, and is 'wrong-q5' (20 - 4 + 4 = 20/24 = 83 %) too?"""
    root, _, _ = ep51
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        for student in ("solved", "wrong-q5"):
            gb.update_or_create_student(student, email=f"{student}@example.org")
            for grade in gb.find_submission_notebook("assessment", "ep51", student).grades:
                if grade.cell.name.endswith("__essay"):
                    grade.manual_score, grade.needs_manual_grade = grade.cell.max_score, False
        gb.db.commit()
    keys = init_keys(tmp_path / "keys")
    for student in ("solved", "wrong-q5"):
        issued = issue_certificate(student, "series-3", root, out_dir=tmp_path / "certs", keys=keys)
        result = verify_certificate(issued.json_path, keys, tmp_path / "certs" / "status-list.json",
                                    email=f"{student}@example.org")
        assert result.valid, result.reasons
    shutil.rmtree(tmp_path / "keys")
