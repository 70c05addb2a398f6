"""Tests for course.theory.information: entropies, channel capacities, Huffman codes, gossip."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.theory.information import (
    average_code_length,
    awgn_capacity,
    binary_entropy,
    bsc_capacity,
    conditional_entropy,
    decibels_to_ratio,
    entropy,
    huffman_code,
    huffman_code_lengths,
    joint_entropy,
    kl_divergence,
    mutual_information,
    push_gossip_rounds,
    push_gossip_spread,
    shannon_hartley_capacity,
    simulate_push_gossip,
)

distributions = (
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=8)
    .filter(lambda w: sum(w) > 1e-3)
    .map(lambda w: (np.array(w) / sum(w)).tolist())
)


# ---------------------------------------------------------------- entropies


def test_entropy_of_uniform_distributions_is_log2_n():
    """Is the entropy of n equally likely outcomes log₂ n bits?"""
    for n in (1, 2, 3, 8, 1000):
        assert entropy([1 / n] * n) == pytest.approx(math.log2(n), abs=1e-12)


def test_entropy_by_hand_and_zero_terms():
    """Does H(½, ¼, ¼) = 1.5 bits, with 0·log 0 counted as 0?"""
    assert entropy([0.5, 0.25, 0.25, 0.0]) == pytest.approx(1.5)
    assert binary_entropy(0.0) == 0.0 and binary_entropy(1.0) == 0.0


@pytest.mark.parametrize("p", [0.01, 0.11, 0.3, 0.5, 0.9])
def test_binary_entropy_is_entropy_of_a_coin(p):
    """Does H(p) equal the entropy of the two-outcome distribution (p, 1−p)?"""
    assert binary_entropy(p) == pytest.approx(entropy([p, 1 - p]))


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([0.5, 0.6], "must sum to 1"),
        ([1.2, -0.2], ">= 0"),
        ([], "at least 1"),
        ([0.5, float("nan")], "finite"),
    ],
)
def test_entropy_rejects_non_distributions(bad, fragment):
    """Does a list that is not a distribution raise a ValueError naming `probabilities`?"""
    with pytest.raises(ValueError, match=f"probabilities.*{fragment}"):
        entropy(bad)


def test_entropy_accepts_float_round_off():
    """Does a distribution that sums to 1 only up to round-off (ten 0.1s) pass the check?"""
    assert entropy([0.1] * 10) == pytest.approx(math.log2(10))


JOINT = np.array([[0.30, 0.10, 0.05], [0.05, 0.25, 0.25]])


def test_mutual_information_by_definition():
    """Does I = H(X) − H(X|Y) equal Σ p(x,y)·log₂(p(x,y)/(p(x)p(y))) computed directly?"""
    px, py = JOINT.sum(axis=1), JOINT.sum(axis=0)
    direct = sum(
        JOINT[i, j] * math.log2(JOINT[i, j] / (px[i] * py[j]))
        for i, j in itertools.product(range(2), range(3))
    )
    assert mutual_information(JOINT) == pytest.approx(direct, rel=1e-12)
    assert mutual_information(JOINT.T) == pytest.approx(direct, rel=1e-12)  # symmetric


def test_chain_rule_and_conditional_entropy():
    """Does H(X,Y) = H(Y) + H(X|Y) and is H(X|Y) the average entropy of the rows given Y?"""
    py = JOINT.sum(axis=0)
    average = sum(py[j] * entropy(JOINT[:, j] / py[j]) for j in range(3))
    assert conditional_entropy(JOINT) == pytest.approx(average, rel=1e-12)
    assert joint_entropy(JOINT) == pytest.approx(entropy(py) + average, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(px=distributions, py=distributions)
def test_independent_variables_share_no_information(px, py):
    """For an independent joint table p(x)p(y), is I = 0 and H(X,Y) = H(X) + H(Y)?"""
    joint = np.outer(px, py)
    joint /= joint.sum()
    assert mutual_information(joint) == pytest.approx(0.0, abs=1e-9)
    assert joint_entropy(joint) == pytest.approx(entropy(px) + entropy(py), abs=1e-9)


def test_joint_table_checks():
    """Do malformed joint tables raise a ValueError naming `joint`?"""
    with pytest.raises(ValueError, match="joint must be a 2-D"):
        mutual_information([0.5, 0.5])
    with pytest.raises(ValueError, match="joint must sum to 1"):
        conditional_entropy([[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="joint must contain only finite"):
        joint_entropy([[1.5, -0.5]])


def test_kl_divergence_by_hand_and_properties():
    """Is D(p‖q) worked by hand, 0 for p = q, asymmetric, and infinite where q = 0 < p?"""
    expected = 0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25)
    assert kl_divergence([0.5, 0.5], [0.75, 0.25]) == pytest.approx(expected)
    assert kl_divergence([0.2, 0.8], [0.2, 0.8]) == 0.0
    assert kl_divergence([0.75, 0.25], [0.5, 0.5]) != pytest.approx(expected)
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same length"):
        kl_divergence([0.5, 0.5], [1 / 3] * 3)


def test_mutual_information_is_kl_of_joint_from_product():
    """Is I(X;Y) = D(p(x,y) ‖ p(x)p(y)) — two definitions, one number?"""
    product = np.outer(JOINT.sum(axis=1), JOINT.sum(axis=0))
    assert mutual_information(JOINT) == pytest.approx(kl_divergence(JOINT.ravel(), product.ravel()))


# ---------------------------------------------------------------- channels


@pytest.mark.parametrize("p", [0.0, 0.05, 0.11, 0.3, 0.5])
def test_bsc_capacity_is_the_best_mutual_information(p):
    """Is 1 − H(p) the maximum over input distributions of I(X;Y) for a BSC (found by a grid)?"""

    def information_for(q):
        channel = np.array([[1 - p, p], [p, 1 - p]])
        return mutual_information(np.array([[q], [1 - q]]) * channel)

    best = max(information_for(q) for q in np.linspace(0, 1, 201))
    assert bsc_capacity(p) == pytest.approx(best, abs=1e-12)


def test_bsc_capacity_symmetry_and_errors():
    """Is C(p) = C(1−p) (an inverting wire is as good as a wire) and is p outside [0,1] rejected?"""
    assert bsc_capacity(0.9) == pytest.approx(bsc_capacity(0.1))
    assert bsc_capacity(1.0) == 1.0
    with pytest.raises(ValueError, match="crossover_probability must be a probability"):
        bsc_capacity(1.5)


def test_awgn_and_shannon_hartley():
    """Do ½·log₂(1+SNR) and B·log₂(1+SNR) give the textbook values?"""
    assert awgn_capacity(0.0) == 0.0
    assert awgn_capacity(15.0) == pytest.approx(2.0)
    assert decibels_to_ratio(30) == pytest.approx(1000.0)
    assert decibels_to_ratio(-10) == pytest.approx(0.1)
    # 3.1 kHz telephone channel at 30 dB: B·log₂(1001) = 30.9 kbit/s.
    assert shannon_hartley_capacity(3100, 1000) == pytest.approx(3100 * math.log2(1001))
    assert shannon_hartley_capacity(3100, 1000) == pytest.approx(30_898, abs=1)
    # Two real uses per Hz per second (Nyquist) links the two formulas.
    assert shannon_hartley_capacity(1.0, 7.0) == pytest.approx(2 * awgn_capacity(7.0))


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: awgn_capacity(-1), "snr must be >= 0"),
        (lambda: shannon_hartley_capacity(0, 10), "bandwidth must be > 0"),
        (lambda: decibels_to_ratio(5000), "decibels must lie in"),
    ],
)
def test_channel_input_checks(call, fragment):
    """Do impossible channel parameters raise a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=fragment):
        call()


# ---------------------------------------------------------------- Huffman


def is_prefix_free(words):
    return not any(a != b and b.startswith(a) for a in words for b in words)


def best_prefix_code_length(p):
    """Brute force: the least Σ p·ℓ over all lengths with Kraft Σ 2^-ℓ ≤ 1 (a prefix code exists)."""
    n = len(p)
    best = math.inf
    for lengths in itertools.product(range(1, n), repeat=n):
        if sum(2.0**-ell for ell in lengths) <= 1.0:
            best = min(best, float(np.dot(p, lengths)))
    return best


def test_huffman_dyadic_source_meets_entropy():
    """For probabilities that are powers of ½, is L exactly H (ℓ = −log₂ p)?"""
    p = [0.5, 0.25, 0.125, 0.0625, 0.0625]
    lengths = huffman_code_lengths(p)
    assert lengths.tolist() == [1, 2, 3, 4, 4]
    assert average_code_length(p, lengths) == pytest.approx(entropy(p))


@settings(max_examples=40, deadline=None)
@given(
    p=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6).map(
        lambda w: (np.array(w) / sum(w)).tolist()
    )
)
def test_huffman_is_optimal_prefix_free_and_within_one_bit_of_entropy(p):
    """Is the Huffman code prefix-free, optimal (brute force), complete (Kraft = 1) and H ≤ L < H + 1?"""
    words = huffman_code(p)
    lengths = np.array([len(w) for w in words])
    average = average_code_length(p, lengths)
    assert is_prefix_free(words)
    assert sum(2.0**-lengths) == pytest.approx(1.0)
    assert average == pytest.approx(best_prefix_code_length(p), abs=1e-12)
    h = entropy(p)
    assert h - 1e-12 <= average < h + 1


def test_huffman_is_deterministic_and_checks_input():
    """Are ties broken the same way every time, and a single symbol or bad lengths rejected?"""
    assert huffman_code([0.25] * 4) == huffman_code([0.25] * 4) == ["00", "01", "10", "11"]
    with pytest.raises(ValueError, match="probabilities needs at least 2"):
        huffman_code([1.0])
    with pytest.raises(ValueError, match="same length"):
        average_code_length([0.5, 0.5], [1])


# ---------------------------------------------------------------- gossip


def test_gossip_formula_gives_17_and_23_not_10_and_13():
    """Is log₂N + ln N about 17 rounds for 1,000 nodes and 23 for 10,000 (log₂N alone is too few)?"""
    assert push_gossip_rounds(1_000) == pytest.approx(16.8735, abs=1e-4)
    assert push_gossip_rounds(10_000) == pytest.approx(22.4981, abs=1e-4)
    assert math.ceil(push_gossip_rounds(1_000)) == 17
    assert math.ceil(push_gossip_rounds(10_000)) == 23
    with pytest.raises(ValueError, match="nodes must be >= 2"):
        push_gossip_rounds(1)


def test_gossip_simulation_agrees_with_formula_and_its_growth():
    """Do simulated means sit within an O(1) ≈ 1-round gap of log₂N + ln N, the same gap at both sizes?"""
    small = simulate_push_gossip(1_000, runs=300, seed=11)
    large = simulate_push_gossip(10_000, runs=100, seed=12)
    gap_small = small.mean() - push_gossip_rounds(1_000)
    gap_large = large.mean() - push_gossip_rounds(10_000)
    assert 0 < gap_small < 2 and 0 < gap_large < 2
    # The growth from 1,000 to 10,000 nodes is log₂10 + ln 10 = 5.63 rounds, not log₂10 = 3.32.
    growth = large.mean() - small.mean()
    standard_error = math.hypot(
        small.std(ddof=1) / math.sqrt(300), large.std(ddof=1) / math.sqrt(100)
    )
    assert abs(growth - (math.log2(10) + math.log(10))) < 4 * standard_error + 0.3
    assert growth > math.log2(10) + 1


def test_gossip_simulation_is_reproducible_and_monotone():
    """Does the same seed give the same runs, and does the informed count only grow to N?"""
    assert np.array_equal(
        simulate_push_gossip(500, 20, seed=3), simulate_push_gossip(500, 20, seed=3)
    )
    assert not np.array_equal(
        simulate_push_gossip(500, 20, seed=3), simulate_push_gossip(500, 20, seed=4)
    )
    spread = push_gossip_spread(500, seed=np.random.default_rng(5))
    assert spread[0] == 1 and spread[-1] == 500
    assert np.all(np.diff(spread) >= 0)
    # Informed nodes at most double per round (each pushes to one node).
    assert np.all(spread[1:] <= 2 * spread[:-1])


def test_gossip_simulation_requires_a_seed():
    """Is a missing seed refused, so that every run is reproducible?"""
    with pytest.raises(ValueError, match="seed must be an int"):
        simulate_push_gossip(100, 5, seed=None)
    with pytest.raises(ValueError, match="runs must be >= 1"):
        simulate_push_gossip(100, 0, seed=1)
