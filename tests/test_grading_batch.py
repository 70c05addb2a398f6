"""`dsu grade` on a batch: right grades in parallel, nbgrader's gradebook and feedback intact,
manual grades kept on re-grading, any SQLAlchemy URL."""

from __future__ import annotations

import json

import pytest
from grading_course import (
    EPISODE,
    EXPECTED,
    HONEST,
    STUDENTS,
    answered,
    build_course,
    graded_tiny,
    tiny_assessment,
    write_submission,
)
from nbgrader.api import Gradebook

from course.notebooks.nbgrader_course import nbgrader
from grading.batch import grade_batch
from grading.course_settings import course_settings
from grading.integrity import integrity_problems
from grading.options import GradingOptions

# One xdist worker builds and grades the shared tiny course once for these three modules.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("graded-tiny")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_tiny(tmp_path_factory)


def scores(root, student, db_url=None):
    url, course_id = course_settings(root, db_url)
    with Gradebook(url, course_id) as gb:
        nb = gb.find_submission_notebook("assessment", EPISODE, student)
        return {g.cell.name: g for g in nb.grades}


def test_the_command_grades_everyone_and_says_so(graded):
    """Does `dsu grade` exit 0 and print one line per student and a clean integrity check?"""
    root, _, run = graded
    assert run.returncode == 0, run.stdout + run.stderr
    for student in STUDENTS:
        assert run.stdout.count(f"  {student}: graded") == 1, run.stdout  # one score line per student
    assert "gradebook integrity: ok" in run.stdout and "2 worker(s)" in run.stdout
    report = json.loads((root / "reports" / f"{EPISODE}.json").read_text())
    assert {o["student"] for o in report["outcomes"]} == set(STUDENTS)


@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_each_student_gets_the_grade_worked_out_by_hand(graded, student):
    """Does every student of the parallel batch get the score their answers earn?"""
    root, _, _ = graded
    grades = scores(root, student)
    assert (grades["tiny-doubling__q1"].score, grades["tiny-geometry__q2"].score) == EXPECTED[student]
    essay = grades["tiny-geometry__essay"]
    # An unchanged essay scores 0 at once (nbgrader's checksum rule); a written one waits for a person.
    assert essay.needs_manual_grade == (student != "dave")


def test_the_gradebook_is_whole_after_a_parallel_batch(graded):
    """Does the gradebook hold exactly one submission per student and pass the integrity check?"""
    root, _, _ = graded
    url, course_id = course_settings(root)
    assert integrity_problems(url, course_id) == []
    with Gradebook(url, course_id) as gb:
        assert sorted(s.student_id for s in gb.find_assignment(EPISODE).submissions) == sorted(STUDENTS)


def test_nbgrader_feedback_works_on_the_result(graded):
    """Can nbgrader's own generate_feedback run on what dsu grade wrote (formgrader's data)?"""
    root, _, _ = graded
    nbgrader(root, "generate_feedback", EPISODE, "--force")
    for student in STUDENTS:
        html = (root / "feedback" / student / EPISODE / "assessment.html").read_text(encoding="utf-8")
        assert "tiny-doubling__q1" in html or "double" in html
    assert "AssertionError" in (root / "feedback" / "bob" / EPISODE / "assessment.html").read_text(encoding="utf-8")


def test_regrading_keeps_manual_grades_and_any_database_url_works(tmp_path):
    """With the gradebook at another SQLAlchemy URL, does a re-grade update the autograded scores
    and keep the score a grader gave by hand?"""
    db = tmp_path / "elsewhere" / "grades.sqlite"
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    root = tmp_path / "root"
    build_course(root, tiny_assessment(), db_url=url)
    subs = tmp_path / "subs"
    write_submission(subs, "alice", answered(root))
    options = GradingOptions(workers=1, cell_timeout=10, memory_mb=1024, db_url=url)
    assert grade_batch(root, EPISODE, options, submissions=subs, log=lambda line: None).ok
    assert not (root / "gradebook.db").exists() and db.exists()
    url_, course_id = course_settings(root, url)
    with Gradebook(url_, course_id) as gb:
        essay = gb.find_grade("tiny-geometry__essay", "assessment", EPISODE, "alice")
        essay.manual_score, essay.needs_manual_grade = 1.0, False  # what formgrader does
        gb.db.commit()
    write_submission(subs, "alice", answered(root, dict(HONEST, area="def area(r):\n    return 0")))
    assert grade_batch(root, EPISODE, options, submissions=subs, log=lambda line: None).ok
    grades = scores(root, "alice", url)
    assert grades["tiny-geometry__q2"].score == 0 and grades["tiny-doubling__q1"].score == 2
    assert grades["tiny-geometry__essay"].manual_score == 1.0


def test_given_submissions_are_the_only_ones_graded_unless_all(tmp_path):
    """With --submissions, are only the students found there graded (and said so), and does --all
    re-grade everyone already in the course root?"""
    import subprocess
    import sys

    root = build_course(tmp_path / "root")
    first, second = tmp_path / "first", tmp_path / "second"
    write_submission(first, "alice", answered(root))
    write_submission(first, "bob", answered(root))
    write_submission(second, "carol", answered(root))

    def grade(subs, *extra):
        run = subprocess.run([sys.executable, "-m", "dsu", "grade", EPISODE, "--root", str(root),
                              "--submissions", str(subs), "--workers", "2", "--cell-timeout", "10", *extra],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        report = json.loads((root / "reports" / f"{EPISODE}.json").read_text())
        return run.stdout, sorted(o["student"] for o in report["outcomes"])

    assert grade(first)[1] == ["alice", "bob"]
    out, graded = grade(second)
    assert graded == ["carol"] and "--all" in out
    assert grade(second, "--all")[1] == ["alice", "bob", "carol"]


def test_a_fork_bomb_does_not_flood_the_graders_output(tmp_path):
    """Does `dsu grade` print a few lines for a fork bomb (details in the report), not hundreds of
    tracebacks from the bomb's children?"""
    import subprocess
    import sys

    root = build_course(tmp_path / "root")
    subs = tmp_path / "subs"
    write_submission(subs, "bomber", answered(root, dict(HONEST, double="import os\ndef double(x):\n    while True:\n"
                                                                          "        os.fork()")))
    run = subprocess.run([sys.executable, "-m", "dsu", "grade", EPISODE, "--root", str(root), "--submissions",
                          str(subs), "--workers", "1", "--cell-timeout", "5", "--memory-mb", "1024"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert len((run.stdout + run.stderr).splitlines()) < 20, run.stdout + run.stderr
    assert run.stdout.count("  bomber: graded 1/4") == 1
