"""Builders for the grading and certification tests: a tiny nbgrader course made on the fly.

The tiny episode has two autograded questions on two objectives (each with a visible and a
hidden test), a read-only setup cell and one manually graded essay: enough to tell an honest
student from every kind of broken or hostile submission.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from course.notebooks.nbgrader_course import CONFIG_TEMPLATE, generate_assignment

EPISODE = "tiny"
HONEST = {
    "double": "def double(x):\n    return 2 * x",
    "area": "def area(r):\n    return math.pi * r ** 2",
    "tiny-geometry__essay": "Because the area grows with the square of the radius.",
}


def meta(grade_id, *, grade=False, solution=False, locked=False, points=0):
    m = {"grade": grade, "solution": solution, "locked": locked, "task": False,
         "grade_id": grade_id, "schema_version": 3}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


def tiny_assessment():
    """The source (instructor) version of the tiny assessment notebook."""
    new_code, new_md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [
        new_md("# Tiny assessment\nAnswer in the answer cells."),
        new_code("import math", metadata=meta("setup", locked=True)),
        new_code("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                 metadata=meta("double", solution=True)),
        new_code("assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-3) == -6\n### END HIDDEN TESTS",
                 metadata=meta("tiny-doubling__q1", grade=True, locked=True, points=2)),
        new_md("Now the area of a circle."),
        new_code("def area(r):\n    ### BEGIN SOLUTION\n    return math.pi * r ** 2\n    ### END SOLUTION",
                 metadata=meta("area", solution=True)),
        new_code("assert math.isclose(area(1), math.pi)\n### BEGIN HIDDEN TESTS\n"
                 "assert math.isclose(area(2), 4 * math.pi)\n### END HIDDEN TESTS",
                 metadata=meta("tiny-geometry__q2", grade=True, locked=True, points=1)),
        new_md("Why does doubling the radius quadruple the area?\n\n=== BEGIN MARK SCHEME ===\nSquare.\n"
               "=== END MARK SCHEME ===", metadata=meta("tiny-geometry__essay", grade=True, solution=True, points=1)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def build_course(root: Path, source=None, episode: str = EPISODE, db_url: str | None = None) -> Path:
    """An nbgrader course root with ``source`` (default: the tiny assessment) released."""
    root = Path(root).resolve()
    (root / "source" / episode).mkdir(parents=True)
    nbformat.write(source or tiny_assessment(), root / "source" / episode / "assessment.ipynb")
    config = CONFIG_TEMPLATE.read_text(encoding="utf-8") + f"\nc.CourseDirectory.root = {str(root)!r}\n"
    if db_url:
        config += f"c.CourseDirectory.db_url = {db_url!r}\n"
    (root / "nbgrader_config.py").write_text(config, encoding="utf-8")
    generate_assignment(root, episode)
    return root


def release_notebook(root: Path, episode: str = EPISODE, name: str = "assessment"):
    return nbformat.read(Path(root) / "release" / episode / f"{name}.ipynb", as_version=4)


def answered(root: Path, answers: dict[str, str] | None = None, episode: str = EPISODE):
    """The student version with ``answers`` (grade_id -> source) filled in (default: honest)."""
    nb = copy.deepcopy(release_notebook(root, episode))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in (answers if answers is not None else HONEST):
            cell.source = (answers if answers is not None else HONEST)[grade_id]
    return nb


def cell_with(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def write_submission(folder: Path, student: str, content, episode: str = EPISODE,
                     name: str = "assessment") -> Path:
    """Write one student's notebook (a notebook, str or bytes) as ``folder/<student>/<episode>/``."""
    target = Path(folder) / student / episode
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.ipynb"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
    return path


def strip_to_release(source_nb):
    """A release (student) version made by text rules: enough for unit tests, no nbgrader run."""
    import re

    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        cell.source = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION",
                             "# YOUR CODE HERE\n    raise NotImplementedError()", cell.source, flags=re.S)
        cell.source = re.sub(r"\n?### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
        cell.source = re.sub(r"\n*=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===", "", cell.source, flags=re.S)
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "markdown":
            cell.source = "YOUR ANSWER HERE"
    return nb


def tiny_reference(source_nb=None):
    """A :class:`grading.repair.Reference` for the tiny assessment (release + full sources)."""
    from grading.repair import Reference

    source_nb = source_nb or tiny_assessment()
    sources = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb.cells if "nbgrader" in c.metadata}
    return Reference.from_release("assessment", strip_to_release(source_nb), sources)


def fill(release_nb, answers: dict[str, str]):
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


#: The graded tiny course shared by the batch, export and integrity tests: what each student
#: answered and, worked out by hand from the questions, what each must score.
STUDENTS = {
    "alice": HONEST,
    "bob": dict(HONEST, double="def double(x):\n    return x + 2"),          # fails only the hidden test
    "carol": dict(HONEST, area="def area(r):\n    return 0"),               # fails the visible test
    "dave": {},                                                              # hands in the release unanswered
    "erin": dict(HONEST, double="def double(x):\n    return 1 / 0"),        # an error in the answer
}
EXPECTED = {  # (q1 out of 2, q2 out of 1)
    "alice": (2, 1), "bob": (0, 1), "carol": (2, 0), "dave": (0, 0), "erin": (0, 1),
}
_GRADED: dict[str, object] = {}


def _grade_tiny(folder: Path) -> dict:
    import subprocess
    import sys

    root = build_course(folder / "root")
    subs = folder / "submissions"
    for student, answers in STUDENTS.items():
        write_submission(subs, student, answered(root, answers) if answers else release_notebook(root))
    command = [sys.executable, "-m", "dsu", "grade", EPISODE, "--root", str(root), "--submissions", str(subs),
               "--workers", "2", "--cell-timeout", "10", "--memory-mb", "1024"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return {"args": command, "returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}


def graded_tiny(tmp_path_factory):
    """Build, submit and grade (with ``dsu grade``, 2 workers) the tiny course once per test run
    (shared by the xdist workers, see ``build_once``); return ``(root, submissions, run)`` of this
    process's own copy (tests write feedback and read the gradebook: no worker sees another's)."""
    import shutil
    import subprocess

    from build_once import build_once

    if "course" not in _GRADED:
        folder, record = build_once(tmp_path_factory, "graded-tiny", _grade_tiny)
        copy = tmp_path_factory.mktemp("graded-tiny-copy")
        shutil.copytree(folder, copy, dirs_exist_ok=True)
        config = copy / "root" / "nbgrader_config.py"
        config.write_text(config.read_text(encoding="utf-8").replace(
            repr(str(folder / "root")), repr(str(copy / "root"))), encoding="utf-8")
        _GRADED["course"] = (copy / "root", copy / "submissions", subprocess.CompletedProcess(**record))
    return _GRADED["course"]


def _release_every_episode(folder: Path) -> dict:
    from course.notebooks.nbgrader_course import nbgrader, prepare

    root = prepare(folder / "root")
    # One nbgrader run releases every episode (the assignment id is a glob): ~2 s saved per episode.
    nbgrader(root, "generate_assignment", "*", "--force", "--create", timeout=900)
    return {}


def released_course(tmp_path_factory, target: Path) -> Path:
    """A private copy at ``target`` of the course root with every episode of the syllabus
    released, generated once per test run (shared by the xdist workers, see ``build_once``)."""
    import shutil

    from build_once import build_once

    from course.notebooks.nbgrader_course import prepare

    folder, _ = build_once(tmp_path_factory, "released-course", _release_every_episode)
    shutil.copytree(folder / "root", target)
    return prepare(target)  # the copied nbgrader_config.py still names the shared root: point it here


def _tiny_key():
    import math

    from grading.answer_keys import AnswerKey, Case, Question

    return AnswerKey(assignment=EPISODE, notebook="assessment", forbidden={"course.queueing.littles_law": ("concurrency",)}, questions=(
        Question("tiny-doubling__q1", "Q1 double(x)", "call", ("double",),
                 cases=lambda rng: [Case((2,)), Case((-3,))] + [Case((int(v),)) for v in rng.integers(-1000, 1000, 20)],
                 expected=lambda x: 2 * x),
        Question("tiny-geometry__q2", "Q2 area(r)", "call", ("area",),
                 cases=lambda rng: [Case((1,)), Case((2,))] + [Case((float(v),)) for v in rng.uniform(0, 100, 20)],
                 expected=lambda r: math.pi * r**2),
    ))


#: The tiny assessment's answer key (``grade_batch(..., answer_key="grading_course")``).
ANSWER_KEY = _tiny_key()
