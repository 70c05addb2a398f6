"""The learner's workspace: are learner notebooks never overwritten by an update?"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course.workspace import MANIFEST, build_workspace, update_workspace, write_start_page

NB = Path("series-3/ep99-demo/1-foundations.ipynb")


def test_first_build_adds_every_notebook(tmp_path):
    """Does a first build deliver each notebook and remember what it delivered?"""
    report = update_workspace(tmp_path, {NB: b"v1", Path("series-3/ep99-demo/assessment.ipynb"): b"a1"})
    assert sorted(report.added) == sorted([NB, Path("series-3/ep99-demo/assessment.ipynb")])
    assert (tmp_path / NB).read_bytes() == b"v1"
    assert NB.as_posix() in json.loads((tmp_path / MANIFEST).read_text())["delivered"]


def test_rebuild_without_upstream_change_touches_nothing(tmp_path):
    """Does re-running with the same course leave an edited notebook alone and report it unchanged?"""
    update_workspace(tmp_path, {NB: b"v1"})
    (tmp_path / NB).write_bytes(b"my answers")
    report = update_workspace(tmp_path, {NB: b"v1"})
    assert report.unchanged == [NB] and report.changed_upstream == []
    assert (tmp_path / NB).read_bytes() == b"my answers"


def test_upstream_change_never_overwrites_and_saves_a_fresh_copy_beside(tmp_path):
    """When the course changes a notebook the learner edited, is theirs kept and a fresh copy saved beside?"""
    update_workspace(tmp_path, {NB: b"v1"})
    (tmp_path / NB).write_bytes(b"my answers")
    report = update_workspace(tmp_path, {NB: b"v2", Path("series-3/ep99-demo/2-new.ipynb"): b"n"})
    assert (tmp_path / NB).read_bytes() == b"my answers"
    assert report.added == [Path("series-3/ep99-demo/2-new.ipynb")]
    [(mine, fresh)] = report.changed_upstream
    assert mine == NB and fresh.parent == NB.parent and fresh != NB
    assert (tmp_path / fresh).read_bytes() == b"v2"
    assert "fresh copy" in report.summary() and str(fresh) in report.summary()


def test_unedited_notebook_is_not_overwritten_either(tmp_path):
    """Is even an unedited copy kept (the learner may have it open), with the new version beside it?"""
    update_workspace(tmp_path, {NB: b"v1"})
    report = update_workspace(tmp_path, {NB: b"v2"})
    assert (tmp_path / NB).read_bytes() == b"v1"
    assert len(report.changed_upstream) == 1


def test_repeated_updates_do_not_pile_up_copies(tmp_path):
    """Does running the same update twice save the fresh copy only once?"""
    update_workspace(tmp_path, {NB: b"v1"})
    update_workspace(tmp_path, {NB: b"v2"})
    update_workspace(tmp_path, {NB: b"v2"})
    assert len(list((tmp_path / NB.parent).glob("*.upstream-*.ipynb"))) == 1


def test_start_page_edits_are_saved_before_it_is_rewritten(tmp_path):
    """If the learner edited the start page, is their version kept beside the new one?"""
    page = write_start_page(tmp_path)
    page.write_text("edited by me")
    write_start_page(tmp_path)
    backups = list(tmp_path.glob("START-HERE.edited-*.ipynb"))
    assert [b.read_text() for b in backups] == ["edited by me"]
    assert "Course map" in page.read_text()


@pytest.mark.xdist_group("nbgrader")
def test_real_build_delivers_student_versions_and_keeps_learner_edits(tmp_path):
    """End to end with nbgrader: are student versions delivered, and is an edited one kept on rebuild?"""
    workspace = tmp_path / "ws"
    report = build_workspace(workspace, ["ep51"])
    foundations = workspace / "series-3/ep51-mathematics-of-scale/assessment.ipynb"
    assert foundations.exists() and len(report.added) >= 4
    assert "BEGIN SOLUTION" not in foundations.read_text()
    assert (workspace / "START-HERE.ipynb").exists()
    assert (workspace / "shared/data/specsdm91.csv").exists()
    nb = nbformat.read(foundations, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("my own note"))
    nbformat.write(nb, foundations)
    edited = foundations.read_bytes()
    again = build_workspace(workspace, ["ep51"])
    assert foundations.read_bytes() == edited
    assert again.added == []
