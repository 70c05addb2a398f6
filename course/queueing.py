"""Analytic queueing models: M/M/1, M/M/c (Erlang B and C), M/G/1, G/G/c, and sizing.

A queue is a shop counter: customers arrive at ``arrival_rate`` (λ per unit time), each
of ``servers`` (c) clerks serves at ``service_rate`` (μ per unit time, so a service takes
S = 1/μ on average), and whoever finds every clerk busy waits in line. Each model is an
object that holds its parameters and exposes its quantities, like a frozen scipy
distribution: build it once, read many numbers from it.

Glossary (one vocabulary across the kit; times in the unit of 1/λ):

===================  ======  =============================================================
name                 symbol  meaning
===================  ======  =============================================================
``arrival_rate``     λ       arrivals per unit time
``service_rate``     μ       services per unit time per server; S = 1/μ
``servers``          c       parallel servers
``offered_load``     A       λ/μ, in Erlangs (mean number of busy servers)
``utilization``      ρ       λ/(cμ), fraction of time each server is busy
``p_wait``           C       probability an arrival has to wait (Erlang C for M/M/c)
``wq`` / ``w``       Wq, W   mean time in queue / in system (queue + service)
``lq`` / ``l``       Lq, L   mean number in queue / in system (Little: L = λW)
===================  ======  =============================================================

Finite buffers (M/M/1/K, M/M/c/K) and infinite servers (M/M/∞) live in
:mod:`course.queueing_finite` and are re-exported here.

>>> m = mmc(arrival_rate=9, service_rate=1, servers=10)
>>> round(m.p_wait, 4), round(m.wq, 4)
(0.6687, 0.6687)
>>> round(mm1(0.8, 1).lq, 2)
3.2

Taught in: Ep51 · 1-foundations (formulas), 2-implementation, 3-strategy (sizing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.optimize import brentq

from course.queueing_finite import MMcK, MMInf, mm1k, mmck, mminf
from course.queueing_grids import hockey_stick, wait_surface
from course.validation import (
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
    require_probability,
    require_stable,
)

__all__ = [
    "erlang_b", "erlang_c", "MM1", "MMc", "mm1", "mmc",
    "servers_for_wait_probability", "servers_for_service_level",
    "servers_for_response_quantile",
    "MG1", "GGc", "md1", "mg1", "kingman", "allen_cunneen",
    "MMcK", "MMInf", "mm1k", "mmck", "mminf", "hockey_stick", "wait_surface",
]
