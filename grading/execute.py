"""nbgrader's Execute step, hardened: a runaway or crashing answer costs one question.

nbgrader runs a notebook top to bottom in one kernel. Out of the box a kernel that dies
(``os._exit``, a segfault, the CPU limit) or ignores the timeout interrupt ends grading of the
whole notebook, and 100 MB of printed output lands in the gradebook's notebook. Here:

* a cell over the time limit is interrupted and gets an error naming its question; if the
  kernel does not come back (the answer swallows ``KeyboardInterrupt``) it is replaced;
* when the kernel dies or is replaced, a new sandboxed kernel is started, the code cells
  above are replayed silently (except cells that already timed out or crashed), and grading
  continues with the next cell — at most ``kernel_restarts`` times per notebook, after which
  the remaining cells get an error and score 0;
* output beyond ``output_limit`` characters per cell is cut (error outputs always kept);
* every such event is written to ``events_file`` (one JSON line per notebook) for the report.

nbgrader's own check stays: a cell whose execute reply says "error" scores 0 even if the
student silenced the traceback display (#1324).
"""

from __future__ import annotations

import json
import time
from queue import Empty

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from grading.answer_keys import load_answer_key
from grading.checking import (
    answers_of,
    apply_verdict,
    checking_cells,
    draw_cases,
    question_code,
    run_probe,
    run_quietly,
)
from grading.kernel_manager import SandboxKernelManager
from grading.verdict import verdict

TIMEOUT_ENAME = "CellTimeoutError"
KERNEL_DIED_ENAME = "KernelDied"
NOT_RUN_ENAME = "NotRun"


#: Run once in each notebook kernel: stdout/stderr keep at most LIMIT characters per cell (the
#: grader cuts at its own limit and notes it; see ``output``).
OUTPUT_CAP = r'''
def _dsu_cap_output():
    import sys

    class Capped:
        def __init__(self, stream):
            self.stream, self.used = stream, 0

        def write(self, text):
            room = LIMIT - self.used
            self.used += len(text)
            if room > 0:
                self.stream.write(text[:room])
            return len(text)

        def __getattr__(self, name):
            return getattr(self.stream, name)

    streams = [Capped(sys.stdout), Capped(sys.stderr)]
    sys.stdout, sys.stderr = streams

    def reset(*args):
        for stream in streams:
            stream.used = 0

    get_ipython().events.register("pre_run_cell", reset)


_dsu_cap_output()
del _dsu_cap_output
'''


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"{ename}: {message}"])


def _question(cell, index: int) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id or f"cell {index}"


class SandboxedExecute(Execute):
    """Execute with per-question timeouts, kernel-death recovery and output caps."""

    kernel_restarts = Integer(3, help="kernel replacements allowed per notebook").tag(config=True)
    answer_key = Unicode("", help="dotted module of the assignment's answer key ('' = none)").tag(config=True)
    seed = Integer(0, help="seed of this student's inputs (grading.secret.student_seed)").tag(config=True)
    output_limit = Integer(1_048_576, help="characters of output kept per cell").tag(config=True)
    events_file = Unicode("", help="JSON-lines file receiving grading events").tag(config=True)

    def __init__(self, **kw):
        kw["kernel_manager_class"] = SandboxKernelManager
        super().__init__(**kw)
        # The kernel's state is worthless once graded: kill it instead of waiting for it.
        self.shutdown_kernel = "immediate"

    # -- per-notebook state ---------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        self._events: list[dict] = []
        self._restarts = 0
        self._poisoned: set[int] = set()
        self._output_chars: dict[int, int] = {}
        self._cwd = (resources or {}).get("metadata", {}).get("path")
        self._verdicts: list[dict] = []
        self._answers: dict[str, tuple] = {}
        self._key = self._load_key(resources or {})
        # The checking kernel boots (interpreter, ipykernel, sandbox) while the notebook runs in
        # its own kernel: a separate box, uid and socket folder, so neither can reach the other.
        self._early_checker = None
        if self._key is not None and any(q.runs_learner_code for q in self._key.questions):
            self._early_checker = run_sync(self._spawn_checker)(nb)
        try:
            nb, resources = super().preprocess(nb, resources, km)
            if self._key is not None:
                run_sync(self._check_answers)(nb)
            return nb, resources
        finally:
            if self._early_checker is not None:  # never used (the notebook failed to run): stop it
                run_sync(self._stop_checker)(self._early_checker, None)
            self._write_events(resources or {})

    def _load_key(self, resources: dict):
        if not self.answer_key:
            return None
        notebook = resources.get("nbgrader", {}).get("notebook", "")
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        key = load_answer_key(assignment, self.answer_key)
        return key if key is not None and key.notebook == notebook else None

    def _write_events(self, resources: dict) -> None:
        if not self.events_file:
            return
        notebook = resources.get("nbgrader", {}).get("notebook", "")
        with open(self.events_file, "a", encoding="utf-8") as out:
            out.write(json.dumps({"notebook": notebook, "events": self._events, "verdicts": self._verdicts,
                                  "seed": self.seed if self._key is not None else None}) + "\n")

    def _record(self, kind: str, cell, index: int, detail: str) -> None:
        self._events.append({"kind": kind, "cell_index": index,
                             "question": _question(cell, index), "detail": detail})

    # -- cells ------------------------------------------------------------------------------
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell
        if self._restarts > self.kernel_restarts:
            cell.outputs = [_error(NOT_RUN_ENAME, f"not run: the kernel died {self._restarts} times "
                                   "in this notebook; the remaining cells score 0")]
            self._record("not_run", cell, cell_index, "too many kernel restarts")
            return cell
        self._current = cell_index
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            await self._read_variables(cell)
            return cell
        except (DeadKernelError, CellTimeoutError) as failure:
            if isinstance(failure, DeadKernelError):
                how = self.km.exit_description if self.km is not None else "exit status unknown"
                message = (f"the kernel died while running {_question(cell, cell_index)} ({how}); "
                           "the grader started a new kernel and went on with the next cell")
                kind, ename = "kernel_died", KERNEL_DIED_ENAME
            else:
                message = (f"{_question(cell, cell_index)} did not stop within {self.timeout} s and "
                           "ignored the interrupt; the grader replaced the kernel")
                kind, ename = "timeout", TIMEOUT_ENAME
            cell.outputs = [o for o in cell.get("outputs", [])[:20] if o.get("ename") != ename]
            cell.outputs.append(_error(ename, message))
            self._events = [e for e in self._events if (e["kind"], e["cell_index"]) != (kind, cell_index)]
            self._record(kind, cell, cell_index, message)
            self._poisoned.add(cell_index)
            await self._replace_kernel(cell_index)
            self.nb.cells[cell_index] = cell
            return cell

    execute_cell = run_sync(async_execute_cell)

    async def _async_handle_timeout(self, timeout, cell=None):
        index = getattr(self, "_current", -1)
        question = _question(cell, index) if cell is not None else "a cell"
        message = (f"{question} did not finish within {timeout} s and was interrupted; "
                   "the other questions were graded")
        self.error_on_timeout = {"ename": TIMEOUT_ENAME, "evalue": message,
                                 "traceback": [f"{TIMEOUT_ENAME}: {message}"]}
        if cell is not None:
            self._record("timeout", cell, index, message)
            self._poisoned.add(index)
        return await super()._async_handle_timeout(timeout, cell)

    # -- answer key ---------------------------------------------------------------------------
    async def _read_variables(self, cell) -> None:
        """Right after a graded cell ran: read the numeric answers its key question asks for."""
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        question = self._key.question(grade_id) if self._key is not None and grade_id else None
        if question is None or question.runs_learner_code:
            return
        text, problem = await run_probe(self.kc, question_code(question, []), self.timeout or 60)
        if text is None and await self.kc.is_alive():
            await self.km.interrupt_kernel()
        self._answers[grade_id] = ([], *answers_of(question, [], text, problem))

    async def _check_answers(self, nb) -> None:
        """Probe the implementation answers in a checking kernel; rewrite every keyed graded cell."""
        functions = [q for q in self._key.questions if q.runs_learner_code]
        code_cells = checking_cells(nb.cells)
        km = kc = None
        restarts = 0

        async def start():
            nonlocal km, kc
            km, self._early_checker = self._early_checker or await self._spawn_checker(nb), None
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=self.startup_timeout)
            for c in code_cells:
                if not await run_quietly(kc, c.source, self.timeout or 60):
                    await km.interrupt_kernel()

        async def stop():
            await self._stop_checker(km, kc)

        try:
            if functions:
                await start()
            for question in functions:
                cases = draw_cases(question, self.seed)
                if restarts > self.kernel_restarts:
                    self._answers[question.grade_id] = (cases, None, "not checked: the checking kernel died too often")
                    continue
                text, problem = await run_probe(kc, question_code(question, cases), self.timeout or 60)
                self._answers[question.grade_id] = (cases, *answers_of(question, cases, text, problem))
                if text is None:  # timed out or died: a fresh checking kernel for the next question
                    restarts += 1
                    await stop()
                    km = kc = None
                    if restarts <= self.kernel_restarts:
                        await start()
        finally:
            await stop()
        for index, cell in enumerate(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            question = self._key.question(grade_id) if grade_id else None
            if question is None or cell.cell_type != "code":
                continue
            cases, answers, problem = self._answers.get(grade_id, ([], None, "the cell did not run"))
            v = verdict(question, cases, answers, problem)
            apply_verdict(cell, v)
            self._verdicts.append({"grade_id": grade_id, "passed": v.passed, "cases": v.cases, "message": v.message,
                                   "cell_index": index})

    async def _spawn_checker(self, nb) -> SandboxKernelManager:
        """Start (not wait for) a checking kernel: the stripped course, its own sandbox."""
        name = self.kernel_name or nb.metadata.get("kernelspec", {}).get("name", "python3")
        km = SandboxKernelManager(config=self.config, checking=True, kernel_name=name)
        await km.start_kernel(cwd=self._cwd)
        return km

    @staticmethod
    async def _stop_checker(km, kc) -> None:
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            await km.shutdown_kernel(now=True)
            await km.cleanup_resources()

    # -- output cap inside the kernel ---------------------------------------------------------
    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        # Cap printed output in the kernel too, so 100 MB of prints never travel to the grader:
        # how long the transfer takes would depend on the machine's load, the cap does not.
        await run_quietly(self.kc, OUTPUT_CAP.replace("LIMIT", str(self.output_limit + 1)), self.timeout or 60)
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    # -- kernel replacement ---------------------------------------------------------------
    async def _replace_kernel(self, failed_index: int) -> None:
        while True:
            self._restarts += 1
            if self.km is not None:
                await self._async_cleanup_kernel()
            self.km = self.create_kernel_manager()
            if self._restarts > self.kernel_restarts:
                return  # the remaining cells are marked "not run"; no kernel needed
            await self.async_start_new_kernel(cwd=self._cwd)
            await self.async_start_new_kernel_client()
            failed_replay = await self._replay(failed_index)
            if failed_replay is None:
                return
            self._poisoned.add(failed_replay)

    async def _replay(self, upto: int) -> int | None:
        """Re-run code cells above ``upto`` silently; the index of a cell that failed, or None."""
        for index in range(upto):
            cell = self.nb.cells[index]
            if cell.cell_type != "code" or index in self._poisoned or not cell.source.strip():
                continue
            msg_id = self.kc.execute(cell.source, silent=True, store_history=False,
                                     allow_stdin=False, stop_on_error=False)
            if not await self._wait_quietly(msg_id):
                return index
        return None

    async def _wait_quietly(self, msg_id: str) -> bool:
        deadline = time.monotonic() + (self.timeout or 60)
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=1)
            except (TimeoutError, Empty):
                if not await self.kc.is_alive():
                    return False
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    # -- output cap -------------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or out.output_type == "error":
            return out
        used = self._output_chars.get(cell_index, 0)
        size = len(out.get("text", "")) + sum(len(str(v)) for v in out.get("data", {}).values())
        self._output_chars[cell_index] = used + size
        if used + size <= self.output_limit:
            return out
        del outs[next(i for i, o in enumerate(outs) if o is out)]
        if used <= self.output_limit:
            keep = max(self.output_limit - used, 0)
            if out.output_type == "stream" and keep:
                outs.append(NotebookNode(output_type="stream", name=out.name, text=out.text[:keep]))
            outs.append(NotebookNode(output_type="stream", name="stdout",
                                     text=f"\n[grader: output cut after {self.output_limit:,} characters]\n"))
            cell = self.nb.cells[cell_index]
            self._record("output_cut", cell, cell_index, f"output over {self.output_limit:,} characters cut")
        return None
