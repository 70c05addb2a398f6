"""The verdict on one graded cell, decided in the grading process from the probe's answers.

On failure the graded cell gets an ``error`` output that teaches without leaking test code or
variable names: the question, the inputs, the learner's answer and what was expected for
those inputs. On success a short stream line. nbgrader's SaveAutoGrades then scores the cell
as usual (an error output scores 0).

>>> from grading.answer_keys import Case, Question
>>> q = Question("demo__q1", "Q1 double(x)", "call", ("double",), expected=lambda x: 2 * x)
>>> verdict(q, [Case((2,))], [{"value": 5}]).passed
False
"""

from __future__ import annotations

import json
from dataclasses import dataclass

#: ename of the error output the grader writes when a question fails its answer key.
FAILED_ENAME = "AnswerCheckFailed"
_SHOWN = 160


@dataclass(frozen=True)
class Verdict:
    grade_id: str
    passed: bool
    cases: int
    message: str


def _show(value) -> str:
    if isinstance(value, dict) and set(value) == {"__set__"}:
        value = set(map(_hashable, value["__set__"]))
    text = repr(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + " …"


def _hashable(x):
    return tuple(_hashable(i) for i in x) if isinstance(x, list) else x


def _args(args) -> str:
    text = ", ".join(_show(a) for a in args)
    return text if len(text) <= 2 * _SHOWN else text[:2 * _SHOWN] + " …"


def _answer(got: dict) -> str:
    if "error" in got:
        name, message = got["error"]
        return f"raised {name}" + (f": {message}" if message else "")
    if "not_plain" in got:
        return f"not a plain answer ({got['not_plain']}); return numbers, strings, lists or dicts"
    if "missing" in got:
        return f"{got['missing']} is not defined (not answered yet?)"
    return _show(got["value"])


def verdict(question, cases, answers: list[dict] | None, problem: str | None = None) -> Verdict:
    """Compare the learner's ``answers`` (one per case) with the key; ``problem`` if the probe failed."""
    if answers is None:
        return Verdict(question.grade_id, False, len(cases),
                       f"{question.label}: could not be checked: {problem or 'no answer came back'}")
    if question.probe == "variables":
        want = question.expected()
        for name, got in zip(question.names, answers, strict=True):
            if "value" not in got:
                return Verdict(question.grade_id, False, 1, f"{question.label}: {_answer(got)}")
            value = question.normalise(got["value"]) if question.normalise else got["value"]
            if not question.matches(value, want[name]):
                return Verdict(question.grade_id, False, 1,
                               f"{question.label}: your answer {_show(got['value'])} is not the expected value")
        return Verdict(question.grade_id, True, 1, f"{question.label}: correct")
    if question.judge is not None and all("value" in got for case, got in zip(cases, answers, strict=True)
                                           if not case.raises):
        problem = question.judge(cases, [got.get("value") for got in answers])
        if problem:
            return Verdict(question.grade_id, False, len(cases), f"{question.label}: {problem}")
    for case, got in zip(cases, answers, strict=True):
        inputs = f"for the inputs ({_args(case.args)})"
        if case.raises:
            if got.get("error", [None])[0] != case.raises:
                return Verdict(question.grade_id, False, len(cases),
                               f"{question.label}: {inputs} it should raise {case.raises}; it {_answer(got)}"
                               if "error" in got else
                               f"{question.label}: {inputs} it should raise {case.raises}; it returned {_answer(got)}")
            continue
        want = question.expected(*case.args)
        if "value" not in got:
            return Verdict(question.grade_id, False, len(cases), f"{question.label}: {inputs} it {_answer(got)}"
                           if "error" in got else f"{question.label}: {inputs}: {_answer(got)}")
        value = question.normalise(got["value"]) if question.normalise else got["value"]
        if not question.matches(value, want):
            return Verdict(question.grade_id, False, len(cases),
                           f"{question.label}: {inputs} your answer was {_show(got['value'])}; "
                           f"expected {_show(want)}")
    return Verdict(question.grade_id, True, len(cases), f"{question.label}: all {len(cases)} checks passed")


def outputs_for(v: Verdict) -> list[dict]:
    """The outputs the graded cell gets for verdict ``v`` (nbformat output dicts)."""
    if v.passed:
        return [{"output_type": "stream", "name": "stdout", "text": f"✔ graded: {v.message}\n"}]
    return [{"output_type": "error", "ename": FAILED_ENAME, "evalue": v.message,
             "traceback": [f"{FAILED_ENAME}: {v.message}"]}]


def as_json(v: Verdict) -> str:
    return json.dumps({"grade_id": v.grade_id, "passed": v.passed, "cases": v.cases, "message": v.message})
