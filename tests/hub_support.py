"""A real JupyterHub of the class (class/jupyterhub_config.py) on loopback, always removed after.

``running_hub(folder, learners, instructors)`` (a context manager) writes a roster, picks free
loopback ports and starts ``jupyterhub -f class/jupyterhub_config.py`` with its state, homes,
exchange and course root under ``folder``. Every process of the class — the hub, its proxy,
the formgrader service, each learner's server and whatever they start — carries the
environment variable ``DSU_CLASS_RUN=<a fresh tag>``, so :func:`tagged_processes` finds them
all in /proc. On leaving, the hub gets SIGTERM (it stops every server, the service and the
proxy itself); whatever is still tagged after that is killed, and :attr:`Hub.leftovers` lists
it, so a test can assert that the hub's own shutdown left nothing behind.

>>> # with running_hub(tmp, ["ada"], ["teacher"]) as hub:
>>> #     requests.get(hub.url + "/hub/api").json()["version"]
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from course.coordination.local_servers import free_ports

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "class" / "jupyterhub_config.py"
PROXY = REPO / "class" / "node_modules" / ".bin" / "configurable-http-proxy"
IP = "127.0.0.1"


def tagged_processes(tag: str) -> dict[int, str]:
    """PID -> command line of every live process whose environment holds ``DSU_CLASS_RUN=tag``."""
    marker = f"DSU_CLASS_RUN={tag}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            if marker not in environ.split(b"\0"):
                continue
            status = (entry / "status").read_text()
            if "\nState:\tZ" in status:  # a zombie is already dead, only not reaped yet
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


@dataclass
class Hub:
    url: str
    folder: Path
    tag: str
    password: str
    course_root: Path
    exchange: Path
    homes: Path
    state: Path
    process: subprocess.Popen
    log: Path
    leftovers: dict[int, str] = field(default_factory=dict)

    @property
    def instructor_env(self) -> dict[str, str]:
        """The environment of an instructor's terminal in the formgrader service (its nbgrader config)."""
        env = dict(os.environ)
        env["JUPYTER_CONFIG_PATH"] = str(self.state / "instructor-config")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def stop(self, timeout: float = 60.0) -> dict[int, str]:
        """Stop the hub with SIGTERM; kill whatever of the class is still running; return that."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        deadline = time.monotonic() + 10
        left = tagged_processes(self.tag)
        while left and time.monotonic() < deadline:  # children the hub signalled may take a moment
            time.sleep(0.2)
            left = tagged_processes(self.tag)
        self.leftovers.update(left)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left


@contextmanager
def running_hub(folder: Path, learners: list[str], instructors: list[str], episodes: str = "ep51",
                course_id: str = "dsu", startup_timeout: float = 240.0) -> Iterator[Hub]:
    """Start the class hub under ``folder``; yield a :class:`Hub`; stop it and all it started."""
    if not PROXY.is_file():
        raise RuntimeError(f"{PROXY} is missing: run `make class-deps` (npm ci in class/)")
    folder = Path(folder)
    roster = folder / "roster.toml"
    roster.write_text(f"course_id = {course_id!r}\ninstructors = {instructors!r}\nlearners = {learners!r}\n",
                      encoding="utf-8")
    port, hub_port, api_port, formgrader_port = free_ports(4)
    tag, password = uuid.uuid4().hex, secrets.token_urlsafe(12)
    state = folder / "state"
    env = dict(os.environ, DSU_CLASS_ROSTER=str(roster), DSU_CLASS_STATE=str(state),
               DSU_CLASS_HOMES=str(folder / "homes"), DSU_CLASS_EXCHANGE=str(folder / "exchange"),
               DSU_CLASS_COURSE_ROOT=str(folder / "course"), DSU_CLASS_EPISODES=episodes,
               DSU_CLASS_PASSWORD=password, DSU_CLASS_IP=IP, DSU_CLASS_PORT=str(port),
               DSU_CLASS_HUB_PORT=str(hub_port), DSU_CLASS_PROXY_API_PORT=str(api_port),
               DSU_CLASS_FORMGRADER_PORT=str(formgrader_port), DSU_CLASS_RUN=tag)
    env.pop("JUPYTERHUB_API_TOKEN", None)
    log = folder / "hub.log"
    state.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
                                   cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    hub = Hub(f"http://{IP}:{port}", folder, tag, password, folder / "course", folder / "exchange",
              folder / "homes", state, process, log)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the hub exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{hub.url}/hub/api", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not answer within {startup_timeout:g} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield hub
    finally:
        hub.stop()
