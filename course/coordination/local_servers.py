"""Real servers the course starts on loopback for a notebook or a test, and stops again.

Ep17 starts Debian's etcd and redis-server; the class tests start JupyterHub and PostgreSQL.
What they share lives here: free loopback ports, children that die with the Python process that
started them, and a context manager that stops a server even when starting it failed.

>>> ports = free_ports(3)
>>> len(set(ports)) == 3 and all(1024 <= p <= 65535 for p in ports)
True

Taught in: Ep17 · 2-implementation (through :mod:`.etcd_cluster` and :mod:`.redis_lock`).
"""

from __future__ import annotations

import ctypes
import signal
import socket

from course.validation import require_int

__all__ = ["LocalServer", "die_with_parent", "free_ports"]


def _find_prctl():
    # resolved once, in the parent: the child between fork and exec should only call it
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _find_prctl()


def die_with_parent() -> None:
    """In a child process (``preexec_fn``): ask Linux to SIGKILL it when its parent dies.

    A notebook kernel that is restarted or killed never runs ``__exit__``; without this its
    servers would live on. (``prctl(PR_SET_PDEATHSIG, SIGKILL)``; a no-op where libc has no prctl.)
    """
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)   # 1 = PR_SET_PDEATHSIG


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports on 127.0.0.1 that were free a moment ago (the OS picks them;
    all are held open together while chosen, so they differ)."""
    count = require_int("count", count, minimum=1, maximum=100)
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class LocalServer:
    """A server process (or several) as a context manager: ``start()`` on entry — and ``stop()`` if
    starting fails half-way, also on KeyboardInterrupt — and ``stop()`` on exit. Subclasses define
    ``start`` and ``stop``; ``stop`` must be safe to call on a server that never fully started."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
