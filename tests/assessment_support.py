"""An assessment's cells and its reference answers, run in this process (fast key checks).

``tests/test_episodes.py`` grades every episode through nbgrader; the per-episode
``test_grading_<episode>.py`` files and ``test_grading_references.py`` use these helpers to check
an answer key against its notebook in milliseconds.
"""

from __future__ import annotations

import functools
import re

import nbformat

from course.syllabus import load_syllabus

#: the parameter cell's progress call would write to the tester's workspace
_MARK_OPENED = re.compile(r'mark_opened\("[^"]*"\)')


@functools.cache
def assessment_cells(episode: str) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """The episode's source assessment notebook and ``{grade_id: source}`` of its cells."""
    path = next(n.path for n in load_syllabus().episode(episode).notebooks if n.name == "assessment")
    notebook = nbformat.read(path, as_version=4)
    return notebook, {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in notebook.cells}


def parameters(episode: str) -> dict:
    """The namespace after the assessment's parameter cell (``<episode>-assessment-parameters``)."""
    _, cells = assessment_cells(episode)
    namespace: dict = {"print": lambda *a, **k: None}
    exec(_MARK_OPENED.sub("None", cells[f"{episode}-assessment-parameters"]), namespace)
    return namespace


def reference_namespace(episode: str) -> dict:
    """The kernel state after every code cell but the graded tests, in order: the parameter
    cell, locked helper cells an answer may use, and every reference answer."""
    notebook, _ = assessment_cells(episode)
    namespace = parameters(episode)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (cell.cell_type == "code" and not meta.get("grade")
                and meta.get("grade_id") != f"{episode}-assessment-parameters"):
            exec(_MARK_OPENED.sub("None", cell.source), namespace)
    return namespace


def visible_checks_pass(episode: str, grade_id: str, answers: dict) -> bool:
    """Do the visible checks of graded cell ``grade_id`` pass with ``answers`` set?"""
    _, cells = assessment_cells(episode)
    namespace = parameters(episode)
    results = []

    def collect(_grade_id, *checks):
        for one in checks:
            try:
                results.append(one() is not False)
            except AssertionError:
                results.append(False)

    namespace.update(answers, check=collect)
    exec(cells[grade_id], namespace)
    return all(results)
