"""Grades out of the gradebook: per student, episode and learning objective, and per question.

One tidy row per (student, graded cell) — :func:`export_grades` — from which every table is a
groupby: totals per student and episode, scores per learning objective (the part of the
grade_id before ``__``, see :func:`course.syllabus.objective_of`), and statistics per question
that show an instructor which items are too hard or broken (mean, spread, how many failed,
and where: a visible test, a hidden test, an error in the answer, a timeout), plus a count of
failures per test line (each ``assert`` line is one test; a cell stops at its first failure,
so later lines are counted only for students who passed the earlier ones).

>>> GRADE_COLUMNS[:4]
('student', 'episode', 'notebook', 'grade_id')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from course.syllabus import OBJECTIVE_SEPARATOR
from grading.course_settings import course_settings, use_this_environment
from grading.failures import failure_of

GRADE_COLUMNS = ("student", "episode", "notebook", "grade_id", "objective", "question", "kind",
                 "score", "max_score", "auto_score", "manual_score", "needs_manual_grade", "outcome",
                 "failure", "error", "failed_line", "hidden_test")


def _split(grade_id: str) -> tuple[str, str]:
    if OBJECTIVE_SEPARATOR in grade_id:
        objective, question = grade_id.split(OBJECTIVE_SEPARATOR, 1)
        return objective, question
    return "", grade_id


def _outcome(score, max_score, pending: bool) -> str:
    if pending:
        return "pending"
    if score >= max_score:
        return "full"
    return "partial" if score > 0 else "zero"


def _autograded_cells(root: Path, student: str, episode: str, notebook: str) -> dict[str, dict]:
    path = Path(root) / "autograded" / student / episode / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")}


def export_grades(root: Path, db_url: str | None = None, episodes: list[str] | None = None) -> GradeExport:
    """Read every grade of ``episodes`` (default: all) from the course at ``root``."""
    from nbgrader.api import Gradebook

    use_this_environment()
    url, course_id = course_settings(Path(root), db_url)
    rows = []
    with Gradebook(url, course_id) as gb:
        for assignment in gb.assignments:
            if episodes and assignment.name not in episodes:
                continue
            for submission in assignment.submissions:
                for nb in submission.notebooks:
                    manual = {c.name for c in nb.notebook.solution_cells}
                    cells = _autograded_cells(root, submission.student_id, assignment.name, nb.name)
                    for grade in nb.grades:
                        name, max_score = grade.cell.name, grade.cell.max_score
                        objective, question = _split(name)
                        kind = "manual" if name in manual else "auto"
                        pending = bool(grade.needs_manual_grade)
                        failure = failure_of(cells[name]) if kind == "auto" and name in cells else None
                        rows.append({
                            "student": submission.student_id, "episode": assignment.name, "notebook": nb.name,
                            "grade_id": name, "objective": objective, "question": question, "kind": kind,
                            "score": float(grade.score), "max_score": float(max_score),
                            "auto_score": grade.auto_score, "manual_score": grade.manual_score,
                            "needs_manual_grade": pending, "outcome": _outcome(grade.score, max_score, pending),
                            "failure": failure.kind if failure else None,
                            "error": failure.error if failure else None,
                            "failed_line": failure.line_text if failure else None,
                            "hidden_test": failure.hidden if failure else None,
                        })
    return GradeExport(pd.DataFrame(rows, columns=list(GRADE_COLUMNS)))


@dataclass
class GradeExport:
    """Every grade as one tidy DataFrame (:attr:`rows`), with the instructor's tables as methods."""

    rows: pd.DataFrame

    def per_student(self) -> pd.DataFrame:
        """Score, maximum and percent per student and episode."""
        table = self.rows.groupby(["student", "episode"], as_index=False)[["score", "max_score"]].sum()
        table["percent"] = 100 * table["score"] / table["max_score"]
        table["pending"] = self.rows.groupby(["student", "episode"])["needs_manual_grade"].sum().to_numpy()
        return table

    def per_episode(self) -> pd.DataFrame:
        """Per episode: students, mean and median percent, lowest and highest."""
        per_student = self.per_student()
        return per_student.groupby("episode")["percent"].agg(
            students="count", mean="mean", median="median", low="min", high="max").reset_index()

    def per_objective(self) -> pd.DataFrame:
        """Score, maximum and percent per student and learning objective."""
        table = self.rows.groupby(["student", "episode", "objective"], as_index=False)[["score", "max_score"]].sum()
        table["percent"] = 100 * table["score"] / table["max_score"]
        return table

    def questions(self) -> pd.DataFrame:
        """Per graded cell: how students did and how the autograded ones failed."""
        rows = self.rows.assign(
            fraction=self.rows["score"] / self.rows["max_score"],
            full=self.rows["outcome"] == "full",
            failed=(self.rows["kind"] == "auto") & (self.rows["outcome"] != "full"),
            failed_hidden=self.rows["hidden_test"].eq(True),
            failed_visible=self.rows["hidden_test"].eq(False) & self.rows["failure"].eq("assertion"),
            answer_error=self.rows["failure"].eq("error"),
            not_answered=self.rows["failure"].eq("not answered"),
            timeout=self.rows["failure"].isin(["timeout", "kernel died", "not run"]),
            pending=self.rows["needs_manual_grade"],
        )
        table = rows.groupby(["episode", "notebook", "grade_id", "objective", "kind", "max_score"]).agg(
            students=("student", "count"), mean_score=("score", "mean"), std_score=("score", "std"),
            mean_fraction=("fraction", "mean"), full_marks=("full", "sum"), failed=("failed", "sum"),
            failed_hidden_test=("failed_hidden", "sum"), failed_visible_test=("failed_visible", "sum"),
            error_in_answer=("answer_error", "sum"), not_answered=("not_answered", "sum"),
            timeout_or_crash=("timeout", "sum"), pending_manual=("pending", "sum"))
        return table.reset_index()

    def tests(self) -> pd.DataFrame:
        """How many students failed at each test line (each assert is one test)."""
        failed = self.rows.dropna(subset=["failed_line"])
        table = failed.groupby(["episode", "grade_id", "failed_line", "hidden_test", "error"]).size()
        return table.rename("students").reset_index().sort_values("students", ascending=False)

    def write_csv(self, folder: Path) -> list[Path]:
        """grades.csv, students.csv, episodes.csv, objectives.csv, questions.csv, tests.csv in ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tables = {"grades": self.rows, "students": self.per_student(), "episodes": self.per_episode(),
                  "objectives": self.per_objective(), "questions": self.questions(), "tests": self.tests()}
        paths = []
        for name, table in tables.items():
            path = folder / f"{name}.csv"
            table.to_csv(path, index=False)
            paths.append(path)
        return paths
