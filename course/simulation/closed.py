"""A closed network simulated on the kit's event loop: N users, think time, a fixed route.

The open-network engine (:mod:`course.simulation.reference`) brings customers from outside;
a measured service driven by a closed-loop load generator has a fixed population instead.
Here each of ``users`` users thinks for an exponential time (mean ``think_time`` s), then
sends a request that visits the stations of ``route`` in order (a name may repeat: the db
visited twice), each a single FCFS server with exponential service of the station's mean;
when the request leaves the last station the user thinks again. Product-form assumptions
hold, so Mean Value Analysis (:func:`course.queueing.networks.mva`) is exact for the means
and a long run must agree with it to within its confidence interval.

>>> run = simulate_closed({"a": 0.010, "b": 0.020}, ["a", "b"], users=5, think_time=0.1,
...                       duration=200.0, seed=1)
>>> round(run.throughput, 1), run.completions > 5000
(33.1, True)

Taught in: Ep53 · 2-implementation.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from course.sim.loop import EventLoop
from course.sim.streams import random_stream, spawn_generators
from course.simulation.results import student_t_interval
from course.validation import require_int, require_non_negative, require_positive

__all__ = ["ClosedRun", "simulate_closed", "MAX_CLOSED_USERS", "MAX_CLOSED_REQUESTS"]

#: More users than this is a typo, not a model of a service (and would allocate per-user state).
MAX_CLOSED_USERS = 10_000
#: Requests one run may simulate (about 10 s of event loop): a longer run is a typo, not a plan.
MAX_CLOSED_REQUESTS = 2_000_000


@dataclass(frozen=True)
class ClosedRun:
    """Results of one run, measured after the warm-up: ``throughput`` (requests/s),
    ``response_mean`` (s, excluding think time), its 95 % batch-means interval
    ``response_ci`` (s), ``utilization`` per station name, ``completions`` and the
    individual ``response_times`` (s)."""

    throughput: float
    response_mean: float
    response_ci: tuple[float, float]
    utilization: dict
    completions: int
    response_times: np.ndarray


def simulate_closed(service_times: dict, route, users: int, think_time: float, duration: float,
                    seed, warmup: float | None = None, batches: int = 20) -> ClosedRun:
    """Simulate ``users`` closed-loop users for ``duration`` seconds of virtual time after ``warmup``.

    ``service_times``: station name -> mean service time per visit (s, exponential);
    ``route``: station names in the order a request visits them; ``warmup`` defaults to
    a tenth of ``duration``. ``batches`` equal time slices give the response-time interval.
    """
    if not isinstance(service_times, dict) or not service_times:
        raise ValueError("service_times must be a non-empty dict: station name -> mean seconds")
    means = {name: require_positive(f"service_times[{name!r}]", s) for name, s in service_times.items()}
    try:
        names = sorted(means)  # the order fixes which random stream each station draws from
    except TypeError:
        raise ValueError("service_times must name its stations all alike (text, say); "
                         f"got {list(means)!r}") from None
    if isinstance(route, str | bytes) or not hasattr(route, "__iter__"):
        raise ValueError(f"route must be a list of station names from {names}; got {route!r}")
    route = list(route)
    if not route or any(name not in means for name in route):
        raise ValueError(f"route must be a non-empty list of station names from {names}; got {route}")
    users = require_int("users", users, minimum=1, maximum=MAX_CLOSED_USERS)
    think_time = require_non_negative("think_time", think_time)
    duration = require_positive("duration", duration)
    warmup = duration / 10 if warmup is None else require_non_negative("warmup", warmup)
    batches = require_int("batches", batches, minimum=2, maximum=1000)

    cycle = think_time + sum(means[name] for name in route)
    expected = (warmup + duration) * users / cycle     # requests a run would simulate, at most
    if expected > MAX_CLOSED_REQUESTS:
        raise ValueError(f"duration is too long for this network: about {expected:,.0f} requests "
                         f"(at most {MAX_CLOSED_REQUESTS:,}); shorten duration or warmup")
    think_rng, *station_rngs = spawn_generators(seed, 1 + len(names))
    think = random_stream(lambda n: think_rng.exponential(think_time, n)) if think_time > 0 else None
    service = {name: random_stream(lambda n, g=g, m=means[name]: g.exponential(m, n))
               for name, g in zip(names, station_rngs)}
    queues = {name: deque() for name in names}
    busy_since = {name: None for name in names}
    busy = dict.fromkeys(names, 0.0)
    loop = EventLoop()
    start, end = warmup, warmup + duration
    sent = [0.0] * users
    finished: list[tuple[float, float]] = []

    def count_busy(name, now):
        began = busy_since[name]
        if began is not None:
            busy[name] += max(0.0, min(now, end) - max(began, start))

    def arrive(job):
        user, step = job
        name = route[step]
        queues[name].append(job)
        if busy_since[name] is None:
            begin(name)

    def begin(name):
        busy_since[name] = loop.now
        loop.schedule_in(next(service[name]), depart, name)

    def depart(name):
        user, step = queues[name].popleft()
        count_busy(name, loop.now)
        busy_since[name] = None
        if queues[name]:
            begin(name)
        if step + 1 < len(route):
            arrive((user, step + 1))
        else:
            finished.append((sent[user], loop.now))
            loop.schedule_in(next(think) if think else 0.0, submit, user)

    def submit(user):
        sent[user] = loop.now
        arrive((user, 0))

    for user in range(users):
        loop.schedule_in(next(think) if think else 0.0, submit, user)
    loop.run(until=end)
    for name in names:
        count_busy(name, end)

    done = np.array([(s, f) for s, f in finished if start <= s and f <= end])
    if done.size == 0:
        raise ValueError("duration is too short: no request completed after the warm-up")
    responses = done[:, 1] - done[:, 0]
    slices = np.minimum(((done[:, 0] - start) / duration * batches).astype(int), batches - 1)
    batch_means = [responses[slices == b].mean() for b in range(batches) if np.any(slices == b)]
    if len(batch_means) < 2:
        raise ValueError(f"duration is too short for an interval: requests completed in only one of "
                         f"the {batches} batches; lengthen duration or use fewer batches")
    interval = student_t_interval(batch_means, 0.95)
    return ClosedRun(
        throughput=len(responses) / duration,
        response_mean=float(responses.mean()),
        response_ci=(float(interval.low), float(interval.high)),
        utilization={name: busy[name] / duration for name in names},
        completions=len(responses),
        response_times=responses,
    )
