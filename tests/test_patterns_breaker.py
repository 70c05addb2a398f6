"""Tests for course.patterns.breaker: presets, transitions, pure vs mutable, stateful runs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

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
    CircuitBreaker,
    initial_state,
    transition,
)
from course.patterns.explorer import (
    SMALL_CONSECUTIVE_CONFIG,
    SMALL_COUNT_CONFIG,
    SMALL_TIME_CONFIG,
)


def run_events(config, events):
    """Drive the pure function through (time, event) pairs; return decisions and modes."""
    state = initial_state(config)
    decisions, modes = [], []
    for now, event in events:
        state, decision = transition(state, event, now)
        decisions.append(decision)
        modes.append(state.mode)
    return state, decisions, modes


# ----------------------------------------------------------------------------- presets
def test_hystrix_preset_matches_the_documented_defaults():
    """Are Hystrix's defaults quoted exactly (volume 20 in 10 s, 50 %, 5 s, 1 probe, 1 s, 10 threads)?"""
    # Hystrix wiki "Configuration": circuitBreaker.requestVolumeThreshold 20,
    # metrics.rollingStats.timeInMilliseconds 10000 with numBuckets 10,
    # errorThresholdPercentage 50, sleepWindowInMilliseconds 5000,
    # execution.isolation.thread.timeoutInMilliseconds 1000, threadpool coreSize 10.
    assert (HYSTRIX.window, HYSTRIX.window_size, HYSTRIX.bucket_width) == ("time", 10.0, 1.0)
    assert HYSTRIX.minimum_calls == 20
    assert HYSTRIX.failure_rate_threshold == 0.5
    assert HYSTRIX.open_duration == 5.0
    assert HYSTRIX.half_open_permits == 1
    assert HYSTRIX.open_jitter == 0.0
    assert HYSTRIX_EXECUTION_TIMEOUT == 1.0
    assert HYSTRIX_THREAD_POOL_SIZE == 10


def test_resilience4j_preset_matches_the_documented_defaults():
    """Are Resilience4j's defaults quoted exactly (50 %, 100 calls, minimum 100, 60 s, 10 calls)?"""
    # Resilience4j CircuitBreakerConfig: failureRateThreshold 50, slidingWindowType
    # COUNT_BASED, slidingWindowSize 100, minimumNumberOfCalls 100,
    # waitDurationInOpenState 60 s, permittedNumberOfCallsInHalfOpenState 10.
    assert (RESILIENCE4J.window, RESILIENCE4J.window_size) == ("count", 100)
    assert RESILIENCE4J.minimum_calls == 100
    assert RESILIENCE4J.failure_rate_threshold == 0.5
    assert RESILIENCE4J.open_duration == 60.0
    assert RESILIENCE4J.half_open_permits == 10
    assert RESILIENCE4J.half_open_rule == "failure_rate"


def test_pybreaker_preset_matches_the_documented_defaults():
    """Are pybreaker's defaults quoted exactly (fail_max 5, reset_timeout 60 s, success_threshold 1)?"""
    assert PYBREAKER.window == "consecutive"
    assert PYBREAKER.failure_threshold == 5
    assert PYBREAKER.open_duration == 60.0
    assert PYBREAKER.half_open_permits == 1
    assert PYBREAKER.half_open_rule == "consecutive_successes"


@pytest.mark.parametrize("changes, name", [
    ({"window": "sliding"}, "window"),
    ({"failure_rate_threshold": 0.0}, "failure_rate_threshold"),
    ({"failure_rate_threshold": 1.5}, "failure_rate_threshold"),
    ({"minimum_calls": 101}, "minimum_calls"),
    ({"half_open_permits": 0}, "half_open_permits"),
    ({"open_jitter": 2.0}, "open_jitter"),
    ({"open_duration": -1.0}, "open_duration"),
    ({"half_open_rule": "vote"}, "half_open_rule"),
])
def test_bad_configuration_names_the_parameter(changes, name):
    """Does a bad breaker parameter raise a ValueError that names it?"""
    with pytest.raises(ValueError, match=name):
        RESILIENCE4J.with_changes(**changes)


# ----------------------------------------------------------------------------- Hystrix
def test_hystrix_needs_the_request_volume_before_tripping():
    """Do 19 failures in the window leave Hystrix closed, and does the 20th open it?"""
    events = [(0.1 * i, "failure") for i in range(19)]
    state, _, modes = run_events(HYSTRIX, events)
    assert modes[-1] == CLOSED
    state, decision = transition(state, "failure", 1.95)
    assert (decision, state.mode) == ("record", OPEN)


def test_hystrix_trips_at_exactly_fifty_percent_but_not_below():
    """Does 10 failures out of 20 trip Hystrix (>= 50 %) while 9 out of 20 does not?"""
    half = [(0.01 * i, "success") for i in range(10)] + [(0.2 + 0.01 * i, "failure") for i in range(10)]
    assert run_events(HYSTRIX, half)[2][-1] == OPEN
    below = [(0.01 * i, "success") for i in range(11)] + [(0.2 + 0.01 * i, "failure") for i in range(9)]
    assert run_events(HYSTRIX, below)[2][-1] == CLOSED


def test_hystrix_window_forgets_calls_older_than_ten_seconds():
    """Do successes from more than 10 s ago stop diluting the error rate?"""
    events = [(0.0, "success")] * 30 + [(10.5 + 0.01 * i, "failure") for i in range(20)]
    assert run_events(HYSTRIX, events)[2][-1] == OPEN
    # Within the window the 30 successes still count: 20 failures / 50 calls = 40 %.
    recent = [(1.0, "success")] * 30 + [(10.5 + 0.01 * i, "failure") for i in range(20)]
    assert run_events(HYSTRIX, recent)[2][-1] == CLOSED


def test_hystrix_half_open_lets_one_probe_through_and_follows_its_result():
    """After 5 s does Hystrix admit exactly one probe, close on success and reopen on failure?"""
    state, _, _ = run_events(HYSTRIX, [(0.0, "failure")] * 20)
    assert transition(state, "request", 4.99)[1] == "reject"
    probing, decision = transition(state, "request", 5.0)
    assert (decision, probing.mode) == ("allow", HALF_OPEN)
    assert transition(probing, "request", 5.1)[1] == "reject"
    closed, _ = transition(probing, "success", 5.2)
    assert closed.mode == CLOSED and closed.buckets == ()
    reopened, _ = transition(probing, "failure", 5.2)
    assert reopened.mode == OPEN and reopened.open_until == pytest.approx(10.2)


# ----------------------------------------------------------------------------- Resilience4j
def test_resilience4j_waits_for_the_minimum_number_of_calls():
    """Do 99 failures leave Resilience4j closed, and does the 100th call open it?"""
    state, _, modes = run_events(RESILIENCE4J, [(float(i), "failure") for i in range(99)])
    assert modes[-1] == CLOSED
    assert transition(state, "failure", 99.0)[0].mode == OPEN


def test_resilience4j_trips_at_fifty_of_the_last_hundred_calls():
    """Does 50 failures in the last 100 calls trip it, and 49 not?"""
    fifty = [(0.0, "success")] * 50 + [(0.0, "failure")] * 50
    assert run_events(RESILIENCE4J, fifty)[2][-1] == OPEN
    forty_nine = [(0.0, "success")] * 51 + [(0.0, "failure")] * 49
    assert run_events(RESILIENCE4J, forty_nine)[2][-1] == CLOSED



def test_resilience4j_window_slides_over_the_last_hundred_calls():
    """Do 98 failures in 200 calls stay closed while no 100 calls in a row hold 50 of them?"""
    block = [(0.0, "success")] * 51 + [(0.0, "failure")] * 49
    state, _, modes = run_events(RESILIENCE4J, block + block)
    assert set(modes) == {CLOSED}
    # One more failure pushes out the oldest success of the window: 50 of 100 now fail.
    assert transition(state, "failure", 0.0)[0].mode == OPEN


def test_resilience4j_half_open_decides_after_ten_calls():
    """Does it admit 10 probes, reject the 11th, reopen at 5 failures and close at 4?"""
    state, _, _ = run_events(RESILIENCE4J, [(0.0, "failure")] * 100)
    assert transition(state, "request", 59.9)[1] == "reject"
    for probe in range(10):
        state, decision = transition(state, "request", 60.0 + probe)
        assert decision == "allow"
    assert transition(state, "request", 70.0)[1] == "reject"
    five_bad = state
    for outcome in ["failure"] * 5 + ["success"] * 4:
        five_bad, _ = transition(five_bad, outcome, 71.0)
        assert five_bad.mode == HALF_OPEN  # no decision before all ten have reported
    assert transition(five_bad, "success", 71.0)[0].mode == OPEN
    four_bad = state
    for outcome in ["failure"] * 4 + ["success"] * 6:
        four_bad, _ = transition(four_bad, outcome, 71.0)
    assert four_bad.mode == CLOSED


# ----------------------------------------------------------------------------- pybreaker
def test_pybreaker_counts_consecutive_failures_only():
    """Does a success reset pybreaker's count, and do 5 failures in a row open it?"""
    interrupted = [(0.0, "failure")] * 4 + [(0.0, "success")] + [(0.0, "failure")] * 4
    assert run_events(PYBREAKER, interrupted)[2][-1] == CLOSED
    assert run_events(PYBREAKER, [(0.0, "failure")] * 5)[2][-1] == OPEN


def test_pybreaker_half_open_closes_on_success_and_reopens_on_failure():
    """After 60 s does one trial call decide: success closes, failure reopens?"""
    state, _, _ = run_events(PYBREAKER, [(0.0, "failure")] * 5)
    trial, decision = transition(state, "request", 60.0)
    assert (decision, trial.mode) == ("allow", HALF_OPEN)
    assert transition(trial, "request", 60.0)[1] == "reject"
    assert transition(trial, "success", 61.0)[0].mode == CLOSED
    reopened, _ = transition(trial, "failure", 61.0)
    assert (reopened.mode, reopened.open_until) == (OPEN, 121.0)


def test_results_that_arrive_while_open_are_ignored():
    """Is a late result from before the trip ignored rather than counted?"""
    state, _, _ = run_events(PYBREAKER, [(0.0, "failure")] * 5)
    same, decision = transition(state, "success", 1.0)
    assert decision == "ignore" and same == state


def test_cool_down_jitter_stays_within_its_bounds():
    """Does open_jitter=0.1 give cool-downs between 90 % and 110 % of the nominal one?"""
    config = PYBREAKER.with_changes(open_jitter=0.1)
    for jitter, expected in ((-1.0, 54.0), (0.0, 60.0), (1.0, 66.0)):
        state = initial_state(config)
        for _ in range(5):
            state, _ = transition(state, "failure", 0.0, jitter=jitter)
        assert state.open_until == pytest.approx(expected)


def test_transition_rejects_unknown_events():
    """Does an unknown event raise a ValueError listing the valid ones?"""
    with pytest.raises(ValueError, match="event"):
        transition(initial_state(HYSTRIX), "timeout", 0.0)


# ----------------------------------------------------------------------------- pure vs mutable
CONFIGS = [HYSTRIX, RESILIENCE4J, PYBREAKER, SMALL_COUNT_CONFIG, SMALL_TIME_CONFIG,
           SMALL_CONSECUTIVE_CONFIG,
           BreakerConfig(window="time", window_size=2.5, bucket_width=0.5, minimum_calls=3,
                         failure_rate_threshold=0.3, open_duration=1.5, half_open_permits=3)]

event_sequences = st.lists(
    st.tuples(st.floats(min_value=0.0, max_value=3.0), st.sampled_from(["request", "success", "failure"])),
    max_size=250,
)


@settings(max_examples=60, deadline=None)
@given(config=st.sampled_from(CONFIGS), steps=event_sequences)
def test_circuit_breaker_object_agrees_with_the_pure_function(config, steps):
    """Does the fast mutable breaker take the same decisions and modes as transition()?"""
    state = initial_state(config)
    breaker = CircuitBreaker(config)
    now = 0.0
    for gap, event in steps:
        now += gap
        state, decision = transition(state, event, now)
        if event == "request":
            assert breaker.allow(now) == (decision == "allow")
        else:
            assert breaker.record(now, event == "failure") == (decision == "record")
        assert breaker.mode == state.mode


def test_transitions_are_logged_with_their_times():
    """Does the breaker log closed->open->half_open->closed with the times they happened?"""
    breaker = CircuitBreaker(PYBREAKER)
    for second in range(5):
        breaker.record(float(second), failed=True)
    breaker.allow(70.0)
    breaker.record(70.5, failed=False)
    assert breaker.transitions == [(4.0, CLOSED, OPEN), (70.0, OPEN, HALF_OPEN),
                                   (70.5, HALF_OPEN, CLOSED)]


# ----------------------------------------------------------------------------- stateful
class BreakerLifecycle(RuleBasedStateMachine):
    """Random lives of a breaker: the object, the pure function and the invariants agree."""

    def __init__(self):
        super().__init__()
        self.config = SMALL_COUNT_CONFIG
        self.state = initial_state(self.config)
        self.breaker = CircuitBreaker(self.config)
        self.now = 0.0
        self.in_flight = 0
        self.opened_at = None
        self.probes = 0

    def _observe(self, before_mode, event, decision):
        mode = self.state.mode
        assert not (before_mode == OPEN and mode == CLOSED), "OPEN -> CLOSED directly"
        assert not (before_mode == CLOSED and mode == HALF_OPEN), "CLOSED -> HALF_OPEN directly"
        if before_mode == OPEN and event == "request" and decision == "allow":
            assert self.now - self.opened_at >= self.config.open_duration
        if mode == OPEN and before_mode != OPEN:
            self.opened_at = self.now
        if mode != HALF_OPEN:
            self.probes = 0
        elif event == "request" and decision == "allow":
            self.probes += 1
        assert self.probes <= self.config.half_open_permits
        assert self.breaker.mode == mode

    @rule(seconds=st.floats(min_value=0.0, max_value=1.5))
    def wait(self, seconds):
        self.now += seconds

    @rule()
    def request(self):
        before = self.state.mode
        self.state, decision = transition(self.state, "request", self.now)
        assert self.breaker.allow(self.now) == (decision == "allow")
        self.in_flight += decision == "allow"
        self._observe(before, "request", decision)

    @precondition(lambda self: self.in_flight > 0)
    @rule(failed=st.booleans())
    def result(self, failed):
        before = self.state.mode
        event = "failure" if failed else "success"
        self.state, decision = transition(self.state, event, self.now)
        assert self.breaker.record(self.now, failed) == (decision == "record")
        self.in_flight -= 1
        self._observe(before, event, decision)

    @invariant()
    def cool_down_is_in_the_future_only_while_open(self):
        if self.state.mode == OPEN:
            assert math.isfinite(self.state.open_until)


BreakerLifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=60, deadline=None)
TestBreakerLifecycle = BreakerLifecycle.TestCase


def test_failure_rate_exactly_at_the_threshold_trips():
    """Do 55 failures in 100 calls trip a 55 % threshold, despite 0.55 * 100 = 55.000…01 in floating point?"""
    from course.patterns.breaker import failure_rate_reached

    assert 0.55 * 100 > 55  # the floating-point trap this guards against
    assert failure_rate_reached(55, 100, 0.55)
    assert not failure_rate_reached(54, 100, 0.55)
    assert not failure_rate_reached(0, 0, 0.0)
