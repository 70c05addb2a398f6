"""Tests for course.replication.migration: a shadow-run of an OR-Set beside a last-writer-wins cart."""

from __future__ import annotations

import pytest

from course.replication.crdt import ORSet
from course.replication.migration import CartPair, ShadowRun
from course.replication.registers import LWWRegister


def write(pair: CartPair, replica: str, item: str, timestamp: float, remove=False) -> CartPair:
    cart = pair.legacy_items - {item} if remove else pair.legacy_items | {item}
    crdt = pair.crdt.remove(item) if remove else pair.crdt.add(item, replica)
    return CartPair(pair.legacy.assign(cart, timestamp=timestamp, replica=replica), crdt)


def test_concurrent_adds_lose_one_under_lww_but_not_in_the_or_set():
    """Do two concurrent adds keep only the later-stamped cart in the legacy, both in the CRDT?"""
    ann = write(CartPair(), "ann", "tea", timestamp=1.0)
    bob = write(CartPair(), "bob", "jam", timestamp=1.2)
    merged = ann.merge(bob)
    assert merged.legacy_items == {"jam"}
    assert merged.crdt_items == {"tea", "jam"}


def test_a_remove_stamped_by_a_slow_clock_is_undone_under_lww():
    """Does a remove made later in real time, but stamped earlier, come back under LWW only?"""
    both = write(CartPair(), "ann", "tea", timestamp=10.0)
    bob = CartPair().merge(both)
    bob = write(bob, "bob", "tea", timestamp=9.0, remove=True)   # Bob's clock runs 2 s slow
    assert bob.legacy_items == {"tea"}                           # the remove lost to an older write
    assert bob.crdt_items == frozenset()


def test_run_is_deterministic_and_converges_after_quiet_rounds():
    """Does the same seed give the same log, and do all replicas agree once writes stop?"""
    first = ShadowRun(replicas=5, write_rounds=25, quiet_rounds=20, seed=8).run()
    second = ShadowRun(replicas=5, write_rounds=25, quiet_rounds=20, seed=8).run()
    assert first.log.equals(second.log) and first.final_difference == second.final_difference
    assert first.converged
    assert len(first.log) == 5 * 45 and list(first.rounds["round"]) == list(range(1, 46))
    assert (first.rounds.query("round > 25").writes == 0).all()


def test_lww_loses_updates_even_with_perfect_clocks():
    """With no clock skew, does the legacy still diverge, mostly by showing fewer items?

    Concurrent edits of one cart are enough: last-writer-wins keeps one whole cart and drops
    the other's adds, so summed over seeds the CRDT-only items outnumber the legacy-only ones.
    """
    totals = {"only_in_legacy": 0, "only_in_crdt": 0}
    for seed in range(12):
        final = ShadowRun(clock_skew=0.0, seed=seed).run().final_difference
        for key in totals:
            totals[key] += final[key]
    assert totals["only_in_crdt"] > 0
    assert totals["only_in_crdt"] > totals["only_in_legacy"]


def test_the_crdt_side_matches_an_or_set_given_the_same_writes():
    """Is the shadow CRDT exactly the OR-Set the writes build (the pairing changes nothing)?"""
    pair = CartPair()
    plain = ORSet()
    for step, (item, remove) in enumerate([("a", False), ("b", False), ("a", True), ("c", False)]):
        pair = write(pair, "ann", item, timestamp=float(step), remove=remove)
        plain = plain.remove(item) if remove else plain.add(item, "ann")
    assert pair.crdt == plain and pair.crdt_items == {"b", "c"} == pair.legacy_items
    assert pair.legacy == LWWRegister(frozenset({"b", "c"}), 3.0, "ann")


@pytest.mark.parametrize("kwargs, message", [
    ({"replicas": 1}, "replicas"),
    ({"writes_per_round": 0}, "writes_per_round"),
    ({"remove_share": 1.5}, "remove_share"),
    ({"clock_skew": -1}, "clock_skew"),
    ({"read_from": "both"}, "read_from"),
    ({"replicas": 3, "fanout": 3}, "fanout"),
    ({"loss": 1.0}, "loss"),
    ({"seed": -3}, "seed"),
    ({"write_rounds": 10**9}, "write_rounds"),
])
def test_bad_parameters_raise_value_error(kwargs, message):
    """Does each bad parameter raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=message):
        ShadowRun(**kwargs)


def test_cart_pairs_refuse_foreign_states():
    """Is a pair of the wrong types, or a merge with a non-pair, refused with a message?"""
    with pytest.raises(ValueError, match="legacy"):
        CartPair(legacy=LWWRegister("not a cart"))
    with pytest.raises(ValueError, match="crdt"):
        CartPair(crdt=3.0)
    with pytest.raises(ValueError, match="other"):
        CartPair().merge(ORSet())
