"""Step 3: a graded cell whose type the student changed gets its type back.

Turning a code answer into markdown (a frequent accident, nbgrader #1941) would make its
tests fail with a NameError; the answer's text is kept and run as code again. A test or
locked cell turned into markdown would not run at all; it is restored by the rebuild step.
"""

from __future__ import annotations

from grading.repair.work import Repair

AFTER = ("parse_notebook", "match_graded_cells")


def restore_cell_types(work: Repair) -> None:
    """Note every matched nbgrader cell whose type differs from the release's."""
    if work.rejected:
        return
    by_position = {c.position: c for c in work.cells}
    for ref in work.reference.cells:
        expected = ref.cell["cell_type"]
        for position in work.matches.get(ref.index, []):
            found = by_position[position].cell_type
            if found != expected:
                kept = "your text kept" if ref.is_answer else "restored from the source"
                work.note("repaired", "cell_type_changed",
                          f"cell '{ref.grade_id}' was changed from {expected} to {found}: "
                          f"turned back into {expected} ({kept})", ref.grade_id)
                break
