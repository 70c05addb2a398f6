"""The gradebook integrity check: does it pass a whole gradebook and catch each kind of damage?"""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from grading_course import EPISODE, graded_tiny

from grading.integrity import integrity_problems

# One xdist worker builds and grades the shared tiny course once for these three modules.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("graded-tiny")]


@pytest.fixture
def gradebook(tmp_path_factory, tmp_path):
    """A private copy of the graded tiny course's SQLite gradebook, to damage."""
    root, _, run = graded_tiny(tmp_path_factory)
    assert run.returncode == 0, run.stdout + run.stderr
    copy = tmp_path / "gradebook.db"
    shutil.copyfile(root / "gradebook.db", copy)
    return copy


def url(path):
    return f"sqlite:///{path}"


def sql(path, statement, *params):
    with sqlite3.connect(path) as db:
        db.execute(statement, params)


def cell_id(path, name):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id FROM base_cell WHERE name = ? AND type = 'GradeCell'", (name,)).fetchone()[0]


def test_a_whole_gradebook_passes(gradebook):
    """Does the freshly graded gradebook pass every check?"""
    assert integrity_problems(url(gradebook), episodes=[EPISODE]) == []


def test_a_missing_grade_row_is_found(gradebook):
    """Is a submission lacking the grade of a graded cell reported?"""
    sql(gradebook, "DELETE FROM grade WHERE cell_id = ? AND notebook_id IN (SELECT sn.id FROM submitted_notebook sn "
        "JOIN submitted_assignment sa ON sn.assignment_id = sa.id WHERE sa.student_id = 'bob')",
        cell_id(gradebook, "tiny-doubling__q1"))
    assert integrity_problems(url(gradebook)) == ["tiny/bob/assessment/tiny-doubling__q1: no grade row"]


def test_a_score_out_of_range_is_found(gradebook):
    """Are an autograder score above the maximum and a negative manual score reported?"""
    sql(gradebook, "UPDATE grade SET auto_score = 5 WHERE cell_id = ?", cell_id(gradebook, "tiny-doubling__q1"))
    sql(gradebook, "UPDATE grade SET manual_score = -1 WHERE cell_id = ?", cell_id(gradebook, "tiny-geometry__essay"))
    problems = integrity_problems(url(gradebook))
    assert sum("auto score 5.0 outside [0, 2.0]" in p for p in problems) == 5
    assert sum("manual score -1.0 outside [0, 1.0]" in p for p in problems) == 5


def test_an_ungraded_autograded_cell_is_found(gradebook):
    """Is an autograded cell without an autograder score reported?"""
    sql(gradebook, "UPDATE grade SET auto_score = NULL WHERE cell_id = ?", cell_id(gradebook, "tiny-geometry__q2"))
    assert sum("has no autograder score" in p for p in integrity_problems(url(gradebook))) == 5


def test_orphan_rows_are_found(gradebook):
    """Are grade and comment rows that point at nothing reported?"""
    sql(gradebook, "INSERT INTO grade (id, notebook_id, cell_id, needs_manual_grade) VALUES ('x1', 'gone', ?, 0)",
        cell_id(gradebook, "tiny-geometry__q2"))
    sql(gradebook, "INSERT INTO comment (id, notebook_id, cell_id) VALUES ('x2', 'gone', 'gone')")
    problems = integrity_problems(url(gradebook))
    assert "1 grade rows without a submitted notebook" in problems
    assert "1 comment rows without a submitted notebook" in problems
    assert "1 comment rows without a cell" in problems


def test_a_damaged_database_file_is_found(gradebook):
    """Does SQLite's own integrity check catch a file whose pages were overwritten?"""
    data = bytearray(gradebook.read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the page size, from the file header
    assert len(data) >= 4 * page
    for offset in range(2 * page, len(data), 3 * page):
        data[offset] = 0xFF  # a b-tree page type that does not exist
    gradebook.write_bytes(bytes(data))
    try:
        problems = integrity_problems(url(gradebook))
    except Exception as error:  # a database too broken to open also counts as caught
        problems = [repr(error)]
    assert problems
