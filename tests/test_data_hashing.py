"""Partitioners: stable hashes, keys moved against N/(N+1) and 1/(N+1), load CV against 1/√V, Maglev, bounded loads."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from course.data.hashes import key_hashes, keys, stable_hash
from course.data.movement import (
    compare_schemes,
    cv,
    join_and_leave,
    modulo_moved_theory,
    moved_fraction,
    ring_moved_theory,
    share_cv_theory,
)
from course.data.partitioners import BoundedLoadRing, JumpHash, Maglev, ModuloN, Ring, jump_hash


def test_stable_hash_is_the_same_in_another_interpreter_with_another_hash_seed():
    """Does a fresh Python with a different PYTHONHASHSEED give the same MurmurHash3 value?"""
    code = "from course.data.hashes import stable_hash; print(stable_hash('user:42'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=".").stdout
    assert int(out) == stable_hash("user:42") == 14772097168846764648


def test_modulo_moves_n_over_n_plus_1_and_the_ring_moves_one_over_n_plus_1():
    """Measured on 110,000 keys: modulo-N near N/(N+1), every consistent scheme near 1/(N+1)."""
    for n in (4, 10):
        mod = join_and_leave("modulo-N", n, key_count=110_000)
        assert mod["moved on join"] == pytest.approx(modulo_moved_theory(n), abs=0.01)
        ring = join_and_leave("ring", n, key_count=110_000, vnodes=200)
        assert ring["moved on join"] == pytest.approx(ring_moved_theory(n), abs=0.02)
        assert ring["moved on join"] < 0.5 < mod["moved on join"]


def test_jump_hash_vectorised_equals_the_reference_loop_and_moves_keys_only_to_the_new_bucket():
    """Is the numpy jump hash the paper's loop, and does a join move keys only into the new bucket?"""
    hashes = key_hashes(keys(3000))
    for n in (1, 2, 7, 50):
        fast = JumpHash([f"s{i}" for i in range(n)]).locate(hashes)
        assert fast.tolist() == [jump_hash(int(h), n) for h in hashes]
    before = JumpHash([f"s{i}" for i in range(9)]).owners(hashes)
    after = JumpHash([f"s{i}" for i in range(10)]).owners(hashes)
    assert set(after[before != after]) == {"s9"}


def test_ring_shares_sum_to_one_and_their_cv_follows_one_over_root_v():
    """Over 20 seeds of server names, is the CV of ring shares within 15 % of √((N−1)/(NV+1))?"""
    for v in (1, 16, 100):
        cvs = [cv(list(Ring([f"r{seed}-s{i}" for i in range(20)], v).shares().values())) for seed in range(20)]
        assert float(np.mean(cvs)) == pytest.approx(share_cv_theory(20, v), rel=0.15)
    assert math.fsum(Ring(["a", "b", "c"], 10).shares().values()) == pytest.approx(1.0, abs=1e-12)
    assert share_cv_theory(1000, 100) == pytest.approx(1 / math.sqrt(100), rel=0.01)


def test_maglev_fills_a_prime_table_evenly_and_refuses_a_composite_size():
    """Does each server get ⌊M/N⌋ or ⌈M/N⌉ of a 65537-slot table, and is 65536 refused by name?"""
    m = Maglev([f"s{i}" for i in range(7)])
    counts = np.bincount(m.table, minlength=7)
    assert counts.sum() == 65537 and counts.max() - counts.min() <= 1
    with pytest.raises(ValueError, match="table_size must be a prime"):
        Maglev(["a", "b"], table_size=65536)


def test_bounded_loads_caps_every_server_and_the_plain_ring_does_not():
    """With ε = 0.05 and 1 vnode, is the max load ≤ ⌈1.05·m/N⌉ while the plain ring exceeds it?"""
    nodes = [f"s{i}" for i in range(8)]
    hashes = key_hashes(keys(8000))
    bounded = BoundedLoadRing(nodes, vnodes=1, epsilon=0.05)
    cap = bounded.capacity(8000)
    assert cap == 1050
    assert np.bincount(bounded.locate(hashes), minlength=8).max() <= cap
    assert np.bincount(Ring(nodes, 1).locate(hashes), minlength=8).max() > cap


def test_schemes_compared_and_bad_input_named():
    """Does the comparison cover six schemes, with jump and modulo refusing what they cannot do?"""
    table = compare_schemes(servers=8, key_count=8000, table_size=4093)
    assert [row["scheme"] for row in table] == ["modulo-N", "ring", "rendezvous", "jump", "Maglev", "bounded loads"]
    assert all(row["moved on join"] < 0.2 for row in table[1:]) and table[0]["moved on join"] > 0.8
    with pytest.raises(ValueError, match="jump hash cannot remove"):
        JumpHash(["a", "b", "c"]).without_node("a")
    with pytest.raises(ValueError, match="vnodes"):
        Ring(["a"], 0)
    with pytest.raises(ValueError, match="scheme must be one of"):
        join_and_leave("crc", 4)
    with pytest.raises(ValueError, match="before and after"):
        moved_fraction(np.array(["a"]), np.array(["a", "b"]))
    assert ModuloN(["a", "b"]).owner("k") in ("a", "b")
