"""Instant, honest self-checks for exercises.

A self-check runs the *visible* checks of an exercise and says exactly that: passing them
does not mean the hidden tests (run when the assessment is graded) will pass.

>>> def double(x):
...     return 2 * x
>>> result = check("demo-double", lambda: double(2) == 4, lambda: double(-1) == -2, display=False)
>>> result.passed, result.message
(True, '✔ demo-double: all 2 visible checks passed. Hidden tests run when the assessment is graded.')

A check is a function of no arguments that returns ``True`` (pass), ``False`` (fail), or
raises ``AssertionError`` with an explanation. :func:`expect`, :func:`expect_that` and
:func:`expect_raises` build checks that say which call ran and what it returned:

>>> def pool_threads(rate, seconds, utilisation):
...     return 11
>>> check("demo-pool", expect("pool_threads(100, 0.07, 0.7)", lambda: pool_threads(100, 0.07, 0.7), 10),
...       display=False, record=False).message
'✘ demo-pool: visible check 1 of 1 failed: pool_threads(100, 0.07, 0.7) returned 11, expected 10'
"""

from __future__ import annotations

import html
import math
import numbers
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.learner import progress
from course.paths import course_root
from course.syllabus import load_syllabus

HIDDEN_NOTE = "Hidden tests run when the assessment is graded."
#: Longest value shown in a message, in characters (a long list is cut in the middle).
SHOWN_LENGTH = 160


@dataclass(frozen=True)
class CheckResult:
    exercise_id: str
    passed: bool
    attempted: bool
    checks_run: int
    checks_passed: int
    message: str

    def _repr_html_(self) -> str:
        colour = "#1b5e20" if self.passed else ("#8a6d00" if not self.attempted else "#b00020")
        return f'<div class="dsu-selfcheck" style="color:{colour};font-weight:600">{html.escape(self.message)}</div>'

    def __repr__(self) -> str:
        return self.message

    def _ipython_display_(self):
        # check() shows its result at once; when the call is also a cell's last line,
        # IPython would show the returned result a second time — show each result once.
        if getattr(self, "_shown", False):
            return
        object.__setattr__(self, "_shown", True)
        from IPython.display import display

        display({"text/plain": self.message, "text/html": self._repr_html_()}, raw=True)


def shown(value) -> str:
    """``repr(value)``, shortened to ``SHOWN_LENGTH`` characters for a message.

    Floats keep every digit (``0.30000000000000004``): a near miss must look like one.

    >>> shown(0.1 + 0.2)
    '0.30000000000000004'
    >>> len(shown(list(range(1000)))) <= SHOWN_LENGTH
    True
    """
    text = repr(value)
    if len(text) <= SHOWN_LENGTH:
        return text
    half = (SHOWN_LENGTH - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"


def _close(actual, expected, rel_tol: float, abs_tol: float) -> bool:
    """Equality, except that numbers (and sequences or arrays of them) may differ by the tolerances."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected or actual == expected
    if isinstance(expected, numbers.Integral):  # a count is exact: 10.000000000000002 is not 10
        return bool(actual == expected)
    if isinstance(expected, numbers.Real) and isinstance(actual, numbers.Real):
        if math.isnan(float(expected)):
            return math.isnan(float(actual))
        return math.isclose(float(actual), float(expected), rel_tol=rel_tol, abs_tol=abs_tol)
    if hasattr(actual, "shape") or hasattr(expected, "shape"):  # numpy arrays
        import numpy as np

        try:
            return bool(np.allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                                    rtol=rel_tol, atol=abs_tol)) and np.shape(actual) == np.shape(expected)
        except (TypeError, ValueError):
            return bool(np.array_equal(actual, expected))
    if isinstance(expected, (tuple, list)) and isinstance(actual, (tuple, list)):
        # a list for a tuple is the same answer: the values are what the exercise asks for
        return len(actual) == len(expected) and all(_close(a, e, rel_tol, abs_tol) for a, e in zip(actual, expected))
    return bool(actual == expected)


class Expectation:
    """A visible check that knows the call it makes: its failure says what the call returned.

    Built by :func:`expect`, :func:`expect_that` or :func:`expect_raises`; ``check`` runs it
    like any other check (calling it returns True or raises ``AssertionError``).
    """

    def __init__(self, call: str, thunk: Callable[[], object], judge: Callable[[object], bool], wanted: str,
                 raises: type[BaseException] | None = None):
        if not isinstance(call, str) or not call.strip():
            raise ValueError(f"call must be the code of the call as a non-empty string; got {call!r}")
        if not callable(thunk):
            raise ValueError(f"thunk must be a function of no arguments (a lambda); got {thunk!r}")
        self.call, self.thunk, self.judge, self.wanted, self.raises = call, thunk, judge, wanted, raises

    def __call__(self) -> bool:
        try:
            actual = self.thunk()
        except NotImplementedError:
            raise  # the stub is still there: "not attempted", not a failure
        except Exception as error:
            if self.raises is not None and isinstance(error, self.raises):
                return True
            raise AssertionError(f"{self.call} raised {type(error).__name__}: {error}; expected {self.wanted}") from None
        if actual is ...:  # an answer cell's `name = ...` stub: not answered yet, not wrong
            raise NotImplementedError(self.call)
        if self.raises is not None:
            raise AssertionError(f"{self.call} returned {shown(actual)}, expected {self.wanted}")
        if not self.judge(actual):
            raise AssertionError(f"{self.call} returned {shown(actual)}, expected {self.wanted}")
        return True

    def __repr__(self) -> str:
        return f"<check {self.call}: expected {self.wanted}>"


def expect(call: str, thunk: Callable[[], object], expected, *, rel_tol: float = 1e-9,
           abs_tol: float = 0.0) -> Expectation:
    """A visible check: ``thunk()`` (the code written in ``call``) must return ``expected``.

    Floats, and tuples, lists or numpy arrays of them, may differ by the relative tolerance
    ``rel_tol`` or the absolute tolerance ``abs_tol`` (as in :func:`math.isclose`; the
    absolute one in the unit of the value); integers and anything else must be equal (``==``).

    >>> check("demo-sum", expect("sum([0.1, 0.2])", lambda: sum([0.1, 0.2]), 0.3),
    ...       display=False, record=False).passed
    True
    >>> check("demo-len", expect("len('ab')", lambda: len("ab"), 3), display=False, record=False).message
    "✘ demo-len: visible check 1 of 1 failed: len('ab') returned 2, expected 3"
    """
    for name, tol in (("rel_tol", rel_tol), ("abs_tol", abs_tol)):
        if not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not 0 <= tol < 1:
            raise ValueError(f"{name} must be a number in [0, 1); got {tol!r}")
    wanted = shown(expected)
    if isinstance(expected, float) and (rel_tol > 1e-9 or abs_tol):  # say so when it is loose
        wanted += f" (within {abs_tol:g})" if abs_tol else f" (to a relative {rel_tol:g})"
    return Expectation(call, thunk, lambda actual: _close(actual, expected, rel_tol, abs_tol), wanted)


def expect_that(call: str, thunk: Callable[[], object], predicate: Callable[[object], bool],
                wanted: str) -> Expectation:
    """A visible check: ``predicate(thunk())`` must be true; ``wanted`` says what in words.

    >>> check("demo-p", expect_that("abs(-2)", lambda: abs(-2), lambda v: 0 < v < 1, "a value in (0, 1)"),
    ...       display=False, record=False).message
    '✘ demo-p: visible check 1 of 1 failed: abs(-2) returned 2, expected a value in (0, 1)'
    """
    if not callable(predicate):
        raise ValueError(f"predicate must be a function of the returned value; got {predicate!r}")
    if not isinstance(wanted, str) or not wanted.strip():
        raise ValueError(f"wanted must say in words what is expected; got {wanted!r}")
    return Expectation(call, thunk, lambda actual: bool(predicate(actual)), wanted)


def expect_raises(call: str, thunk: Callable[[], object],
                  error: type[BaseException] = ValueError) -> Expectation:
    """A visible check: ``thunk()`` must raise ``error`` (bad input is refused).

    >>> check("demo-r", expect_raises("int('x')", lambda: int("x")), display=False, record=False).passed
    True
    >>> check("demo-r", expect_raises("int('1')", lambda: int("1")), display=False, record=False).message
    "✘ demo-r: visible check 1 of 1 failed: int('1') returned 1, expected it to raise ValueError"
    """
    if not (isinstance(error, type) and issubclass(error, BaseException)):
        raise ValueError(f"error must be an exception class such as ValueError; got {error!r}")
    return Expectation(call, thunk, lambda actual: False, f"it to raise {error.__name__}", raises=error)


def _record(result: CheckResult) -> None:
    progress.record_check(result.exercise_id, passed=result.passed, attempted=result.attempted)


def in_source_notebook(cwd: Path | None = None) -> bool:
    """Whether this kernel runs a *source* notebook of the course: its current folder is an
    episode folder of the course repository (an author's kernel, or nbval's).

    Source notebooks hold the reference solutions, so there a self-check that fails is a
    bug of the course, not a learner's mistake (a learner's copies live in a workspace).

    >>> in_source_notebook(Path.home())
    False
    """
    here = Path(cwd or Path.cwd()).resolve()
    return any(here == (course_root() / ep.relative_folder).resolve() for ep in load_syllabus().episodes())


def check(exercise_id: str, *checks: Callable[[], bool | None], display: bool = True, record: bool = True,
          strict: bool | None = None) -> CheckResult:
    """Run the visible ``checks`` of ``exercise_id`` and report honestly.

    Each check is a function of no arguments (a lambda, or one built by :func:`expect`),
    run in order until one fails; the result is shown in the notebook and recorded in
    your progress (:mod:`course.learner.progress`) unless ``display``/``record`` are False.

    With ``strict`` a result that is not a pass also raises ``AssertionError`` (after being
    shown), so that nbval or nbgrader fails the cell. The default, None, is strict in the
    course's source notebooks (:func:`in_source_notebook`: every visible check must pass on the
    reference solution) and while nbgrader runs the notebook (``NBGRADER_EXECUTION`` is set:
    an answer that fails a visible check scores nothing, with or without a hidden test).
    """
    if not checks:
        raise ValueError("check needs at least one check function")
    passed = 0
    for index, test in enumerate(checks, start=1):
        try:
            outcome = test()
        except NotImplementedError:
            result = CheckResult(exercise_id, False, False, index, passed,
                                 f"… {exercise_id}: not answered yet — write your answer in the cell above "
                                 "(in place of `...` or `raise NotImplementedError()`).")
            break
        except AssertionError as error:
            detail = f": {error}" if str(error) else ""
            result = CheckResult(exercise_id, False, True, index, passed,
                                 f"✘ {exercise_id}: visible check {index} of {len(checks)} failed{detail}")
            break
        except Exception as error:  # the learner's code raised: say what, not where in our code
            result = CheckResult(exercise_id, False, True, index, passed,
                                 f"✘ {exercise_id}: visible check {index} of {len(checks)} raised "
                                 f"{type(error).__name__}: {error}")
            break
        if outcome is False:
            result = CheckResult(exercise_id, False, True, index, passed,
                                 f"✘ {exercise_id}: visible check {index} of {len(checks)} failed")
            break
        passed += 1
    else:
        result = CheckResult(exercise_id, True, True, len(checks), passed,
                             f"✔ {exercise_id}: all {len(checks)} visible checks passed. {HIDDEN_NOTE}")
    if record:
        _record(result)
    if display:
        from IPython.display import display as show

        show(result)
    if strict is None:
        strict = bool(os.environ.get("NBGRADER_EXECUTION")) or in_source_notebook()
    if not result.passed and strict:
        raise AssertionError(f"{result.message} (in a source notebook, whose reference solution "
                             "must pass every visible check)")
    return result
