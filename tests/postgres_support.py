"""A real PostgreSQL server for the tests: started from Debian's package, always removed after.

``postgres_server()`` (a context manager, usable outside pytest) runs ``initdb`` and
``postgres`` from ``/usr/lib/postgresql/<version>/bin`` in a fresh temporary folder, listening
on a private Unix socket folder only (``listen_addresses=''``) or, with ``tcp=True``, on a free
loopback port; it creates the database and yields a :class:`PostgresServer` whose ``url`` is a
SQLAlchemy URL (psycopg2 driver). On leaving — normally or by an exception — the server is
stopped (fast shutdown, then immediate, then SIGKILL), every process of it is waited for and
the folder is removed.

PostgreSQL refuses to run as root, and CI runs as root: then ``initdb`` and ``postgres`` run as
the unprivileged user ``nobody`` (``setpriv --reuid --regid --clear-groups``, with
``--pdeathsig KILL`` so that a test process killed outright takes the server with it), in a
data folder owned by that user. A non-root user runs them as itself.

Fixtures (import them into a test module): ``postgres`` (one server per pytest session,
per xdist worker) and ``postgres_url`` (a new empty database on it for each test).

>>> # with postgres_server() as pg:
>>> #     engine = sqlalchemy.create_engine(pg.url)     # postgresql+psycopg2://postgres@/dsu?host=...
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Where Debian's ``postgresql`` package puts the server programs (``make postgresql`` installs it).
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: The account the server runs as when the tests run as root (initdb needs a passwd entry).
UNPRIVILEGED_USER = "nobody"
#: Test settings: small, and no fsync (a crash of a test server loses nothing of value).
SERVER_SETTINGS = {
    "shared_buffers": "16MB", "max_connections": "60", "fsync": "off", "synchronous_commit": "off",
    "full_page_writes": "off", "dynamic_shared_memory_type": "posix", "log_min_messages": "warning",
}


def pg_bin() -> Path:
    """The newest installed ``/usr/lib/postgresql/<version>/bin`` (``$DSU_PG_BIN`` wins).

    Raises RuntimeError with the install command if PostgreSQL is missing.
    """
    if os.environ.get("DSU_PG_BIN"):
        return Path(os.environ["DSU_PG_BIN"])
    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    if not found or not (Path(found[-1]) / "initdb").is_file():
        raise RuntimeError("PostgreSQL is not installed: run `make postgresql` "
                           "(as root: apt-get install -y postgresql)")
    return Path(found[-1])


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_in(folder: Path) -> list[int]:
    """PIDs of the running processes whose working directory is ``folder`` or below (from /proc).

    Every PostgreSQL process (postmaster and its children) works in its data folder, so this
    finds a server's processes, and only that server's.
    """
    folder = str(Path(folder).resolve())
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd").removesuffix(" (deleted)")
        except OSError:
            continue  # gone, or not ours to read
        if cwd == folder or cwd.startswith(folder + "/"):
            pids.append(int(entry))
    return pids


@dataclass
class PostgresServer:
    """A running test server: its folders, postmaster PID and how to reach it."""

    base: Path
    data_dir: Path
    socket_dir: Path
    port: int
    tcp: bool
    database: str
    process: subprocess.Popen
    user: str = "postgres"

    @property
    def pid(self) -> int:
        return self.process.pid

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server (psycopg2)."""
        if self.tcp:
            return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"
        return f"postgresql+psycopg2://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database the server was started with."""
        return self.url_for(self.database)

    def connect(self, database: str = "postgres"):
        """A psycopg2 connection (autocommit) to ``database``."""
        import psycopg2

        host = "127.0.0.1" if self.tcp else str(self.socket_dir)
        conn = psycopg2.connect(host=host, port=self.port, user=self.user, dbname=database, connect_timeout=5)
        conn.autocommit = True
        return conn

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """Create a new database (default: a random name), empty or a copy of ``template`` (which
        nobody may be connected to); return its SQLAlchemy URL."""
        name = name or f"dsu_{uuid.uuid4().hex[:12]}"
        for label, value in (("name", name), ("template", template or "x")):
            if not value.replace("_", "").isalnum():
                raise ValueError(f"{label} must be letters, digits and _; got {value!r}")
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        finally:
            conn.close()
        return self.url_for(name)

    def processes(self) -> list[int]:
        """PIDs of this server's processes still running (empty once stopped)."""
        return processes_in(self.data_dir)


def _as_server_user(command: list[str]) -> tuple[list[str], int | None]:
    """``command`` run as ``nobody`` when we are root (PostgreSQL refuses root); its uid or None."""
    if os.geteuid() != 0:
        return command, None
    account = pwd.getpwnam(UNPRIVILEGED_USER)
    return (["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups",
             "--pdeathsig", "KILL", "--", *command], account.pw_uid)


def _wait_ready(server: PostgresServer, timeout: float) -> None:
    import psycopg2

    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            log = (server.base / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"postgres exited with code {server.process.returncode}:\n{log}")
        try:
            server.connect().close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not accept connections within {timeout:g} s") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen, data_dir: Path, timeout: float) -> None:
    """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL; wait for every process."""
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
        if process.poll() is None:
            try:
                process.send_signal(sig)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
        break
    # The postmaster's children leave when it does (they watch it); give them the same time.
    deadline = time.monotonic() + timeout
    while processes_in(data_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in processes_in(data_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def postgres_server(database: str = "dsu", *, tcp: bool = False, start_timeout: float = 120.0,
                    stop_timeout: float = 30.0) -> Iterator[PostgresServer]:
    """Start a private PostgreSQL server with an empty ``database``; stop and remove it on exit.

    ``tcp=False``: Unix socket only, in a private folder (nothing listens on the network);
    ``tcp=True``: also 127.0.0.1 on a free port. Timeouts in seconds (generous: CI is busy).
    """
    if not database.replace("_", "").isalnum():
        raise ValueError(f"database must be letters, digits and _; got {database!r}")
    bindir = pg_bin()
    base = Path(tempfile.mkdtemp(prefix="dsu-postgres-"))
    process = None
    data_dir, socket_dir = base / "data", base / "socket"
    try:
        initdb, uid = _as_server_user([str(bindir / "initdb"), "-D", str(data_dir), "-U", "postgres",
                                       "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        for folder in (data_dir, socket_dir):
            folder.mkdir(mode=0o700)
        if uid is not None:
            os.chmod(base, 0o755)  # the server user must reach its folders inside ours
            for folder in (data_dir, socket_dir):
                os.chown(folder, uid, -1)
        subprocess.run(initdb, check=True, capture_output=True, text=True, cwd=base, timeout=start_timeout)
        port = _free_loopback_port() if tcp else 5432  # with a socket only, the port just names the socket file
        settings = dict(SERVER_SETTINGS, listen_addresses="127.0.0.1" if tcp else "",
                        unix_socket_directories=str(socket_dir), port=str(port))
        command, _ = _as_server_user([str(bindir / "postgres"), "-D", str(data_dir),
                                      *[arg for k, v in settings.items() for arg in ("-c", f"{k}={v}")]])
        with open(base / "server.log", "wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        server = PostgresServer(base=base, data_dir=data_dir, socket_dir=socket_dir, port=port, tcp=tcp,
                                database=database, process=process)
        _wait_ready(server, start_timeout)
        server.create_database(database)
        yield server
    finally:
        if process is not None:
            _stop(process, data_dir, stop_timeout)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the test session (per xdist worker): a :class:`PostgresServer`."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres):
    """SQLAlchemy URL of a new empty database on the session's server."""
    return postgres.create_database()
