"""Publish–subscribe delivery under crashes: a seeded simulation on the course's event loop.

A producer publishes ``messages`` at ``publish_rate`` to a broker; consumers process them
and apply each message's *effect* (say, crediting a driver). Faults, all seeded:

* a **consumer crash** during a delivery, either before the effect or after the effect but
  before the consumer acknowledged (committed) it; the consumer restarts ``restart_time``
  seconds later from its last committed offset;
* a **broker crash** at given times: for ``broker_downtime`` seconds nothing is appended,
  fetched or committed, and uncommitted positions fall back to the committed offsets;
* a **lost acknowledgement** to the producer, which then sends the message again;
* **poison messages** whose processing always fails.

The three delivery semantics differ only in *when* things happen:

==================  ==============================  =========================================
semantics           producer                        consumer
==================  ==============================  =========================================
at-most-once        fire and forget, never resends  commits the offset, then processes
at-least-once       resends until acknowledged      processes, then commits
effectively-once    resends; the broker drops       processes, then commits; skips a message
                    copies it has seen (idempotent  whose id it has already applied (the id
                    producer: producer id +         is stored with the effect, atomically)
                    sequence number)
==================  ==============================  =========================================

Ordering: ``total`` (one partition, one consumer), ``per-partition`` (key → partition, one
consumer per partition of the group), ``none`` (one shared queue and competing consumers;
a message that failed goes back to the end of the queue). A poison message is retried
``max_attempts`` times, then moved to the dead-letter queue (``dead_letter=True``) or retried
forever, blocking its partition.

Output is tidy: :attr:`DeliveryRun.deliveries` has one row per delivery attempt,
:attr:`DeliveryRun.lag` one row per lag sample, and :meth:`DeliveryRun.summary` counts lost,
duplicated, dead-lettered and out-of-order messages.

>>> run = simulate_delivery(DeliveryConfig(messages=200, consumer_crash_probability=0.05,
...                                        semantics="at-least-once"), seed=1)
>>> s = run.summary(); s["lost"], s["duplicates"] > 0
(0, True)

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from course.events.groups import assign
from course.sim import EventLoop, seed_entropy, stream_generator
from course.validation import (
    require_int,
    require_non_negative,
    require_positive,
    require_probability,
)

__all__ = ["DeliveryConfig", "DeliveryRun", "simulate_delivery", "SEMANTICS", "ORDERINGS"]

SEMANTICS = ("at-most-once", "at-least-once", "effectively-once")
ORDERINGS = ("none", "per-partition", "total")
#: Sends of one message whose acknowledgement may be lost; later resends always get theirs.
MAX_SENDS = 8
#: Teaching-sized runs: more messages, or a run whose shortest delay would repeat more often
#: than this, is refused before any work (a typo of 10**9 must not fill the memory).
MAX_MESSAGES = 1_000_000
MAX_STEPS = 10_000_000


@dataclass(frozen=True)
class DeliveryConfig:
    """One delivery experiment (times in seconds, rates per second)."""

    messages: int = 1000
    publish_rate: float = 100.0
    keys: int = 8
    partitions: int = 4
    consumers: int = 4
    processing_time: float = 0.02          # mean, exponential
    consumer_crash_probability: float = 0.0  # per delivery
    restart_time: float = 1.0
    broker_crash_times: tuple = ()
    broker_downtime: float = 2.0
    ack_loss_probability: float = 0.0      # per append: the producer's acknowledgement is lost
    producer_retry_delay: float = 0.5
    poison_share: float = 0.0
    max_attempts: int = 3
    retry_backoff: float = 0.1
    dead_letter: bool = True
    semantics: str = "at-least-once"
    ordering: str = "per-partition"
    drain_time: float = 60.0               # s simulated after the last publication
    lag_interval: float = 0.5

    def __post_init__(self):
        require_int("messages", self.messages, minimum=1, maximum=MAX_MESSAGES)
        require_positive("publish_rate", self.publish_rate)
        require_int("keys", self.keys, minimum=1)
        require_int("partitions", self.partitions, minimum=1)
        require_int("consumers", self.consumers, minimum=1)
        require_positive("processing_time", self.processing_time)
        require_probability("consumer_crash_probability", self.consumer_crash_probability)
        require_positive("restart_time", self.restart_time)
        for time in self.broker_crash_times:
            require_non_negative("broker_crash_times", time)
        require_positive("broker_downtime", self.broker_downtime)
        require_probability("ack_loss_probability", self.ack_loss_probability)
        require_positive("producer_retry_delay", self.producer_retry_delay)
        require_probability("poison_share", self.poison_share)
        require_int("max_attempts", self.max_attempts, minimum=1)
        require_positive("retry_backoff", self.retry_backoff)
        require_non_negative("drain_time", self.drain_time)
        require_positive("lag_interval", self.lag_interval)
        duration = (self.messages - 1) / self.publish_rate + self.drain_time
        shortest = min(self.lag_interval, self.retry_backoff, self.restart_time, self.producer_retry_delay)
        if duration / shortest > MAX_STEPS:
            raise ValueError(
                f"drain_time, publish_rate and the delays (lag_interval, retry_backoff, restart_time, "
                f"producer_retry_delay) make a run of {duration:.3g} s in steps of {shortest:.3g} s: more than "
                f"{MAX_STEPS:,} steps; use a shorter run or longer delays"
            )
        if self.semantics not in SEMANTICS:
            raise ValueError(f"semantics must be one of {SEMANTICS}; got {self.semantics!r}")
        if self.ordering not in ORDERINGS:
            raise ValueError(f"ordering must be one of {ORDERINGS}; got {self.ordering!r}")


@dataclass
class DeliveryRun:
    """What one run produced: tidy rows and the effect count of every message."""

    config: DeliveryConfig
    seed: int
    deliveries: list[dict] = field(default_factory=list)
    lag: list[dict] = field(default_factory=list)
    effects: np.ndarray | None = None          # applications of each message's effect
    dead_lettered: set = field(default_factory=set)
    pending: set = field(default_factory=set)  # still waiting at the end (a blocked partition)
    dropped_at_broker: int = 0                 # at-most-once publications while the broker was down
    producer_copies_dropped: int = 0           # resends the idempotent producer's broker dropped
    first_effect_order: list[int] = field(default_factory=list)

    def summary(self) -> dict:
        """Counts per run: published, lost, duplicates, dead-lettered, pending, out of order, lag."""
        effects = self.effects
        applied = effects > 0
        ids = np.arange(len(effects))
        lost = [i for i in ids[~applied] if i not in self.dead_lettered and i not in self.pending]
        return {
            "semantics": self.config.semantics,
            "ordering": self.config.ordering,
            "published": int(len(effects)),
            "applied once or more": int(applied.sum()),
            "lost": len(lost),
            "duplicates": int(np.maximum(effects - 1, 0).sum()),
            "dead-lettered": len(self.dead_lettered),
            "pending at end": len(self.pending),
            "out of order": self.out_of_order(),
            "redeliveries": sum(1 for row in self.deliveries if row["attempt"] > 1),
            "max lag": max((row["lag"] for row in self.lag), default=0),
        }

    def out_of_order(self) -> int:
        """Messages first applied after a later-published message of the same key."""
        keys = self.config.keys
        highest = {}
        late = 0
        for message in self.first_effect_order:
            key = message % keys
            if message < highest.get(key, -1):
                late += 1
            else:
                highest[key] = message
        return late


def simulate_delivery(config: DeliveryConfig, seed) -> DeliveryRun:
    """Run one seeded delivery experiment; see the module docstring for the model."""
    entropy = seed_entropy(seed)
    return _Simulation(config, entropy).run()


class _Simulation:
    """One run's mutable state; the public face is :func:`simulate_delivery`."""

    def __init__(self, config: DeliveryConfig, entropy: int):
        self.config = c = config
        self.loop = EventLoop()
        self.result = DeliveryRun(config, entropy, effects=np.zeros(c.messages, dtype=int))
        # One named stream per kind of draw: changing one fault leaves the others' draws alone.
        self.crash_draws = stream_generator(entropy, "consumer-crash").random(16 * c.messages)
        self.point_draws = stream_generator(entropy, "crash-point").random(16 * c.messages)
        self.service_draws = stream_generator(entropy, "processing").exponential(
            c.processing_time, 16 * c.messages)
        # ack_draws[message, send - 1]: one draw per send of a message, so a resend's fate does
        # not depend on what the broker did with other messages (common random numbers).
        self.ack_draws = stream_generator(entropy, "ack-loss").random((c.messages, MAX_SENDS))
        self.poison = stream_generator(entropy, "poison").random(c.messages) < c.poison_share
        self.draw = 0
        self.broker_up = True
        self.broker_back_at = 0.0
        self.applied_ids: set[int] = set()     # effectively-once: ids stored with the effect
        self.appended_ids: set[int] = set()    # the idempotent producer's broker: ids it has appended
        self.attempts: dict = {}
        self.shared = c.ordering == "none"
        partitions = 1 if c.ordering == "total" else c.partitions
        consumers = 1 if c.ordering == "total" else c.consumers
        self.partitions = partitions
        self.logs = [[] for _ in range(partitions)]
        self.committed = [0] * partitions
        self.position = [0] * partitions
        self.queue: deque = deque()
        self.in_flight: dict[str, tuple] = {}
        self.alive = {f"c{i}": True for i in range(consumers)}
        self.busy = {f"c{i}": False for i in range(consumers)}
        if self.shared:
            self.owned = {name: () for name in self.alive}
        else:
            self.owned = assign(partitions, consumers)
        self.owner = {p: name for name, parts in self.owned.items() for p in parts}

    # --- producer and broker -------------------------------------------------------------
    def run(self) -> DeliveryRun:
        c = self.config
        for message in range(c.messages):
            self.loop.schedule_at(message / c.publish_rate, self.publish, (message, 1))
        for time in c.broker_crash_times:
            self.loop.schedule_at(time, self.broker_crash)
        end = (c.messages - 1) / c.publish_rate + c.drain_time
        self.loop.schedule_at(0.0, self.sample_lag, end)
        self.loop.run(until=end)
        self.collect_pending()
        return self.result

    def publish(self, item) -> None:
        message, send = item
        c = self.config
        if not self.broker_up:
            if c.semantics == "at-most-once":
                self.result.dropped_at_broker += 1
            else:
                self.loop.schedule_at(self.broker_back_at + c.producer_retry_delay, self.publish, (message, send + 1))
            return
        if send > 1 and c.semantics == "effectively-once" and message in self.appended_ids:
            self.result.producer_copies_dropped += 1   # dropped, but acknowledged again
        else:
            self.append(message)
        ack_lost = send <= MAX_SENDS and self.ack_draws[message, send - 1] < c.ack_loss_probability
        if ack_lost and c.semantics != "at-most-once":
            self.loop.schedule_in(c.producer_retry_delay, self.publish, (message, send + 1))

    def append(self, message: int) -> None:
        self.appended_ids.add(message)
        if self.shared:
            self.queue.append(message)
            for name in self.alive:
                self.loop.schedule_in(0.0, self.poll, name)
            return
        partition = (message % self.config.keys) % self.partitions
        self.logs[partition].append(message)
        self.loop.schedule_in(0.0, self.poll, self.owner[partition])

    def broker_crash(self, _=None) -> None:
        if not self.broker_up:
            return
        self.broker_up = False
        self.broker_back_at = self.loop.now + self.config.broker_downtime
        # Uncommitted progress is forgotten: consumers resume from the committed offsets.
        self.position = list(self.committed)
        self.loop.schedule_in(self.config.broker_downtime, self.broker_restart)

    def broker_restart(self, _=None) -> None:
        self.broker_up = True
        for name in self.alive:
            self.loop.schedule_in(0.0, self.poll, name)

    # --- consumers -----------------------------------------------------------------------
    def poll(self, name: str) -> None:
        if not self.alive[name] or self.busy[name] or not self.broker_up:
            return
        if self.shared:
            if not self.queue:
                return
            self.start(name, self.queue.popleft(), None, None)
            return
        ready = [p for p in self.owned[name] if self.position[p] < len(self.logs[p])]
        if not ready:
            return
        partition = min(ready, key=lambda p: (self.position[p] - self.committed[p], p))
        offset = self.position[partition]
        self.position[partition] = offset + 1
        self.start(name, self.logs[partition][offset], partition, offset)

    def start(self, name: str, message: int, partition, offset) -> None:
        c = self.config
        slot = (partition, offset) if partition is not None else message
        attempt = self.attempts.get(slot, 0) + 1
        self.attempts[slot] = attempt
        i = self.draw % len(self.crash_draws)
        self.draw += 1
        crash = self.crash_draws[i] < c.consumer_crash_probability
        point = "before effect" if self.point_draws[i] < 0.5 else "after effect"
        if c.semantics == "at-most-once":
            self.commit(partition, offset)
        self.busy[name] = True
        self.in_flight[name] = (message, partition, offset)
        self.loop.schedule_in(float(self.service_draws[i]), self.finish,
                              (name, message, partition, offset, attempt, crash, point))

    def finish(self, item) -> None:
        name, message, partition, offset, attempt, crash, point = item
        c = self.config
        self.busy[name] = False
        del self.in_flight[name]
        row = {"time": self.loop.now, "message": message, "key": message % c.keys,
               "partition": partition if partition is not None else -1, "consumer": name,
               "attempt": attempt}
        if crash and point == "before effect":
            self.record(row, "crash before effect")
            self.crash(name, message)
            return
        if self.poison[message]:
            self.failed(name, row, message, partition, offset, attempt)
            return
        if c.semantics == "effectively-once" and message in self.applied_ids:
            outcome = "duplicate skipped"
        else:
            self.apply(message)
            outcome = "applied"
        if crash:
            self.record(row, f"{outcome}, crash before commit")
            self.crash(name, message)
            return
        if not self.broker_up:
            self.record(row, f"{outcome}, commit failed: broker down")
            self.requeue(message)
            return
        if c.semantics != "at-most-once":
            self.commit(partition, offset)
        self.record(row, outcome)
        self.loop.schedule_in(0.0, self.poll, name)

    def failed(self, name, row, message, partition, offset, attempt) -> None:
        c = self.config
        if c.semantics == "at-most-once":
            self.record(row, "failed, not retried")  # committed before processing: gone
        elif attempt >= c.max_attempts and c.dead_letter:
            self.result.dead_lettered.add(message)
            self.commit(partition, offset)
            self.record(row, "failed, dead-lettered")
        else:
            self.record(row, "failed, will retry")
            if self.shared:
                self.loop.schedule_in(c.retry_backoff, self.redeliver, message)
            else:
                self.position[partition] = offset  # retried in place: the partition waits
                self.busy[name] = True
                self.loop.schedule_in(c.retry_backoff, self.wake, name)
            return
        self.loop.schedule_in(0.0, self.poll, name)

    def wake(self, name: str) -> None:
        self.busy[name] = False
        self.poll(name)

    def apply(self, message: int) -> None:
        if self.result.effects[message] == 0:
            self.result.first_effect_order.append(message)
        self.result.effects[message] += 1
        self.applied_ids.add(message)

    def commit(self, partition, offset) -> None:
        if partition is not None:
            self.committed[partition] = max(self.committed[partition], offset + 1)

    def requeue(self, message: int) -> None:
        """After a crash: a shared queue redelivers the message at the back of the queue."""
        if self.shared and self.config.semantics != "at-most-once":
            self.loop.schedule_in(self.config.restart_time, self.redeliver, message)

    def redeliver(self, message: int) -> None:
        self.queue.append(message)
        for name in self.alive:
            self.poll(name)

    def crash(self, name: str, message: int) -> None:
        self.alive[name] = False
        self.requeue(message)
        for partition in self.owned[name]:
            self.position[partition] = self.committed[partition]
        self.loop.schedule_in(self.config.restart_time, self.restart, name)

    def restart(self, name: str) -> None:
        self.alive[name] = True
        self.poll(name)

    def record(self, row: dict, outcome: str) -> None:
        row["outcome"] = outcome
        self.result.deliveries.append(row)

    # --- measurement ---------------------------------------------------------------------
    def sample_lag(self, end: float) -> None:
        if self.shared:
            lag = len(self.queue) + len(self.in_flight)
            self.result.lag.append({"time": self.loop.now, "partition": -1, "lag": lag})
        else:
            for p in range(self.partitions):
                self.result.lag.append({"time": self.loop.now, "partition": p,
                                        "lag": len(self.logs[p]) - self.committed[p]})
        if self.loop.now + self.config.lag_interval <= end:
            self.loop.schedule_in(self.config.lag_interval, self.sample_lag, end)

    def collect_pending(self) -> None:
        pending = self.result.pending
        if self.shared:
            pending.update(self.queue)
            pending.update(message for message, _, _ in self.in_flight.values())
        else:
            for p in range(self.partitions):
                pending.update(self.logs[p][self.committed[p]:])
        pending.difference_update(np.flatnonzero(self.result.effects).tolist())
        pending.difference_update(self.result.dead_lettered)
