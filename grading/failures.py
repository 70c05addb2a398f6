"""Why a graded test cell failed, read from the autograded notebook.

The gradebook only knows "0 points". The autograded notebook still has the error output:
its exception name and a traceback whose first frame points at the line of the test cell
that failed. Knowing whether that line lies between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` tells an instructor whether students fail the visible checks they
could run themselves or only the hidden ones — a sign of an unclear question or of a
hidden test that checks something the question never asked.

>>> cell = {"cell_type": "code", "source": "assert f(1) == 2\\n### BEGIN HIDDEN TESTS\\nassert f(2) == 4\\n### END HIDDEN TESTS",
...         "outputs": [{"output_type": "error", "ename": "AssertionError", "evalue": "",
...                      "traceback": ["Cell In[3], line 3\\n----> 3 assert f(2) == 4"]}]}
>>> failure_of(cell)
Failure(kind='assertion', error='AssertionError', line=3, line_text='assert f(2) == 4', hidden=True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grading.execute import KERNEL_DIED_ENAME, NOT_RUN_ENAME, TIMEOUT_ENAME
from grading.verdict import FAILED_ENAME

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FRAME = re.compile(r"(?:Cell In\s*\[\d*\]|<ipython-input-\d+-[0-9a-f]+>), line (\d+)")
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
KINDS = {TIMEOUT_ENAME: "timeout", KERNEL_DIED_ENAME: "kernel died", NOT_RUN_ENAME: "not run",
         "AssertionError": "assertion", "NotImplementedError": "not answered", "NameError": "not answered"}


@dataclass(frozen=True)
class Failure:
    #: assertion, not answered, timeout, kernel died, not run, error (any other exception)
    kind: str
    error: str
    line: int | None
    line_text: str | None
    hidden: bool | None


def hidden_lines(source: str) -> set[int]:
    """1-based line numbers inside the hidden-test markers of a cell."""
    inside, lines = False, set()
    for number, text in enumerate(source.splitlines(), start=1):
        if HIDDEN_BEGIN in text:
            inside = True
        elif HIDDEN_END in text:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def failure_of(cell: dict) -> Failure | None:
    """The first error of a graded code cell, or None if it has no error output."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return None
    error = errors[-1] if errors[-1].get("ename") in (TIMEOUT_ENAME, KERNEL_DIED_ENAME) else errors[0]
    ename = error.get("ename", "")
    if ename == FAILED_ENAME:
        return _key_failure(error.get("evalue", ""))
    kind = KINDS.get(ename, "error")
    line = None
    for entry in error.get("traceback", []):
        match = FRAME.search(ANSI.sub("", entry))
        if match:
            line = int(match.group(1))
            break
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    lines = source.splitlines()
    text = lines[line - 1].strip() if line and 0 < line <= len(lines) else None
    hidden = (line in hidden_lines(source)) if line else None
    return Failure(kind, ename, line, text, hidden)


def _key_failure(message: str) -> Failure:
    """A failure found by the answer key (:mod:`grading.verdict`): what kind, and on which question part.

    The message's stable part (the question label and what went wrong, without the drawn
    inputs, which differ per student) stands in for the failing test line.

    >>> _key_failure("Q2 f(x): for the inputs (3,) it raised NotImplementedError").kind
    'not answered'
    """
    label = message.split(":", 1)[0]
    if "NotImplementedError" in message or "is not defined" in message:
        kind, what = "not answered", "not answered"
    elif " it raised " in message or " it should raise " in message:
        kind, what = ("assertion", "did not raise as required") if "should raise" in message else ("error", "raised an error")
    elif "not a plain answer" in message:
        kind, what = "assertion", "not a plain answer"
    elif "could not be checked" in message:
        kind, what = "timeout", "could not be checked"
    else:
        kind, what = "assertion", "wrong answer"
    return Failure(kind, FAILED_ENAME, None, f"{label}: {what}", True)
