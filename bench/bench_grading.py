"""Grading a class: plain sequential `nbgrader autograde` vs `dsu grade` (sandboxed, parallel).

Both grade the same N submissions of the Ep51 assessment (the instructor's solutions, one
wrong Erlang C answer and the blank release, in turn), each in its own fresh course root, each
timed as a whole command (process start, nbgrader's imports, every kernel) in the same run.
Goal: ``dsu grade`` with one worker per core at least 1.8x faster on 2 cores, while it also
repairs, sandboxes and checks. The two gradebooks must agree on every score.

The assessment's hidden checks live in its answer key (``grading/answer_keys/ep51.py``), not
in the notebook. So that plain nbgrader does the same grading work, its course gets the key's
checks as classic hidden tests run in the student's kernel (the design ``dsu grade`` replaced;
the same inputs and comparisons, no sandbox, no checking kernel). A third row times plain
nbgrader on the notebook as released, visible checks only — it grades nothing hidden, so its
scores are not compared.

The machine may be shared: wall-clock ratios move with other work, so every row gives the
1-minute load average before and after its run. With other work taking ``L`` cores' worth of
a 2-core machine, one sequential process gets about 2/(L+1) of a core and two workers about
2·2/(L+2): the best ratio falls from 2 (idle) to about 1.6 at L = 3.

Size: ``DSU_BENCH_GRADING_SUBMISSIONS`` (default 40), workers: ``DSU_BENCH_GRADING_WORKERS``
(default: number of CPUs). Try it small: ``DSU_BENCH_GRADING_SUBMISSIONS=4 python bench/run.py grading``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course.notebooks.nbgrader_course import generate_assignment, nbgrader, prepare
from grading.course_settings import course_settings, use_this_environment
from grading.reference_submission import solved_submission

EPISODE = "ep51"
WRONG_Q5 = "def erlang_c_probability(servers, offered_load):\n    return 0.5"


#: Appended to each keyed test cell of the plain course: the answer key's check, in the kernel.
IN_KERNEL_CHECK = """
### BEGIN HIDDEN TESTS
import grading.answer_keys as _keys, grading.checking as _checking, grading.probe as _probe, grading.verdict as _verdict
_question = _keys.load_answer_key("{episode}").question("{grade_id}")
_cases = _checking.draw_cases(_question, 51)
_published = {{}}
exec(_probe.probe_source(_question.probe, _question.names, [list(_c.args) for _c in _cases])
     .replace("get_ipython().display_pub.publish(", "_published.update("), globals())
_answers = _probe.decode(_published[_probe.MIME], len(_cases) if _question.runs_learner_code else len(_question.names))
_outcome = _verdict.verdict(_question, _cases, _answers)
assert _outcome.passed, _outcome.message
### END HIDDEN TESTS"""


def _with_in_kernel_checks(path: Path) -> None:
    """Give every keyed test cell of the source notebook at ``path`` the key's check as a hidden test."""
    from grading.answer_keys import load_answer_key

    key = load_answer_key(EPISODE)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if key.question(grade_id or "") is not None:
            cell.source += IN_KERNEL_CHECK.format(episode=EPISODE, grade_id=grade_id)
    nbformat.write(nb, path)


def _course(folder: Path, submissions: int, in_kernel_checks: bool = False) -> Path:
    root = prepare(folder, [EPISODE])
    if in_kernel_checks:
        _with_in_kernel_checks(root / "source" / EPISODE / "assessment.ipynb")
    generate_assignment(root, EPISODE)
    source = nbformat.read(root / "source" / EPISODE / "assessment.ipynb", as_version=4)
    release = nbformat.read(root / "release" / EPISODE / "assessment.ipynb", as_version=4)
    kinds = [solved_submission(source, release),
             solved_submission(source, release, {"ep51-multi-server__a5": WRONG_Q5}),
             release]
    for number in range(submissions):
        target = root / "submitted" / f"student{number:03d}" / EPISODE
        target.mkdir(parents=True)
        nbformat.write(kinds[number % len(kinds)], target / "assessment.ipynb")
    return root


def _scores(root: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        return {s.student_id: s.score for s in gb.find_assignment(EPISODE).submissions}


def run() -> list[dict]:
    submissions = int(os.environ.get("DSU_BENCH_GRADING_SUBMISSIONS", "40"))
    workers = int(os.environ.get("DSU_BENCH_GRADING_WORKERS", str(os.cpu_count() or 1)))
    use_this_environment()
    with tempfile.TemporaryDirectory(prefix="dsu-bench-grading-") as tmp:
        plain_root = _course(Path(tmp) / "plain", submissions, in_kernel_checks=True)
        visible_root = _course(Path(tmp) / "visible", submissions)
        dsu_root = _course(Path(tmp) / "dsu", submissions)

        plain, plain_load = _timed(lambda: nbgrader(plain_root, "autograde", EPISODE, "--force"))
        visible, visible_load = _timed(lambda: nbgrader(visible_root, "autograde", EPISODE, "--force"))
        ours, ours_load = _timed(lambda: subprocess.run(
            [sys.executable, "-m", "dsu", "grade", EPISODE, "--root", str(dsu_root), "--workers", str(workers)],
            check=True, capture_output=True, text=True))
        same = _scores(plain_root) == _scores(dsu_root)
    return [
        {"case": "nbgrader autograde, the key's checks in the kernel (sequential, no sandbox)",
         "submissions": submissions, "workers": 1, "seconds": plain, "s_per_submission": plain / submissions,
         "load_before_after": plain_load, "baseline": "nbgrader autograde", "speedup": 1.0, "same_scores": True},
        {"case": "nbgrader autograde, visible checks only (grades nothing hidden)", "submissions": submissions,
         "workers": 1, "seconds": visible, "s_per_submission": visible / submissions,
         "load_before_after": visible_load, "baseline": "nbgrader autograde", "speedup": plain / visible,
         "same_scores": None},
        {"case": "dsu grade (repair + sandbox + answer key + parallel)", "submissions": submissions,
         "workers": workers, "seconds": ours, "s_per_submission": ours / submissions, "load_before_after": ours_load,
         "baseline": "nbgrader autograde", "speedup": plain / ours, "same_scores": same},
    ]


def _timed(action) -> tuple[float, str]:
    """Wall seconds of ``action()`` and the 1-minute load average before and after it."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, f"{before:.1f} / {os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    for row in run():
        print(row)
