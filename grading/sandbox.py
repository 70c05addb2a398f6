"""The box a student's kernel runs in: resource limits, no network, no view of other files.

A kernel started for grading is wrapped as::

    setpriv --pdeathsig KILL unshare --net --mount --pid --fork --kill-child --mount-proc \\
        python -m grading.sandbox_launch SPEC -- python -m ipykernel_launcher -f CONNECTION

``unshare`` (util-linux) gives the kernel its own network namespace (no interface but a
down loopback: every connection fails), its own mount namespace (in which
:mod:`grading.sandbox_launch` hides the gradebook, the source notebooks and every other
student's files under empty read-only tmpfs mounts) and its own PID namespace (when the
kernel dies, every process it forked dies with it). The launcher then sets the rlimits and,
when the grader runs as root, switches to a fresh unprivileged uid so that RLIMIT_NPROC is
enforced (the kernel ignores it for root) and file permissions apply.

What applies depends on who runs the grader (see :func:`isolation_level`):

* root: namespaces + hidden paths + a fresh uid per submission + all rlimits.
* non-root with unprivileged user namespaces: the same inside a user namespace, except
  the kernel keeps the grader's uid (only that uid is mapped), so it is kept away from
  files by the mounts alone, and visible paths are mounted read-only.
* otherwise: rlimits only. The kernel can read what the grader can; a warning says so.

>>> policy = SandboxPolicy(limits=ResourceLimits(memory_mb=1024))
>>> policy.limits.memory_mb
1024
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from course import REPO_ROOT

#: Isolation levels, strongest first.
ROOT_NAMESPACES = "namespaces (root: fresh uid)"
USER_NAMESPACES = "namespaces (user namespace)"
RLIMITS_ONLY = "rlimits only"

#: Paths of the repository a kernel may read: the interpreter, the course package, data sets.
REPO_VISIBLE = (".venv", "course", "shared/data")
#: Places any process could write to and others read from: replaced by a private tmpfs.
SHARED_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")
#: Where per-submission uids start (no passwd entry; far above real users and nobody).
UID_BASE = 1_500_000_000


@dataclass(frozen=True)
class ResourceLimits:
    """rlimits of one kernel: memory (MB of address space), CPU seconds, tasks, file size (MB)."""

    memory_mb: int = 2048
    cpu_seconds: int = 600
    processes: int = 64
    file_mb: int = 64
    open_files: int = 1024


@dataclass(frozen=True)
class SandboxPolicy:
    """What one kernel may see and use.

    hidden: paths replaced by an empty read-only tmpfs (gradebook, sources, other students).
    scratch: paths replaced by an empty private writable tmpfs (``/tmp``...).
    visible: read-only paths shown again inside hidden ones (interpreter, course package).
    writable: paths shown again read-write (the kernel's own work, home and socket folders).
    uid: the unprivileged uid the kernel runs as (root grader only).
    """

    limits: ResourceLimits = field(default_factory=ResourceLimits)
    hidden: tuple[str, ...] = ()
    scratch: tuple[str, ...] = SHARED_SCRATCH
    visible: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    uid: int | None = None

    def spec(self, level: str, cwd: str, env: dict[str, str]) -> dict:
        """The JSON-able instructions :mod:`grading.sandbox_launch` carries out."""
        return {
            "level": level,
            "limits": asdict(self.limits),
            "hidden": [str(p) for p in self.hidden] if level != RLIMITS_ONLY else [],
            "scratch": [str(p) for p in self.scratch] if level != RLIMITS_ONLY else [],
            "visible": [str(p) for p in self.visible],
            "writable": [str(p) for p in self.writable],
            "uid": self.uid if level == ROOT_NAMESPACES else None,
            "cwd": cwd,
            "env": env,
        }


def default_hidden(*extra: Path | str) -> tuple[str, ...]:
    """Paths no kernel may see: the repository (sources, keys, gradebooks), homes, ``extra``."""
    paths = {str(REPO_ROOT.resolve()), "/root", os.path.expanduser("~")}
    paths.update(str(Path(p).resolve()) for p in extra if p)
    return tuple(sorted(p for p in paths if os.path.isdir(p)))


def default_visible() -> tuple[str, ...]:
    """Read-only paths a kernel needs: the interpreter, the venv, the ``course`` package, data."""
    paths = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
             os.path.dirname(os.path.realpath(sys.executable))}
    paths.update(str((REPO_ROOT / p).resolve()) for p in REPO_VISIBLE)
    return tuple(sorted(p for p in paths if os.path.exists(p)))


def _probe(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


UNSHARE_FLAGS = ["--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]


@cache
def isolation_level(mode: str = "auto") -> str:
    """The strongest isolation this machine and user allow (``mode``: auto, namespaces, rlimits).

    Probes by running ``unshare`` once; ``namespaces`` raises if none is available.
    """
    if mode not in ("auto", "namespaces", "rlimits"):
        raise ValueError(f"mode must be auto, namespaces or rlimits; got {mode!r}")
    if mode == "rlimits":
        return RLIMITS_ONLY
    unshare = shutil.which("unshare")
    level = RLIMITS_ONLY
    if unshare and os.geteuid() == 0 and _probe([unshare, *UNSHARE_FLAGS, "true"]):
        level = ROOT_NAMESPACES
    elif unshare and _probe([unshare, "--user", "--map-root-user", *UNSHARE_FLAGS, "true"]):
        level = USER_NAMESPACES
    if level == RLIMITS_ONLY:
        message = ("grading sandbox: namespaces unavailable (need root, or unprivileged user "
                   "namespaces and util-linux unshare); student code runs with rlimits only and can "
                   "read every file the grader can read, including source notebooks and the gradebook")
        if mode == "namespaces":
            raise RuntimeError(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return level


def wrap_command(command: list[str], spec: dict) -> list[str]:
    """``command`` (a kernel's argv) wrapped so that it starts inside the sandbox ``spec``."""
    launcher = [sys.executable, "-m", "grading.sandbox_launch", json.dumps(spec), "--", *command]
    level = spec["level"]
    if level == RLIMITS_ONLY:
        return launcher
    prefix = []
    setpriv = shutil.which("setpriv")
    if setpriv:
        # If the grading process dies, take the sandbox (and with it the kernel's PID namespace) along.
        prefix = [setpriv, "--pdeathsig", "KILL"]
    unshare = [shutil.which("unshare") or "unshare"]
    if level == USER_NAMESPACES:
        unshare += ["--user", "--map-root-user"]
    return [*prefix, *unshare, *UNSHARE_FLAGS, *launcher]


def kernel_environment(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a student's kernel: none of the grader's variables leak in.

    One thread per numeric library so that N kernels share N cores fairly; caches go to the
    kernel's private home. ``JPY_PARENT_PID`` is 1 on purpose: inside a PID namespace the
    kernel's parent is invisible, and 1 tells ipykernel not to watch it (the namespace
    already ties the kernel's life to the grader's).
    """
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1",
        "NUMBA_CACHE_DIR": os.path.join(home, ".numba"),
        "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "JUPYTER_RUNTIME_DIR": os.path.join(home, ".jupyter-runtime"),
        "NBGRADER_EXECUTION": "autograde",
        "JPY_PARENT_PID": "1",
    }
    env.update(extra or {})
    return env
