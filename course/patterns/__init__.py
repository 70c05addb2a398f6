"""Resilience patterns on a simulated system of services: the machinery of Series 1.

A seeded, deterministic, single-threaded simulation of clients calling services calling
services, on a virtual clock (no sleeping, threads, sockets or asyncio: it runs in
browser-only Python too). You describe a system, inject faults, pick patterns, run it and
read tidy pandas DataFrames.

Modules (each small, named for what it holds):

=====================  =================================================================
``topology``           Service, Endpoint, Client, Dependency: what the system is
``simulation``         Simulation(services, clients, faults, seed).run(duration) -> Result
``runtime``            one run's mutable state: the request's life as small callbacks
``timers``             TimerQueue: timeouts sharing one delay, one heap entry at a time
``metrics``            Result: requests / spans / calls / timeline / breaker / faults frames
``faults``             Crash, SlowDown, ErrorRate, DropMessages, DelayMessages, Partition
``breaker``            the pure transition(state, event, now), presets, CircuitBreaker
``retry``              backoff formulas (full, equal, decorrelated jitter), Retry, budgets
``isolation``          Bulkhead, QueueLengthShedding, LatencyShedding
``degradation``        Fallback ladders, Degradation levels
``explorer``           exhaustive (BFS) state-space exploration with invariants
``scenarios``          the Ep13 chaos scenario (with / without the patterns)
``outcomes``           outcome codes and the failure / retry predicates
``fast``               the compiled fast path: same model, same seed, same records
``fast_kernels``       the numba loop behind ``fast`` (plain Python without numba)
``thresholds``         count and time window trip rules, false-trip tables
``bulkhead_sizing``    pool and queue sizes from Erlang C and burst arithmetic
``resilience_costs``   what a pattern costs and saves per year: ResilienceInvestment
=====================  =================================================================

The event loop, the seeded streams and the duration distributions (``Exponential``,
``Lognormal``, ``Deterministic``, …) are the kit's one simulation core, :mod:`course.sim`,
shared with the queue simulator: ``course.patterns.Exponential`` *is*
``course.simulation.Exponential``.

Glossary (units; the whole vocabulary is in docs/glossary.md). A *worker* here IS a *server*
of :mod:`course.queueing` and :mod:`course.simulation`: a service with ``workers=c`` and
``queue_capacity=q`` is a c-server queue whose ``capacity`` K (counting those in service) is
c + q.


=====================  ====================================================================
``arrival_rate``       λ, requests per second sent by a client
``service_time``       seconds of work per request (a distribution: ``Exponential(rate)``,
                       ``Lognormal(mean, cv)``, ``Deterministic(value)``)
``workers``            c, requests a service handles at once (its thread pool)
``queue_capacity``     requests that may wait for a worker (None: unbounded)
``timeout``            seconds a caller waits for one attempt
``latency``            seconds from arrival to end, as seen by whoever records it
``queue_wait``         seconds from arrival at a service to getting a worker
``in_flight``          requests between arrival and end (time average per bucket)
``pool_use``           busy workers / workers (time average per bucket)
``level``              degradation level of an answer: 0 full, k = k-th fallback rung
=====================  ====================================================================

Usage — a frontend calling a catalog that slows down at t = 20 s, guarded by a Hystrix-style
breaker, a bulkhead and a fallback:

>>> from course.patterns import (Client, Dependency, Exponential, Fallback, FallbackStep,
...                              Service, Simulation, SlowDown, HYSTRIX, Bulkhead)
>>> catalog = Service("catalog", workers=10, service_time=Exponential(rate=200.0))
>>> frontend = Service("frontend", workers=30, service_time=Exponential(rate=500.0), calls=[
...     Dependency("catalog", timeout=0.5, breaker=HYSTRIX, bulkhead=Bulkhead(10),
...                fallback=Fallback(FallbackStep("static")))])
>>> users = Client("users", arrival_rate=100.0, call=Dependency("frontend", timeout=2.0))
>>> simulation = Simulation([frontend, catalog], [users], seed=7,
...                         faults=[SlowDown("catalog", start=20.0, end=40.0, extra_latency=1.0)])
>>> result = simulation.run(duration=60.0)
>>> result.breaker_transitions.to_state.iloc[0]
'open'
>>> frame = result.timeline(bucket=1.0)          # per node and second: counts, p99, pool_use
>>> sorted(set(result.requests.outcome))         # the users never saw the slow catalog fail
['degraded', 'success']

The pure breaker, for comparing a learner's implementation event by event:

>>> state = initial_state(RESILIENCE4J)
>>> state, decision = transition(state, "request", now=0.0)   # -> "allow" / "reject"
>>> state, decision = transition(state, "failure", now=0.1)   # -> "record" / "ignore"
>>> decision, state.mode
('record', 'closed')

Exhaustive checking (``from course.patterns.explorer import ...``):
``explore(BreakerModel(SMALL_COUNT_CONFIG, machine=broken_breaker))`` returns the shortest
counterexample. The Ep13 dashboard: ``course.patterns.scenarios.chaos_scenario(breaker=...,
bulkhead=..., retries=...)`` returns latency / pool / breaker / fault DataFrames.

Taught in: Ep13 (all notebooks); later Series 1 episodes reuse the simulator.
"""

from course.patterns.breaker import (
    CLOSED,
    HALF_OPEN,
    HYSTRIX,
    HYSTRIX_EXECUTION_TIMEOUT,
    HYSTRIX_THREAD_POOL_SIZE,
    OPEN,
    PYBREAKER,
    RESILIENCE4J,
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    initial_state,
    transition,
)
from course.patterns.degradation import Degradation, Fallback, FallbackStep
from course.patterns.faults import (
    Crash,
    DelayMessages,
    DropMessages,
    ErrorRate,
    Partition,
    SlowDown,
    random_crashes,
    random_faults,
)
from course.patterns.isolation import Bulkhead, LatencyShedding, QueueLengthShedding
from course.patterns.metrics import Result
from course.patterns.outcomes import OUTCOME_NAMES, counts_as_failure, is_retryable
from course.patterns.retry import (
    Backoff,
    Retry,
    RetryBudget,
    decorrelated_jitter,
    equal_jitter,
    exponential_backoff,
    full_jitter,
)
from course.patterns.simulation import Simulation
from course.patterns.topology import Client, Dependency, Endpoint, Service
from course.sim.distributions import Deterministic, Exponential, Lognormal

__all__ = [
    "Simulation", "Result", "Service", "Endpoint", "Client", "Dependency",
    "Exponential", "Lognormal", "Deterministic",
    "Crash", "SlowDown", "ErrorRate", "DropMessages", "DelayMessages", "Partition",
    "random_faults", "random_crashes",
    "BreakerConfig", "BreakerState", "CircuitBreaker", "initial_state", "transition",
    "HYSTRIX", "RESILIENCE4J", "PYBREAKER", "HYSTRIX_EXECUTION_TIMEOUT",
    "HYSTRIX_THREAD_POOL_SIZE", "CLOSED", "OPEN", "HALF_OPEN",
    "Backoff", "Retry", "RetryBudget", "exponential_backoff", "full_jitter", "equal_jitter",
    "decorrelated_jitter",
    "Bulkhead", "QueueLengthShedding", "LatencyShedding",
    "Fallback", "FallbackStep", "Degradation",
    "OUTCOME_NAMES", "counts_as_failure", "is_retryable",
]
