"""A Jupyter kernel manager that starts every kernel inside the grading sandbox.

Each start gets a fresh folder (``box``) with three sub-folders the kernel owns: ``ipc``
(the connection file and the kernel's unix sockets: TCP cannot cross into the kernel's
empty network namespace, unix sockets are files and can), ``home`` and ``work`` (its
current directory, seeded with the assignment's data files). The kernel command is wrapped
by :func:`grading.sandbox.wrap_command` (bubblewrap); the policy comes from a JSON file
written by :mod:`grading.worker` (traitlet ``sandbox_file``). ``checking=True`` starts the
kernel that checks implementation answers, with the stripped ``course`` copy.

As root the folders (and the connection file) are handed to the kernel's fresh uid before it
starts; the grader never writes into them after the kernel started, so a kernel cannot trick
it into writing through a planted symlink.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Unicode

from grading.sandbox import (
    COURSE_TARGET,
    RLIMITS_ONLY,
    UID_BASE,
    ResourceLimits,
    SandboxPolicy,
    kernel_environment,
    wrap_command,
)

#: unix socket paths are limited to 108 bytes; "<box>/ipc/k-<port>" must fit.
MAX_SOCKET_PATH = 100


def read_sandbox_file(path: str | Path) -> tuple[str, SandboxPolicy, Path, str | None]:
    """(isolation level, policy, folder for kernel boxes, stripped course copy) from a sandbox JSON file."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    policy = SandboxPolicy(limits=ResourceLimits(**raw["limits"]), read_only=tuple(raw["read_only"]))
    return raw["level"], policy, Path(raw["boxes"]), raw.get("stripped_course")


def write_sandbox_file(path: Path, level: str, policy: SandboxPolicy, boxes: Path,
                       stripped_course: str | None = None, numba_cache: str | None = None) -> None:
    """Write the policy :class:`SandboxKernelManager` reads (see :func:`read_sandbox_file`)."""
    from dataclasses import asdict

    raw = {"level": level, "limits": asdict(policy.limits), "read_only": list(policy.read_only),
           "boxes": str(boxes), "stripped_course": stripped_course, "numba_cache": numba_cache}
    Path(path).write_text(json.dumps(raw, indent=1), encoding="utf-8")


def _numba_cache(path: str | Path) -> str | None:
    return json.loads(Path(path).read_text(encoding="utf-8")).get("numba_cache")


class SandboxKernelManager(AsyncKernelManager):
    """Starts kernels with :mod:`grading.sandbox` applied (unix-socket transport, fresh uid).

    ``checking=True`` starts the kernel that checks implementation answers: it imports the
    stripped copy of ``course`` named in the sandbox file instead of the real package.
    """

    sandbox_file = Unicode("", help="JSON policy written by grading.private_root").tag(config=True)
    checking = Bool(False, help="import the stripped course copy (reference switched off)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.box: Path | None = None
        self._spec: dict | None = None

    def _new_box(self) -> Path:
        level, policy, boxes, stripped = read_sandbox_file(self.sandbox_file)
        box = boxes / secrets.token_hex(4)
        if len(str(box / "ipc" / "k-99999")) > MAX_SOCKET_PATH:
            raise ValueError(f"scratch folder {boxes} is too deep for unix sockets; choose a shorter --scratch")
        for sub in ("ipc", "home", "work"):
            (box / sub).mkdir(parents=True, mode=0o700)
        os.chmod(box, 0o711)
        warm = _numba_cache(self.sandbox_file)
        if warm and not self.checking:  # a private, writable copy of the compiled simulation kernels
            shutil.copytree(warm, box / "home" / ".numba", ignore=shutil.ignore_patterns("complete"))
        uid = UID_BASE + secrets.randbelow(100_000_000) if os.geteuid() == 0 and level != RLIMITS_ONLY else None
        if uid is not None:
            for sub in ("ipc", "home", "work"):
                for folder, dirs, files in os.walk(box / sub):
                    for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                        os.lchown(name, uid, uid)
        course = stripped if self.checking else COURSE_TARGET
        if self.checking and not stripped:
            raise ValueError("a checking kernel needs the stripped course copy in the sandbox file")
        extra = {"PYTHONPATH": str(Path(stripped).parent)} if self.checking else {}
        policy = SandboxPolicy(limits=policy.limits, read_only=policy.read_only, course=course,
                               writable=tuple(str(box / s) for s in ("ipc", "home", "work")), uid=uid)
        self._spec = policy.spec(level, str(box / "work"), kernel_environment(str(box / "home"), extra))
        self._uid = uid
        return box

    async def _async_pre_start_kernel(self, **kw):
        self.box = self._new_box()
        # Data files nbgrader copied next to the notebook go into the kernel's own work folder.
        given_cwd = kw.pop("cwd", None)
        if given_cwd and os.path.isdir(given_cwd):
            for entry in os.scandir(given_cwd):
                if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".ipynb"):
                    shutil.copy2(entry.path, self.box / "work" / entry.name)
                    if self._uid is not None:
                        os.chown(self.box / "work" / entry.name, self._uid, self._uid)
        kw["cwd"] = str(self.box / "work")
        # The kernel's own stdout/stderr (C-level writes, a fork bomb's tracebacks) must not flood
        # the grader's output: what matters reaches the notebook through the kernel's messages.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        self.connection_file = str(self.box / "ipc" / "kernel.json")
        self.ip = str(self.box / "ipc" / "k")
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        result = super().write_connection_file(**kwargs)
        if getattr(self, "_uid", None) is not None and self.connection_file:
            os.chown(self.connection_file, self._uid, self._uid)  # the kernel's uid must read it
        return result

    def format_kernel_cmd(self, extra_arguments=None):
        return wrap_command(super().format_kernel_cmd(extra_arguments), self._spec)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self.box is not None and not restart:
            shutil.rmtree(self.box, ignore_errors=True)
            self.box = None

    cleanup_resources = _async_cleanup_resources

    @property
    def exit_description(self) -> str:
        """How the kernel process ended, in words (for the grading report)."""
        process = getattr(self.provisioner, "process", None)
        code = process.poll() if process is not None else None
        return describe_exit(code)


def describe_exit(code: int | None) -> str:
    """Words for a kernel's exit code (negative, or 128 + N from the sandbox: killed by signal N).

    >>> describe_exit(134)
    'killed by SIGABRT (abort or crash)'
    >>> describe_exit(3)
    'exited with code 3'
    """
    import signal

    if code is None:
        return "exit status unknown"
    if 128 < code <= 128 + 64:
        code = 128 - code  # the sandbox's init reports "killed by signal N" as 128 + N
    if code >= 0:
        return f"exited with code {code}"
    reasons = {signal.SIGXCPU: "CPU-time limit", signal.SIGKILL: "killed hard: CPU hard limit or the grader",
               signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "abort or crash",
               signal.SIGXFSZ: "file-size limit", signal.SIGBUS: "bus error"}
    name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
    reason = reasons.get(-code)
    return f"killed by {name}" + (f" ({reason})" if reason else "")
