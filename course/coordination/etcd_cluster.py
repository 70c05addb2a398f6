"""A real 3-member etcd cluster on loopback: find the leader, kill it, time the next election.

Debian's ``etcd-server`` package (``make etcd-server`` installs it) ships ``/usr/bin/etcd``.
:class:`EtcdCluster` starts the members on 127.0.0.1 with free ports and a temporary data
directory, and — as a context manager — always stops every process it started and removes
the directory, also when the body raises or is interrupted (KeyboardInterrupt); and if the
Python process itself is killed (a restarted kernel), Linux kills the members with it.

The leader is read from each member's JSON gateway, ``POST /v3/maintenance/status`` (the
``leader`` and ``header.member_id`` fields), so no etcd client library is needed.
:meth:`EtcdCluster.failover_trials` kills the leader with SIGKILL, polls the survivors until
one reports a new leader, restarts the killed member, and repeats: one tidy row per trial.

etcd's documented defaults: heartbeat interval 100 ms, election timeout 1000 ms
(https://etcd.io/docs/v3.5/tuning/). A follower that hears nothing for its (randomised)
election timeout stands for election, so failover takes about one to two election timeouts.

Example (needs /usr/bin/etcd; takes a few seconds)::

    with EtcdCluster(heartbeat_ms=100, election_timeout_ms=1000) as cluster:
        trials = cluster.failover_trials(3)

Taught in: Ep17 · 2-implementation (the real cluster beside the simulation).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from course.coordination.local_servers import LocalServer, die_with_parent, free_ports
from course.validation import require_int, require_positive

__all__ = ["ETCD", "EtcdCluster", "Member", "etcd_available"]

ETCD = "/usr/bin/etcd"
TUNING_SOURCE = "https://etcd.io/docs/v3.5/tuning/"


def etcd_available() -> bool:
    """Whether Debian's etcd binary is installed (``make etcd-server``)."""
    return os.access(ETCD, os.X_OK)


@dataclass
class Member:
    """One etcd member: its name, ports, data directory and (while running) its process."""

    name: str
    client_port: int
    peer_port: int
    data_dir: Path
    process: subprocess.Popen | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class EtcdCluster(LocalServer):
    """Three (or ``members``) etcd processes on loopback; use it as a context manager.

    ``heartbeat_ms`` and ``election_timeout_ms`` are passed to every member
    (``--heartbeat-interval``, ``--election-timeout``; etcd requires the timeout to be at
    least 5 heartbeats).
    """

    def __init__(self, members: int = 3, heartbeat_ms: int = 100, election_timeout_ms: int = 1000,
                 startup_timeout_s: float = 30.0):
        self.size = require_int("members", members, minimum=1, maximum=7)
        self.heartbeat_ms = require_int("heartbeat_ms", heartbeat_ms, minimum=10, maximum=5000)
        self.election_timeout_ms = require_int("election_timeout_ms", election_timeout_ms,
                                               minimum=5 * self.heartbeat_ms, maximum=50000)
        self.startup_timeout_s = require_positive("startup_timeout_s", startup_timeout_s)
        self.root: Path | None = None
        self.members: list[Member] = []

    # --- lifetime -----------------------------------------------------------------------
    def start(self) -> None:
        """Start every member and wait until the cluster reports a leader."""
        if not etcd_available():
            raise FileNotFoundError(f"{ETCD} is missing: install Debian's etcd-server (make etcd-server)")
        self.root = Path(tempfile.mkdtemp(prefix="dsu-etcd-"))
        ports = free_ports(2 * self.size)
        self.members = [Member(f"m{i}", ports[2 * i], ports[2 * i + 1], self.root / f"m{i}")
                        for i in range(self.size)]
        for member in self.members:
            self._launch(member, "new")
        self.wait_for_leader(self.startup_timeout_s)

    def _launch(self, member: Member, state: str) -> None:
        initial = ",".join(f"{m.name}={m.peer_url}" for m in self.members)
        command = [
            ETCD, "--name", member.name, "--data-dir", str(member.data_dir),
            "--listen-client-urls", member.client_url, "--advertise-client-urls", member.client_url,
            "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls", member.peer_url,
            "--initial-cluster", initial, "--initial-cluster-state", state,
            "--initial-cluster-token", f"dsu-{self.root.name}",
            "--heartbeat-interval", str(self.heartbeat_ms), "--election-timeout", str(self.election_timeout_ms),
        ]
        log = open(self.root / f"{member.name}.log", "ab")  # noqa: SIM115 — the child owns it
        try:
            # own process group: a Ctrl-C in the notebook reaches Python, which then stops etcd
            member.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, start_new_session=True,
                                              preexec_fn=die_with_parent)
        finally:
            log.close()

    def stop(self) -> None:
        """Stop every member (SIGTERM, then SIGKILL after 5 s) and remove the data directory."""
        for member in self.members:
            process = member.process
            if process is None or process.poll() is not None:
                continue
            process.terminate()
        deadline = time.monotonic() + 5.0
        for member in self.members:
            process = member.process
            if process is None:
                continue
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def pids(self) -> list[int]:
        """Process ids of the members started so far (running or not)."""
        return [m.process.pid for m in self.members if m.process is not None]

    # --- status -------------------------------------------------------------------------
    @staticmethod
    def status(member: Member, timeout_s: float = 0.5) -> dict | None:
        """The member's ``/v3/maintenance/status`` JSON, or None if it does not answer."""
        request = urllib.request.Request(member.client_url + "/v3/maintenance/status", data=b"{}",
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return json.loads(response.read())
        except (OSError, urllib.error.URLError, ValueError):
            return None

    def leader(self) -> tuple[Member, int] | None:
        """The running member that a majority of the running members report as leader, and the term."""
        views = {}
        for member in self.members:
            if member.running:
                status = self.status(member)
                if status and status.get("leader", "0") != "0":
                    views[member.name] = (status["header"]["member_id"], status["leader"],
                                          int(status.get("raftTerm", 0)))
        ids = {member_id: name for name, (member_id, _, _) in views.items()}
        for leader_id in {leader_id for _, leader_id, _ in views.values()}:
            agreeing = [name for name, (_, lid, _) in views.items() if lid == leader_id]
            if leader_id in ids and len(agreeing) >= self.size // 2 + 1:
                member = next(m for m in self.members if m.name == ids[leader_id])
                return member, max(views[name][2] for name in agreeing)
        return None

    def wait_for_leader(self, timeout_s: float, not_member: Member | None = None,
                        poll_s: float = 0.01) -> tuple[Member, int]:
        """Poll until a leader (other than ``not_member``) is agreed; raise TimeoutError after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.leader()
            if found and found[0] is not not_member and found[0].running:
                return found
            time.sleep(poll_s)
        raise TimeoutError(f"no etcd leader within {timeout_s:g} s (logs in {self.root})")

    # --- the experiment -----------------------------------------------------------------
    def kill_leader(self) -> dict:
        """SIGKILL the leader; time until the survivors agree on a new one. One tidy row."""
        old, old_term = self.wait_for_leader(self.startup_timeout_s)
        started = time.monotonic()
        os.kill(old.process.pid, signal.SIGKILL)
        old.process.wait()
        new, new_term = self.wait_for_leader(max(30.0, 20 * self.election_timeout_ms / 1000), not_member=old)
        failover_s = time.monotonic() - started
        return {"killed": old.name, "new_leader": new.name, "old_term": old_term, "new_term": new_term,
                "failover_s": failover_s, "heartbeat_ms": self.heartbeat_ms,
                "election_timeout_ms": self.election_timeout_ms}

    def restart(self, member: Member) -> None:
        """Start a stopped member again on its data directory and wait until it follows a leader."""
        if member.running:
            return
        self._launch(member, "existing")
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            status = self.status(member)
            if status and status.get("leader", "0") != "0":
                return
            time.sleep(0.02)
        raise TimeoutError(f"{member.name} did not rejoin within {self.startup_timeout_s:g} s")

    def failover_trials(self, trials: int = 3):
        """Kill the leader ``trials`` times (restarting it in between): a DataFrame, one row per trial."""
        import pandas as pd

        trials = require_int("trials", trials, minimum=1, maximum=100)
        rows = []
        for trial in range(trials):
            row = self.kill_leader()
            rows.append({"trial": trial, **row})
            self.restart(next(m for m in self.members if m.name == row["killed"]))
        return pd.DataFrame(rows)
