"""Step 2: pair every nbgrader cell of the release with the student's cell(s), by grade_id.

* A cell whose grade_id appears twice (a copied cell, or JupyterLab's "split cell", which
  copies the metadata — nbgrader #1083) is reported; for an answer cell the parts are
  joined in order, so a split answer keeps all of its code.
* A cell that lost its nbgrader metadata is found again by its cell id (JupyterLab keeps ids).
* A missing answer cell is reported (graded as unanswered); a missing test or locked cell is
  reported and restored from the source by the rebuild step.
"""

from __future__ import annotations

from grading.repair.work import Repair

AFTER = ("parse_notebook",)


def match_graded_cells(work: Repair) -> None:
    """Fill ``work.matches`` for the release's nbgrader cells; note duplicates and gaps."""
    if work.rejected:
        return
    by_grade_id = work.reference.by_grade_id()
    claimed: set[int] = set()
    for cell in work.cells:
        ref = by_grade_id.get(cell.grade_id) if cell.grade_id else None
        if ref is not None:
            work.matches.setdefault(ref.index, []).append(cell.position)
            claimed.add(cell.position)
    for ref in work.reference.cells:
        if ref.grade_id is None:
            continue
        found = work.matches.get(ref.index, [])
        if not found and ref.cell_id:
            twin = next((c for c in work.cells if c.cell_id == ref.cell_id and c.position not in claimed), None)
            if twin is not None:
                work.matches[ref.index] = [twin.position]
                claimed.add(twin.position)
                work.note("repaired", "metadata_removed",
                          f"cell '{ref.grade_id}' had lost its grading metadata: recognised by its cell id",
                          ref.grade_id)
                continue
        if not found:
            if ref.is_answer:
                work.note("repaired", "answer_cell_missing",
                          f"answer cell '{ref.grade_id}' is missing: graded as unanswered", ref.grade_id)
            else:
                work.note("repaired", "locked_cell_deleted",
                          f"{ref.kind} cell '{ref.grade_id}' was deleted: restored from the source", ref.grade_id)
        elif len(found) > 1:
            what = "joined in order" if ref.is_answer else "the extra copies dropped"
            work.note("repaired", "duplicated_cell",
                      f"cell '{ref.grade_id}' appears {len(found)} times (copied or split): {what}", ref.grade_id)
            if not ref.is_answer:
                work.matches[ref.index] = found[:1]
