"""A latency budget across hops, timeouts that shrink inwards, and deadline propagation.

A request crosses a chain of hops (edge → gateway → service → …). Each hop spends its own
time (plus a sidecar's, in a mesh) and calls the next. Two rules keep the chain sane:

* the caller's timeout must be *longer* than everything it waits for inside — otherwise the
  edge gives up while inner hops keep working for nobody (wasted work, then retries);
* with a deadline propagated (gRPC's ``grpc-timeout``), each hop gets what is left of the
  caller's budget, not a fresh fixed timeout.

>>> plan = latency_budget(edge_timeout_ms=1000, hops=[("gateway", 5, 900), ("orders", 40, 800),
...                                                      ("payments", 300, 400)])
>>> plan["total_ms"], plan["slack_ms"], plan["violations"]
(345.0, 655.0, [])
>>> timeout_violations([("edge", 1000), ("gateway", 1200)])
['gateway timeout 1200 ms ≥ its caller edge 1000 ms']

Taught in: Ep15 · 1-foundations.
"""

from __future__ import annotations

from course.validation import require_non_negative, require_positive


def timeout_violations(timeouts) -> list[str]:
    """Pairs ``(name, timeout_ms)`` from the edge inwards: each hop whose timeout is not shorter
    than its caller's (an empty list means the chain is safe).

    >>> timeout_violations([("edge", 2000), ("api", 1500), ("db", 500)])
    []
    """
    out, previous = [], None
    for name, timeout in timeouts:
        require_positive(f"timeout of {name}", timeout)
        if previous is not None and timeout >= previous[1]:
            out.append(f"{name} timeout {timeout:g} ms ≥ its caller {previous[0]} {previous[1]:g} ms")
        previous = (name, timeout)
    return out


def latency_budget(edge_timeout_ms: float, hops, sidecar_ms: float = 0.0) -> dict:
    """Spend a request's budget along ``hops`` = [(name, own_latency_ms, timeout_ms), …], edge inwards.

    ``own_latency_ms`` is the time a hop spends itself (p99, say); ``sidecar_ms`` is added twice
    per hop (outbound + inbound proxy). Returns the cumulative time at each hop, the total,
    the slack left under ``edge_timeout_ms`` and the :func:`timeout_violations` of the chain
    (the edge first). A hop whose remaining work exceeds its own timeout is reported too.
    """
    edge = require_positive("edge_timeout_ms", edge_timeout_ms)
    sidecar = require_non_negative("sidecar_ms", sidecar_ms)
    names, own, timeouts = [], [], []
    for name, latency, timeout in hops:
        names.append(str(name))
        own.append(require_non_negative(f"latency of {name}", latency) + 2 * sidecar)
        timeouts.append(require_positive(f"timeout of {name}", timeout))
    if not names:
        raise ValueError("hops must name at least one hop")
    # time a hop waits = its own work + everything below it
    below = [sum(own[i:]) for i in range(len(own))]
    violations = timeout_violations([("edge", edge)] + list(zip(names, timeouts)))
    violations += [f"{n} needs {b:g} ms but times out at {t:g} ms"
                   for n, b, t in zip(names, below, timeouts) if b > t]
    total = below[0]
    return {"hops": names, "own_ms": own, "waits_ms": below, "total_ms": total,
            "slack_ms": edge - total, "violations": violations}


def propagate_deadline(deadline_ms: float, spent_ms) -> list[float]:
    """What each hop has left when it starts, given the time ``spent_ms`` before each hop.

    Negative means the deadline passed before the hop began: a propagating hop cancels
    instead of working (gRPC answers DEADLINE_EXCEEDED).

    >>> propagate_deadline(500, [20, 100, 400])
    [480.0, 380.0, -20.0]
    """
    left, out = require_positive("deadline_ms", deadline_ms), []
    for spent in spent_ms:
        left -= require_non_negative("spent_ms", spent)
        out.append(float(left))
    return out
