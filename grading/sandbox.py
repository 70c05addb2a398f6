"""The box a student's kernel runs in: an allow-list root built by bubblewrap, plus rlimits.

A kernel started for grading is wrapped as::

    bwrap --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try \\
          --die-with-parent --new-session --proc /proc --dev /dev --tmpfs /tmp \\
          --ro-bind /usr /usr ... (the Python installation, the venv, the course package,
          shared/data read-only; the kernel's own work, home and socket folders read-write) \\
      -- prlimit --as=... --cpu=... --fsize=... --nofile=... --nproc=... --core=0 \\
      -- setpriv --reuid=N --regid=N --clear-groups --no-new-privs --bounding-set=-all \\
                 --inh-caps=-all  python -m ipykernel_launcher -f CONNECTION

The new root holds *only* what is bound into it (an allow-list): no repository, no course
root, no submissions, no other checkout of the course anywhere on the machine, no /root or
/home, a private /tmp. The ``course`` package is bound at the path where the venv's editable
install looks for it, so imports just work; for the kernel that checks implementation
answers it is the stripped copy (:mod:`grading.stripped_course`).

* As root: bwrap keeps only CAP_SETUID/CAP_SETGID for ``setpriv``, which switches to a fresh
  unprivileged uid (so RLIMIT_NPROC applies; Linux ignores it for root) with no capabilities
  and ``no_new_privs``.
* Not root: ``bwrap --unshare-all`` in an unprivileged user namespace; the uid stays the
  grader's (mapped), so RLIMIT_NPROC counts the grader's own tasks too (the budget is added
  on top of them).
* Neither (no bwrap, or user namespaces off): rlimits only, and the kernel can read what the
  grader can; a warning says so and ``--sandbox bubblewrap`` refuses to run.

>>> policy = SandboxPolicy(limits=ResourceLimits(memory_mb=1024))
>>> policy.limits.memory_mb
1024
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import course
from course import REPO_ROOT

#: Isolation levels, strongest first.
BWRAP_ROOT = "bubblewrap (root: fresh uid)"
BWRAP_USER = "bubblewrap (user namespace)"
RLIMITS_ONLY = "rlimits only"
#: Where per-kernel uids start (no passwd entry; far above real users and nobody).
UID_BASE = 1_500_000_000
#: System folders bound read-only (when they exist); /etc only for what the loader and Python need.
SYSTEM_READ_ONLY = ("/usr", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                    "/etc/localtime", "/etc/ssl/certs")
#: Paths of the repository a kernel may read besides the course package.
REPO_READ_ONLY = (".venv", "shared/data")
NAMESPACE_FLAGS = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                   "--die-with-parent", "--new-session"]


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

    read_only: paths bound read-only at the same place (interpreter, venv, data).
    course: the ``course`` package folder to bind read-only at :data:`COURSE_TARGET`.
    writable: paths bound read-write (the kernel's own work, home and socket folders).
    uid: the unprivileged uid the kernel runs as (root grader only).
    """

    limits: ResourceLimits = field(default_factory=ResourceLimits)
    read_only: tuple[str, ...] = ()
    course: str | None = None
    writable: tuple[str, ...] = ()
    uid: int | None = None

    def spec(self, level: str, cwd: str, env: dict[str, str]) -> dict:
        """The JSON-able instructions :func:`wrap_command` carries out."""
        return {"level": level, "limits": asdict(self.limits), "read_only": list(self.read_only),
                "course": self.course, "writable": list(self.writable),
                "uid": self.uid if level == BWRAP_ROOT else None, "cwd": cwd, "env": env}


COURSE_TARGET = str(Path(course.__file__).resolve().parent)


def default_read_only() -> tuple[str, ...]:
    """Read-only paths a kernel needs: the Python installation, the venv, the data sets."""
    paths = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
             os.path.dirname(os.path.realpath(sys.executable)), sys.prefix}
    paths.update(str(REPO_ROOT / p) for p in REPO_READ_ONLY)
    return tuple(sorted(p for p in paths if os.path.exists(p)))


def _probe(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@cache
def isolation_level(mode: str = "auto") -> str:
    """The strongest isolation this machine and user allow (``mode``: auto, bubblewrap, rlimits).

    Probes by running ``bwrap`` once; ``bubblewrap`` raises if it cannot run.
    """
    if mode not in ("auto", "bubblewrap", "rlimits"):
        raise ValueError(f"sandbox mode must be auto, bubblewrap or rlimits; got {mode!r}")
    if mode == "rlimits":
        return RLIMITS_ONLY
    bwrap = shutil.which("bwrap")
    level = RLIMITS_ONLY
    base = [bwrap, *NAMESPACE_FLAGS, "--ro-bind", "/", "/", "--", "true"] if bwrap else []
    if bwrap and os.geteuid() == 0 and shutil.which("setpriv") and _probe(base):
        level = BWRAP_ROOT
    elif bwrap and _probe([bwrap, "--unshare-all", *NAMESPACE_FLAGS[4:], "--ro-bind", "/", "/", "--", "true"]):
        level = BWRAP_USER
    if level == RLIMITS_ONLY:
        message = ("grading sandbox: bubblewrap unavailable (install it: apt-get install -y bubblewrap; "
                   "as non-root it also needs unprivileged user namespaces); student code runs with rlimits "
                   "only and can read every file the grader can read, including source notebooks and the gradebook")
        if mode == "bubblewrap":
            raise RuntimeError(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return level


def _tasks_of_uid(uid: int) -> int:
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
    return count


def prlimit_prefix(limits: dict, shared_uid: bool) -> list[str]:
    """``prlimit`` argv applying the rlimits; with a ``shared_uid`` the task budget comes on top."""
    mb = 1024 * 1024
    processes = limits["processes"] + (_tasks_of_uid(os.getuid()) if shared_uid else 0)
    cpu = limits["cpu_seconds"]
    # Soft CPU limit first: SIGXCPU at the soft limit, SIGKILL at the hard one.
    return [shutil.which("prlimit") or "/usr/bin/prlimit", f"--as={limits['memory_mb'] * mb}", f"--cpu={cpu}:{cpu + 5}",
            f"--fsize={limits['file_mb'] * mb}", f"--nofile={limits['open_files']}", "--core=0",
            f"--nproc={processes}", "--"]


def _parents(path: str, made: set[str]) -> list[str]:
    """bwrap arguments creating the parents of ``path`` world-traversable (/root is 0700)."""
    out = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made:
            made.add(parent)
            out += ["--perms", "0755", "--dir", parent]
    return out


def wrap_command(command: list[str], spec: dict) -> list[str]:
    """``command`` (a kernel's argv) wrapped so that it starts inside the sandbox ``spec``."""
    level = spec["level"]
    limits = prlimit_prefix(spec["limits"], shared_uid=level != BWRAP_ROOT and os.geteuid() != 0)
    # Only the spec's variables reach the kernel: none of the grader's environment leaks in.
    command = [shutil.which("env") or "/usr/bin/env", "-i", *(f"{k}={v}" for k, v in spec["env"].items()), *command]
    if level == RLIMITS_ONLY:
        return [*limits, *command]
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, *NAMESPACE_FLAGS] if level == BWRAP_ROOT else [bwrap, "--unshare-all", *NAMESPACE_FLAGS[4:]]
    made: set[str] = {"/usr", "/tmp", "/proc", "/dev"}
    for path in SYSTEM_READ_ONLY:
        if os.path.exists(path):
            args += _parents(path, made) + ["--ro-bind", path, path]
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{name}"):
            args += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    bound: list[str] = []
    for path in sorted(set(spec["read_only"]), key=lambda p: p.count("/")):
        if not any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound):  # already inside a bind
            args += _parents(path, made) + ["--ro-bind", path, path]
            bound.append(path)
    if spec["course"]:
        args += _parents(COURSE_TARGET, made) + ["--ro-bind", spec["course"], COURSE_TARGET]
    for path in spec["writable"]:
        args += _parents(path, made) + ["--bind", path, path]
    args += ["--chdir", spec["cwd"]]
    if level == BWRAP_ROOT:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    args += ["--", *limits]
    if spec["uid"] is not None:
        uid = str(spec["uid"])
        args += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
    return [*args, *command]


def kernel_environment(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a student's kernel: none of the grader's variables leak in.

    One thread per numeric library so that N kernels share N cores fairly; caches go to the
    kernel's private home. ``JPY_PARENT_PID`` is 1 on purpose: inside a PID namespace the
    kernel's parent is invisible, and 1 tells ipykernel not to watch it (bwrap's
    ``--die-with-parent`` already ties the kernel's life to the grader's).
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
