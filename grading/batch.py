"""Grade a batch of submissions: repair, sandboxed autograde in parallel, merge, check.

1. collect: ``<submissions>/<student>/<episode>/*.ipynb`` (copied into the course root's
   ``submitted/``), or what nbgrader's exchange already put in ``submitted/``;
2. in ``workers`` processes at a time, for each student: repair the notebooks with
   :data:`grading.repair.PIPELINE`, then run nbgrader autograde in a private course root with
   every kernel in the sandbox (:mod:`grading.worker`, :mod:`grading.sandbox`); with
   ``options.scheduler`` the same job runs as one Dask task per student
   (:mod:`grading.dask_grading`);
3. merge each result into the main gradebook as it arrives, in this process only (one writer),
   and copy the autograded notebooks back for formgrader and ``generate_feedback``;
4. check the gradebook (:func:`grading.integrity.integrity_problems`) and write the report.

The worker processes are started first, so that they import nbgrader while this process
reads the gradebook.

Taught in: instructor guide (grading/README.md).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from grading.answer_keys import load_answer_key
from grading.course_settings import course_settings, use_this_environment
from grading.integrity import integrity_problems
from grading.options import GradingOptions
from grading.repair import Reference
from grading.report import BatchReport, StudentOutcome
from grading.sandbox import ResourceLimits, SandboxPolicy, default_read_only, isolation_level
from grading.secret import grading_secret, student_seed
from grading.stripped_course import build_stripped_course, warm_numba_cache
from grading.worker import autograde_job


def collect_submissions(root: Path, episode: str, submissions: Path | None = None,
                        students: list[str] | None = None, everyone: bool = False) -> dict[str, Path]:
    """``{student: folder}`` of submitted work, copying ``submissions/<student>/<episode>/`` in first.

    With ``submissions``, only the students found there are graded (``everyone=True`` adds every
    student already in the course root's ``submitted/``); without it, everyone in ``submitted/``.
    A student folder without a notebook (empty, other files, a symlink) is still collected: the
    student is graded 0 with the reason, never dropped.
    """
    # nbgrader's gradebook API (seconds to import): kept out of `import grading.batch`, which every dsu command does
    from grading.private_root import valid_student_id

    root = Path(root)
    given: list[str] = []
    if submissions is not None:
        submissions = Path(submissions)
        if not submissions.is_dir():
            raise ValueError(f"submissions folder {submissions} does not exist")
        for folder in sorted(submissions.iterdir()):
            episode_folder = folder / episode
            if folder.is_symlink() or not folder.is_dir() or (students and folder.name not in students):
                continue
            if not (episode_folder.is_dir() or episode_folder.is_symlink() or episode_folder.exists()):
                continue
            target = root / "submitted" / valid_student_id(folder.name) / episode
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            given.append(folder.name)
            if episode_folder.is_symlink() or not episode_folder.is_dir():
                continue  # a symlink could make the grader (root) copy any folder it can read
            for entry in episode_folder.iterdir():
                # Regular files only: a symlink could make the grader (root) copy any file it can read.
                if entry.is_file() and not entry.is_symlink() and (entry.suffix == ".ipynb" or entry.name == "timestamp.txt"):
                    shutil.copy2(entry, target / entry.name)
    found = {}
    submitted = root / "submitted"
    for folder in sorted(submitted.iterdir()) if submitted.is_dir() else []:
        if not (folder / episode).is_dir() or (students and folder.name not in students):
            continue
        if submissions is not None and not everyone and folder.name not in given:
            continue
        found[valid_student_id(folder.name)] = folder / episode
    return found


def load_references(root: Path, episode: str, db_url: str, course_id: str) -> dict:
    """The release version and gradebook sources of every notebook of ``episode`` that has graded cells."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    refs = {}
    with Gradebook(db_url, course_id) as gb:
        try:
            assignment = gb.find_assignment(episode)
        except MissingEntry:
            raise ValueError(f"{episode} is not in the gradebook: run `dsu release {episode} --root {root}` first") from None
        for nb in assignment.notebooks:
            if not nb.grade_cells and not nb.task_cells:
                continue
            path = Path(root) / "release" / episode / f"{nb.name}.ipynb"
            if not path.is_file():
                raise ValueError(f"release version {path} is missing: run `dsu release {episode}` first")
            sources = {cell.name: cell.source for cell in nb.source_cells}
            refs[nb.name] = Reference.from_release(nb.name, nbformat.read(path, as_version=4), sources)
    return refs


def _warm_up() -> None:
    """Import nbgrader in a fresh worker while the parent is still reading the gradebook."""
    # Deliberately here: this runs in each spawned worker, before its first job.
    import nbgrader.apps  # noqa: F401


def _start_pool(workers: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_warm_up)
    for _ in range(workers):
        pool.submit(int)  # spawns the workers now; each imports nbgrader in its initializer
    return pool


def _run_jobs(pool: ProcessPoolExecutor, jobs: list[dict], workers: int, on_result) -> None:
    """Grade ``jobs`` on ``pool``; the jobs of a worker process that died are retried once in a new pool."""
    def failed(job, error):
        on_result(job, {"student": job["student"], "ok": False, "events": [], "log": "", "error": error})

    for attempt in (1, 2):
        retry = []
        with pool:
            futures = {}
            for job in jobs:
                try:
                    futures[pool.submit(autograde_job, job)] = job
                except BrokenProcessPool:
                    retry.append(job)
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    retry.append(job)
                    continue
                except Exception as error:  # a bug in a worker must not lose the batch
                    failed(job, f"{type(error).__name__}: {error}")
                    continue
                on_result(job, result)
        if not retry:
            return
        if attempt == 1:
            jobs, pool = retry, _start_pool(min(workers, len(retry)))
    for job in retry:
        failed(job, "the grading worker process died twice")


def grade_batch(root: Path, episode: str, options: GradingOptions | None = None,
                submissions: Path | None = None, students: list[str] | None = None,
                keys_dir: Path | None = None, log=print, answer_key: str | None = None,
                everyone: bool = False) -> BatchReport:
    """Grade every submission of ``episode`` in the nbgrader course ``root``; return the report.

    ``answer_key``: dotted module of the answer key (default: ``grading.answer_keys.<episode>``
    if the kit has one; without a key the in-notebook tests decide, as in plain nbgrader).
    """
    options = options or GradingOptions()
    root = Path(root).resolve()
    use_this_environment()
    started = time.monotonic()
    level = isolation_level(options.sandbox)
    folders = collect_submissions(root, episode, submissions, students, everyone)
    workers = max(1, min(options.workers, len(folders)))
    cluster = contextlib.ExitStack()
    client = None
    if folders and options.scheduler:
        # Started first, like the pool: its workers come up while this process reads the gradebook.
        from grading.dask_grading import dask_client, warm_up, worker_threads

        client = cluster.enter_context(dask_client(options.scheduler))
        workers = worker_threads(client)
        warming = warm_up(client)  # noqa: F841  (held until the batch ends)
    pool = _start_pool(workers) if folders and client is None else None
    if not folders:
        log(f"  no submissions of {episode} found in {submissions or root / 'submitted'}")

    # nbgrader's gradebook API (seconds to import): kept out of `import grading.batch`, which every dsu command does; the pool is already starting
    from nbgrader.api import Gradebook

    from grading.merge import merge_result
    from grading.private_root import build_template

    db_url, course_id = course_settings(root, options.db_url)
    report = BatchReport(episode=episode, isolation=level, workers=workers)
    scratch = Path(tempfile.mkdtemp(prefix="dsu-grade-", dir=options.scratch))
    try:
        refs = load_references(root, episode, db_url, course_id)
        template = build_template(db_url, course_id, episode, scratch / "template.db")
        limits = ResourceLimits(memory_mb=options.memory_mb, cpu_seconds=options.cpu_seconds,
                                processes=options.max_processes, file_mb=options.file_mb)
        policy = SandboxPolicy(limits=limits, read_only=default_read_only())
        key = load_answer_key(episode, answer_key)
        key_module = (answer_key or f"grading.answer_keys.{episode}") if key is not None else None
        stripped = str(build_stripped_course(key.forbidden, root / ".grading-cache")) if key is not None else None
        numba_cache = warm_numba_cache(root / ".grading-cache")
        secret = grading_secret(root)
        common = {"episode": episode, "course_id": course_id, "references": refs, "scratch": str(scratch),
                  "template": str(template), "data_files": str(root / "source" / episode), "level": level,
                  "policy": policy, "main_config": str(root / "nbgrader_config.py"),
                  "cell_timeout": options.cell_timeout, "kernel_restarts": options.kernel_restarts,
                  "output_limit": options.output_kb * 1024, "answer_key": key_module, "stripped_course": stripped,
                  "numba_cache": str(numba_cache) if numba_cache else None}
        jobs = [dict(common, student=student, folder=str(folder), seed=student_seed(secret, student, episode))
                for student, folder in folders.items()]
        manual = {(name, c.grade_id) for name, ref in refs.items() for c in ref.cells if c.kind == "manual"}

        with Gradebook(db_url, course_id) as gradebook:
            def on_result(job: dict, result: dict) -> None:
                student = job["student"]
                issues = result.get("issues", {})
                found = [i for notebook in issues.values() for i in notebook]
                outcome = StudentOutcome(student, "failed", issues=found, events=result.get("events", []),
                                         verdicts=result.get("verdicts", []), seed=result.get("seed"))
                outcome.resources = dict(result.get("resources", {}))
                if result["ok"]:
                    merging, merging_cpu = time.monotonic(), time.process_time()
                    merge_result(gradebook, episode, result, issues, manual)
                    target = root / "autograded" / student / episode
                    if target.exists():
                        shutil.rmtree(target)
                    if "files" in result:  # from a Dask worker: the notebooks travel as bytes
                        target.mkdir(parents=True)
                        for name, data in result["files"].items():
                            (target / Path(name).name).write_bytes(data)
                    else:
                        shutil.copytree(Path(result["root"]) / "autograded" / student / episode, target,
                                        symlinks=False, ignore=lambda d, names: [
                                            n for n in names if not n.endswith((".ipynb", ".txt"))])
                    submission = gradebook.find_submission(episode, student)
                    outcome.status, outcome.score, outcome.max_score = "graded", submission.score, submission.max_score
                    # The single writer's cost per student (merge, notebooks copied, score read back).
                    outcome.resources["merge_seconds"] = round(time.monotonic() - merging, 3)
                    outcome.resources["merge_cpu_seconds"] = round(time.process_time() - merging_cpu, 3)
                else:
                    error = (result.get("error") or "").strip().splitlines()
                    outcome.error = (error[-1] if error else "unknown error") + "\n" + result.get("log", "")[-1500:]
                if result.get("attempt", 1) > 1:
                    outcome.events.append({"kind": "retried", "notebook": "", "detail":
                                           f"graded on attempt {result['attempt']}: an earlier attempt's "
                                           "Dask worker was lost"})
                if result.get("root"):
                    shutil.rmtree(result["root"], ignore_errors=True)
                report.outcomes.append(outcome)
                log(f"  {student}: {outcome.summary().splitlines()[0]}")

            if client is not None:
                from grading.dask_grading import run_jobs_on_dask

                run_jobs_on_dask(client, jobs, on_result)
            elif pool is not None:
                _run_jobs(pool, jobs, workers, on_result)
                pool = None
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        cluster.close()
        shutil.rmtree(scratch, ignore_errors=True)
    report.integrity = integrity_problems(db_url, course_id, [episode])
    report.seconds = time.monotonic() - started
    report.write(root / "reports" / f"{episode}.json")
    return report
