"""A hashable, canonical form of a learner's state, so the search can recognise it again.

A learner's handler may keep its state in dicts, lists and sets; the search needs a
hashable key that is equal for equal states. :func:`freeze` turns dicts into sorted tuples
of pairs, lists into tuples and sets into frozensets, all the way down.

>>> freeze({"seen": {3, 1}, "balance": [10, 5]})
(('balance', (10, 5)), ('seen', frozenset({1, 3})))
>>> freeze({"b": 1, "a": 2}) == freeze({"a": 2, "b": 1})
True
"""

from __future__ import annotations

__all__ = ["freeze"]


def freeze(value):
    """``value`` made hashable: dict -> sorted tuple of (key, frozen value), list/tuple ->
    tuple, set -> frozenset; other values are returned as they are."""
    if isinstance(value, dict):
        return tuple(sorted(((key, freeze(item)) for key, item in value.items()), key=repr))
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    if isinstance(value, set | frozenset):
        return frozenset(freeze(item) for item in value)
    return value
