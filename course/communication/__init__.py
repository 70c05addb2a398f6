"""Communication patterns (Ep15): gateway rate limiting, latency budgets, a mesh data plane,
idempotency keys.

=================  ======================================================================
``ratelimit``      token bucket, leaky bucket, fixed window, sliding log, sliding-window
                   counter; 429 + Retry-After; the five compared on the same seeded traffic
``budget``         a latency budget across hops; timeouts shorter inside than at the edge;
                   deadline propagation
``collapsing``     request collapsing (single flight): backend calls saved
``mesh``           sidecar cost per hop; retries; Envoy's outlier detection against a
                   gray-failing host on :mod:`course.sim`; retry-storm amplification
``idempotency``    Stripe's idempotency-key semantics; pinned date-based API versions;
                   webhook retry delays (a model)
``grpc_chain``     a real gRPC chain on loopback: deadlines propagated, per-hop overhead
                   measured (imported on its own: it needs grpcio)
=================  ======================================================================

>>> from course.communication import TokenBucket, ejection_time
>>> TokenBucket(rate=5.0, burst=1).decide(0.0).status, ejection_time(2)
(200, 60.0)

Taught in: Ep15 · 1-foundations.
"""

from course.communication.budget import latency_budget, propagate_deadline, timeout_violations
from course.communication.collapsing import collapse
from course.communication.idempotency import IdempotencyStore, pinned_version, webhook_schedule
from course.communication.mesh import (
    ENVOY_DEFAULTS,
    ejection_time,
    max_ejected,
    retry_amplification,
    sidecar_overhead,
    simulate_mesh,
)
from course.communication.ratelimit import (
    FixedWindow,
    LeakyBucket,
    SlidingLog,
    SlidingWindowCounter,
    TokenBucket,
    bursty_traffic,
    compare_limiters,
    retry_after_seconds,
)

__all__ = [
    "TokenBucket", "LeakyBucket", "FixedWindow", "SlidingLog", "SlidingWindowCounter",
    "bursty_traffic", "compare_limiters", "retry_after_seconds",
    "latency_budget", "propagate_deadline", "timeout_violations", "collapse",
    "ENVOY_DEFAULTS", "ejection_time", "max_ejected", "retry_amplification", "sidecar_overhead",
    "simulate_mesh", "IdempotencyStore", "pinned_version", "webhook_schedule",
]
