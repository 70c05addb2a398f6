"""Quorum sizing, intersection and placement: do they match counting by hand and brute force?"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.coordination.quorums import (
    Placement,
    cluster_availability,
    cluster_size,
    quorum_overlap,
    quorum_size,
    quorums_intersect,
    tolerated_faults,
)


def test_five_members_tolerate_two_crash_faults():
    assert tolerated_faults(5) == 2 and quorum_size(5) == 3 and cluster_size(2) == 5


def test_four_members_tolerate_one_byzantine_fault():
    assert tolerated_faults(4, "byzantine") == 1 and cluster_size(1, "byzantine") == 4
    assert quorum_size(4, "byzantine") == 3


def test_even_sizes_add_no_crash_tolerance():
    for n in (2, 4, 6, 8):
        assert tolerated_faults(n) == tolerated_faults(n - 1)


@given(st.integers(min_value=1, max_value=60), st.sampled_from(["crash", "byzantine"]))
def test_quorums_of_every_size_intersect_enough(members, model):
    """Do any two quorums share more than f members, and does a quorum survive f faults?"""
    f, q = tolerated_faults(members, model), quorum_size(members, model)
    assert quorums_intersect(members, q, q, faults=f if model == "byzantine" else 0)
    assert members - f >= q
    assert cluster_size(f, model) <= members


@given(st.integers(min_value=1, max_value=60))
def test_byzantine_quorum_is_the_smallest_that_keeps_an_honest_member_in_common(members):
    f, q = tolerated_faults(members, "byzantine"), quorum_size(members, "byzantine")
    assert quorum_overlap(members, q, q) >= f + 1
    assert q == 1 or quorum_overlap(members, q - 1, q - 1) < f + 1


def test_overlap_of_two_minorities_can_be_empty():
    assert quorum_overlap(4, 2, 2) == 0 and not quorums_intersect(4, 2, 2)


def brute_force(members_per_zone, member_a, zone_a):
    """Enumerate every up/down state of every zone and every member."""
    zones = len(members_per_zone)
    n = sum(members_per_zone)
    q = n // 2 + 1
    owner = [z for z, count in enumerate(members_per_zone) for _ in range(count)]
    total = 0.0
    for zone_state in itertools.product((0, 1), repeat=zones):
        pz = math.prod(zone_a if up else 1 - zone_a for up in zone_state)
        for member_state in itertools.product((0, 1), repeat=n):
            pm = math.prod(member_a if up else 1 - member_a for up in member_state)
            working = sum(1 for i, up in enumerate(member_state) if up and zone_state[owner[i]])
            total += pz * pm * (working >= q)
    return total


@pytest.mark.parametrize("layout", [(3,), (2, 1), (1, 1, 1), (2, 2, 1), (3, 2), (2, 2, 2, 1)])
@pytest.mark.parametrize("member_a,zone_a", [(0.99, 0.999), (0.9, 0.95), (1.0, 0.99), (0.95, 1.0)])
def test_placement_availability_equals_brute_force_enumeration(layout, member_a, zone_a):
    assert Placement(layout).availability(member_a, zone_a) == pytest.approx(
        brute_force(layout, member_a, zone_a), rel=1e-12, abs=1e-15)


def test_single_zone_placement_is_ep52_k_of_n():
    assert Placement((5,)).availability(0.99) == pytest.approx(cluster_availability(5, 0.99), rel=1e-15)


def test_which_zone_loss_kills_the_quorum():
    assert Placement((2, 1)).zone_losses_survived() == (False, True)
    assert Placement((3, 2)).zone_losses_survived() == (False, True)
    assert Placement((2, 2, 1)).zone_losses_survived() == (True, True, True)
    assert Placement((1, 1, 1)).zone_losses_survived() == (True, True, True)
    rows = Placement((2, 2, 1)).zone_loss_table()
    assert [r["members_left"] for r in rows] == [3, 3, 4] and all(r["quorum"] == 3 for r in rows)


def test_yearly_cost_counts_members_and_remote_followers():
    # 5 members at $0.20/h for 8760 h, 50 GB/month to 3 remote followers at $0.01/GB
    cost = Placement((2, 2, 1)).yearly_cost(0.20, replicated_gb_per_month=50, cross_zone_price_per_gb=0.01)
    assert cost == pytest.approx(5 * 0.20 * 8760 + 12 * 50 * 3 * 0.01, rel=1e-12)
    assert Placement((5,)).yearly_cost(0.20, 50, 0.01) == pytest.approx(5 * 0.20 * 8760, rel=1e-12)


@pytest.mark.parametrize("call,name", [
    (lambda: cluster_size(-1), "faults"),
    (lambda: tolerated_faults(0), "members"),
    (lambda: quorum_size(3, "omission"), "fault_model"),
    (lambda: quorum_overlap(5, 6, 3), "first"),
    (lambda: cluster_availability(3, 1.5), "member_availability"),
    (lambda: Placement(()), "members_per_zone"),
    (lambda: Placement((0, 0)), "members_per_zone"),
    (lambda: Placement(5), "members_per_zone"),
    (lambda: Placement((1.5, 2)), "members_per_zone"),
    (lambda: Placement((1, 1)).availability(0.9, -0.1), "zone_availability"),
    (lambda: Placement((1, 1)).yearly_cost(-1.0), "member_price_per_hour"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
