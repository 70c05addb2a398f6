"""A small three-tier HTTP service on loopback, with controlled service times.

Three standard-library HTTP servers on 127.0.0.1 play a front end, an application tier and a
database-like tier. A request to the front costs one visit there, then one call to the app,
which calls the db ``visits`` times. Each tier has ONE worker (a lock) that it holds for a
drawn service time while "working" (a sleep): so each tier is a single-server FCFS-like
queue, and the three form the closed queueing network of Ep53's model. Waiting for the next
tier does not hold the worker, as in a service that hands a request on and frees its thread.

Each tier counts its own busy time (seconds the worker was held) and visits, so the
utilisation law U = X·D gives service demands from a measurement, as on a real server.

Sleeps make the service times "controlled": the nominal means are the model's inputs, and
what the measurement sees includes the operating system's wake-up delay on top — which is
why the model is built from the *measured* demands, not the nominal ones.

>>> with ThreeTierService(seed=1) as service:
...     reply = request_once(service.url)
>>> sorted(reply), service.stats()["db"]["visits"]
(['downstream_calls', 'tier'], 2)

Taught in: Ep53 · 2-implementation.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from course.validation import require_int, require_positive

__all__ = ["Tier", "DEFAULT_TIERS", "ThreeTierService", "request_once"]

#: Seconds a client waits for one reply before giving up (a hung tier must not hang a notebook).
REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True)
class Tier:
    """One tier: its ``name``, ``visits`` per user request, mean ``service_time`` per visit (s).

    Service times are exponential with this mean, drawn from the tier's own seeded stream.
    """

    name: str
    visits: int
    service_time: float

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        require_int(f"visits of tier {self.name!r}", self.visits, minimum=1, maximum=10)
        require_positive(f"service_time of tier {self.name!r}", self.service_time)
        if self.service_time > 1.0:
            raise ValueError(f"service_time of tier {self.name!r} must be at most 1 s; got {self.service_time:g}")

    @property
    def demand(self) -> float:
        """Nominal service demand D = V·S in seconds per user request."""
        return self.visits * self.service_time


#: front 2 ms, app 5 ms, db 2 visits x 4 ms: nominal demands 2, 5 and 8 ms (db the bottleneck).
DEFAULT_TIERS = (Tier("front", 1, 0.002), Tier("app", 1, 0.005), Tier("db", 2, 0.004))


class _Worker:
    """A tier's single worker: a lock held for a drawn service time, with busy-time counters."""

    def __init__(self, tier: Tier, seed: int):
        self.tier = tier
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._counter_lock = threading.Lock()
        self.busy = 0.0
        self.visits = 0

    def work(self) -> None:
        with self._lock:
            started = time.perf_counter()
            time.sleep(self._rng.expovariate(1.0 / self.tier.service_time))
            held = time.perf_counter() - started
        with self._counter_lock:
            self.busy += held
            self.visits += 1

    def snapshot(self) -> dict:
        with self._counter_lock:
            return {"busy": self.busy, "visits": self.visits}


def _handler(worker: _Worker, downstream: str | None, calls: int):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server dispatches to
            worker.work()
            for _ in range(calls if downstream else 0):
                request_once(downstream)
            body = json.dumps({"tier": worker.tier.name, "downstream_calls": calls if downstream else 0}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # one line per request would flood a notebook
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    # handler threads are joined on close, so a stopped service leaves no thread behind
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128


def request_once(url: str) -> dict:
    """GET ``url`` once and return the decoded JSON reply (raises on an HTTP error or timeout)."""
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as reply:
        return json.loads(reply.read())


class ThreeTierService:
    """Front, app and db tiers on three loopback ports; a context manager that starts and stops them.

    ``tiers``: three :class:`Tier` (front, app, db order); the app calls the db
    ``tiers[2].visits`` times per request and the front calls the app ``tiers[1].visits``
    times. ``seed`` seeds each tier's service-time stream.

    >>> service = ThreeTierService(seed=3).start()
    >>> _ = request_once(service.url); service.stop()
    >>> service.stats()["front"]["visits"]
    1
    """

    def __init__(self, tiers=DEFAULT_TIERS, seed: int = 0):
        tiers = tuple(tiers)
        if len(tiers) != 3 or not all(isinstance(t, Tier) for t in tiers):
            raise ValueError("tiers must be three Tier objects: front, app, db")
        self.tiers = tiers
        self.seed = require_int("seed", seed, minimum=0)
        self._workers = [_Worker(t, self.seed * 1000 + k) for k, t in enumerate(tiers)]
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """The front tier's address (valid while the service runs)."""
        if not self._servers:
            raise ValueError("the service is not running: call start() first")
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}/"

    def start(self) -> ThreeTierService:
        """Bind the three tiers to free loopback ports (db first, so each knows its downstream)."""
        if self._servers:
            raise ValueError("the service is already running")
        downstream = None
        servers = []
        for k in (2, 1, 0):
            calls = self.tiers[k + 1].visits if k < 2 else 0
            server = _Server(("127.0.0.1", 0), _handler(self._workers[k], downstream, calls))
            servers.insert(0, server)
            downstream = f"http://127.0.0.1:{server.server_address[1]}/"
        self._servers = servers
        for server in servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name="three-tier", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving, close the sockets and join every thread the service started."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers, self._threads = [], []

    def __enter__(self) -> ThreeTierService:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stats(self) -> dict:
        """Per tier: ``busy`` seconds its worker was held and ``visits`` served, since start."""
        return {w.tier.name: w.snapshot() for w in self._workers}
