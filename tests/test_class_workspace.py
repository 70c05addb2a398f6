"""A learner's start under JupyterHub (class/start_singleuser.py): the workspace comes from a seed.

The hub builds one seed workspace with nbgrader; each learner's start copies the cached student
versions from it and then runs the kit's ordinary build, which must not run nbgrader again and
must never overwrite a notebook the learner edited.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

import course.learner.student_versions as student_versions
from course import REPO_ROOT
from course.learner.manifest import read_manifest
from course.learner.workspace import build_workspace

EPISODE = "ep51"
ASSESSMENT = "series-3/ep51-mathematics-of-scale/assessment.ipynb"


def _start_module():
    spec = importlib.util.spec_from_file_location("start_singleuser", REPO_ROOT / "class" / "start_singleuser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed") / "seed"
    build_workspace(folder, [EPISODE])
    return folder


def test_a_seeded_start_runs_no_nbgrader_and_keeps_the_learners_edits(seed, tmp_path, monkeypatch):
    start = _start_module()

    def no_nbgrader(*args, **kwargs):
        raise AssertionError("nbgrader ran although the seed's student versions were current")

    monkeypatch.setattr(student_versions, "student_notebooks", no_nbgrader)
    home = tmp_path / "dsu"
    assert start.seed_cache(home, seed) == [EPISODE]
    report = build_workspace(home, [EPISODE])
    assert (home / ASSESSMENT).read_bytes() == (seed / ASSESSMENT).read_bytes()
    assert any(p.as_posix() == ASSESSMENT for p in report.added)

    edited = json.loads((home / ASSESSMENT).read_text(encoding="utf-8"))
    edited["cells"][0]["source"] = "my notes"
    (home / ASSESSMENT).write_text(json.dumps(edited), encoding="utf-8")
    mine = (home / ASSESSMENT).read_bytes()
    # the next login: nothing new to copy, the build keeps the learner's notebook byte for byte
    assert start.seed_cache(home, seed) == []
    report = build_workspace(home, [EPISODE])
    assert (home / ASSESSMENT).read_bytes() == mine
    assert report.changed_upstream == [] and report.added == []


def test_a_changed_seed_is_copied_again_and_the_edit_still_stands(seed, tmp_path):
    """A new course version: the seed's records change; the learner's cache follows, their notebook stays."""
    start = _start_module()
    home = tmp_path / "dsu"
    start.seed_cache(home, seed)
    build_workspace(home, [EPISODE])
    (home / ASSESSMENT).write_text('{"mine": true}', encoding="utf-8")
    newer = tmp_path / "newer-seed"
    shutil.copytree(seed, newer)
    manifest_path = newer / ".dsu" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sources"][EPISODE]["key"] = "0" * 64  # as if the course had changed
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert start.seed_cache(home, newer) == [EPISODE]
    assert read_manifest(home)["sources"][EPISODE]["key"] == "0" * 64
    assert (home / ASSESSMENT).read_text(encoding="utf-8") == '{"mine": true}'


def test_no_seed_or_an_empty_one_copies_nothing(tmp_path):
    start = _start_module()
    assert start.seed_cache(tmp_path / "home", tmp_path / "no-seed") == []
