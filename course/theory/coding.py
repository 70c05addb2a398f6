"""Error-correcting and erasure codes: Hamming(7,4) and Reed–Solomon over GF(2^8).

Replication keeps whole copies; coding keeps *equations*. Hamming(7,4) adds 3 parity bits
to 4 data bits and corrects any one flipped bit. Reed–Solomon RS(n, k) turns k data
symbols (bytes) into n so that **any k of the n** give the data back: it tolerates
n − k erasures (lost symbols whose positions are known, like a dead disk) or
⌊(n − k)/2⌋ errors (wrong symbols at unknown positions), or any mix with
2·errors + erasures ≤ n − k. Storage costs n/k instead of the f + 1 copies replication
needs to survive f losses.

Arithmetic is in the finite field GF(2^8) = GF(256), built with the primitive polynomial
x⁸ + x⁴ + x³ + x² + 1 (0x11d, as in QR codes and many storage systems) and the generator
α = 2: addition is XOR, multiplication uses log/antilog tables, never integer powers.

Our Reed–Solomon is the evaluation form: data symbols d_0..d_{k−1} are the values at
x_0..x_{k−1} of the unique polynomial P of degree < k through them (Lagrange
interpolation), the parity symbols are P at x_k..x_{n−1}, with x_i = α^i. Systematic:
the first k code symbols are the data.

Glossary: ``n`` code length (symbols), ``k`` data symbols, symbols are ints 0..255,
``None`` marks an erased symbol; bits are ints 0/1.

Planned for Ep54 · 1-foundations (Hamming, erasure codes) and 2-implementation (Reed–Solomon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course.validation import require_int

PRIMITIVE_POLYNOMIAL = 0x11D
FIELD_SIZE = 256


def _build_tables() -> tuple[tuple[int, ...], tuple[int, ...]]:
    exp = [0] * 512
    log = [0] * FIELD_SIZE
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1  # multiply by α = x
        if value & 0x100:
            value ^= PRIMITIVE_POLYNOMIAL  # reduce modulo the field polynomial
    # Doubling the table lets gf_mul skip a "% 255" on LOG[a] + LOG[b] (at most 508).
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return tuple(exp), tuple(log)


#: Antilog table: EXP[i] = α^i (indices 0..511, period 255). LOG[EXP[i]] = i; LOG[0] is unused.
EXP, LOG = _build_tables()
_EXP_ARRAY = np.array(EXP, dtype=np.uint8)
_LOG_ARRAY = np.array(LOG, dtype=np.int32)


def _symbol(name: str, value) -> int:
    return require_int(name, value, minimum=0, maximum=255)


def _sequence(name: str, values) -> list:
    """``values`` as a list, or a ValueError naming ``name`` if it is not a sequence."""
    if isinstance(values, dict | set):
        raise ValueError(f"{name} must be a sequence (a list, tuple or bytes); got {values!r}")
    try:
        return list(values)
    except TypeError:
        raise ValueError(
            f"{name} must be a sequence (a list, tuple or bytes); got {values!r}"
        ) from None


def gf_add(a: int, b: int) -> int:
    """Sum (and difference) in GF(256): bitwise XOR, so a + a = 0.

    >>> gf_add(0b1010, 0b0110)
    12

    Planned for Ep54 · 2-implementation.
    """
    return _symbol("a", a) ^ _symbol("b", b)


def gf_mul(a: int, b: int) -> int:
    """Product in GF(256) via logs: a·b = α^(log a + log b); 0 times anything is 0.

    >>> gf_mul(2, 128)   # α · α^7 = α^8 = x^4 + x^3 + x^2 + 1 = 0x1d
    29

    Planned for Ep54 · 2-implementation.
    """
    return _mul(_symbol("a", a), _symbol("b", b))


def gf_inverse(a: int) -> int:
    """Multiplicative inverse in GF(256): α^(255 − log a). 0 has none.

    >>> gf_mul(83, gf_inverse(83))
    1

    Planned for Ep54 · 2-implementation.
    """
    a = _symbol("a", a)
    if a == 0:
        raise ValueError("a must be non-zero: 0 has no inverse in GF(256)")
    return EXP[255 - LOG[a]]


def gf_div(a: int, b: int) -> int:
    """Quotient a / b in GF(256).

    >>> gf_div(gf_mul(7, 9), 9)
    7

    Planned for Ep54 · 2-implementation.
    """
    a, b = _symbol("a", a), _symbol("b", b)
    if b == 0:
        raise ValueError("b must be non-zero: division by 0 in GF(256)")
    return _div(a, b)


def gf_pow(a: int, exponent: int) -> int:
    """Power a^e in GF(256) from the tables: α^(e·log a mod 255).

    >>> gf_pow(2, 8), gf_pow(3, 255)
    (29, 1)

    Planned for Ep54 · 2-implementation.
    """
    return _power(_symbol("a", a), require_int("exponent", exponent, minimum=0))


def _power(a: int, exponent: int) -> int:
    if exponent == 0:
        return 1
    return 0 if a == 0 else EXP[(LOG[a] * exponent) % 255]


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]


def _div(a: int, b: int) -> int:
    return 0 if a == 0 else EXP[LOG[a] + 255 - LOG[b]]


def _scale(coefficient: int, symbols: np.ndarray) -> np.ndarray:
    """coefficient · symbols elementwise, for a uint8 array (vectorised table look-up)."""
    if coefficient == 0:
        return np.zeros_like(symbols)
    product = _EXP_ARRAY[_LOG_ARRAY[symbols] + LOG[coefficient]]
    return np.where(symbols == 0, np.uint8(0), product)


# ---------------------------------------------------------------- Hamming(7,4)


@dataclass(frozen=True)
class HammingDecoded:
    """Result of Hamming(7,4) decoding: the 4 ``data`` bits and the corrected
    ``error_position`` (1..7) or None when the syndrome was zero."""

    data: list[int]
    error_position: int | None


def _bits(name: str, bits, length: int) -> list[int]:
    values = _sequence(name, bits)
    if len(values) != length:
        raise ValueError(f"{name} must have {length} bits; got {len(values)}")
    return [require_int(f"{name}[{i}]", b, minimum=0, maximum=1) for i, b in enumerate(values)]


def hamming74_encode(data) -> list[int]:
    """Encode 4 data bits as a 7-bit Hamming code word.

    Positions 1..7 hold p1 p2 d1 p3 d2 d3 d4: parity bit p_j sits at position 2^(j−1)
    and covers every position whose binary number has that bit set, so a single flipped
    bit at position i makes the parity checks spell i in binary.

    >>> hamming74_encode([1, 0, 1, 1])
    [0, 1, 1, 0, 0, 1, 1]

    Planned for Ep54 · 1-foundations.
    """
    d1, d2, d3, d4 = _bits("data", data, 4)
    p1 = d1 ^ d2 ^ d4  # positions 3, 5, 7
    p2 = d1 ^ d3 ^ d4  # positions 3, 6, 7
    p3 = d2 ^ d3 ^ d4  # positions 5, 6, 7
    return [p1, p2, d1, p3, d2, d3, d4]


def hamming74_syndrome(received) -> int:
    """Syndrome 0..7 of a received 7-bit word: 0 if every parity check holds, else the
    position (1..7) of the single flipped bit that explains the failed checks.

    >>> hamming74_syndrome([0, 1, 1, 0, 1, 1, 1])   # bit 5 flipped
    5

    Planned for Ep54 · 1-foundations.
    """
    bits = _bits("received", received, 7)
    syndrome = 0
    for position, bit in enumerate(bits, start=1):
        if bit:
            syndrome ^= position
    return syndrome


def hamming74_decode(received) -> HammingDecoded:
    """Correct up to one flipped bit and return the 4 data bits.

    Two flipped bits are *not* corrected: the decoder then "fixes" a third bit and
    returns wrong data (minimum distance 3 detects 2 errors or corrects 1, not both).

    >>> hamming74_decode([0, 1, 1, 0, 1, 1, 1])
    HammingDecoded(data=[1, 0, 1, 1], error_position=5)

    Planned for Ep54 · 1-foundations.
    """
    bits = _bits("received", received, 7)
    syndrome = hamming74_syndrome(bits)
    if syndrome:
        bits[syndrome - 1] ^= 1
    return HammingDecoded(
        data=[bits[2], bits[4], bits[5], bits[6]], error_position=syndrome or None
    )


# ---------------------------------------------------------------- Reed–Solomon


def _lagrange_weights(points: list[int], x: int) -> list[int]:
    """Weights w_j with P(x) = Σ w_j·P(points_j) for every polynomial of degree < len(points).

    w_j = Π_{m≠j} (x − x_m)/(x_j − x_m); in GF(2^8) minus is XOR.
    """
    weights = []
    for j, xj in enumerate(points):
        numerator, denominator = 1, 1
        for m, xm in enumerate(points):
            if m != j:
                numerator = _mul(numerator, x ^ xm)
                denominator = _mul(denominator, xj ^ xm)
        weights.append(_div(numerator, denominator))
    return weights


def _interpolate_at(points: list[int], values: list[int], x: int) -> int:
    """P(x) for the polynomial of degree < len(points) through (points, values): Lagrange."""
    total = 0
    for w, y in zip(_lagrange_weights(points, x), values):
        total ^= _mul(w, y)
    return total


def _solve(matrix: list[list[int]], rhs: list[int]) -> list[int] | None:
    """One solution of a linear system over GF(256) (free variables set to 0), or None."""
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    a = [row[:] + [b] for row, b in zip(matrix, rhs)]
    pivots, r = [], 0
    for c in range(cols):
        pivot = next((i for i in range(r, rows) if a[i][c]), None)
        if pivot is None:
            continue
        a[r], a[pivot] = a[pivot], a[r]
        inverse = EXP[255 - LOG[a[r][c]]]
        a[r] = [_mul(inverse, v) for v in a[r]]
        for i in range(rows):
            if i != r and a[i][c]:
                factor = a[i][c]
                a[i] = [v ^ _mul(factor, w) for v, w in zip(a[i], a[r])]
        pivots.append(c)
        r += 1
        if r == rows:
            break
    if any(all(v == 0 for v in row[:cols]) and row[cols] for row in a[r:]):
        return None  # inconsistent
    solution = [0] * cols
    for i, c in enumerate(pivots):
        solution[c] = a[i][cols]
    return solution


def _poly_divmod(numerator: list[int], divisor: list[int]) -> tuple[list[int], list[int]]:
    """Quotient and remainder of polynomials over GF(256), coefficients lowest degree first."""
    remainder = numerator[:]
    while len(divisor) > 1 and divisor[-1] == 0:
        divisor = divisor[:-1]
    quotient = [0] * max(len(remainder) - len(divisor) + 1, 1)
    lead_inverse = EXP[255 - LOG[divisor[-1]]]
    for shift in range(len(remainder) - len(divisor), -1, -1):
        factor = _mul(remainder[shift + len(divisor) - 1], lead_inverse)
        quotient[shift] = factor
        if factor:
            for i, d in enumerate(divisor):
                remainder[shift + i] ^= _mul(factor, d)
    return quotient, remainder[: len(divisor) - 1]


def _evaluate(coefficients: list[int], x: int) -> int:
    value = 0
    for c in reversed(coefficients):  # Horner's rule
        value = _mul(value, x) ^ c
    return value


class ReedSolomon:
    """A systematic Reed–Solomon code RS(n, k) over GF(256), evaluation form.

    Any k of the n symbols determine the degree-< k polynomial, hence the data — like
    k points fixing a curve. Attributes: ``n``, ``k``, ``erasures_tolerated`` = n − k,
    ``errors_corrected`` = ⌊(n − k)/2⌋, ``storage_overhead`` = n/k, ``points`` x_i = α^i.

    >>> code = ReedSolomon(6, 4)
    >>> word = code.encode([72, 105, 33, 10])
    >>> word[:4], code.erasures_tolerated, code.errors_corrected
    ([72, 105, 33, 10], 2, 1)
    >>> code.decode_erasures([None, 105, None, 10, word[4], word[5]])
    [72, 105, 33, 10]

    Planned for Ep54 · 2-implementation.
    """

    def __init__(self, n: int, k: int):
        self.n = require_int("n", n, minimum=2, maximum=255)
        self.k = require_int("k", k, minimum=1, maximum=self.n)
        self.points = [EXP[i] for i in range(self.n)]
        self.erasures_tolerated = self.n - self.k
        self.errors_corrected = (self.n - self.k) // 2
        self.storage_overhead = self.n / self.k
        data_points = self.points[: self.k]
        # Row j: weights that turn the k data symbols into parity symbol j (built once).
        self._parity_weights = [_lagrange_weights(data_points, x) for x in self.points[self.k :]]

    def __repr__(self) -> str:
        return f"ReedSolomon(n={self.n}, k={self.k})"

    def _data(self, data) -> list[int]:
        values = _sequence("data", data)
        if len(values) != self.k:
            raise ValueError(f"data must have k = {self.k} symbols; got {len(values)}")
        return [_symbol(f"data[{i}]", v) for i, v in enumerate(values)]

    def encode(self, data) -> list[int]:
        """Code word of n symbols: the k data symbols followed by n − k parity symbols.

        ``data`` is k ints in 0..255 (a ``bytes`` object works).
        """
        data = self._data(data)
        parity = []
        for weights in self._parity_weights:
            symbol = 0
            for w, d in zip(weights, data):
                symbol ^= _mul(w, d)
            parity.append(symbol)
        return data + parity

    def _received(self, received) -> list[int | None]:
        values = _sequence("received", received)
        if len(values) != self.n:
            raise ValueError(
                f"received must have n = {self.n} symbols (None for erased); got {len(values)}"
            )
        return [None if v is None else _symbol(f"received[{i}]", v) for i, v in enumerate(values)]

    def decode_erasures(self, received) -> list[int]:
        """Recover the k data symbols when at most n − k symbols are erased (``None``).

        Uses the first k surviving symbols; the others are not checked (use
        :meth:`decode` to also correct errors).
        """
        received = self._received(received)
        survivors = [i for i, v in enumerate(received) if v is not None]
        if len(survivors) < self.k:
            raise ValueError(
                f"received has {self.n - len(survivors)} erasures; RS({self.n}, {self.k}) "
                f"recovers at most n − k = {self.erasures_tolerated}"
            )
        chosen = survivors[: self.k]
        xs = [self.points[i] for i in chosen]
        ys = [received[i] for i in chosen]
        return [
            v if v is not None else _interpolate_at(xs, ys, self.points[i])
            for i, v in enumerate(received[: self.k])
        ]

    def decode(self, received) -> list[int]:
        """Recover the data despite s erasures (``None``) and e wrong symbols, 2e + s ≤ n − k.

        Berlekamp–Welch: find an error locator E (degree e, zero at the wrong positions)
        and Q = P·E with Q(x_i) = r_i·E(x_i) at every surviving point, then P = Q / E.
        Raises ValueError when the word is too damaged to decode. Beyond the limit the
        received word may also lie close to *another* code word and decode wrongly without
        any error: no code can tell.
        """
        received = self._received(received)
        survivors = [i for i, v in enumerate(received) if v is not None]
        if len(survivors) < self.k:
            return self.decode_erasures(received)  # raises the erasure-count message
        xs = [self.points[i] for i in survivors]
        rs = [received[i] for i in survivors]
        errors = (len(survivors) - self.k) // 2
        powers = [[_power(x, t) for t in range(errors + self.k)] for x in xs]
        # Unknowns: q_0..q_{e+k−1}, then e_0..e_{e−1} (E is monic of degree e).
        matrix = [
            powers[i][: errors + self.k] + [_mul(rs[i], powers[i][t]) for t in range(errors)]
            for i in range(len(xs))
        ]
        rhs = [_mul(rs[i], _power(xs[i], errors)) for i in range(len(xs))]
        solution = _solve(matrix, rhs)
        if solution is not None:
            q, e = solution[: errors + self.k], solution[errors + self.k :] + [1]
            p, remainder = _poly_divmod(q, e)
            if not any(remainder) and all(c == 0 for c in p[self.k :]):
                p = p[: self.k]
                mismatches = sum(_evaluate(p, x) != r for x, r in zip(xs, rs))
                if mismatches <= errors:
                    return [_evaluate(p, x) for x in self.points[: self.k]]
        erased = self.n - len(survivors)
        raise ValueError(
            f"received is not decodable: with {erased} erasures RS({self.n}, {self.k}) corrects at "
            f"most {errors} wrong symbols (2·errors + erasures ≤ n − k = {self.n - self.k})"
        )

    # -------------------------------------------------------- whole shards (byte strings)

    def encode_shards(self, shards) -> list[bytes]:
        """Erasure-code k equal-length data shards (bytes) into n shards: a storage stripe.

        Byte j of every shard forms one code word, computed for all j at once.

        >>> ReedSolomon(3, 2).encode_shards([b"ab", b"cd"])[2].hex()
        '6768'
        """
        arrays = self._shard_arrays("shards", shards, self.k)
        parity = []
        for weights in self._parity_weights:
            symbol = np.zeros_like(arrays[0])
            for w, column in zip(weights, arrays):
                symbol ^= _scale(w, column)
            parity.append(symbol.tobytes())
        return [a.tobytes() for a in arrays] + parity

    def recover_shards(self, shards) -> list[bytes]:
        """Rebuild the k data shards from n shards with at most n − k of them ``None`` (lost)."""
        shards = _sequence("shards", shards)
        if len(shards) != self.n:
            raise ValueError(
                f"shards must have n = {self.n} entries (None for lost); got {len(shards)}"
            )
        survivors = [i for i, s in enumerate(shards) if s is not None]
        for i in survivors:
            _require_bytes(f"shards[{i}]", shards[i])
        if len(survivors) < self.k:
            raise ValueError(
                f"shards has {self.n - len(survivors)} lost; RS({self.n}, {self.k}) "
                f"recovers at most n − k = {self.erasures_tolerated}"
            )
        chosen = survivors[: self.k]
        arrays = self._shard_arrays("shards", [shards[i] for i in chosen], self.k)
        xs = [self.points[i] for i in chosen]
        recovered = []
        for i in range(self.k):
            if shards[i] is not None:
                recovered.append(bytes(shards[i]))
                continue
            symbol = np.zeros_like(arrays[0])
            for w, column in zip(_lagrange_weights(xs, self.points[i]), arrays):
                symbol ^= _scale(w, column)
            recovered.append(symbol.tobytes())
        return recovered

    @staticmethod
    def _shard_arrays(name: str, shards, count: int) -> list[np.ndarray]:
        shards = _sequence(name, shards)
        if len(shards) != count:
            raise ValueError(f"{name} must hold {count} shards; got {len(shards)}")
        arrays = [
            np.frombuffer(_require_bytes(f"{name}[{i}]", s), dtype=np.uint8)
            for i, s in enumerate(shards)
        ]
        if len({a.size for a in arrays}) != 1:
            raise ValueError(f"{name} must all have the same length in bytes (pad the last one)")
        return arrays


def _require_bytes(name: str, shard) -> bytes:
    """A shard is bytes-like; bytes(5) would silently make five zero bytes of an int."""
    if not isinstance(shard, bytes | bytearray | memoryview):
        raise ValueError(f"{name} must be bytes (or bytearray); got {type(shard).__name__}")
    return bytes(shard)


# ---------------------------------------------------------------- storage arithmetic


def erasure_code_vs_replication(n: int, k: int) -> dict:
    """Storage cost of surviving the same number of lost disks: RS(n, k) vs whole copies.

    RS(n, k) survives f = n − k losses at n/k times the data; replication needs f + 1
    copies for the same f.

    >>> erasure_code_vs_replication(14, 10)
    {'failures_tolerated': 4, 'erasure_code_overhead': 1.4, 'replication_copies': 5, 'replication_overhead': 5.0}

    Planned for Ep54 · 3-strategy.
    """
    n = require_int("n", n, minimum=2)
    k = require_int("k", k, minimum=1, maximum=n)
    failures = n - k
    return {
        "failures_tolerated": failures,
        "erasure_code_overhead": n / k,
        "replication_copies": failures + 1,
        "replication_overhead": float(failures + 1),
    }


__all__ = [
    "EXP",
    "LOG",
    "PRIMITIVE_POLYNOMIAL",
    "HammingDecoded",
    "ReedSolomon",
    "erasure_code_vs_replication",
    "gf_add",
    "gf_div",
    "gf_inverse",
    "gf_mul",
    "gf_pow",
    "hamming74_decode",
    "hamming74_encode",
    "hamming74_syndrome",
]
