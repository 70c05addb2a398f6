"""Step 5: rebuild the notebook on the release's cell structure (the #1941 repair).

The graded notebook is the release notebook, cell for cell, with the student's text put into
the answer cells matched by grade_id. Everything else — instructions, tests, read-only cells,
notebook metadata — comes from the release, so inserted, deleted, reordered or retyped cells
can no longer break batch autograding. Cells the student inserted are dropped and listed
(answers belong in answer cells). A rejected file becomes the unanswered release version,
which grades to 0 and still shows up in formgrader.
"""

from __future__ import annotations

import copy

from grading.repair.work import Repair

AFTER = ("parse_notebook", "match_graded_cells", "restore_cell_types", "restore_locked_cells")
PREVIEW = 60


def _preview(source: str) -> str:
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return first[:PREVIEW] + ("…" if len(first) > PREVIEW else "")


def rebuild_structure(work: Repair) -> None:
    """Set ``work.notebook`` to the release structure holding the student's answers."""
    notebook = copy.deepcopy(work.reference.release)
    if work.rejected:
        work.notebook = notebook
        return
    by_position = {c.position: c for c in work.cells}
    used: set[int] = set()
    for ref in work.reference.cells:
        positions = work.matches.get(ref.index, [])
        used.update(positions)
        if not ref.is_answer or not positions:
            continue
        cell = notebook["cells"][ref.index]
        separator = "\n\n" if cell["cell_type"] == "markdown" else "\n"
        cell["source"] = separator.join(by_position[p].source for p in positions)
        attachments = {}
        for p in positions:
            attachments.update(by_position[p].attachments or {})
        if attachments and cell["cell_type"] == "markdown":
            cell["attachments"] = attachments
    # Cells without grading metadata: the same cell id in the release means "kept", else inserted.
    release_ids = {c.cell_id for c in work.reference.cells if c.cell_id}
    inserted = [c for c in work.cells if c.position not in used and c.cell_id not in release_ids]
    for cell in inserted:
        if cell.source.strip():
            work.note("info", "inserted_cell_dropped",
                      f"a {cell.cell_type} cell you added was not graded (answers go in answer cells): "
                      f"'{_preview(cell.source)}'")
    present = {c.cell_id for c in work.cells if c.cell_id}
    deleted = [c for c in work.reference.cells if not c.grade_id and c.cell_id and c.cell_id not in present]
    if deleted and present:
        work.note("info", "deleted_cells_restored", f"{len(deleted)} instruction cell(s) you deleted were restored")
    work.notebook = notebook
