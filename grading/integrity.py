"""Is the gradebook whole? Checks to run after every grading batch.

* every submission has a submitted notebook per notebook of its assignment and a grade row per
  graded cell; every autograded cell of a submitted notebook has an autograder score;
* every score lies within [0, max score] (extra credit >= 0);
* no orphan rows (grades, comments, notebooks, submissions pointing at nothing);
* SQLite files pass ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``; on PostgreSQL
  (which enforces foreign keys itself) no index is marked invalid and no constraint is left
  unvalidated (``NOT VALID``) in the gradebook's schema. Other databases get the checks above.

An empty list means all is well.

>>> import tempfile, pathlib
>>> url = f"sqlite:///{pathlib.Path(tempfile.mkdtemp()) / 'gradebook.db'}"
>>> integrity_problems(url)
[]
"""

from __future__ import annotations

from sqlalchemy import text

from grading.course_settings import use_this_environment

ORPHAN_QUERIES = {
    "grade rows without a submitted notebook":
        "SELECT COUNT(*) FROM grade WHERE notebook_id IS NULL OR notebook_id NOT IN (SELECT id FROM submitted_notebook)",
    "grade rows without a graded cell":
        "SELECT COUNT(*) FROM grade WHERE cell_id IS NULL OR cell_id NOT IN (SELECT id FROM base_cell)",
    "comment rows without a submitted notebook":
        "SELECT COUNT(*) FROM comment WHERE notebook_id IS NULL OR notebook_id NOT IN (SELECT id FROM submitted_notebook)",
    "comment rows without a cell":
        "SELECT COUNT(*) FROM comment WHERE cell_id IS NULL OR cell_id NOT IN (SELECT id FROM base_cell)",
    "submitted notebooks without a submission":
        "SELECT COUNT(*) FROM submitted_notebook WHERE assignment_id IS NULL "
        "OR assignment_id NOT IN (SELECT id FROM submitted_assignment)",
    "submitted notebooks without a source notebook":
        "SELECT COUNT(*) FROM submitted_notebook WHERE notebook_id IS NULL OR notebook_id NOT IN (SELECT id FROM notebook)",
    "submissions without a student":
        "SELECT COUNT(*) FROM submitted_assignment WHERE student_id IS NULL OR student_id NOT IN (SELECT id FROM student)",
    "submissions without an assignment":
        "SELECT COUNT(*) FROM submitted_assignment WHERE assignment_id IS NULL "
        "OR assignment_id NOT IN (SELECT id FROM assignment)",
    "cells without a notebook":
        "SELECT COUNT(*) FROM base_cell WHERE notebook_id NOT IN (SELECT id FROM notebook)",
    "source cells without a notebook":
        "SELECT COUNT(*) FROM source_cell WHERE notebook_id IS NULL OR notebook_id NOT IN (SELECT id FROM notebook)",
    "notebooks without an assignment":
        "SELECT COUNT(*) FROM notebook WHERE assignment_id IS NULL OR assignment_id NOT IN (SELECT id FROM assignment)",
}


def _sqlite_checks(session) -> list[str]:
    problems = []
    result = [row[0] for row in session.execute(text("PRAGMA integrity_check"))]
    if result != ["ok"]:
        problems.append(f"SQLite integrity_check: {'; '.join(map(str, result))[:500]}")
    broken = list(session.execute(text("PRAGMA foreign_key_check")))
    if broken:
        problems.append(f"SQLite foreign_key_check: {len(broken)} row(s) point at missing rows")
    return problems


#: PostgreSQL's own record of what it does not vouch for: an index left invalid (a failed
#: ``CREATE INDEX CONCURRENTLY``, a manual repair) and a constraint added ``NOT VALID`` (rows
#: written before it were never checked). Catalog reads: milliseconds whatever the class size.
POSTGRES_QUERIES = {
    "invalid index": "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE NOT i.indisvalid AND n.nspname = current_schema() ORDER BY 1",
    "constraint not validated": "SELECT conname FROM pg_constraint WHERE NOT convalidated "
                                "AND connamespace = current_schema()::regnamespace ORDER BY 1",
}


def _postgres_checks(session) -> list[str]:
    problems = []
    for label, query in POSTGRES_QUERIES.items():
        names = [row[0] for row in session.execute(text(query))]
        if names:
            problems.append(f"PostgreSQL {label}: {', '.join(names)[:500]}")
    return problems


def _submission_problems(gb, episodes) -> list[str]:
    problems = []
    for assignment in gb.assignments:
        if episodes and assignment.name not in episodes:
            continue
        for submission in assignment.submissions:
            who = f"{assignment.name}/{submission.student_id}"
            submitted = {nb.notebook_id: nb for nb in submission.notebooks}
            for notebook in assignment.notebooks:
                nb = submitted.get(notebook.id)
                if nb is None:
                    problems.append(f"{who}: no submitted notebook for {notebook.name}")
                    continue
                grades = {g.cell_id: g for g in nb.grades}
                manual = {c.name for c in notebook.solution_cells}
                for cell in [*notebook.grade_cells, *notebook.task_cells]:
                    grade = grades.get(cell.id)
                    where = f"{who}/{notebook.name}/{cell.name}"
                    if grade is None:
                        problems.append(f"{where}: no grade row")
                        continue
                    autograded = cell.type == "GradeCell" and cell.name not in manual
                    if autograded and grade.auto_score is None:
                        problems.append(f"{where}: autograded cell has no autograder score")
                    for label, value in (("auto score", grade.auto_score), ("manual score", grade.manual_score)):
                        if value is not None and not 0 <= value <= cell.max_score:
                            problems.append(f"{where}: {label} {value} outside [0, {cell.max_score}]")
                    if grade.extra_credit is not None and grade.extra_credit < 0:
                        problems.append(f"{where}: negative extra credit {grade.extra_credit}")
    return problems


def integrity_problems(db_url: str, course_id: str = "default_course", episodes: list[str] | None = None) -> list[str]:
    """Everything wrong with the gradebook at ``db_url`` (empty list: all checks pass)."""
    from nbgrader.api import Gradebook

    use_this_environment()
    with Gradebook(db_url, course_id) as gb:
        problems = []
        if gb.engine.dialect.name == "sqlite":
            problems += _sqlite_checks(gb.db)
        elif gb.engine.dialect.name == "postgresql":
            problems += _postgres_checks(gb.db)
        for label, query in ORPHAN_QUERIES.items():
            count = gb.db.execute(text(query)).scalar()
            if count:
                problems.append(f"{count} {label}")
        problems += _submission_problems(gb, set(episodes or ()))
    return problems
