"""Tests for course.theory.coding: GF(256) arithmetic, Hamming(7,4), Reed–Solomon erasures and errors.

Independent references: carry-less multiplication reduced by 0x11d (no tables), the
published QR-code log table entry log α(3) = 25, the parity-check matrix of a generalised
Reed–Solomon code (a characterisation different from the Lagrange encoder), brute force.
"""

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.theory.coding import (
    EXP,
    LOG,
    ReedSolomon,
    erasure_code_vs_replication,
    gf_add,
    gf_div,
    gf_inverse,
    gf_mul,
    gf_pow,
    hamming74_decode,
    hamming74_encode,
    hamming74_syndrome,
)

# ---------------------------------------------------------------- GF(256)


def carryless_multiply(a, b):
    """Schoolbook polynomial product over GF(2), reduced modulo x^8+x^4+x^3+x^2+1."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= 0x11D
    return product


def test_antilog_table_lists_every_nonzero_element_once():
    """Is α = 2 primitive: do α^0..α^254 visit all 255 non-zero bytes, with LOG inverting EXP?"""
    assert sorted(EXP[:255]) == list(range(1, 256))
    assert all(LOG[EXP[i]] == i for i in range(255))
    assert EXP[255] == 1 and EXP[8] == 0x1D
    assert LOG[3] == 25  # the published QR-code table: α^25 = 3


def test_table_multiplication_equals_carryless_multiplication_for_all_pairs():
    """Does the log/antilog product equal schoolbook multiplication for all 65,536 pairs?"""
    assert all(gf_mul(a, b) == carryless_multiply(a, b) for a in range(256) for b in range(256))


def test_inverse_division_and_power():
    """Does every non-zero a have a·a⁻¹ = 1, (a·b)/b = a, and a^e equal repeated products?"""
    assert all(gf_mul(a, gf_inverse(a)) == 1 for a in range(1, 256))
    rng = random.Random(1)
    for _ in range(500):
        a, b, e = rng.randrange(256), rng.randrange(1, 256), rng.randrange(0, 600)
        assert gf_div(gf_mul(a, b), b) == a
        expected = 1
        for _ in range(e):
            expected = carryless_multiply(expected, a)
        assert gf_pow(a, e) == expected
    assert gf_add(77, 77) == 0


@settings(max_examples=200, deadline=None)
@given(a=st.integers(0, 255), b=st.integers(0, 255), c=st.integers(0, 255))
def test_field_axioms(a, b, c):
    """Are GF(256) products commutative, associative and distributive over XOR?"""
    assert gf_mul(a, b) == gf_mul(b, a)
    assert gf_mul(gf_mul(a, b), c) == gf_mul(a, gf_mul(b, c))
    assert gf_mul(a, b ^ c) == gf_mul(a, b) ^ gf_mul(a, c)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: gf_mul(256, 1), "a must be <= 255"),
        (lambda: gf_add(1, -1), "b must be >= 0"),
        (lambda: gf_inverse(0), "a must be non-zero"),
        (lambda: gf_div(3, 0), "b must be non-zero"),
        (lambda: gf_pow(3, -1), "exponent must be >= 0"),
    ],
)
def test_field_input_checks(call, fragment):
    """Are values outside 0..255 and divisions by zero refused with a named ValueError?"""
    with pytest.raises(ValueError, match=fragment):
        call()


# ---------------------------------------------------------------- Hamming(7,4)

ALL_DATA = [list(bits) for bits in itertools.product([0, 1], repeat=4)]


def test_hamming_corrects_every_single_bit_error_exhaustively():
    """For all 16 data words and all 8 patterns (none or one flipped bit), is the data recovered?"""
    for data in ALL_DATA:
        word = hamming74_encode(data)
        assert hamming74_syndrome(word) == 0
        assert hamming74_decode(word).data == data
        assert hamming74_decode(word).error_position is None
        for position in range(1, 8):
            damaged = word.copy()
            damaged[position - 1] ^= 1
            decoded = hamming74_decode(damaged)
            assert decoded.data == data
            assert decoded.error_position == position


def test_hamming_code_has_minimum_distance_three():
    """Do any two distinct code words differ in at least 3 bits (and some in exactly 3)?"""
    words = [hamming74_encode(d) for d in ALL_DATA]
    distances = [sum(x != y for x, y in zip(u, v)) for u, v in itertools.combinations(words, 2)]
    assert min(distances) == 3


def test_hamming_miscorrects_double_errors():
    """Does a 2-bit error always decode to wrong data (a perfect code corrects 1, never 2)?"""
    for data in ALL_DATA:
        word = hamming74_encode(data)
        for i, j in itertools.combinations(range(7), 2):
            damaged = word.copy()
            damaged[i] ^= 1
            damaged[j] ^= 1
            assert hamming74_decode(damaged).data != data


def test_hamming_input_checks():
    """Are words of the wrong length or with non-bits refused, naming the argument?"""
    with pytest.raises(ValueError, match="data must have 4 bits"):
        hamming74_encode([1, 0, 1])
    with pytest.raises(ValueError, match=r"received\[2\] must be <= 1"):
        hamming74_decode([0, 0, 2, 0, 0, 0, 0])


# ---------------------------------------------------------------- Reed–Solomon


def grs_parity_checks_hold(code, word):
    """Generalised RS parity checks: Σ v_i·c_i·x_i^j = 0 for j < n − k, v_i = 1/Π_{m≠i}(x_i − x_m)."""
    xs = code.points
    for j in range(code.n - code.k):
        total = 0
        for i, (x, c) in enumerate(zip(xs, word)):
            denominator = 1
            for m, xm in enumerate(xs):
                if m != i:
                    denominator = carryless_multiply(denominator, x ^ xm)
            total ^= gf_mul(gf_mul(c, gf_inverse(denominator)), gf_pow(x, j))
        if total:
            return False
    return True


def test_encoding_is_systematic_and_satisfies_the_parity_check_matrix():
    """Are the first k symbols the data, and does every code word pass the GRS parity checks?"""
    rng = random.Random(5)
    for n, k in [(6, 4), (10, 3), (9, 6), (5, 5), (255, 223)]:
        code = ReedSolomon(n, k)
        data = [rng.randrange(256) for _ in range(k)]
        word = code.encode(data)
        assert word[:k] == data and len(word) == n
        if n < 50:
            assert grs_parity_checks_hold(code, word)
    damaged = ReedSolomon(6, 4).encode([1, 2, 3, 4])
    damaged[5] ^= 1
    assert not grs_parity_checks_hold(ReedSolomon(6, 4), damaged)  # the check has teeth


def test_encoding_is_linear():
    """Is encode(a XOR b) = encode(a) XOR encode(b), as for every linear code over GF(2^8)?"""
    rng = random.Random(9)
    code = ReedSolomon(12, 7)
    a = [rng.randrange(256) for _ in range(7)]
    b = [rng.randrange(256) for _ in range(7)]
    summed = code.encode([x ^ y for x, y in zip(a, b)])
    assert summed == [x ^ y for x, y in zip(code.encode(a), code.encode(b))]


def test_parity_by_hand_for_rs_3_2():
    """With points 1, 2, 4, is the RS(3,2) parity 2·d0 + 3·d1 (Lagrange weights worked by hand)?"""
    # w0 = (4−2)/(1−2) = 6/3 = 2 and w1 = (4−1)/(2−1) = 5/3 = 3, since 3·3 = 5 in GF(2^8).
    code = ReedSolomon(3, 2)
    for d0, d1 in [(0x61, 0x63), (0x62, 0x64), (255, 1)]:
        assert code.encode([d0, d1])[2] == carryless_multiply(2, d0) ^ carryless_multiply(3, d1)


@pytest.mark.parametrize("n, k", [(6, 3), (5, 2), (7, 4), (4, 1)])
def test_every_erasure_pattern_of_size_n_minus_k_is_recovered(n, k):
    """For small codes, is the data recovered from *every* choice of n − k erased positions?"""
    rng = random.Random(n * 100 + k)
    code = ReedSolomon(n, k)
    for _ in range(5):
        data = [rng.randrange(256) for _ in range(k)]
        word = code.encode(data)
        for erased in itertools.combinations(range(n), n - k):
            received = [None if i in erased else s for i, s in enumerate(word)]
            assert code.decode_erasures(received) == data
            assert code.decode(received) == data


@st.composite
def code_with_erasures(draw):
    n = draw(st.integers(2, 24))
    k = draw(st.integers(1, n))
    data = draw(st.lists(st.integers(0, 255), min_size=k, max_size=k))
    erased = draw(st.sets(st.integers(0, n - 1), max_size=n - k))
    return n, k, data, erased


@settings(max_examples=150, deadline=None)
@given(case=code_with_erasures())
def test_any_n_minus_k_erasures_are_recovered(case):
    """For random codes, data and erasure sets of size ≤ n − k, is the data recovered exactly?"""
    n, k, data, erased = case
    code = ReedSolomon(n, k)
    received = [None if i in erased else s for i, s in enumerate(code.encode(data))]
    assert code.decode_erasures(received) == data


@st.composite
def code_with_errors_and_erasures(draw):
    n = draw(st.integers(3, 20))
    k = draw(st.integers(1, n - 1))
    data = draw(st.lists(st.integers(0, 255), min_size=k, max_size=k))
    errors = draw(st.integers(0, (n - k) // 2))
    erasures = draw(st.integers(0, n - k - 2 * errors))
    positions = draw(st.permutations(range(n)))
    error_values = draw(st.lists(st.integers(1, 255), min_size=errors, max_size=errors))
    return n, k, data, positions[:errors], error_values, positions[errors : errors + erasures]


@settings(max_examples=120, deadline=None)
@given(case=code_with_errors_and_erasures())
def test_errors_and_erasures_within_the_limit_are_corrected(case):
    """With e wrong symbols and s erasures, 2e + s ≤ n − k, does Berlekamp–Welch recover the data?"""
    n, k, data, error_positions, error_values, erased = case
    code = ReedSolomon(n, k)
    received = code.encode(data)
    for position, value in zip(error_positions, error_values):
        received[position] ^= value  # value != 0, so the symbol really is wrong
    for position in erased:
        received[position] = None
    assert code.decode(received) == data


def test_too_much_damage_is_reported_not_silently_returned():
    """Beyond the limits, do decode_erasures and decode raise a ValueError saying why?"""
    code = ReedSolomon(6, 4)
    word = code.encode([9, 8, 7, 6])
    with pytest.raises(ValueError, match="3 erasures; RS\\(6, 4\\) recovers at most n − k = 2"):
        code.decode_erasures([None, None, None, *word[3:]])
    # Two wrong symbols exceed ⌊(6−4)/2⌋ = 1. Search for a pattern that lies near no
    # other code word (where a code could be fooled) and check it is reported.
    rng = random.Random(3)
    reported = 0
    for _ in range(50):
        damaged = word.copy()
        for position in rng.sample(range(6), 2):
            damaged[position] ^= rng.randrange(1, 256)
        try:
            decoded = code.decode(damaged)
        except ValueError as error:
            assert "not decodable" in str(error)
            reported += 1
        else:
            assert decoded != [9, 8, 7, 6]  # never the right data by luck with 2 errors here
    assert reported > 40


def test_minimum_distance_is_n_minus_k_plus_1():
    """Does no non-zero code word of RS(8, 5) have fewer than n − k + 1 = 4 non-zero symbols?"""
    code = ReedSolomon(8, 5)
    rng = random.Random(2)
    weights = []
    for _ in range(2000):
        data = [0] * 5
        for position in rng.sample(range(5), rng.randint(1, 2)):
            data[position] = rng.randrange(1, 256)
        weights.append(sum(s != 0 for s in code.encode(data)))
    assert min(weights) >= 4


def test_shards_round_trip_with_lost_disks():
    """Do byte shards encode like per-byte code words and come back after losing n − k shards?"""
    rng = np.random.default_rng(4)
    code = ReedSolomon(9, 6)
    shards = [rng.integers(0, 256, 1000, dtype=np.uint8).tobytes() for _ in range(6)]
    stripe = code.encode_shards(shards)
    column = [s[17] for s in stripe]
    assert column == code.encode([s[17] for s in shards])
    for lost in [(0, 1, 2), (3, 6, 8), (0, 5, 7)]:
        damaged = [None if i in lost else s for i, s in enumerate(stripe)]
        assert code.recover_shards(damaged) == shards
    with pytest.raises(ValueError, match="4 lost"):
        code.recover_shards([None] * 4 + stripe[4:])
    with pytest.raises(ValueError, match="same length"):
        code.encode_shards([b"ab"] * 5 + [b"abc"])


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: ReedSolomon(256, 200), "n must be <= 255"),
        (lambda: ReedSolomon(10, 11), "k must be <= 10"),
        (lambda: ReedSolomon(10, 0), "k must be >= 1"),
        (lambda: ReedSolomon(6, 4).encode([1, 2, 3]), "data must have k = 4"),
        (lambda: ReedSolomon(6, 4).encode([1, 2, 3, 300]), r"data\[3\] must be <= 255"),
        (lambda: ReedSolomon(6, 4).decode([1, 2, 3, 4]), "received must have n = 6"),
    ],
)
def test_reed_solomon_input_checks(call, fragment):
    """Are impossible parameters and malformed words refused with a named ValueError?"""
    with pytest.raises(ValueError, match=fragment):
        call()


def test_code_parameters_and_storage_comparison():
    """Does RS(n, k) report n − k erasures, ⌊(n−k)/2⌋ errors, n/k overhead vs n − k + 1 copies?"""
    code = ReedSolomon(9, 6)
    assert (code.erasures_tolerated, code.errors_corrected, code.storage_overhead) == (3, 1, 1.5)
    assert ReedSolomon(255, 223).errors_corrected == 16
    comparison = erasure_code_vs_replication(9, 6)
    assert comparison == {
        "failures_tolerated": 3,
        "erasure_code_overhead": 1.5,
        "replication_copies": 4,
        "replication_overhead": 4.0,
    }
    with pytest.raises(ValueError, match="k must be <= 4"):
        erasure_code_vs_replication(4, 5)
