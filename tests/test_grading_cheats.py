"""A skeptical instructor's cheats, graded for real: can an answer that implements nothing earn points?

For Ep51 (target: Q5 ``erlang_c_probability``, 4 points) and Ep13 (target: Q7
``queue_slots_for_burst``, 2 points), one submission per known route around in-kernel
grading, each otherwise solved, graded in one ``grade_batch`` per episode together with
honest students. Every cheat must lose exactly the points of the question it cheats; honest
students keep full marks; nothing of the answer key reaches the graded notebooks. The old
design (hidden tests in the student's kernel) gave most of these routes full marks.

A second checkout of the course, with the real library and a solutions file, is planted under
/opt for the whole batch: the kernel must not be able to read it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from grading_course import released_course
from nbgrader.api import Gradebook

from course import REPO_ROOT
from grading.batch import grade_batch
from grading.course_settings import course_settings
from grading.options import GradingOptions
from grading.reference_submission import solved_submission

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*not in session")]

#: Per episode: the answer cell cheated, its graded cell and points, the reference it leans on
#: (module, function, how to call it with the learner's arguments), and a wrong body.
TARGETS = {
    "ep51": {"answer": "ep51-multi-server__a5", "graded": "ep51-multi-server__q5", "points": 4,
             "module": "course.queueing.erlang", "function": "erlang_c", "signature": "servers, offered_load",
             "call": "servers, offered_load", "name": "erlang_c_probability", "file": "course/queueing/erlang.py",
             "wrong": "0.5", "refuse": "    if offered_load >= servers:\n        raise ValueError('unstable')\n",
             "visible": {(1, 0.5): 0.5, (2, 1.6): 32 / 45, (1000, 950.0): 0.5}},
    "ep13": {"answer": "ep13-bulkhead__a7", "graded": "ep13-bulkhead__q7", "points": 2,
             "module": "course.patterns.bulkhead_sizing", "function": "burst_queue_slots",
             "signature": "burst_rate, threads, response_time, burst_seconds, max_wait",
             "call": "burst_rate, threads / response_time, burst_seconds, max_wait",
             "name": "queue_slots_for_burst", "file": "course/patterns/bulkhead_sizing.py", "wrong": "0",
             "refuse": "", "visible": {(200, 30, 0.2, 2, 2.0): 100, (400, 30, 0.2, 10, 0.5): 75,
                                       (140, 30, 0.2, 10, 2.0): 0}},
}
#: Routes that also break the learner's own later answers (every zip in the kernel yields nothing):
#: the cheated question must score 0; the collateral losses are the cheat's own doing.
BREAKS_EVERYTHING_AFTER = {"patch_builtins_zip"}
PATCH = "math.isclose = lambda *a, **k: True\nimport numpy\nnumpy.allclose = lambda *a, **k: True\n"


def routes(t: dict, other_checkout: Path) -> dict[str, str]:
    """route name -> the cheated answer cell's source."""
    head = f"def {t['name']}({t['signature']}):\n"
    # A wrong answer that still refuses bad input and knows the visible answers: what a patch
    # needs to fool in-kernel tests that compare with a patched helper.
    wrong = (head + t["refuse"] + f"    return {t['visible']!r}.get(({t['signature']},), {t['wrong']})\n")
    ref = f"_ref({t['call']})"
    return {
        # a private copy of the reference, taken at definition time
        "runpy": f"import runpy, {t['module']} as _m\n_ref = runpy.run_path(_m.__file__)[{t['function']!r}]\n"
                 + head + f"    return {ref}\n",
        "exec_source": f"import {t['module']} as _m\n_ns = {{'__name__': 'copy'}}\n"
                       f"exec(compile(open(_m.__file__).read(), 'copy', 'exec'), _ns)\n_ref = _ns[{t['function']!r}]\n"
                       + head + f"    return {ref}\n",
        "copied_code": f"import types, {t['module']} as _m\n_orig = _m.{t['function']}\n"
                       "_ref = types.FunctionType(_orig.__code__, dict(_orig.__globals__), 'copy', _orig.__defaults__)\n"
                       + head + f"    return {ref}\n",
        "default_argument": f"import {t['module']} as _m\n"
                            + head.replace("):", f", _ref=_m.{t['function']}):") + f"    return {ref}\n",
        "closure": f"import {t['module']} as _m\ndef _make(_ref):\n    {head}        return {ref}\n"
                   f"    return {t['name']}\n{t['name']} = _make(_m.{t['function']})\n",
        # reading expected values out of the shared namespace
        "read_namespace": head + t["refuse"] + f"    args = ({t['signature']},)\n"
                          "    import __main__\n    names = vars(__main__)\n"
                          "    for cases in [v for v in list(names.values()) if isinstance(v, list)]:\n"
                          "        keys = [tuple(c) if isinstance(c, (list, tuple)) else c for c in cases]\n"
                          "        if args in keys:\n"
                          "            for name, values in list(names.items()):\n"
                          "                if 'expect' in name.lower() and isinstance(values, list) and len(values) == len(keys):\n"
                          "                    return values[keys.index(args)]\n"
                          f"    return {t['visible']!r}.get(args, {t['wrong']})\n",
        # an answer that defers to the reference when the test compares it
        "lazy_object": f"import {t['module']} as _m\nclass _Lazy:\n    def __init__(self, args):\n        self.args = args\n"
                       "    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
                       "    def __sub__(self, other):\n        return 0.0\n    __rsub__ = __sub__\n"
                       f"    def __float__(self):\n        _ref = _m.{t['function']}\n        return float(_ref(*self.args))\n"
                       "    def __lt__(self, other):\n        return float(self) < other\n"
                       "    def __gt__(self, other):\n        return float(self) > other\n"
                       + head + t["refuse"] + f"    return _Lazy(({t['call']},))\n",
        # patching what a comparison would use, by every route the brief lists
        "patch_isclose_alias": "import math as _mm\n_mm.isclose = lambda *a, **k: True\n" + wrong,
        "patch_allclose": "import numpy as _np\n_np.allclose = lambda *a, **k: True\n" + wrong,
        "patch_builtins_zip": "import builtins as _b\n_b.zip = lambda *a, **k: iter(())\n" + wrong,
        "patch_sys_modules": "import sys\n_mods = getattr(sys, 'mod' + 'ules')\n"
                             "_mods['math'].isclose = lambda *a, **k: True\n" + wrong,
        "patch_pickle": "import pickle\nclass _P:\n    def __reduce__(self):\n"
                        f"        return (exec, ({PATCH!r},))\npickle.loads(pickle.dumps(_P()))\n" + wrong,
        "patch_code_module": f"import code\ncode.InteractiveInterpreter().runsource({PATCH!r}, symbol='exec')\n" + wrong,
        "patch_helper_file": f"open('cheat_helper.py', 'w').write({('import math' + chr(10) + PATCH)!r})\n"
                             "import importlib, sys\nsys.path.insert(0, '.')\nimportlib.import_module('cheat_helper')\n" + wrong,
        # a second checkout of the course elsewhere on the machine
        "other_checkout": "import runpy\n_ref = None\n"
                          f"for _path in [{str(other_checkout / t['file'])!r}]:\n"
                          "    try:\n        _ref = runpy.run_path(_path)[" + repr(t["function"]) + "]\n"
                          "    except Exception as _error:\n        print('no other checkout:', type(_error).__name__)\n"
                          + head + f"    return {ref}\n",
    }


@pytest.fixture(scope="module")
def other_checkout():
    """A world-readable copy of the course (the real library) under /opt, as another user might leave."""
    folder = Path(tempfile.mkdtemp(prefix="dsu-other-checkout-", dir="/opt"))
    shutil.copytree(REPO_ROOT / "course", folder / "course", ignore=shutil.ignore_patterns("__pycache__"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", params=sorted(TARGETS))
def graded(request, tmp_path_factory, other_checkout):
    episode = request.param
    t = TARGETS[episode]
    base = tmp_path_factory.mktemp(f"cheats-{episode}")
    root = released_course(tmp_path_factory, base / "root")
    source = nbformat.read(root / "source" / episode / "assessment.ipynb", as_version=4)
    release = nbformat.read(root / "release" / episode / "assessment.ipynb", as_version=4)
    cheats = routes(t, other_checkout)
    submissions = {"honest-a": solved_submission(source, release), "honest-b": solved_submission(source, release)}
    submissions.update({name.replace("_", "-"): solved_submission(source, release, {t["answer"]: code})
                        for name, code in cheats.items()})
    subs = base / "subs"
    for student, nb in submissions.items():
        (subs / student / episode).mkdir(parents=True)
        nbformat.write(nb, subs / student / episode / "assessment.ipynb")
    report = grade_batch(root, episode, GradingOptions(workers=2, cell_timeout=120), submissions=subs,
                         log=lambda line: None)
    return episode, root, report, sorted(cheats)


def _scores(root, episode, student):
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        return {g.cell.name: (g.score, g.cell.max_score)
                for g in gb.find_submission_notebook("assessment", episode, student).grades
                if not g.cell.name.endswith("__essay")}


def test_honest_students_keep_full_marks(graded):
    """Do honest students in the same batch as the cheats earn every autograded point?"""
    episode, root, report, _ = graded
    assert report.ok, report.table()
    for student in ("honest-a", "honest-b"):
        scores = _scores(root, episode, student)
        outcome = report.outcome(student)
        assert all(score == top for score, top in scores.values()), (
            student, scores, outcome.seed, [v["message"] for v in outcome.verdicts if not v["passed"]])


def test_every_cheat_loses_exactly_the_question_it_cheats(graded):
    """Does each route score 0 on the cheated question and full marks on the others?"""
    episode, root, report, cheats = graded
    target = TARGETS[episode]["graded"]
    wrong = {}
    for name in cheats:
        scores = _scores(root, episode, name.replace("_", "-"))
        lost = {cell: score for cell, (score, top) in scores.items() if score != top}
        if name in BREAKS_EVERYTHING_AFTER:
            lost = {cell: score for cell, score in lost.items() if cell == target}
        if lost != {target: 0}:
            outcome = report.outcome(name.replace("_", "-"))
            wrong[name] = {"lost": lost, "seed": outcome.seed, "events": outcome.events,
                           "verdicts": [v["message"] for v in outcome.verdicts if v["grade_id"] in lost]}
    assert wrong == {}, wrong


def test_the_feedback_shows_no_answer_key(graded):
    """Do the graded notebooks say what went wrong without the key's code or hidden values?"""
    episode, root, _, cheats = graded
    for name in cheats:
        text = (root / "autograded" / name.replace("_", "-") / episode / "assessment.ipynb").read_text()
        assert "answer_keys" not in text and "ANSWER_KEY" not in text and "BEGIN HIDDEN" not in text
        cell = next(c for c in nbformat.reads(text, as_version=4).cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == TARGETS[episode]["graded"])
        failure = json.dumps(cell.outputs)
        assert '"output_type": "error"' in failure and "for the inputs" in failure


def test_the_other_checkout_is_invisible(graded):
    """Could the kernel read the second checkout planted under /opt?"""
    episode, root, _, _ = graded
    nb = nbformat.read(root / "autograded" / "other-checkout" / episode / "assessment.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == TARGETS[episode]["answer"])
    assert "no other checkout: FileNotFoundError" in json.dumps(cell.outputs)
