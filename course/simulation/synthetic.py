"""A synthetic request log, as a web server might write it, for practising Little's law.

The log is *synthetic*: produced by the kit's own M/G/c simulator, not measured on a real
system. Each row is one request: when it arrived, when a worker picked it up, when it
finished, and its latency (end − arrival, seconds). Because the generating model is known,
a learner's L = λW computed from the log can be checked against the exact answer.

Taught in: Ep51 · 2-implementation (Little's law with pandas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from course.queueing.erlang import MAX_SERVERS
from course.sim.distributions import Distribution, as_distribution, exponential_with_rate
from course.sim.streams import spawn_generators
from course.simulation.fast import fcfs_start_times
from course.validation import require_int, require_positive, require_stable

__all__ = ["request_log", "MAX_REQUESTS"]

#: Rows one log holds (a million rows is about 40 MB); the cap stops a typo from hanging.
MAX_REQUESTS = 1_000_000


def request_log(
    arrival_rate: float,
    service: Distribution | None = None,
    servers: int = 1,
    requests: int = 10_000,
    seed=0,
) -> pd.DataFrame:
    """Return a SYNTHETIC request log: ``requests`` rows of a FCFS server pool.

    Requests arrive as a Poisson stream at ``arrival_rate`` per second and are served by
    ``servers`` workers with service times from ``service`` (default: exponential with mean
    0.8·servers/arrival_rate, i.e. 80 % utilisation). The system starts empty at time 0.
    Columns: ``request_id``, ``arrival_time``, ``start_time``, ``end_time`` (seconds) and
    ``latency`` = end_time − arrival_time (seconds). Seeded: the same seed gives the same log.

    >>> log = request_log(arrival_rate=100.0, servers=4, requests=5_000, seed=1)
    >>> list(log.columns)
    ['request_id', 'arrival_time', 'start_time', 'end_time', 'latency']
    >>> bool((log["start_time"] >= log["arrival_time"]).all())
    True

    Taught in: Ep51 · 2-implementation.
    """
    arrival_rate = require_positive("arrival_rate", arrival_rate)
    servers = require_int("servers", servers, minimum=1, maximum=MAX_SERVERS)
    requests = require_int("requests", requests, minimum=1, maximum=MAX_REQUESTS)
    if service is None:
        service = exponential_with_rate("arrival_rate / (0.8 × servers)", arrival_rate / (0.8 * servers))
    service = as_distribution("service", service)
    if service.mean is not None:
        require_stable("utilization = arrival_rate × mean service time / servers",
                       arrival_rate * service.mean / servers)
    # Same stream layout as the simulators: stream 0 arrivals, stream 1 service times.
    arrival_rng, service_rng = spawn_generators(seed, 2)
    arrival_times = np.cumsum(arrival_rng.exponential(1.0 / arrival_rate, requests))
    service_times = service.sample(service_rng, requests)
    start_times = fcfs_start_times(arrival_times, service_times, servers)
    end_times = start_times + service_times
    return pd.DataFrame({
        "request_id": np.arange(requests),
        "arrival_time": arrival_times,
        "start_time": start_times,
        "end_time": end_times,
        "latency": end_times - arrival_times,
    })
