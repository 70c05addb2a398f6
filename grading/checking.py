"""Run an answer key's probes against a notebook that nbgrader's Execute step has just run.

Used by :class:`grading.execute.SandboxedExecute`:

* numeric answers ("variables" probes) are read from the notebook's own kernel right after
  their graded cell ran (the learner may use the whole library for them);
* implementation answers are checked afterwards in a second sandboxed kernel, the *checking
  kernel*, which imports the stripped copy of ``course`` (:mod:`grading.stripped_course`),
  replays the learner's code and only the locked cells it depends on (:func:`checking_cells`),
  then the probes;
* the verdicts (:mod:`grading.verdict`) rewrite the graded cells' outputs before nbgrader's
  SaveAutoGrades scores them. An error the cell already had in the notebook's kernel (a
  visible check failing, ``NotImplementedError``) still scores 0, as in nbgrader.
"""

from __future__ import annotations

import ast
import time
from queue import Empty

from nbformat.notebooknode import NotebookNode, from_dict

from grading.probe import MIME, decode, probe_source
from grading.secret import question_rng
from grading.verdict import FAILED_ENAME, outputs_for, verdict


def draw_cases(question, seed: int) -> list:
    """The cases of ``question`` for this student's seed (empty for a variables probe)."""
    return question.cases(question_rng(seed, question.grade_id)) if question.cases else []


async def run_probe(kc, code: str, timeout: float) -> tuple[str | None, str | None]:
    """Execute ``code`` silently on kernel client ``kc``; (the probe's JSON text, or None and why)."""
    msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
    deadline = time.monotonic() + timeout
    text = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, f"the answer did not come back within {timeout:g} s"
        try:
            msg = await kc.get_iopub_msg(timeout=min(remaining, 1.0))
        except (Empty, TimeoutError):
            if not await kc.is_alive():
                return None, "the kernel died while the answers were checked"
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "display_data" and MIME in msg["content"].get("data", {}):
            text = msg["content"]["data"][MIME]
        elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            return (text, None) if isinstance(text, str) else (None, "no answer came back")


async def run_quietly(kc, code: str, timeout: float) -> bool:
    """Execute ``code`` silently; True if the kernel came back idle within ``timeout``."""
    msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = await kc.get_iopub_msg(timeout=1.0)
        except (Empty, TimeoutError):
            if not await kc.is_alive():
                return False
            continue
        if (msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"):
            return True
    return False


def answers_of(question, cases, text: str | None, problem: str | None):
    """Decode a probe's text into per-case answers, or (None, why)."""
    if text is None:
        return None, problem
    try:
        return decode(text, len(cases) if question.runs_learner_code else len(question.names)), None
    except ValueError as error:
        return None, str(error)


def apply_verdict(cell, v) -> None:
    """Rewrite a graded cell's outputs with verdict ``v``; an earlier error output stays (scores 0)."""
    kept = [o for o in cell.get("outputs", []) if o.get("ename") != FAILED_ENAME]
    if any(o.get("output_type") == "error" for o in kept):
        note = ("the cell itself raised an error when the notebook ran, so it scores 0; "
                f"the answer check said: {v.message}")
        kept.append(from_dict({"output_type": "stream", "name": "stdout", "text": f"[grader] {note}\n"}))
        cell.outputs = kept
        return
    cell.outputs = kept + [NotebookNode(from_dict(o)) for o in outputs_for(v)]


def question_code(question, cases) -> str:
    return probe_source(question.probe, question.names, [list(c.args) for c in cases])


def verdict_for(question, cases, answers, problem):
    return verdict(question, cases, answers, problem)


def defines_code(source: str) -> bool:
    """Does a cell define a function or class at its top level (or not parse as plain Python)?

    >>> defines_code("x = 1"), defines_code("def f():\\n    return 1"), defines_code("%timeit f()")
    (False, True, True)
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # magics: run it, the kernel knows what to do
        return True
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for n in tree.body)


#: a cell that cannot be parsed (magics) or star-imports may bind any name
ANY_NAME = "*"


def _names(source: str) -> tuple[set[str], set[str]] | None:
    """(names a cell binds, names it reads), over-approximated at every depth; None if unparsable."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    binds, reads = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else binds).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            binds.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                binds.add(ANY_NAME if alias.name == "*" else (alias.asname or alias.name.split(".")[0]))
    return binds, reads


def checking_cells(cells) -> list:
    """The code cells the checking kernel replays, in notebook order.

    Always: the learner's code (answer cells that define a function or class, and cells the
    learner added). Locked cells (parameters, the numbers behind an essay) and numeric answers
    (answer cells defining no function; their values are read in the notebook's own kernel)
    only when the learner's code needs a name they bind, directly or through another such cell:
    a cell that recomputes an essay's figures costs time and checks nothing. Graded test cells
    are never replayed.

    >>> from nbformat.v4 import new_code_cell
    >>> def cell(source, **nbgrader):
    ...     c = new_code_cell(source)
    ...     c.metadata["nbgrader"] = nbgrader
    ...     return c
    >>> cells = [cell("import math\\nRATE = 2.0", locked=True), cell("SLOW = sum(range(10**6))", locked=True),
    ...          cell("def f(x):\\n    return math.sqrt(x) * RATE", solution=True),
    ...          cell("answer = f(4)", solution=True), cell("assert f(4) == 4", grade=True, locked=True)]
    >>> [c.source.split()[0] for c in checking_cells(cells)]
    ['import', 'def']
    """
    chosen, candidates, needed = set(), [], set()
    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip()]
    for i, c in code:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade"):
            continue
        if (meta.get("solution") and not defines_code(c.source)) or (meta.get("locked") and not meta.get("solution")):
            candidates.append((i, _names(c.source)))
            continue
        chosen.add(i)  # the learner's code: an answer defining a function or class, or a cell they added
        names = _names(c.source)
        if i in chosen:
            needed |= names[1] if names is not None else {ANY_NAME}
    changed = True
    while changed:  # a locked cell needed may itself need earlier locked cells
        changed = False
        for i, names in candidates:
            if i in chosen:
                continue
            if names is None or ANY_NAME in needed or needed & names[0] or (ANY_NAME in names[0] and needed):
                chosen.add(i)
                needed |= names[1] if names is not None else {ANY_NAME}
                changed = True
    return [c for i, c in code if i in chosen]
