"""An adversarial batch: does every hostile or broken submission get a defined outcome, while
honest students in the same batch get their correct grades and the gradebook stays whole?

The corpus is generated here (no committed notebooks). Tiny episode: q1 ``double`` (2 points,
objective tiny-doubling), q2 ``area`` (1 point, tiny-geometry), one hand-graded essay, graded
with the tiny answer key of ``grading_course`` (the verdict is decided outside the kernel).
``auto`` below is the autograded score out of 3 that each submission must end with.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from grading_course import EPISODE, HONEST, answered, build_course, cell_with, write_submission
from nbgrader.api import Gradebook

from course import REPO_ROOT
from grading.batch import grade_batch
from grading.course_settings import course_settings
from grading.integrity import integrity_problems
from grading.options import GradingOptions

pytestmark = pytest.mark.slow

WRONG_DOUBLE = "def double(x):\n    return x + 2"   # passes the visible test, fails the hidden one


def _answers(**changes):
    return dict(HONEST, **changes)


def corpus(root, subs):
    """name -> (notebook, str or bytes to submit; expected autograded score; expected finding)."""
    honest = answered(root)
    cases = {
        "honest1": (honest, 3, None),
        "honest2": (honest, 3, None),
        "hidden_fail": (answered(root, _answers(double=WRONG_DOUBLE)), 1, None),
        "infinite_loop": (answered(root, _answers(double="def double(x):\n    while True:\n        pass")),
                          1, "event:timeout"),
        "loop_ignoring_interrupt": (answered(root, _answers(double=(
            "def double(x):\n    while True:\n        try:\n            while True:\n                pass\n"
            "        except BaseException:\n            pass"))), 1, "event:timeout"),
        "memory_bomb": (answered(root, _answers(double=(
            "def double(x):\n    hog = []\n    while True:\n        hog.append(bytearray(50_000_000))"))),
                        1, None),
        "fork_bomb": (answered(root, _answers(double=(
            "import os\ndef double(x):\n    while True:\n        os.fork()"))), 1, None),
        "sys_exit": (answered(root, _answers(double="import sys\ndef double(x):\n    sys.exit(1)")), 1, None),
        "os_exit": (answered(root, _answers(double="import os\ndef double(x):\n    os._exit(3)")),
                    1, "event:kernel_died"),
        "abort": (answered(root, _answers(double="import os\ndef double(x):\n    os.abort()")),
                  1, "event:kernel_died"),
        # 100 MB at once or over a second: the kernel itself keeps only the first 1 MB of a cell's
        # prints, so what travels to the grader (and how long that takes) does not depend on load.
        "print_100mb": (answered(root, _answers(double=(
            "def double(x):\n    if x == 2:  # the visible test's call: 100 MB in the graded cell\n"
            "        for _ in range(100):\n            print('x' * 1_000_000)\n    return 2 * x"))),
                        3, "event:output_cut"),
        "print_100mb_slowly": (answered(root, _answers(double=(
            "import time\ndef double(x):\n    if x == 2:  # the visible test's call: 100 MB over a second\n"
            "        for _ in range(100):\n            print('x' * 1_000_000)\n            time.sleep(0.01)\n"
            "    return 2 * x"))), 3, "event:output_cut"),
        "read_solutions": (answered(root, _answers(area=(
            "import glob, os\nSEEN = []\n"
            f"for pattern in [{str(REPO_ROOT / 'series-*' / '**' / '*.ipynb')!r}, "
            f"{str(root / 'source' / '**' / '*.ipynb')!r}, {str(root / '*.db')!r}, {str(subs / '**' / '*.ipynb')!r}, "
            "'/tmp/**/gradebook.db', '/tmp/**/*.ipynb', os.path.expanduser('~/**/*.ipynb')]:\n"
            "    SEEN += glob.glob(pattern, recursive=True)\n"
            f"for path in [{str(root / 'source' / EPISODE / 'assessment.ipynb')!r}, {str(root / 'gradebook.db')!r}]:\n"
            "    try:\n        SEEN.append(open(path).read()[:50])\n    except OSError:\n        pass\n"
            "print('SEEN', SEEN)\n" + HONEST["area"]))), 3, None),
        "write_gradebook": (answered(root, _answers(area=(
            "import sqlite3\nfor path in ["
            f"{str(root / 'gradebook.db')!r}, '../../gradebook.db', '../../../gradebook.db']:\n"
            "    try:\n        db = sqlite3.connect(path)\n"
            "        db.execute('UPDATE grade SET auto_score = 100')\n        db.commit()\n"
            "        print('WROTE', path)\n    except Exception as error:\n        print('refused', error)\n"
            + HONEST["area"]))), 3, None),
        "socket": (answered(root, _answers(area=(
            "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=3)\n    print('CONNECTED')\n"
            "except OSError as error:\n    print('offline', error)\n" + HONEST["area"]))), 3, None),
        # Patching what the tests use changes nothing: the key decides outside the kernel. The scan
        # still flags the notebook for a person, and the points the answers earned stand.
        "patch_helper": (answered(root, _answers(area="math.isclose = lambda *a, **k: True\ndef area(r):\n    return 0")),
                         2, "flagged"),
        "shadow_module": (answered(root, _answers(area=(
            "class AnythingGoes:\n    def isclose(self, *a, **k):\n        return True\n"
            "    pi = 0\nmath = AnythingGoes()\ndef area(r):\n    return 0"))), 2, "flagged"),
        "silence_traceback": (answered(root, _answers(double=(
            "get_ipython().showtraceback = lambda *a, **k: None\n" + WRONG_DOUBLE))), 1, "flagged"),
        "malformed_json": (nbformat.writes(honest)[:-40], 0, "rejected"),
        "empty_file": (b"", 0, "rejected"),
    }
    deleted_tests = answered(root)
    deleted_tests.cells = [c for c in deleted_tests.cells if not c.metadata.get("nbgrader", {}).get("grade")
                           or c.metadata["nbgrader"].get("solution")]
    cases["delete_tests"] = (deleted_tests, 3, "repaired:locked_cell_deleted")
    edited = answered(root, _answers(double=WRONG_DOUBLE))
    cell_with(edited, "tiny-doubling__q1").source = "pass"
    cases["edit_locked"] = (edited, 1, "repaired:locked_cell_edited")
    retyped = answered(root)
    cell_with(retyped, "double").cell_type = "markdown"
    for key in ("outputs", "execution_count"):
        cell_with(retyped, "double").pop(key, None)
    cases["change_type"] = (retyped, 3, "repaired:cell_type_changed")
    for name in ("no_notebook", "text_file", "symlink"):  # folders laid out by the fixture
        cases[name] = (None, 0, "rejected:not_submitted")
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = build_course(tmp_path_factory.mktemp("course") / "root")
    subs = tmp_path_factory.mktemp("submissions")
    cases = corpus(root, subs)
    for student, (content, _, _) in cases.items():
        if content is not None:
            write_submission(subs, student.replace("_", "-"), content)
    # Student folders without a notebook: graded 0 with the reason, never dropped from the batch.
    (subs / "no-notebook" / EPISODE).mkdir(parents=True)
    (subs / "text-file" / EPISODE).mkdir(parents=True)
    (subs / "text-file" / EPISODE / "assessment.txt").write_text("my answers are in my head\n")
    (subs / "symlink" / EPISODE).mkdir(parents=True)
    (subs / "symlink" / EPISODE / "assessment.ipynb").symlink_to(subs / "honest1" / EPISODE / "assessment.ipynb")
    options = GradingOptions(workers=2, cell_timeout=5, memory_mb=1024, cpu_seconds=60, kernel_restarts=3)
    report = grade_batch(root, EPISODE, options, submissions=subs, log=lambda line: None, answer_key="grading_course")
    return root, cases, report


def _auto_score(root, student):
    db_url, course_id = course_settings(root)
    with Gradebook(db_url, course_id) as gb:
        nb = gb.find_submission_notebook("assessment", EPISODE, student)
        return sum(g.score for g in nb.grades if g.cell.name != "tiny-geometry__essay")


def _autograded(root, student):
    return nbformat.read(root / "autograded" / student / EPISODE / "assessment.ipynb", as_version=4)


def _text(cell):
    return json.dumps(cell.get("outputs", []))


CASES = ["honest1", "honest2", "hidden_fail", "infinite_loop", "loop_ignoring_interrupt", "memory_bomb",
         "fork_bomb", "sys_exit", "os_exit", "abort", "print_100mb", "print_100mb_slowly", "read_solutions", "write_gradebook",
         "socket", "patch_helper", "shadow_module", "silence_traceback", "malformed_json", "empty_file",
         "delete_tests", "edit_locked", "change_type", "no_notebook", "text_file", "symlink"]


@pytest.mark.parametrize("case", CASES)
def test_each_submission_ends_with_its_defined_outcome(graded, case):
    """Does each submission end graded, with the expected score and the expected finding?"""
    root, cases, report = graded
    student = case.replace("_", "-")
    _, expected_score, finding = cases[case]
    outcome = report.outcome(student)
    assert outcome.status == "graded", outcome.error
    allowed = expected_score if isinstance(expected_score, tuple) else (expected_score,)
    assert _auto_score(root, student) in allowed
    if finding is None:
        assert not [i for i in outcome.issues if i["severity"] != "info"], outcome.issues
    elif finding.startswith("event:"):
        assert finding[6:] in {e["kind"] for e in outcome.events}, outcome.events
    elif ":" in finding:
        severity, code = finding.split(":")
        assert (severity, code) in {(i["severity"], i["code"]) for i in outcome.issues}, outcome.issues
    else:
        assert finding in {i["severity"] for i in outcome.issues}, outcome.issues


def test_the_batch_completes_and_the_gradebook_is_whole(graded):
    """Did every submission get graded and does the gradebook pass every integrity check?"""
    root, cases, report = graded
    assert sorted(o.student for o in report.outcomes) == sorted(c.replace("_", "-") for c in cases)
    db_url, course_id = course_settings(root)
    assert integrity_problems(db_url, course_id) == [] == report.integrity


def test_a_timeout_names_the_question_and_spares_the_others(graded):
    """Does the timed-out question get an error naming it while q2 keeps its point?"""
    root, _, report = graded
    for student in ("infinite-loop", "loop-ignoring-interrupt"):
        [event] = [e for e in report.outcome(student).events if e["kind"] == "timeout"]
        assert event["question"] == "tiny-doubling__q1"
        nb = _autograded(root, student)
        assert "tiny-doubling__q1" in _text(cell_with(nb, "tiny-doubling__q1"))
        assert '"error"' not in _text(cell_with(nb, "tiny-geometry__q2"))


def test_a_dead_kernel_costs_one_question(graded):
    """After os._exit/abort, is the kernel replaced and q2 graded with the replayed answers?"""
    root, _, report = graded
    for student, how in (("os-exit", "exited with code 3"), ("abort", "SIGABRT")):
        [event] = [e for e in report.outcome(student).events if e["kind"] == "kernel_died"]
        assert event["question"] == "tiny-doubling__q1" and how in event["detail"]


def test_student_code_sees_no_solutions_gradebook_or_network(graded):
    """Could the kernel list or read sources, gradebooks, other students' files, or connect out?"""
    root, _, _ = graded
    seen = _text(cell_with(_autograded(root, "read-solutions"), "area"))
    assert "SEEN []" in seen and "BEGIN SOLUTION" not in seen
    wrote = _text(cell_with(_autograded(root, "write-gradebook"), "area"))
    assert "refused" in wrote and "WROTE" not in wrote
    sock = _text(cell_with(_autograded(root, "socket"), "area"))
    assert "offline" in sock and "CONNECTED" not in sock


def test_silenced_tracebacks_still_fail(graded):
    """With showtraceback disabled (nbgrader #1324), is the failing test still an error output?"""
    root, _, _ = graded
    assert '"output_type": "error"' in _text(cell_with(_autograded(root, "silence-traceback"), "tiny-doubling__q1"))


def test_flagged_points_stand_with_a_comment_for_review(graded):
    """Does a flagged notebook keep the points its answers earned, with the reason for a person?"""
    root, _, _ = graded
    db_url, course_id = course_settings(root)
    with Gradebook(db_url, course_id) as gb:
        kept = gb.find_grade("tiny-doubling__q1", "assessment", EPISODE, "patch-helper")
        assert kept.score == 2 and kept.manual_score is None and not kept.needs_manual_grade
        comment = gb.find_comment("area", "assessment", EPISODE, "patch-helper").auto_comment
        first = gb.find_comment("double", "assessment", EPISODE, "patch-helper").auto_comment
        assert "math.isclose" in comment and "review" in comment and "withheld" not in comment
        assert "points stand" in first


def test_every_student_is_in_the_gradebook_with_a_seed(graded):
    """Is every student (even without a notebook) graded, with the seed of their inputs reported?"""
    root, cases, report = graded
    for case in cases:
        outcome = report.outcome(case.replace("_", "-"))
        assert outcome.status == "graded" and outcome.seed is not None


def test_huge_output_is_cut(graded):
    """Is 100 MB of printed text cut to the output limit in the graded notebook?"""
    root, _, _ = graded
    path = root / "autograded" / "print-100mb-slowly" / EPISODE / "assessment.ipynb"
    assert path.stat().st_size < 3_000_000
