"""Shared test builders for the DSU kit."""

from __future__ import annotations

import nbformat
import pytest

from course.syllabus import load_syllabus


def nbgrader_meta(grade_id: str, *, grade=False, solution=False, locked=False, points=0):
    meta = {"grade": grade, "solution": solution, "locked": locked, "task": False,
            "grade_id": grade_id, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def tiny_source_notebook():
    """A minimal nbgrader source notebook: one answer, one graded test with a hidden part, one essay."""
    cells = [
        nbformat.v4.new_markdown_cell("# Tiny episode"),
        nbformat.v4.new_code_cell(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
            metadata=nbgrader_meta("double", solution=True),
        ),
        nbformat.v4.new_code_cell(
            "assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-3) == -6\n### END HIDDEN TESTS",
            metadata=nbgrader_meta("tiny-objective__q1", grade=True, locked=True, points=2),
        ),
        nbformat.v4.new_markdown_cell(
            "Explain.\n\n=== BEGIN MARK SCHEME ===\nAnything sensible.\n=== END MARK SCHEME ===",
            metadata=nbgrader_meta("tiny-objective__essay", grade=True, solution=True, points=1),
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture
def tiny_notebook():
    """A fresh minimal nbgrader source notebook (see :func:`tiny_source_notebook`)."""
    return tiny_source_notebook()


@pytest.fixture(scope="session")
def syllabus():
    return load_syllabus()
