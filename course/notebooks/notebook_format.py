"""Notebook hygiene: what a committed source notebook may carry, and how to clean it.

A committed notebook keeps its sources, its ``metadata.nbgrader`` and, only in cells marked
``# NBVAL_CHECK_OUTPUT``, a small deterministic text output that nbval compares. Everything
else — outputs, execution counts, saved widget state (megabytes for a FigureWidget),
timing metadata — is stripped.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=3)])
>>> clean_notebook(nb).cells[0].execution_count is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

CHECK_MARKER = "NBVAL_CHECK_OUTPUT"
MAX_NOTEBOOK_BYTES = 200_000
# Cell metadata that only records a past run; everything else (nbgrader, tags, ...) stays.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NOTEBOOK_METADATA = ("widgets",)


def keeps_output(cell) -> bool:
    """Whether a code cell's output is part of the golden copy nbval compares."""
    return cell.cell_type == "code" and CHECK_MARKER in cell.source


def clean_notebook(nb):
    """Strip outputs, execution counts and widget state in place; return the notebook."""
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        cell.execution_count = None
        if keeps_output(cell):
            # nbval refuses a golden output on a cell that looks never run, so the kept
            # outputs carry a fixed count of 1 (deterministic, unlike the real count).
            cell.execution_count = 1
            kept = []
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = 1
                out.pop("metadata", None) if out.output_type == "stream" else None
                # Widget views and HTML carry random ids; only plain text is a stable golden copy.
                if out.output_type in ("execute_result", "display_data"):
                    out.data = {k: v for k, v in out.data.items() if k == "text/plain"}
                    if not out.data:
                        continue
                kept.append(out)
            cell.outputs = kept
        else:
            cell.outputs = []
    return nb


def clean_file(path: Path) -> bool:
    """Clean one notebook file in place; return True if it changed."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    after = nbformat.writes(clean_notebook(nb)) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def hygiene_problems(path: Path) -> list[str]:
    """Reasons a committed notebook breaks the storage conventions (empty list if none)."""
    path = Path(path)
    problems = []
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        problems.append(f"{path}: {size:,} bytes, over the {MAX_NOTEBOOK_BYTES:,}-byte limit")
    nb = nbformat.read(path, as_version=4)
    if "widgets" in nb.metadata:
        problems.append(f"{path}: carries saved widget state (metadata.widgets)")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") and not keeps_output(cell):
            problems.append(f"{path}: cell {index} has outputs but is not marked {CHECK_MARKER}")
        if cell.get("execution_count") is not None and not keeps_output(cell):
            problems.append(f"{path}: cell {index} keeps an execution count")
    return problems


@dataclass(frozen=True)
class GradedCell:
    """A cell nbgrader scores: auto-graded tests or a manually graded answer."""

    grade_id: str
    points: float
    cell_type: str
    is_solution: bool

    @property
    def manual(self) -> bool:
        # nbgrader: a graded cell that is also a solution cell is graded by hand.
        return self.is_solution


def graded_cells(nb) -> list[GradedCell]:
    """The graded cells of a source notebook, in order."""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cells.append(
                GradedCell(
                    grade_id=meta["grade_id"],
                    points=float(meta.get("points", 0)),
                    cell_type=cell.cell_type,
                    is_solution=bool(meta.get("solution")),
                )
            )
    return cells
