"""Step 1: read the submitted bytes as a notebook, or reject the file with the reason.

Only what grading needs is kept from each cell (type, source, nbgrader metadata, id,
attachments): the rest of the file is rebuilt from the release version later, so a
schema violation elsewhere in the file does not matter.
"""

from __future__ import annotations

import json

from grading.repair.work import Repair, StudentCell

AFTER: tuple[str, ...] = ()
CELL_TYPES = ("code", "markdown", "raw")


def _text(source) -> str | None:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def parse_notebook(work: Repair) -> None:
    """Fill ``work.cells`` from ``work.raw``; reject empty, non-UTF-8, non-JSON or cell-less files."""
    if not work.raw.strip():
        work.note("rejected", "empty_file", "the file is empty: graded as unanswered")
        return
    try:
        text = work.raw.decode("utf-8")
    except UnicodeDecodeError as error:
        work.note("rejected", "not_utf8", f"the file is not UTF-8 text ({error.reason} at byte {error.start})")
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        work.note("rejected", "malformed_json",
                  f"the file is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}): "
                  "graded as unanswered")
        return
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        work.note("rejected", "not_a_notebook", "the file is JSON but holds no list of notebook cells")
        return
    if data.get("nbformat") != 4:
        work.note("info", "old_format", f"notebook format {data.get('nbformat')!r}, read as version 4")
    for position, cell in enumerate(data["cells"]):
        source = _text(cell.get("source", "")) if isinstance(cell, dict) else None
        if source is None:
            work.note("repaired", "unreadable_cell", f"cell {position} is not a readable cell: dropped")
            continue
        cell_type = cell.get("cell_type")
        if cell_type not in CELL_TYPES:
            work.note("repaired", "unknown_cell_type", f"cell {position} has type {cell_type!r}: read as raw")
            cell_type = "raw"
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbgrader = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        attachments = cell.get("attachments") if isinstance(cell.get("attachments"), dict) else None
        work.cells.append(StudentCell(position, cell_type, source, nbgrader, cell_id, attachments))
