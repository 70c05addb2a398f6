"""`dsu grade --scheduler`: grading on Dask distributed gives the local pool's scores, a worker
killed mid-batch loses no student and writes no score twice, and nothing is left running."""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from grading_course import (
    EPISODE,
    EXPECTED,
    HONEST,
    STUDENTS,
    answered,
    graded_tiny,
    write_submission,
)
from nbgrader.api import Gradebook
from sqlalchemy import text

from grading.batch import grade_batch
from grading.course_settings import course_settings
from grading.dask_grading import attempt_prefix
from grading.options import GradingOptions

pytestmark = [pytest.mark.slow]
BUILD = Path(__file__).resolve().parent.parent / "build"

#: A student whose first answer cell sleeps: the worker grading them is killed mid-task.
SLOW = "aaron"
SLOW_ANSWERS = dict(HONEST, double="import time\ntime.sleep(5)\n\ndef double(x):\n    return 2 * x")
#: Who else is in the killed batch: full marks, a failed hidden test, the release handed in unanswered.
OTHERS = ("alice", "bob", "dave")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A private copy of the tiny course graded by the local pool (`dsu grade --workers 2`)."""
    pool_root, pool_subs, run = graded_tiny(tmp_path_factory)
    assert run.returncode == 0, run.stdout + run.stderr
    target = tmp_path_factory.mktemp("dask-course")
    shutil.copytree(pool_root, target / "root")
    shutil.copytree(pool_subs, target / "submissions")
    config = target / "root" / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8").replace(repr(str(pool_root)), repr(str(target / "root"))),
                      encoding="utf-8")
    return target / "root", target / "submissions"


def all_scores(root) -> dict:
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        return {(s.student_id, g.cell.name): (g.auto_score, g.manual_score, g.needs_manual_grade)
                for s in gb.find_assignment(EPISODE).submissions for nb in s.notebooks for g in nb.grades}


def test_a_local_cluster_gives_the_local_pools_scores(course, capsys):
    """Re-graded on a LocalCluster of 2 worker processes, does every student keep exactly the scores
    the local pool gave (and worked out by hand)? Prints the grading throughput per worker (also in
    build/grading-dask-measurements.json)."""
    root, subs = course
    before = all_scores(root)
    lines = []
    report = grade_batch(root, EPISODE, GradingOptions(scheduler="local:2", cell_timeout=10, memory_mb=1024),
                         submissions=subs, log=lines.append)
    assert report.ok, report.table()
    assert report.workers == 2
    assert sorted(o.student for o in report.outcomes) == sorted(STUDENTS)
    assert all_scores(root) == before
    for student, (q1, q2) in EXPECTED.items():
        assert (before[(student, "tiny-doubling__q1")][0], before[(student, "tiny-geometry__q2")][0]) == (q1, q2)
        assert (root / "autograded" / student / EPISODE / "assessment.ipynb").is_file()
    seconds = [o.resources["seconds"] for o in report.outcomes]
    assert all(s > 0 for s in seconds) and len({o.resources["worker"] for o in report.outcomes}) <= 2
    figures = {"engine": "Dask LocalCluster, 2 worker processes, 1 thread each", "episode": EPISODE,
               "submissions": len(seconds), "batch_seconds": round(report.seconds, 1),
               "task_seconds_median": round(statistics.median(seconds), 3),
               "submissions_per_second_per_worker": round(1 / statistics.median(seconds), 3),
               "task_cpu_seconds_median": round(statistics.median(o.resources["cpu_seconds"] for o in report.outcomes), 3),
               "kernels_peak_mb": max(o.resources["kernels_peak_mb"] for o in report.outcomes),
               "worker_rss_mb": max(o.resources["worker_rss_mb"] for o in report.outcomes),
               "load_average_1min": round(os.getloadavg()[0], 2)}
    BUILD.mkdir(exist_ok=True)
    (BUILD / "grading-dask-measurements.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    with capsys.disabled():
        print(f"\nDask LocalCluster, 2 workers, {len(seconds)} submissions in {report.seconds:.1f} s (with start-up): "
              f"{figures['task_seconds_median']:.2f} s per submission (median task), "
              f"{figures['submissions_per_second_per_worker']:.2f} submissions/s per worker; "
              f"peak kernels {figures['kernels_peak_mb']:.0f} MB, worker {figures['worker_rss_mb']:.0f} MB")


def _marked_processes(marker: str) -> list[int]:
    """PIDs whose environment holds ``marker`` (everything the grading command started inherits it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def test_a_worker_killed_mid_batch_loses_no_student_and_writes_no_score_twice(course, tmp_path):
    """Kill (SIGKILL) the worker process grading one student while its task runs: is that student
    graded on a second attempt, every student graded and merged exactly once, the gradebook whole,
    and nothing of the batch (scheduler, workers, kernels) left running afterwards?"""
    root, subs = course
    batch = tmp_path / "batch"
    for student in OTHERS:
        shutil.copytree(subs / student, batch / student)
    write_submission(batch, SLOW, answered(root, SLOW_ANSWERS))
    scratch = Path(tempfile.mkdtemp(prefix="dsu-k-"))  # short: the kernels' unix sockets live below it
    marker = f"DSU_TEST_BATCH={uuid.uuid4().hex}"
    env = dict(os.environ, DSU_TEST_BATCH=marker.split("=", 1)[1])
    command = [sys.executable, "-m", "dsu", "grade", EPISODE, "--root", str(root), "--submissions", str(batch),
               "--scheduler", "local:2", "--cell-timeout", "20", "--memory-mb", "1024", "--scratch", str(scratch)]
    grading = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        # The task writes its worker's pid as it starts; the sleep keeps it running well after.
        deadline = time.monotonic() + 300
        pid_files = []
        while not pid_files and grading.poll() is None and time.monotonic() < deadline:
            pid_files = list(scratch.glob(f"dsu-grade-*/{attempt_prefix(SLOW)}*/worker.pid"))
            time.sleep(0.05)
        assert pid_files, "the slow student's task never started"
        pid = ""
        while not pid.isdigit() and time.monotonic() < deadline:  # written just after the file appears
            pid = pid_files[0].read_text(encoding="utf-8").strip()
        os.kill(int(pid), signal.SIGKILL)
        out, err = grading.communicate(timeout=600)
    finally:
        if grading.poll() is None:
            grading.kill()
            grading.communicate()
        shutil.rmtree(scratch, ignore_errors=True)
    assert grading.returncode == 0, out + err
    students = sorted([*OTHERS, SLOW])
    for student in students:
        assert out.count(f"  {student}: graded") == 1, out  # merged (and said so) exactly once
    report = json.loads((root / "reports" / f"{EPISODE}.json").read_text(encoding="utf-8"))
    assert sorted(o["student"] for o in report["outcomes"]) == students
    slow = next(o for o in report["outcomes"] if o["student"] == SLOW)
    assert any(e["kind"] == "retried" for e in slow["events"]) and slow["score"] == 3.0, slow
    assert report["integrity"] == []
    scores = all_scores(root)
    for student, (q1, q2) in dict({s: EXPECTED[s] for s in OTHERS}, **{SLOW: (2, 1)}).items():
        assert (scores[(student, "tiny-doubling__q1")][0], scores[(student, "tiny-geometry__q2")][0]) == (q1, q2)
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        # One submission and one row per graded cell for each student (the course's five and
        # the new one): no score written twice.
        everyone = len(set(STUDENTS) | {SLOW})
        assert gb.db.execute(text("SELECT COUNT(*) FROM submitted_assignment")).scalar() == everyone
        assert gb.db.execute(text("SELECT COUNT(*) FROM grade")).scalar() == everyone * 3
    # Clean shutdown: the scheduler, the workers (the restarted one too) and every kernel are gone.
    deadline = time.monotonic() + 60
    while _marked_processes(marker.split("=", 1)[1]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _marked_processes(marker.split("=", 1)[1]) == []
