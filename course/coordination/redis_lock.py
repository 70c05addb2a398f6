"""A lock on a real Redis: SET NX PX with an owner id, compare-and-delete, and fencing tokens.

Debian's ``redis-server`` package (``make redis-server``) ships ``/usr/bin/redis-server``.
:class:`RedisServer` starts one on 127.0.0.1 with a free port and no persistence, and — as a
context manager — always stops it and removes its directory, also on an exception or a
KeyboardInterrupt (and Linux kills it if the Python process itself dies). :class:`Resp` is a
minimal client of Redis's wire protocol (RESP2: about forty lines, so no new dependency).

:class:`RedisLock` is the single-instance lock of Redis's documentation:

* acquire — ``SET key owner NX PX ttl`` (only if absent, expiring after ttl ms) and, in the
  same Lua script, ``INCR`` of a counter: the **fencing token**. One script, so that no
  holder can be paused between the two and receive a token younger than its successor's;
* renew — extend the expiry only if the key still holds our owner id;
* release — delete only if the key still holds our owner id (compare-and-delete in Lua:
  a plain DEL by a paused holder would free a lock that now belongs to someone else).

:func:`paused_holder_demo` tells the story of :mod:`course.coordination.leases` on the real
server: A holds the lock and is paused past its lease, B acquires it and writes, A wakes up
and writes with its old token — :class:`FencedStorage` rejects it (or, without fencing,
accepts it: corruption).

Example (needs /usr/bin/redis-server)::

    with RedisServer() as server:
        records = paused_holder_demo(server, fencing=True)

Taught in: Ep17 · 2-implementation (the real lock beside the simulation).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from course.coordination.local_servers import LocalServer, die_with_parent, free_ports
from course.validation import require_int, require_positive

__all__ = ["REDIS", "RedisServer", "Resp", "RespError", "RedisLock", "FencedStorage",
           "paused_holder_demo", "redis_available"]

REDIS = "/usr/bin/redis-server"
LOCK_DOCS = "https://redis.io/docs/latest/develop/use/patterns/distributed-locks/"

ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def redis_available() -> bool:
    """Whether Debian's redis-server binary is installed (``make redis-server``)."""
    return os.access(REDIS, os.X_OK)


class RespError(RuntimeError):
    """An error reply from Redis (a line starting with ``-``)."""


class Resp:
    """A minimal RESP2 client over one TCP connection: ``Resp(port).command("PING")`` → ``"PONG"``."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout_s: float = 5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.reader = self.sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def __enter__(self) -> Resp:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def command(self, *args):
        """Send one command (each argument as a bulk string) and return its decoded reply."""
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self._reply()

    def _reply(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.reader.read(size + 2)[:-2]
            return data.decode()
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._reply() for _ in range(size)]
        raise RespError(f"unknown reply type {kind!r}")


class RedisServer(LocalServer):
    """One redis-server on 127.0.0.1, no persistence; a context manager that always stops it."""

    def __init__(self, startup_timeout_s: float = 10.0):
        self.startup_timeout_s = require_positive("startup_timeout_s", startup_timeout_s)
        self.port: int | None = None
        self.root: Path | None = None
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if not redis_available():
            raise FileNotFoundError(f"{REDIS} is missing: install Debian's redis-server (make redis-server)")
        self.root = Path(tempfile.mkdtemp(prefix="dsu-redis-"))
        self.port = free_ports(1)[0]
        command = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no",
                   "--logfile", str(self.root / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=die_with_parent)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode} (log in {self.root})")
            try:
                with self.client() as client:
                    if client.command("PING") == "PONG":
                        return
            except OSError:
                time.sleep(0.02)
        raise TimeoutError(f"redis-server did not answer within {self.startup_timeout_s:g} s")

    def client(self) -> Resp:
        """A new connection to this server."""
        return Resp(self.port)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisLock:
    """A lease lock on one Redis key, held by ``owner`` (a random id by default) for ``ttl_ms``."""

    client: Resp
    key: str = "lock:resource"
    ttl_ms: int = 1000
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    token: int = 0

    def __post_init__(self):
        self.ttl_ms = require_int("ttl_ms", self.ttl_ms, minimum=1, maximum=10**9)

    @property
    def counter_key(self) -> str:
        return self.key + ":fencing"

    def acquire(self) -> int:
        """Try once: the fencing token (≥ 1) if we got the lock, 0 if someone holds it."""
        token = self.client.command("EVAL", ACQUIRE, 2, self.key, self.counter_key, self.owner, self.ttl_ms)
        if token:
            self.token = token
        return token

    def renew(self) -> bool:
        """Extend our lease by ``ttl_ms`` if the key still holds our owner id."""
        return bool(self.client.command("EVAL", RENEW, 1, self.key, self.owner, self.ttl_ms))

    def release(self) -> bool:
        """Delete the key only if it still holds our owner id; False if the lock is no longer ours."""
        return bool(self.client.command("EVAL", RELEASE, 1, self.key, self.owner))


@dataclass
class FencedStorage:
    """A simulated storage service that remembers the highest fencing token it has seen.

    With ``fencing`` it refuses a write whose token is lower; without, it accepts every write.
    """

    fencing: bool = True
    highest: int = 0
    log: list[dict] = field(default_factory=list)

    def write(self, client: str, token: int, value: str) -> bool:
        stale = token < self.highest
        accepted = not (self.fencing and stale)
        if accepted:
            self.highest = max(self.highest, token)
        self.log.append({"client": client, "token": token, "value": value, "stale": stale, "accepted": accepted})
        return accepted


def paused_holder_demo(server: RedisServer, fencing: bool = True, ttl_ms: int = 300,
                       key: str = "lock:demo", give_up_s: float = 30.0) -> list[dict]:
    """A holder paused past its lease on a real Redis; tidy records (seconds since the start).

    The order of events does not depend on timing: A's "pause" lasts until B has acquired the
    expired lock and written, however long that takes on a busy machine (B retries every
    ``ttl_ms / 10``; after ``give_up_s`` the demo raises TimeoutError).
    """
    ttl_ms = require_int("ttl_ms", ttl_ms, minimum=10, maximum=60000)
    storage = FencedStorage(fencing=bool(fencing))
    records: list[dict] = []
    start = time.monotonic()

    def note(actor, event, token=0, detail=""):
        records.append({"time_s": round(time.monotonic() - start, 4), "actor": actor, "event": event,
                        "token": token, "detail": detail})

    with server.client() as conn_a, server.client() as conn_b:
        conn_a.command("DEL", key, key + ":fencing")
        a, b = RedisLock(conn_a, key, ttl_ms, owner="client-A"), RedisLock(conn_b, key, ttl_ms, owner="client-B")
        note("A", "acquired", a.acquire(), f"SET {key} client-A NX PX {ttl_ms}")
        if not a.token:
            raise RuntimeError(f"A could not take the fresh lock {key!r}")
        note("storage", "write accepted" if storage.write("A", a.token, "a1") else "write rejected", a.token)
        note("A", "pause begins", a.token, "lease checked; about to write")
        note("B", "acquire refused" if not b.acquire() else "acquired", b.token, "A's key exists (NX)")
        deadline = time.monotonic() + give_up_s
        while not b.acquire():
            if time.monotonic() > deadline:
                raise TimeoutError(f"B could not acquire {key!r} within {give_up_s:g} s")
            time.sleep(ttl_ms / 10000)
        note("B", "acquired", b.token, f"A's lease expired; {key} now holds client-B")
        note("storage", "write accepted" if storage.write("B", b.token, "b1") else "write rejected", b.token)
        note("A", "pause ends", a.token, "writes without re-checking")
        accepted = storage.write("A", a.token, "a2")
        note("storage", "write accepted" if accepted else "write rejected", a.token,
             "stale token: corruption" if accepted else f"token {a.token} < highest seen {storage.highest}")
        note("A", "release refused" if not a.release() else "released", a.token, "compare-and-delete: not the owner")
        note("B", "released" if b.release() else "release refused", b.token)
    return records
