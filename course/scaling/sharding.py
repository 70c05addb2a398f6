"""Sharding schemes and where the writes land: hash, range, directory, geo; hot ranges and hot keys.

* **hash** — shard = hash(key) mod N (MurmurHash3, :func:`course.data.hashes.key_hashes`):
  neighbouring keys land far apart, so a stream of increasing keys is spread evenly;
* **range** — shard i holds keys in [boundary_i, boundary_{i+1}): range scans stay on one shard,
  but keys that only ever grow (timestamps, auto-increment ids) all land on the last shard;
* **directory** — a lookup table maps each bucket of keys to a shard; moving a bucket is one
  table write plus copying its keys (here buckets are ranges of ``bucket_size`` keys dealt
  round robin, so increasing keys rotate between shards bucket by bucket);
* **geo** — each request's region owns a shard: balance follows the regions' populations.

One hot key (one celebrity, one counter) is one key under every scheme: its shard carries its
whole share however the others are spread. ``balance`` = min/max load (1 is perfect).

>>> loads = shard_loads(np.arange(10_000, 20_000), "range", shards=4, key_space=10_000)
>>> loads.tolist(), balance(loads)
([0, 0, 0, 10000], 0.0)
>>> round(balance(shard_loads(np.arange(10_000, 20_000), "hash", shards=4)), 2) > 0.9
True

Taught in: Ep18 · 1-foundations.
"""

from __future__ import annotations

import numpy as np

from course.data.hashes import key_hashes
from course.sim.streams import spawn_generators
from course.validation import require_int, require_probability

__all__ = ["SCHEMES", "REGIONS", "assign_shards", "shard_loads", "balance", "write_keys", "heat_map",
           "moved_on_split"]

SCHEMES = ("hash", "range", "directory", "geo")
#: The geo scheme's regions and their shares of requests (fixed, illustrative).
REGIONS = {"americas": 0.45, "europe": 0.30, "asia-pacific": 0.20, "africa": 0.05}


def assign_shards(keys, scheme: str, shards: int, key_space: int | None = None, bucket_size: int = 1000,
                  regions=None) -> np.ndarray:
    """The shard (0 … shards − 1) of each key under ``scheme``.

    ``key_space`` is the key range [0, key_space) the range boundaries were cut for (default: the
    keys' own maximum + 1); ``regions`` (geo only) is each key's region index into :data:`REGIONS`,
    regions being dealt to shards round robin.

    >>> assign_shards([0, 1, 2, 3], "range", shards=2, key_space=4).tolist()
    [0, 0, 1, 1]
    """
    keys = np.asarray(keys, dtype=np.int64)
    shards = require_int("shards", shards, minimum=1, maximum=10_000)
    if scheme == "hash":
        return (key_hashes(keys.tolist()) % np.uint64(shards)).astype(np.int64)
    if scheme == "range":
        space = int(keys.max()) + 1 if key_space is None else require_int("key_space", key_space, minimum=1)
        boundaries = np.linspace(0, space, shards + 1)[1:-1]
        return np.searchsorted(boundaries, keys, side="right").astype(np.int64)
    if scheme == "directory":
        bucket_size = require_int("bucket_size", bucket_size, minimum=1)
        return (keys // bucket_size) % shards
    if scheme == "geo":
        if regions is None:
            raise ValueError("regions must give each key's region index for the geo scheme")
        return np.asarray(regions, dtype=np.int64) % shards
    raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")


def shard_loads(keys, scheme: str, shards: int, **options) -> np.ndarray:
    """Requests per shard when each key in ``keys`` is one request.

    >>> shard_loads([5, 5, 5, 9], "range", shards=2, key_space=10).tolist()
    [0, 4]
    """
    return np.bincount(assign_shards(keys, scheme, shards, **options), minlength=shards)


def balance(loads) -> float:
    """min/max of the shards' loads: 1 is perfectly even, 0 means some shard is idle.

    >>> balance([50, 100, 80])
    0.5
    """
    loads = np.asarray(loads, dtype=float)
    if loads.size == 0 or loads.max() <= 0:
        raise ValueError("loads must hold at least one shard with load > 0")
    return float(loads.min() / loads.max())


def write_keys(pattern: str, writes: int = 20_000, key_space: int = 100_000, hot_share: float = 0.0,
               seed=0) -> np.ndarray:
    """Keys of ``writes`` writes in arrival order: ``monotonic`` (new ids after the existing ``key_space``)
    or ``uniform`` over the key space; a share ``hot_share`` of writes goes to the one hot key 42.

    >>> write_keys("monotonic", writes=3, key_space=10).tolist()
    [10, 11, 12]
    """
    writes = require_int("writes", writes, minimum=1, maximum=10_000_000)
    hot_share = require_probability("hot_share", hot_share)
    rng = spawn_generators(seed, 1)[0]
    if pattern == "monotonic":
        keys = key_space + np.arange(writes, dtype=np.int64)
    elif pattern == "uniform":
        keys = rng.integers(0, key_space, writes)
    else:
        raise ValueError(f"pattern must be monotonic or uniform; got {pattern!r}")
    hot = rng.random(writes) < hot_share
    keys[hot] = 42
    return keys


def heat_map(keys, scheme: str, shards: int, windows: int = 20, **options) -> np.ndarray:
    """Writes per shard (rows) in each of ``windows`` equal slices of the writes (columns).

    >>> heat_map(np.arange(8), "range", shards=2, windows=2, key_space=8).tolist()
    [[4, 0], [0, 4]]
    """
    windows = require_int("windows", windows, minimum=1, maximum=1000)
    owner = assign_shards(keys, scheme, shards, **options)
    window = (np.arange(owner.size) * windows) // owner.size
    grid = np.zeros((shards, windows), dtype=np.int64)
    np.add.at(grid, (owner, window), 1)
    return grid


def moved_on_split(scheme: str, shards: int, key_space: int = 100_000, bucket_size: int = 1000) -> float:
    """Fraction of stored keys (uniform over the key space) that change shard when one shard is added.

    ``hash`` re-takes every key mod N+1; ``range`` splits the last shard in two (the rest stay);
    ``directory`` moves the fewest whole buckets that give the new shard a fair 1/(N+1) share.

    >>> round(moved_on_split("hash", 4), 2), round(moved_on_split("range", 4), 3)
    (0.8, 0.125)
    """
    shards = require_int("shards", shards, minimum=1, maximum=10_000)
    keys = np.arange(key_space, dtype=np.int64)
    if scheme == "hash":
        before = assign_shards(keys, "hash", shards)
        after = assign_shards(keys, "hash", shards + 1)
        return float((before != after).mean())
    if scheme == "range":
        return 1.0 / (2 * shards)
    if scheme == "directory":
        buckets = -(-key_space // bucket_size)
        return float(round(buckets / (shards + 1)) * bucket_size / key_space)
    raise ValueError(f"scheme must be hash, range or directory for a split; got {scheme!r}")
