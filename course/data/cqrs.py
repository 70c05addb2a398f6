"""CQRS on the simulation core: a write model, an event relay, a projector feeding a read model.

A command commits to the write model at time t. Its event reaches the projector after a relay
delay (the outbox poller, the broker), waits behind earlier events (the projector applies them
in log order, one at a time) and is visible on the read side at time t + lag. The lag is a
*distribution*, not a number: :func:`simulate_read_side` measures it event by event on
:class:`course.sim.EventLoop`, and :meth:`ReadSideRun.alert` says how often it crossed an
alerting threshold. With a constant relay delay d and exponential apply times (mean 1/μ) at
write rate λ, the mean lag is d + 1/(μ − λ) (the projector is an M/M/1 queue).

:func:`refresh_tradeoff` prices a materialized view: a *full* refresh recomputes all rows every
T seconds (cost ∝ rows/T, a read sees data D + U(0, T) old, mean D + T/2); an *incremental*
refresh applies each change (cost ∝ write rate, staleness = the projector's lag).

>>> run = simulate_read_side(write_rate=50.0, apply_time=0.01, relay_delay=0.2, duration=600.0, seed=16)
>>> round(run.mean_read_lag(), 2), round(0.2 + 1 / (100 - 50), 2)
(0.22, 0.22)

Taught in: Ep16 · 1-foundations.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from course.sim.loop import EventLoop
from course.sim.streams import spawn_generators
from course.validation import require_non_negative, require_positive

__all__ = ["ReadSideRun", "simulate_read_side", "refresh_tradeoff"]


@dataclass(frozen=True)
class ReadSideRun:
    """Commit and visibility time (s) of every event of one run; ``read_lag = visible − committed`` (s)."""

    committed: np.ndarray
    visible: np.ndarray
    duration: float

    @property
    def read_lag(self) -> np.ndarray:
        """Seconds from commit on the write side to visibility on the read side, per event."""
        return self.visible - self.committed

    def mean_read_lag(self) -> float:
        """Mean lag (s)."""
        return float(self.read_lag.mean())

    def percentile(self, q: float) -> float:
        """The q-th percentile of the lag (s), q in [0, 100]."""
        if not 0 <= q <= 100:
            raise ValueError(f"q must lie in [0, 100]; got {q:g}")
        return float(np.percentile(self.read_lag, q))

    def alert(self, threshold: float) -> dict:
        """How often lag exceeded ``threshold`` seconds: share of events, and the first breach time (s)."""
        require_non_negative("threshold", threshold)
        over = self.read_lag > threshold
        first = float(self.committed[over][0]) if over.any() else None
        return {"threshold": threshold, "share over": float(over.mean()), "events over": int(over.sum()),
                "first breach at": first}


def simulate_read_side(write_rate: float, apply_time: float, relay_delay: float, duration: float,
                       seed: int, relay_jitter: float = 0.0, engine: str = "loop") -> ReadSideRun:
    """Simulate Poisson writes at ``write_rate`` per s for ``duration`` s through relay and projector.

    ``relay_delay`` (s) is the relay's fixed delay, plus an exponential ``relay_jitter`` (mean, s);
    the projector applies events in commit order with exponential apply times of mean
    ``apply_time`` (s). Every event is followed to the end (the run drains). ``engine="loop"``
    runs the event loop; ``engine="recursion"`` computes the same times with Lindley's recursion
    visible[i] = max(arrived[i], visible[i−1]) + apply[i] (what the widgets use: no heap).

    >>> run = simulate_read_side(10.0, 0.01, 0.5, 60.0, seed=1)
    >>> bool((run.read_lag >= 0.5).all())
    True
    """
    rate = require_positive("write_rate", write_rate)
    mean_apply = require_positive("apply_time", apply_time)
    delay = require_non_negative("relay_delay", relay_delay)
    jitter = require_non_negative("relay_jitter", relay_jitter)
    horizon = require_positive("duration", duration)
    if rate * mean_apply >= 1:
        raise ValueError(f"write_rate × apply_time must be < 1 or the read side falls behind for ever; "
                         f"got {rate:g} × {mean_apply:g} = {rate * mean_apply:g}")
    arrivals, applies, relays = spawn_generators(seed, 3)
    gaps = arrivals.exponential(1 / rate, int(rate * horizon * 1.5) + 100)
    committed = np.cumsum(gaps)
    committed = committed[committed <= horizon]
    n = len(committed)
    apply_times = applies.exponential(mean_apply, n)
    relay = delay + (relays.exponential(jitter, n) if jitter > 0 else np.zeros(n))
    arrived_at = np.maximum.accumulate(committed + relay)   # the relay keeps log order
    if engine == "recursion":
        return ReadSideRun(committed, _lindley(arrived_at, apply_times), horizon)
    if engine != "loop":
        raise ValueError(f"engine must be 'loop' or 'recursion'; got {engine!r}")
    visible = np.empty(n)
    loop = EventLoop()
    log: deque[int] = deque()   # events the projector has received, in log order
    busy = [False]

    def start_next(_=None):
        if log and not busy[0]:
            busy[0] = True
            i = log.popleft()
            loop.schedule_in(apply_times[i], finish, i)

    def finish(i):
        visible[i] = loop.now
        busy[0] = False
        start_next()

    def receive(i):
        log.append(i)
        start_next()

    for i in range(n):
        loop.schedule_at(float(arrived_at[i]), receive, i)
    loop.run()
    return ReadSideRun(committed, visible, horizon)


def _lindley(arrived: np.ndarray, service: np.ndarray) -> np.ndarray:
    done = np.empty(len(arrived))
    last = 0.0
    for i, (a, s) in enumerate(zip(arrived.tolist(), service.tolist())):
        last = (a if a > last else last) + s
        done[i] = last
    return done


def refresh_tradeoff(rows: int, row_cost: float, write_rate: float, change_cost: float,
                     interval: float) -> dict:
    """Work (CPU-seconds per second) and staleness (s) of full vs incremental refresh of one view.

    Full: every ``interval`` s recompute ``rows`` rows at ``row_cost`` s each (refresh time
    D = rows·row_cost); a read sees data between D and D + interval old (mean D + interval/2).
    Incremental: each of ``write_rate`` changes per s costs ``change_cost`` s; staleness is the
    wait of an M/D/1 queue plus the change itself, ρ·c/(2(1−ρ)) + c with ρ = write_rate·change_cost.

    >>> t = refresh_tradeoff(rows=1_000_000, row_cost=1e-6, write_rate=100.0, change_cost=1e-3, interval=60.0)
    >>> round(t["full"]["work per s"], 4), t["full"]["mean staleness"], round(t["incremental"]["mean staleness"], 6)
    (0.0167, 31.0, 0.001056)
    """
    rows = int(rows)
    if rows < 1:
        raise ValueError(f"rows must be >= 1; got {rows}")
    row_cost = require_positive("row_cost", row_cost)
    write_rate = require_non_negative("write_rate", write_rate)
    change_cost = require_positive("change_cost", change_cost)
    interval = require_positive("interval", interval)
    refresh = rows * row_cost
    if refresh > interval:
        raise ValueError(f"interval must be >= the refresh time rows × row_cost = {refresh:g} s; got {interval:g}")
    rho = write_rate * change_cost
    if rho >= 1:
        raise ValueError(f"write_rate × change_cost must be < 1 (else incremental refresh falls behind); got {rho:g}")
    return {
        "full": {"work per s": refresh / interval, "mean staleness": refresh + interval / 2,
                 "max staleness": refresh + interval},
        "incremental": {"work per s": rho, "mean staleness": rho * change_cost / (2 * (1 - rho)) + change_cost,
                        "max staleness": None},
    }
