"""Queueing networks as objects: nodes (service stations) and the routing between them.

A node is a desk with ``servers`` clerks and a waiting line. Customers reach it from
outside (``arrivals``: the gaps between external arrivals) or from other nodes; after
service a customer moves to node j with probability ``routing[i][j]`` and leaves the
network with the remaining probability. A node may hold at most ``capacity`` customers
(waiting + in service: arrivals finding it full are blocked and lost) and customers may
give up after waiting ``patience`` seconds (they abandon, i.e. renege).

These objects only describe a model; :func:`course.simulation.reference.simulate_network`
runs it. ``arrival_rates()`` solves the traffic equations λ = γ + λP, the rates a Jackson
network's nodes see (ignoring blocking and abandonment, which can only lower them).

>>> from course.sim.distributions import Exponential
>>> web = Node("web", servers=1, service=Exponential(10.0), arrivals=Exponential(4.0))
>>> db = Node("db", servers=1, service=Exponential(12.0))
>>> network = Network([web, db], routing={"web": {"db": 0.5}, "db": {"web": 0.2}})
>>> network.arrival_rates().round(4).tolist()
[4.4444, 2.2222]

Planned for Ep53 · 1-foundations (Jackson networks), 2-implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course.queueing.erlang import MAX_SERVERS
from course.sim.distributions import Distribution, as_distribution
from course.validation import require_int, require_probability, require_stable

__all__ = ["Node", "Network"]


@dataclass(frozen=True)
class Node:
    """One service station: ``servers`` parallel servers sharing one FCFS queue.

    ``service``: service-time distribution (s). ``arrivals``: distribution of the gaps
    between external arrivals (s), or None if customers only come from other nodes.
    ``capacity``: most customers the node holds (None = unlimited). ``patience``: how long
    (s) a waiting customer stays before abandoning (None = forever); it applies to time in
    the queue only, as with a request timeout that is cancelled once work has started.
    """

    name: str
    servers: int
    service: Distribution
    arrivals: Distribution | None = None
    capacity: int | None = None
    patience: Distribution | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        object.__setattr__(
            self, "servers", require_int("servers", self.servers, minimum=1, maximum=MAX_SERVERS)
        )
        object.__setattr__(self, "service", as_distribution("service", self.service))
        if self.arrivals is not None:
            object.__setattr__(self, "arrivals", as_distribution("arrivals", self.arrivals))
        if self.capacity is not None:
            object.__setattr__(
                self, "capacity", require_int("capacity", self.capacity, minimum=self.servers)
            )
        if self.patience is not None:
            object.__setattr__(self, "patience", as_distribution("patience", self.patience))

    @property
    def external_rate(self) -> float | None:
        """External arrival rate γ (customers/s): 1 / mean gap, 0 without arrivals, None if unknown."""
        if self.arrivals is None:
            return 0.0
        if self.arrivals.mean is None:
            return None
        return 1.0 / self.arrivals.mean


class Network:
    """Nodes plus routing probabilities; ``routing`` is a square matrix in node order or a dict
    ``{from_name: {to_name: probability}}``. Missing entries are 0."""

    def __init__(self, nodes: list[Node], routing=None):
        if isinstance(nodes, Node):
            nodes = [nodes]
        try:
            nodes = list(nodes)
        except TypeError:
            nodes = []
        if not nodes or not all(isinstance(node, Node) for node in nodes):
            raise ValueError("nodes must be a non-empty list of Node objects")
        names = [node.name for node in nodes]
        if len(set(names)) != len(names):
            raise ValueError(f"node names must be unique; got {names}")
        if not any(node.arrivals is not None for node in nodes):
            raise ValueError("at least one node needs external arrivals (arrivals=...)")
        self.nodes = nodes
        self.routing = _routing_matrix(routing, names)
        self._check_stable()

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    def arrival_rates(self) -> np.ndarray:
        """Total arrival rate at each node (customers/s) from λ = γ + λP, without losses."""
        external = [node.external_rate for node in self.nodes]
        if None in external:
            raise ValueError("arrival rates are unknown: give each arrivals sampler a mean")
        try:
            return np.linalg.solve(np.eye(len(self.nodes)) - self.routing.T, external)
        except np.linalg.LinAlgError:
            raise ValueError("routing must let every customer leave the network eventually") from None

    def _check_stable(self) -> None:
        if any(node.external_rate is None for node in self.nodes):
            return
        rates = self.arrival_rates()
        if np.any(rates < -1e-12):
            raise ValueError("routing must let every customer leave the network eventually")
        for node, rate in zip(self.nodes, rates):
            # Loss (capacity) and abandonment (patience) keep a node stable at any load.
            if node.capacity is None and node.patience is None and node.service.mean is not None:
                require_stable(f"utilization of node {node.name!r}",
                               rate * node.service.mean / node.servers)

    def __repr__(self):
        return f"Network({self.names})"


def _routing_matrix(routing, names: list[str]) -> np.ndarray:
    size = len(names)
    if routing is None:
        matrix = np.zeros((size, size))
    elif isinstance(routing, dict):
        matrix = np.zeros((size, size))
        for source, targets in routing.items():
            if not isinstance(targets, dict):
                raise ValueError(
                    f"routing[{source!r}] must be a dict {{to_name: probability}}; got {targets!r}"
                )
            for target, probability in targets.items():
                for name in (source, target):
                    if name not in names:
                        raise ValueError(f"routing names an unknown node {name!r}; nodes: {names}")
                matrix[names.index(source), names.index(target)] = require_probability(
                    f"routing[{source!r}][{target!r}]", probability
                )
    else:
        try:
            matrix = np.asarray(routing, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"routing must be a {size}×{size} matrix of probabilities or a dict "
                "{from_name: {to_name: probability}}"
            ) from None
    if matrix.shape != (size, size):
        raise ValueError(f"routing must be a {size}×{size} matrix; got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0) or np.any(matrix > 1):
        raise ValueError("routing probabilities must lie in [0, 1]")
    if np.any(matrix.sum(axis=1) > 1 + 1e-9):
        raise ValueError("routing: each row (the probabilities of leaving a node) must sum to <= 1")
    return matrix
