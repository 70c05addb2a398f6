"""Gossip (anti-entropy) between replicas of a CRDT: rounds, fanout, message loss, convergence.

Office news spreads by people telling a few colleagues each coffee break: nobody needs the
whole list of staff, a lost conversation only delays things, and after a handful of breaks
everyone knows. Anti-entropy does the same with replica states: in every round each replica
sends its whole state to ``fanout`` peers chosen at random; a receiver merges it. Because a
CRDT merge is commutative, associative and idempotent, duplicates, reordering and losses are
harmless, and the replicas converge once every update has reached everyone.

Model (synchronous rounds, as in the analyses of Demers et al. 1987 and Karp et al. 2000):

- each round, every replica picks ``fanout`` distinct peers uniformly at random;
- ``mode="push"``: it sends its state (as at the start of the round) to each peer;
  ``"pull"``: each peer answers with its own state; ``"push-pull"``: both;
- every message is lost independently with probability ``loss``;
- after all messages of the round, receivers merge what arrived.

For one new update spreading by push with fanout 1 and no loss, the number of rounds until
everyone has it is log₂ n + ln n + O(1) (Frieze and Grimmett 1985; Pittel 1987).

>>> from course.replication.crdt import GSet
>>> states = [GSet({"news"})] + [GSet() for _ in range(63)]
>>> run = AntiEntropy(fanout=1, mode="push", seed=4).run(states)
>>> run.converged, run.rounds, int(run.history.replicas_converged.iloc[-1])
(True, 12, 64)

Taught in: Ep13 · 2-implementation and 3-strategy (disseminating CRDT state).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.replication.crdt import join
from course.validation import require_int, require_probability

__all__ = ["AntiEntropy", "GossipRun", "push_rounds_estimate"]

MODES = ("push", "pull", "push-pull")
# Far beyond any teaching use; they keep a mistyped argument from running for hours.
MAX_ROUNDS, MAX_TRIALS = 100_000, 10_000


def push_rounds_estimate(replicas: int) -> float:
    """log₂ n + ln n: rounds for push gossip (fanout 1, no loss) to reach all n replicas.

    The first term is the doubling phase, the second the slow end where the last few
    replicas wait to be picked (each round a given one is missed by everyone with
    probability about 1/e). The exact count differs by a bounded random amount.

    >>> round(push_rounds_estimate(1024), 2)
    16.93

    Taught in: Ep13 · 2-implementation.
    """
    replicas = require_int("replicas", replicas, minimum=2)
    return math.log2(replicas) + math.log(replicas)


def _require_states(states) -> list:
    if not isinstance(states, Iterable) or isinstance(states, (str, bytes)):
        raise ValueError(f"states must be a sequence of CRDT states, one per replica; got {states!r}")
    states = list(states)
    require_int("number of states", len(states), minimum=2)
    if not all(callable(getattr(state, "merge", None)) for state in states):
        raise ValueError("states must all be CRDT states (objects with a merge method)")
    return states


@dataclass(frozen=True)
class GossipRun:
    """What one run produced.

    ``rounds`` is the first round after which every replica equals the join of all initial
    states (None if that did not happen within ``max_rounds``); ``history`` has one row per
    round (round 0 = the start) with ``messages_sent``, ``messages_lost`` and
    ``replicas_converged``; ``states`` are the final replica states.
    """

    rounds: int | None
    history: pd.DataFrame
    states: list

    @property
    def converged(self) -> bool:
        return self.rounds is not None


class AntiEntropy:
    """Seeded gossip rounds among replicas holding states of one CRDT type.

    Parameters: ``fanout`` peers contacted per replica and round (1 ≤ fanout < replicas);
    ``loss`` probability in [0, 1) that a message is dropped; ``mode`` "push", "pull" or
    "push-pull"; ``seed`` an int or a numpy Generator (the only source of randomness).

    >>> from course.replication.crdt import GCounter
    >>> states = [GCounter({f"r{i}": 1}) for i in range(16)]
    >>> run = AntiEntropy(fanout=2, loss=0.1, mode="push-pull", seed=1).run(states)
    >>> run.rounds, run.states[0].value
    (3, 16)

    Taught in: Ep13 · 2-implementation and 3-strategy.
    """

    def __init__(self, fanout: int = 1, loss: float = 0.0, mode: str = "push-pull", seed=None):
        self.fanout = require_int("fanout", fanout, minimum=1)
        self.loss = require_probability("loss", loss)
        if self.loss >= 1.0:
            raise ValueError("loss must be < 1 (with every message lost nothing converges); got 1")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
        self.mode = mode
        if not (seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence))
                or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0)):
            raise ValueError(f"seed must be None, a whole number >= 0 or a numpy Generator; got {seed!r}")
        self.seed = seed

    def run(self, states: Sequence, max_rounds: int = 200) -> GossipRun:
        """Gossip ``states`` (one per replica, at least 2) until they agree or ``max_rounds`` pass."""
        states = _require_states(states)
        replicas = len(states)
        if self.fanout >= replicas:
            raise ValueError(f"fanout must be < the number of replicas ({replicas}); got {self.fanout}")
        max_rounds = require_int("max_rounds", max_rounds, minimum=1, maximum=MAX_ROUNDS)
        rng = np.random.default_rng(self.seed)
        target = join(states)
        rows = [{"round": 0, "messages_sent": 0, "messages_lost": 0,
                 "replicas_converged": int(sum(state == target for state in states))}]
        rounds = 0 if rows[0]["replicas_converged"] == replicas else None
        round_number = 0
        while rounds is None and round_number < max_rounds:
            round_number += 1
            states, sent, lost = self.exchange(states, rng)
            agreeing = int(sum(state == target for state in states))
            rows.append({"round": round_number, "messages_sent": sent, "messages_lost": lost,
                         "replicas_converged": agreeing})
            if agreeing == replicas:
                rounds = round_number
        return GossipRun(rounds, pd.DataFrame(rows), states)

    def rounds_to_convergence(self, states: Sequence, trials: int, max_rounds: int = 200) -> np.ndarray:
        """Rounds to converge in ``trials`` independent runs (NaN where a run did not converge)."""
        trials = require_int("trials", trials, minimum=1, maximum=MAX_TRIALS)
        streams = np.random.default_rng(self.seed).spawn(trials)
        result = np.full(trials, np.nan)
        for index, stream in enumerate(streams):
            run = AntiEntropy(self.fanout, self.loss, self.mode, stream).run(states, max_rounds)
            if run.converged:
                result[index] = run.rounds
        return result

    def _peers(self, replicas: int, rng: np.random.Generator) -> np.ndarray:
        """Row i: ``fanout`` distinct peers of replica i, never i itself."""
        if self.fanout == 1:
            picks = rng.integers(0, replicas - 1, size=(replicas, 1))
        else:
            picks = np.stack([rng.choice(replicas - 1, size=self.fanout, replace=False)
                              for _ in range(replicas)])
        # Draw among the n - 1 others, then skip over oneself.
        return picks + (picks >= np.arange(replicas)[:, None])

    def exchange(self, states: Sequence, rng: np.random.Generator):
        """One round: return (new states, messages sent, messages lost), drawing from ``rng``."""
        states = _require_states(states)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)); got {rng!r}")
        replicas = len(states)
        if not 1 <= self.fanout < replicas:
            raise ValueError(f"fanout must be < the number of replicas ({replicas}); got {self.fanout}")
        peers = self._peers(replicas, rng)
        senders = np.repeat(np.arange(replicas), self.fanout)
        receivers = peers.ravel()
        if self.mode == "push":
            sources, targets = senders, receivers
        elif self.mode == "pull":
            sources, targets = receivers, senders
        else:
            sources = np.concatenate([senders, receivers])
            targets = np.concatenate([receivers, senders])
        delivered = rng.random(sources.size) >= self.loss
        incoming: list[list[int]] = [[] for _ in range(replicas)]
        for source, target in zip(sources[delivered], targets[delivered]):
            incoming[target].append(source)
        # Messages carry the states as they were at the start of the round.
        new_states = []
        for replica, state in enumerate(states):
            for source in incoming[replica]:
                state = state.merge(states[source])
            new_states.append(state)
        return new_states, int(sources.size), int(sources.size - delivered.sum())
