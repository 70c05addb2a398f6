"""A private nbgrader course root per submission: how grading runs in parallel safely.

nbgrader cannot autograde in parallel (#174) and SQLite takes one writer at a time, so each
submission is graded by nbgrader's own ``autograde`` in a course root of its own::

    <scratch>/<token>/                 0700, owned by the grader
        gradebook.db                   copy of the template: this assignment's cells only
        submitted/<student>/<episode>/ the repaired notebooks (+ timestamp.txt)
        source/<episode>/              the assignment's data files (no notebooks)
        sandbox.json, events.jsonl     kernel policy in, grading events out
        boxes/                         one folder per kernel start (see kernel_manager)

The template gradebook holds the assignment's notebooks and cells copied from the main
gradebook (so the gradebook a student's grading touches never holds other students' grades),
and the parent process merges each result into the main gradebook: a single writer.

>>> valid_student_id("ada.lovelace")
'ada.lovelace'
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy import text

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


def valid_student_id(student: str) -> str:
    """Return ``student`` if it is safe as a folder name; raise ValueError otherwise."""
    if not STUDENT_ID.match(student) or ".." in student:
        raise ValueError(f"student id {student!r} must be 1-100 letters, digits or _ . @ + - "
                         "and start with a letter or digit")
    return student


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def build_template(main_db_url: str, course_id: str, episode: str, target: Path) -> Path:
    """Copy one assignment's structure (notebooks, cells, sources, due date) into a new SQLite file."""
    target = Path(target)
    if target.exists():
        target.unlink()
    with Gradebook(main_db_url, course_id) as main:
        version = main.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    # Stamping the schema version first spares nbgrader's `alembic heads` subprocess (seconds).
    with sqlite3.connect(target) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))
    with Gradebook(main_db_url, course_id) as main, Gradebook(sqlite_url(target), course_id) as copy:
        assignment = main.find_assignment(episode)
        copy.update_or_create_assignment(episode, duedate=assignment.duedate)
        for nb in assignment.notebooks:
            copy.update_or_create_notebook(nb.name, episode)
            for cell in nb.grade_cells:
                copy.update_or_create_grade_cell(cell.name, nb.name, episode,
                                                 max_score=cell.max_score, cell_type=cell.cell_type)
            for cell in nb.solution_cells:
                copy.update_or_create_solution_cell(cell.name, nb.name, episode)
            for cell in nb.task_cells:
                copy.update_or_create_task_cell(cell.name, nb.name, episode,
                                                max_score=cell.max_score, cell_type=cell.cell_type)
            for cell in nb.source_cells:
                copy.update_or_create_source_cell(cell.name, nb.name, episode, cell_type=cell.cell_type,
                                                  locked=cell.locked, source=cell.source, checksum=cell.checksum)
    return target


def make_private_root(scratch: Path, template: Path, episode: str, student: str,
                      notebooks: dict[str, dict], data_files: Path | None, timestamp: str | None) -> Path:
    """Lay out a private course root holding one student's repaired notebooks.

    ``notebooks`` maps notebook name -> notebook (dict) to grade.
    """
    import nbformat

    root = Path(scratch) / secrets.token_hex(4)
    root.mkdir(mode=0o700)
    shutil.copyfile(template, root / "gradebook.db")
    os.chmod(root / "gradebook.db", 0o600)
    submitted = root / "submitted" / student / episode
    submitted.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nbformat.from_dict(nb), submitted / f"{name}.ipynb")
    if timestamp:
        (submitted / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    source = root / "source" / episode
    source.mkdir(parents=True)
    if data_files and data_files.is_dir():
        for entry in data_files.iterdir():
            if entry.is_file() and entry.suffix != ".ipynb":
                shutil.copy2(entry, source / entry.name)
    (root / "boxes").mkdir()
    return root
