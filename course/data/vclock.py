"""Vector clocks: which of two versions of a value happened before the other, or neither.

A clock maps a node name to the number of updates that node coordinated. Version a *happened
before* b when a ≤ b entry by entry and a ≠ b; when neither is ≤ the other, the versions are
*concurrent* and both are kept as siblings for the client to reconcile (Dynamo, 2007, §4.4).

>>> a = increment({}, "sx")                 # written via node sx
>>> b = increment(a, "sy")                   # then updated via sy
>>> c = increment(a, "sz")                   # a concurrent update via sz
>>> compare(a, b), compare(b, c)
('before', 'concurrent')
>>> merge(b, c)
{'sx': 1, 'sy': 1, 'sz': 1}

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

__all__ = ["increment", "compare", "merge", "descends", "reconcile"]


def increment(clock: dict, node: str) -> dict:
    """A new clock: ``clock`` with ``node``'s counter one higher (the input is not changed)."""
    out = dict(clock)
    out[node] = out.get(node, 0) + 1
    return out


def descends(a: dict, b: dict) -> bool:
    """True when ``a`` has seen everything ``b`` has (a ≥ b entry by entry)."""
    return all(a.get(node, 0) >= count for node, count in b.items())


def compare(a: dict, b: dict) -> str:
    """'equal', 'before' (a happened before b), 'after' or 'concurrent'."""
    ab, ba = descends(b, a), descends(a, b)
    if ab and ba:
        return "equal"
    if ab:
        return "before"
    if ba:
        return "after"
    return "concurrent"


def merge(a: dict, b: dict) -> dict:
    """Entry-wise maximum: the clock of a write that has seen both ``a`` and ``b``."""
    return {node: max(a.get(node, 0), b.get(node, 0)) for node in sorted(set(a) | set(b))}


def reconcile(versions: list[tuple[dict, object]]) -> list[tuple[dict, object]]:
    """Drop every version some other version descends from; the rest are concurrent siblings.

    >>> reconcile([({"a": 1}, "old"), ({"a": 2}, "new"), ({"b": 1}, "other")])
    [({'a': 2}, 'new'), ({'b': 1}, 'other')]
    """
    kept = []
    for i, (clock, value) in enumerate(versions):
        dominated = any(compare(clock, other) == "before" or (compare(clock, other) == "equal" and j < i)
                        for j, (other, _) in enumerate(versions) if j != i)
        if not dominated:
            kept.append((clock, value))
    return kept
