"""Merkle-tree anti-entropy: two replicas find the keys they disagree on by exchanging hashes.

Each replica hashes its keys into 2**depth leaf buckets (by key hash), hashes each bucket's
sorted (key, value) pairs, and hashes pairs of children up to one root. Two replicas compare
roots; where they differ they descend, so finding d differing buckets costs about
2·d·depth hash comparisons instead of sending every key (Dynamo, 2007, §4.7).

>>> a = MerkleTree({"k1": "v1", "k2": "v2"}, depth=3)
>>> b = MerkleTree({"k1": "v1", "k2": "CHANGED"}, depth=3)
>>> a.root == b.root, a.diff(MerkleTree({"k1": "v1", "k2": "v2"}, depth=3))["keys"]
(False, [])
>>> a.diff(b)["keys"]
['k2']

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

import mmh3

from course.data.hashes import stable_hash
from course.validation import require_int

__all__ = ["MerkleTree"]


def _h(text: str) -> bytes:
    return mmh3.hash_bytes(text)


class MerkleTree:
    """A binary hash tree over ``items`` (key → value) with 2**depth leaves."""

    def __init__(self, items: dict, depth: int = 10):
        self.depth = require_int("depth", depth, minimum=0, maximum=20)
        leaves = 2**self.depth
        buckets: list[list] = [[] for _ in range(leaves)]
        for key, value in items.items():
            buckets[stable_hash(key) >> (64 - self.depth) if self.depth else 0].append((str(key), str(value)))
        self.buckets = [sorted(b) for b in buckets]
        #: levels[0] is the leaves, levels[-1] the root (one hash).
        self.levels = [[_h(repr(b)) for b in self.buckets]]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([_h((below[i] + below[i + 1]).hex()) for i in range(0, len(below), 2)])

    @property
    def root(self) -> bytes:
        """The root hash: equal roots mean (with overwhelming probability) equal contents."""
        return self.levels[-1][0]

    def diff(self, other: MerkleTree) -> dict:
        """Differing leaves found top-down, the keys in them, and the hash comparisons it took."""
        if other.depth != self.depth:
            raise ValueError(f"other must have the same depth {self.depth}; got {other.depth}")
        comparisons, frontier = 0, [0]
        for level in range(len(self.levels) - 1, -1, -1):
            differing = []
            for index in frontier:
                comparisons += 1
                if self.levels[level][index] != other.levels[level][index]:
                    differing.append(index)
            frontier = [c for i in differing for c in (2 * i, 2 * i + 1)] if level else differing
        keys = sorted({k for i in frontier for k, _ in set(self.buckets[i]) ^ set(other.buckets[i])})
        return {"leaves": frontier, "keys": keys, "comparisons": comparisons}
