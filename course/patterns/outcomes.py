"""How a call ends, and which endings count as a failure or deserve a retry.

Every call in the simulation ends with one *outcome* (a small integer, so the event loop
stays fast) and an HTTP-like *status* (0 when no response came back at all):

======================  ======  ==========================================================
outcome                 status  meaning
======================  ======  ==========================================================
``success``             200     the callee answered normally
``degraded``            200     answered, but with a fallback (cached or static content)
``error``               5xx/4xx the callee answered with an error status
``timeout``             0       the caller stopped waiting (its timeout expired)
``connection_error``    0       the callee was down (crashed): connection refused or reset
``rejected``            503     the callee's queue was full
``shed``                503     the callee's load shedder refused the request
``short_circuited``     0       the caller's circuit breaker refused to send it
``bulkhead_full``       0       the caller's bulkhead for that dependency had no room
``in_progress``         0       still running when the simulation stopped
======================  ======  ==========================================================

What counts as a *failure* for a circuit breaker is a choice: the course's default counts
5xx responses, timeouts, connection errors and the overload answers 429 and 408, but not
other 4xx (a 404 says the request was wrong, not that the dependency is sick). Libraries
count every exception unless told otherwise (Resilience4j records all exceptions; Hystrix
all but ``HystrixBadRequestException``). A local ``bulkhead_full`` counts too, as it does in
both libraries, whose breakers wrap their bulkheads.

>>> counts_as_failure(ERROR, 503), counts_as_failure(ERROR, 404), counts_as_failure(TIMEOUT, 0)
(True, False, True)
>>> is_retryable(SHORT_CIRCUITED, 0)
False

Taught in: Ep13 · 1-foundations.
"""

from __future__ import annotations

__all__ = [
    "SUCCESS", "DEGRADED", "ERROR", "TIMEOUT", "CONNECTION_ERROR", "REJECTED", "SHED",
    "SHORT_CIRCUITED", "BULKHEAD_FULL", "IN_PROGRESS", "OUTCOME_NAMES",
    "counts_as_failure", "is_retryable", "outcome_code",
]

SUCCESS = 0
DEGRADED = 1
ERROR = 2
TIMEOUT = 3
CONNECTION_ERROR = 4
REJECTED = 5
SHED = 6
SHORT_CIRCUITED = 7
BULKHEAD_FULL = 8
IN_PROGRESS = 9

#: Outcome names by code, the values of the ``outcome`` column in every DataFrame.
OUTCOME_NAMES = (
    "success", "degraded", "error", "timeout", "connection_error", "rejected", "shed",
    "short_circuited", "bulkhead_full", "in_progress",
)

_OVERLOAD_STATUSES = (408, 429)


def counts_as_failure(outcome: int, status: int) -> bool:
    """Should a circuit breaker count this call as a failure? (The course's default rule.)

    Failures: status >= 500, 429 (too many requests) and 408 (request timeout), timeouts,
    connection errors and a full bulkhead. Not failures: success, degraded, other 4xx.

    >>> counts_as_failure(SUCCESS, 200), counts_as_failure(ERROR, 429)
    (False, True)
    """
    if outcome <= DEGRADED:
        return False
    if outcome in (TIMEOUT, CONNECTION_ERROR, BULKHEAD_FULL):
        return True
    return status >= 500 or status in _OVERLOAD_STATUSES


def is_retryable(outcome: int, status: int) -> bool:
    """Is this ending worth another try? (The course's default retry rule.)

    Retry what may be transient: timeouts, connection errors, 5xx, 429 and 408. Never retry
    a call the local breaker or bulkhead refused: failing fast is their whole point.

    >>> is_retryable(ERROR, 500), is_retryable(ERROR, 400), is_retryable(BULKHEAD_FULL, 0)
    (True, False, False)
    """
    if outcome in (SHORT_CIRCUITED, BULKHEAD_FULL):
        return False
    return counts_as_failure(outcome, status)


def outcome_code(name: str) -> int:
    """Return the integer code of an outcome name.

    >>> outcome_code("timeout")
    3
    """
    try:
        return OUTCOME_NAMES.index(name)
    except ValueError:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOME_NAMES)}; got {name!r}") from None
