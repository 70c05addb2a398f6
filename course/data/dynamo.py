"""A small model of the 2007 Dynamo paper's store (not DynamoDB): preference lists, N/R/W, sloppy quorum.

Keys sit on a ring with virtual nodes (:class:`course.data.partitioners.Ring`). A key's
*preference list* is the first N distinct servers clockwise from it. A put is coordinated by
the first healthy server of the list, which increments the value's vector clock
(:mod:`course.data.vclock`) and needs W acknowledgements; a get needs R replies and returns
every version not superseded by another (siblings when versions are concurrent).

*Sloppy quorum*: when a server of the list is down, the next healthy server beyond the list
takes the write with a *hint* naming the server it was meant for; when that server recovers
the hint is handed off (*hinted handoff*). With ``sloppy=False`` a put or get with fewer than
W or R healthy servers in the list fails instead. Replicas that missed writes are repaired by
Merkle-tree anti-entropy (:meth:`DynamoStore.anti_entropy`).

>>> store = DynamoStore([f"s{i}" for i in range(5)], n=3, r=2, w=2)
>>> home = store.preference_list("cart:1")
>>> store.fail(home[0])
>>> store.put("cart:1", "book")["hinted"]           # a stand-in took the write for home[0]
1
>>> [v for _, v in store.get("cart:1")["versions"]]
['book']
>>> store.recover(home[0])                           # the hint is handed back
1

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

from collections.abc import Sequence

from course.data.hashes import stable_hash
from course.data.merkle import MerkleTree
from course.data.partitioners import Ring
from course.data.quorums import check_nrw
from course.data.vclock import increment, reconcile

__all__ = ["DynamoStore", "QuorumNotMetError"]


class QuorumNotMetError(RuntimeError):
    """A strict quorum could not be formed: too few healthy servers in the preference list."""


class DynamoStore:
    """Servers on a ring, each holding key → list of (vector clock, value) versions."""

    def __init__(self, nodes: Sequence[str], n: int = 3, r: int = 2, w: int = 2, vnodes: int = 8,
                 sloppy: bool = True):
        self.ring = Ring(nodes, vnodes)
        self.n, self.r, self.w = check_nrw(n, r, w)
        if self.n > len(self.ring.nodes):
            raise ValueError(f"n must be <= the number of servers {len(self.ring.nodes)}; got {n}")
        self.sloppy = sloppy
        self.data: dict[str, dict[str, list]] = {node: {} for node in self.ring.nodes}
        #: hints[holder] = list of (intended server, key, clock, value)
        self.hints: dict[str, list] = {node: [] for node in self.ring.nodes}
        self.down: set[str] = set()

    # --- membership -------------------------------------------------------------------
    def _walk(self, key) -> list[str]:
        """Every distinct server in ring order starting at the key's position."""
        start = int(self.ring.successor_points([stable_hash(key)])[0])
        owners, seen = self.ring.point_owner, []
        for step in range(len(owners)):
            node = self.ring.nodes[owners[(start + step) % len(owners)]]
            if node not in seen:
                seen.append(node)
        return seen

    def preference_list(self, key) -> list[str]:
        """The first N distinct servers clockwise from the key (the key's home replicas)."""
        return self._walk(key)[: self.n]

    def targets(self, key) -> list[tuple[str, str | None]]:
        """(server, hint) pairs a write goes to: healthy home replicas, plus stand-ins for the down ones."""
        walk = self._walk(key)
        home = walk[: self.n]
        out = [(node, None) for node in home if node not in self.down]
        if self.sloppy:
            missing = [node for node in home if node in self.down]
            standins = [node for node in walk[self.n:] if node not in self.down]
            out += list(zip(standins, missing))
        return out

    def fail(self, node: str) -> None:
        """Take server ``node`` down (it keeps its data; it answers nothing)."""
        if node not in self.data:
            raise ValueError(f"node must be one of {list(self.data)}; got {node!r}")
        self.down.add(node)

    def recover(self, node: str) -> int:
        """Bring ``node`` back and hand off every hint held for it; return how many were delivered."""
        if node not in self.data:
            raise ValueError(f"node must be one of {list(self.data)}; got {node!r}")
        self.down.discard(node)
        delivered = 0
        for holder in self.ring.nodes:
            if holder in self.down:
                continue
            keep = []
            for intended, key, clock, value in self.hints[holder]:
                if intended == node:
                    self._store(node, key, clock, value)
                    delivered += 1
                else:
                    keep.append((intended, key, clock, value))
            self.hints[holder] = keep
        return delivered

    # --- reads and writes -------------------------------------------------------------
    def _store(self, node, key, clock, value):
        self.data[node][key] = reconcile(self.data[node].get(key, []) + [(clock, value)])

    def put(self, key, value, context: dict | None = None) -> dict:
        """Write ``value`` with the clock ``context`` (from a get) advanced by the coordinator."""
        targets = self.targets(key)
        if len(targets) < self.w:
            raise QuorumNotMetError(f"put needs W = {self.w} healthy replicas; {len(targets)} in reach")
        coordinator = targets[0][0]
        clock = increment(context or {}, coordinator)
        for node, hint in targets:
            self._store(node, key, clock, value)
            if hint is not None:
                self.hints[node].append((hint, key, clock, value))
        return {"clock": clock, "coordinator": coordinator, "acks": len(targets),
                "hinted": sum(hint is not None for _, hint in targets)}

    def get(self, key) -> dict:
        """Versions from the first R reachable replicas, reconciled; ``context`` merges their clocks."""
        targets = self.targets(key)
        if len(targets) < self.r:
            raise QuorumNotMetError(f"get needs R = {self.r} healthy replicas; {len(targets)} in reach")
        versions = [v for node, _ in targets[: self.r] for v in self.data[node].get(key, [])]
        versions = reconcile(versions)
        context: dict = {}
        for clock, _ in versions:
            context = {k: max(context.get(k, 0), clock.get(k, 0)) for k in set(context) | set(clock)}
        return {"versions": versions, "context": context, "asked": [node for node, _ in targets[: self.r]]}

    # --- anti-entropy -----------------------------------------------------------------
    def anti_entropy(self, a: str, b: str, depth: int = 6) -> dict:
        """Merkle-compare servers ``a`` and ``b`` and copy the versions each lacks to the other."""
        trees = [MerkleTree({k: repr(v) for k, v in self.data[x].items()}, depth) for x in (a, b)]
        found = trees[0].diff(trees[1])
        for key in found["keys"]:
            merged = reconcile(self.data[a].get(key, []) + self.data[b].get(key, []))
            self.data[a][key] = list(merged)
            self.data[b][key] = list(merged)
        return found
