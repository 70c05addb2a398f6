"""Answer keys, probes, verdicts, seeds and the stripped course: the parts that decide a grade.

The central claim is tested in a real sandbox: from a kernel-like process in bubblewrap with
the stripped copy of ``course`` bound where the venv looks for it, no forbidden name of an
assessment works, and no other function of the library computes a function question's
answer from its inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grading.answer_keys import KNOWN, Case, Question, load_answer_key
from grading.probe import MIME, decode, probe_source
from grading.sandbox import (
    BWRAP_ROOT,
    COURSE_TARGET,
    SandboxPolicy,
    default_read_only,
    kernel_environment,
    wrap_command,
)
from grading.secret import grading_secret, question_rng, student_seed
from grading.stripped_course import build_stripped_course
from grading.verdict import verdict


def _run_probe(namespace: dict, probe: str, names, cases) -> list[dict]:
    """Run a probe's code in ``namespace`` as the kernel would, and decode what it publishes."""
    published = {}

    class _Shell:
        class display_pub:  # noqa: N801 - mimics IPython's attribute
            @staticmethod
            def publish(data):
                published.update(data)

    namespace["get_ipython"] = lambda: _Shell
    exec(probe_source(probe, names, cases), namespace)
    return decode(published[MIME], len(cases) if probe != "variables" else len(names))


def test_the_probe_accepts_only_plain_answers():
    """Are float subclasses, objects with their own __eq__ and `...` refused, numpy values converted?"""
    class Sneaky(float):
        pass

    class Always:
        def __eq__(self, other):
            return True

    namespace = {"a": Sneaky(1.0), "b": Always(), "c": np.float64(2.5), "d": np.arange(3), "e": ...,
                 "f": {"x": (1, [True, None])}, "g": {1: 2}}
    got = _run_probe(namespace, "variables", list("abcdefg"), [])
    assert "not_plain" in got[0] and "not_plain" in got[1] and "not_plain" in got[6]
    assert got[2] == {"value": 2.5} and got[3] == {"value": [0, 1, 2]}
    assert got[4] == {"missing": "e"} and got[5] == {"value": {"x": [1, [True, None]]}}


def test_the_probe_records_exceptions_per_case_and_silences_prints():
    """Does an exception cost only its case, and do prints stay out of the answers?"""
    def halve(x):
        print("x" * 10_000)
        if x < 0:
            raise ValueError("negative")
        return x / 2

    got = _run_probe({"halve": halve}, "call", ["halve"], [[4], [-1]])
    assert got == [{"value": 2.0}, {"error": ["ValueError", "negative"]}]


def test_a_verdict_teaches_without_leaking():
    """Does a failure name the question, inputs, answer and expectation, and no test internals?"""
    q = Question("demo__q1", "Q1 double(x)", "call", ("double",), expected=lambda x: 2 * x)
    v = verdict(q, [Case((3,)), Case((-1,), "ValueError")], [{"value": 5}, {"error": ["ValueError", ""]}])
    assert not v.passed and v.message == "Q1 double(x): for the inputs (3) your answer was 5; expected 6"
    v = verdict(q, [Case((-1,), "ValueError")], [{"value": -2}])
    assert "should raise ValueError" in v.message and not v.passed
    assert verdict(q, [Case((1,))], [{"value": 2}]).passed
    assert not verdict(q, [Case((1,))], [{"value": 2.0}]).passed  # a count must be an integer


def test_the_keys_match_their_notebooks():
    """Does every keyed question name a graded cell of its notebook, and every graded code cell have a key?"""
    import nbformat

    from course.syllabus import load_syllabus

    for assignment in KNOWN:
        key = load_answer_key(assignment)
        nb = next(n for n in load_syllabus().episode(assignment).notebooks if n.name == key.notebook)
        graded = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(nb.path, as_version=4).cells
                  if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
        assert {q.grade_id for q in key.questions} == graded


def test_the_seed_is_reproducible_private_and_per_student(tmp_path):
    """Same secret, student and assignment -> same inputs; another student -> others; secret 0600."""
    secret = grading_secret(tmp_path)
    assert (tmp_path / ".grading-secret").stat().st_mode & 0o777 == 0o600
    assert grading_secret(tmp_path) == secret
    key = load_answer_key("ep51")
    q = key.question("ep51-multi-server__q5")
    one = q.cases(question_rng(student_seed(secret, "ada", "ep51"), q.grade_id))
    again = q.cases(question_rng(student_seed(secret, "ada", "ep51"), q.grade_id))
    other = q.cases(question_rng(student_seed(secret, "bob", "ep51"), q.grade_id))
    assert one == again and one != other
    os.chmod(tmp_path / ".grading-secret", 0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        grading_secret(tmp_path)


#: Runs inside the sandbox with the stripped course: every forbidden name, then every other
#: callable of the library on each function question's first visible inputs.
SCAN = textwrap.dedent("""
    import importlib, inspect, json, pkgutil, signal, sys
    import course
    spec = json.load(open("spec.json"))
    found = {"course_file": course.__file__, "working": [], "same_answer": []}
    def timeout(*args):
        raise TimeoutError()
    signal.signal(signal.SIGALRM, timeout)
    def call(fn, args):
        signal.alarm(2)
        try:
            return fn(*args)
        finally:
            signal.alarm(0)
    for module, names in spec["forbidden"].items():
        mod = importlib.import_module(module)
        for name in names:
            obj = getattr(mod, name)
            if inspect.isclass(obj):  # every method written in the class (generated ones compute nothing)
                members = [getattr(v, "fget", None) or getattr(v, "__func__", None) or v for v in vars(obj).values()]
                targets = [v for v in members if inspect.isfunction(v) and v.__code__.co_filename == mod.__file__]
            else:
                targets = [obj]
            for target in targets:
                try:
                    target = inspect.unwrap(target)
                    params = inspect.signature(target).parameters.values()
                    positional = [None for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
                    required = {p.name: None for p in params if p.kind == p.KEYWORD_ONLY and p.default is p.empty}
                    signal.alarm(2)
                    try:
                        target(*positional, **required)
                    finally:
                        signal.alarm(0)
                except RuntimeError as error:
                    if "switched off" not in str(error):
                        found["working"].append(f"{module}.{name}: {error}")
                except BaseException as error:
                    found["working"].append(f"{module}.{name}: {type(error).__name__}")
                else:
                    found["working"].append(f"{module}.{name}")
    modules = [m.name for m in pkgutil.walk_packages(course.__path__, "course.")
               if not m.name.startswith(("dsu", "course.widgets", "course.learner.progress", "course.learner.search",
                                          "course.learner.workspace", "course.learner.startpage"))]
    for question in spec["questions"]:
        for module in modules:
            try:
                mod = importlib.import_module(module)
            except Exception:
                continue
            for name, fn in list(vars(mod).items()):
                if not callable(fn) or getattr(fn, "__module__", "").split(".")[0] != "course":
                    continue
                try:
                    got = call(fn, question["args"])
                    got = got.tolist() if hasattr(got, "tolist") else got
                    same = json.dumps(got, default=str) == json.dumps(question["want"])
                except BaseException:
                    continue
                if same:
                    found["same_answer"].append(f"{question['id']}: {module}.{name}")
    json.dump(found, open("found.json", "w"))
""")


@pytest.mark.parametrize("assignment", KNOWN)
def test_no_forbidden_name_or_helper_works_in_the_sandbox(assignment, tmp_path):
    """From the sandboxed checking kernel's view, does any forbidden name (or any other library
    function fed a function question's inputs) still compute the reference answer?"""
    import tempfile

    key = load_answer_key(assignment)
    stripped = build_stripped_course(key.forbidden, tmp_path / "cache")
    questions = []
    for q in key.questions:
        if q.probe != "call":
            continue
        for case in reversed([c for c in q.cases(question_rng(0, q.grade_id)) if not c.raises]):
            want = q.expected(*case.args)
            if want not in (0, 1) and all(want != a for a in case.args):  # an answer no echo or constant gives
                questions.append({"id": q.grade_id, "args": list(case.args), "want": want})
                break
    box = Path(tempfile.mkdtemp(prefix="dsu-k-"))
    box.chmod(0o755)
    (box / "work").mkdir(mode=0o777)
    (box / "work").chmod(0o777)
    (box / "work" / "spec.json").write_text(json.dumps({"forbidden": key.forbidden, "questions": questions}))
    policy = SandboxPolicy(read_only=default_read_only(), course=str(stripped), writable=(str(box / "work"),),
                           uid=1_999_000_777)
    spec = policy.spec(BWRAP_ROOT, str(box / "work"), kernel_environment(str(box / "work")))
    result = subprocess.run(wrap_command([sys.executable, "-c", SCAN], spec), capture_output=True, text=True,
                            timeout=600)
    found = json.loads((box / "work" / "found.json").read_text()) if (box / "work" / "found.json").exists() else None
    assert found is not None, result.stderr[-3000:]
    assert found["course_file"] == COURSE_TARGET + "/__init__.py"
    assert found["working"] == []
    assert found["same_answer"] == []


def _visible_checks(grade_id: str, answers: dict):
    """Run the Ep51 parameter cell and the visible checks of ``grade_id`` with ``answers`` set;
    return (passed, messages) — check() replaced by a collector, so no progress is recorded."""
    import nbformat

    from course.syllabus import load_syllabus

    nb = nbformat.read(next(n.path for n in load_syllabus().episode("ep51").notebooks if n.name == "assessment"),
                       as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    namespace: dict = {"print": lambda *a, **k: None}
    exec(cells["ep51-assessment-parameters"], namespace)
    results = []

    def collect(_grade_id, *checks):
        for one in checks:
            try:
                results.append((one() is not False, ""))
            except AssertionError as error:
                results.append((False, str(error)))

    namespace.update(answers, check=collect)
    exec(cells[grade_id], namespace)
    return all(ok for ok, _ in results), [m for _, m in results if m]


@pytest.mark.parametrize("grade_id, slip, right", [
    ("ep51-littles-law__q1",                                                                 # seconds, not ms
     {"response_time_ms": 0.31, "recommendation_time_ms": 0.24, "other_time_ms": 0.208},
     {"response_time_ms": 310.0, "recommendation_time_ms": 240.0, "other_time_ms": 208.0}),
    ("ep51-single-server__q4", {"kingman_wait_ms": 0.1095, "max_rate_for_budget": 29.304},   # seconds, not ms
     {"kingman_wait_ms": 109.5, "max_rate_for_budget": 29.304}),
])
def test_visible_checks_catch_the_classic_unit_slips(grade_id, slip, right):
    """Do Ep51's visible checks refuse the seconds-for-ms slips, with a hint that
    does not give the answer away, and accept the right value?"""
    passed, hints = _visible_checks(grade_id, slip)
    assert not passed and hints and not any(str(v) in h for v in right.values() for h in hints)
    assert _visible_checks(grade_id, right) == (True, [])
