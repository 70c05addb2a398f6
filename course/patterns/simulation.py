"""Describe a system of clients and services, then run it on the virtual clock.

:class:`Simulation` holds the description — services, clients, faults, seed — checks it
once, and can be run many times: each :meth:`Simulation.run` builds fresh running state
(:class:`~.runtime.Run`), so breakers start closed and queues empty, and returns a
:class:`~.metrics.Result` of tidy records. Two runs with the same seed give identical
records; runs that differ only in their patterns see the same arrivals and service times.

>>> from course.patterns import Client, Dependency, Exponential, Service
>>> simulation = Simulation(
...     services=[Service("api", workers=4, service_time=Exponential(rate=50.0))],
...     clients=[Client("users", arrival_rate=100.0, call=Dependency("api", timeout=1.0))],
...     seed=1)
>>> result = simulation.run(duration=10.0)
>>> result.requests.outcome.value_counts().index[0]
'success'

Taught in: Ep13 · 2-implementation.
"""

from __future__ import annotations

from collections.abc import Sequence

from course.patterns.faults import (
    Crash,
    DelayMessages,
    DropMessages,
    ErrorRate,
    Fault,
    Partition,
    SlowDown,
)
from course.patterns.metrics import Result
from course.patterns.runtime import Run
from course.patterns.topology import Client, Service
from course.sim.streams import seed_entropy
from course.validation import require_non_negative, require_positive

__all__ = ["Simulation"]


class Simulation:
    """A system to simulate: ``services``, ``clients``, ``faults`` and a ``seed``.

    ``network_delay`` (seconds) is added to every message, request and response; 0 keeps
    calls instantaneous and the run fastest. Every source of randomness draws from its own
    stream derived from ``seed`` and the stream's name (see :mod:`course.sim.streams`).
    """

    def __init__(
        self,
        services: Sequence[Service],
        clients: Sequence[Client],
        faults: Sequence[Fault] = (),
        seed=0,
        network_delay: float = 0.0,
    ):
        self.services = list(services)
        self.clients = list(clients)
        self.faults = list(faults)
        self.entropy = seed_entropy(seed)
        self.network_delay = require_non_negative("network_delay", network_delay)
        if not self.clients:
            raise ValueError("clients must name at least one Client")
        names = [node.name for node in self.services + self.clients]
        if len(set(names)) != len(names):
            raise ValueError(f"service and client names must be unique; got {names}")
        if not all(isinstance(s, Service) for s in self.services):
            raise ValueError("services must be Service objects")
        if not all(isinstance(c, Client) for c in self.clients):
            raise ValueError("clients must be Client objects")
        by_name = {service.name: service for service in self.services}
        callers = [(c.name, [c.call]) for c in self.clients] + [
            (s.name, [d for e in s.endpoints.values() for d in e.calls]) for s in self.services]
        for caller, dependencies in callers:
            for dependency in dependencies:
                target = by_name.get(dependency.target)
                if target is None:
                    raise ValueError(f"{caller} calls unknown service {dependency.target!r}")
                if dependency.endpoint not in target.endpoints:
                    raise ValueError(f"{caller} calls unknown endpoint "
                                     f"{dependency.target}/{dependency.endpoint}")
        self._check_faults(set(by_name), set(names))

    def _check_faults(self, service_names: set, node_names: set) -> None:
        intervals: dict = {}
        for fault in self.faults:
            if not isinstance(fault, Fault):
                raise ValueError(f"faults must be Fault objects; got {fault!r}")
            if isinstance(fault, Crash | SlowDown | ErrorRate):
                if fault.service not in service_names:
                    raise ValueError(f"{fault.kind} targets unknown service {fault.service!r}")
                intervals.setdefault((fault.kind, fault.service), []).append(fault)
            nodes = (fault.between if isinstance(fault, DropMessages | DelayMessages)
                     else fault.group_a + fault.group_b if isinstance(fault, Partition) else ())
            unknown = [node for node in nodes if node not in node_names]
            if unknown:
                raise ValueError(f"{fault.kind} names unknown nodes {unknown}")
        for (kind, service), faults in intervals.items():
            faults.sort(key=lambda fault: fault.start)
            for earlier, later in zip(faults, faults[1:]):
                if earlier.end is None or earlier.end > later.start:
                    raise ValueError(f"two {kind} faults overlap on {service!r}: "
                                     f"{earlier} and {later}")

    def run(self, duration: float) -> Result:
        """Simulate ``duration`` seconds; return a :class:`~.metrics.Result`.

        Requests arrive during [0, duration); whatever is still running at ``duration`` is
        recorded with outcome ``in_progress``.
        """
        require_positive("duration", duration)
        return Run(self, float(duration)).execute()
