"""Information theory for distributed systems: entropy, channels, codes, gossip.

How many bits does a message really carry? How fast can a noisy link go? How many rounds
until a rumour reaches every node? Shannon's quantities answer these with one unit, the
bit: entropy H(X) = −Σ p·log₂p is the average surprise of a source, and no lossless code
can beat it on average.

Glossary: ``probabilities`` a distribution (sums to 1), ``joint`` a table
P(X = i, Y = j) with X along rows and Y along columns, entropies and information in
bits, ``crossover_probability`` p of a binary symmetric channel, ``snr`` signal-to-noise
power ratio (linear, not dB), ``bandwidth`` in Hz, capacities in bits per channel use or
bit/s, ``nodes`` N of a gossip cluster, ``rounds`` of gossip.

Planned for Ep54 · 1-foundations and 2-implementation.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from course.validation import (
    require_array,
    require_in_range,
    require_int,
    require_non_negative,
    require_positive,
    require_probability,
    require_rng,
    require_same_length,
)

_SUM_TOLERANCE = 1e-9

#: Gossip simulations keep one flag per node and repeat ``runs`` times. The caps (about a
#: minute of work at most) stop a typo such as 10⁹ nodes from exhausting memory or hanging.
MAX_GOSSIP_NODES = 1_000_000
MAX_GOSSIP_RUNS = 100_000
MAX_GOSSIP_WORK = 100_000_000  # nodes × runs


def _distribution(name: str, values, min_length: int = 1) -> np.ndarray:
    p = require_array(name, values, min_length=min_length, non_negative=True)
    if abs(p.sum() - 1.0) > _SUM_TOLERANCE:
        raise ValueError(
            f"{name} must sum to 1 (a probability distribution); got sum {p.sum():.10g}"
        )
    return p


def _joint_table(joint) -> np.ndarray:
    try:
        table = np.asarray(joint, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("joint must be a 2-D table of probabilities P(X=i, Y=j)") from None
    if table.ndim != 2 or table.size == 0:
        raise ValueError(
            f"joint must be a 2-D table P(X=i, Y=j) (rows X, columns Y); got shape {table.shape}"
        )
    if not np.all(np.isfinite(table)) or np.any(table < 0):
        raise ValueError("joint must contain only finite probabilities >= 0")
    if abs(table.sum() - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"joint must sum to 1 over all cells; got sum {table.sum():.10g}")
    return table


def _bits(p: np.ndarray) -> float:
    """−Σ p log₂ p with 0·log 0 = 0 (the limit), for an already-checked array."""
    nonzero = p[p > 0]
    return float(-(nonzero * np.log2(nonzero)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


# ---------------------------------------------------------------- entropies


def entropy(probabilities) -> float:
    """Shannon entropy H = −Σ p·log₂ p in bits.

    The average number of yes/no questions needed to guess an outcome with the best
    strategy: 1 bit for a fair coin, 2 bits for one of four equally likely servers.

    >>> entropy([0.5, 0.5]), entropy([0.25] * 4), entropy([1.0, 0.0])
    (1.0, 2.0, 0.0)

    Planned for Ep54 · 1-foundations.
    """
    return _bits(_distribution("probabilities", probabilities))


def binary_entropy(p: float) -> float:
    """H(p) = −p·log₂p − (1−p)·log₂(1−p) in bits: the entropy of a coin with bias p.

    >>> round(binary_entropy(0.11), 4)
    0.4999

    Planned for Ep54 · 1-foundations.
    """
    p = require_probability("p", p)
    return _bits(np.array([p, 1.0 - p]))


def joint_entropy(joint) -> float:
    """H(X, Y) in bits from a joint table P(X=i, Y=j) (rows X, columns Y).

    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]])
    2.0

    Planned for Ep54 · 1-foundations.
    """
    return _bits(_joint_table(joint).ravel())


def conditional_entropy(joint) -> float:
    """H(X | Y) = H(X, Y) − H(Y) in bits: uncertainty left in X (rows) once Y (columns) is known.

    >>> conditional_entropy([[0.5, 0.0], [0.0, 0.5]])   # Y reveals X exactly
    0.0

    Planned for Ep54 · 1-foundations.
    """
    table = _joint_table(joint)
    return _bits(table.ravel()) - _bits(table.sum(axis=0))


def mutual_information(joint) -> float:
    """I(X; Y) = H(X) − H(X | Y) in bits: what observing Y tells about X (rows of ``joint``).

    Symmetric in X and Y, zero exactly when they are independent.

    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]])
    1.0
    >>> mutual_information([[0.25, 0.25], [0.25, 0.25]])
    0.0

    Planned for Ep54 · 1-foundations.
    """
    table = _joint_table(joint)
    value = _bits(table.sum(axis=1)) - (_bits(table.ravel()) - _bits(table.sum(axis=0)))
    return max(value, 0.0)  # I >= 0; clip round-off like -1e-16


def kl_divergence(p, q) -> float:
    """Kullback–Leibler divergence D(p ‖ q) = Σ p·log₂(p/q) in bits.

    The extra bits per symbol paid for coding a source p with a code built for q. It is
    not symmetric, and it is infinite (``math.inf``) when q gives probability 0 to an
    outcome p can produce.

    >>> round(kl_divergence([0.5, 0.5], [0.75, 0.25]), 4)
    0.2075

    Planned for Ep54 · 1-foundations.
    """
    p = _distribution("p", p)
    q = _distribution("q", q)
    require_same_length("p", p, "q", q)
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf
    return max(float(np.sum(p[support] * np.log2(p[support] / q[support]))), 0.0)


# ---------------------------------------------------------------- channels


def bsc_capacity(crossover_probability: float) -> float:
    """Capacity 1 − H(p) of a binary symmetric channel, in bits per channel use.

    Each bit is flipped with probability p. At p = 0.5 the output says nothing (0 bits);
    at p = 0 or 1 it is a perfect (possibly inverted) wire (1 bit).

    >>> round(bsc_capacity(0.11), 4)
    0.5001

    Planned for Ep54 · 1-foundations.
    """
    return 1.0 - binary_entropy(require_probability("crossover_probability", crossover_probability))


def decibels_to_ratio(decibels: float) -> float:
    """Power ratio from decibels: 10^(dB/10). 30 dB is a factor 1000.

    >>> decibels_to_ratio(30)
    1000.0
    """
    # 10^300 is near the largest float: a wider range would overflow to inf.
    return 10.0 ** (require_in_range("decibels", decibels, -3000, 3000) / 10.0)


def awgn_capacity(snr: float) -> float:
    """Capacity ½·log₂(1 + SNR) of the additive white Gaussian noise channel, bits per real use.

    ``snr`` is the linear signal-to-noise power ratio (use :func:`decibels_to_ratio` for dB).

    >>> awgn_capacity(3.0)
    1.0

    Planned for Ep54 · 1-foundations.
    """
    return 0.5 * math.log2(1.0 + require_non_negative("snr", snr))


def shannon_hartley_capacity(bandwidth: float, snr: float) -> float:
    """Shannon–Hartley capacity C = B·log₂(1 + SNR) in bit/s for ``bandwidth`` B in Hz.

    A band of B Hz carries 2B real samples per second, each worth ½·log₂(1 + SNR) bits.

    >>> round(shannon_hartley_capacity(3000, decibels_to_ratio(30)))   # a phone line
    29902

    Planned for Ep54 · 1-foundations.
    """
    return require_positive("bandwidth", bandwidth) * math.log2(
        1.0 + require_non_negative("snr", snr)
    )


# ---------------------------------------------------------------- Huffman coding


def huffman_code(probabilities) -> list[str]:
    """Optimal prefix-free binary code words, one per symbol, by Huffman's algorithm.

    Repeatedly merge the two least likely groups, prefixing 0 to one and 1 to the other.
    Frequent symbols get short words; the average length L obeys H ≤ L < H + 1 bits.
    Ties are broken by symbol order, so the result is deterministic.

    >>> huffman_code([0.5, 0.25, 0.125, 0.125])
    ['0', '10', '110', '111']

    Planned for Ep54 · 1-foundations.
    """
    p = _distribution("probabilities", probabilities, min_length=2)
    codes = [""] * p.size
    # (probability, tie-break, symbols in the group); the counter keeps lists uncompared.
    heap = [(float(prob), i, [i]) for i, prob in enumerate(p)]
    heapq.heapify(heap)
    counter = p.size
    while len(heap) > 1:
        prob_a, _, group_a = heapq.heappop(heap)
        prob_b, _, group_b = heapq.heappop(heap)
        for symbol in group_a:
            codes[symbol] = "0" + codes[symbol]
        for symbol in group_b:
            codes[symbol] = "1" + codes[symbol]
        heapq.heappush(heap, (prob_a + prob_b, counter, group_a + group_b))
        counter += 1
    return codes


def huffman_code_lengths(probabilities) -> np.ndarray:
    """Code-word lengths in bits of the Huffman code for ``probabilities``.

    >>> huffman_code_lengths([0.4, 0.2, 0.2, 0.1, 0.1]).tolist()
    [2, 2, 2, 3, 3]

    Planned for Ep54 · 1-foundations.
    """
    return np.array([len(word) for word in huffman_code(probabilities)])


def average_code_length(probabilities, lengths) -> float:
    """Average code-word length L = Σ p·ℓ in bits per symbol.

    >>> round(average_code_length([0.4, 0.2, 0.2, 0.1, 0.1], [2, 2, 2, 3, 3]), 10)
    2.2

    Planned for Ep54 · 1-foundations.
    """
    p = _distribution("probabilities", probabilities)
    lengths = require_array("lengths", lengths, non_negative=True)
    require_same_length("probabilities", p, "lengths", lengths)
    return float(np.dot(p, lengths))


# ---------------------------------------------------------------- gossip


def push_gossip_rounds(nodes: int) -> float:
    """Rounds for push gossip to reach all N nodes: about log₂N + ln N (Pittel, 1987).

    Each round every informed node tells one node chosen at random. The informed set
    roughly doubles until half the cluster knows (log₂N rounds); then the last few
    uninformed nodes are found only by luck, which takes another ln N rounds, like
    collecting the last coupons. Pittel proved the time is log₂N + ln N + O(1); the
    simulation shows the O(1) part is about one round at these sizes.
    Not log₂N alone: that is 10 rounds for 1,000 nodes and 13 for 10,000, both too few.

    Rounds are whole, so take the ceiling: 16.87 → 17 rounds for 1,000 nodes and
    22.50 → 23 for 10,000.

    >>> math.ceil(push_gossip_rounds(1_000)), math.ceil(push_gossip_rounds(10_000))
    (17, 23)

    Planned for Ep54 · 1-foundations.
    """
    nodes = require_int("nodes", nodes, minimum=2)
    return math.log2(nodes) + math.log(nodes)


def push_gossip_spread(nodes: int, seed) -> np.ndarray:
    """Simulate one push-gossip run; return the number of informed nodes after each round.

    Element 0 is the start (1 node knows); the last element equals ``nodes``. Each round
    every informed node pushes to a node chosen uniformly among the other N − 1.
    ``seed`` is an int or a numpy Generator.

    >>> spread = push_gossip_spread(1_000, seed=1)
    >>> int(spread[0]), int(spread[-1]), len(spread) - 1 >= 10
    (1, 1000, True)

    Planned for Ep54 · 2-implementation.
    """
    nodes = require_int("nodes", nodes, minimum=2, maximum=MAX_GOSSIP_NODES)
    rng = require_rng("seed", seed)
    informed = np.zeros(nodes, dtype=bool)
    informed[0] = True
    counts = [1]
    while counts[-1] < nodes:
        senders = np.flatnonzero(informed)
        targets = rng.integers(0, nodes - 1, size=senders.size)
        targets += targets >= senders  # skip the sender itself: uniform over the other N-1
        informed[targets] = True
        counts.append(int(informed.sum()))
    return np.array(counts)


def simulate_push_gossip(nodes: int, runs: int, seed) -> np.ndarray:
    """Rounds until every node is informed, for ``runs`` independent push-gossip runs.

    ``seed`` is an int or a numpy Generator; the runs share its stream, so the whole
    batch is reproducible.

    >>> rounds = simulate_push_gossip(1_000, runs=200, seed=7)
    >>> bool(abs(rounds.mean() - push_gossip_rounds(1_000)) < 2)
    True

    Planned for Ep54 · 2-implementation.
    """
    nodes = require_int("nodes", nodes, minimum=2, maximum=MAX_GOSSIP_NODES)
    runs = require_int("runs", runs, minimum=1, maximum=MAX_GOSSIP_RUNS)
    if nodes * runs > MAX_GOSSIP_WORK:
        raise ValueError(
            f"nodes × runs must be <= {MAX_GOSSIP_WORK:,} (about a minute of simulation); "
            f"got {nodes:,} × {runs:,}"
        )
    rng = require_rng("seed", seed)
    return np.array([len(push_gossip_spread(nodes, rng)) - 1 for _ in range(runs)])


__all__ = [
    "average_code_length",
    "awgn_capacity",
    "binary_entropy",
    "bsc_capacity",
    "conditional_entropy",
    "decibels_to_ratio",
    "entropy",
    "huffman_code",
    "huffman_code_lengths",
    "joint_entropy",
    "kl_divergence",
    "MAX_GOSSIP_NODES",
    "MAX_GOSSIP_RUNS",
    "MAX_GOSSIP_WORK",
    "mutual_information",
    "push_gossip_rounds",
    "push_gossip_spread",
    "simulate_push_gossip",
]
