"""A closed-loop load generator: N users, each thinking then waiting for its reply.

Each simulated user is a thread that alternates an exponential think time (mean Z seconds,
from its own seeded stream) with one request to the service, and sends the next request
only after the reply came back — a *closed* system: the load a user offers falls when the
service slows down, as with real people at a screen.

:func:`measure` runs one population for a warm-up and a measured window and returns the
operational quantities of that window: completions, throughput X, mean response time R,
response-time percentiles, and per tier its busy time, utilisation U_k and service demand
D_k = U_k / X (the utilisation law read backwards).

>>> from course.measurement.three_tier import ThreeTierService
>>> with ThreeTierService(seed=2) as service:
...     row = measure(service, users=2, think_time=0.01, duration=0.3, warmup=0.05, seed=2)
>>> row["users"], row["completions"] > 0, 0 < row["utilization_db"] < 1
(2, True, True)

Taught in: Ep53 · 2-implementation.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from course.measurement.three_tier import ThreeTierService, request_once
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["measure", "MAX_USERS", "MAX_SECONDS"]

#: One thread per user: beyond a few hundred the load generator, not the service, saturates.
MAX_USERS = 200
#: Longest measured window or warm-up (s): the measurement runs in real time.
MAX_SECONDS = 600.0


def _user(url, rng, think_time, stop_at, records, errors):
    while True:
        if think_time > 0:
            time.sleep(rng.exponential(think_time))
        started = time.perf_counter()
        if started >= stop_at:
            return
        try:
            request_once(url)
        except OSError as error:  # a refused or timed-out request is counted, never hidden
            errors.append(repr(error))
            return
        records.append((started, time.perf_counter()))


def measure(service: ThreeTierService, users: int, think_time: float, duration: float,
            warmup: float = 1.0, seed: int = 0) -> dict:
    """Drive ``service`` with ``users`` closed-loop users and measure a window of ``duration`` s.

    ``think_time`` Z is the mean think time in seconds (0 = no thinking); the first
    ``warmup`` seconds are not measured. Requests that start in the window count; X is
    completions / ``duration`` (requests/s), R their mean response time (s). Per tier
    ``busy_<tier>`` (s), ``utilization_<tier>`` = busy / duration and ``demand_<tier>``
    = busy / completions (s per request). Raises RuntimeError if any request failed.

    >>> from course.measurement.three_tier import ThreeTierService
    >>> with ThreeTierService(seed=4) as service:
    ...     row = measure(service, users=1, think_time=0, duration=0.2, warmup=0.02, seed=4)
    >>> row["response_p50"] > 0.011     # at least 2 + 5 + 2 x 4 ms of nominal service, usually more
    True
    """
    users = require_int("users", users, minimum=1, maximum=MAX_USERS)
    think_time = require_non_negative("think_time", think_time)
    duration = require_positive("duration", duration)
    warmup = require_non_negative("warmup", warmup)
    if duration > MAX_SECONDS or warmup > MAX_SECONDS:
        raise ValueError(f"duration and warmup must each be at most {MAX_SECONDS:g} s (real time); "
                         f"got {duration:g} and {warmup:g}")
    seed = require_int("seed", seed, minimum=0)
    url = service.url
    generators = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(users)]
    start = time.perf_counter()
    window_start, stop_at = start + warmup, start + warmup + duration
    records: list[tuple[float, float]] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_user, args=(url, g, think_time, stop_at, records, errors),
                                name=f"user-{i}") for i, g in enumerate(generators)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window_start - time.perf_counter()))
    before = service.stats()
    time.sleep(max(0.0, stop_at - time.perf_counter()))
    after = service.stats()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} request(s) failed, first: {errors[0]}")
    times = np.array([end - begin for begin, end in records if window_start <= begin < stop_at])
    if times.size == 0:
        raise RuntimeError("no request completed in the measured window: lengthen duration")
    row = {"users": users, "think_time": think_time, "duration": duration,
           "completions": int(times.size), "throughput": times.size / duration,
           "response_mean": float(times.mean())}
    for q in (50, 95, 99):
        row[f"response_p{q}"] = float(np.percentile(times, q))
    for name in after:
        busy = after[name]["busy"] - before[name]["busy"]
        row[f"busy_{name}"] = busy
        row[f"utilization_{name}"] = busy / duration
        row[f"demand_{name}"] = busy / times.size
    return row
