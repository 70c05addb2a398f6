"""Circuit breaker: a pure state machine, three library presets, and a fast runtime twin.

A circuit breaker is the fuse box of a call: when too many calls to a dependency fail, it
*opens* and refuses calls at once (the caller fails fast or uses a fallback instead of
waiting on a sick dependency). After a cool-down it goes *half-open* and lets a few probe
calls through; their results decide whether it *closes* again or re-opens.

::

    CLOSED --(failure rule met)--> OPEN --(cool-down over, next request)--> HALF_OPEN
       ^                            ^                                          |
       +------(probes healthy)------+---------------(probes failing)-----------+

The rules live in one **pure function** ``transition(state, event, now)`` returning
``(new_state, decision)``; states are immutable, so a learner's implementation can be run
side by side with this one on the same event sequence, and :mod:`.explorer` can enumerate
every reachable state. Events are ``"request"`` (decision ``"allow"`` or ``"reject"``) and
``"success"`` / ``"failure"`` (decision ``"record"`` or ``"ignore"``: results arriving while
OPEN, or beyond the probes admitted in HALF_OPEN, are ignored).

The presets quote each library's documented defaults:

=================  ===========================  ========  =========  =========  ==========
preset             window                       volume    threshold  open for   half-open
=================  ===========================  ========  =========  =========  ==========
``HYSTRIX``        10 s rolling (10 × 1 s)      20 calls  50 %       5 s        1 probe
``RESILIENCE4J``   last 100 calls               100 calls 50 %       60 s       10 calls
``PYBREAKER``      5 consecutive failures       —         —          60 s       1 success
=================  ===========================  ========  =========  =========  ==========

All trip at *greater than or equal to* the threshold. Hystrix's 1 s execution timeout is
:data:`HYSTRIX_EXECUTION_TIMEOUT`. Modelling choices (not library behaviour): results are
counted as they arrive (Hystrix samples its health every 500 ms), and a cool-down ends at
``now >= open_until`` (Hystrix and Resilience4j use a strict ``>`` on millisecond clocks).

>>> state = initial_state(PYBREAKER)
>>> for second in range(5):
...     state, _ = transition(state, "failure", now=float(second))
>>> state.mode
'open'
>>> transition(state, "request", now=10.0)[1], transition(state, "request", now=64.0)[1]
('reject', 'allow')

Taught in: Ep13 · 1-foundations (state machine), 2-implementation (simulation).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from course.validation import (
    require_in_range,
    require_int,
    require_non_negative,
    require_positive,
)

__all__ = [
    "CLOSED", "OPEN", "HALF_OPEN", "EVENTS", "BreakerConfig", "BreakerState", "initial_state",
    "transition", "CircuitBreaker", "HYSTRIX", "RESILIENCE4J", "PYBREAKER",
    "HYSTRIX_EXECUTION_TIMEOUT", "HYSTRIX_THREAD_POOL_SIZE",
]

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
MODES = (CLOSED, OPEN, HALF_OPEN)
#: The three events of the pure state machine.
EVENTS = ("request", "success", "failure")
_WINDOWS = ("count", "time", "consecutive")
_HALF_OPEN_RULES = ("failure_rate", "consecutive_successes")


@dataclass(frozen=True)
class BreakerConfig:
    """The parameters of a circuit breaker (immutable, shareable between runs).

    - ``window``: ``"count"`` (the last ``window_size`` calls), ``"time"`` (calls in the last
      ``window_size`` seconds, kept in buckets of ``bucket_width`` seconds) or
      ``"consecutive"`` (a run of ``failure_threshold`` failures in a row).
    - ``minimum_calls``: the volume below which a rate window never trips.
    - ``failure_rate_threshold``: trip when failures / calls >= this fraction (0 < x <= 1).
    - ``failure_threshold``: consecutive failures that trip a ``"consecutive"`` window.
    - ``open_duration``: cool-down in seconds; ``open_jitter``: ± fraction drawn per trip
      (0.1 means 90 %–110 %), so that many breakers do not probe in lock-step.
    - ``half_open_permits``: probes admitted in HALF_OPEN; ``half_open_rule``:
      ``"failure_rate"`` (after all permits report: re-open if their failure rate >=
      threshold, else close) or ``"consecutive_successes"`` (re-open on any failure, close
      after ``half_open_permits`` successes).

    >>> HYSTRIX.minimum_calls, HYSTRIX.open_duration, RESILIENCE4J.half_open_permits
    (20, 5.0, 10)
    """

    window: str = "count"
    window_size: float = 100
    minimum_calls: int = 100
    failure_rate_threshold: float = 0.5
    failure_threshold: int = 5
    open_duration: float = 60.0
    open_jitter: float = 0.0
    half_open_permits: int = 10
    half_open_rule: str = "failure_rate"
    bucket_width: float = 1.0
    name: str = "custom"

    def __post_init__(self):
        if self.window not in _WINDOWS:
            raise ValueError(f"window must be one of {_WINDOWS}; got {self.window!r}")
        if self.half_open_rule not in _HALF_OPEN_RULES:
            raise ValueError(
                f"half_open_rule must be one of {_HALF_OPEN_RULES}; got {self.half_open_rule!r}"
            )
        if self.window == "count":
            size = require_int("window_size", self.window_size, minimum=1)
            require_int("minimum_calls", self.minimum_calls, minimum=1, maximum=size)
        else:
            require_positive("window_size", self.window_size)
            require_int("minimum_calls", self.minimum_calls, minimum=1)
        threshold = self.failure_rate_threshold
        if not (isinstance(threshold, int | float) and 0 < threshold <= 1):
            raise ValueError(f"failure_rate_threshold must lie in (0, 1]; got {threshold!r}")
        require_int("failure_threshold", self.failure_threshold, minimum=1)
        require_non_negative("open_duration", self.open_duration)
        require_in_range("open_jitter", self.open_jitter, 0.0, 1.0)
        require_int("half_open_permits", self.half_open_permits, minimum=1)
        require_positive("bucket_width", self.bucket_width)

    def with_changes(self, **changes) -> BreakerConfig:
        """Return a copy with some parameters changed (e.g. ``open_jitter=0.1``)."""
        return replace(self, **changes)


#: Hystrix defaults: circuitBreaker.requestVolumeThreshold 20 in a 10 s rolling window
#: (metrics.rollingStats: 10 buckets of 1 s), errorThresholdPercentage 50,
#: sleepWindowInMilliseconds 5000, one probe in half-open.
HYSTRIX = BreakerConfig(
    window="time", window_size=10.0, bucket_width=1.0, minimum_calls=20,
    failure_rate_threshold=0.5, open_duration=5.0, half_open_permits=1,
    half_open_rule="failure_rate", name="hystrix",
)
#: Hystrix's execution.isolation.thread.timeoutInMilliseconds default: 1000 ms.
HYSTRIX_EXECUTION_TIMEOUT = 1.0
#: Hystrix's threadpool coreSize default (maxQueueSize -1: no queue).
HYSTRIX_THREAD_POOL_SIZE = 10
#: Resilience4j defaults: failureRateThreshold 50, COUNT_BASED slidingWindowSize 100,
#: minimumNumberOfCalls 100, waitDurationInOpenState 60 s,
#: permittedNumberOfCallsInHalfOpenState 10 (re-open if their failure rate >= 50 %).
RESILIENCE4J = BreakerConfig(
    window="count", window_size=100, minimum_calls=100, failure_rate_threshold=0.5,
    open_duration=60.0, half_open_permits=10, half_open_rule="failure_rate",
    name="resilience4j",
)
#: pybreaker defaults: fail_max 5 consecutive failures, reset_timeout 60 s,
#: success_threshold 1 (any failure in half-open re-opens).
PYBREAKER = BreakerConfig(
    window="consecutive", window_size=1, minimum_calls=1, failure_threshold=5,
    open_duration=60.0, half_open_permits=1, half_open_rule="consecutive_successes",
    name="pybreaker",
)


@dataclass(frozen=True)
class BreakerState:
    """An immutable snapshot of a breaker: its mode and the counters its rules read.

    ``outcomes`` is the count window (True = failure, oldest first); ``buckets`` the time
    window as ``(bucket_index, calls, failures)`` triples; ``open_until`` the end of the
    current cool-down; ``probes``, ``probe_failures``, ``probe_successes`` count HALF_OPEN.
    """

    config: BreakerConfig
    mode: str = CLOSED
    outcomes: tuple = ()
    buckets: tuple = ()
    consecutive_failures: int = 0
    open_until: float = -math.inf
    probes: int = 0
    probe_successes: int = 0
    probe_failures: int = 0


def initial_state(config: BreakerConfig) -> BreakerState:
    """Return a CLOSED breaker with empty counters.

    >>> initial_state(HYSTRIX).mode
    'closed'
    """
    if not isinstance(config, BreakerConfig):
        raise ValueError(f"config must be a BreakerConfig; got {config!r}")
    return BreakerState(config=config)


def _opened(state: BreakerState, now: float, jitter: float) -> BreakerState:
    config = state.config
    cool_down = config.open_duration * (1.0 + config.open_jitter * jitter)
    return BreakerState(config=config, mode=OPEN, open_until=now + cool_down)


def failure_rate_reached(failures: int, calls: int, threshold: float) -> bool:
    """Whether ``failures`` of ``calls`` reach a failure-rate ``threshold`` (trip at >=).

    The rate is computed as a ratio, as Resilience4j does, so that 55 failures in 100 calls
    reach 0.55 — ``55 >= 0.55 * 100`` would not, since 0.55 * 100 = 55.00000000000001.

    >>> failure_rate_reached(55, 100, 0.55), failure_rate_reached(54, 100, 0.55)
    (True, False)
    """
    return calls > 0 and failures / calls >= threshold


def _rate_tripped(calls: int, failures: int, config: BreakerConfig) -> bool:
    return calls >= max(config.minimum_calls, 1) and failure_rate_reached(failures, calls, config.failure_rate_threshold)


def _record_closed(state: BreakerState, failed: bool, now: float, jitter: float) -> BreakerState:
    config = state.config
    if config.window == "consecutive":
        count = state.consecutive_failures + 1 if failed else 0
        if count >= config.failure_threshold:
            return _opened(state, now, jitter)
        return replace(state, consecutive_failures=count)
    if config.window == "count":
        outcomes = (state.outcomes + (failed,))[-int(config.window_size):]
        if _rate_tripped(len(outcomes), sum(outcomes), config):
            return _opened(state, now, jitter)
        return replace(state, outcomes=outcomes)
    current = math.floor(now / config.bucket_width)
    oldest = current - math.ceil(config.window_size / config.bucket_width) + 1
    buckets = [bucket for bucket in state.buckets if bucket[0] >= oldest]
    if buckets and buckets[-1][0] == current:
        _, calls, failures = buckets.pop()
    else:
        calls, failures = 0, 0
    buckets.append((current, calls + 1, failures + int(failed)))
    total_calls = sum(bucket[1] for bucket in buckets)
    total_failures = sum(bucket[2] for bucket in buckets)
    if _rate_tripped(total_calls, total_failures, config):
        return _opened(state, now, jitter)
    return replace(state, buckets=tuple(buckets))


def _record_half_open(state: BreakerState, failed: bool, now: float, jitter: float) -> BreakerState:
    config = state.config
    successes = state.probe_successes + (not failed)
    failures = state.probe_failures + failed
    if config.half_open_rule == "consecutive_successes":
        if failed:
            return _opened(state, now, jitter)
        if successes >= config.half_open_permits:
            return BreakerState(config=config)
    elif successes + failures >= config.half_open_permits:
        if failure_rate_reached(failures, successes + failures, config.failure_rate_threshold):
            return _opened(state, now, jitter)
        return BreakerState(config=config)
    return replace(state, probe_successes=successes, probe_failures=failures)


def transition(state: BreakerState, event: str, now: float, jitter: float = 0.0):
    """Apply one ``event`` at time ``now`` (seconds): return ``(new_state, decision)``.

    ``event`` is ``"request"`` (may a call go out?) or ``"success"`` / ``"failure"`` (the
    result of a call that was allowed). ``jitter`` in [-1, 1] scales the configured
    ``open_jitter`` when this event trips the breaker (0 = the nominal cool-down); pass a
    seeded uniform draw to spread cool-downs. The function never mutates ``state``.

    >>> state = initial_state(HYSTRIX)
    >>> state, decision = transition(state, "request", now=0.0)
    >>> decision, state.mode
    ('allow', 'closed')
    """
    mode = state.mode
    if event == "request":
        if mode == CLOSED:
            return state, "allow"
        if mode == OPEN:
            if now >= state.open_until:
                return BreakerState(config=state.config, mode=HALF_OPEN, probes=1), "allow"
            return state, "reject"
        if state.probes < state.config.half_open_permits:
            return replace(state, probes=state.probes + 1), "allow"
        return state, "reject"
    if event not in ("success", "failure"):
        raise ValueError(f"event must be one of {EVENTS}; got {event!r}")
    failed = event == "failure"
    if mode == CLOSED:
        return _record_closed(state, failed, now, jitter), "record"
    if mode == HALF_OPEN and state.probe_successes + state.probe_failures < state.probes:
        return _record_half_open(state, failed, now, jitter), "record"
    return state, "ignore"


class CircuitBreaker:
    """The same rules as :func:`transition`, with mutable counters for the simulator's speed.

    ``allow(now)`` answers a request, ``record(now, failed)`` feeds a result back.
    ``transitions`` lists every change as ``(time, from_mode, to_mode)``. The tests drive
    random event sequences through this class and :func:`transition` and demand identical
    decisions and modes.

    >>> breaker = CircuitBreaker(PYBREAKER)
    >>> for second in range(5):
    ...     _ = breaker.record(float(second), failed=True)
    >>> breaker.mode, breaker.allow(30.0), breaker.allow(64.0), breaker.mode
    ('open', False, True, 'half_open')
    """

    __slots__ = ("config", "mode", "transitions", "jitter_draws", "_window", "_failures",
                 "_buckets", "_consecutive", "_open_until", "_probes", "_probe_successes",
                 "_probe_failures", "_size", "_bucket_count", "_calls")

    def __init__(self, config: BreakerConfig, jitter_draws=None):
        if not isinstance(config, BreakerConfig):
            raise ValueError(f"config must be a BreakerConfig; got {config!r}")
        self.config = config
        #: Optional iterator of uniform draws in [0, 1) for the cool-down jitter.
        self.jitter_draws = jitter_draws
        self.transitions: list[tuple[float, str, str]] = []
        self._size = int(config.window_size) if config.window == "count" else 0
        self._bucket_count = math.ceil(config.window_size / config.bucket_width)
        self._close(None)

    def reset(self, now: float | None = None) -> None:
        """Forget everything and close (a restarted process); logs the change at ``now``."""
        if now is not None and self.mode == CLOSED:
            now = None
        self._close(now)

    def _close(self, now) -> None:
        if now is not None:
            self.transitions.append((now, self.mode, CLOSED))
        self.mode = CLOSED
        self._window: deque = deque()
        self._failures = 0
        self._calls = 0
        self._buckets: deque = deque()  # [bucket_index, calls, failures] lists
        self._consecutive = 0
        self._open_until = -math.inf
        self._probes = self._probe_successes = self._probe_failures = 0

    def _open(self, now: float, jitter: float | None) -> None:
        config = self.config
        if jitter is None:
            jitter = 0.0
            if config.open_jitter and self.jitter_draws is not None:
                jitter = 2.0 * next(self.jitter_draws) - 1.0
        self.transitions.append((now, self.mode, OPEN))
        self.mode = OPEN
        self._open_until = now + config.open_duration * (1.0 + config.open_jitter * jitter)

    def allow(self, now: float) -> bool:
        """May a call go out at ``now``? (The ``"request"`` event.)"""
        mode = self.mode
        if mode == CLOSED:
            return True
        if mode == OPEN:
            if now >= self._open_until:
                self.transitions.append((now, OPEN, HALF_OPEN))
                self.mode = HALF_OPEN
                self._probes, self._probe_successes, self._probe_failures = 1, 0, 0
                return True
            return False
        if self._probes < self.config.half_open_permits:
            self._probes += 1
            return True
        return False

    def record(self, now: float, failed: bool, jitter: float | None = None) -> bool:
        """Feed back a call's result; return False if it was ignored (see :func:`transition`).

        ``jitter`` in [-1, 1] is used if this result trips the breaker; ``None`` draws it
        from ``jitter_draws`` (or uses 0 when there are none).
        """
        mode = self.mode
        if mode == CLOSED:
            self._record_closed(now, failed, jitter)
            return True
        if mode == HALF_OPEN and self._probe_successes + self._probe_failures < self._probes:
            self._record_half_open(now, failed, jitter)
            return True
        return False

    def _record_closed(self, now: float, failed: bool, jitter) -> None:
        config = self.config
        if config.window == "consecutive":
            self._consecutive = self._consecutive + 1 if failed else 0
            if self._consecutive >= config.failure_threshold:
                self._open(now, jitter)
            return
        if config.window == "count":
            window = self._window
            window.append(failed)
            self._failures += failed
            if len(window) > self._size:
                self._failures -= window.popleft()
            calls = len(window)
            failures = self._failures
        else:
            # Running totals over the buckets still inside the window.
            buckets = self._buckets
            current = math.floor(now / config.bucket_width)
            oldest = current - self._bucket_count + 1
            while buckets and buckets[0][0] < oldest:
                _, expired_calls, expired_failures = buckets.popleft()
                self._calls -= expired_calls
                self._failures -= expired_failures
            if buckets and buckets[-1][0] == current:
                bucket = buckets[-1]
                bucket[1] += 1
                bucket[2] += failed
            else:
                buckets.append([current, 1, int(failed)])
            self._calls += 1
            self._failures += failed
            calls = self._calls
            failures = self._failures
        if calls >= max(config.minimum_calls, 1) and failure_rate_reached(failures, calls, config.failure_rate_threshold):
            self._open(now, jitter)

    def _record_half_open(self, now: float, failed: bool, jitter) -> None:
        config = self.config
        if failed:
            self._probe_failures += 1
        else:
            self._probe_successes += 1
        successes, failures = self._probe_successes, self._probe_failures
        if config.half_open_rule == "consecutive_successes":
            if failed:
                self._open(now, jitter)
            elif successes >= config.half_open_permits:
                self._close(now)
        elif successes + failures >= config.half_open_permits:
            if failure_rate_reached(failures, successes + failures, config.failure_rate_threshold):
                self._open(now, jitter)
            else:
                self._close(now)
