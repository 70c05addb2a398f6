"""Conflict-free replicated data types (CRDTs): state-based counters and sets.

Two shop tills that lose their network link keep selling. When the link comes back they
must not add their totals (that would count the morning twice); each keeps, for every
till, the larger tally it has heard of. That rule is a *merge* that is commutative,
associative and idempotent, so replicas may exchange states in any order, any number of
times, over a lossy network, and still end up equal. Updates only ever move a state *up*
in the order that merge respects (an "inflation"), which is what makes this work.

Every type here is immutable: an update returns a new state and ``a.merge(b)`` returns the
join (least upper bound) of two states. Replica ids are non-empty strings.

=================  ===========================================================================
``VersionVector``  events seen per replica; the partial order "happened before"
``GCounter``       grow-only counter: one tally per replica, value = sum of tallies
``PNCounter``      two G-Counters (increments P, decrements N), value = P − N
``GSet``           grow-only set, merge = union
``ORSet``          observed-remove (add-wins) set: each add carries a unique dot
                   (replica, counter); remove drops the dots it has *observed*; a causal
                   context (a version vector) remembers which dots were seen
``NaiveORSet``     the same interface without tags: merge = union, so a removed element
                   comes back from any replica that still holds it (the teaching bug)
=================  ===========================================================================

The registers (last-writer-wins and multi-value) live next door in
:mod:`course.replication.registers`.

The resurrection bug in four lines — Ann and Bob both hold "milk"; Ann removes it; a merge
with Bob's stale copy brings it back in the naive set but not in the OR-Set:

>>> naive = NaiveORSet().add("milk", "ann")
>>> sorted(naive.remove("milk").merge(naive).value)
['milk']
>>> tagged = ORSet().add("milk", "ann")
>>> sorted(tagged.remove("milk").merge(tagged).value)
[]

Taught in: Ep13 · 2-implementation (merge, resurrection) and 3-strategy (migration).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Hashable, Iterable, Mapping
from functools import reduce

from course.validation import require_int

__all__ = [
    "Dot",
    "VersionVector",
    "GCounter",
    "PNCounter",
    "GSet",
    "ORSet",
    "NaiveORSet",
    "join",
]


def _require_replica(replica) -> str:
    if not isinstance(replica, str) or not replica:
        raise ValueError(f"replica must be a non-empty string (a replica id); got {replica!r}")
    return replica


def _require_hashable(name: str, value):
    try:
        hash(value)
    except TypeError:
        raise ValueError(f"{name} must be hashable (a string, number or tuple of them); "
                         f"got a {type(value).__name__}") from None
    return value


def _elements(name: str, values) -> frozenset:
    """A frozenset of hashable values, or a ValueError saying what is wrong."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a collection of elements (a set, list or tuple); "
                         f"got {values!r}")
    return frozenset(_require_hashable(f"an element of {name}", value) for value in values)


def _mapping(name: str, value) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping (a dict); got {value!r}")
    return value


def _require_same_type(state, other) -> None:
    if type(other) is not type(state):
        raise ValueError(
            f"other must be a {type(state).__name__} to merge with one; got {type(other).__name__}"
        )


def _counts(name: str, counts: Mapping[str, int] | None) -> dict[str, int]:
    """Validated per-replica counts with the zero entries dropped (zero means 'never seen')."""
    result = {}
    for replica, count in _mapping(name, counts).items():
        _require_replica(replica)
        count = require_int(f"{name}[{replica!r}]", count, minimum=0)
        if count:
            result[replica] = count
    return result


def join(states: Iterable):
    """The merge of all ``states`` (at least one, all of one CRDT type).

    >>> join([GCounter({"a": 2}), GCounter({"b": 1}), GCounter({"a": 1})]).value
    3

    Taught in: Ep13 · 2-implementation.
    """
    if not isinstance(states, Iterable):
        raise ValueError(f"states must be an iterable of CRDT states; got {states!r}")
    states = list(states)
    if not states:
        raise ValueError("states must hold at least one CRDT state")
    if not all(callable(getattr(state, "merge", None)) for state in states):
        raise ValueError("states must all be CRDT states (objects with a merge method)")
    return reduce(lambda left, right: left.merge(right), states)


class Dot(namedtuple("_Dot", ["replica", "counter"])):
    """The unique name of one event: the ``counter``-th event (1, 2, ...) generated at ``replica``.

    >>> Dot("ann", 2)
    Dot(replica='ann', counter=2)
    """

    __slots__ = ()

    def __new__(cls, replica: str, counter: int):
        return super().__new__(cls, _require_replica(replica), require_int("counter", counter, minimum=1))


def _as_dot(value) -> Dot:
    if isinstance(value, Dot):
        return value
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValueError(f"a dot must be a (replica, counter) pair; got {value!r}")
    return Dot(*value)


class VersionVector:
    """How many events of each replica a state has seen.

    ``a <= b`` means every event seen by ``a`` is seen by ``b``; two vectors where neither
    is ``<=`` the other are *concurrent*: their histories diverged.

    >>> a = VersionVector({"ann": 2, "bob": 1})
    >>> b = VersionVector({"ann": 1, "bob": 3})
    >>> a <= b, b <= a, a.concurrent_with(b)
    (False, False, True)
    >>> a.merge(b)
    VersionVector({'ann': 2, 'bob': 3})

    Taught in: Ep13 · 2-implementation.
    """

    __slots__ = ("_items",)

    def __init__(self, counts: Mapping[str, int] | None = None):
        self._items = tuple(sorted(_counts("counts", counts).items()))

    @property
    def counts(self) -> dict[str, int]:
        """Replica id -> number of its events seen (replicas never seen are absent)."""
        return dict(self._items)

    def __getitem__(self, replica: str) -> int:
        return dict(self._items).get(_require_replica(replica), 0)

    def increment(self, replica: str) -> VersionVector:
        """This vector with one more event of ``replica``."""
        replica = _require_replica(replica)
        counts = self.counts
        counts[replica] = counts.get(replica, 0) + 1
        return VersionVector(counts)

    def merge(self, other: VersionVector) -> VersionVector:
        """Pointwise maximum: the events seen by either."""
        _require_same_type(self, other)
        counts = self.counts
        for replica, count in other._items:
            counts[replica] = max(counts.get(replica, 0), count)
        return VersionVector(counts)

    def contains(self, dot: Dot) -> bool:
        """Has this vector seen the event ``dot``?"""
        if not isinstance(dot, Dot):
            raise ValueError(f"dot must be a Dot(replica, counter); got {dot!r}")
        return dot.counter <= self[dot.replica]

    def __le__(self, other: VersionVector) -> bool:
        if not isinstance(other, VersionVector):
            return NotImplemented
        counts = other.counts
        return all(count <= counts.get(replica, 0) for replica, count in self._items)

    def __lt__(self, other: VersionVector) -> bool:
        if not isinstance(other, VersionVector):
            return NotImplemented
        return self <= other and self != other

    def concurrent_with(self, other: VersionVector) -> bool:
        """Neither vector has seen all the events of the other."""
        _require_same_type(self, other)
        return not self <= other and not other <= self

    def __eq__(self, other) -> bool:
        return isinstance(other, VersionVector) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"VersionVector({self.counts})"


class GCounter:
    """Grow-only counter: each replica increments its own tally; the value is the sum.

    Merge takes the maximum tally per replica (never the sum: merging twice must not count
    twice).

    >>> ann = GCounter().increment("ann", 3)
    >>> bob = GCounter().increment("bob")
    >>> ann.merge(bob).value, ann.merge(bob).merge(bob).value
    (4, 4)

    Taught in: Ep13 · 2-implementation.
    """

    __slots__ = ("_counts",)

    def __init__(self, counts: Mapping[str, int] | None = None):
        self._counts = _counts("counts", counts)

    @property
    def counts(self) -> dict[str, int]:
        """Replica id -> its tally."""
        return dict(self._counts)

    @property
    def value(self) -> int:
        return sum(self._counts.values())

    def increment(self, replica: str, amount: int = 1) -> GCounter:
        """This counter after ``replica`` adds ``amount`` (a whole number >= 1)."""
        amount = require_int("amount", amount, minimum=1)
        replica = _require_replica(replica)
        counts = self.counts
        counts[replica] = counts.get(replica, 0) + amount
        return GCounter(counts)

    def merge(self, other: GCounter) -> GCounter:
        _require_same_type(self, other)
        counts = self.counts
        for replica, count in other._counts.items():
            counts[replica] = max(counts.get(replica, 0), count)
        return GCounter(counts)

    def __eq__(self, other) -> bool:
        return isinstance(other, GCounter) and self._counts == other._counts

    __hash__ = None

    def __repr__(self) -> str:
        return f"GCounter({self._counts})"


class PNCounter:
    """Counter that also decrements: a G-Counter of increments minus one of decrements.

    >>> ann = PNCounter().increment("ann", 5).decrement("ann", 2)
    >>> bob = PNCounter().decrement("bob")
    >>> ann.merge(bob).value
    2

    Taught in: Ep13 · 2-implementation.
    """

    __slots__ = ("increments", "decrements")

    def __init__(self, increments: GCounter | None = None, decrements: GCounter | None = None):
        self.increments = increments if increments is not None else GCounter()
        self.decrements = decrements if decrements is not None else GCounter()
        if not isinstance(self.increments, GCounter) or not isinstance(self.decrements, GCounter):
            raise ValueError("increments and decrements must be GCounter states")

    @property
    def value(self) -> int:
        return self.increments.value - self.decrements.value

    def increment(self, replica: str, amount: int = 1) -> PNCounter:
        return PNCounter(self.increments.increment(replica, amount), self.decrements)

    def decrement(self, replica: str, amount: int = 1) -> PNCounter:
        return PNCounter(self.increments, self.decrements.increment(replica, amount))

    def merge(self, other: PNCounter) -> PNCounter:
        _require_same_type(self, other)
        return PNCounter(self.increments.merge(other.increments),
                         self.decrements.merge(other.decrements))

    def __eq__(self, other) -> bool:
        return (isinstance(other, PNCounter) and self.increments == other.increments
                and self.decrements == other.decrements)

    __hash__ = None

    def __repr__(self) -> str:
        return f"PNCounter(P={self.increments.counts}, N={self.decrements.counts})"


class _ElementSet:
    """A set of elements whose merge is the union: the state GSet and NaiveORSet share."""

    __slots__ = ("_elements",)

    def __init__(self, elements: Iterable[Hashable] = ()):
        self._elements = _elements("elements", elements)

    @property
    def value(self) -> frozenset:
        return self._elements

    def __contains__(self, element) -> bool:
        try:
            return element in self._elements
        except TypeError:  # an unhashable value cannot be an element
            return False

    def merge(self, other):
        _require_same_type(self, other)
        return type(self)(self._elements | other._elements)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self._elements == other._elements

    def __hash__(self) -> int:
        return hash(self._elements)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({set(self._elements) or '{}'})"


class GSet(_ElementSet):
    """Grow-only set: add only, merge = union.

    >>> GSet({"a"}).add("b").merge(GSet({"c"})).value == {"a", "b", "c"}
    True

    Taught in: Ep13 · 2-implementation.
    """

    __slots__ = ()

    def add(self, element: Hashable) -> GSet:
        return GSet(self._elements | {_require_hashable("element", element)})


class ORSet:
    """Observed-remove set (add wins over a concurrent remove), with dots and a causal context.

    Each ``add(element, replica)`` creates a fresh dot ``(replica, n)`` and records it in the
    causal context. ``remove(element)`` drops the element's dots that this replica has
    observed; the context still remembers them, so a merge can tell "removed here" (dot seen
    by the context, absent from the entries) from "not heard of yet" (dot unseen). An add
    that the remover never saw carries a dot outside its context and survives: add wins.

    >>> ann = ORSet().add("milk", "ann")
    >>> bob = ann.merge(ORSet())            # Bob receives Ann's state
    >>> ann = ann.remove("milk")            # Ann removes the milk she saw ...
    >>> bob = bob.add("milk", "bob")        # ... while Bob adds it again, concurrently
    >>> sorted(ann.merge(bob).value), sorted(ann.merge(bob.remove("milk")).value)
    (['milk'], [])

    Taught in: Ep13 · 2-implementation.
    """

    __slots__ = ("_entries", "context")

    def __init__(self, entries: Mapping[Hashable, Iterable[Dot]] | None = None,
                 context: VersionVector | None = None):
        self.context = context if context is not None else VersionVector()
        if not isinstance(self.context, VersionVector):
            raise ValueError(f"context must be a VersionVector; got {context!r}")
        self._entries = {}
        for element, dots in _mapping("entries", entries).items():
            _require_hashable("element", element)
            dots = frozenset(_as_dot(dot) for dot in _elements("dots", dots))
            unseen = [dot for dot in dots if not self.context.contains(dot)]
            if unseen:
                raise ValueError(f"entries hold dots {unseen} that the context has not seen")
            if dots:
                self._entries[element] = dots

    @property
    def value(self) -> frozenset:
        return frozenset(self._entries)

    def __contains__(self, element) -> bool:
        try:
            return element in self._entries
        except TypeError:  # an unhashable value cannot be an element
            return False

    def dots(self, element: Hashable) -> frozenset:
        """The live dots (add events) that keep ``element`` in the set."""
        return self._entries.get(_require_hashable("element", element), frozenset())

    def add(self, element: Hashable, replica: str) -> ORSet:
        """This set after ``replica`` adds ``element`` with a fresh dot."""
        _require_hashable("element", element)
        context = self.context.increment(_require_replica(replica))
        entries = dict(self._entries)
        # The element's older dots are in the context, so dropping them here reads as
        # "observed and superseded" everywhere: the state stays one dot per add-replica.
        entries[element] = frozenset({Dot(replica, context[replica])})
        return ORSet(entries, context)

    def remove(self, element: Hashable) -> ORSet:
        """This set after removing every *observed* add of ``element`` (a no-op if absent)."""
        _require_hashable("element", element)
        entries = {key: dots for key, dots in self._entries.items() if key != element}
        return ORSet(entries, self.context)

    def merge(self, other: ORSet) -> ORSet:
        _require_same_type(self, other)
        entries = {}
        for element in self._entries.keys() | other._entries.keys():
            mine, theirs = self.dots(element), other.dots(element)
            kept = ((mine & theirs)
                    | {dot for dot in mine - theirs if not other.context.contains(dot)}
                    | {dot for dot in theirs - mine if not self.context.contains(dot)})
            if kept:
                entries[element] = kept
        return ORSet(entries, self.context.merge(other.context))

    def __eq__(self, other) -> bool:
        return (isinstance(other, ORSet) and self._entries == other._entries
                and self.context == other.context)

    __hash__ = None

    def __repr__(self) -> str:
        shown = {element: sorted(dots) for element, dots in self._entries.items()}
        return f"ORSet({shown}, context={self.context.counts})"


class NaiveORSet(_ElementSet):
    """A tag-less "OR-Set": add inserts, remove deletes locally, merge = union. BROKEN.

    Kept to teach the bug: with no record of what was removed, a merge cannot tell "Ann
    removed x" from "Ann never heard of x", so the union brings x back from any replica
    that still holds it. Merge is still commutative, associative and idempotent — those
    laws are necessary, not sufficient: ``remove`` is not an inflation of the union order.

    >>> ann = NaiveORSet().add("milk", "ann")
    >>> bob = ann.merge(NaiveORSet())
    >>> sorted(ann.remove("milk").merge(bob).value)    # removed at Ann, resurrected by Bob
    ['milk']

    Taught in: Ep13 · 2-implementation.
    """

    __slots__ = ()

    def add(self, element: Hashable, replica: str) -> NaiveORSet:
        _require_replica(replica)  # same interface as ORSet; the id is simply not kept
        return NaiveORSet(self._elements | {_require_hashable("element", element)})

    def remove(self, element: Hashable) -> NaiveORSet:
        return NaiveORSet(self._elements - {_require_hashable("element", element)})

