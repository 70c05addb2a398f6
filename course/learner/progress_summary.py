"""What your progress logbook means: per episode, per notebook, and what to do next.

:mod:`course.learner.progress` only appends lines ("exercise passed", "notebook opened"). This
module reads them against the syllabus and the notebooks themselves:

* an **exercise** is a self-check of a lesson notebook (foundations, implementation,
  strategy), found in it as ``check("<exercise id>", ...)``; it is *attempted* once its check
  ran on your code, *passed* once all its visible checks passed (once is enough: the
  self-check is practice, the assessment is what counts);
* a **question** is an auto-graded question of an episode's assessment: a code cell with
  ``metadata.nbgrader.grade = true``, whose test cell runs its visible checks as
  ``check("<its grade_id>", ...)``; it is *passed* once those visible checks passed (the
  hidden tests run only when the assessment is graded);
* an exercise or question assesses the **objective** whose id starts its own id
  (``ep51-littles-law-sizing`` and ``ep51-littles-law__q1`` → ``ep51-littles-law``); an
  objective is *covered* when one of its exercises or questions passed;
* a **notebook** is *opened* when it was marked opened (``course.learner.progress.mark_opened``) or
  one of its checks ran. It is *done* when every exercise (lesson) or question (assessment)
  in it passed; a notebook with none is done when it was run to its end, i.e. its last
  cell's ``course.learner.progress.mark_finished`` ran;
* an episode's **completion** is the share of its steps done: each exercise, each question
  and each notebook without any is one step, so it reaches 100 % exactly when every notebook
  of the episode is done.

The next notebook is the first one not done, in syllabus order, of an episode you already
started, else of the first episode (in prerequisite order) whose prerequisites are complete.

>>> import tempfile
>>> from course.learner.progress import ProgressStore
>>> ws = Path(tempfile.mkdtemp())
>>> _ = ProgressStore(ws).record("check", "ep51-littles-law__q1", "passed")
>>> ep = summarize(ws).episode("ep51")
>>> ep.objectives_covered, ep.questions_passed
(('ep51-littles-law',), 1)

Taught in: the start page (START-HERE.ipynb) and ``dsu progress``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course.learner.progress import ProgressStore
from course.paths import course_root
from course.syllabus import ASSESSMENT, OBJECTIVE_SEPARATOR, Syllabus, learning_path, load_syllabus

_CHECK_CALL = re.compile(r"""\bcheck\(\s*(["'])([A-Za-z0-9_-]+)\1""")


def _read(notebook_path: Path):
    import nbformat

    return nbformat.read(notebook_path, as_version=4)


def exercises_in(notebook_path: Path) -> tuple[str, ...]:
    """The self-check exercise ids a notebook calls ``check(...)`` with, in order, once each."""
    path = Path(notebook_path)
    if not path.is_file():
        return ()
    found: list[str] = []
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            found += [m.group(2) for m in _CHECK_CALL.finditer(cell.source) if m.group(2) not in found]
    return tuple(found)


def questions_in(notebook_path: Path) -> tuple[str, ...]:
    """The auto-graded questions of an assessment: the nbgrader ``grade_id`` of each code cell
    that is graded (``grade: true``), in order. Manually graded answers (essays) are not here:
    no self-check can say they are right.
    """
    path = Path(notebook_path)
    if not path.is_file():
        return ()
    found: list[str] = []
    for cell in _read(path).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and meta.get("grade_id") not in found:
            found.append(meta["grade_id"])
    return tuple(found)


def objective_of_exercise(exercise_id: str, objective_ids) -> str | None:
    """The objective an exercise assesses: the longest objective id that starts its id.

    >>> objective_of_exercise("ep51-littles-law-sizing", ["ep51-littles-law", "ep51-usl"])
    'ep51-littles-law'
    >>> objective_of_exercise("ep51-other", ["ep51-littles-law"]) is None
    True
    """
    best = None
    for objective in objective_ids:
        if exercise_id == objective or exercise_id.startswith((objective + "-", objective + "__")):
            if best is None or len(objective) > len(best):
                best = objective
    return best


@dataclass(frozen=True)
class NotebookProgress:
    """One notebook: its exercises (lesson) or questions (assessment) and what you did.

    ``exercises`` holds the questions for an assessment (``is_assessment``)."""

    id: str
    title: str
    relative_path: Path
    exercises: tuple[str, ...]
    exercises_attempted: int
    exercises_passed: int
    opened: bool
    finished: bool
    is_assessment: bool = False

    @property
    def done(self) -> bool:
        """Every exercise or question passed; for a notebook with none, run to its end."""
        if self.exercises:
            return self.exercises_passed == len(self.exercises)
        return self.finished

    @property
    def steps(self) -> int:
        """Steps this notebook adds to its episode's completion: one per exercise, else one."""
        return len(self.exercises) or 1

    @property
    def steps_done(self) -> int:
        return self.exercises_passed if self.exercises else int(self.finished)


@dataclass(frozen=True)
class EpisodeProgress:
    """One episode: lesson exercises, assessment questions, notebooks and objectives."""

    series_id: str
    episode_id: str
    title: str
    prerequisites: tuple[str, ...]
    notebooks: tuple[NotebookProgress, ...]
    exercises: tuple[str, ...]
    exercises_attempted: int
    exercises_passed: int
    objectives: tuple[str, ...]
    objectives_covered: tuple[str, ...]
    questions: tuple[str, ...] = ()
    questions_passed: int = 0

    @property
    def notebooks_opened(self) -> int:
        return sum(nb.opened or nb.finished or nb.exercises_attempted > 0 for nb in self.notebooks)

    @property
    def notebooks_done(self) -> int:
        return sum(nb.done for nb in self.notebooks)

    @property
    def completion(self) -> float:
        """Share of the episode's steps done, 0-1 (1 exactly when every notebook is done)."""
        steps = sum(nb.steps for nb in self.notebooks)
        return sum(nb.steps_done for nb in self.notebooks) / steps if steps else 0.0

    @property
    def started(self) -> bool:
        return self.notebooks_opened > 0 or self.exercises_attempted > 0

    @property
    def complete(self) -> bool:
        return bool(self.notebooks) and self.notebooks_done == len(self.notebooks)


@dataclass(frozen=True)
class Suggestion:
    notebook: NotebookProgress
    episode: EpisodeProgress
    reason: str


@dataclass(frozen=True)
class CourseProgress:
    syllabus: Syllabus
    episodes: tuple[EpisodeProgress, ...]

    def episode(self, episode_id: str) -> EpisodeProgress:
        for ep in self.episodes:
            if ep.episode_id == episode_id:
                return ep
        raise ValueError(f"unknown episode {episode_id!r}; known: {', '.join(e.episode_id for e in self.episodes)}")

    def in_learning_order(self) -> tuple[EpisodeProgress, ...]:
        """The episodes in the order to take them (:func:`course.syllabus.learning_path`)."""
        order = {ep.id: i for i, ep in enumerate(learning_path(self.syllabus))}
        return tuple(sorted(self.episodes, key=lambda ep: order.get(ep.episode_id, len(order))))

    def next_notebook(self) -> Suggestion | None:
        """The notebook to work on next, with the reason; None when everything is done."""
        complete = {ep.episode_id for ep in self.episodes if ep.complete}
        ready = [ep for ep in self.in_learning_order() if set(ep.prerequisites) <= complete]
        for ep in [e for e in ready if e.started] + ready:
            for nb in ep.notebooks:
                if nb.done:
                    continue
                if ep.started:
                    reason = f"next step of {ep.episode_id.upper()}, which you have started"
                    if nb.is_assessment and nb.exercises:
                        reason += (f" — {nb.exercises_passed} of {len(nb.exercises)} questions "
                                   "pass their visible checks")
                elif ep.prerequisites:
                    reason = f"its prerequisites ({', '.join(p.upper() for p in ep.prerequisites)}) are done"
                else:
                    reason = "first notebook of an episode with no prerequisites"
                return Suggestion(nb, ep, reason)
        return None

    def table(self) -> str:
        """The progress table printed by ``dsu progress``."""
        header = (f"  {'Episode':<8} {'Exercises':>9} {'':>10} {'Questions':>9} {'Notebooks':>9} {'':>9} "
                  f"{'Objectives':>10} {'Done':>5}")
        units = (f"  {'':<8} {'passed':>9} {'attempted':>10} {'passed':>9} {'opened':>9} {'done':>9} "
                 f"{'covered':>10} {'':>5}")
        lines = [f"{self.syllabus.title} — your progress", ""]
        for series in self.syllabus.series:
            lines.append(f"Series {series.number} · {series.title}")
            rows = [ep for ep in self.episodes if ep.series_id == series.id]
            if not rows:
                lines += ["  (episodes in preparation)", ""]
                continue
            lines += [header, units]
            for ep in rows:
                exercises = len(ep.exercises)
                lines.append(
                    f"  {ep.episode_id.upper():<8} {f'{ep.exercises_passed}/{exercises}':>9} "
                    f"{f'{ep.exercises_attempted}/{exercises}':>10} "
                    f"{f'{ep.questions_passed}/{len(ep.questions)}':>9} "
                    f"{f'{ep.notebooks_opened}/{len(ep.notebooks)}':>9} "
                    f"{f'{ep.notebooks_done}/{len(ep.notebooks)}':>9} "
                    f"{f'{len(ep.objectives_covered)}/{len(ep.objectives)}':>10} "
                    f"{ep.completion:>5.0%}"
                )
            lines.append("")
        lines += ["Exercises: self-checks of the lesson notebooks. Questions: the assessment's auto-graded",
                  "questions whose visible checks passed (the hidden tests run when it is graded).", ""]
        suggestion = self.next_notebook()
        if suggestion is None:
            lines.append("Every notebook is done. Well done!")
        else:
            nb = suggestion.notebook
            lines.append(f"Next: {nb.title} — {nb.relative_path.as_posix()} ({suggestion.reason})")
        return "\n".join(lines)


def summarize(workspace: Path | None = None, syllabus: Syllabus | None = None,
              notebooks_root: Path | None = None) -> CourseProgress:
    """Read the logbook of ``workspace`` against the syllabus.

    Exercises and questions are found in the notebooks under ``notebooks_root`` (default:
    the workspace's copies where they exist, else the course's source notebooks).
    """
    syllabus = syllabus or load_syllabus()
    events = ProgressStore(workspace).events() if workspace is not None else []
    attempted = {e.subject for e in events if e.kind == "check" and e.outcome in ("passed", "failed")}
    passed = {e.subject for e in events if e.kind == "check" and e.outcome == "passed"}
    opened = {e.subject for e in events if e.kind == "notebook" and e.outcome == "opened"}
    finished = {e.subject for e in events if e.kind == "notebook" and e.outcome == "finished"}
    recorded = {e.subject for e in events if e.kind == "check"}
    objective_ids = list(syllabus.objectives())

    episodes = []
    for series in syllabus.series:
        for ep in series.episodes:
            own_objectives = tuple(o.id for o in ep.objectives)
            notebooks = []
            exercises: list[str] = []
            questions: list[str] = []
            for nb in ep.notebooks:
                roots = [r for r in (notebooks_root, workspace, course_root()) if r is not None]
                path = next((Path(r) / nb.relative_path for r in roots
                             if (Path(r) / nb.relative_path).is_file()), nb.path)
                is_assessment = nb.name == ASSESSMENT
                found = questions_in(path) if is_assessment else exercises_in(path)
                own = questions if is_assessment else exercises
                own += [x for x in found if x not in own]
                key = f"{ep.id}/{nb.name}"
                notebooks.append(NotebookProgress(
                    key, nb.title, nb.relative_path, found,
                    sum(x in attempted for x in found), sum(x in passed for x in found),
                    key in opened or bool(recorded & set(found)), key in finished, is_assessment))
            # Recorded exercises no notebook mentions any more still count for their episode
            # (a question is only ever one the assessment holds: grading counts no other).
            for exercise in sorted(recorded - set(exercises) - set(questions)):
                if OBJECTIVE_SEPARATOR in exercise:
                    continue
                objective = objective_of_exercise(exercise, objective_ids)
                if objective in own_objectives or (objective is None and exercise.startswith(ep.id + "-")):
                    exercises.append(exercise)
            covered = {objective_of_exercise(x, own_objectives) for x in (*exercises, *questions) if x in passed}
            episodes.append(EpisodeProgress(
                series.id, ep.id, ep.title, ep.prerequisites, tuple(notebooks), tuple(exercises),
                sum(x in attempted for x in exercises), sum(x in passed for x in exercises),
                own_objectives, tuple(o for o in own_objectives if o in covered),
                tuple(questions), sum(x in passed for x in questions)))
    return CourseProgress(syllabus, tuple(episodes))
