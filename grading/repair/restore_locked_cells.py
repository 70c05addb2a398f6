"""Step 4: report every edit to a cell the student may not change.

Test and read-only cells are rebuilt from the release (and nbgrader restores them once more
from the gradebook), so an edit never counts; it is reported here so that the instructor and
the student see it happened. Edits of the grading metadata itself (points, grade, locked)
are reported the same way: the release's metadata is what gets graded.
"""

from __future__ import annotations

from grading.repair.work import Repair

AFTER = ("parse_notebook", "match_graded_cells", "restore_cell_types")
GRADING_KEYS = ("grade", "solution", "locked", "points", "task")


def _same(a: str, b: str) -> bool:
    return a.rstrip() == b.rstrip()


def restore_locked_cells(work: Repair) -> None:
    """Note edited locked/test cells and edited nbgrader metadata (restored by the rebuild)."""
    if work.rejected:
        return
    by_position = {c.position: c for c in work.cells}
    for ref in work.reference.cells:
        positions = work.matches.get(ref.index, [])
        if not positions:
            continue
        cell = by_position[positions[0]]
        if ref.is_locked and not _same(cell.source, ref.cell["source"]):
            work.note("repaired", "locked_cell_edited",
                      f"{ref.kind} cell '{ref.grade_id}' was edited: restored from the source", ref.grade_id)
        expected = ref.cell["metadata"].get("nbgrader", {})
        changed = [k for k in GRADING_KEYS if cell.nbgrader and cell.nbgrader.get(k, False) != expected.get(k, False)]
        if changed:
            work.note("repaired", "metadata_edited",
                      f"grading metadata of cell '{ref.grade_id}' was edited ({', '.join(changed)}): "
                      "restored from the release", ref.grade_id)
