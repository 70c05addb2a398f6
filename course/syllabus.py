"""The course syllabus: series → episodes → notebooks and learning objectives.

Read from ``course/syllabus.toml``, the single source of truth used by the start page,
the ``dsu`` CLI, grading, certification and the tests.

>>> syllabus = load_syllabus()
>>> syllabus.episode("ep51").series.id
'series-3'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

from course.paths import course_root

#: The syllabus ships inside the package (package data).
SYLLABUS_RESOURCE = files("course") / "syllabus.toml"
OBJECTIVE_SEPARATOR = "__"
ASSESSMENT = "assessment"


@dataclass(frozen=True)
class Objective:
    id: str
    text: str


@dataclass(frozen=True)
class NotebookEntry:
    name: str
    title: str
    minutes: int
    episode: Episode = field(repr=False, compare=False)

    @property
    def filename(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def relative_path(self) -> Path:
        """Path relative to the repository root (and to a learner's workspace)."""
        return self.episode.relative_folder / self.filename

    @property
    def path(self) -> Path:
        return course_root() / self.relative_path


@dataclass(frozen=True)
class Episode:
    id: str
    title: str
    folder: str
    prerequisites: tuple[str, ...]
    related: tuple[str, ...]
    assessment_points: float
    objectives: tuple[Objective, ...]
    notebooks: tuple[NotebookEntry, ...]
    series: Series = field(repr=False, compare=False)

    @property
    def relative_folder(self) -> Path:
        return Path(self.series.folder) / self.folder

    @property
    def path(self) -> Path:
        return course_root() / self.relative_folder

    @property
    def minutes(self) -> int:
        return sum(nb.minutes for nb in self.notebooks)

    def notebook(self, name: str) -> NotebookEntry:
        for nb in self.notebooks:
            if nb.name == name:
                return nb
        raise KeyError(f"episode {self.id} has no notebook {name!r}")


@dataclass(frozen=True)
class Series:
    id: str
    number: int
    title: str
    folder: str
    description: str
    episodes: tuple[Episode, ...]


@dataclass(frozen=True)
class Syllabus:
    id: str
    title: str
    pass_percent: float
    series: tuple[Series, ...]

    def episodes(self) -> list[Episode]:
        return [ep for s in self.series for ep in s.episodes]

    def episode(self, episode_id: str) -> Episode:
        for ep in self.episodes():
            if ep.id == episode_id:
                return ep
        known = ", ".join(ep.id for ep in self.episodes())
        raise ValueError(f"unknown episode {episode_id!r}; the syllabus lists: {known}")

    def get_series(self, series_id: str) -> Series:
        for s in self.series:
            if s.id == series_id:
                return s
        raise ValueError(f"unknown series {series_id!r}")

    def notebooks(self) -> list[NotebookEntry]:
        return [nb for ep in self.episodes() for nb in ep.notebooks]

    def objectives(self) -> dict[str, Objective]:
        return {o.id: o for ep in self.episodes() for o in ep.objectives}


def objective_of(grade_id: str) -> str:
    """The objective id a graded cell assesses, read from its nbgrader ``grade_id``.

    >>> objective_of("ep51-littles-law__q1")
    'ep51-littles-law'
    """
    if OBJECTIVE_SEPARATOR not in grade_id:
        raise ValueError(
            f"grade_id {grade_id!r} must look like '<objective id>__<question>'"
        )
    return grade_id.split(OBJECTIVE_SEPARATOR, 1)[0]


def learning_path(syllabus: Syllabus) -> list[Episode]:
    """Every episode in an order to take them: each after its prerequisites, else in syllabus order.

    >>> [ep.id for ep in learning_path(load_syllabus())]
    ['ep51', 'ep13', 'ep14', 'ep15', 'ep16', 'ep17', 'ep18', 'ep19', 'ep52', 'ep53']
    """
    episodes = syllabus.episodes()
    known = {ep.id for ep in episodes}
    placed: list[Episode] = []
    done: set[str] = set()
    while len(placed) < len(episodes):
        ready = [ep for ep in episodes if ep.id not in done
                 and all(p in done or p not in known for p in ep.prerequisites)]
        if not ready:  # a prerequisite cycle (structural_problems reports it): keep syllabus order
            ready = [ep for ep in episodes if ep.id not in done][:1]
        placed.append(ready[0])
        done.add(ready[0].id)
    return placed


def _build_series(raw: dict) -> Series:
    episodes: list[Episode] = []
    series = Series(
        id=raw["id"],
        number=int(raw["number"]),
        title=raw["title"],
        folder=raw["folder"],
        description=raw.get("description", ""),
        episodes=(),
    )
    for ep_raw in raw.get("episodes", []):
        notebooks: list[NotebookEntry] = []
        episode = Episode(
            id=ep_raw["id"],
            title=ep_raw["title"],
            folder=ep_raw["folder"],
            prerequisites=tuple(ep_raw.get("prerequisites", ())),
            related=tuple(ep_raw.get("related", ())),
            assessment_points=float(ep_raw["assessment_points"]),
            objectives=tuple(Objective(o["id"], o["text"]) for o in ep_raw.get("objectives", [])),
            notebooks=(),
            series=series,
        )
        for nb_raw in ep_raw.get("notebooks", []):
            notebooks.append(NotebookEntry(nb_raw["name"], nb_raw["title"], int(nb_raw["minutes"]), episode))
        object.__setattr__(episode, "notebooks", tuple(notebooks))
        episodes.append(episode)
    object.__setattr__(series, "episodes", tuple(episodes))
    return series


def parse_syllabus(text: str) -> Syllabus:
    """Build a :class:`Syllabus` from TOML text (the format of ``course/syllabus.toml``)."""
    raw = tomllib.loads(text)
    course = raw["course"]
    return Syllabus(
        id=course["id"],
        title=course["title"],
        pass_percent=float(course.get("pass_percent", 70)),
        series=tuple(_build_series(s) for s in raw.get("series", [])),
    )


@cache
def load_syllabus(path: Path | None = None) -> Syllabus:
    """Load the course syllabus (cached; pass ``path`` to read another file)."""
    source = Path(path) if path is not None else SYLLABUS_RESOURCE
    return parse_syllabus(source.read_text(encoding="utf-8"))


def structural_problems(syllabus: Syllabus) -> list[str]:
    """Problems a syllabus can have on its own, before looking at notebooks on disk."""
    problems: list[str] = []
    episode_ids = [ep.id for ep in syllabus.episodes()]
    seen: set[str] = set()
    for ep_id in episode_ids:
        if ep_id in seen:
            problems.append(f"episode id {ep_id} is listed twice")
        seen.add(ep_id)
    objective_ids: set[str] = set()
    for ep in syllabus.episodes():
        for prereq in ep.prerequisites:
            if prereq not in seen:
                problems.append(f"{ep.id}: prerequisite {prereq!r} is not an episode of the syllabus")
            if prereq == ep.id:
                problems.append(f"{ep.id}: lists itself as a prerequisite")
        for rel in ep.related:
            if rel not in seen:
                problems.append(f"{ep.id}: related episode {rel!r} is not in the syllabus")
        if not ep.objectives:
            problems.append(f"{ep.id}: has no learning objectives")
        for obj in ep.objectives:
            if obj.id in objective_ids:
                problems.append(f"objective id {obj.id} is used twice")
            objective_ids.add(obj.id)
            if OBJECTIVE_SEPARATOR in obj.id or not obj.id.replace("-", "").isalnum():
                problems.append(f"objective id {obj.id!r} may hold only letters, digits and single dashes")
        names = [nb.name for nb in ep.notebooks]
        if ASSESSMENT not in names:
            problems.append(f"{ep.id}: has no '{ASSESSMENT}' notebook")
        if len(set(names)) != len(names):
            problems.append(f"{ep.id}: lists a notebook twice")
    return problems
