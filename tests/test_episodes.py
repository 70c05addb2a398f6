"""Every episode as an nbgrader assignment: release, leaks, and autograding both ways.

Runs real nbgrader commands on one temporary course root holding every episode (built once per
test run and shared by the xdist workers, see ``build_once``): generate_assignment must succeed,
no solution or hidden test may leak into the student version, the reference solutions must
earn full marks on every auto-graded cell, and the untouched student version zero. An episode
with an answer key (``grading/answer_keys/``) is graded the way ``dsu grade`` grades it (the
key decides outside the kernel); the others with plain ``nbgrader autograde``.
"""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest
from build_once import build_once
from grading_course import released_course
from nbgrader.api import Gradebook

from course.notebooks.nbgrader_course import nbgrader
from course.notebooks.notebook_format import graded_cells
from course.syllabus import load_syllabus
from grading.answer_keys import load_answer_key
from grading.batch import grade_batch
from grading.options import GradingOptions
from grading.reference_submission import solved_submission

EPISODES = [ep.id for ep in load_syllabus().episodes()]
REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MARK_SCHEME = re.compile(r"=== BEGIN MARK SCHEME ===\n(.*?)=== END MARK SCHEME ===", re.S)


def secret_lines(nb):
    """Distinctive lines of solutions, hidden tests and mark schemes in a source notebook."""
    lines = set()
    for cell in nb.cells:
        for match in list(REGION.finditer(cell.source)) + list(MARK_SCHEME.finditer(cell.source)):
            body = match.group(match.lastindex)
            for line in body.splitlines():
                line = line.strip()
                if len(line) >= 12 and not line.startswith("#"):
                    lines.add(line)
    return lines


def _grade_every_episode(folder, tmp_path_factory):
    """One course root holding every episode (released by one generate_assignment), then the
    reference and the untouched student version of each graded (one batch per episode)."""
    syllabus = load_syllabus()
    root = released_course(tmp_path_factory, folder / "root")
    subs = folder / "submissions"
    reports = {}
    for episode in syllabus.episodes():
        release = root / "release" / episode.id
        if load_answer_key(episode.id) is None:
            for student, source in (("reference", root / "source" / episode.id), ("untouched", release)):
                target = root / "submitted" / student / episode.id
                shutil.copytree(source, target)
                for extra in target.glob("*.db"):
                    extra.unlink()
            nbgrader(root, "autograde", episode.id, "--force", "--create", timeout=900)
            reports[episode.id] = {"ok": True, "table": "plain nbgrader autograde"}
            continue
        for nb in episode.notebooks:
            source = nbformat.read(root / "source" / episode.id / nb.filename, as_version=4)
            student_version = nbformat.read(release / nb.filename, as_version=4)
            for student, version in (("reference", solved_submission(source, student_version)),
                                     ("untouched", student_version)):
                (subs / student / episode.id).mkdir(parents=True, exist_ok=True)
                nbformat.write(version, subs / student / episode.id / nb.filename)
        report = grade_batch(root, episode.id, GradingOptions(workers=2, cell_timeout=300), submissions=subs,
                             log=lambda line: None)
        reports[episode.id] = {"ok": report.ok, "table": report.table()}
    return reports


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """The course root with every episode released and graded, built once per test run."""
    folder, reports = build_once(tmp_path_factory, "graded-course",
                                 lambda folder: _grade_every_episode(folder, tmp_path_factory))
    return folder / "root", reports


@pytest.fixture(params=EPISODES)
def graded_episode(request, graded_course):
    root, reports = graded_course
    episode = load_syllabus().episode(request.param)
    assert reports[episode.id]["ok"], reports[episode.id]["table"]
    return episode, root, root / "release" / episode.id


def _grades(root, episode, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        result = {}
        for nb in episode.notebooks:
            for cell in graded_cells(nbformat.read(nb.path, as_version=4)):
                grade = gb.find_grade(cell.grade_id, nb.name, episode.id, student)
                result[(nb.name, cell.grade_id)] = (grade.auto_score, grade.max_score, cell.manual)
        return result


@pytest.mark.xdist_group("nbgrader")
def test_student_version_exists_for_every_notebook(graded_episode):
    """Does generate_assignment produce a student version of every notebook of the episode?"""
    episode, _, release = graded_episode
    assert sorted(p.name for p in release.glob("*.ipynb")) == sorted(nb.filename for nb in episode.notebooks)


@pytest.mark.xdist_group("nbgrader")
def test_no_solution_or_hidden_test_leaks(graded_episode):
    """Is every solution line, hidden test and mark scheme absent from the student version?"""
    episode, _, release = graded_episode
    for nb in episode.notebooks:
        student_text = (release / nb.filename).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in student_text and "BEGIN HIDDEN TESTS" not in student_text
        assert "BEGIN MARK SCHEME" not in student_text
        leaked = [line for line in secret_lines(nbformat.read(nb.path, as_version=4)) if line in student_text]
        assert leaked == [], f"{nb.filename} leaks: {leaked[:5]}"


@pytest.mark.xdist_group("nbgrader")
def test_reference_solutions_earn_full_marks(graded_episode):
    """Do the reference solutions get full marks on every auto-graded cell?"""
    episode, root, _ = graded_episode
    grades = _grades(root, episode, "reference")
    assert any(not manual for *_, manual in grades.values())
    short = {key: (score, top) for key, (score, top, manual) in grades.items() if not manual and score != top}
    assert short == {}


@pytest.mark.xdist_group("nbgrader")
def test_untouched_student_version_earns_zero(graded_episode):
    """Does a student version handed in untouched score zero on every auto-graded cell?"""
    episode, root, _ = graded_episode
    grades = _grades(root, episode, "untouched")
    scored = {key: score for key, (score, _, manual) in grades.items() if not manual and score != 0}
    assert scored == {}


@pytest.mark.xdist_group("nbgrader")
def test_run_all_of_an_untouched_assessment_says_not_answered_yet(graded_episode):
    """Does Run All of the untouched student version go through every question (no error output,
    no NotImplementedError traceback) and say at each graded cell that it is not answered yet?"""
    from nbclient import NotebookClient

    episode, _, release = graded_episode
    assert load_answer_key(episode.id) is not None, "every episode's assessment is graded by an answer key"
    nb = nbformat.read(release / "assessment.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(release)}},
                   allow_errors=True).execute()
    errors = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert errors == []
    for cell in graded_cells(nb):
        if not cell.manual:
            outputs = json.dumps(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                                      == cell.grade_id).outputs)
            assert "not answered yet" in outputs, (cell.grade_id, outputs[:300])
