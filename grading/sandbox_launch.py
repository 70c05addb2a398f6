"""Inside the namespaces: hide paths, set limits, drop privileges, then exec the kernel.

Run by :func:`grading.sandbox.wrap_command` as ``python -m grading.sandbox_launch SPEC -- CMD``
as (namespace) root, in fresh mount, network and PID namespaces. In order:

1. every ``hidden`` path gets an empty tmpfs mounted over it (read-only), every ``scratch``
   path an empty private writable one; the ``visible`` and ``writable`` paths inside them
   are bind-mounted back (read-only / read-write);
2. rlimits: address space, CPU seconds, tasks, file size, open files, no core dumps;
3. the capability bounding set is emptied and ``no_new_privs`` set; as real root the process
   switches to the spec's unprivileged uid (groups cleared);
4. ``execve`` of the kernel command with the spec's environment, nothing else.

In a PID namespace this process stays as the namespace's init and runs steps 2-4 in a
forked child (see :func:`run_as_init`).

Any failure stops the launch with a message on stderr: a kernel never starts half-boxed.
Imports only the standard library (it runs before the kernel, once per kernel start).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
# statvfs f_flag bits -> mount flags that a user namespace may not clear on remount
_LOCKED_FLAGS = ((1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC),
                 (1024, MS_NOATIME), (2048, MS_NODIRATIME), (4096, MS_RELATIME))

_libc = ctypes.CDLL(None, use_errno=True)


class LaunchError(RuntimeError):
    pass


def _call(name: str, *args) -> None:
    if getattr(_libc, name)(*args) != 0:
        errno = ctypes.get_errno()
        raise LaunchError(f"{name}{args[:2]!r}: {os.strerror(errno)}")


def _bytes(text):
    return text.encode() if isinstance(text, str) else text


def _mount(source, target: str, fstype, flags: int, data) -> None:
    _call("mount", _bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags), _bytes(data))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _kept_flags(path: str) -> int:
    f_flag = os.statvfs(path).f_flag
    return sum(ms for st, ms in _LOCKED_FLAGS if f_flag & st)


def _make_target(path: str, is_dir: bool) -> None:
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            open(path, "w").close()


def hide_paths(spec: dict) -> None:
    """Mount empty tmpfs over hidden/scratch paths, then bind visible/writable paths back."""
    covers = [(p, False) for p in spec["hidden"]] + [(p, True) for p in spec["scratch"]]
    covers = [(os.path.realpath(p), w) for p, w in covers if os.path.isdir(p)]
    shows = [(os.path.realpath(p), False) for p in spec["visible"]]
    shows += [(os.path.realpath(p), True) for p in spec["writable"]]
    shows = [(p, w) for p, w in shows if os.path.exists(p)]
    # Open every path shown again *before* covering it: the fd keeps it reachable.
    fds = {p: os.open(p, os.O_PATH) for p, _ in shows}
    covers.sort(key=lambda c: c[0].count("/"))
    mounted: list[tuple[str, bool]] = []
    for path, writable in covers:
        if any(_inside(path, m) for m, _ in mounted):
            continue  # already under a cover; handled below if a shown path re-exposes it
        mode = "1777" if writable else "0755"
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size=64m,mode={mode}")
        mounted.append((path, writable))
    for path, writable in sorted(shows, key=lambda s: s[0].count("/")):
        if not any(_inside(path, m) for m, _ in mounted):
            continue  # not covered: already visible as it is
        _make_target(path, os.path.isdir(f"/proc/self/fd/{fds[path]}"))
        _mount(f"/proc/self/fd/{fds[path]}", path, None, MS_BIND | MS_REC, None)
        if not writable:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _kept_flags(path), None)
    # Hidden paths lying inside a shown path (e.g. a key folder inside a visible tree).
    for path, _ in covers:
        if any(_inside(path, s) and path != s for s, _ in shows):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=1m,mode=0755")
    for path, writable in mounted:
        if not writable:
            _mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=64m,mode=0755")
    for fd in fds.values():
        os.close(fd)


def set_limits(limits: dict, uid: int | None) -> None:
    """Apply the rlimits. RLIMIT_NPROC counts all tasks of a uid: relative when it is shared."""
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    # Soft limit first: SIGXCPU at the soft limit, SIGKILL at the hard one.
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    processes = limits["processes"]
    if uid is None and os.geteuid() != 0 and os.getpid() != 1:
        # rlimits-only mode: the grader's own uid already runs tasks; grant a budget on top.
        processes += _tasks_of_uid(os.getuid())
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


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


def drop_privileges(uid: int | None) -> None:
    """Empty the capability bounding set, forbid regaining privileges, switch uid if asked."""
    if os.geteuid() == 0:
        last_cap = int(open("/proc/sys/kernel/cap_last_cap").read())
        for cap in range(last_cap + 1):
            _call("prctl", PR_CAPBSET_DROP, cap, 0, 0, 0)
    _call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise LaunchError(f"could not switch to uid {uid}")
    # Changing uid clears the parent-death signal: set it again so the kernel dies with us.
    _call("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def prepare_own_folders(spec: dict) -> None:
    """Give the kernel's own folders (work, home, sockets) to its uid before switching to it."""
    uid = spec["uid"]
    if uid is None:
        return
    for folder in spec["writable"]:
        for root, dirs, files in os.walk(folder):
            os.lchown(root, uid, uid)
            for name in dirs + files:
                os.lchown(os.path.join(root, name), uid, uid)


def exec_kernel(spec: dict, command: list[str]) -> None:
    """In the kernel's process: chdir, limits, privileges, then replace this process."""
    os.chdir(spec["cwd"])
    set_limits(spec["limits"], spec["uid"])
    drop_privileges(spec["uid"])
    os.execve(command[0], command, spec["env"])


def run_as_init(spec: dict, command: list[str]) -> int:
    """PID 1 of the kernel's namespace: start the kernel as PID 2, reap orphans, pass on its exit.

    The kernel must not be PID 1 itself: the kernel ignores signals to a namespace's init
    that it has no handler for, so ``abort()`` or the CPU limit would not end it normally.
    Interrupts need no forwarding: Jupyter signals the whole process group, kernel included.
    When this process exits, the kernel removes the namespace and kills every process left
    in it (a fork bomb's children included).
    """
    kernel = os.fork()
    if kernel == 0:
        try:
            exec_kernel(spec, command)
        except (OSError, LaunchError) as error:
            print(f"grading sandbox: refusing to start the kernel: {error}", file=sys.stderr)
        os._exit(1)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 1
        if pid == kernel:
            # 128 + signal number, the shell's convention, for a kernel killed by a signal.
            return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def launch(spec: dict, command: list[str]) -> int:
    prepare_own_folders(spec)
    if spec["hidden"] or spec["scratch"]:
        hide_paths(spec)
    if os.getpid() == 1:
        return run_as_init(spec, command)
    exec_kernel(spec, command)
    return 1  # not reached: execve replaced this process


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: python -m grading.sandbox_launch SPEC_JSON -- COMMAND...", file=sys.stderr)
        return 2
    try:
        return launch(json.loads(argv[1]), argv[3:])
    except (OSError, LaunchError, ValueError, KeyError) as error:
        print(f"grading sandbox: refusing to start the kernel: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
