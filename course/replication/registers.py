"""CRDT registers: one value per key, replicated — last-writer-wins and multi-value.

A register holds a single value (a user's display name, a feature flag). Two replicas may
overwrite it concurrently; the register's merge decides what survives. Last-writer-wins
keeps the write with the largest (timestamp, replica id) and silently drops the other; the
multi-value register keeps both as *siblings* until someone writes again having seen them.
Both merges are commutative, associative and idempotent (see :mod:`course.replication.crdt`).

>>> ann = MVRegister().assign("blue", "ann")
>>> bob = MVRegister().assign("red", "bob")
>>> sorted(ann.merge(bob).values), ann.merge(bob).merge(ann) == ann.merge(bob)
(['blue', 'red'], True)

Taught in: Ep13 · 1-foundations (a concurrent write: LWW drops one, MV keeps both).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from functools import reduce

from course.replication.crdt import (
    VersionVector,
    _require_hashable,
    _require_replica,
    _require_same_type,
)
from course.validation import require_finite

__all__ = ["LWWRegister", "MVRegister"]


class LWWRegister:
    """Last-writer-wins register: the write with the largest (timestamp, replica id) wins.

    The replica id breaks timestamp ties, so every replica picks the same winner. A write
    stamped earlier than the current one is silently lost — with skewed clocks, a write
    made *later* in real time can lose. Each (timestamp, replica) pair must name one write.

    >>> r = LWWRegister().assign("blue", timestamp=10.0, replica="ann")
    >>> r.merge(LWWRegister().assign("red", timestamp=10.0, replica="bob")).value
    'red'
    >>> r.assign("green", timestamp=9.5, replica="bob").value     # stale write: lost
    'blue'

    Taught in: Ep13 · 1-foundations.
    """

    __slots__ = ("value", "timestamp", "replica")

    def __init__(self, value=None, timestamp: float = -math.inf, replica: str = ""):
        if timestamp != -math.inf:  # -inf marks the empty register, before any write
            timestamp = require_finite("timestamp", timestamp)
        if not isinstance(replica, str):
            raise ValueError(f"replica must be a string (a replica id); got {replica!r}")
        self.value, self.timestamp, self.replica = value, float(timestamp), replica

    def assign(self, value, timestamp: float, replica: str) -> LWWRegister:
        """This register after ``replica`` writes ``value`` at ``timestamp`` (seconds)."""
        timestamp = require_finite("timestamp", timestamp)
        return self.merge(LWWRegister(value, timestamp, _require_replica(replica)))

    def merge(self, other: LWWRegister) -> LWWRegister:
        _require_same_type(self, other)
        mine, theirs = (self.timestamp, self.replica), (other.timestamp, other.replica)
        if mine == theirs:
            if self.value != other.value:
                raise ValueError(
                    f"two different writes carry the same timestamp {self.timestamp} and replica "
                    f"{self.replica!r}; a replica must not write twice at one timestamp"
                )
            return self
        return self if mine > theirs else other

    def __eq__(self, other) -> bool:
        return (isinstance(other, LWWRegister)
                and (self.value, self.timestamp, self.replica)
                == (other.value, other.timestamp, other.replica))

    __hash__ = None

    def __repr__(self) -> str:
        return f"LWWRegister({self.value!r}, timestamp={self.timestamp}, replica={self.replica!r})"


class MVRegister:
    """Multi-value register: a write replaces what its writer has seen; concurrent writes stay.

    Each sibling is a (value, version vector) pair. Merge keeps every sibling whose vector
    no other sibling strictly dominates; the application (or the next write) resolves them.
    Values must be hashable.

    >>> ann = MVRegister().assign("blue", "ann")
    >>> bob = MVRegister().assign("red", "bob")
    >>> both = ann.merge(bob)
    >>> sorted(both.values), sorted(both.assign("purple", "ann").values)
    (['blue', 'red'], ['purple'])

    Taught in: Ep13 · 1-foundations.
    """

    __slots__ = ("siblings",)

    def __init__(self, siblings: Iterable[tuple[Hashable, VersionVector]] = ()):
        if not isinstance(siblings, Iterable):
            raise ValueError(f"siblings must be a collection of (value, VersionVector) pairs; got {siblings!r}")
        siblings = list(siblings)
        for sibling in siblings:
            if (not isinstance(sibling, tuple) or len(sibling) != 2
                    or not isinstance(sibling[1], VersionVector)):
                raise ValueError(f"siblings must be (value, VersionVector) pairs; got {sibling!r}")
            _require_hashable("a sibling's value", sibling[0])
        self.siblings = frozenset(siblings)

    @property
    def values(self) -> frozenset:
        return frozenset(value for value, _ in self.siblings)

    @property
    def clock(self) -> VersionVector:
        """Everything this register has seen: the merge of its siblings' vectors."""
        return reduce(VersionVector.merge, (clock for _, clock in self.siblings), VersionVector())

    def assign(self, value: Hashable, replica: str) -> MVRegister:
        """This register after ``replica`` writes ``value``, overwriting every sibling it holds."""
        _require_hashable("value", value)
        return MVRegister({(value, self.clock.increment(_require_replica(replica)))})

    def merge(self, other: MVRegister) -> MVRegister:
        _require_same_type(self, other)
        union = self.siblings | other.siblings
        return MVRegister(
            (value, clock) for value, clock in union
            if not any(clock < other_clock for _, other_clock in union)
        )

    def __eq__(self, other) -> bool:
        return isinstance(other, MVRegister) and self.siblings == other.siblings

    def __hash__(self) -> int:
        return hash(self.siblings)

    def __repr__(self) -> str:
        shown = sorted((repr(value), clock.counts) for value, clock in self.siblings)
        return f"MVRegister({shown})"
