"""Sharding schemes: hot ranges from monotonic keys, a hot key that stays hot, balance and splits."""

from __future__ import annotations

import numpy as np
import pytest

from course.data.hashes import key_hashes
from course.scaling.sharding import (
    assign_shards,
    balance,
    heat_map,
    moved_on_split,
    shard_loads,
    write_keys,
)


def test_monotonic_keys_all_hit_the_last_range_shard_and_hash_spreads_them():
    keys = write_keys("monotonic", writes=20_000, key_space=100_000)
    assert shard_loads(keys, "range", 8, key_space=100_000).tolist() == [0] * 7 + [20_000]
    assert balance(shard_loads(keys, "hash", 8)) > 0.9


def test_a_hot_key_stays_hot_under_every_scheme():
    """20 % of writes to one key: its shard carries at least that share whatever the scheme."""
    keys = write_keys("uniform", writes=20_000, hot_share=0.2, seed=1)
    hot = (keys == 42).sum()
    for scheme in ("hash", "range", "directory"):
        loads = shard_loads(keys, scheme, 8, key_space=100_000)
        assert loads.max() >= hot and balance(loads) < 0.4


def test_hash_scheme_is_the_stable_hash_mod_n():
    keys = np.arange(1000)
    assert np.array_equal(assign_shards(keys, "hash", 7), (key_hashes(keys.tolist()) % np.uint64(7)).astype(int))


def test_directory_rotates_buckets_and_geo_follows_regions():
    assert assign_shards([0, 999, 1000, 2999, 4000], "directory", 4, bucket_size=1000).tolist() == [0, 0, 1, 2, 0]
    assert assign_shards([7, 8, 9], "geo", 2, regions=[0, 1, 3]).tolist() == [0, 1, 1]


def test_balance_and_heat_map_by_hand():
    assert balance([10, 20, 40]) == 0.25
    grid = heat_map(np.arange(100), "range", 4, windows=4, key_space=100)
    assert grid.tolist() == [[25, 0, 0, 0], [0, 25, 0, 0], [0, 0, 25, 0], [0, 0, 0, 25]]


def test_rebalancing_cost_of_a_split():
    """Adding a 9th shard: hash mod N moves ≈ 8/9 of keys; a range split 1/16; a directory ≈ 1/9."""
    assert moved_on_split("hash", 8) == pytest.approx(8 / 9, abs=0.01)
    assert moved_on_split("range", 8) == 1 / 16
    assert moved_on_split("directory", 8) == pytest.approx(1 / 9, abs=0.01)


@pytest.mark.parametrize("call, name", [
    (lambda: assign_shards([1], "modulo", 2), "scheme"), (lambda: assign_shards([1], "hash", 0), "shards"),
    (lambda: assign_shards([1], "geo", 2), "regions"), (lambda: balance([0, 0]), "loads"),
    (lambda: write_keys("random"), "pattern"), (lambda: write_keys("uniform", hot_share=2), "hot_share"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_write_keys_take_an_int_or_a_generator_seed():
    """Is the seed used whatever its form (an int or a Generator), never silently replaced?"""
    assert np.array_equal(write_keys("uniform", 100, seed=5), write_keys("uniform", 100, seed=np.random.default_rng(5)))
    assert not np.array_equal(write_keys("uniform", 100, seed=5), write_keys("uniform", 100, seed=6))
    with pytest.raises(ValueError, match="seed"):
        write_keys("uniform", 100, seed=-1)
