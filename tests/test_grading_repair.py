"""The repair pipeline: is every broken submission repaired or rejected with a reason, and is
an honest one left alone?"""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil

import nbformat
import pytest
from grading_course import HONEST, fill, tiny_reference
from hypothesis import given, settings
from hypothesis import strategies as st

import grading.repair
from grading.repair import PIPELINE, repair_notebook

REF = tiny_reference()


def honest_nb():
    return fill(REF.release, HONEST)


def run(nb_or_bytes):
    raw = nb_or_bytes if isinstance(nb_or_bytes, bytes) else json.dumps(nb_or_bytes).encode()
    return repair_notebook(raw, REF)


def codes(work, severity=None):
    return {i.code for i in work.issues if severity is None or i.severity == severity}


def cell(nb, grade_id):
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def structure(nb):
    return [(c["cell_type"], json.dumps(c["metadata"].get("nbgrader"), sort_keys=True)) for c in nb["cells"]]


# -- the order of the steps -------------------------------------------------------------------
def test_every_step_runs_after_the_steps_it_declares():
    """Does PIPELINE put each step after every step named in its module's AFTER?"""
    names = [step.__name__ for step in PIPELINE]
    for position, step in enumerate(PIPELINE):
        module = importlib.import_module(step.__module__)
        for earlier in module.AFTER:
            assert earlier in names[:position], f"{step.__name__} must run after {earlier}"


def test_every_step_module_is_in_the_pipeline_once():
    """Is each step module of grading.repair (one function per file) in PIPELINE exactly once?"""
    modules = {m.name for m in pkgutil.iter_modules(grading.repair.__path__)} - {"reference", "work"}
    assert sorted(modules) == sorted(step.__module__.rsplit(".", 1)[1] for step in PIPELINE)
    assert all(step.__name__ == step.__module__.rsplit(".", 1)[1] for step in PIPELINE)


def test_reordering_the_steps_would_lose_a_report():
    """If the rebuild ran before the locked-cell check, would the edit go unreported? (why order matters)"""
    from grading.repair import Repair
    from grading.repair.match_graded_cells import match_graded_cells
    from grading.repair.parse_notebook import parse_notebook
    from grading.repair.rebuild_structure import rebuild_structure
    from grading.repair.restore_locked_cells import restore_locked_cells

    nb = honest_nb()
    cell(nb, "tiny-doubling__q1")["source"] = "pass"
    work = Repair(raw=json.dumps(nb).encode(), reference=REF)
    for step in (parse_notebook, match_graded_cells, rebuild_structure, restore_locked_cells):
        step(work)
    assert "locked_cell_edited" in codes(work)  # the check reads the student's cells, not the rebuild
    assert cell(work.notebook, "tiny-doubling__q1")["source"] == cell(REF.release, "tiny-doubling__q1")["source"]


# -- honest work --------------------------------------------------------------------------------
def test_an_honest_notebook_is_left_as_it_is():
    """Does an honest submission come out with its answers, the release structure and no issue?"""
    work = run(honest_nb())
    assert work.issues == [] and not work.rejected
    assert cell(work.notebook, "double")["source"] == HONEST["double"]
    assert structure(work.notebook) == structure(REF.release)


# -- rejections ---------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, code", [
    (b"", "empty_file"),
    (b"  \n", "empty_file"),
    (b'{"cells": [', "malformed_json"),
    (b"\xff\xfe\x00", "not_utf8"),
    (b'["a", "list"]', "not_a_notebook"),
    (b'{"metadata": {}}', "not_a_notebook"),
])
def test_an_unreadable_file_is_rejected_with_the_reason(raw, code):
    """Is an empty, non-JSON or cell-less file rejected, graded as the unanswered release?"""
    work = run(raw)
    assert work.rejected and code in codes(work, "rejected")
    assert work.notebook == REF.release


def test_a_malformed_file_says_where():
    """Does the rejection of broken JSON name the line and column?"""
    text = json.dumps(honest_nb(), indent=1)
    work = run(text[: len(text) // 2].encode())
    [issue] = work.issues
    assert "line" in issue.message and "column" in issue.message


# -- repairs ------------------------------------------------------------------------------------
def test_inserted_cells_are_dropped_and_listed():
    """Is a cell the student added dropped (named in the report) while the answers stay?"""
    nb = honest_nb()
    nb["cells"].insert(3, nbformat.v4.new_code_cell("print('scratch work')"))
    nb["cells"].insert(0, nbformat.v4.new_markdown_cell("my notes"))
    work = run(nb)
    assert structure(work.notebook) == structure(REF.release)
    messages = " ".join(i.message for i in work.issues if i.code == "inserted_cell_dropped")
    assert "scratch work" in messages and "my notes" in messages
    assert cell(work.notebook, "area")["source"] == HONEST["area"]


def test_a_deleted_test_cell_is_restored():
    """Is a deleted test cell put back from the source and reported?"""
    nb = honest_nb()
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "tiny-geometry__q2"]
    work = run(nb)
    assert "locked_cell_deleted" in codes(work, "repaired")
    assert structure(work.notebook) == structure(REF.release)


def test_a_deleted_answer_cell_is_graded_as_unanswered():
    """Is a missing answer cell reported, with the release stub in its place?"""
    nb = honest_nb()
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "double"]
    work = run(nb)
    assert "answer_cell_missing" in codes(work)
    assert "NotImplementedError" in cell(work.notebook, "double")["source"]


def test_a_split_answer_cell_keeps_both_halves():
    """Does an answer split in two (same grade_id twice, nbgrader #1083) keep all its code?"""
    nb = honest_nb()
    index = next(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == "area")
    first, second = copy.deepcopy(nb["cells"][index]), copy.deepcopy(nb["cells"][index])
    first["source"], second["source"] = "import math as m", "def area(r):\n    return m.pi * r ** 2"
    nb["cells"][index: index + 1] = [first, second]
    work = run(nb)
    assert "duplicated_cell" in codes(work)
    assert cell(work.notebook, "area")["source"] == "import math as m\ndef area(r):\n    return m.pi * r ** 2"


def test_a_changed_cell_type_is_turned_back():
    """Is a code answer turned into markdown run as code again, with the student's text?"""
    nb = honest_nb()
    c = cell(nb, "double")
    c["cell_type"] = "markdown"
    c.pop("outputs"), c.pop("execution_count")
    work = run(nb)
    assert "cell_type_changed" in codes(work, "repaired")
    assert cell(work.notebook, "double")["cell_type"] == "code"
    assert cell(work.notebook, "double")["source"] == HONEST["double"]


def test_an_edited_locked_cell_is_restored_and_reported():
    """Is an edited test cell reported and rebuilt from the release?"""
    nb = honest_nb()
    cell(nb, "tiny-doubling__q1")["source"] = "assert True"
    cell(nb, "setup")["source"] = "import math\nmath.isclose = lambda *a, **k: True"
    work = run(nb)
    edited = [i.grade_id for i in work.issues if i.code == "locked_cell_edited"]
    assert sorted(edited) == ["setup", "tiny-doubling__q1"]
    assert cell(work.notebook, "setup")["source"] == "import math"


def test_edited_grading_metadata_is_restored():
    """Does raising a test's points or unlocking it in the metadata count for nothing?"""
    nb = honest_nb()
    cell(nb, "tiny-doubling__q1")["metadata"]["nbgrader"]["points"] = 100
    cell(nb, "tiny-geometry__q2")["metadata"]["nbgrader"]["locked"] = False
    work = run(nb)
    assert {i.grade_id for i in work.issues if i.code == "metadata_edited"} == {"tiny-doubling__q1", "tiny-geometry__q2"}
    assert cell(work.notebook, "tiny-doubling__q1")["metadata"]["nbgrader"]["points"] == 2


def test_an_answer_that_lost_its_metadata_is_found_by_cell_id():
    """Is an answer cell whose nbgrader metadata was deleted matched by its cell id?"""
    nb = honest_nb()
    del cell(nb, "area")["metadata"]["nbgrader"]
    work = run(nb)
    assert "metadata_removed" in codes(work)
    assert cell(work.notebook, "area")["source"] == HONEST["area"]


def test_reordered_cells_are_put_back_in_order():
    """Do answers moved around the notebook land in their own cells, in release order?"""
    nb = honest_nb()
    nb["cells"].reverse()
    work = run(nb)
    assert structure(work.notebook) == structure(REF.release)
    assert cell(work.notebook, "double")["source"] == HONEST["double"]


MUTATIONS = st.lists(st.tuples(st.sampled_from(["insert", "delete", "duplicate", "swap", "retype"]),
                               st.integers(0, 50), st.integers(0, 50)), max_size=8)


@settings(max_examples=60, deadline=None)
@given(MUTATIONS)
def test_any_mangling_rebuilds_to_the_release_structure(mutations):
    """Whatever cells are inserted, deleted, copied, moved or retyped, is the result the release's
    structure, with each surviving answer's text taken from the student?"""
    nb = honest_nb()
    cells = nb["cells"]
    for action, a, b in mutations:
        if not cells and action != "insert":
            continue
        i, j = a % max(len(cells), 1), b % max(len(cells), 1)
        if action == "insert":
            cells.insert(i, nbformat.v4.new_code_cell(f"x{a} = {b}"))
        elif action == "delete":
            del cells[i]
        elif action == "duplicate":
            cells.insert(i, copy.deepcopy(cells[i]))
        elif action == "swap":
            cells[i], cells[j] = cells[j], cells[i]
        elif action == "retype" and cells[i]["cell_type"] == "code":
            cells[i] = {**cells[i], "cell_type": "markdown"}
            cells[i].pop("outputs", None), cells[i].pop("execution_count", None)
    work = run(nb)
    assert structure(work.notebook) == structure(REF.release)
    surviving = {c["metadata"]["nbgrader"]["grade_id"] for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id")}
    for grade_id in ("double", "area"):
        if grade_id in surviving:
            assert HONEST[grade_id] in cell(work.notebook, grade_id)["source"]


# -- tampering ----------------------------------------------------------------------------------
@pytest.mark.parametrize("answer", [
    "math.isclose = lambda *a, **k: True\ndef area(r):\n    return 0",
    "import math as m\nm.pi = 0\ndef area(r):\n    return 0",
    "math = None\ndef area(r):\n    return 0",
    "def area(r):\n    global math\n    math = 1\n    return 0",
    "get_ipython().showtraceback = lambda *a, **k: None\ndef area(r):\n    return 0",
    "import sys\nsys.excepthook = print\ndef area(r):\n    return 0",
    "import builtins\nbuiltins.abs = lambda x: 0\ndef area(r):\n    return 0",
    "exec('import math; math.pi = 3')\ndef area(r):\n    return 0",
    "def area(r):\n    return area.__globals__['math'].pi * r ** 2",
    "import gc\ndef area(r):\n    return 0",
    "import ctypes\ndef area(r):\n    return 0",
    "x = getattr(math, '__dict__')\ndef area(r):\n    return 0",
    "from IPython.display import clear_output\ndef area(r):\n    return 0",
    "import unittest.mock\ndef area(r):\n    return 0",
    "%config InteractiveShell.ast_node_interactivity = 'none'\ndef area(r):\n    return 0",
])
def test_reaching_for_the_grading_machinery_is_flagged(answer):
    """Is an answer that patches helpers, shadows names the tests use or reaches the kernel flagged?"""
    work = run(fill(REF.release, dict(HONEST, area=answer)))
    flagged = [i for i in work.issues if i.severity == "flagged"]
    assert flagged and flagged[0].grade_id == "area"


@pytest.mark.parametrize("answer", [
    "import numpy as np\ndef area(r):\n    return float(np.pi * r ** 2)",
    "import math\ndef area(r):\n    return math.pi * r ** 2",
    "from math import pi\ndef area(r):\n    return pi * r ** 2",
    "import re\nPATTERN = re.compile(r'\\d+')\ndef area(r):\n    return math.pi * r ** 2",
    "class Circle:\n    def __init__(self, r):\n        self.r = r\n    def __repr__(self):\n"
    "        return f'{type(self).__name__}({self.r})'\ndef area(r):\n    return math.pi * r ** 2",
    "%time x = 1\ndef area(r):\n    return math.pi * r ** 2",
    "!ls\ndef area(r):\n    return math.pi * r ** 2",
    "values = {k: v for k, v in zip('ab', (1, 2))}\ndef area(r):\n    return math.pi * r ** 2",
    "def area(r):\n    total = 0\n    total += math.pi * r ** 2\n    return total",
])
def test_plain_numerical_code_is_not_flagged(answer):
    """Does ordinary answer code (imports, classes, magics, comprehensions) pass the scan?"""
    work = run(fill(REF.release, dict(HONEST, area=answer)))
    assert [i for i in work.issues if i.severity == "flagged"] == []


def test_shadowing_a_builtin_the_tests_use_is_flagged():
    """When a test calls abs(), is an answer that rebinds abs flagged (and one that does not, not)?"""
    from grading_course import tiny_assessment

    source = tiny_assessment()
    for c in source.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "tiny-geometry__q2":
            c.source = "assert abs(area(1) - math.pi) < 1e-12"
    ref = tiny_reference(source)
    bad = fill(ref.release, dict(HONEST, area="abs = lambda x: 0\n" + HONEST["area"]))
    good = fill(ref.release, HONEST)
    flagged = [i for i in repair_notebook(json.dumps(bad).encode(), ref).issues if i.severity == "flagged"]
    assert flagged and "abs" in flagged[0].message
    assert not [i for i in repair_notebook(json.dumps(good).encode(), ref).issues if i.severity == "flagged"]
