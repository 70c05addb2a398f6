"""One execution of a simulation: the running state and the request's life as callbacks.

:class:`Run` is built by :meth:`course.patterns.Simulation.run` from the immutable
description; everything mutable (queues, breakers, bulkheads, budgets, records) lives here,
so every run starts fresh. Each step of a request is one small method, called directly or
scheduled on the :class:`~course.sim.loop.EventLoop`:

``_client_arrival`` → ``_next_call`` → ``_attempt`` (breaker, timer, bulkhead) →
``_arrive`` (up? failing? worker, shed, queue or reject) → ``_start`` (service time) →
``_local_done`` → ``_next_call`` … → ``_finish`` → ``_respond`` →
``_call_result`` (release bulkhead, feed breaker) → next call, or ``_after_failure``
(retry with backoff, fallback ladder, or fail upwards).

Speed comes from what is *not* done per event: no DataFrames, no sets (dicts keep
insertion order, so runs are reproducible), no per-call timeout events (a
:class:`~.timers.TimerQueue` per call site), random numbers drawn in blocks, records
appended as flat numbers to ``array('d')`` and turned into numpy arrays once, at the end.
With no network delay and no network fault, messages are delivered by a direct call.

Taught in: Ep13 · 2-implementation (how the simulator works).
"""

from __future__ import annotations

import gc
import math
import time
from array import array
from collections import deque

from course.patterns.breaker import CircuitBreaker
from course.patterns.metrics import Result
from course.patterns.outcomes import (
    BULKHEAD_FULL,
    CONNECTION_ERROR,
    DEGRADED,
    ERROR,
    IN_PROGRESS,
    REJECTED,
    SHED,
    SHORT_CIRCUITED,
    SUCCESS,
    TIMEOUT,
)
from course.patterns.timers import TimerQueue
from course.sim.loop import EventLoop
from course.sim.streams import random_stream, stream_generator

__all__ = ["Run", "Job"]

_NAN = math.nan


class Job:
    """One request at one node: a client's request, or one attempt of a call to a service.

    As a *callee* it has an ``arrival``, a ``start`` and a ``parent`` (the caller's job)
    that is ``waiting`` for it; as a *caller* it walks through its route's calls (``step``,
    ``tries``) with at most one call ``pending`` at a time.
    """

    __slots__ = ("request_id", "node", "route", "parent", "arrival", "start", "sent",
                 "attempt", "waiting", "permit", "epoch", "step", "tries", "pending", "level",
                 "previous_sleep")

    def __init__(self, request_id, node, route, parent, sent, attempt):
        self.request_id = request_id
        self.node = node
        self.route = route
        self.parent = parent
        self.sent = sent
        self.attempt = attempt
        self.arrival = _NAN
        self.start = _NAN
        self.waiting = True
        self.permit = False
        self.epoch = 0
        self.step = 0
        self.tries = 0
        self.pending = None
        self.level = 0
        self.previous_sleep = 0.0


class Node:
    """Running state of a service, or of a client (a node with unlimited workers)."""

    def __init__(self, index: int, name: str, is_client: bool):
        self.index = index
        self.name = name
        self.is_client = is_client
        self.workers = math.inf
        self.queue_capacity = math.inf
        self.busy = 0
        self.queue: deque = deque()
        self.active: dict = {}  # jobs holding a worker (a dict: ordered, unlike a set)
        self.up = True
        self.epoch = 0  # bumped by a crash, so callbacks of lost work can tell
        self.routes: dict = {}
        self.links: dict = {}  # target name -> Link
        self.shedding = None
        self.degradation = None
        self.error_probability = 0.0
        self.error_status = 500
        self.slow = False
        self.factor = 1.0
        self.extra_latency = 0.0
        self.uniform = None


class Route:
    """Running state of an endpoint: its service-time stream and its call sites."""

    __slots__ = ("name", "draw", "calls", "dependencies")

    def __init__(self, name, draw, dependencies):
        self.name = name
        self.draw = draw
        self.dependencies = dependencies
        self.calls: list = []


class Link:
    """What a caller keeps per target, shared by its call sites: breaker, bulkhead, budget."""

    __slots__ = ("caller", "target", "breaker_config", "bulkhead_spec", "budget_spec",
                 "breaker", "bulkhead", "budget", "uniform")

    def reset(self, now=None) -> None:
        """Fresh state (at start, or when the caller restarts after a crash)."""
        if self.breaker is None and self.breaker_config is not None:
            self.breaker = CircuitBreaker(self.breaker_config, jitter_draws=self.uniform)
        elif self.breaker is not None:
            self.breaker.reset(now)
        self.bulkhead = None if self.bulkhead_spec is None else self.bulkhead_spec.state()
        self.budget = None if self.budget_spec is None else self.budget_spec.bucket()


class Site:
    """A call site: one Dependency of one route, bound to its target and its link."""

    __slots__ = ("target", "target_route", "link", "timer", "retry", "fallback", "is_failure",
                 "skip_at_level", "base")


class Run:
    """One execution of a :class:`~.simulation.Simulation` for ``duration`` seconds."""

    def __init__(self, simulation, duration: float):
        self.simulation = simulation
        self.duration = duration
        self.loop = EventLoop()
        self.entropy = simulation.entropy
        self.network_delay = simulation.network_delay
        self.network_faults: list = []
        self.links: dict = {}  # (from index, to index) -> (drop probability, extra delay)
        self.direct = self.network_delay == 0  # deliver messages by a plain call
        self.jobs = array("d")
        self.calls = array("d")
        self.next_request_id = 0
        self.nodes: dict[str, Node] = {}
        for service in simulation.services:
            self._add_service(service)
        for client in simulation.clients:
            self._add_client(client)
        for node in self.nodes.values():
            for route in node.routes.values():
                route.calls = [self._site(node, dependency) for dependency in route.dependencies]
        self.network_uniform = self._stream("network", "uniform")

    # ------------------------------------------------------------------ construction
    def _stream(self, name: str, kind: str, sample=None):
        rng = stream_generator(self.entropy, f"{name}:{kind}")
        if sample is None:
            return random_stream(rng.random)
        return random_stream(lambda size: sample(rng, size))

    def _add_service(self, service) -> None:
        node = Node(len(self.nodes), service.name, is_client=False)
        node.workers = service.workers
        node.queue_capacity = service.queue_capacity
        node.shedding = service.shedding
        node.degradation = service.degradation
        node.uniform = self._stream(service.name, "uniform")
        for name, endpoint in service.endpoints.items():
            draw = None
            if endpoint.service_time is not None:
                draw = self._stream(service.name, f"service:{name}", endpoint.service_time.sample)
            node.routes[name] = Route(name, draw, endpoint.calls)
        self.nodes[service.name] = node

    def _add_client(self, client) -> None:
        node = Node(len(self.nodes), client.name, is_client=True)
        node.routes["request"] = Route("request", None, (client.call,))
        node.rates = client.rates
        node.segment_ends = client.change_times[1:] + (math.inf,)
        node.segment = 0
        node.gaps = self._stream(client.name, "arrivals",
                                 lambda rng, size: rng.standard_exponential(size))
        self.nodes[client.name] = node

    def _site(self, caller: Node, dependency) -> Site:
        target = self.nodes[dependency.target]
        budget_spec = None if dependency.retry is None else dependency.retry.budget
        link = caller.links.get(target.name)
        if link is None:
            link = Link()
            link.caller, link.target = caller, target
            link.breaker_config = dependency.breaker
            link.bulkhead_spec = dependency.bulkhead
            link.budget_spec = budget_spec
            link.breaker = None
            link.uniform = self._stream(f"{caller.name}->{target.name}", "uniform")
            link.reset()
            caller.links[target.name] = link
        else:
            for what, mine, shared in (("breaker", dependency.breaker, link.breaker_config),
                                       ("bulkhead", dependency.bulkhead, link.bulkhead_spec),
                                       ("retry budget", budget_spec, link.budget_spec)):
                if mine != shared:
                    raise ValueError(f"calls from {caller.name} to {target.name} must share one "
                                     f"{what} configuration")
        site = Site()
        site.target = target
        site.target_route = target.routes[dependency.endpoint]
        site.link = link
        site.timer = None
        if dependency.timeout is not None:
            site.timer = TimerQueue(self.loop, dependency.timeout, self._on_timeout, _is_waiting)
        site.retry = dependency.retry
        site.fallback = dependency.fallback
        site.is_failure = dependency.is_failure
        site.skip_at_level = dependency.skip_at_level
        site.base = 0.0 if dependency.retry is None else dependency.retry.backoff.base
        return site

    # ------------------------------------------------------------------ execution
    def execute(self) -> Result:
        """Run the event loop to ``duration``; return the records as a Result."""
        loop = self.loop
        for node in self.nodes.values():
            if node.is_client:
                self._schedule_arrival(node, 0.0)
        for fault in self.simulation.faults:
            if fault.start < self.duration:
                loop.schedule_at(fault.start, fault.apply, self)
                if fault.end is not None and fault.end < self.duration:
                    loop.schedule_at(fault.end, fault.revert, self)
        collecting = gc.isenabled()
        # Millions of short-lived objects without cycles: the cycle collector only slows us.
        gc.disable()
        started = time.perf_counter()
        try:
            loop.run(self.duration)
        finally:
            if collecting:
                gc.enable()
        wall_time = time.perf_counter() - started
        for node in self.nodes.values():
            for job in list(node.active) + list(node.queue):
                self._record(job, IN_PROGRESS, 0, _NAN)
        return Result(
            jobs=self.jobs, calls=self.calls,
            nodes=[(node.name, node.is_client, node.workers) for node in self.nodes.values()],
            breakers=[(link.caller.name, link.target.name, link.breaker.transitions)
                      for node in self.nodes.values() for link in node.links.values()
                      if link.breaker is not None],
            faults=self.simulation.faults, duration=self.duration, events=loop.events,
            wall_time=wall_time,
        )

    def _record(self, job: Job, outcome: int, status: int, end: float) -> None:
        parent = job.parent
        self.jobs.extend((job.request_id, job.node.index,
                          -1 if parent is None else parent.node.index, job.arrival, job.start,
                          end, outcome, status, job.level, job.attempt))

    # ------------------------------------------------------------------ clients
    def _schedule_arrival(self, node: Node, now: float) -> None:
        # Piecewise-constant rate: spend one Exp(1) draw across the rate segments.
        remaining = next(node.gaps)
        segment = node.segment
        while True:
            rate, end = node.rates[segment], node.segment_ends[segment]
            if rate > 0:
                arrival = now + remaining / rate
                if arrival <= end:
                    break
                remaining -= rate * (end - now)
            if end == math.inf:
                return
            now = end
            segment += 1
        node.segment = segment
        if arrival < self.duration:
            self.loop.schedule_at(arrival, self._client_arrival, node)

    def _client_arrival(self, node: Node) -> None:
        now = self.loop.now
        self.next_request_id += 1
        root = Job(self.next_request_id, node, node.routes["request"], None, now, 1)
        root.arrival = root.start = now
        root.waiting = False
        node.active[root] = None
        self._schedule_arrival(node, now)
        self._next_call(root)

    # ------------------------------------------------------------------ callee side
    def _arrive(self, job: Job) -> None:
        node = job.node
        now = job.arrival = self.loop.now
        if not node.up:
            return self._respond(job, CONNECTION_ERROR, 0)
        if node.error_probability and next(node.uniform) < node.error_probability:
            return self._respond(job, ERROR, node.error_status)
        job.epoch = node.epoch
        if node.busy < node.workers:
            node.busy += 1
            return self._start(job)
        queue = node.queue
        if node.shedding is not None:
            oldest_wait = now - queue[0].arrival if queue else 0.0
            if node.shedding.shed(len(queue), oldest_wait):
                return self._respond(job, SHED, 503)
        if len(queue) < node.queue_capacity:
            queue.append(job)
        else:
            self._respond(job, REJECTED, 503)

    def _start(self, job: Job) -> None:
        node = job.node
        job.start = self.loop.now
        node.active[job] = None
        draw = job.route.draw
        work = 0.0 if draw is None else next(draw)
        if node.slow:
            work = work * node.factor + node.extra_latency
        if work > 0:
            self.loop.schedule_in(work, self._local_done, job)
        else:
            self._next_call(job)

    def _local_done(self, job: Job) -> None:
        if job.epoch == job.node.epoch:
            self._next_call(job)

    def _finish(self, job: Job, outcome: int, status: int) -> None:
        node = job.node
        del node.active[job]
        if node.is_client:
            self.jobs.extend((job.request_id, node.index, -1, job.arrival, job.start,
                              self.loop.now, outcome, status, job.level, job.attempt))
            return
        queue = node.queue
        if queue:
            self._start(queue.popleft())
        else:
            node.busy -= 1
        self._respond(job, outcome, status)

    def _respond(self, job: Job, outcome: int, status: int) -> None:
        parent = job.parent
        self.jobs.extend((job.request_id, job.node.index, parent.node.index, job.arrival,
                          job.start, self.loop.now, outcome, status, job.level, job.attempt))
        if not job.waiting:
            return  # nobody listens any more: the caller timed out or crashed
        if self.direct:
            return self._deliver(job, outcome, status)
        self._send(job, parent.node, job.node, self._deliver_message, (job, outcome, status))

    def _deliver_message(self, response: tuple) -> None:
        self._deliver(*response)

    def _deliver(self, child: Job, outcome: int, status: int) -> None:
        if not child.waiting:
            return
        child.waiting = False
        parent = child.parent
        parent.pending = None
        if child.level > parent.level:
            parent.level = child.level
        self._call_result(parent, child, outcome, status)

    def _send(self, job: Job, receiver: Node, sender: Node, callback, message) -> None:
        delay = self.network_delay
        link = self.links.get((sender.index, receiver.index))
        if link is not None:
            drop, extra = link
            if drop and next(self.network_uniform) < drop:
                return  # lost: the caller hears nothing and will time out
            delay += extra
        if delay > 0:
            self.loop.schedule_in(delay, callback, message)
        else:
            callback(message)

    # ------------------------------------------------------------------ caller side
    def _next_call(self, job: Job) -> None:
        calls = job.route.calls
        if job.step < len(calls):
            site = calls[job.step]
            if site.skip_at_level is not None and self._level(job.node) >= site.skip_at_level:
                return self._fallback(job, site, ERROR, 503)
            job.tries = 0
            job.previous_sleep = site.base
            return self._attempt(job)
        self._finish(job, DEGRADED if job.level else SUCCESS, 200)

    def _level(self, node: Node) -> int:
        if node.degradation is None:
            return 0
        return node.degradation.level((node.busy + len(node.queue)) / node.workers)

    def _attempt(self, job: Job) -> None:
        site = job.route.calls[job.step]
        link = site.link
        now = self.loop.now
        job.tries += 1
        if job.tries == 1 and link.budget is not None:
            link.budget.deposit()
        child = Job(job.request_id, site.target, site.target_route, job, now, job.tries)
        breaker = link.breaker
        if breaker is not None and not breaker.allow(now):
            child.waiting = False
            return self._call_result(job, child, SHORT_CIRCUITED, 0)
        job.pending = child
        if site.timer is not None:
            site.timer.start(child)
        bulkhead = link.bulkhead
        if bulkhead is not None:
            if bulkhead.in_use < bulkhead.max_concurrent:
                bulkhead.in_use += 1
                child.permit = True
            elif len(bulkhead.waiting) < bulkhead.queue_capacity:
                bulkhead.waiting.append(child)
                return
            else:
                bulkhead.refused += 1
                child.waiting = False
                job.pending = None
                return self._call_result(job, child, BULKHEAD_FULL, 0)
        if self.direct:
            self._arrive(child)
        else:
            self._send(child, child.node, job.node, self._arrive, child)

    def _release(self, bulkhead) -> None:
        waiting = bulkhead.waiting
        while waiting:
            child = waiting.popleft()
            if child.waiting:  # its caller has not timed out meanwhile: hand the permit over
                child.permit = True
                if self.direct:
                    return self._arrive(child)
                return self._send(child, child.node, child.parent.node, self._arrive, child)
        bulkhead.in_use -= 1

    def _on_timeout(self, child: Job) -> None:
        child.waiting = False
        parent = child.parent
        parent.pending = None
        bulkhead = parent.route.calls[parent.step].link.bulkhead
        if bulkhead is not None and not child.permit and child in bulkhead.waiting:
            bulkhead.waiting.remove(child)  # it timed out still waiting for a permit
        self._call_result(parent, child, TIMEOUT, 0)

    def _call_result(self, job: Job, child: Job, outcome: int, status: int) -> None:
        site = job.route.calls[job.step]
        link = site.link
        now = self.loop.now
        if child.permit:
            child.permit = False
            self._release(link.bulkhead)
        self.calls.extend((job.request_id, job.node.index, site.target.index, child.attempt,
                           child.sent, now, outcome, status))
        breaker = link.breaker
        if breaker is not None and outcome != SHORT_CIRCUITED:
            # An answered call (success, degraded) is never a failure: skip the predicate.
            breaker.record(now, outcome > DEGRADED and site.is_failure(outcome, status))
        if outcome <= DEGRADED:
            job.step += 1
            return self._next_call(job)
        self._after_failure(job, site, outcome, status)

    def _after_failure(self, job: Job, site: Site, outcome: int, status: int) -> None:
        retry = site.retry
        budget = site.link.budget
        if (retry is not None and job.tries < retry.max_attempts
                and retry.retry_on(outcome, status) and (budget is None or budget.withdraw())):
            delay = retry.backoff.delay(job.tries - 1, job.previous_sleep, next(site.link.uniform))
            job.previous_sleep = delay
            if delay > 0:
                self.loop.schedule_in(delay, self._retry, job)
            else:
                self._attempt(job)
        elif site.fallback is not None:
            self._fallback(job, site, outcome, status)
        else:
            self._fail(job, outcome, status)

    def _retry(self, job: Job) -> None:
        if job.epoch == job.node.epoch:
            self._attempt(job)

    def _fallback(self, job: Job, site: Site, outcome: int, status: int) -> None:
        fallback = site.fallback
        if fallback is None:  # a skipped call with nothing to fall back on: go without it
            level, latency = 1, 0.0
        else:
            level = fallback.choose(site.link.uniform)
            if level == 0:
                return self._fail(job, outcome, status)
            latency = fallback.latency(level)
        job.level = max(job.level, level)
        job.step += 1
        if latency > 0:
            self.loop.schedule_in(latency, self._local_done, job)
        else:
            self._next_call(job)

    def _fail(self, job: Job, outcome: int, status: int) -> None:
        if job.node.is_client:  # the request ends as the client's call ended
            self._finish(job, outcome, status)
        else:
            self._finish(job, ERROR, 504 if outcome == TIMEOUT else 502)

    # ------------------------------------------------------------------ fault effects
    def crash(self, name: str) -> None:
        """Service ``name`` goes down: its work in progress and queue end in connection errors."""
        node = self.nodes[name]
        node.up = False
        node.epoch += 1
        victims = list(node.active) + list(node.queue)
        node.active.clear()
        node.queue.clear()
        node.busy = 0
        for job in victims:
            if job.pending is not None:
                job.pending.waiting = False
                job.pending = None
            self._respond(job, CONNECTION_ERROR, 0)
        # A restarted process forgets its in-memory breakers, bulkheads and budgets.
        for link in node.links.values():
            link.reset(self.loop.now)
        for route in node.routes.values():
            for site in route.calls:
                if site.timer is not None:
                    site.timer.clear()

    def recover(self, name: str) -> None:
        """Service ``name`` is back, empty."""
        self.nodes[name].up = True

    def set_network_faults(self, faults: list) -> None:
        """Recompute every link's loss probability and extra delay from the active faults."""
        self.network_faults = faults
        links: dict = {}
        for fault in faults:
            for a, b, drop, delay in fault.effects():
                for sender, receiver in ((a, b), (b, a)):
                    key = (self.nodes[sender].index, self.nodes[receiver].index)
                    kept, added = links.get(key, (0.0, 0.0))
                    links[key] = (1.0 - (1.0 - kept) * (1.0 - drop), added + delay)
        self.links = links
        self.direct = self.network_delay == 0 and not links


def _is_waiting(job: Job) -> bool:
    return job.waiting
