"""Notebook hygiene: does the cleaner strip what it must and keep what it must?"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from course.notebooks.notebook_format import clean_file, clean_notebook, hygiene_problems
from course.syllabus import load_syllabus


@pytest.fixture
def executed_notebook(tiny_notebook):
    nb = tiny_notebook
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": "y" * 1000}}}
    plain = nbformat.v4.new_code_cell("print('hello')", execution_count=7)
    plain.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    plain.metadata["execution"] = {"iopub.execute_input": "2026-01-01"}
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n1 + 1", execution_count=8)
    checked.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "2", "text/html": "<b>2</b>"}, execution_count=8)]
    nb.cells += [plain, checked]
    return nb


def test_clean_strips_outputs_counts_and_widget_state(executed_notebook):
    """Are outputs, execution counts, timing metadata and saved widget state removed?"""
    nb = clean_notebook(executed_notebook)
    assert "widgets" not in nb.metadata
    plain = nb.cells[-2]
    assert plain.outputs == [] and plain.execution_count is None
    assert "execution" not in plain.metadata


def test_clean_keeps_nbgrader_metadata_and_checked_text_output(executed_notebook):
    """Does cleaning keep metadata.nbgrader and the text/plain output of NBVAL_CHECK_OUTPUT cells?"""
    before = executed_notebook
    expected = [c.metadata.get("nbgrader") for c in before.cells]
    nb = clean_notebook(before)
    assert [c.metadata.get("nbgrader") for c in nb.cells] == expected
    checked = nb.cells[-1]
    assert [o.data for o in checked.outputs] == [{"text/plain": "2"}]
    assert checked.execution_count == checked.outputs[0].execution_count == 1


def test_clean_file_is_idempotent(tmp_path, executed_notebook):
    """Does a second clean change nothing, so `dsu clean --check` is stable?"""
    path = tmp_path / "n.ipynb"
    nbformat.write(executed_notebook, path)
    assert clean_file(path) is True
    assert clean_file(path) is False
    assert hygiene_problems(path) == []


def test_hygiene_flags_outputs_widgets_and_size(tmp_path, executed_notebook):
    """Does the hygiene check fail a notebook with outputs, widget state or over 200 KB?"""
    path = tmp_path / "dirty.ipynb"
    nb = executed_notebook
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * 210_000))
    nbformat.write(nb, path)
    problems = "\n".join(hygiene_problems(path))
    assert "widget state" in problems
    assert "not marked NBVAL_CHECK_OUTPUT" in problems
    assert "200,000-byte limit" in problems


def test_dsu_clean_command_cleans_a_folder(tmp_path, executed_notebook):
    """Does `dsu clean DIR` clean notebooks below DIR and `--check` then pass?"""
    nbformat.write(executed_notebook, tmp_path / "a.ipynb")
    cli = [sys.executable, "-m", "dsu"]
    assert subprocess.run([*cli, "clean", "--check", str(tmp_path)], capture_output=True).returncode == 1
    subprocess.run([*cli, "clean", str(tmp_path)], check=True, capture_output=True)
    assert subprocess.run([*cli, "clean", "--check", str(tmp_path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("entry", load_syllabus().notebooks(), ids=lambda nb: str(nb.relative_path))
def test_committed_notebooks_are_clean(entry):
    """Does each committed notebook carry no stray outputs, no widget state, and stay under 200 KB?"""
    assert hygiene_problems(entry.path) == []


@pytest.mark.parametrize("notebook", [nb.path for ep in load_syllabus().episodes() for nb in ep.notebooks],
                         ids=lambda path: f"{path.parent.name}/{path.name}")
def test_nbgrader_metadata_is_valid(notebook):
    """Would nbgrader accept every cell's metadata (e.g. a markdown answer marked solution must be
    graded)? Checked here in a second, rather than minutes later when a release fails."""
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nbformat.read(notebook, as_version=4))
