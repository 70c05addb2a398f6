"""The readable path: a discrete-event simulator small enough to read in one sitting.

The heart is the kit's one event loop, :class:`course.sim.loop.EventLoop` (a heap of
future events: pop the earliest, move the clock to its time, run its callback, which may
schedule further events; nothing happens between events, so the clock jumps). Three
actors use it:

* a ``Source`` schedules the next external arrival at a node;
* a ``Station`` (one per node) starts service when a server is free, queues customers
  otherwise, turns them away when full and lets them abandon when their patience ends;
* after service, the station routes the customer to the next node or out of the network.

Every random number comes from the node's own streams (see :mod:`course.sim.streams`:
node k draws arrivals, services, patience and routing from streams 4k … 4k+3), so for an
M/M/c queue this engine and the compiled fast path produce identical waits from one seed.

>>> from course.simulation.fast import simulate_mmc
>>> result = simulate_mmc_reference(0.9, 1.0, servers=1, customers=20_000, seed=5, warmup=2_000)
>>> fast = simulate_mmc(0.9, 1.0, servers=1, customers=20_000, seed=5, warmup=2_000)
>>> result.mean_wait == fast.mean_wait
True

Taught in: Ep51 · 2-implementation; planned for Ep53 · 2-implementation (networks).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from course.queueing.erlang import MAX_SERVERS
from course.sim.distributions import Exponential, exponential_with_rate  # noqa: F401 - doctests
from course.sim.loop import EventLoop
from course.sim.streams import random_stream, spawn_generators
from course.simulation.network import Network, Node
from course.simulation.records import NetworkResult, VisitRecords
from course.simulation.results import QueueResult, QueueStatistics, require_run_length
from course.validation import require_int, require_open_unit, require_positive, require_stable

__all__ = ["simulate_network", "simulate_mmc_reference", "MAX_REFERENCE_CUSTOMERS",
           "STREAMS_PER_NODE"]

#: Streams reserved per node: arrivals, service, patience, routing (in that order). The fast
#: path (:mod:`.fast`) draws a single node's arrivals and services from the same two.
STREAMS_PER_NODE = 4

#: Most customers (measured + warm-up) one run of this engine simulates: about 10 s and a few
#: hundred MB of records. Use the fast path (simulate_queue) for longer runs.
MAX_REFERENCE_CUSTOMERS = 1_000_000


class Visit:
    """A customer at one node: who, since when, and whether service has begun."""

    __slots__ = ("customer_id", "arrival_time", "service_start", "service_time")

    def __init__(self, customer_id: int, arrival_time: float):
        self.customer_id = customer_id
        self.arrival_time = arrival_time
        self.service_start = None
        self.service_time = None


class Station:
    """A running node: free servers, a FCFS queue, and what happens at each event."""

    def __init__(self, node: Node, events: EventLoop, records: VisitRecords, generators):
        self.node = node
        self.events = events
        self.records = records
        _, service_rng, patience_rng, routing_rng = generators
        self.service_times = random_stream(lambda size: node.service.sample(service_rng, size))
        if node.patience is not None:
            self.patience = random_stream(lambda size: node.patience.sample(patience_rng, size))
        self.routing_draws = random_stream(routing_rng.random)
        self.free_servers = node.servers
        self.queue = deque()
        self.next_nodes = []  # (cumulative probability, station), set once all stations exist

    def arrive(self, customer_id: int) -> None:
        now = self.events.now
        in_node = self.node.servers - self.free_servers + len(self.queue)
        if self.node.capacity is not None and in_node >= self.node.capacity:
            self.records.blocked(customer_id, self.node.name, now)
            return
        visit = Visit(customer_id, now)
        if self.free_servers > 0:
            self.start_service(visit)
            return
        self.queue.append(visit)
        if self.node.patience is not None:
            self.events.schedule_in(next(self.patience), self.give_up, visit)

    def start_service(self, visit: Visit) -> None:
        visit.service_start = self.events.now
        visit.service_time = next(self.service_times)
        self.free_servers -= 1
        self.events.schedule_in(visit.service_time, self.finish_service, visit)

    def finish_service(self, visit: Visit) -> None:
        now = self.events.now
        self.records.served(visit.customer_id, self.node.name, visit.arrival_time,
                            visit.service_start, now, visit.service_time)
        self.free_servers += 1
        if self.queue:
            self.start_service(self.queue.popleft())
        self.route(visit.customer_id)

    def give_up(self, visit: Visit) -> None:
        if visit.service_start is not None:
            return  # service began before patience ran out: nothing to do
        self.queue.remove(visit)
        self.records.abandoned(visit.customer_id, self.node.name, visit.arrival_time,
                               self.events.now)

    def route(self, customer_id: int) -> None:
        if not self.next_nodes:
            return
        draw = next(self.routing_draws)
        for cumulative, station in self.next_nodes:
            if draw < cumulative:
                station.arrive(customer_id)
                return
        # otherwise the customer leaves the network


class Source:
    """External arrivals to one station; all sources share one customer counter."""

    def __init__(self, station: Station, arrival_rng, counter: dict):
        self.station = station
        self.gaps = random_stream(lambda size: station.node.arrivals.sample(arrival_rng, size))
        self.counter = counter

    def schedule_next(self) -> None:
        self.station.events.schedule_in(next(self.gaps), self.arrive)

    def arrive(self, _=None) -> None:
        if self.counter["created"] == self.counter["total"]:
            return  # another source created the last customer
        customer_id = self.counter["created"]
        self.counter["created"] += 1
        if self.counter["created"] < self.counter["total"]:
            self.schedule_next()
        self.station.arrive(customer_id)


def simulate_network(network: Network, customers: int, seed, *, warmup: int = 0) -> NetworkResult:
    """Run ``network`` until ``warmup + customers`` external arrivals have come and gone.

    ``seed``: whole number or numpy Generator. Returns the tidy visit records
    (``.to_frame()``) and per-node summaries (``.node_summary()``).

    >>> from course.sim.distributions import Deterministic
    >>> desk = Node("desk", servers=1, service=Exponential(1.0), arrivals=Exponential(0.95),
    ...             patience=Deterministic(2.0))
    >>> result = simulate_network(Network([desk]), customers=5_000, seed=1)
    >>> sorted(result.to_frame()["outcome"].unique())
    ['abandoned', 'served']

    Taught in: Ep51 · 3-strategy (timeouts); planned for Ep53 · 2-implementation
    (Jackson networks).
    """
    if not isinstance(network, Network):
        raise ValueError(f"network must be a Network; got {network!r}")
    customers, warmup = require_run_length(customers, warmup, 1, MAX_REFERENCE_CUSTOMERS)
    events, records = EventLoop(), VisitRecords()
    generators = spawn_generators(seed, STREAMS_PER_NODE * len(network.nodes))
    stations = []
    for index, node in enumerate(network.nodes):
        streams = generators[STREAMS_PER_NODE * index : STREAMS_PER_NODE * (index + 1)]
        stations.append(Station(node, events, records, streams))
    for station, row in zip(stations, network.routing):
        cumulative = np.cumsum(row)
        station.next_nodes = [(float(c), target) for c, p, target
                              in zip(cumulative, row, stations) if p > 0]
    counter = {"created": 0, "total": warmup + customers}
    for index, (node, station) in enumerate(zip(network.nodes, stations)):
        if node.arrivals is not None:
            Source(station, generators[STREAMS_PER_NODE * index], counter).schedule_next()
    events.run()
    # The clock may have run past the last departure to a pending arrival another source
    # made redundant, so the run's duration is read from the records.
    duration = max(records.columns["departure_time"], default=0.0)
    return NetworkResult(network, records, customers, warmup, seed, duration, events.events)


def simulate_mmc_reference(
    arrival_rate: float,
    service_rate: float,
    servers: int,
    customers: int,
    seed,
    *,
    warmup: int = 10_000,
    batches: int = 20,
    confidence: float = 0.95,
    keep_waits: bool = False,
) -> QueueResult:
    """Simulate an M/M/c queue with the event-driven engine; same meaning as ``simulate_mmc``.

    >>> result = simulate_mmc_reference(9, 1, 10, customers=20_000, seed=2)
    >>> result.engine, result.customers
    ('reference (event list)', 20000)

    Taught in: Ep51 · 2-implementation.
    """
    arrival_rate = require_positive("arrival_rate", arrival_rate)
    service_rate = require_positive("service_rate", service_rate)
    batches = require_int("batches", batches, minimum=2)
    customers, warmup = require_run_length(customers, warmup, batches, MAX_REFERENCE_CUSTOMERS)
    confidence = require_open_unit("confidence", confidence)
    servers = require_int("servers", servers, minimum=1, maximum=MAX_SERVERS)
    # Checked here so that the message names the arguments, not the internal node.
    require_stable("utilization = arrival_rate / (servers × service_rate)",
                   arrival_rate / (servers * service_rate))
    node = Node("queue", servers=servers,
                service=exponential_with_rate("service_rate", service_rate),
                arrivals=exponential_with_rate("arrival_rate", arrival_rate))
    run = simulate_network(Network([node]), customers, seed, warmup=warmup)
    columns = run.records.columns
    # Records are appended at service end; put the measured customers back in arrival order.
    ids = np.asarray(columns["customer_id"])
    order = np.argsort(ids, kind="stable")
    measured = order[ids[order] >= warmup]
    arrival_times = np.asarray(columns["arrival_time"])[measured]
    statistics = QueueStatistics(customers, batches, keep_waits)
    statistics.add(np.asarray(columns["waiting_time"])[measured],
                   np.asarray(columns["service_time"])[measured],
                   float(arrival_times[0]), float(arrival_times[-1]))
    return statistics.result(
        confidence, servers, model=f"M/M/{servers}", arrival_rate=arrival_rate, warmup=warmup,
        seed=seed, engine="reference (event list)",
    )
