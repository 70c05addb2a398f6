"""Consumer groups on a partitioned log: who reads which partition, rebalancing, and lag.

A topic is split into partitions, each an append-only log with its own offsets. A
**consumer group** shares the work: every partition is read by exactly one consumer of the
group (so each partition's order is kept), a consumer may own several partitions, and
consumers beyond the number of partitions sit **idle** — adding a fifth consumer to four
partitions adds nothing. Another group reads the same partitions independently, with its
own offsets.

When a consumer joins or leaves, the group **rebalances**: partitions are reassigned. The
eager protocol revokes every partition first (everyone pauses); the cooperative one moves
only the partitions whose owner changes (:func:`moved_partitions`).

**Consumer lag** is how far a consumer's committed offset trails the end of the log, in
messages (or in seconds: messages ÷ the rate it catches up at). :func:`lag_over_time` is a
fluid model: each partition receives ``publish_rate / partitions`` messages/s and its owner
splits its ``consumer_rate`` evenly between the partitions it owns; lag grows linearly where
a partition's share of the consumer is slower than its input, and drains where it is faster.

>>> assign(partitions=4, consumers=6)
{'c0': (0,), 'c1': (1,), 'c2': (2,), 'c3': (3,), 'c4': (), 'c5': ()}
>>> assign(partitions=5, consumers=2)
{'c0': (0, 1, 2), 'c1': (3, 4)}

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

import numpy as np

from course.validation import require_int, require_non_negative, require_positive

__all__ = ["assign", "idle_consumers", "moved_partitions", "lag_over_time"]

STRATEGIES = ("range", "round-robin")
#: Most partitions or consumers of one group (Kafka clusters hold far fewer per topic).
MAX_MEMBERS = 100_000


def assign(partitions: int, consumers: int, strategy: str = "range") -> dict[str, tuple[int, ...]]:
    """Partition numbers owned by each consumer ``c0``, ``c1``, … of one group.

    ``range`` (Kafka's default range assignor for one topic): the first ``partitions mod
    consumers`` consumers get one partition more, in consecutive blocks. ``round-robin``:
    partition i goes to consumer i mod consumers.
    """
    partitions = require_int("partitions", partitions, minimum=1, maximum=MAX_MEMBERS)
    consumers = require_int("consumers", consumers, minimum=1, maximum=MAX_MEMBERS)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    owned: dict[str, list[int]] = {f"c{c}": [] for c in range(consumers)}
    if strategy == "round-robin":
        for p in range(partitions):
            owned[f"c{p % consumers}"].append(p)
    else:
        share, extra = divmod(partitions, consumers)
        start = 0
        for c in range(consumers):
            count = share + (1 if c < extra else 0)
            owned[f"c{c}"] = list(range(start, start + count))
            start += count
    return {name: tuple(parts) for name, parts in owned.items()}


def idle_consumers(assignment: dict[str, tuple[int, ...]]) -> list[str]:
    """The consumers that own no partition.

    >>> idle_consumers(assign(2, 3))
    ['c2']
    """
    return [name for name, parts in assignment.items() if not parts]


def moved_partitions(before: dict[str, tuple[int, ...]], after: dict[str, tuple[int, ...]]) -> list[int]:
    """Partitions whose owner differs between two assignments (what a cooperative rebalance moves).

    >>> moved_partitions(assign(6, 2), assign(6, 3))
    [2, 4, 5]
    """
    owner_before = {p: c for c, parts in before.items() for p in parts}
    owner_after = {p: c for c, parts in after.items() for p in parts}
    return sorted(p for p in owner_before.keys() | owner_after.keys()
                  if owner_before.get(p) != owner_after.get(p))


def lag_over_time(publish_rate: float, partitions: int, consumers: int, consumer_rate: float,
                  duration: float, initial_lag: float = 0.0, points: int = 61,
                  strategy: str = "range") -> dict:
    """Fluid-model lag (messages) of every partition over ``duration`` seconds.

    ``publish_rate`` messages/s into the topic, spread evenly over ``partitions``;
    ``consumer_rate`` messages/s one consumer can process; ``initial_lag`` messages waiting in
    each partition at time 0. Returns ``times`` (s), ``lag`` (partitions × points),
    ``owner`` of each partition, ``idle`` consumers and ``drain_rate`` per partition
    (messages/s; negative where lag grows without bound).

    >>> run = lag_over_time(400.0, 4, 2, 150.0, duration=10.0, points=3)
    >>> run["lag"][:, -1].tolist(), run["idle"]
    ([250.0, 250.0, 250.0, 250.0], [])
    """
    publish_rate = require_non_negative("publish_rate", publish_rate)
    consumer_rate = require_positive("consumer_rate", consumer_rate)
    duration = require_positive("duration", duration)
    initial_lag = require_non_negative("initial_lag", initial_lag)
    points = require_int("points", points, minimum=2, maximum=100_000)
    assignment = assign(partitions, consumers, strategy)
    owner = {p: c for c, parts in assignment.items() for p in parts}
    share = {c: consumer_rate / len(parts) for c, parts in assignment.items() if parts}
    inflow = publish_rate / partitions
    drain = np.array([share[owner[p]] - inflow for p in range(partitions)])
    times = np.linspace(0.0, duration, points)
    lag = np.maximum(initial_lag - np.outer(drain, times), 0.0)
    return {"times": times, "lag": lag, "owner": [owner[p] for p in range(partitions)],
            "idle": idle_consumers(assignment), "drain_rate": drain}
