"""What a grading batch did, per student: score, repairs, rejections, timeouts, crashes.

Written as JSON next to the gradebook (``<root>/reports/<episode>.json``) and printed as a
table by ``dsu grade``.

>>> outcome = StudentOutcome("ada", "graded", score=3.0, max_score=4.0)
>>> outcome.summary()
'graded 3/4'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class StudentOutcome:
    student: str
    #: graded: in the gradebook; failed: the grader itself failed, nothing merged
    status: str
    score: float | None = None
    max_score: float | None = None
    issues: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    error: str | None = None
    #: the answer key's verdict per graded cell, and the seed its inputs were drawn from
    verdicts: list[dict] = field(default_factory=list)
    seed: int | None = None
    #: where and at what cost the student was graded (on Dask: seconds, worker, attempt, peak MB)
    resources: dict = field(default_factory=dict)

    def summary(self) -> str:
        if self.status != "graded":
            return f"{self.status}: {(self.error or '').splitlines()[0] if self.error else ''}".strip()
        text = f"graded {self.score:g}/{self.max_score:g}"
        counts: dict[str, int] = {}
        for issue in self.issues:
            if issue["severity"] != "info":
                counts[issue["severity"]] = counts.get(issue["severity"], 0) + 1
        for event in self.events:
            counts[event["kind"]] = counts.get(event["kind"], 0) + 1
        if counts:
            text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ")"
        return text


@dataclass
class BatchReport:
    episode: str
    isolation: str
    workers: int
    seconds: float = 0.0
    outcomes: list[StudentOutcome] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.integrity and all(o.status == "graded" for o in self.outcomes)

    def outcome(self, student: str) -> StudentOutcome:
        for o in self.outcomes:
            if o.student == student:
                return o
        raise KeyError(student)

    def as_dict(self) -> dict:
        return asdict(self)

    def write(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=1, default=str), encoding="utf-8")
        return path

    def table(self, scores: bool = True) -> str:
        """A plain-text table: one line per student, then details of every finding.

        ``scores=False`` leaves out the score lines (``dsu grade`` printed them as each student
        finished) and names each student once above their findings.
        """
        lines = [f"{self.episode}: {len(self.outcomes)} submission(s), {self.workers} worker(s), "
                 f"{self.seconds:.1f} s, sandbox: {self.isolation}"]
        width = max([len(o.student) for o in self.outcomes] + [7])
        for o in sorted(self.outcomes, key=lambda o: o.student):
            if scores:
                lines.append(f"  {o.student:<{width}}  {o.summary()}")
            else:
                lines.append(f"  {o.student}:")
            for issue in o.issues:
                lines.append(f"  {'':<{width}}    - [{issue['severity']}] {issue.get('notebook', '')}: {issue['message']}")
            for event in o.events:
                lines.append(f"  {'':<{width}}    - [{event['kind']}] {event.get('notebook', '')}: {event['detail']}")
            if o.seed is not None:
                lines.append(f"  {'':<{width}}    - [seed] inputs drawn from seed {o.seed}")
            for v in o.verdicts:
                if not v["passed"]:
                    lines.append(f"  {'':<{width}}    - [answer] {v['message'][:200]}")
        lines.append("gradebook integrity: " + ("ok" if not self.integrity else "PROBLEMS"))
        lines += [f"  - {p}" for p in self.integrity]
        return "\n".join(lines)
