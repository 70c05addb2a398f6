"""Dynamo (2007) model: quorums, stale reads, sloppy quorum and hinted handoff, vector clocks, Merkle trees."""

from __future__ import annotations

from math import comb

import pytest

from course.data.dynamo import DynamoStore, QuorumNotMetError
from course.data.merkle import MerkleTree
from course.data.quorums import quorum_latency, simulate_stale_reads, stale_read_probability
from course.data.vclock import compare, increment, merge, reconcile

NODES = [f"s{i}" for i in range(6)]


def test_stale_read_probability_is_zero_exactly_when_r_plus_w_exceeds_n():
    """For every N ≤ 7, R, W: is the exact probability 0 iff R + W > N, and C(N−W,R)/C(N,R) otherwise?"""
    for n in range(1, 8):
        for r in range(1, n + 1):
            for w in range(1, n + 1):
                p = stale_read_probability(n, r, w)
                assert (p == 0) == (r + w > n)
                assert p == comb(n - w, r) / comb(n, r)
    with pytest.raises(ValueError, match="r must"):
        stale_read_probability(3, 4, 1)


def test_monte_carlo_stale_reads_agree_with_the_formula_at_ack_time_and_fall_later():
    """At read_after = 0, within 0.02 of the formula; 20 ms later, fewer stale reads; none when R + W > N."""
    for n, r, w in ((3, 1, 1), (5, 2, 2), (5, 1, 3)):
        now = simulate_stale_reads(n, r, w, trials=40_000, seed=2)
        assert now["stale"] == pytest.approx(stale_read_probability(n, r, w), abs=0.02)
        assert simulate_stale_reads(n, r, w, read_after=0.02, trials=40_000, seed=2)["stale"] < now["stale"]
    assert simulate_stale_reads(3, 2, 2, trials=5000)["stale"] == 0.0


def test_quorum_latency_grows_with_k_and_strict_quorums_fail_under_failures():
    """Is waiting for 3 of 3 slower than 1 of 3, and does a strict W = 2 fail with 2 of 3 down, sloppy not?"""
    one, three = quorum_latency(3, 1, seed=4), quorum_latency(3, 3, seed=4)
    assert one["p999"] < three["p999"] and one["p50"] < three["p50"]
    assert quorum_latency(3, 2, failures=2)["available"] is False
    assert quorum_latency(3, 2, failures=2, sloppy=True)["available"] is True


def test_vector_clocks_order_and_concurrency():
    """Do clocks say before/after/concurrent/equal, and does reconcile keep only the concurrent siblings?"""
    a = increment({}, "x")
    b, c = increment(a, "y"), increment(a, "z")
    assert (compare(a, b), compare(b, a), compare(b, c), compare(b, dict(b))) == (
        "before", "after", "concurrent", "equal")
    assert merge(b, c) == {"x": 1, "y": 1, "z": 1}
    assert [v for _, v in reconcile([(a, 0), (b, 1), (c, 2), (dict(b), 1)])] == [1, 2]


def test_merkle_finds_exactly_the_differing_keys_with_few_comparisons():
    """1,000 keys, 3 changed: does diff return those 3 keys after far fewer than 1,000 comparisons?"""
    items = {f"k{i}": i for i in range(1000)}
    other = dict(items, k5="x", k500="y", k999="z")
    found = MerkleTree(items, depth=8).diff(MerkleTree(other, depth=8))
    assert found["keys"] == ["k5", "k500", "k999"]
    assert found["comparisons"] <= 3 * 2 * 8 + 1
    assert MerkleTree(items, 8).diff(MerkleTree(dict(items), 8)) == {"leaves": [], "keys": [], "comparisons": 1}


def test_preference_list_sloppy_quorum_and_hinted_handoff():
    """Two home replicas down: does a sloppy put succeed with 2 hints, a strict one fail, and recovery hand off?"""
    store = DynamoStore(NODES, n=3, r=2, w=2)
    home = store.preference_list("cart:9")
    assert len(set(home)) == 3
    store.fail(home[0])
    store.fail(home[1])
    result = store.put("cart:9", "book")
    assert result["hinted"] == 2 and result["acks"] == 3
    assert [v for _, v in store.get("cart:9")["versions"]] == ["book"]
    assert store.recover(home[0]) == 1 and store.data[home[0]]["cart:9"][0][1] == "book"
    strict = DynamoStore(NODES, n=3, r=2, w=2, sloppy=False)
    for node in strict.preference_list("cart:9")[:2]:
        strict.fail(node)
    with pytest.raises(QuorumNotMetError):
        strict.put("cart:9", "book")


def test_concurrent_writes_become_siblings_and_anti_entropy_repairs_a_replica():
    """Two writes from the same context via different coordinators: are both kept, and does anti-entropy copy?"""
    store = DynamoStore(NODES, n=3, r=3, w=3)
    first = store.put("k", "v1")
    home = store.preference_list("k")
    store.fail(home[0])                                 # the next write has another coordinator
    store.put("k", "v2", context={})
    store.recover(home[0])
    values = sorted(v for _, v in store.get("k")["versions"])
    assert values == ["v1", "v2"] and first["coordinator"] == home[0]
    store.data[home[2]].pop("k")
    found = store.anti_entropy(home[0], home[2])
    assert found["keys"] == ["k"] and store.data[home[2]]["k"] == store.data[home[0]]["k"]


def test_sloppy_quorum_can_read_stale_even_with_r_plus_w_above_n():
    """R = W = 2 of N = 3: a write taken by stand-ins that then fail is missed by a later read quorum."""
    store = DynamoStore(NODES, n=3, r=2, w=2)
    store.put("k", "v1")
    home = store.preference_list("k")
    store.fail(home[0])
    store.fail(home[1])
    context = store.get("k")["context"]
    second = store.put("k", "v2", context=context)
    standins = [node for node, hint in store.targets("k") if hint is not None]
    assert second["hinted"] == 2 and len(standins) == 2
    for node in standins:
        store.fail(node)                                  # the hint holders crash before handing off
    assert store.recover(home[0]) == 0 and store.recover(home[1]) == 0
    assert [v for _, v in store.get("k")["versions"]] == ["v1"]   # stale, although R + W > N
