"""The syllabus is the single source of truth: does it agree with the notebooks on disk?"""

from __future__ import annotations

import nbformat
import pytest

from course import REPO_ROOT
from course.notebooks.notebook_format import graded_cells
from course.syllabus import ASSESSMENT, objective_of, parse_syllabus, structural_problems

SERIES_FOLDERS = ("series-1", "series-3")


def notebooks_on_disk():
    found = set()
    for folder in SERIES_FOLDERS:
        for path in (REPO_ROOT / folder).rglob("*.ipynb"):
            if ".ipynb_checkpoints" not in path.parts:
                found.add(path.relative_to(REPO_ROOT))
    return found


def test_syllabus_has_no_structural_problems(syllabus):
    """Are episode ids unique, prerequisites known, objectives well named?"""
    assert structural_problems(syllabus) == []


def test_every_notebook_on_disk_is_listed_and_every_listed_notebook_exists(syllabus):
    """Does a notebook exist that the syllabus does not list, or vice versa?"""
    listed = {nb.relative_path for nb in syllabus.notebooks()}
    on_disk = notebooks_on_disk()
    assert sorted(on_disk - listed) == [], "notebooks on disk missing from course/syllabus.toml"
    assert sorted(listed - on_disk) == [], "notebooks in the syllabus missing on disk"


def test_episode_folders_start_with_the_episode_id(syllabus):
    """Can a person find ep51 by its folder name?"""
    for ep in syllabus.episodes():
        assert ep.folder.startswith(f"{ep.id}-"), ep.folder


@pytest.mark.parametrize(
    "change, message",
    [
        ('prerequisites = ["ep99"]', "prerequisite 'ep99' is not an episode"),
        ('prerequisites = ["ep1"]', "lists itself as a prerequisite"),
    ],
)
def test_structural_check_catches_bad_prerequisites(change, message):
    """Does a prerequisite naming an unknown episode fail the check?"""
    text = f"""
[course]
id = "t"
title = "t"
[[series]]
id = "s"
number = 1
title = "s"
folder = "series-x"
[[series.episodes]]
id = "ep1"
title = "e"
folder = "ep1-e"
{change}
assessment_points = 1
[[series.episodes.objectives]]
id = "ep1-o"
text = "o"
[[series.episodes.notebooks]]
name = "assessment"
title = "a"
minutes = 1
"""
    problems = structural_problems(parse_syllabus(text))
    assert any(message in p for p in problems), problems


def _assessment_cells(episode):
    nb = nbformat.read(episode.notebook(ASSESSMENT).path, as_version=4)
    return graded_cells(nb)


def test_every_objective_is_assessed_by_a_graded_cell(syllabus):
    """Is each learning objective assessed by at least one graded cell of its episode?"""
    for ep in syllabus.episodes():
        assessed = {objective_of(cell.grade_id) for cell in _assessment_cells(ep)}
        missing = [obj.id for obj in ep.objectives if obj.id not in assessed]
        assert missing == [], f"{ep.id}: objectives assessed by no graded cell: {missing}"


def test_graded_cells_name_objectives_of_their_own_episode(syllabus):
    """Does every graded cell's grade_id name a known objective of the same episode?"""
    for ep in syllabus.episodes():
        own = {obj.id for obj in ep.objectives}
        for cell in _assessment_cells(ep):
            assert objective_of(cell.grade_id) in own, f"{ep.id}: {cell.grade_id}"


def test_assessment_points_match_the_syllabus(syllabus):
    """Do the graded cells add up to the points the syllabus announces, with at least 20 and two hand-graded answers?"""
    for ep in syllabus.episodes():
        cells = _assessment_cells(ep)
        assert sum(c.points for c in cells) == pytest.approx(ep.assessment_points), ep.id
        assert ep.assessment_points >= 20, ep.id
        assert sum(1 for c in cells if c.manual) >= 2, f"{ep.id}: needs two manually graded answers"


def test_practice_notebooks_have_no_graded_cells(syllabus):
    """Are points only in the assessment, so practice stays practice?"""
    for ep in syllabus.episodes():
        for nb in ep.notebooks:
            if nb.name != ASSESSMENT:
                assert graded_cells(nbformat.read(nb.path, as_version=4)) == [], nb.relative_path


def test_objective_of_rejects_grade_ids_without_an_objective():
    """Is a grade_id that names no objective refused with a clear message?"""
    with pytest.raises(ValueError, match="<objective id>__<question>"):
        objective_of("q1")
