"""Quorums: how many members a cluster needs for f faults, and what placing them in zones buys.

A committee that decides by majority keeps deciding while a minority is absent, and two
majorities of the same committee always share a member — that shared member is why a
consensus cluster never decides two different things. With **crash faults** (a member
stops, it does not lie) n = 2f + 1 members tolerate f of them, with a majority quorum of
⌊n/2⌋ + 1. With **Byzantine faults** (a member may say anything) n = 3f + 1 are needed, and
two quorums must overlap in at least f + 1 members so that one honest member is in both.

Availability of the quorum reuses Ep52's k-of-n arithmetic
(:func:`course.reliability.availability.k_of_n`): a cluster of n members answers while at
least a quorum of them is up. :class:`Placement` spreads members over zones (``(2, 2, 1)``
is five members over three zones) and says which zone loss kills the quorum, the
availability with per-member and per-zone availabilities, and a yearly cost.

Vocabulary: ``members`` (n), ``faults`` (f), ``quorum`` (q, members), ``fault_model``
(``"crash"`` or ``"byzantine"``), availabilities are probabilities in [0, 1], prices in USD.

>>> cluster_size(2), cluster_size(1, "byzantine")
(5, 4)
>>> tolerated_faults(5), quorum_size(5)
(2, 3)
>>> Placement((1, 1, 1)).zone_losses_survived()
(True, True, True)

Taught in: Ep17 · 1-foundations (sizing, intersection, placement); 3-strategy (money).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from course.reliability.availability import k_of_n
from course.validation import require_int, require_non_negative, require_probability

__all__ = [
    "FAULT_MODELS", "HOURS_PER_YEAR", "cluster_size", "tolerated_faults", "quorum_size",
    "quorum_overlap", "quorums_intersect", "cluster_availability", "Placement",
]

FAULT_MODELS = ("crash", "byzantine")
#: 365 days of 24 hours: the year every yearly cost here is priced over.
HOURS_PER_YEAR = 8760


def _model(fault_model: str) -> str:
    if fault_model not in FAULT_MODELS:
        raise ValueError(f"fault_model must be one of {FAULT_MODELS}; got {fault_model!r}")
    return fault_model


def cluster_size(faults: int, fault_model: str = "crash") -> int:
    """Members needed to tolerate ``faults`` faulty members: 2f + 1 (crash) or 3f + 1 (Byzantine).

    >>> [cluster_size(f) for f in range(4)]
    [1, 3, 5, 7]
    >>> cluster_size(1, "byzantine")
    4
    """
    faults = require_int("faults", faults, minimum=0, maximum=10**6)
    return (2 if _model(fault_model) == "crash" else 3) * faults + 1


def tolerated_faults(members: int, fault_model: str = "crash") -> int:
    """Faulty members a cluster of ``members`` tolerates: ⌊(n − 1)/2⌋ (crash) or ⌊(n − 1)/3⌋ (Byzantine).

    An even size adds a member and no tolerance: 4 members tolerate 1 crash, like 3.

    >>> [tolerated_faults(n) for n in range(1, 8)]
    [0, 0, 1, 1, 2, 2, 3]
    >>> tolerated_faults(4, "byzantine"), tolerated_faults(6, "byzantine")
    (1, 1)
    """
    members = require_int("members", members, minimum=1, maximum=10**6)
    return (members - 1) // (2 if _model(fault_model) == "crash" else 3)


def quorum_size(members: int, fault_model: str = "crash") -> int:
    """Members a decision needs: a majority ⌊n/2⌋ + 1 (crash) or ⌈(n + f + 1)/2⌉ (Byzantine).

    The Byzantine quorum is the smallest size whose any two quorums share f + 1 members
    (so at least one honest one); for n = 3f + 1 it is 2f + 1.

    >>> quorum_size(5), quorum_size(4), quorum_size(4, "byzantine"), quorum_size(7, "byzantine")
    (3, 3, 3, 5)
    """
    members = require_int("members", members, minimum=1, maximum=10**6)
    if _model(fault_model) == "crash":
        return members // 2 + 1
    faults = tolerated_faults(members, "byzantine")
    return -(-(members + faults + 1) // 2)


def quorum_overlap(members: int, first: int, second: int) -> int:
    """Fewest members two quorums of sizes ``first`` and ``second`` out of ``members`` share.

    Pigeonhole: q₁ + q₂ − n (never below 0).

    >>> quorum_overlap(5, 3, 3), quorum_overlap(4, 2, 2)
    (1, 0)
    """
    members = require_int("members", members, minimum=1, maximum=10**6)
    first = require_int("first", first, minimum=1, maximum=members)
    second = require_int("second", second, minimum=1, maximum=members)
    return max(0, first + second - members)


def quorums_intersect(members: int, first: int, second: int, faults: int = 0) -> bool:
    """Whether every pair of quorums shares more than ``faults`` members (≥ 1 honest member in both).

    ``faults=0`` is the crash case (any common member will do).

    >>> quorums_intersect(5, 3, 3), quorums_intersect(4, 2, 2), quorums_intersect(4, 3, 3, faults=1)
    (True, False, True)
    """
    faults = require_int("faults", faults, minimum=0, maximum=10**6)
    return quorum_overlap(members, first, second) > faults


def cluster_availability(members: int, member_availability: float, fault_model: str = "crash") -> float:
    """Probability that at least a quorum of independent members is up (Ep52's k-of-n).

    >>> round(cluster_availability(3, 0.99), 6), round(cluster_availability(5, 0.99), 8)
    (0.999702, 0.99999015)
    """
    members = require_int("members", members, minimum=1, maximum=10**6)
    member_availability = require_probability("member_availability", member_availability)
    return k_of_n(quorum_size(members, fault_model), members, member_availability)


@dataclass(frozen=True)
class Placement:
    """Members spread over zones: ``members_per_zone[i]`` members in zone i.

    A zone is a failure domain (a data centre, a cloud availability zone): when it is down,
    all its members are. Members and zones fail independently under this model; a shared
    cause (a region, a bad deploy) is outside it.

    >>> p = Placement((2, 1))                 # three members over two zones
    >>> p.members, p.quorum, p.zone_losses_survived()
    (3, 2, (False, True))
    >>> round(p.availability(member_availability=1.0, zone_availability=0.999), 6)   # zone 0 must be up
    0.999
    """

    members_per_zone: tuple[int, ...]
    fault_model: str = "crash"

    def __post_init__(self):
        try:
            counts = tuple(self.members_per_zone)
        except TypeError:
            raise ValueError(f"members_per_zone must be a sequence of member counts, one per zone; "
                             f"got {self.members_per_zone!r}") from None
        if not 1 <= len(counts) <= 10:
            raise ValueError(f"members_per_zone must list 1 to 10 zones; got {len(counts)}")
        for count in counts:
            require_int("members_per_zone", count, minimum=0, maximum=1000)
        if sum(counts) < 1:
            raise ValueError("members_per_zone must place at least 1 member; got 0")
        _model(self.fault_model)
        object.__setattr__(self, "members_per_zone", counts)

    @property
    def members(self) -> int:
        """n, all members in all zones."""
        return sum(self.members_per_zone)

    @property
    def quorum(self) -> int:
        """Members a decision needs (:func:`quorum_size`)."""
        return quorum_size(self.members, self.fault_model)

    @property
    def tolerated_faults(self) -> int:
        """Member faults tolerated anywhere (:func:`tolerated_faults`)."""
        return tolerated_faults(self.members, self.fault_model)

    def zone_losses_survived(self) -> tuple[bool, ...]:
        """For each zone: does a quorum remain when that zone (all its members) is lost?"""
        return tuple(self.members - lost >= self.quorum for lost in self.members_per_zone)

    def zone_loss_table(self) -> list[dict]:
        """One tidy row per zone: members lost, members left, quorum, whether the cluster survives."""
        return [{"zone": zone, "members_lost": lost, "members_left": self.members - lost,
                 "quorum": self.quorum, "survives": self.members - lost >= self.quorum}
                for zone, lost in enumerate(self.members_per_zone)]

    def availability(self, member_availability: float, zone_availability: float = 1.0) -> float:
        """Probability that a quorum is up, members and zones failing independently.

        Sum over the 2^zones up/down patterns of the zones: with the members of the up zones
        available, the k-of-n probability (Ep52) that at least a quorum of them is up.
        """
        member_availability = require_probability("member_availability", member_availability)
        zone_availability = require_probability("zone_availability", zone_availability)
        total = 0.0
        for pattern in itertools.product((True, False), repeat=len(self.members_per_zone)):
            up_zones = sum(pattern)
            weight = zone_availability**up_zones * (1 - zone_availability) ** (len(pattern) - up_zones)
            reachable = sum(count for count, up in zip(self.members_per_zone, pattern) if up)
            if weight and reachable >= self.quorum:
                total += weight * k_of_n(self.quorum, reachable, member_availability)
        return min(1.0, total)

    def yearly_cost(self, member_price_per_hour: float, replicated_gb_per_month: float = 0.0,
                    cross_zone_price_per_gb: float = 0.0) -> float:
        """USD a year: every member all year, plus the leader's replication traffic across zones.

        The leader sends each replicated GB to every follower; with the leader in the fullest
        zone, the followers in the other zones receive theirs across a zone boundary, billed
        ``cross_zone_price_per_gb`` (your provider's price; the default 0 leaves it out).

        >>> round(Placement((1, 1, 1)).yearly_cost(0.10), 2)
        2628.0
        >>> round(Placement((1, 1, 1)).yearly_cost(0.10, replicated_gb_per_month=100, cross_zone_price_per_gb=0.02), 2)
        2676.0
        """
        member_price_per_hour = require_non_negative("member_price_per_hour", member_price_per_hour)
        replicated_gb_per_month = require_non_negative("replicated_gb_per_month", replicated_gb_per_month)
        cross_zone_price_per_gb = require_non_negative("cross_zone_price_per_gb", cross_zone_price_per_gb)
        remote_followers = self.members - max(self.members_per_zone)
        machines = self.members * member_price_per_hour * HOURS_PER_YEAR
        traffic = 12 * replicated_gb_per_month * remote_followers * cross_zone_price_per_gb
        return machines + traffic
