"""Tests for course.replication.registers: last-writer-wins and multi-value registers by hand.

The merge laws and each register's specification on random histories are tested in
tests/test_crdt.py, with the counters and sets.
"""

from __future__ import annotations

import math

import pytest

from course.replication.crdt import VersionVector
from course.replication.registers import LWWRegister, MVRegister


def test_lww_register_tie_breaks_by_replica_and_loses_stale_writes():
    """Do equal timestamps resolve by replica id, and is an older-stamped write lost?"""
    ann = LWWRegister().assign("a", timestamp=5, replica="ann")
    bob = LWWRegister().assign("b", timestamp=5, replica="bob")
    assert ann.merge(bob).value == bob.merge(ann).value == "b"
    assert bob.assign("late-but-stale", timestamp=4, replica="cat").value == "b"


def test_lww_register_rejects_two_writes_with_one_stamp():
    """Is a second, different write with the same (timestamp, replica) rejected?"""
    a = LWWRegister().assign("a", timestamp=1, replica="ann")
    with pytest.raises(ValueError, match="same timestamp"):
        a.merge(LWWRegister().assign("b", timestamp=1, replica="ann"))


def test_mv_register_keeps_concurrent_writes_until_one_overwrites_both():
    """Are concurrent writes kept as siblings, and does a later write replace all it saw?"""
    ann = MVRegister().assign("a", "ann")
    bob = MVRegister().assign("b", "bob")
    both = ann.merge(bob)
    assert both.values == {"a", "b"}
    assert both.clock == VersionVector({"ann": 1, "bob": 1})
    resolved = both.assign("c", "cat")
    assert resolved.values == {"c"} and resolved.merge(ann).values == {"c"}


def test_an_empty_lww_register_loses_to_any_write():
    """Does the empty register (timestamp −inf) give way to the first write, in either merge order?"""
    written = LWWRegister().assign("v", timestamp=-1e9, replica="ann")
    assert LWWRegister().merge(written) == written == written.merge(LWWRegister())
    assert LWWRegister().timestamp == -math.inf


def test_registers_are_immutable_values():
    """Does an assignment leave the original register untouched?"""
    empty = MVRegister()
    empty.assign("v", "ann")
    assert empty == MVRegister() and empty.values == frozenset()


@pytest.mark.parametrize("call, message", [
    (lambda: LWWRegister().assign("v", timestamp=float("nan"), replica="ann"), "timestamp"),
    (lambda: LWWRegister().assign("v", timestamp=1.0, replica=""), "replica"),
    (lambda: LWWRegister("v", timestamp=float("inf")), "timestamp"),
    (lambda: LWWRegister().merge(MVRegister()), "other must be a LWWRegister"),
    (lambda: MVRegister([("v", {"ann": 1})]), "VersionVector"),
    (lambda: MVRegister(3.0), "siblings"),
    (lambda: MVRegister().assign(["unhashable"], "ann"), "hashable"),
])
def test_bad_input_raises_value_error(call, message):
    """Does each bad argument raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=message):
        call()
