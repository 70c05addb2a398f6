"""Check and repair a submitted notebook before grading: an ordered list of small steps.

Each step is one function in its own module and declares in ``AFTER`` the steps that must
have run before it; ``tests/test_grading_repair.py`` checks :data:`PIPELINE` against those
declarations, so the order is enforced by a test rather than by a comment.

>>> [step.__name__ for step in PIPELINE][:2]
['parse_notebook', 'match_graded_cells']
"""

from __future__ import annotations

from grading.repair.match_graded_cells import match_graded_cells
from grading.repair.parse_notebook import parse_notebook
from grading.repair.rebuild_structure import rebuild_structure
from grading.repair.reference import Reference
from grading.repair.restore_cell_types import restore_cell_types
from grading.repair.restore_locked_cells import restore_locked_cells
from grading.repair.scan_tampering import scan_tampering
from grading.repair.work import Issue, Repair

PIPELINE = (
    parse_notebook,
    match_graded_cells,
    restore_cell_types,
    restore_locked_cells,
    rebuild_structure,
    scan_tampering,
)


def repair_notebook(raw: bytes, reference: Reference) -> Repair:
    """Run every step of :data:`PIPELINE` on a submitted file; the result holds the notebook
    to grade (``.notebook``) and the per-student findings (``.issues``)."""
    work = Repair(raw=raw, reference=reference)
    for step in PIPELINE:
        step(work)
    return work


__all__ = ["PIPELINE", "Issue", "Reference", "Repair", "repair_notebook"]
