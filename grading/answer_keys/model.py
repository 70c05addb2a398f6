"""What an answer key is: per graded cell, inputs, a probe, the expected answer and a comparison.

An answer key lives in the grading process only (never in a notebook, never inside the
sandbox). For each graded test cell (by nbgrader ``grade_id``) it says

* which *probe* turns the learner's code into answers inside the kernel: ``call`` (call the
  function ``names[0]`` on each case's arguments), ``variables`` (read the named variables), or
  a named runner of :mod:`grading.probe` (``breaker``, ``or_set_merge``);
* how to draw the cases from a :class:`numpy.random.Generator` (the visible cases included,
  so patching the in-kernel visible check changes nothing);
* how the grading process computes the expected answer with the real ``course`` library;
* how to compare (``rel_tol`` and ``abs_tol``, or a ``compare`` function), and which cases
  must raise (``Case.raises``); optionally a ``judge`` of all the answers together (a model
  checker run on the learner's function, tabulated over its inputs).

It also declares, in one place, what the assessment forbids: ``forbidden`` maps a module of
``course`` to the names (private helpers included) that are switched off in the kernel that
runs the implementation answers (:mod:`grading.stripped_course`).

>>> q = Question("demo__q1", "Q1 double", probe="call", names=("double",),
...              cases=lambda rng: [Case((2,))], expected=lambda x: 2 * x)
>>> q.expected(*q.cases(None)[0].args)
4
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PROBES = ("call", "variables", "breaker", "or_set_merge")


@dataclass(frozen=True)
class Case:
    """One input: ``args`` (JSON-able) and, if the learner's function must refuse them, ``raises``."""

    args: tuple
    raises: str | None = None


@dataclass(frozen=True)
class Question:
    """How one graded cell is checked (see the module docstring)."""

    grade_id: str
    label: str
    probe: str
    names: tuple[str, ...]
    cases: Callable[[Any], list[Case]] | None = None
    expected: Callable[..., Any] | None = None
    rel_tol: float = 1e-9
    abs_tol: float = 0.0
    compare: Callable[[Any, Any], bool] | None = None
    #: how a learner's plain answer is put into a comparable form (e.g. sets of dots)
    normalise: Callable[[Any], Any] | None = None
    #: a check of all the answers together, run in the grading process before the per-case
    #: comparisons: ``judge(cases, values)`` returns None or why the answers fail (e.g. a model
    #: checker run on a table of the learner's answers, Ep17's commit rule)
    judge: Callable[[list, list], str | None] | None = None

    def __post_init__(self):
        if self.probe not in PROBES:
            raise ValueError(f"probe must be one of {', '.join(PROBES)}; got {self.probe!r}")
        if not self.names:
            raise ValueError("names must name at least one function or variable")
        if not (0 <= self.rel_tol < 1 and 0 <= self.abs_tol):
            raise ValueError(f"rel_tol must lie in [0, 1) and abs_tol be >= 0; got {self.rel_tol}, {self.abs_tol}")

    @property
    def runs_learner_code(self) -> bool:
        """True when the probe calls the learner's functions (run with the reference switched off)."""
        return self.probe != "variables"

    def matches(self, got, want) -> bool:
        """Does the learner's answer ``got`` equal ``want`` within this question's tolerances?"""
        if self.compare is not None:
            return bool(self.compare(got, want))
        return close(got, want, self.rel_tol, self.abs_tol)


@dataclass(frozen=True)
class AnswerKey:
    """The trusted key of one assessment notebook."""

    assignment: str
    notebook: str
    questions: tuple[Question, ...]
    forbidden: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def question(self, grade_id: str) -> Question | None:
        for q in self.questions:
            if q.grade_id == grade_id:
                return q
        return None


def close(got, want, rel_tol: float, abs_tol: float) -> bool:
    """Recursive comparison: numbers within ``rel_tol`` OR ``abs_tol`` (math.isclose), bools and
    strings exactly, lists/tuples element by element, dicts key by key.

    >>> close([1.0, {"a": 2.0}], [1.0 + 1e-12, {"a": 2.0}], 1e-9, 0.0)
    True
    >>> close(True, 1, 1e-9, 0.0)
    False
    """
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is type(want) and got == want
    if isinstance(want, int) and not isinstance(want, bool):
        return type(got) is int and got == want  # whole numbers (counts) must be exact integers
    if isinstance(want, float) and isinstance(got, int | float):
        if isinstance(want, float) and math.isnan(want):
            return isinstance(got, float) and math.isnan(got)
        return math.isclose(got, want, rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(want, list | tuple):
        return (isinstance(got, list | tuple) and len(got) == len(want)
                and all(close(g, w, rel_tol, abs_tol) for g, w in zip(got, want, strict=True)))
    if isinstance(want, dict):
        return (isinstance(got, dict) and set(got) == set(want)
                and all(close(got[k], want[k], rel_tol, abs_tol) for k in want))
    return type(got) is type(want) and got == want


#: How far (relative, or absolute below 1) a drawn count's exact value stays from a whole number.
WHOLE_MARGIN = 1e-6


def clear_of_whole(value: float, margin: float = WHOLE_MARGIN) -> bool:
    """Is ``value`` farther than ``margin`` (relative to it, absolute below 1) from every whole number?

    A question that asks for a count rounded up "ignoring floating-point noise" leaves the noise
    rule to the learner: round to 9 decimals, to 9 significant digits, subtract an epsilon…
    Near a whole number those rules disagree, and the rule, not the reasoning, would decide
    the grade. Drawn inputs keep clear of that band; a band relative to the value is needed
    because 9 significant digits of 17,575 are 4 decimals (an absolute 10⁻⁶ is not enough).

    >>> clear_of_whole(10.000000000000002), clear_of_whole(11.1)
    (False, True)
    >>> clear_of_whole(17575.000004), clear_of_whole(17575.4)     # 2.3e-10 relative: not clear
    (False, True)
    """
    return abs(value - round(value)) > margin * max(1.0, abs(value))
