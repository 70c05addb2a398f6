"""Retry with exponential backoff and jitter, and a retry budget that caps amplification.

A retry turns a transient failure into a success, and a lasting one into more load on a
dependency that is already struggling. Two remedies, both here:

- **Backoff with jitter** spreads retries out in time. The formulas are those of the AWS
  Architecture Blog post "Exponential Backoff And Jitter" (Marc Brooker, 2015), with
  ``retries`` = the number of retries already made (0 before the first retry):

  ================  =========================================================
  ``exponential``   sleep = min(cap, base · 2^retries)
  ``full``          sleep = uniform(0, min(cap, base · 2^retries))
  ``equal``         v = min(cap, base · 2^retries); sleep = v/2 + uniform(0, v/2)
  ``decorrelated``  sleep = min(cap, uniform(base, previous_sleep · 3)), first previous = base
  ================  =========================================================

- **A retry budget** (a token bucket, as in Finagle's RetryBudget): every first attempt
  deposits ``ratio`` tokens, up to ``capacity``; every retry spends one whole token and is
  refused when there is none. However badly the dependency fails, N requests cause at most
  N · (1 + ratio) + capacity attempts: the amplification is capped near 1 + ratio.

Each formula takes a ``uniform`` draw in [0, 1) as an argument, so it is a plain function
a test can check at the bounds.

>>> full_jitter(retries=3, base=0.1, cap=10.0, uniform=0.5)
0.4
>>> budget = TokenBucket(ratio=0.1, capacity=1.0, initial=0.0)
>>> for _ in range(10):
...     budget.deposit()
>>> budget.withdraw(), budget.withdraw()
(True, False)

Taught in: Ep13 · 2-implementation (retry storms and budgets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from course.patterns.outcomes import is_retryable
from course.validation import require_int, require_non_negative

__all__ = [
    "exponential_backoff", "full_jitter", "equal_jitter", "decorrelated_jitter", "Backoff",
    "RetryBudget", "TokenBucket", "Retry", "BACKOFF_KINDS",
]

BACKOFF_KINDS = ("none", "constant", "exponential", "full", "equal", "decorrelated")
# 2**64 times any sensible base is far beyond any cap; the guard only avoids float overflow.
_MAX_DOUBLINGS = 64


def _check_uniform(uniform: float) -> float:
    if not 0.0 <= uniform <= 1.0:
        raise ValueError(f"uniform must lie in [0, 1]; got {uniform!r}")
    return uniform


def exponential_backoff(retries: int, base: float, cap: float) -> float:
    """Sleep min(cap, base · 2^retries) seconds before the next retry (no jitter).

    >>> [exponential_backoff(k, 0.1, 1.0) for k in range(5)]
    [0.1, 0.2, 0.4, 0.8, 1.0]
    """
    return min(cap, base * 2.0 ** min(retries, _MAX_DOUBLINGS))


def full_jitter(retries: int, base: float, cap: float, uniform: float) -> float:
    """Sleep uniform(0, min(cap, base · 2^retries)): ``uniform`` is the draw in [0, 1).

    >>> full_jitter(0, 0.1, 1.0, uniform=0.0), full_jitter(10, 0.1, 1.0, uniform=0.5)
    (0.0, 0.5)
    """
    return _check_uniform(uniform) * exponential_backoff(retries, base, cap)


def equal_jitter(retries: int, base: float, cap: float, uniform: float) -> float:
    """Sleep v/2 + uniform(0, v/2) with v = min(cap, base · 2^retries).

    >>> equal_jitter(2, 0.1, 10.0, uniform=0.0), equal_jitter(2, 0.1, 10.0, uniform=1.0)
    (0.2, 0.4)
    """
    ceiling = exponential_backoff(retries, base, cap)
    return ceiling / 2 + _check_uniform(uniform) * ceiling / 2


def decorrelated_jitter(previous: float, base: float, cap: float, uniform: float) -> float:
    """Sleep min(cap, uniform(base, 3 · previous)); the first ``previous`` is ``base``.

    >>> decorrelated_jitter(0.1, 0.1, 10.0, uniform=1.0)
    0.30000000000000004
    """
    return min(cap, base + _check_uniform(uniform) * (3.0 * previous - base))


@dataclass(frozen=True)
class Backoff:
    """How long to wait before each retry: ``kind`` of formula, ``base`` and ``cap`` (seconds).

    >>> Backoff("equal", base=0.1, cap=1.0).delay(retries=1, previous=0.1, uniform=0.5)
    0.15000000000000002
    """

    kind: str = "full"
    base: float = 0.1
    cap: float = 10.0

    def __post_init__(self):
        if self.kind not in BACKOFF_KINDS:
            raise ValueError(f"kind must be one of {BACKOFF_KINDS}; got {self.kind!r}")
        require_non_negative("base", self.base)
        require_non_negative("cap", self.cap)
        if self.cap < self.base:
            raise ValueError(f"cap must be >= base ({self.base:g}); got {self.cap:g}")

    def delay(self, retries: int, previous: float, uniform: float) -> float:
        """Seconds to wait before the next retry, given ``retries`` already made.

        ``previous`` is the last sleep (used by ``decorrelated`` only; pass ``base`` before
        the first retry) and ``uniform`` a draw in [0, 1).
        """
        kind = self.kind
        if kind == "full":
            return full_jitter(retries, self.base, self.cap, uniform)
        if kind == "equal":
            return equal_jitter(retries, self.base, self.cap, uniform)
        if kind == "decorrelated":
            return decorrelated_jitter(previous, self.base, self.cap, uniform)
        if kind == "exponential":
            return exponential_backoff(retries, self.base, self.cap)
        if kind == "constant":
            return self.base
        return 0.0


@dataclass(frozen=True)
class RetryBudget:
    """A token-bucket retry budget: retries may add at most ``ratio`` of the first attempts.

    Every first attempt deposits ``ratio`` tokens (at most ``capacity`` are kept); each retry
    needs a whole token. ``initial`` tokens are there at the start (default: ``capacity``).

    >>> RetryBudget(ratio=0.1).capacity
    10.0
    """

    ratio: float = 0.1
    capacity: float = 10.0
    initial: float | None = None

    def __post_init__(self):
        require_non_negative("ratio", self.ratio)
        require_non_negative("capacity", self.capacity)
        if self.initial is not None:
            require_non_negative("initial", self.initial)

    def bucket(self) -> TokenBucket:
        """A fresh, full token bucket for one run."""
        initial = self.capacity if self.initial is None else self.initial
        return TokenBucket(self.ratio, self.capacity, initial)


class TokenBucket:
    """The mutable state of a :class:`RetryBudget` during a run."""

    __slots__ = ("ratio", "capacity", "tokens", "refused")

    def __init__(self, ratio: float, capacity: float, initial: float):
        self.ratio = require_non_negative("ratio", ratio)
        self.capacity = require_non_negative("capacity", capacity)
        self.tokens = min(require_non_negative("initial", initial), self.capacity)
        #: Retries refused for lack of tokens.
        self.refused = 0

    def deposit(self) -> None:
        """A first attempt went out: earn ``ratio`` tokens (up to ``capacity``)."""
        self.tokens = min(self.capacity, self.tokens + self.ratio)

    def withdraw(self) -> bool:
        """Spend one token for a retry; return False (and count a refusal) if there is none."""
        # Ten deposits of 0.1 sum to 0.9999999999999999 in binary floating point.
        if self.tokens >= 1.0 - 1e-9:
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        self.refused += 1
        return False


@dataclass(frozen=True)
class Retry:
    """Retry policy of a call: up to ``max_attempts`` tries in all (first one included).

    ``backoff`` spaces the retries; ``budget`` (optional) caps them; ``retry_on(outcome,
    status)`` decides which endings are worth another try (default:
    :func:`course.patterns.outcomes.is_retryable`).

    >>> Retry(max_attempts=3).max_attempts
    3
    """

    max_attempts: int = 3
    backoff: Backoff = Backoff()
    budget: RetryBudget | None = None
    retry_on: Callable[[int, int], bool] = is_retryable

    def __post_init__(self):
        require_int("max_attempts", self.max_attempts, minimum=1)
        if not isinstance(self.backoff, Backoff):
            raise ValueError(f"backoff must be a Backoff; got {self.backoff!r}")
        if self.budget is not None and not isinstance(self.budget, RetryBudget):
            raise ValueError(f"budget must be a RetryBudget or None; got {self.budget!r}")
        if not callable(self.retry_on):
            raise ValueError("retry_on must be callable as retry_on(outcome, status)")
