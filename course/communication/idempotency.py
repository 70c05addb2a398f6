"""Idempotency keys as Stripe documents them, pinned API versions, webhook retry delays.

Stripe's documented semantics (docs.stripe.com/api/idempotent_requests): the status code and
body of the *first* request with a key are saved once the endpoint starts executing, and a
retry with the same key gets that saved response — a ``500`` included; a retry whose
parameters differ is an error; keys may be pruned once at least 24 hours old, after which
the key runs as a new request.

>>> store = IdempotencyStore()
>>> charges = []
>>> def charge(params):
...     charges.append(params["amount"]); return 200, {"charged": params["amount"]}
>>> store.handle("k1", {"amount": 500}, now=0.0, execute=charge)
(200, {'charged': 500})
>>> store.handle("k1", {"amount": 500}, now=60.0, execute=charge), len(charges)   # replayed
((200, {'charged': 500}), 1)
>>> store.handle("k1", {"amount": 900}, now=61.0, execute=charge)[0]             # misuse
400

Taught in: Ep15 · 1-foundations.
"""

from __future__ import annotations

from collections.abc import Callable

from course.validation import require_non_negative, require_positive

#: Stripe: keys may be removed once they are at least 24 hours old (seconds).
RETENTION_S = 24 * 3600.0


class IdempotencyStore:
    """Key → (parameters, first response, saved at). Times in seconds.

    ``handle`` runs ``execute(params)`` for a new key and saves what it returns (any
    status, 5xx included); a key whose request is still running answers ``409``.
    """

    def __init__(self, retention_s: float = RETENTION_S):
        self.retention_s = require_positive("retention_s", retention_s)
        self.saved: dict[str, tuple[dict, tuple[int, object], float]] = {}
        self.in_flight: set[str] = set()

    def handle(self, key: str, params: dict, now: float, execute: Callable) -> tuple[int, object]:
        """The response to a request carrying ``key``: replayed, refused, or newly executed."""
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise ValueError("key must be a string of 1 to 255 characters (Stripe's limit)")
        now = require_non_negative("now", now)
        self.prune(now)
        if key in self.in_flight:
            return 409, {"error": "a request with this idempotency key is in progress"}
        if key in self.saved:
            first_params, response, _ = self.saved[key]
            if first_params != params:
                return 400, {"error": "idempotency key reused with different parameters"}
            return response
        self.in_flight.add(key)
        try:
            response = execute(params)
        finally:
            self.in_flight.discard(key)
        self.saved[key] = (dict(params), response, now)
        return response

    def prune(self, now: float) -> int:
        """Remove keys at least ``retention_s`` old at ``now``; how many were removed."""
        old = [k for k, (_, _, at) in self.saved.items() if now - at >= self.retention_s]
        for k in old:
            del self.saved[k]
        return len(old)


def pinned_version(first_request_date: str, versions, requested: str | None = None) -> str:
    """The API version a request runs under: the header's ``requested`` version if given, else
    the account's pin — the newest of ``versions`` (ISO dates) on or before its first request.

    >>> pinned_version("2015-03-01", ["2014-12-22", "2015-02-18", "2017-08-15"])
    '2015-02-18'
    >>> pinned_version("2015-03-01", ["2014-12-22", "2017-08-15"], requested="2017-08-15")
    '2017-08-15'
    """
    versions = sorted(versions)
    if requested is not None:
        if requested not in versions:
            raise ValueError(f"requested must be one of the versions {versions} (got {requested!r})")
        return requested
    earlier = [v for v in versions if v <= first_request_date]
    if not earlier:
        raise ValueError(f"first_request_date {first_request_date!r} is before the first version {versions[0]}")
    return earlier[-1]


def webhook_schedule(first_delay_s: float = 60.0, factor: float = 2.0,
                     horizon_s: float = 3 * 86400.0) -> list[float]:
    """Retry times (s after the first failure) with delays growing by ``factor`` until ``horizon_s``.

    A *model*: Stripe documents retries with exponential backoff for up to three days in live
    mode, not the individual delays.

    >>> webhook_schedule(3600.0, 2.0, 86400.0)
    [3600.0, 10800.0, 25200.0, 54000.0]
    """
    delay, t, out = require_positive("first_delay_s", first_delay_s), 0.0, []
    factor, horizon_s = require_positive("factor", factor), require_positive("horizon_s", horizon_s)
    if factor < 1:
        raise ValueError(f"factor must be ≥ 1 (got {factor}): delays grow")
    while t + delay <= horizon_s and len(out) < 1000:
        t += delay
        out.append(t)
        delay *= factor
    return out
