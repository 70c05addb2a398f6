"""A lock on a real Redis (loopback): SET NX PX with an owner, compare-and-delete, fencing tokens;
is the stale holder's write rejected, and is nothing left behind?

Needs Debian's redis-server (/usr/bin/redis-server): ``make test`` installs it first (``make redis-server``).
"""

from __future__ import annotations

import os

import pytest
from process_support import gone, processes_mentioning

from course.coordination.redis_lock import (
    REDIS,
    FencedStorage,
    RedisLock,
    RedisServer,
    RespError,
    paused_holder_demo,
)

# A real redis-server on loopback: the unit stage of `make test` runs these (after `make redis-server`).


@pytest.fixture(scope="module")
def server():
    with RedisServer() as running:
        yield running
    assert gone(running.process.pid) and not running.root.exists()
    assert not processes_mentioning(f"--port {running.port} ")


def test_redis_binary_is_installed():
    assert os.access(REDIS, os.X_OK), "run `make redis-server` (Debian's redis-server package)"


def test_set_nx_px_gives_the_lock_to_one_owner_and_tokens_grow(server):
    with server.client() as a_conn, server.client() as b_conn:
        a_conn.command("DEL", "lock:t1", "lock:t1:fencing")
        a, b = RedisLock(a_conn, "lock:t1", 60000, owner="A"), RedisLock(b_conn, "lock:t1", 60000, owner="B")
        assert a.acquire() == 1 and b.acquire() == 0
        assert a_conn.command("GET", "lock:t1") == "A" and 0 < a_conn.command("PTTL", "lock:t1") <= 60000
        assert not b.release() and a_conn.command("GET", "lock:t1") == "A"   # not B's to release
        assert a.renew() and a.release() and a_conn.command("EXISTS", "lock:t1") == 0
        assert b.acquire() == 2 and not a.renew()


def test_paused_holder_is_fenced_off(server):
    records = paused_holder_demo(server, fencing=True)
    storage = [r for r in records if r["actor"] == "storage"]
    assert [(r["event"], r["token"]) for r in storage] == [
        ("write accepted", 1), ("write accepted", 2), ("write rejected", 1)]
    assert ("A", "release refused") in {(r["actor"], r["event"]) for r in records}


def test_without_fencing_the_stale_write_is_accepted(server):
    records = paused_holder_demo(server, fencing=False, key="lock:nofence")
    last = [r for r in records if r["actor"] == "storage"][-1]
    assert last["event"] == "write accepted" and last["token"] == 1 and "corruption" in last["detail"]


def test_an_error_reply_raises(server):
    with server.client() as conn, pytest.raises(RespError):
        conn.command("NOSUCHCOMMAND")


def test_an_exception_inside_the_block_still_stops_the_server():
    instance = RedisServer()
    with pytest.raises(KeyboardInterrupt), instance:
        pid, port = instance.process.pid, instance.port
        raise KeyboardInterrupt
    assert gone(pid) and not instance.root.exists() and not processes_mentioning(f"--port {port} ")


def test_fenced_storage_alone():
    storage = FencedStorage()
    assert storage.write("A", 3, "x") and not storage.write("B", 2, "y") and storage.write("C", 3, "z")
    assert FencedStorage(fencing=False).write("A", 0, "x")


def test_bad_ttl_names_the_parameter(server):
    with server.client() as conn, pytest.raises(ValueError, match="ttl_ms"):
        RedisLock(conn, ttl_ms=0)


def test_a_killed_python_process_takes_its_server_with_it(tmp_path):
    """Does a redis-server die with the Python process that started it (a killed kernel never runs __exit__)?"""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    script = ("from course.coordination.redis_lock import RedisServer\n"
              "import sys, time\n"
              "server = RedisServer(); server.start()\n"
              "print(server.process.pid, server.port, server.root, flush=True)\n"
              "time.sleep(120)\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    root = None
    try:
        pid, port, root = child.stdout.readline().split()
        pid, port = int(pid), int(port)
        assert not gone(pid)
        child.send_signal(signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + 30
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(pid) and not processes_mentioning(f"--port {port} ")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        # a killed process cannot remove its own directory: the test does
        if root:
            shutil.rmtree(root, ignore_errors=True)
