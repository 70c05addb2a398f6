"""The instructor's solutions, handed in like a student's: the first thing to grade.

A submission built from the release (student) version with every answer cell filled from
the source notebook's solution must earn every autograded point; if it does not, a test or
the release is broken. The benchmark and the Ep51 grading test grade such submissions.

>>> import nbformat
>>> meta = {"nbgrader": {"solution": True, "grade": False, "grade_id": "a", "locked": False}}
>>> source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
...     "def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION", metadata=meta)])
>>> release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\\n    raise NotImplementedError()", metadata=meta)])
>>> solved_submission(source, release).cells[0].source
'def f():\\n    return 1'
"""

from __future__ import annotations

import copy
import re

MARKERS = re.compile(r"^[ \t]*(### (BEGIN|END) SOLUTION|=== (BEGIN|END) MARK SCHEME ===)[ \t]*\n?", re.M)
MARK_SCHEME = re.compile(r"=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===\n?", re.S)


def solution_text(source: str) -> str:
    """An answer cell's source without the nbgrader delimiters (and without any mark scheme)."""
    return MARKERS.sub("", MARK_SCHEME.sub("", source)).rstrip()


def solved_submission(source_nb, release_nb, answers: dict[str, str] | None = None):
    """The release notebook with each answer cell holding the source's solution (or ``answers[grade_id]``)."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: solution_text(c.source)
                 for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution")}
    solutions.update(answers or {})
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in solutions:
            cell.source = solutions[grade_id]
    return nb
