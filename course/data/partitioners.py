"""Six ways to map a key to a server: modulo-N, a ring with virtual nodes, rendezvous, jump, Maglev, bounded loads.

Every partitioner takes its servers' names, hashes keys with :func:`course.data.hashes.stable_hash`
(MurmurHash3, the same on every machine) and answers ``owner(key)`` or, for many keys at once,
``locate(hashes)`` (indices into ``nodes``). ``with_node(name)`` / ``without_node(name)`` return
the partitioner after a server joins or leaves, so the keys that moved can be counted
(:mod:`course.data.movement`). ``lookup_steps`` is the work of one lookup in the scheme's own
unit (ring comparisons of a binary search, node scores, jump iterations, table reads).

>>> ring = Ring(["a", "b", "c"], vnodes=100)
>>> ring.owner("user:42") in ring.nodes
True
>>> ModuloN(["a", "b", "c"]).owner("user:42") == ["a", "b", "c"][stable_hash("user:42") % 3]
True

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from course.data.hashes import HASH_SPACE, key_hashes, mix64, stable_hash
from course.validation import require_int, require_non_negative

__all__ = ["ModuloN", "Ring", "Rendezvous", "JumpHash", "Maglev", "BoundedLoadRing", "jump_hash",
           "MAGLEV_TABLE_SIZE"]

#: The Maglev paper's example table size: a prime, so every skip visits every slot.
MAGLEV_TABLE_SIZE = 65537


def _names(nodes: Sequence[str]) -> tuple[str, ...]:
    names = tuple(str(node) for node in nodes)
    if not names:
        raise ValueError("nodes must name at least 1 server; got none")
    if len(set(names)) != len(names):
        raise ValueError(f"nodes must be distinct; got {list(names)}")
    return names


class _Partitioner:
    """What every scheme shares: names, ``owner``, ``owners``, join and leave."""

    nodes: tuple[str, ...]

    def locate(self, hashes: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def owner(self, key) -> str:
        """The server that holds ``key``."""
        return self.nodes[int(self.locate(np.array([stable_hash(key)], dtype=np.uint64))[0])]

    def owners(self, hashes: np.ndarray) -> np.ndarray:
        """Server names (object array) for an array of key hashes."""
        return np.asarray(self.nodes, dtype=object)[self.locate(np.asarray(hashes, dtype=np.uint64))]

    def _rebuild(self, nodes: Sequence[str]):
        raise NotImplementedError

    def with_node(self, name: str):
        """This scheme after server ``name`` joins."""
        if name in self.nodes:
            raise ValueError(f"name must be a new server; {name!r} is already one of {list(self.nodes)}")
        return self._rebuild([*self.nodes, name])

    def without_node(self, name: str):
        """This scheme after server ``name`` leaves."""
        if name not in self.nodes:
            raise ValueError(f"name must be one of the servers {list(self.nodes)}; got {name!r}")
        return self._rebuild([n for n in self.nodes if n != name])


class ModuloN(_Partitioner):
    """``hash(key) mod N``: one division per lookup; a join reshuffles almost everything.

    >>> ModuloN(["a", "b"]).lookup_steps
    1.0
    """

    name = "modulo-N"

    def __init__(self, nodes: Sequence[str]):
        self.nodes = _names(nodes)
        self.lookup_steps = 1.0

    def locate(self, hashes):
        return (np.asarray(hashes, dtype=np.uint64) % np.uint64(len(self.nodes))).astype(np.int64)

    def _rebuild(self, nodes):
        return ModuloN(nodes)


class Ring(_Partitioner):
    """Consistent hashing: each server at ``vnodes`` points of a 64-bit ring; a key goes clockwise to the next point.

    Lookup is a binary search over the N·V sorted points (``lookup_steps`` = log2(N·V)).
    ``shares()`` is the exact fraction of the hash space each server owns.

    >>> ring = Ring(["a", "b"], vnodes=1)
    >>> float(sum(ring.shares().values()))
    1.0
    """

    name = "ring"

    def __init__(self, nodes: Sequence[str], vnodes: int = 100):
        self.nodes = _names(nodes)
        self.vnodes = require_int("vnodes", vnodes, minimum=1, maximum=100_000)
        tokens = key_hashes(f"{node}#{v}" for node in self.nodes for v in range(self.vnodes))
        owners = np.repeat(np.arange(len(self.nodes)), self.vnodes)
        order = np.argsort(tokens, kind="stable")
        self.points = tokens[order]
        self.point_owner = owners[order]
        self.lookup_steps = math.log2(len(self.points)) if len(self.points) > 1 else 1.0

    def locate(self, hashes):
        i = np.searchsorted(self.points, np.asarray(hashes, dtype=np.uint64), side="left")
        i[i == len(self.points)] = 0  # past the last point: wrap round to the first
        return self.point_owner[i]

    def successor_points(self, hashes) -> np.ndarray:
        """Index of the first ring point at or after each hash (wrapping)."""
        i = np.searchsorted(self.points, np.asarray(hashes, dtype=np.uint64), side="left")
        i[i == len(self.points)] = 0
        return i

    def shares(self) -> dict[str, float]:
        """Fraction of the hash space each server owns (its arcs: from the previous point to its own)."""
        # uint64 subtraction wraps modulo 2**64, so the first arc (round the top) comes out right.
        with np.errstate(over="ignore"):
            arcs = np.diff(self.points, prepend=self.points[-1:])
        if len(self.points) == 1:
            arcs = np.array([HASH_SPACE - 1], dtype=np.uint64)  # one point owns the whole ring
        totals = np.bincount(self.point_owner, weights=arcs.astype(np.float64), minlength=len(self.nodes))
        return dict(zip(self.nodes, (totals / totals.sum()).tolist()))

    def _rebuild(self, nodes):
        return Ring(nodes, self.vnodes)


class Rendezvous(_Partitioner):
    """Highest random weight: score every server for the key, take the highest (N scores per lookup).

    >>> Rendezvous(["a", "b", "c"]).lookup_steps
    3.0
    """

    name = "rendezvous"

    def __init__(self, nodes: Sequence[str]):
        self.nodes = _names(nodes)
        self.node_hashes = key_hashes(self.nodes, seed=1)
        self.lookup_steps = float(len(self.nodes))

    def locate(self, hashes):
        h = np.asarray(hashes, dtype=np.uint64)[:, None]
        scores = mix64(h ^ self.node_hashes[None, :])
        return np.argmax(scores, axis=1)

    def _rebuild(self, nodes):
        return Rendezvous(nodes)


def jump_hash(key: int, buckets: int) -> int:
    """Lamping and Veach's jump consistent hash of a 64-bit ``key`` into ``buckets`` (reference loop).

    >>> [jump_hash(2**40 + 7, n) for n in (1, 2, 3)][0]
    0
    """
    require_int("buckets", buckets, minimum=1)
    key &= 0xFFFFFFFFFFFFFFFF
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & 0xFFFFFFFFFFFFFFFF
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


class JumpHash(_Partitioner):
    """Jump consistent hash over buckets 0..N-1: no table, ~ln N steps; only the last bucket can leave.

    ``lookup_steps`` is measured: the mean number of jumps over the keys last located.

    >>> JumpHash(["a", "b"]).without_node("a")
    Traceback (most recent call last):
    ...
    ValueError: name must be the last bucket 'b': jump hash cannot remove an arbitrary server; got 'a'
    """

    name = "jump"

    def __init__(self, nodes: Sequence[str]):
        self.nodes = _names(nodes)
        self.lookup_steps = float("nan")

    def locate(self, hashes):
        key = np.asarray(hashes, dtype=np.uint64).copy()
        n = len(self.nodes)
        b = np.full(key.shape, -1, dtype=np.int64)
        j = np.zeros(key.shape, dtype=np.int64)
        steps = 0
        active = j < n
        with np.errstate(over="ignore"):
            while active.any():
                steps += int(active.sum())
                b[active] = j[active]
                key[active] = key[active] * np.uint64(2862933555777941757) + np.uint64(1)
                ratio = float(1 << 31) / ((key[active] >> np.uint64(33)).astype(np.float64) + 1.0)
                j[active] = ((b[active] + 1).astype(np.float64) * ratio).astype(np.int64)
                active = j < n
        self.lookup_steps = steps / max(key.size, 1)
        return b

    def without_node(self, name):
        if name != self.nodes[-1]:
            raise ValueError(f"name must be the last bucket {self.nodes[-1]!r}: jump hash cannot remove "
                             f"an arbitrary server; got {name!r}")
        return super().without_node(name)

    def _rebuild(self, nodes):
        return JumpHash(nodes)


class Maglev(_Partitioner):
    """Google's Maglev: a lookup table of prime size M filled round-robin from each server's permutation.

    One table read per lookup; each server gets ⌊M/N⌋ or ⌈M/N⌉ slots.

    >>> m = Maglev(["a", "b", "c"], table_size=7)
    >>> sorted(np.bincount(m.table, minlength=3).tolist())
    [2, 2, 3]
    """

    name = "Maglev"

    def __init__(self, nodes: Sequence[str], table_size: int = MAGLEV_TABLE_SIZE):
        self.nodes = _names(nodes)
        m = require_int("table_size", table_size, minimum=len(self.nodes), maximum=10_000_019)
        if m < 2 or any(m % d == 0 for d in range(2, math.isqrt(m) + 1)):
            raise ValueError(f"table_size must be a prime (e.g. 65537) so every skip visits every slot; got {m}")
        self.table_size = m
        offsets = key_hashes(self.nodes, seed=2) % np.uint64(m)
        skips = key_hashes(self.nodes, seed=3) % np.uint64(m - 1) + np.uint64(1)
        n = len(self.nodes)
        perms = [((int(o) + np.arange(m, dtype=np.int64) * int(s)) % m).tolist() for o, s in zip(offsets, skips)]
        entry = [-1] * m
        nxt = [0] * n
        filled = 0
        while filled < m:  # the paper's round-robin population
            for i in range(n):
                perm, c = perms[i], nxt[i]
                while entry[perm[c]] >= 0:
                    c += 1
                entry[perm[c]] = i
                nxt[i] = c + 1
                filled += 1
                if filled == m:
                    break
        self.table = np.array(entry, dtype=np.int64)
        self.lookup_steps = 1.0

    def locate(self, hashes):
        return self.table[np.asarray(hashes, dtype=np.uint64) % np.uint64(self.table_size)]

    def _rebuild(self, nodes):
        return Maglev(nodes, self.table_size)


class BoundedLoadRing(Ring):
    """Consistent hashing with bounded loads: no server takes more than ⌈(1 + ε)·m/N⌉ of m keys.

    A key whose server is full walks clockwise to the next server with room, so the placement
    depends on the order keys arrive (``locate`` places them in array order).

    >>> r = BoundedLoadRing(["a", "b", "c"], vnodes=1, epsilon=0.0)
    >>> np.bincount(r.locate(key_hashes(range(9))), minlength=3).tolist()
    [3, 3, 3]
    """

    name = "bounded loads"

    def __init__(self, nodes: Sequence[str], vnodes: int = 100, epsilon: float = 0.25):
        super().__init__(nodes, vnodes)
        self.epsilon = require_non_negative("epsilon", epsilon)

    def capacity(self, keys: int) -> int:
        """Most keys one server may hold when ``keys`` are placed."""
        return math.ceil((1 + self.epsilon) * keys / len(self.nodes))

    def locate(self, hashes):
        h = np.asarray(hashes, dtype=np.uint64)
        cap = self.capacity(len(h))
        load = [0] * len(self.nodes)
        start = self.successor_points(h).tolist()
        owner = self.point_owner.tolist()
        points = len(owner)
        out = np.empty(len(h), dtype=np.int64)
        for k, i in enumerate(start):
            while load[owner[i]] >= cap:
                i = (i + 1) % points
            load[owner[i]] += 1
            out[k] = owner[i]
        return out

    def _rebuild(self, nodes):
        return BoundedLoadRing(nodes, self.vnodes, self.epsilon)
