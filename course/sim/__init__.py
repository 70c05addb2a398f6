"""One simulation core for both simulators of the kit.

The queue simulator (:mod:`course.simulation`) and the resilience-pattern simulator
(:mod:`course.patterns`) share these modules, so a seed, a duration distribution and
``schedule_at`` mean the same thing in both:

====================  ====================================================================
``loop``              EventLoop: the virtual clock and heap; ``schedule_at`` (absolute
                      time) and ``schedule_in`` (delay from now), seconds
``streams``           seeded random streams: numbered (``spawn_generators``) or named
                      (``stream_generator``), drawn one at a time in blocks (``random_stream``)
``distributions``     Exponential, Deterministic, Lognormal, Gamma, Erlang, Empirical,
                      Sampler; ``lognormal_parameters`` (mean, CV) -> (μ, σ)
``jit``               numba's ``njit``, or a pure-Python stand-in when numba is missing
====================  ====================================================================

Everything here needs only numpy (``jit`` imports numba only if it is there), so the
pattern simulator still runs in browser-only Python. This package imports ``jit`` only when
asked, so importing it never loads numba.

>>> from course.sim import EventLoop, Exponential
>>> loop, log = EventLoop(), []
>>> loop.schedule_in(Exponential(rate=2.0).mean, log.append, "served")
>>> loop.run(), log, loop.now
(1, ['served'], 0.5)

Taught in: Ep13 · 2-implementation; Ep51 · 2-implementation.
"""

from course.sim.distributions import (
    Deterministic,
    Distribution,
    Empirical,
    Erlang,
    Exponential,
    Gamma,
    Lognormal,
    Sampler,
    as_distribution,
    lognormal_parameters,
)
from course.sim.loop import EventLoop
from course.sim.streams import random_stream, seed_entropy, spawn_generators, stream_generator

__all__ = [
    "EventLoop", "spawn_generators", "stream_generator", "seed_entropy", "random_stream",
    "Distribution", "Exponential", "Deterministic", "Lognormal", "Gamma", "Erlang",
    "Empirical", "Sampler", "as_distribution", "lognormal_parameters",
]
