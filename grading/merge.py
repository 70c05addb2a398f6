"""Write one student's private grading result into the main gradebook (the single writer).

Scores follow nbgrader's own rules (``SaveAutoGrades``): the autograder sets ``auto_score``;
a manual score given earlier in formgrader is kept and marks the grade for review. What the
repair pipeline found is appended to the automatic comment of the answer cell it concerns
(the notebook's first answer cell for notebook-wide findings), so formgrader and the
feedback show it. A notebook flagged for tampering that was graded by an answer key keeps its
points (the verdict was decided outside the kernel, so patching cannot change it) and carries
a comment asking for review. Without an answer key (in-notebook tests only) its autograded
points are withheld: manual score 0 and "needs manual grade", until a grader reviews it.
"""

from __future__ import annotations

import warnings

from nbgrader.api import Gradebook, MissingEntry

WITHHELD = "[dsu] autograded points withheld until reviewed"
FOR_REVIEW = ("[dsu] flagged for a person to review; the points stand: the answer key decided them "
              "outside the student's kernel")


def _comment_text(existing: str | None, notes: list[str]) -> str | None:
    parts = [existing] if existing else []
    parts += [f"[dsu] {n}" for n in notes]
    return "\n".join(parts) if parts else None


def merge_result(gb: Gradebook, episode: str, result: dict,
                 issues: dict[str, list[dict]], manual_ids: set[tuple[str, str]]) -> None:
    """Merge ``result`` (from :func:`grading.worker.autograde_job`) for one student into ``gb``.

    ``issues`` maps notebook name -> issue dicts from the repair pipeline; ``manual_ids`` is the
    set of (notebook, grade_id) graded by hand (never withheld: nothing was autograded there).
    A student's grades and comments are committed together; a merge cut short leaves grades
    without scores, which :func:`grading.integrity.integrity_problems` reports.
    """
    student = result["student"]
    flagged = {nb for nb, found in issues.items() if any(i["severity"] == "flagged" for i in found)}
    keyed = {v["notebook"] for v in result.get("verdicts", [])}
    with warnings.catch_warnings():
        # nbgrader's add_submission builds rows before adding them: SQLAlchemy warns, harmlessly.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gb.update_or_create_student(student)
        extra = {"timestamp": result["timestamp"]} if result.get("timestamp") else {}
        gb.update_or_create_submission(episode, student, **extra)
    for row in result["grades"]:
        grade = gb.find_grade(row["grade_id"], row["notebook"], episode, student)
        grade.auto_score = row["auto_score"]
        grade.needs_manual_grade = grade.manual_score is not None or row["auto_score"] is None
        if (row["notebook"] in flagged - keyed) and (row["notebook"], row["grade_id"]) not in manual_ids:
            grade.manual_score = 0.0
            grade.needs_manual_grade = True
    answer_cells: dict[str, list[str]] = {}
    for row in result["comments"]:
        answer_cells.setdefault(row["notebook"], []).append(row["grade_id"])
    for row in result["comments"]:
        notes = [i["message"] for i in issues.get(row["notebook"], []) if i.get("grade_id") == row["grade_id"]]
        comment = gb.find_comment(row["grade_id"], row["notebook"], episode, student)
        comment.auto_comment = _comment_text(row["auto_comment"], notes)
    for notebook, found in issues.items():
        commented = set(answer_cells.get(notebook, []))
        general = [i["message"] for i in found if i.get("grade_id") not in commented]
        if notebook in flagged:
            general.append(FOR_REVIEW if notebook in keyed else WITHHELD)
        if general and answer_cells.get(notebook):
            comment = gb.find_comment(answer_cells[notebook][0], notebook, episode, student)
            comment.auto_comment = _comment_text(comment.auto_comment, general)
    for notebook, penalty in result["late_penalty"].items():
        try:
            gb.find_submission_notebook(notebook, episode, student).late_submission_penalty = penalty
        except MissingEntry:
            continue
    gb.db.commit()
