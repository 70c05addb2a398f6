"""Queueing theory: Little's law, Erlang's formulas, M/M/c and sizing, M/G/1 and approximations, finite queues, networks.

Learner shortcut: ``from course.queueing import mmc, erlang_c, mg1`` — the models of
:mod:`course.queueing.markovian`, :mod:`course.queueing.erlang`, :mod:`course.queueing.general`
and :mod:`course.queueing.finite` in one place (README.md, "Library map").

>>> round(mmc(9, 1, 10).p_wait, 4)
0.6687
"""

from course.queueing.erlang import (
    erlang_b,
    erlang_c,
)
from course.queueing.finite import (
    MMcK,
    MMInf,
    mm1k,
    mmck,
    mminf,
)
from course.queueing.general import (
    GGc,
    allen_cunneen,
    kingman,
    md1,
    mg1,
)
from course.queueing.markovian import (
    MM1,
    MMc,
    hockey_stick,
    mm1,
    mmc,
    servers_for_p_wait,
    servers_for_response_quantile,
    servers_for_service_level,
    wait_surface,
)

__all__ = ["erlang_b", "erlang_c", "MM1", "MMc", "mm1", "mmc", "servers_for_p_wait", "servers_for_service_level", "servers_for_response_quantile", "hockey_stick", "wait_surface", "GGc", "md1", "mg1", "kingman", "allen_cunneen", "MMcK", "MMInf", "mm1k", "mmck", "mminf"]
