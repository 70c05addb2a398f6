"""Seeded random streams: one independent numpy Generator per source of randomness.

A simulation is reproducible when everything random is drawn from generators derived from
one ``seed``, and comparable across variants when each *kind* of draw has its own stream
(common random numbers): adding a timeout to a model must not shift the service times
every other customer gets. Both simulators of the kit build their streams here:

* :func:`spawn_generators` — streams numbered 0, 1, 2, … (the queue simulator gives node k
  the streams 4k … 4k+3 for arrivals, services, patience and routing);
* :func:`stream_generator` — a stream picked by *name* (the pattern simulator's
  ``"frontend:service"``), so adding a component leaves every other stream unchanged;
* :func:`random_stream` — hands out one draw at a time from arrays drawn in blocks: one
  numpy call per 1,024 draws, and exactly the numbers one bulk draw would give, which is
  what lets an event-driven engine and a bulk-drawing fast path agree to the last bit.

>>> arrivals, services = spawn_generators(seed=7, count=2)
>>> stream = random_stream(lambda size: arrivals.exponential(1.0, size))
>>> bool(next(stream) == spawn_generators(7, 1)[0].exponential(1.0, 1)[0])
True

Taught in: Ep13 · 2-implementation; Ep51 · 2-implementation; planned for Ep58 (Monte
Carlo with confidence intervals).
"""

from __future__ import annotations

import numbers
import zlib
from collections.abc import Callable, Iterator

import numpy as np

from course.validation import require_int, require_rng

__all__ = ["spawn_generators", "stream_generator", "seed_entropy", "random_stream"]


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
    """
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(count))
    if isinstance(seed, np.random.SeedSequence):
        sequence = seed
    else:
        require_rng("seed", seed)  # the check only: the int seeds the SeedSequence below
        sequence = np.random.SeedSequence(int(seed))
    return [np.random.Generator(np.random.PCG64(child)) for child in sequence.spawn(count)]


def seed_entropy(seed) -> int:
    """Return the whole-number entropy a run derives its named streams from.

    ``seed`` is a whole number >= 0 or a numpy ``Generator`` (one number is drawn from it).

    >>> seed_entropy(7)
    7
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(
        "seed must be a whole number >= 0 or a numpy Generator (every run is seeded so that "
        f"it can be reproduced); got {seed!r}"
    )


def stream_generator(entropy: int, name: str) -> np.random.Generator:
    """Return the Generator of the stream called ``name`` in a run seeded with ``entropy``.

    The name, not the order of creation, picks the stream: adding a component to a model
    leaves every other component's draws unchanged.

    >>> a = stream_generator(1, "frontend:service").random()
    >>> b = stream_generator(1, "frontend:service").random()
    >>> a == b, a == stream_generator(1, "catalog:service").random()
    (True, False)
    """
    sequence = np.random.SeedSequence(entropy, spawn_key=(zlib.crc32(name.encode("utf-8")),))
    return np.random.Generator(np.random.PCG64(sequence))


def random_stream(draw: Callable[[int], np.ndarray], block: int = 1024) -> Iterator[float]:
    """Yield draws one at a time from ``draw(block)`` arrays, refilled as needed.

    ``block`` (a whole number >= 1) is how many values one call of ``draw`` returns.

    >>> rng = np.random.default_rng(0)
    >>> stream = random_stream(lambda size: rng.random(size), block=4)
    >>> values = [next(stream) for _ in range(6)]
    >>> values == np.random.default_rng(0).random(8)[:6].tolist()
    True
    """
    block = require_int("block", block, minimum=1)
    return _blocks(draw, block)


def _blocks(draw, block: int) -> Iterator[float]:
    while True:
        yield from draw(block).tolist()
