"""What a submitted notebook is compared with: the released student version and the gradebook.

The release notebook (``release/<episode>/<name>.ipynb``) gives the cell structure every
submission is rebuilt to; the gradebook's source cells add what the release hides — the
hidden tests, which the tamper scan reads to know which names the tests rely on.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
>>> Reference.from_release("demo", nb).cells[0].kind
'plain'
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

#: How a cell is graded: answer (code the student writes, graded by tests), manual (graded by
#: a person), test (locked autograded tests), locked (read-only text/code), task, plain.
KINDS = ("answer", "manual", "test", "locked", "task", "plain")


def cell_kind(meta: dict) -> str:
    """The kind of a cell from its ``metadata.nbgrader`` (see :data:`KINDS`).

    >>> cell_kind({"grade": True, "solution": False, "locked": True, "grade_id": "a__q1"})
    'test'
    """
    if not meta:
        return "plain"
    if meta.get("task"):
        return "task"
    if meta.get("solution"):
        return "manual" if meta.get("grade") else "answer"
    if meta.get("grade"):
        return "test"
    if meta.get("locked"):
        return "locked"
    return "plain"


@dataclass(frozen=True)
class ReferenceCell:
    index: int
    cell: dict
    kind: str
    grade_id: str | None
    cell_id: str | None
    #: Full source from the gradebook (solutions, hidden tests); None if not recorded there.
    source_text: str | None

    @property
    def is_answer(self) -> bool:
        return self.kind in ("answer", "manual")

    @property
    def is_locked(self) -> bool:
        return self.kind in ("test", "locked") or bool(self.cell["metadata"].get("nbgrader", {}).get("locked"))


@dataclass(frozen=True)
class Reference:
    """The released version of one notebook plus the gradebook's full source of its cells."""

    notebook: str
    release: dict
    cells: tuple[ReferenceCell, ...]

    @classmethod
    def from_release(cls, notebook: str, release: dict, source_cells: dict[str, str] | None = None):
        """Build from a release notebook and ``{grade_id: full source}`` from the gradebook."""
        source_cells = source_cells or {}
        cells = []
        for index, cell in enumerate(release["cells"]):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = meta.get("grade_id") if meta else None
            cells.append(ReferenceCell(
                index=index, cell=copy.deepcopy(cell), kind=cell_kind(meta), grade_id=grade_id,
                cell_id=cell.get("id"), source_text=source_cells.get(grade_id) if grade_id else None,
            ))
        return cls(notebook=notebook, release=copy.deepcopy(release), cells=tuple(cells))

    def by_grade_id(self) -> dict[str, ReferenceCell]:
        return {c.grade_id: c for c in self.cells if c.grade_id}

    def by_cell_id(self) -> dict[str, ReferenceCell]:
        return {c.cell_id: c for c in self.cells if c.cell_id}
