"""Who has earned a series certificate: the rules of certificates/certification.toml, applied.

The rules are read with the syllabus (which episodes and objectives a series has) and checked
against the gradebook. :func:`evaluate` returns every rule with passed/failed and a reason,
so a refusal can say exactly what is missing.

>>> rules = load_rules().for_series("series-3")
>>> rules.min_episode_percent
70.0
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from course.syllabus import ASSESSMENT, OBJECTIVE_SEPARATOR, Syllabus, load_syllabus
from grading.course_settings import course_settings, use_this_environment

#: The rules ship inside the package (package data).
RULES_RESOURCE = files("certificates") / "certification.toml"


@dataclass(frozen=True)
class Issuer:
    name: str
    url: str
    id: str
    status_list_url: str


@dataclass(frozen=True)
class SeriesRules:
    series: str
    achievement_name: str
    description: str
    min_episode_percent: float = 70.0
    require_all_objectives: bool = True
    min_objective_percent: float = 0.0

    def narrative(self) -> str:
        """The rules in words, for the certificate's ``criteria.narrative``."""
        text = (f"Every episode of {self.series} assessed: each assessment notebook submitted, fully graded "
                f"(including the answers graded by hand) and scored at least {self.min_episode_percent:g} % "
                "of its points")
        if self.require_all_objectives:
            text += "; every learning objective of the series assessed by graded questions"
            if self.min_objective_percent:
                text += f", with at least {self.min_objective_percent:g} % on each"
        return text + "."


@dataclass(frozen=True)
class Rules:
    issuer: Issuer
    series: dict[str, SeriesRules]

    def for_series(self, series_id: str) -> SeriesRules:
        if series_id not in self.series:
            raise ValueError(f"no certification rules for {series_id!r}; {RULES_RESOURCE.name} has: "
                             f"{', '.join(sorted(self.series))}")
        return self.series[series_id]


def load_rules(path: Path | None = None) -> Rules:
    """Read the certification rules (default: certificates/certification.toml)."""
    raw = tomllib.loads((Path(path) if path is not None else RULES_RESOURCE).read_text(encoding="utf-8"))
    defaults = raw.get("defaults", {})
    series = {}
    for series_id, table in raw.get("series", {}).items():
        merged = {**defaults, **table}
        series[series_id] = SeriesRules(
            series=series_id, achievement_name=merged["achievement_name"], description=merged["description"],
            min_episode_percent=float(merged.get("min_episode_percent", 70)),
            require_all_objectives=bool(merged.get("require_all_objectives", True)),
            min_objective_percent=float(merged.get("min_objective_percent", 0)),
        )
    issuer = raw["issuer"]
    return Rules(Issuer(issuer["name"], issuer["url"], issuer.get("id", ""), issuer["status_list_url"]), series)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


@dataclass
class EpisodeEvidence:
    episode: str
    title: str
    score: float
    max_score: float
    files: list[tuple[str, str]] = field(default_factory=list)  # (file name, SHA-256 hex)

    @property
    def percent(self) -> float:
        return 100 * self.score / self.max_score if self.max_score else 0.0


@dataclass
class Decision:
    student: str
    series: str
    results: list[RuleResult] = field(default_factory=list)
    evidence: list[EpisodeEvidence] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def evaluate(student: str, series_id: str, root: Path, db_url: str | None = None,
             rules: SeriesRules | None = None, syllabus: Syllabus | None = None) -> Decision:
    """Check every rule of ``series_id`` for ``student`` against the gradebook of ``root``."""
    from nbgrader.api import Gradebook, MissingEntry

    syllabus = syllabus or load_syllabus()
    series = syllabus.get_series(series_id)
    rules = rules or load_rules().for_series(series_id)
    decision = Decision(student, series_id)
    add = decision.results.append
    add(RuleResult("the series has episodes", bool(series.episodes),
                   f"{len(series.episodes)} episode(s)" if series.episodes else f"{series_id} lists no episodes"))
    use_this_environment()
    url, course_id = course_settings(Path(root), db_url)
    with Gradebook(url, course_id) as gb:
        for ep in series.episodes:
            try:
                submission = gb.find_submission(ep.id, student)
            except MissingEntry:
                add(RuleResult(f"{ep.id}: submitted", False, f"no graded submission of {ep.id} for {student}"))
                continue
            notebook = next((nb for nb in submission.notebooks if nb.name == ASSESSMENT), None)
            if notebook is None:
                add(RuleResult(f"{ep.id}: assessment graded", False, f"{ep.id} has no '{ASSESSMENT}' notebook"))
                continue
            pending = sorted(g.cell.name for g in notebook.grades if g.needs_manual_grade)
            add(RuleResult(f"{ep.id}: fully graded", not pending,
                           "all graded" if not pending else f"waiting for manual grading: {', '.join(pending)}"))
            score = max(0.0, float(notebook.score) - float(notebook.late_submission_penalty or 0))
            evidence = EpisodeEvidence(ep.id, ep.title, score, float(notebook.max_score))
            add(RuleResult(f"{ep.id}: assessment >= {rules.min_episode_percent:g} %",
                           evidence.percent >= rules.min_episode_percent,
                           f"{score:g}/{evidence.max_score:g} = {evidence.percent:.1f} %"))
            if rules.require_all_objectives:
                for objective in ep.objectives:
                    grades = [g for g in notebook.grades
                              if g.cell.name.split(OBJECTIVE_SEPARATOR, 1)[0] == objective.id
                              and OBJECTIVE_SEPARATOR in g.cell.name]
                    if not grades:
                        add(RuleResult(f"{ep.id}: objective {objective.id} assessed", False,
                                       "no graded question of the assessment assesses it"))
                        continue
                    got, most = sum(g.score for g in grades), sum(g.cell.max_score for g in grades)
                    percent = 100 * got / most if most else 0.0
                    add(RuleResult(f"{ep.id}: objective {objective.id} assessed",
                                   percent >= rules.min_objective_percent and not any(g.needs_manual_grade for g in grades),
                                   f"{got:g}/{most:g} = {percent:.1f} % over {len(grades)} question(s)"))
            path = Path(root) / "submitted" / student / ep.id / f"{ASSESSMENT}.ipynb"
            if path.is_file():
                evidence.files.append((path.name, sha256_file(path)))
            add(RuleResult(f"{ep.id}: submission on file", path.is_file(),
                           str(path) if path.is_file() else f"{path} is missing: nothing to fingerprint"))
            decision.evidence.append(evidence)
    return decision
