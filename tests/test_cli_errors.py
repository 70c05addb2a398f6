"""Bad input to every `dsu` subcommand: one clear line on stderr, exit code 2, never a traceback.

Most cases run ``dsu.main`` in-process (fast); a few run the real console script, as a
learner would. Each checks that the path or number at fault is named.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsu import main

DSU = Path(sys.executable).with_name("dsu")
UNCREATABLE = "/proc/dsu-no-such-workspace"  # /proc refuses new folders, even to root


def one_line_error(capsys, argv: list[str]) -> str:
    """Run ``dsu ARGV``; check exit code 2 and exactly one stderr line without a traceback; return it."""
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    err = capsys.readouterr().err
    assert code == 2, f"dsu {' '.join(argv)} exited {code}: {err}"
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert lines[0].startswith("dsu")
    return lines[0]


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file.txt"
    path.write_text("not a folder")
    return path


# --- dsu build / dsu lab: the workspace -------------------------------------------------------

@pytest.mark.parametrize("command", ["build", "lab"])
def test_a_file_as_workspace_is_refused_before_any_work(command, capsys, a_file, monkeypatch):
    """Is a workspace that is a file (or lies below a file) refused at once, naming it?"""
    import course.learner.student_versions

    monkeypatch.setattr(course.learner.student_versions, "student_notebooks",
                        lambda *a, **k: pytest.fail("nbgrader work started before the path was checked"))
    assert one_line_error(capsys, [command, "--workspace", str(a_file)]) == \
        f"dsu {command}: --workspace: {a_file} is not a folder"
    line = one_line_error(capsys, [command, "--workspace", str(a_file / "ws")])
    assert line.startswith(f"dsu {command}: --workspace: cannot write to {a_file / 'ws'}")


@pytest.mark.parametrize("command", ["build", "lab"])
def test_an_uncreatable_workspace_is_refused(command, capsys):
    """Is a workspace that cannot be created (/proc/...) refused with one line?"""
    line = one_line_error(capsys, [command, "--workspace", UNCREATABLE])
    assert line.startswith(f"dsu {command}: --workspace: cannot write to {UNCREATABLE}")


def test_an_unwritable_workspace_is_refused(capsys, tmp_path):
    """Is an existing folder that cannot be written refused (a read-only mount: /proc/self)?"""
    line = one_line_error(capsys, ["build", "--workspace", "/proc/self"])
    assert line.startswith("dsu build: --workspace: cannot write to /proc/")


def test_an_unknown_episode_is_refused_before_building(capsys, tmp_path):
    """Is `dsu build ep999` refused, listing the episodes, before anything is generated?"""
    line = one_line_error(capsys, ["build", "--workspace", str(tmp_path / "ws"), "ep999"])
    assert "unknown episode 'ep999'" in line and "ep51" in line
    assert not (tmp_path / "ws" / ".dsu").exists()


def _fake_student_versions(monkeypatch):
    import course.learner.student_versions
    from course.syllabus import load_syllabus

    def generate(episodes=None, build_root=None, progress=None):
        syllabus = load_syllabus()
        return {nb.relative_path: b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
                for ep in episodes for nb in syllabus.episode(ep).notebooks}

    monkeypatch.setattr(course.learner.student_versions, "student_notebooks", generate)


def test_a_relative_workspace_builds_where_it_says(capsys, tmp_path, monkeypatch):
    """Does `dsu build --workspace rel/ws` build <cwd>/rel/ws and print that absolute path?"""
    _fake_student_versions(monkeypatch)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--workspace", "rel/ws", "ep51"]) == 0
    out = capsys.readouterr().out
    workspace = tmp_path.resolve() / "rel" / "ws"
    assert f"Workspace: {workspace}\n" in out and (workspace / "START-HERE.ipynb").is_file()
    assert (workspace / "series-3/ep51-mathematics-of-scale/assessment.ipynb").is_file()


def test_lab_with_a_relative_workspace_starts_jupyterlab_in_it(capsys, tmp_path, monkeypatch):
    """Does `dsu lab --workspace rel/ws` give JupyterLab one absolute folder (not <cwd>/rel/ws/rel/ws)?"""
    import dsu.lab as lab

    _fake_student_versions(monkeypatch)
    monkeypatch.chdir(tmp_path)
    started = {}

    class JupyterLab:  # stands in for the real server: records how it was started
        def __init__(self, command, cwd, env):
            started.update(command=command, cwd=cwd, env=env)

        def wait(self):
            return 0

    monkeypatch.setattr(lab.subprocess, "Popen", JupyterLab)
    assert main(["lab", "--workspace", "rel/ws", "--no-browser", "--port", "8890"]) == 0
    workspace = tmp_path.resolve() / "rel" / "ws"
    assert started["cwd"] == workspace
    assert f"--ServerApp.root_dir={workspace}" in started["command"] and "--port=8890" in started["command"]
    assert started["env"]["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(lab.LAB_CONFIG)


@pytest.mark.parametrize("port, said", [("99999", "not 99999"), ("0", "not 0"), ("-1", "not -1"),
                                        ("abc", "not 'abc'"), ("80.5", "not '80.5'")])
def test_lab_refuses_a_port_outside_1_to_65535(port, said, capsys):
    """Is a port outside 1-65535 (or not a number) refused in one line, before anything is built?"""
    line = one_line_error(capsys, ["lab", f"--port={port}"])
    assert line.startswith("dsu lab: argument --port: ") and "1 to 65535" in line and said in line


def test_the_real_console_script_gives_one_line(tmp_path):
    """Does the installed `dsu` script itself print one line and exit 2 (no traceback) for bad input?"""
    for argv, expected in ((["build", "--workspace", UNCREATABLE], "dsu build: --workspace: cannot write to"),
                           (["lab", "--port", "99999"], "dsu lab: argument --port: must be from 1 to 65535")):
        done = subprocess.run([str(DSU), *argv], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith(expected) and len(done.stderr.strip().splitlines()) == 1


# --- dsu progress ----------------------------------------------------------------------------

def test_progress_names_the_real_workspace_path(tmp_path):
    """With DSU_WORKSPACE=/proc/x and no workspace around, is the actual path named (not "$DSU_WORKSPACE")?"""
    env = dict(os.environ, DSU_WORKSPACE="/proc/x")
    done = subprocess.run([str(DSU), "progress"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 2 and "$DSU_WORKSPACE" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.strip() == "dsu progress: no workspace at /proc/x: build one with `dsu build` (or `dsu lab`) first"


def test_progress_refuses_a_missing_or_corrupt_workspace(capsys, tmp_path):
    """Is a missing workspace named, and a corrupt manifest an error rather than a table of zeros?"""
    line = one_line_error(capsys, ["progress", "--workspace", str(tmp_path / "none")])
    assert f"no workspace at {tmp_path / 'none'}" in line
    manifest = tmp_path / "ws" / ".dsu" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"delivered": {"a.ipynb": "trunc')
    line = one_line_error(capsys, ["progress", "--workspace", str(tmp_path / "ws")])
    assert f"the workspace manifest {manifest} is unreadable" in line
    manifest.write_text(json.dumps(["not", "a", "manifest"]))
    assert "is not a manifest" in one_line_error(capsys, ["progress", "--workspace", str(tmp_path / "ws")])


# --- dsu search, syllabus, clean -------------------------------------------------------------

def test_search_in_a_missing_folder_says_there_is_no_course(capsys, tmp_path):
    """Does `dsu search --root /missing` say "no course at /missing" (not "no section matches")?"""
    line = one_line_error(capsys, ["search", "--root", str(tmp_path / "missing"), "law"])
    assert line.startswith(f"dsu search: no course at {tmp_path / 'missing'}")
    line = one_line_error(capsys, ["search", "--root", str(tmp_path), "law"])  # a folder without notebooks
    assert line.startswith(f"dsu search: no course at {tmp_path}")


@pytest.mark.parametrize("query", ["", "   ", "'", "-- !"])
def test_an_empty_search_query_is_called_empty(query, capsys):
    """Is a query without words refused as empty (not "try fewer words")?"""
    line = one_line_error(capsys, ["search", "--", query])
    assert "is empty" in line and "fewer" not in line


@pytest.mark.parametrize("limit, said", [("0", "--limit must be 1 or more, not 0"), ("-3", "not -3"),
                                         ("x", "argument --limit: invalid int value: 'x'")])
def test_search_refuses_a_bad_limit(limit, said, capsys):
    """Is --limit below 1 or not a number refused in one line?"""
    assert said in one_line_error(capsys, ["search", "law", f"--limit={limit}"])


def test_syllabus_is_plain_text_and_refuses_extra_arguments(capsys):
    """Does `dsu syllabus` print no HTML tags or Markdown tables, and refuse stray arguments in one line?"""
    assert main(["syllabus"]) == 0
    out = capsys.readouterr().out
    assert "EP51" in out and "<" not in out and "| ---" not in out and "**" not in out
    assert "unrecognized arguments: extra" in one_line_error(capsys, ["syllabus", "extra"])


def test_clean_refuses_missing_paths_and_other_files(capsys, tmp_path, a_file):
    """Is a missing path or a file that is not a notebook refused, naming it?"""
    assert one_line_error(capsys, ["clean", str(tmp_path / "gone")]) == \
        f"dsu clean: no such notebook or folder: {tmp_path / 'gone'}"
    assert one_line_error(capsys, ["clean", str(a_file)]) == f"dsu clean: {a_file} is neither a notebook nor a folder"
    assert "no such notebook or folder" in one_line_error(capsys, ["clean", "--check", str(tmp_path / "gone.ipynb")])


# --- instructor commands -----------------------------------------------------------------------

def test_release_refuses_an_unknown_episode_and_a_file_as_root(capsys, tmp_path, a_file):
    """Is `dsu release` with an unknown episode or a file as course root one line?"""
    assert "unknown episode 'ep999'" in one_line_error(capsys, ["release", "ep999", "--root", str(tmp_path / "r")])
    assert str(a_file) in one_line_error(capsys, ["release", "ep51", "--root", str(a_file)])


def test_grade_refuses_bad_numbers_and_a_missing_gradebook(capsys, tmp_path):
    """Is `dsu grade` with --workers 0, a missing root or a root without a gradebook one line, exit 2?"""
    assert "workers must be >= 1" in one_line_error(capsys, ["grade", "ep51", "--root", str(tmp_path), "--workers", "0"])
    missing = tmp_path / "missing"
    assert f"--root {missing}: no such folder" in one_line_error(capsys, ["grade", "ep51", "--root", str(missing)])
    assert "not a course root" in one_line_error(capsys, ["grade", "ep51", "--root", str(tmp_path)])


@pytest.mark.parametrize("command", [["export"], ["certify", "ada", "--series", "series-3"]])
def test_export_and_certify_check_the_course_root_first(command, capsys, tmp_path, a_file):
    """Is a missing folder, a file, or a folder that is no nbgrader course root refused, naming it?"""
    name = f"dsu {command[0]}: --root: "
    assert one_line_error(capsys, [*command, "--root", str(tmp_path / "none")]) == \
        f"{name}no such folder: {tmp_path / 'none'}"
    assert one_line_error(capsys, [*command, "--root", str(a_file)]) == f"{name}{a_file} is not a folder"
    assert "is not an nbgrader course root" in one_line_error(capsys, [*command, "--root", str(tmp_path)])
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert "has no gradebook yet" in one_line_error(capsys, [*command, "--root", str(tmp_path)])


def test_keys_refuses_unusable_folders(capsys, tmp_path, a_file):
    """Is a keys folder that is a file or cannot be created refused; a missing key named?"""
    assert one_line_error(capsys, ["keys", "init", "--keys-dir", str(a_file)]) == \
        f"dsu keys: --keys-dir: {a_file} is not a folder"
    assert one_line_error(capsys, ["keys", "init", "--keys-dir", UNCREATABLE]).startswith(
        f"dsu keys: --keys-dir: cannot write to {UNCREATABLE}")
    assert "no public key" in one_line_error(capsys, ["keys", "show", "--keys-dir", str(tmp_path / "none")])
    assert "invalid choice: 'burn'" in one_line_error(capsys, ["keys", "burn"])


def test_verify_refuses_missing_inputs(capsys, tmp_path):
    """Is a missing certificate, a folder, a missing revocation list or a contradiction one line?"""
    cert = tmp_path / "cert.json"
    assert one_line_error(capsys, ["verify", str(tmp_path / "none.json")]) == \
        f"dsu verify: certificate: no such file: {tmp_path / 'none.json'}"
    assert one_line_error(capsys, ["verify", str(tmp_path)]) == f"dsu verify: certificate: {tmp_path} is not a file"
    cert.write_text("{}")
    assert one_line_error(capsys, ["verify", str(cert), "--revocation-list", str(tmp_path / "l.json")]) == \
        f"dsu verify: --revocation-list: no such file: {tmp_path / 'l.json'}"
    assert "not both" in one_line_error(capsys, ["verify", str(cert), "--revocation-list", str(cert),
                                                 "--skip-revocation-check"])


def test_revoke_refuses_a_folder_without_certificates(capsys, tmp_path, a_file):
    """Is revoking from a folder that issued nothing (missing, or a file) one line?"""
    for out in (tmp_path / "none", a_file):
        assert one_line_error(capsys, ["revoke", "urn:uuid:x", "--reason", "r", "--out", str(out)]) == \
            f"dsu revoke: no issued certificates in {out}"


# --- main itself -------------------------------------------------------------------------------

def test_a_real_bug_still_shows_its_traceback(monkeypatch):
    """Is an unexpected exception (a bug) left to propagate, rather than dressed up as a user error?"""
    import dsu.syllabus

    monkeypatch.setattr(dsu.syllabus, "run", lambda args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        main(["syllabus"])


def test_file_system_errors_read_as_one_plain_line(capsys, monkeypatch):
    """Is an OSError from deep inside shown as "<reason>: <path>", without errno noise?"""
    import dsu.syllabus

    def fail(args):
        raise PermissionError(13, "Permission denied", "/srv/x")

    monkeypatch.setattr(dsu.syllabus, "run", fail)
    assert one_line_error(capsys, ["syllabus"]) == "dsu syllabus: Permission denied: /srv/x"


def test_ctrl_c_in_lab_waits_for_jupyterlab_to_shut_down():
    """Does Ctrl-C leave JupyterLab to shut down its kernels (keep waiting) instead of a traceback?"""
    from dsu.lab import wait_for

    class JupyterLab:
        waits = 0

        def wait(self):
            self.waits += 1
            if self.waits < 3:
                raise KeyboardInterrupt  # the learner pressed Ctrl-C twice
            return 0

    server = JupyterLab()
    assert wait_for(server) == 0 and server.waits == 3
