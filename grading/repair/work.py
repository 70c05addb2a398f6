"""The state one submitted notebook carries through the repair pipeline, and its findings.

>>> issue = Issue("repaired", "locked_cell_edited", "cell 'a__q1' was edited: restored")
>>> issue.severity
'repaired'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grading.repair.reference import Reference

#: repaired: fixed and graded; rejected: unusable, graded as unanswered; flagged: autograded
#: points withheld until a person reviews; info: noted, no effect on the grade.
SEVERITIES = ("repaired", "rejected", "flagged", "info")


@dataclass(frozen=True)
class Issue:
    severity: str
    code: str
    message: str
    grade_id: str | None = None

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}; got {self.severity!r}")

    def as_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "message": self.message,
                "grade_id": self.grade_id}


@dataclass
class StudentCell:
    """One cell as the student's file has it (only the fields grading needs)."""

    position: int
    cell_type: str
    source: str
    nbgrader: dict
    cell_id: str | None
    attachments: dict | None = None

    @property
    def grade_id(self) -> str | None:
        return self.nbgrader.get("grade_id") if self.nbgrader else None


@dataclass
class Repair:
    """A submission on its way from raw bytes to a notebook nbgrader can grade."""

    raw: bytes
    reference: Reference
    cells: list[StudentCell] = field(default_factory=list)
    #: reference cell index -> positions of the student cells matched to it
    matches: dict[int, list[int]] = field(default_factory=dict)
    notebook: dict | None = None
    issues: list[Issue] = field(default_factory=list)
    rejected: bool = False

    def note(self, severity: str, code: str, message: str, grade_id: str | None = None) -> None:
        self.issues.append(Issue(severity, code, message, grade_id))
        if severity == "rejected":
            self.rejected = True

    @property
    def flagged(self) -> bool:
        return any(i.severity == "flagged" for i in self.issues)
