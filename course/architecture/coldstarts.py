"""Cold starts as a distribution: warm pools, a keep-alive, and what they do to the tail.

A function platform keeps an execution environment warm for a while after each invocation
(the *keep-alive*); a request that finds no idle warm environment starts a new one and waits
for its initialisation, drawn here from a lognormal distribution (hundreds of milliseconds to
seconds). So the share of cold requests depends on the *traffic shape*, not on the mean rate
alone: steady traffic keeps a pool warm, bursts need many new environments at once, and sparse
traffic that comes in batches finds its environments expired. A restaurant that keeps one oven hot: the evening rush
waits for the other ovens to heat up, and the lone lunch guest waits for the cold one.

>>> run = simulate_cold_starts("periodic batch", rate_per_s=1, seed=1)
>>> run.cold_share > 0.01 and run.p99_ms > 3 * run.p50_ms
True

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Traffic shapes with the same mean rate: steady (Poisson); bursty (all of each minute's requests in
#: its first 6 s); periodic batch (all of each 15 minutes' requests in its first 30 s, so the gaps
#: outlast a 5-minute keep-alive).
SHAPES = ("steady", "bursty", "periodic batch")
_PERIODS = {"bursty": (60.0, 6.0), "periodic batch": (900.0, 30.0)}
MAX_REQUESTS = 200_000


@dataclass(frozen=True)
class ColdStartRun:
    """One seeded run: per-request response times (s), which were cold, and summary quantiles (ms)."""

    shape: str
    arrivals: np.ndarray
    response_s: np.ndarray
    cold: np.ndarray
    environments: int

    @property
    def cold_share(self) -> float:
        return float(self.cold.mean())

    @property
    def p50_ms(self) -> float:
        return float(np.quantile(self.response_s, 0.50) * 1000)

    @property
    def p99_ms(self) -> float:
        return float(np.quantile(self.response_s, 0.99) * 1000)


def arrivals(shape: str, rate_per_s: float, duration_s: float, seed: int) -> np.ndarray:
    """Seeded arrival times (s) of one traffic shape with mean ``rate_per_s`` over ``duration_s``.

    >>> a = arrivals("steady", 10, 600, seed=0); 5000 < a.size < 7000
    True
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")
    if not (math.isfinite(rate_per_s) and rate_per_s > 0):
        raise ValueError(f"rate_per_s must be a finite number > 0; got {rate_per_s!r}")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a finite number > 0; got {duration_s!r}")
    if rate_per_s * duration_s > MAX_REQUESTS:
        raise ValueError(f"rate_per_s × duration_s must be <= {MAX_REQUESTS:,} requests; "
                         f"got {rate_per_s * duration_s:,.0f}")
    rng = np.random.default_rng(seed)
    count = rng.poisson(rate_per_s * duration_s)
    if shape in _PERIODS:
        # the same mean rate, packed into the start of every period
        period, on = _PERIODS[shape]
        if duration_s < period:
            raise ValueError(f"duration_s must be >= {period:g} s for the {shape} shape (one whole period); "
                             f"got {duration_s:g}")
        starts = rng.integers(0, int(duration_s // period), size=count)
        times = starts * period + rng.uniform(0, on, size=count)
    else:
        times = rng.uniform(0, duration_s, size=count)
    return np.sort(times)


def simulate_cold_starts(shape: str, rate_per_s: float, seed: int, duration_s: float = 1800.0,
                         service_s: float = 0.05, keep_alive_s: float = 300.0, init_median_s: float = 0.4,
                         init_sigma: float = 0.6, provisioned: int = 0) -> ColdStartRun:
    """Run a warm pool over one traffic shape; return every request's response time and cold flag.

    Each environment serves one request at a time (as function platforms do). A request takes the
    most recently freed idle environment whose idle time is below ``keep_alive_s``; otherwise a new
    one starts, adding an initialisation time drawn from a lognormal (median ``init_median_s`` s,
    shape ``init_sigma``). ``provisioned`` environments are warm from the start and never expire.
    """
    for name, value in (("service_s", service_s), ("keep_alive_s", keep_alive_s),
                        ("init_median_s", init_median_s), ("init_sigma", init_sigma)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    if not (isinstance(provisioned, int) and 0 <= provisioned <= 1000):
        raise ValueError(f"provisioned must be an integer in 0 … 1000; got {provisioned!r}")
    times = arrivals(shape, rate_per_s, duration_s, seed)
    rng = np.random.default_rng([seed, 19])
    inits = rng.lognormal(math.log(init_median_s), init_sigma, size=times.size)
    response, cold, environments = warm_pool(times, inits, service_s, keep_alive_s, provisioned)
    return ColdStartRun(shape, times, response, cold, environments)


def warm_pool(times: np.ndarray, inits: np.ndarray, service_s: float, keep_alive_s: float,
              provisioned: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """Response times (s), cold flags and environments started, for sorted arrival ``times`` (s).

    ``inits[i]`` is the initialisation time request i would pay if it found no warm environment.

    >>> response, cold, started = warm_pool(np.array([0.0, 1.0, 402.0]), np.full(3, 0.5), 0.05, 300.0)
    >>> cold.tolist(), started
    ([True, False, True], 2)
    """
    idle: list[tuple[float, bool]] = [(0.0, True)] * provisioned   # (free since, provisioned?)
    busy: list[tuple[float, bool]] = []                            # (free at, provisioned?)
    response = np.empty(times.size)
    cold = np.zeros(times.size, dtype=bool)
    environments = provisioned
    for i, t in enumerate(times):
        if busy:
            done = [b for b in busy if b[0] <= t]
            if done:
                busy = [b for b in busy if b[0] > t]
                idle.extend(done)
                idle.sort()
        # expired environments are reclaimed (provisioned ones never)
        idle = [e for e in idle if e[1] or t - e[0] <= keep_alive_s]
        if idle:
            _, kept = idle.pop()
            wait = 0.0
        else:
            kept, wait = False, float(inits[i])
            cold[i] = True
            environments += 1
        response[i] = wait + service_s
        busy.append((t + wait + service_s, kept))
    return response, cold, environments
