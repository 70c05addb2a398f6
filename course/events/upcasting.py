"""Upcasting: reading old events in a new schema, without rewriting the log.

Events are immutable, but their layout changes: a ``deposited`` event of schema 1 held
``amount`` in dollars as a float; schema 2 holds ``amount_cents`` as an integer and a
``currency``. Rewriting years of stored events is risky and breaks their signatures, so the
store keeps them as written and an **upcaster** converts each old event to the next schema
*as it is read*. Upcasters chain (1 → 2 → 3), so ``apply`` only ever sees the newest schema.

>>> from course.events.store import Event
>>> old = Event("a", 1, "deposited", {"amount": 12.5}, schema=1)
>>> new = upcast(old, LEDGER_UPCASTERS)
>>> dict(new.data), new.schema, old.schema
({'amount_cents': 1250, 'currency': 'USD'}, 2, 1)

Taught in: Ep14 · 1-foundations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType

from course.events.store import Event

__all__ = ["upcast", "dollars_to_cents", "LEDGER_UPCASTERS"]

#: (kind, schema) -> function turning that schema's data into the next schema's data.
Upcasters = Mapping[tuple[str, int], Callable[[Mapping], dict]]


def upcast(event: Event, upcasters: Upcasters, max_steps: int = 100) -> Event:
    """``event`` converted schema by schema until no upcaster applies; the stored event is untouched.

    ``max_steps`` guards against a cycle in the table (an upcaster that never moves on).
    """
    steps = 0
    while (event.kind, event.schema) in upcasters:
        steps += 1
        if steps > max_steps:
            raise ValueError(f"upcasters must not cycle; {event.kind!r} passed {max_steps} steps")
        data = upcasters[(event.kind, event.schema)](event.data)
        event = dataclasses.replace(event, data=MappingProxyType(dict(data)), schema=event.schema + 1)
    return event


def dollars_to_cents(data: Mapping) -> dict:
    """Schema 1 → 2 of a money event: float dollars to whole cents (banker's rounding), USD.

    Decimal, not float arithmetic: ``0.29 * 100`` is 28.999999999999996 in binary floating point.

    >>> dollars_to_cents({"amount": 0.29})
    {'amount_cents': 29, 'currency': 'USD'}
    """
    cents = (Decimal(str(data["amount"])) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    rest = {key: value for key, value in data.items() if key != "amount"}
    return {"amount_cents": int(cents), "currency": "USD", **rest}


#: The Ep14 ledger's upcasters: deposits and withdrawals moved from dollars to cents.
LEDGER_UPCASTERS: dict = {
    ("deposited", 1): dollars_to_cents,
    ("withdrawn", 1): dollars_to_cents,
}
