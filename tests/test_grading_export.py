"""Grade export: do the tables per student, objective, question and test line match what the
five students of the tiny course (answers chosen by hand, see grading_course.STUDENTS) earned?"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from grading_course import EPISODE, EXPECTED, STUDENTS, graded_tiny

from dsu import main
from grading.export import export_grades

# One xdist worker builds and grades the shared tiny course once for these three modules.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("graded-tiny")]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root, _, run = graded_tiny(tmp_path_factory)
    assert run.returncode == 0, run.stdout + run.stderr
    return root, export_grades(root, episodes=[EPISODE])


def test_one_row_per_student_and_graded_cell(exported):
    """Does the tidy table hold 5 students x 3 graded cells with objective and question split out?"""
    _, grades = exported
    rows = grades.rows
    assert len(rows) == len(STUDENTS) * 3
    assert set(rows["objective"]) == {"tiny-doubling", "tiny-geometry"}
    assert set(rows["question"]) == {"q1", "q2", "essay"}
    assert set(rows.loc[rows["grade_id"] == "tiny-geometry__essay", "kind"]) == {"manual"}


def test_totals_per_student(exported):
    """Is each student's total the sum of their question scores, out of 4?"""
    _, grades = exported
    table = grades.per_student().set_index("student")
    for student, (q1, q2) in EXPECTED.items():
        assert table.loc[student, "score"] == q1 + q2
        assert table.loc[student, "max_score"] == 4
        assert table.loc[student, "percent"] == pytest.approx(100 * (q1 + q2) / 4)


def test_scores_per_objective(exported):
    """Is q1 counted under tiny-doubling, and q2 plus the essay under tiny-geometry?"""
    _, grades = exported
    table = grades.per_objective().set_index(["student", "objective"])
    for student, (q1, q2) in EXPECTED.items():
        assert table.loc[(student, "tiny-doubling"), "score"] == q1
        assert table.loc[(student, "tiny-doubling"), "max_score"] == 2
        assert table.loc[(student, "tiny-geometry"), "max_score"] == 2  # q2 (1) + essay (1)
        assert table.loc[(student, "tiny-geometry"), "score"] == q2     # essays not graded by hand yet


def test_question_statistics_show_how_items_fail(exported):
    """Do the per-question statistics give mean, spread and the way each question was failed?"""
    _, grades = exported
    table = grades.questions().set_index("grade_id")
    q1_scores = [EXPECTED[s][0] for s in STUDENTS]
    q1 = table.loc["tiny-doubling__q1"]
    assert q1["students"] == 5 and q1["mean_score"] == pytest.approx(sum(q1_scores) / 5)
    assert q1["std_score"] == pytest.approx(pd.Series(q1_scores).std())  # sample spread, ddof=1
    assert q1["std_score"] == pytest.approx(math.sqrt(1.2))  # by hand: squares 4.8 over 4
    assert (q1["full_marks"], q1["failed"]) == (2, 3)
    assert q1["failed_hidden_test"] == 1      # bob: only the hidden test caught x + 2
    assert q1["not_answered"] == 1            # dave: NotImplementedError from the stub
    assert q1["error_in_answer"] == 1         # erin: ZeroDivisionError
    q2 = table.loc["tiny-geometry__q2"]
    assert (q2["full_marks"], q2["failed_visible_test"], q2["failed_hidden_test"]) == (3, 1, 0)
    assert table.loc["tiny-geometry__essay", "pending_manual"] == 4


def test_failures_are_counted_per_test_line(exported):
    """Does the test table count failures at each assert line, hidden ones marked?"""
    _, grades = exported
    tests = grades.tests()
    hidden = tests[tests["hidden_test"].eq(True)]
    assert list(hidden["failed_line"]) == ["assert double(-3) == -6"] and list(hidden["students"]) == [1]
    visible_q2 = tests[(tests["grade_id"] == "tiny-geometry__q2")]
    assert visible_q2["students"].sum() == 2  # carol (AssertionError) and dave (NotImplementedError)


def test_the_command_writes_the_csv_files(exported, tmp_path, capsys):
    """Does `dsu export` write the six CSV files with the same numbers?"""
    root, grades = exported
    assert main(["export", EPISODE, "--root", str(root), "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert names == ["episodes.csv", "grades.csv", "objectives.csv", "questions.csv", "students.csv", "tests.csv"]
    assert len(pd.read_csv(tmp_path / "grades.csv")) == len(grades.rows)
    assert EPISODE in capsys.readouterr().out


def test_an_unknown_episode_is_a_message(exported, capsys):
    """Does exporting an episode with no grades end with a one-line error, not a traceback?"""
    root, _ = exported
    assert main(["export", "ep999", "--root", str(root)]) == 2
    assert "no grades" in capsys.readouterr().err
