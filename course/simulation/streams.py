"""Random-number streams: one independent numpy Generator per source of randomness.

A simulation is reproducible when everything random is drawn from generators derived from
one ``seed``. Each kind of draw gets its own stream — node k's arrivals, services, patience
and routing are streams 4k, 4k+1, 4k+2, 4k+3 — so adding a timeout to a model does not
shift the service times every other customer gets, and the fast path (which draws all
arrival gaps, then all service times, in bulk) sees the very same numbers as the
event-driven engine (which draws them one at a time as customers need them).

>>> arrivals, services = spawn_generators(seed=7, count=2)
>>> stream = SampleStream(lambda size: arrivals.exponential(1.0, size))
>>> first = stream.next()
>>> bool(first == spawn_generators(7, 1)[0].exponential(1.0, 1)[0])
True

Taught in: Ep58 (Monte Carlo with confidence intervals).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course.validation import require_rng

__all__ = ["STREAMS_PER_NODE", "spawn_generators", "SampleStream"]

#: Streams reserved per node: arrivals, service, patience, routing (in that order).
STREAMS_PER_NODE = 4


def spawn_generators(seed, count: int) -> list[np.random.Generator]:
    """Return ``count`` independent Generators derived from ``seed``.

    ``seed`` is a whole number >= 0, a ``np.random.SeedSequence`` or a ``np.random.Generator``
    (whose own seed sequence spawns the children, so ``default_rng(7)`` and ``7`` give the
    same streams). Child k does not depend on ``count``: asking for 2 or 8 streams gives the
    same first two.

    >>> a, = spawn_generators(3, 1)
    >>> b, _ = spawn_generators(np.random.default_rng(3), 2)
    >>> bool(a.random() == b.random())
    True

    Taught in: Ep58 (Monte Carlo with confidence intervals).
    """
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(count))
    if isinstance(seed, np.random.SeedSequence):
        sequence = seed
    else:
        require_rng("seed", seed)  # the check only: the int seeds the SeedSequence below
        sequence = np.random.SeedSequence(int(seed))
    return [np.random.Generator(np.random.PCG64(child)) for child in sequence.spawn(count)]


class SampleStream:
    """Hand out draws one at a time, refilling a buffer of ``block`` values in bulk.

    The event-driven engine needs one number at a time; calling numpy for each would cost
    a microsecond apiece. Drawing ahead in blocks from a stream's own Generator is both
    fast and gives exactly the numbers a single bulk draw would.
    """

    def __init__(self, draw: Callable[[int], np.ndarray], block: int = 1024):
        self._draw = draw
        self._block = block
        self._buffer: list[float] = []
        self._position = 0

    def next(self) -> float:
        """Return the next draw."""
        if self._position == len(self._buffer):
            self._buffer = self._draw(self._block).tolist()
            self._position = 0
        value = self._buffer[self._position]
        self._position += 1
        return value
