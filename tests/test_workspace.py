"""The learner's workspace: are learner notebooks never overwritten by an update?"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course.learner.workspace import (
    MANIFEST,
    START_PAGE,
    build_workspace,
    read_manifest,
    update_workspace,
    usable_workspace,
    write_start_page,
)
from course.syllabus import load_syllabus

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
def test_real_build_delivers_student_versions_and_keeps_learner_edits(tmp_path, monkeypatch):
    """End to end with nbgrader: are student versions delivered, and is an edited one kept on rebuild?"""
    workspace = tmp_path / "ws"
    lines = []
    report = build_workspace(workspace, ["ep51"], progress=lines.append)
    assert lines[0] == "Generating the student version of ep51 (4 notebooks)..."
    assert lines[1:] == [f"  generated {p.as_posix()}" for p in sorted(report.added)]
    foundations = workspace / "series-3/ep51-mathematics-of-scale/assessment.ipynb"
    assert foundations.exists() and len(report.added) >= 4
    assert "BEGIN SOLUTION" not in foundations.read_text()
    assert (workspace / "START-HERE.ipynb").exists()
    assert (workspace / "shared/data/specsdm91.csv").exists()
    nb = nbformat.read(foundations, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("my own note"))
    nbformat.write(nb, foundations)
    edited = foundations.read_bytes()
    lines.clear()
    again = build_workspace(workspace, ["ep51"], progress=lines.append)
    assert lines == []  # nothing to generate, nothing to say
    assert foundations.read_bytes() == edited
    assert again.added == []
    # Nothing changed upstream: the rebuild must not run nbgrader at all (that took 15-23 s).
    import course.notebooks.nbgrader_course

    def no_nbgrader(*args, **kwargs):
        raise AssertionError("nbgrader ran for an unchanged episode")

    monkeypatch.setattr(course.notebooks.nbgrader_course, "generate_assignment", no_nbgrader)
    foundations.unlink()  # a deleted notebook is delivered again, from the cached student version
    third = build_workspace(workspace, ["ep51"])
    assert third.added == [foundations.relative_to(workspace)]
    assert "BEGIN SOLUTION" not in foundations.read_text()


def test_the_fresh_copy_notice_clears_when_the_learner_copy_matches_upstream(tmp_path):
    """Once the learner's notebook is byte-identical to the new upstream version, is it no longer reported?"""
    update_workspace(tmp_path, {NB: b"v1"})
    [(_, fresh)] = update_workspace(tmp_path, {NB: b"v2"}).changed_upstream
    (tmp_path / fresh).replace(tmp_path / NB)  # what the summary suggests: take the fresh copy
    report = update_workspace(tmp_path, {NB: b"v2"})
    assert report.changed_upstream == [] and report.unchanged == [NB]
    assert "fresh copy" not in report.summary()
    assert (tmp_path / NB).read_bytes() == b"v2"


def test_the_fresh_copy_notice_clears_when_the_learner_deletes_the_fresh_copy(tmp_path):
    """After merging by hand and deleting the fresh copy, is the notebook no longer reported, and kept?"""
    update_workspace(tmp_path, {NB: b"v1"})
    (tmp_path / NB).write_bytes(b"my answers")
    [(_, fresh)] = update_workspace(tmp_path, {NB: b"v2"}).changed_upstream
    (tmp_path / NB).write_bytes(b"my answers, merged with v2")
    (tmp_path / fresh).unlink()
    report = update_workspace(tmp_path, {NB: b"v2"})
    assert report.changed_upstream == [] and not (tmp_path / fresh).exists()
    assert (tmp_path / NB).read_bytes() == b"my answers, merged with v2"
    # a later upstream change is reported again, with a new fresh copy
    [(_, newer)] = update_workspace(tmp_path, {NB: b"v3"}).changed_upstream
    assert (tmp_path / newer).read_bytes() == b"v3"


def test_a_fresh_copy_still_there_keeps_being_reported(tmp_path):
    """Is an unresolved change (learner's copy differs, fresh copy still there) reported on every build?"""
    update_workspace(tmp_path, {NB: b"v1"})
    (tmp_path / NB).write_bytes(b"my answers")
    update_workspace(tmp_path, {NB: b"v2"})
    assert len(update_workspace(tmp_path, {NB: b"v2"}).changed_upstream) == 1


@pytest.mark.parametrize("bad, message", [
    ("/etc/hostname", "is not a folder"),
    ("/proc/dsu-workspace", "cannot write to /proc/dsu-workspace"),
    ("/etc/hostname/ws", "cannot write to /etc/hostname/ws"),
])
def test_unusable_workspace_paths_are_refused_by_name(bad, message):
    """Is a workspace path that is a file, or cannot be created, refused with a ValueError naming it?"""
    with pytest.raises(ValueError, match="--workspace: ") as error:
        usable_workspace(Path(bad))
    assert message in str(error.value)


def test_a_relative_workspace_is_resolved_once_against_the_current_folder(tmp_path, monkeypatch):
    """Does `some/relative/path` mean <cwd>/some/relative/path, created and absolute?"""
    monkeypatch.chdir(tmp_path)
    folder = usable_workspace(Path("some/relative/path"))
    assert folder == tmp_path.resolve() / "some/relative/path" and folder.is_dir()


def test_a_corrupt_manifest_is_a_clear_error(tmp_path):
    """Is a manifest that is not JSON (or not a manifest) refused with its path, not silently reset?"""
    (tmp_path / MANIFEST).parent.mkdir()
    (tmp_path / MANIFEST).write_text("{half a manifest")
    with pytest.raises(ValueError, match="manifest .* is unreadable"):
        update_workspace(tmp_path, {NB: b"v1"})
    (tmp_path / MANIFEST).write_text('{"delivered": []}')
    with pytest.raises(ValueError, match="is not a manifest"):
        read_manifest(tmp_path)


def test_the_workspace_module_does_not_import_nbformat():
    """Does importing the workspace (a build with nothing to do) leave nbformat, a second to import, out?"""
    import subprocess
    import sys

    code = "import sys, course.learner.workspace; print('nbformat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert START_PAGE == "START-HERE.ipynb"


def _fake_generation(calls):
    def generate(episodes=None, build_root=None, progress=None):
        calls.append(list(episodes))
        syllabus = load_syllabus()
        return {nb.relative_path: f"student {nb.relative_path} {len(calls)}".encode()
                for ep in episodes for nb in syllabus.episode(ep).notebooks}
    return generate


def test_only_episodes_whose_sources_changed_are_generated_again(tmp_path, monkeypatch):
    """Is nbgrader run only for episodes whose source key changed, or whose cached copy was tampered with?"""
    from course.learner import student_versions

    calls = []
    monkeypatch.setattr(student_versions, "student_notebooks", _fake_generation(calls))
    first = student_versions.current_student_notebooks(tmp_path, ["ep13", "ep51"])
    assert calls == [["ep13", "ep51"]] and len(first) == 8
    assert student_versions.current_student_notebooks(tmp_path, ["ep13", "ep51"]) == first and len(calls) == 1
    real_key = student_versions.source_key
    monkeypatch.setattr(student_versions, "source_key",
                        lambda ep: real_key(ep) + ("-edited" if ep.id == "ep51" else ""))
    second = student_versions.current_student_notebooks(tmp_path, ["ep13", "ep51"])
    assert calls[1:] == [["ep51"]]
    assert {p for p in first if first[p] != second[p]} == {nb.relative_path for nb in load_syllabus().episode("ep51").notebooks}
    cached = tmp_path / student_versions.CACHE / next(iter(first))
    cached.write_bytes(b"tampered")
    student_versions.current_student_notebooks(tmp_path, ["ep13", "ep51"])
    assert calls[2:] == [["ep13"]]


def test_the_source_key_covers_the_notebooks_and_the_nbgrader_config(monkeypatch):
    """Does the key change when a source notebook or the nbgrader configuration changes?"""
    import course.notebooks.nbgrader_course as course_dir
    from course.learner import student_versions

    episode = load_syllabus().episode("ep51")
    before = student_versions.source_key(episode)
    real_read = Path.read_bytes
    for changed in (episode.notebooks[2].path, course_dir.CONFIG_TEMPLATE):
        monkeypatch.setattr(Path, "read_bytes", lambda self, c=changed: real_read(self) + (b" " if self == c else b""))
        assert student_versions.source_key(episode) != before
    monkeypatch.setattr(Path, "read_bytes", real_read)
    assert student_versions.source_key(episode) == before
