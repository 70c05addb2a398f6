"""Keys moved on a join or a leave, load shares and their spread, measured and against theory.

* modulo-N → N+1 servers moves N/(N+1) of the keys (a key stays only when
  h mod N = h mod (N+1), i.e. h mod N(N+1) < N: N of every N(N+1) values);
* a ring (or rendezvous, jump, Maglev) moves only the new server's share, ≈ 1/(N+1) on a join
  and the leaving server's share, ≈ 1/N, on a leave;
* with V virtual nodes per server, a server's share of the ring is a sum of V of the N·V
  spacings of uniform points: Beta(V, (N−1)V), whose coefficient of variation is
  √((N−1)/(N·V+1)) ≈ 1/√V.

>>> round(modulo_moved_theory(10), 4), round(ring_moved_theory(10), 4)
(0.9091, 0.0909)
>>> round(share_cv_theory(10, 100), 4)
0.0948

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

import math

import numpy as np

from course.data.hashes import key_hashes, keys
from course.data.partitioners import BoundedLoadRing, JumpHash, Maglev, ModuloN, Rendezvous, Ring
from course.validation import require_int

__all__ = ["modulo_moved_theory", "ring_moved_theory", "share_cv_theory", "moved_fraction", "load_shares",
           "cv", "join_and_leave", "compare_schemes", "SCHEMES"]

#: The schemes :func:`compare_schemes` builds, by name.
SCHEMES = ("modulo-N", "ring", "rendezvous", "jump", "Maglev", "bounded loads")


def modulo_moved_theory(n: int) -> float:
    """Fraction of keys modulo-N moves when server N+1 joins: N/(N+1)."""
    n = require_int("n", n, minimum=1)
    return n / (n + 1)


def ring_moved_theory(n: int) -> float:
    """Fraction of keys a consistent scheme moves when server N+1 joins (its fair share): 1/(N+1)."""
    n = require_int("n", n, minimum=1)
    return 1 / (n + 1)


def share_cv_theory(n: int, vnodes: int) -> float:
    """Coefficient of variation of the ring shares of N servers with V random points each: √((N−1)/(NV+1)).

    >>> round(share_cv_theory(1000, 100), 4), round(1 / math.sqrt(100), 4)
    (0.0999, 0.1)
    """
    n = require_int("n", n, minimum=1)
    v = require_int("vnodes", vnodes, minimum=1)
    return math.sqrt((n - 1) / (n * v + 1))


def moved_fraction(before: np.ndarray, after: np.ndarray) -> float:
    """Fraction of keys whose server differs between two placements (arrays of server names).

    >>> moved_fraction(np.array(["a", "b"]), np.array(["a", "c"]))
    0.5
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape or before.size == 0:
        raise ValueError(f"before and after must place the same keys (>= 1); got {before.size} and {after.size}")
    return float(np.mean(before != after))


def load_shares(placement: np.ndarray, nodes) -> np.ndarray:
    """Fraction of the keys each server in ``nodes`` holds, in the order of ``nodes``.

    >>> load_shares(np.array(["a", "a", "b", "a"]), ["a", "b"]).tolist()
    [0.75, 0.25]
    """
    placement = np.asarray(placement)
    return np.array([np.mean(placement == node) for node in nodes])


def cv(shares) -> float:
    """Coefficient of variation (population standard deviation / mean) of the shares."""
    shares = np.asarray(shares, dtype=float)
    return float(shares.std() / shares.mean())


def _build(scheme: str, nodes: list[str], vnodes: int, epsilon: float, table_size: int):
    if scheme == "modulo-N":
        return ModuloN(nodes)
    if scheme == "ring":
        return Ring(nodes, vnodes)
    if scheme == "rendezvous":
        return Rendezvous(nodes)
    if scheme == "jump":
        return JumpHash(nodes)
    if scheme == "Maglev":
        return Maglev(nodes, table_size)
    if scheme == "bounded loads":
        return BoundedLoadRing(nodes, vnodes, epsilon)
    raise ValueError(f"scheme must be one of {SCHEMES}; got {scheme!r}")


def join_and_leave(scheme: str, servers: int, key_count: int = 20_000, vnodes: int = 100,
                   epsilon: float = 0.25, table_size: int = 65537) -> dict:
    """Place ``key_count`` keys on ``servers`` servers, then after one joins and after one leaves.

    The server that leaves is the last one (the only one jump hash can remove). Returns the
    fraction moved on the join and on the leave, the load shares before, their CV and the
    max/mean load, and the scheme's ``lookup_steps``.

    >>> r = join_and_leave("modulo-N", 10, key_count=11_000)
    >>> round(r["moved on join"], 2)
    0.91
    """
    servers = require_int("servers", servers, minimum=2, maximum=1000)
    key_count = require_int("key_count", key_count, minimum=1, maximum=2_000_000)
    nodes = [f"s{i}" for i in range(servers)]
    hashes = key_hashes(keys(key_count))
    base = _build(scheme, nodes, vnodes, epsilon, table_size)
    before = base.owners(hashes)
    steps = base.lookup_steps
    joined = base.with_node(f"s{servers}").owners(hashes)
    left = base.without_node(nodes[-1]).owners(hashes)
    shares = load_shares(before, nodes)
    return {"scheme": scheme, "servers": servers, "keys": key_count,
            "moved on join": moved_fraction(before, joined), "moved on leave": moved_fraction(before, left),
            "load CV": cv(shares), "max/mean load": float(shares.max() * servers), "lookup steps": steps}


def compare_schemes(servers: int = 10, key_count: int = 20_000, vnodes: int = 100, epsilon: float = 0.25,
                    table_size: int = 65537) -> list[dict]:
    """:func:`join_and_leave` for every scheme of :data:`SCHEMES`, same keys, same servers."""
    return [join_and_leave(s, servers, key_count, vnodes, epsilon, table_size) for s in SCHEMES]
