"""Three event-driven styles, in what each message carries and what each consumer must do.

* **Event notification**: "customer 42 changed" — a small message; every consumer that needs the
  new state calls the producer back (load on the producer grows with consumers × events).
* **Event-carried state transfer**: the message carries the new state; consumers keep their own
  copy and never call back (bigger messages, copies that may lag).
* **Event sourcing**: the events *are* the record; the current state is a fold over them, and any
  past state can be rebuilt by replaying a prefix (taught with its store in Ep14).

>>> traffic("notification", events=1000, consumers=4, id_bytes=16, state_bytes=2000)["callbacks"]
4000
>>> traffic("state transfer", events=1000, consumers=4, id_bytes=16, state_bytes=2000)["callbacks"]
0

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

STYLES = ("notification", "state transfer", "event sourcing")


def traffic(style: str, events: int, consumers: int, id_bytes: int, state_bytes: int) -> dict:
    """Messages, bytes on the bus, callbacks to the producer and bytes they fetch, for one style.

    Event sourcing is counted as state transfer on the bus (its events carry the change); what it
    adds is that the log is kept and replayable (``replayable``).
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}; got {style!r}")
    for name, value in (("events", events), ("consumers", consumers), ("id_bytes", id_bytes),
                        ("state_bytes", state_bytes)):
        if not (isinstance(value, int) and value >= 0):
            raise ValueError(f"{name} must be an integer >= 0; got {value!r}")
    delivered = events * consumers
    if style == "notification":
        return {"style": style, "messages": delivered, "bus_bytes": delivered * id_bytes,
                "callbacks": delivered, "callback_bytes": delivered * state_bytes, "replayable": False}
    return {"style": style, "messages": delivered, "bus_bytes": delivered * (id_bytes + state_bytes),
            "callbacks": 0, "callback_bytes": 0, "replayable": style == "event sourcing"}


def fold_balance(events: list[tuple[str, int]], upto: int | None = None) -> int:
    """An account balance rebuilt from ("deposit" | "withdraw", cents) events, optionally a prefix.

    >>> fold_balance([("deposit", 500), ("withdraw", 200), ("deposit", 50)])
    350
    >>> fold_balance([("deposit", 500), ("withdraw", 200), ("deposit", 50)], upto=2)
    300
    """
    balance = 0
    for kind, cents in events[:upto]:
        if kind == "deposit":
            balance += cents
        elif kind == "withdraw":
            balance -= cents
        else:
            raise ValueError(f"events must hold 'deposit' or 'withdraw' kinds; got {kind!r}")
    return balance
