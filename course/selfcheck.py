"""Instant, honest self-checks for exercises.

A self-check runs the *visible* checks of an exercise and says exactly that: passing them
does not mean the hidden tests (run when the assessment is graded) will pass.

>>> def double(x):
...     return 2 * x
>>> result = check("demo-double", lambda: double(2) == 4, lambda: double(-1) == -2, display=False)
>>> result.passed, result.message
(True, '✔ demo-double: all 2 visible checks passed. Hidden tests run when the assessment is graded.')

A check is a function of no arguments that returns ``True`` (pass), ``False`` (fail), or
raises ``AssertionError`` with an explanation.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

HIDDEN_NOTE = "Hidden tests run when the assessment is graded."


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


def _record(result: CheckResult) -> None:
    try:
        from course import progress
    except ImportError:  # progress tracking is optional for the library itself
        return
    progress.record_check(result.exercise_id, passed=result.passed, attempted=result.attempted)


def check(exercise_id: str, *checks: Callable[[], bool | None], display: bool = True, record: bool = True) -> CheckResult:
    """Run the visible ``checks`` of ``exercise_id`` and report honestly."""
    if not checks:
        raise ValueError("check needs at least one check function")
    passed = 0
    for index, test in enumerate(checks, start=1):
        try:
            outcome = test()
        except NotImplementedError:
            result = CheckResult(exercise_id, False, False, index, passed,
                                 f"… {exercise_id}: not attempted yet — replace `raise NotImplementedError()` with your code.")
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
    return result
