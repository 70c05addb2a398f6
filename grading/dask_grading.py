"""Grade a batch on Dask distributed: one task per student, the parent the only gradebook writer.

``dsu grade --scheduler ADDRESS`` sends each student's job to the workers of a Dask scheduler
(``tcp://host:8786``), or of a :class:`distributed.LocalCluster` it starts itself for
``--scheduler local:N`` (N worker processes, one thread each). On the worker the task runs
:func:`grading.worker.autograde_job` — the same function as the local process pool: repair,
private course root, sandboxed kernels under the same limits, the checking kernel and the
answer key's verdicts — and sends back plain data: grades, findings and the autograded
notebooks' bytes. It never opens the main gradebook; the parent merges each result as it
arrives (:func:`grading.merge.merge_result`), exactly as with local workers.

Each task is idempotent: it reads its inputs and writes only into a fresh attempt folder
(``<scratch>/<attempt_prefix(student)>XXXXXXXX``, created with ``mkdtemp``, so a retried attempt
never meets the private root of one that died; short, as the kernels' unix sockets live below it)
which it removes when done. If a worker process dies
mid-task, the scheduler runs the task again on another worker (up to Dask's
``distributed.scheduler.allowed-failures`` deaths, 3 by default); a task that raises is retried
``retries`` times. A student has one future, so one result: the merge, keyed by student and
assignment, runs once per student. A retried student's report line says ``retried: 1``.

The workers read the job's inputs by path (the submissions, the course root's
``.grading-cache`` stripped course, the release data files): on a real cluster they mount the
course root and the submissions at the same paths, read-only (shared storage, as the exchange).

>>> parse_scheduler("local:4")
('local', 4)
>>> parse_scheduler("tcp://10.0.0.5:8786")
('address', 'tcp://10.0.0.5:8786')
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: ``local:N`` — a LocalCluster of N worker processes (1 to 256).
LOCAL = re.compile(r"^local:(\d{1,3})$")
#: Transports a Dask scheduler address may use.
SCHEMES = ("tcp://", "tls://", "ucx://", "ws://", "wss://")
#: Retries of a task that raised (a worker that died is handled by the scheduler's own rule).
TASK_RETRIES = 2


def parse_scheduler(value: str) -> tuple[str, int | str]:
    """``("local", N)`` for ``local:N``, ``("address", value)`` for a scheduler address.

    Raises ValueError naming ``scheduler`` and what is allowed.
    """
    text = str(value).strip()
    match = LOCAL.match(text)
    if match:
        workers = int(match.group(1))
        if not 1 <= workers <= 256:
            raise ValueError(f"scheduler local:N needs 1 <= N <= 256 worker processes; got {value!r}")
        return "local", workers
    if text.startswith(SCHEMES) and len(text) > text.index("://") + 3:
        return "address", text
    raise ValueError(f"scheduler must be local:N (N worker processes, 1-256) or a Dask scheduler address "
                     f"({', '.join(s + 'host:port' for s in SCHEMES[:2])}); got {value!r}")


@contextmanager
def dask_client(scheduler: str) -> Iterator:
    """A :class:`distributed.Client` for ``scheduler``; a ``local:N`` cluster is closed on exit.

    >>> # with dask_client("local:2") as client: client.submit(sum, [1, 2]).result()
    """
    from distributed import Client, LocalCluster

    kind, value = parse_scheduler(scheduler)
    if kind == "address":
        with Client(value, timeout="60s") as client:
            yield client
        return
    # Worker logs stay quiet: a lost worker is handled (and reported per student) by the batch.
    # One thread per process: a student's grading is already one sandboxed kernel (plus the
    # checking kernel) at a time; processes keep a crash or a kill to one student.
    with LocalCluster(n_workers=value, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL, worker_class="distributed.Nanny") as cluster, \
            Client(cluster) as client:
        yield client


def worker_threads(client) -> int:
    """Tasks the cluster runs at once (the sum of its workers' threads)."""
    return sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1


def _import_nbgrader() -> None:
    import nbgrader.apps  # noqa: F401  (seconds; paid once per worker process)


def warm_up(client) -> list:
    """Make every worker import nbgrader now, as a task pinned to it, while the parent reads the
    gradebook; the grading tasks queue behind it. Keep the returned futures until the batch ends."""
    return [client.submit(_import_nbgrader, workers=[address], allow_other_workers=False, pure=False,
                          key=f"dsu-warm-up-{uuid.uuid4().hex[:8]}")
            for address in client.scheduler_info()["workers"]]


def attempt_prefix(student: str) -> str:
    """The name every attempt folder of ``student`` starts with (fixed length, whatever the id).

    >>> attempt_prefix("ada")
    'a-fdee430d-'
    """
    return f"a-{hashlib.sha256(student.encode()).hexdigest()[:8]}-"


def _attempt_folder(job: dict) -> Path:
    scratch = Path(job["scratch"])
    base = scratch if scratch.is_dir() else Path(tempfile.gettempdir())
    return Path(tempfile.mkdtemp(prefix=attempt_prefix(job["student"]), dir=base))


class _ChildMemory(threading.Thread):
    """Samples the summed RSS of a process's descendants every 0.2 s; keeps the peak (bytes)."""

    def __init__(self, process):
        super().__init__(daemon=True)
        self.process, self.peak, self.stop = process, 0, threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.wait(0.2):
            total = 0
            for child in self.process.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue  # ended between the listing and the reading
            self.peak = max(self.peak, total)


def grade_on_worker(job: dict) -> dict:
    """Dask task: grade one student in a fresh attempt folder; return the result with the files.

    The result is :func:`grading.worker.autograde_job`'s, plus ``files`` (the autograded
    notebooks and text files, name -> bytes), ``attempt`` (1 for a first run) and ``resources``:
    ``seconds`` (wall time of this attempt), ``cpu_seconds`` (CPU time of the worker process and
    the kernels it started and reaped during the attempt: what the attempt costs on a core of
    its own, whatever else the machine runs), ``worker`` (its address), ``worker_rss_mb`` (the
    worker process) and ``kernels_peak_mb`` (the peak summed resident memory of the worker's
    child processes — the sandboxed kernels — sampled every 0.2 s). ``root`` is None (the
    attempt folder is gone when the task returns).
    """
    import psutil

    from grading.worker import autograde_job

    started, cpu_before = time.monotonic(), os.times()
    sampler = _ChildMemory(psutil.Process())
    sampler.start()

    attempt = _attempt_folder(job)
    # For whoever watches the batch (and the worker-kill test): which process runs this attempt.
    (attempt / "worker.pid").write_text(str(os.getpid()), encoding="utf-8")
    number = sum(1 for p in attempt.parent.iterdir() if p.name.startswith(attempt_prefix(job["student"])))
    try:
        result = autograde_job(dict(job, scratch=str(attempt)))
        files = {}
        if result.get("ok") and result.get("root"):
            graded = Path(result["root"]) / "autograded" / job["student"] / job["episode"]
            for entry in sorted(graded.iterdir()):
                if entry.is_file() and not entry.is_symlink() and entry.name.endswith((".ipynb", ".txt")):
                    files[entry.name] = entry.read_bytes()
        try:
            from distributed import get_worker

            where = get_worker().address
        except ValueError:  # called outside a Dask worker (a direct call, a test)
            where = f"pid {os.getpid()}"
        cpu = [after - before for after, before in zip(os.times()[:4], cpu_before[:4])]
        resources = {"seconds": round(time.monotonic() - started, 3), "cpu_seconds": round(sum(cpu), 3),
                     "worker": where,
                     "worker_rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
                     "kernels_peak_mb": round(sampler.peak / 2**20, 1)}
        return dict(result, root=None, files=files, attempt=number, resources=resources)
    finally:
        sampler.stop.set()
        shutil.rmtree(attempt, ignore_errors=True)


def run_jobs_on_dask(client, jobs: list[dict], on_result: Callable[[dict, dict], None],
                     retries: int = TASK_RETRIES) -> None:
    """Submit one task per job and call ``on_result(job, result)`` in this process as each ends.

    A task that failed for good (it raised on every retry, or its workers kept dying) is
    reported as a failed student, never dropped.
    """
    from distributed import as_completed

    batch = uuid.uuid4().hex[:8]
    futures = {}
    for job in jobs:
        future = client.submit(grade_on_worker, job, key=f"dsu-grade-{job['episode']}-{job['student']}-{batch}",
                               retries=retries, pure=False)
        futures[future.key] = (future, job)
    for future in as_completed([f for f, _ in futures.values()]):
        _, job = futures[future.key]
        try:
            result = future.result()
        except Exception as error:  # KilledWorker, or the task's own exception after its retries
            result = {"student": job["student"], "ok": False, "events": [], "log": "",
                      "error": f"{type(error).__name__}: {error}"}
        future.release()
        on_result(job, result)
