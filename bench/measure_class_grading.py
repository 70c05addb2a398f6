"""Measure what the 10,000-learner plan is built on: Ep51 grading on Dask, and a learner's kernel.

1. ``dsu grade ep51 --scheduler local:2`` on N submissions (the instructor's solutions, one wrong
   Erlang C answer and the blank release, in turn, as ``bench/bench_grading.py``) into a
   PostgreSQL gradebook (a private server, ``tests/postgres_support.py``): per task, seconds,
   the worker's RSS and the peak summed RSS of its sandboxed kernels
   (:func:`grading.dask_grading.grade_on_worker` reports them), and the single writer's merge
   time per student.
2. A learner's kernel: the solved Ep51 assessment run top to bottom with nbclient in a plain
   kernel, its peak RSS sampled every 0.2 s.

Prints one JSON object; ``grading/class_plan.py`` keeps the figures it uses, with the date.
Run on request (minutes): ``.venv/bin/python bench/measure_class_grading.py [N]``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def grading_figures(submissions: int) -> dict:
    import nbformat
    from bench_grading import EPISODE, WRONG_Q5
    from postgres_support import postgres_server

    from course.notebooks.nbgrader_course import generate_assignment, prepare
    from grading.batch import grade_batch
    from grading.options import GradingOptions
    from grading.reference_submission import solved_submission

    with tempfile.TemporaryDirectory(prefix="dsu-measure-") as tmp, postgres_server() as pg:
        root = prepare(Path(tmp) / "root", [EPISODE], db_url=pg.url)
        generate_assignment(root, EPISODE)
        source = nbformat.read(root / "source" / EPISODE / "assessment.ipynb", as_version=4)
        release = nbformat.read(root / "release" / EPISODE / "assessment.ipynb", as_version=4)
        kinds = [solved_submission(source, release),
                 solved_submission(source, release, {"ep51-multi-server__a5": WRONG_Q5}), release]
        for number in range(submissions):
            target = root / "submitted" / f"student{number:03d}" / EPISODE
            target.mkdir(parents=True)
            nbformat.write(kinds[number % len(kinds)], target / "assessment.ipynb")
        load = os.getloadavg()[0]
        report = grade_batch(root, EPISODE, GradingOptions(scheduler="local:2", cell_timeout=60),
                             log=lambda line: None)
        tasks = [o.resources for o in report.outcomes if o.resources]
        return {
            "episode": EPISODE, "submissions": submissions, "workers": report.workers,
            "graded": sum(o.status == "graded" for o in report.outcomes), "batch_seconds": round(report.seconds, 1),
            "task_seconds_median": round(statistics.median(t["seconds"] for t in tasks), 2),
            "task_seconds_max": round(max(t["seconds"] for t in tasks), 2),
            "task_cpu_seconds_median": round(statistics.median(t["cpu_seconds"] for t in tasks), 2),
            "task_cpu_seconds_max": round(max(t["cpu_seconds"] for t in tasks), 2),
            "kernels_peak_mb_max": max(t["kernels_peak_mb"] for t in tasks),
            "worker_rss_mb_max": max(t["worker_rss_mb"] for t in tasks),
            "merge_seconds_median": round(statistics.median(t["merge_seconds"] for t in tasks), 3),
            "merge_cpu_seconds_median": round(statistics.median(t["merge_cpu_seconds"] for t in tasks), 3),
            "gradebook": "PostgreSQL", "integrity": report.integrity,
            "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2),
        }


def learner_kernel_mb() -> float:
    """Peak RSS (MB) of a plain kernel running the solved Ep51 assessment."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    from course.notebooks.nbgrader_course import generate_assignment, prepare
    from grading.dask_grading import _ChildMemory
    from grading.reference_submission import solved_submission

    with tempfile.TemporaryDirectory(prefix="dsu-measure-") as tmp:
        root = prepare(Path(tmp) / "root", ["ep51"])
        generate_assignment(root, "ep51")
        source = nbformat.read(root / "source" / "ep51" / "assessment.ipynb", as_version=4)
        release = nbformat.read(root / "release" / "ep51" / "assessment.ipynb", as_version=4)
        nb = solved_submission(source, release)
        sampler = _ChildMemory(psutil.Process())
        sampler.start()
        NotebookClient(nb, timeout=300, allow_errors=True, resources={"metadata": {"path": tmp}}).execute()
        time.sleep(0.5)
        sampler.stop.set()
        return round(sampler.peak / 2**20, 1)


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    submissions = int(numbers[0]) if numbers else 8
    kernel = learner_kernel_mb() if "--no-kernel" not in sys.argv else None
    figures = {"grading": grading_figures(submissions), "learner_kernel_peak_mb": kernel,
               "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
