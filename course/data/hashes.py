"""Stable key hashes: MurmurHash3 (``mmh3``) to 64 bits, never Python's salted ``hash()``.

Python's ``hash()`` of a string changes from one interpreter to the next (``PYTHONHASHSEED``),
so two processes would put the same key on different servers. Every partitioner of
:mod:`course.data` hashes keys here: MurmurHash3 x64-128, first 64 bits, as an unsigned integer,
the same on every machine and every run. :func:`mix64` is the SplitMix64 finaliser, used where a
key hash must be combined with a node hash (rendezvous) without hashing the pair again.

>>> stable_hash("user:42")
14772097168846764648
>>> stable_hash("user:42") == stable_hash("user:42", seed=0)
True
>>> key_hashes(["a", "b"]).dtype
dtype('uint64')

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

from collections.abc import Iterable

import mmh3
import numpy as np

from course.validation import require_int

__all__ = ["stable_hash", "key_hashes", "mix64", "keys", "HASH_SPACE"]

#: Size of the hash space: hashes are integers in [0, 2**64).
HASH_SPACE = 2**64
_MASK = 0xFFFFFFFFFFFFFFFF


def stable_hash(key, seed: int = 0) -> int:
    """64-bit MurmurHash3 of ``str(key)`` (UTF-8) as an unsigned int in [0, 2**64).

    >>> stable_hash(7) == stable_hash("7")
    True
    """
    require_int("seed", seed, minimum=0, maximum=2**32 - 1)
    return mmh3.hash64(str(key), seed=seed, signed=False)[0]


def key_hashes(items: Iterable, seed: int = 0) -> np.ndarray:
    """:func:`stable_hash` of every item, as a ``uint64`` array.

    >>> key_hashes(["x"])[0] == stable_hash("x")
    np.True_
    """
    require_int("seed", seed, minimum=0, maximum=2**32 - 1)
    return np.fromiter((mmh3.hash64(str(item), seed=seed, signed=False)[0] for item in items),
                       dtype=np.uint64)


def keys(count: int, prefix: str = "key") -> list[str]:
    """``count`` distinct key names ``key:0``, ``key:1``, … (the workload of the examples).

    >>> keys(2)
    ['key:0', 'key:1']
    """
    require_int("count", count, minimum=1)
    return [f"{prefix}:{i}" for i in range(count)]


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser of a ``uint64`` array: a bijection that spreads every input bit.

    >>> int(mix64(np.array([0], dtype=np.uint64))[0]), int(mix64(np.array([1], dtype=np.uint64))[0]) > 0
    (0, True)
    """
    z = np.asarray(x, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z
