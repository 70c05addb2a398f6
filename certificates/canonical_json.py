"""JSON Canonicalization Scheme (RFC 8785): one byte string per JSON value, for signatures.

A signature covers bytes, but the same JSON can be written many ways (key order, spaces,
``1.0`` or ``1``, ``\\u00e9`` or ``é``). JCS fixes one: object keys sorted by their UTF-16
code units, no whitespace, strings escaped minimally (only ``"``, ``\\`` and control
characters), numbers written the way ECMAScript writes an IEEE-754 double, UTF-8 output.

>>> canonical_json({"b": [1.0, 2.5e-7, "é"], "a": None}).decode()
'{"a":null,"b":[1,2.5e-7,"é"]}'
"""

from __future__ import annotations

import math
from decimal import Decimal

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Up to 2**53 every integer is an exact IEEE-754 double and is written as it is.
MAX_EXACT_INTEGER = 2**53


def es_number(value: float | int) -> str:
    """A number as ECMAScript's ``Number.prototype.toString`` writes it (RFC 8785 section 3.2.2.3).

    >>> es_number(1e21), es_number(1e20), es_number(1e-7), es_number(0.000001), es_number(-0.0)
    ('1e+21', '100000000000000000000', '1e-7', '0.000001', '0')
    """
    if isinstance(value, bool):
        raise ValueError("booleans are not numbers")
    if isinstance(value, int):
        if abs(value) <= MAX_EXACT_INTEGER:
            return str(value)
        # JSON numbers are IEEE-754 doubles (RFC 8785 section 3.2.2.3): a larger integer means
        # the double nearest to it, exactly as a JavaScript parser would read it.
        value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a JSON number")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr() gives the shortest digits that round-trip, as ECMAScript requires.
    parts = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, parts.digits)).rstrip("0")
    exponent = len(parts.digits) + parts.exponent  # value = 0.DIGITS x 10**exponent
    k, n = len(digits), exponent
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValueError("lone surrogate in a string: not valid Unicode, cannot be canonicalized")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _serialize(value, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        out.append(es_number(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _serialize(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("JSON object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _serialize(value[key], out)
        out.append("}")
    else:
        raise ValueError(f"{type(value).__name__} is not a JSON value")


def canonical_json(value) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (dict, list, str, number, bool, None)."""
    out: list[str] = []
    _serialize(value, out)
    return "".join(out).encode("utf-8")
