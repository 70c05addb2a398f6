"""Build an expensive test fixture once per test run, shared by every pytest-xdist worker.

An nbgrader course root with every episode released and graded costs minutes; each worker
building its own would multiply that by the number of workers. The first worker to ask builds
it under an exclusive file lock in the run's shared temporary folder; the others wait for the
lock and reuse the result. A builder that fails leaves no "done" record, so the next worker to
ask tries again (and fails the same way, with its own error).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path


def shared_base(tmp_path_factory) -> Path:
    """The temporary folder every worker of this run sees (the run's basetemp without xdist)."""
    base = tmp_path_factory.getbasetemp()
    # Each xdist worker gets <run>/popen-gwN as its basetemp; <run> is shared and new per run.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(tmp_path_factory, name: str, build) -> tuple[Path, dict]:
    """Return ``(folder, record)``: ``build(folder)`` run once per test run, its JSON-able record.

    >>> # build_once(tmp_path_factory, "graded-course", lambda folder: {"ok": True})
    """
    base = shared_base(tmp_path_factory)
    folder, done = base / name, base / f"{name}.done.json"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # left half-built by a builder that failed
            folder.mkdir()
            record = build(folder)
            done.write_text(json.dumps(record), encoding="utf-8")
    return folder, json.loads(done.read_text(encoding="utf-8"))
