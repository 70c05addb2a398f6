"""The Ep13 chaos scenario: a dependency slows down, then crashes — with and without patterns.

A shop's ``frontend`` (40 workers) serves two kinds of users. *Shoppers* open product
pages, which call ``recommendations`` then ``inventory``; *buyers* check out, which calls
``payments`` only. At ``slow_at`` the recommendations service slows down by
``extra_latency`` seconds (past the 1 s call timeout); at ``fail_at`` it crashes; at
``recover_at`` it comes back. Nothing is wrong with inventory or payments.

Without patterns, every product page holds a frontend worker for the whole timeout, the
shared pool runs dry and the buyers — who never touch recommendations — time out too:
a cascading failure. Each pattern changes the story:

- ``bulkhead``: recommendations calls get their own 10 permits; excess calls fail fast;
- ``breaker``: a circuit breaker (Hystrix defaults unless ``breaker_config`` says otherwise)
  stops calling a dependency that keeps failing, and probes it after the cool-down;
- ``fallback``: a failed recommendations call serves cached (90 % hit) or static picks;
- ``retries``: three attempts with full-jitter backoff — which multiply the load on the
  sick service (a retry storm) unless a ``retry_budget`` caps them.

Every variant sees the same arrivals and the same stream of service times (streams are named, see
:mod:`course.sim.streams`), so differences between runs are the patterns' doing.

>>> bare = chaos_scenario(breaker=False, bulkhead=False, fallback=False, seed=1)
>>> guarded = chaos_scenario(seed=1)
>>> def failed(run, client):
...     rows = run.result.requests.query("client == @client and 25 <= arrival < 40")
...     return round(float((~rows.outcome.isin(["success", "degraded"])).mean()), 2)
>>> failed(bare, "buyers") > 0.3, failed(guarded, "buyers") < 0.01
(True, True)

Taught in: Ep13 · 2-implementation (chaos experiment), 3-strategy (choosing patterns).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from course.patterns.breaker import HYSTRIX, HYSTRIX_EXECUTION_TIMEOUT, BreakerConfig
from course.patterns.degradation import Fallback, FallbackStep
from course.patterns.faults import Crash, SlowDown
from course.patterns.isolation import Bulkhead
from course.patterns.metrics import Result
from course.patterns.retry import Backoff, Retry, RetryBudget
from course.patterns.simulation import Simulation
from course.patterns.topology import Client, Dependency, Endpoint, Service
from course.sim.distributions import Exponential
from course.validation import require_non_negative, require_positive

__all__ = ["ChaosRun", "chaos_scenario", "chaos_system"]

CLIENTS = ("shoppers", "buyers")
SERVICES = ("frontend", "recommendations", "inventory", "payments")
#: Share of the traffic that opens product pages (the rest checks out).
SHOPPER_SHARE = 0.7


@dataclass
class ChaosRun:
    """DataFrames for a dashboard, and the full :class:`~.metrics.Result` behind them.

    - ``latency``: per second and client — requests ended, their latency p50/p95/p99 (s)
      and the fraction that succeeded (``success`` or ``degraded``);
    - ``pools``: per second and service — ``pool_use`` (busy / workers) and ``queue_length``;
    - ``breaker``: per second — the recommendations breaker's ``state`` at the second's end
      and the fraction of the second it spent open (empty without a breaker);
    - ``faults``: the fault intervals, for shading.
    """

    latency: pd.DataFrame
    pools: pd.DataFrame
    breaker: pd.DataFrame
    faults: pd.DataFrame
    result: Result


def chaos_system(
    *,
    breaker: bool = True,
    bulkhead: bool = True,
    fallback: bool = True,
    retries: bool = False,
    retry_budget: bool = False,
    breaker_config: BreakerConfig = HYSTRIX,
    arrival_rate: float = 100.0,
    slow_at: float = 20.0,
    fail_at: float = 45.0,
    recover_at: float = 70.0,
    extra_latency: float = 2.0,
    seed=0,
) -> Simulation:
    """Build the scenario's :class:`~.simulation.Simulation` (see the module docstring).

    ``arrival_rate`` is the total requests/s; times are in seconds and must satisfy
    ``slow_at <= fail_at <= recover_at``.
    """
    require_positive("arrival_rate", arrival_rate)
    require_non_negative("extra_latency", extra_latency)
    for name, value in (("slow_at", slow_at), ("fail_at", fail_at), ("recover_at", recover_at)):
        require_non_negative(name, value)
    if not slow_at <= fail_at <= recover_at:
        raise ValueError(f"need slow_at <= fail_at <= recover_at; got {slow_at:g}, "
                         f"{fail_at:g}, {recover_at:g}")
    retry = None
    if retries:
        retry = Retry(max_attempts=3, backoff=Backoff("full", base=0.05, cap=1.0),
                      budget=RetryBudget(ratio=0.1, capacity=10.0) if retry_budget else None)
    recommendations = Dependency(
        "recommendations", timeout=HYSTRIX_EXECUTION_TIMEOUT, retry=retry,
        breaker=breaker_config if breaker else None,
        bulkhead=Bulkhead(10) if bulkhead else None,
        fallback=Fallback(FallbackStep("cached", success_probability=0.9, latency=0.002),
                          FallbackStep("static")) if fallback else None,
    )
    frontend = Service("frontend", workers=40, queue_capacity=200, endpoints=[
        Endpoint("product", Exponential(rate=200.0),
                 (recommendations, Dependency("inventory", timeout=0.5))),
        Endpoint("checkout", Exponential(rate=200.0), (Dependency("payments", timeout=1.0),)),
    ])
    services = [
        frontend,
        # An unbounded queue: a slow recommendations service accepts everything, late.
        Service("recommendations", workers=10, service_time=Exponential(rate=50.0)),
        Service("inventory", workers=10, queue_capacity=100, service_time=Exponential(rate=100.0)),
        Service("payments", workers=10, queue_capacity=100, service_time=Exponential(rate=40.0)),
    ]
    clients = [
        Client("shoppers", SHOPPER_SHARE * arrival_rate,
               Dependency("frontend", endpoint="product", timeout=2.0)),
        Client("buyers", (1 - SHOPPER_SHARE) * arrival_rate,
               Dependency("frontend", endpoint="checkout", timeout=2.0)),
    ]
    faults = []
    if fail_at > slow_at and extra_latency > 0:
        faults.append(SlowDown("recommendations", slow_at, fail_at, extra_latency=extra_latency))
    if recover_at > fail_at:
        faults.append(Crash("recommendations", fail_at, recover_at))
    return Simulation(services, clients, faults=faults, seed=seed)


def chaos_scenario(duration: float = 90.0, bucket: float = 1.0, **options) -> ChaosRun:
    """Run the chaos scenario for ``duration`` seconds; return dashboard DataFrames.

    ``options`` are those of :func:`chaos_system` (patterns on/off, rate, fault times,
    seed). ``bucket`` is the dashboard's time resolution in seconds.
    """
    result = chaos_system(**options).run(duration)
    timeline = result.timeline(bucket, nodes=CLIENTS)
    ended = timeline.completed.to_numpy()
    good = (timeline.success + timeline.degraded).to_numpy()
    latency = timeline[["time", "node", "completed", "latency_p50", "latency_p95",
                        "latency_p99"]].rename(columns={"node": "client"})
    latency["success_rate"] = pd.Series(good / ended.clip(min=1)).where(ended > 0)
    pools = result.timeline(bucket, nodes=SERVICES)[["time", "node", "pool_use", "queue_length"]]
    return ChaosRun(
        latency=latency,
        pools=pools.rename(columns={"node": "service"}),
        breaker=result.breaker_timeline(bucket),
        faults=result.faults,
        result=result,
    )
