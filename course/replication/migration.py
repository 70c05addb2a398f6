"""Migrating a replicated shopping cart from last-writer-wins anti-entropy to an OR-Set CRDT.

The playbook: (1) **shadow-run** — keep serving from the old system, and apply every write
to a CRDT beside it; (2) **log divergence** — after every exchange, compare what each
replica would show under both; explain every difference before going on; (3) **switch**
reads to the CRDT once the differences are all ones the CRDT is right about; (4) **retire**
the old conflict resolution. The CRDT state still has to travel between replicas: gossip or
anti-entropy stays, now carrying states whose merge cannot lose an update.

The legacy system here stores each cart as one value resolved by last-writer-wins on the
writer's clock (as many anti-entropy stores do): two concurrent edits of the same cart keep
only the one with the later timestamp, so an add can vanish and a removed item can come
back. The CRDT is the add-wins :class:`~course.replication.crdt.ORSet`. Both receive the same writes
at the same replicas and are merged by the *same* gossip messages, so every difference is
down to the data type.

>>> run = ShadowRun(replicas=4, write_rounds=20, seed=3).run()
>>> run.converged, sorted(run.final_difference)
(True, ['crdt_items', 'legacy_items', 'only_in_crdt', 'only_in_legacy'])

Taught in: Ep13 · 3-strategy (the migration playbook).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.replication.crdt import ORSet
from course.replication.gossip import AntiEntropy
from course.replication.registers import LWWRegister
from course.validation import (
    require_int,
    require_non_negative,
    require_positive,
    require_probability,
)

__all__ = ["CartPair", "ShadowRun", "ShadowResult"]


class CartPair:
    """One replica's cart in both systems: the legacy LWW value and the shadow OR-Set."""

    __slots__ = ("legacy", "crdt")

    def __init__(self, legacy: LWWRegister | None = None, crdt: ORSet | None = None):
        self.legacy = legacy if legacy is not None else LWWRegister(frozenset())
        self.crdt = crdt if crdt is not None else ORSet()
        if not isinstance(self.legacy, LWWRegister) or not isinstance(self.legacy.value, frozenset):
            raise ValueError(f"legacy must be an LWWRegister holding a frozenset cart; got {legacy!r}")
        if not isinstance(self.crdt, ORSet):
            raise ValueError(f"crdt must be an ORSet; got {crdt!r}")

    def merge(self, other: CartPair) -> CartPair:
        if not isinstance(other, CartPair):
            raise ValueError(f"other must be a CartPair; got {type(other).__name__}")
        return CartPair(self.legacy.merge(other.legacy), self.crdt.merge(other.crdt))

    def __eq__(self, other) -> bool:
        return isinstance(other, CartPair) and self.legacy == other.legacy and self.crdt == other.crdt

    __hash__ = None

    @property
    def legacy_items(self) -> frozenset:
        return self.legacy.value

    @property
    def crdt_items(self) -> frozenset:
        return self.crdt.value


@dataclass(frozen=True)
class ShadowResult:
    """``log``: one row per round and replica (items only the legacy shows, only the CRDT
    shows); ``rounds``: per round, writes, divergent replicas and items; ``final_difference``:
    after writes stop and gossip settles (see ``converged``), the item counts of both carts
    and of the items only one of them shows.

    An item only the CRDT shows is an add that last-writer-wins overwrote — or an add
    concurrent with a remove, which the add-wins OR-Set keeps (a semantic choice). An item
    only the legacy shows is a removed item that an older cart brought back — or a remove
    concurrent with an add. Explaining each is the "log divergence" step.
    """

    log: pd.DataFrame
    rounds: pd.DataFrame
    final_difference: dict
    states: list
    converged: bool


@dataclass(frozen=True)
class ShadowRun:
    """A seeded shadow-run: ``write_rounds`` rounds of writes, then ``quiet_rounds`` of gossip only.

    Per round, a Poisson(``writes_per_round``) number of writes lands at random replicas;
    a share ``remove_share`` of them removes an item the replica's user sees (served from
    ``read_from``: "legacy" while shadowing, "crdt" after the switch), the rest add one of
    ``catalog`` products. Replica clocks are offset by normal errors of ``clock_skew``
    seconds (one round = 1 s). Then one gossip exchange (``fanout``, ``loss``).
    """

    replicas: int = 5
    write_rounds: int = 30
    quiet_rounds: int = 15
    writes_per_round: float = 3.0
    remove_share: float = 0.35
    catalog: int = 8
    clock_skew: float = 0.3
    fanout: int = 1
    loss: float = 0.1
    read_from: str = "legacy"
    seed: int | None = None

    def __post_init__(self):
        # The upper limits are far beyond any teaching use: they stop a typo running for hours.
        require_int("replicas", self.replicas, minimum=2, maximum=1_000)
        require_int("write_rounds", self.write_rounds, minimum=1, maximum=100_000)
        require_int("quiet_rounds", self.quiet_rounds, minimum=0, maximum=100_000)
        if require_positive("writes_per_round", self.writes_per_round) > 1_000:
            raise ValueError(f"writes_per_round must be <= 1000; got {self.writes_per_round:g}")
        require_probability("remove_share", self.remove_share)
        require_int("catalog", self.catalog, minimum=1, maximum=1_000_000)
        require_non_negative("clock_skew", self.clock_skew)
        AntiEntropy(fanout=self.fanout, loss=self.loss, seed=self.seed)  # checks all three
        if self.fanout >= self.replicas:
            raise ValueError(f"fanout must be < replicas ({self.replicas}); got {self.fanout}")
        if self.read_from not in ("legacy", "crdt"):
            raise ValueError(f"read_from must be 'legacy' or 'crdt'; got {self.read_from!r}")

    def run(self) -> ShadowResult:
        rng = np.random.default_rng(self.seed)
        gossip = AntiEntropy(fanout=self.fanout, loss=self.loss, mode="push-pull")
        names = [f"r{i}" for i in range(self.replicas)]
        offsets = rng.normal(0.0, self.clock_skew, self.replicas) if self.clock_skew else np.zeros(self.replicas)
        states = [CartPair() for _ in names]
        log_rows, round_rows = [], []
        for round_number in range(1, self.write_rounds + self.quiet_rounds + 1):
            writes = rng.poisson(self.writes_per_round) if round_number <= self.write_rounds else 0
            for sequence in range(writes):
                index = int(rng.integers(self.replicas))
                states[index] = self._write(states[index], names[index], rng,
                                            timestamp=round_number + offsets[index] + sequence / 1000)
            states, _, _ = gossip.exchange(states, rng)
            divergent = 0
            for name, state in zip(names, states):
                legacy_only = state.legacy_items - state.crdt_items
                crdt_only = state.crdt_items - state.legacy_items
                divergent += bool(legacy_only or crdt_only)
                log_rows.append({"round": round_number, "replica": name,
                                 "legacy_only": len(legacy_only), "crdt_only": len(crdt_only)})
            round_rows.append({"round": round_number, "writes": int(writes),
                               "divergent_replicas": divergent})
        log = pd.DataFrame(log_rows)
        rounds = pd.DataFrame(round_rows).merge(
            log.groupby("round")[["legacy_only", "crdt_only"]].sum().reset_index(), on="round")
        converged = all(state == states[0] for state in states)
        final = states[0]
        return ShadowResult(
            log=log, rounds=rounds, states=states, converged=converged,
            final_difference={
                "only_in_legacy": len(final.legacy_items - final.crdt_items),
                "only_in_crdt": len(final.crdt_items - final.legacy_items),
                "legacy_items": len(final.legacy_items),
                "crdt_items": len(final.crdt_items),
            },
        )

    def _write(self, state: CartPair, replica: str, rng: np.random.Generator, timestamp: float) -> CartPair:
        visible = sorted(state.legacy_items if self.read_from == "legacy" else state.crdt_items)
        if visible and rng.random() < self.remove_share:
            item = visible[int(rng.integers(len(visible)))]
            legacy_cart, crdt = state.legacy_items - {item}, state.crdt.remove(item)
        else:
            item = f"product-{int(rng.integers(self.catalog))}"
            legacy_cart, crdt = state.legacy_items | {item}, state.crdt.add(item, replica)
        return CartPair(state.legacy.assign(legacy_cart, timestamp=timestamp, replica=replica), crdt)
