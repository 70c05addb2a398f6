"""nbgrader's gradebook on a real PostgreSQL server: `dsu grade --db-url`, the single-writer merge,
the integrity check and `dsu export` unchanged; the test server leaves nothing behind."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest
from grading_course import (
    EPISODE,
    EXPECTED,
    STUDENTS,
    answered,
    build_course,
    graded_tiny,
    release_notebook,
    write_submission,
)
from nbgrader.api import Gradebook
from postgres_support import postgres, postgres_server, processes_in  # noqa: F401  (postgres: the fixture)
from sqlalchemy import text

from grading.batch import grade_batch
from grading.integrity import integrity_problems
from grading.options import GradingOptions

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, postgres):  # noqa: F811
    """The tiny course released into a PostgreSQL gradebook and graded by `dsu grade --db-url`."""
    url = postgres.create_database("graded_tiny")
    folder = tmp_path_factory.mktemp("postgres-course")
    root = build_course(folder / "root", db_url=url)
    # The compiled-numba cache is the same for every course root: reuse the shared graded course's
    # (seconds of compiling on a busy machine, unrelated to what is tested here).
    pool_root, _, _ = graded_tiny(tmp_path_factory)
    shutil.copytree(pool_root / ".grading-cache", root / ".grading-cache", dirs_exist_ok=True)
    subs = folder / "submissions"
    for student, answers in STUDENTS.items():
        write_submission(subs, student, answered(root, answers) if answers else release_notebook(root))
    run = subprocess.run([sys.executable, "-m", "dsu", "grade", EPISODE, "--root", str(root), "--submissions",
                          str(subs), "--db-url", url, "--workers", "2", "--cell-timeout", "10", "--memory-mb", "1024"],
                         capture_output=True, text=True, timeout=600)
    return root, url, run


def test_a_batch_grades_everyone_into_postgres(graded):
    """Does `dsu grade --db-url postgresql://...` merge one submission per student, with the scores
    worked out by hand, into PostgreSQL (and no SQLite file beside it)?"""
    root, url, run = graded
    assert run.returncode == 0, run.stdout + run.stderr
    assert "gradebook integrity: ok" in run.stdout
    assert not (root / "gradebook.db").exists()
    with Gradebook(url, "default_course") as gb:
        assert gb.engine.dialect.name == "postgresql"
        assert sorted(s.student_id for s in gb.find_assignment(EPISODE).submissions) == sorted(STUDENTS)
        for student, (q1, q2) in EXPECTED.items():
            grades = {g.cell.name: g.score for g in gb.find_submission_notebook("assessment", EPISODE, student).grades}
            assert (grades["tiny-doubling__q1"], grades["tiny-geometry__q2"]) == (q1, q2), student
        # One grade row per student and graded cell: nothing merged twice.
        assert gb.db.execute(text("SELECT COUNT(*) FROM grade")).scalar() == len(STUDENTS) * 3


def test_export_reads_the_postgres_gradebook(graded, tmp_path):
    """Does `dsu export --db-url` write every student's scores from PostgreSQL?"""
    root, url, _ = graded
    run = subprocess.run([sys.executable, "-m", "dsu", "export", EPISODE, "--root", str(root), "--db-url", url,
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(STUDENTS) * 3
    score_column = "score"
    got = {(r["student"], r["grade_id"]): float(r[score_column]) for r in rows}
    for student, (q1, q2) in EXPECTED.items():
        assert (got[(student, "tiny-doubling__q1")], got[(student, "tiny-geometry__q2")]) == (q1, q2)


def test_the_integrity_check_finds_what_is_broken_on_postgres(graded, postgres):  # noqa: F811
    """On a copy of the graded gradebook: clean at first; then a constraint added NOT VALID, an
    index marked invalid and a deleted grade row are each reported."""
    _, url, _ = graded
    assert integrity_problems(url) == []
    copy = postgres.create_database("broken_copy", template="graded_tiny")
    conn = postgres.connect("broken_copy")
    try:
        with conn.cursor() as cur:
            cur.execute("ALTER TABLE grade ADD CONSTRAINT dsu_probe CHECK (auto_score >= 0) NOT VALID")
            cur.execute("CREATE INDEX dsu_probe_index ON comment (auto_comment)")
            cur.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'dsu_probe_index'::regclass")
            cur.execute("DELETE FROM grade WHERE id = (SELECT g.id FROM grade g JOIN grade_cells c ON c.id = g.cell_id "
                        "JOIN base_cell b ON b.id = c.id WHERE b.name = 'tiny-geometry__q2' LIMIT 1)")
    finally:
        conn.close()
    problems = integrity_problems(copy)
    assert "PostgreSQL constraint not validated: dsu_probe" in problems
    assert "PostgreSQL invalid index: dsu_probe_index" in problems
    assert any(p.endswith("/assessment/tiny-geometry__q2: no grade row") for p in problems), problems


def test_the_server_is_stopped_and_removed_even_after_an_error():
    """Does leaving postgres_server() — here by an exception — stop every server process (checked
    in /proc) and remove its folder?"""
    with pytest.raises(RuntimeError, match="boom"):
        with postgres_server("leftover_check") as server:
            pids = server.processes()
            assert server.pid in pids and len(pids) >= 2  # the postmaster and its helpers
            data_dir, base = server.data_dir, server.base
            raise RuntimeError("boom")
    assert processes_in(data_dir) == []
    assert not any(pid for pid in pids if _alive(pid))
    assert not base.exists()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False


def test_regrading_on_postgres_replaces_autograded_scores_and_keeps_manual_ones(graded, tmp_path):
    """(Runs last: it changes alice's answers.) A grader scores alice's essay by hand in the
    PostgreSQL gradebook; alice's re-graded submission with a wrong area: does the merge replace
    q2's score, keep the hand-given score and leave one grade row per cell?"""
    root, url, _ = graded
    with Gradebook(url, "default_course") as gb:
        essay = gb.find_grade("tiny-geometry__essay", "assessment", EPISODE, "alice")
        essay.manual_score, essay.needs_manual_grade = 1.0, False  # what formgrader does
        gb.db.commit()
    subs = tmp_path / "again"
    write_submission(subs, "alice", answered(root, dict(STUDENTS["alice"], area="def area(r):\n    return 0")))
    report = grade_batch(root, EPISODE, GradingOptions(workers=1, cell_timeout=10, memory_mb=1024, db_url=url),
                         submissions=subs, log=lambda line: None)
    assert report.ok, report.table()
    with Gradebook(url, "default_course") as gb:
        grades = {g.cell.name: g for g in gb.find_submission_notebook("assessment", EPISODE, "alice").grades}
        assert (grades["tiny-doubling__q1"].score, grades["tiny-geometry__q2"].score) == (2, 0)
        assert grades["tiny-geometry__essay"].manual_score == 1.0
        assert gb.db.execute(text("SELECT COUNT(*) FROM grade")).scalar() == len(STUDENTS) * 3
    assert integrity_problems(url) == []
