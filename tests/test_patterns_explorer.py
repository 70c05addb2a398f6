"""Tests for course.patterns.explorer: exhaustive search, invariants, counterexamples."""

from __future__ import annotations

from dataclasses import replace

import pytest

from course.patterns.breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    BreakerConfig,
    initial_state,
    transition,
)
from course.patterns.explorer import (
    SMALL_CONSECUTIVE_CONFIG,
    SMALL_COUNT_CONFIG,
    SMALL_TIME_CONFIG,
    BreakerModel,
    FunctionMachine,
    ReferenceBreaker,
    broken_breaker,
    explore,
)


@pytest.mark.parametrize("config", [SMALL_COUNT_CONFIG, SMALL_TIME_CONFIG, SMALL_CONSECUTIVE_CONFIG],
                         ids=lambda config: config.name)
def test_reference_breaker_satisfies_every_invariant_in_every_reachable_state(config):
    """Does exhaustive search of the course's breaker find no violation, and finish?"""
    result = explore(BreakerModel(config))
    assert result.violation is None
    assert result.complete
    assert result.states > 50


def test_exploration_reaches_every_mode_and_boundary():
    """Does the search actually reach OPEN, HALF_OPEN and a re-closed breaker (not a vacuous pass)?"""
    model = BreakerModel(SMALL_COUNT_CONFIG)
    seen_modes = set()
    frontier, seen = [model.initial()], set()
    while frontier:
        state = frontier.pop()
        key = model.key(state)
        if key in seen:
            continue
        seen.add(key)
        seen_modes.add(state.mode)
        frontier.extend(after for _, _, after in model.successors(state))
    assert seen_modes == {CLOSED, OPEN, HALF_OPEN}
    assert len(seen) == explore(model).states


def test_larger_configuration_is_still_enumerable():
    """Can a Hystrix-shaped 4 s window (3 s cool-down) be explored completely?"""
    config = BreakerConfig(window="time", window_size=4.0, minimum_calls=3,
                           failure_rate_threshold=0.5, open_duration=3.0, half_open_permits=1)
    result = explore(BreakerModel(config, max_in_flight=2))
    assert result.violation is None and result.complete
    # A longer window and more calls in flight can only add reachable combinations.
    assert result.states > explore(BreakerModel(SMALL_TIME_CONFIG)).states


def test_broken_breaker_is_caught_with_the_shortest_counterexample():
    """Is skipping HALF_OPEN caught, with a 7-event trace (2 calls, a trip, 2 ticks, 1 request)?"""
    result = explore(BreakerModel(SMALL_COUNT_CONFIG, machine=broken_breaker))
    violation = result.violation
    assert violation.invariant == "never OPEN -> CLOSED directly"
    # Shortest: the window needs minimum_calls = 2 results, one a failure (50 %), then the
    # cool-down of 2 ticks, then one request.
    assert len(violation.steps) == 2 + 2 + 2 + 1
    assert violation.steps[-1][1:] == ("request", "allow", CLOSED)
    assert "never OPEN -> CLOSED directly" in str(violation)


class LeakyHalfOpen(ReferenceBreaker):
    """Another bug: half-open forgets to count its probes and lets every request through."""

    def transition(self, state, event, now):
        new_state, decision = transition(state, event, now)
        if event == "request" and state.mode == HALF_OPEN:
            return replace(state, probes=state.probes), "allow"
        return new_state, decision


class EagerOpen(ReferenceBreaker):
    """Another bug: it lets a call through while OPEN one tick before the cool-down ends."""

    def transition(self, state, event, now):
        if event == "request" and state.mode == OPEN and now >= state.open_until - 1:
            return replace(state, mode=HALF_OPEN, probes=1), "allow"
        return transition(state, event, now)


@pytest.mark.parametrize("machine, invariant", [
    (LeakyHalfOpen(), "HALF_OPEN admits at most the probe limit"),
    (EagerOpen(), "no call passes while OPEN before the cool-down"),
])
def test_other_bugs_are_caught_by_their_invariant(machine, invariant):
    """Does each planted bug violate the invariant written against it?"""
    result = explore(BreakerModel(SMALL_CONSECUTIVE_CONFIG, machine=machine))
    assert result.violation is not None and result.violation.invariant == invariant


def test_a_learners_function_can_be_explored_to_a_bounded_depth():
    """Can a plain transition function with its own state be explored with max_depth?"""
    machine = FunctionMachine(transition, initial_state(SMALL_COUNT_CONFIG))
    result = explore(BreakerModel(SMALL_COUNT_CONFIG, machine=machine), max_depth=8)
    assert result.violation is None and not result.complete
    assert result.depth == 8


def test_model_refuses_fractional_cool_downs():
    """Does a cool-down that is not a whole number of ticks raise a ValueError?"""
    with pytest.raises(ValueError, match="open_duration"):
        BreakerModel(SMALL_COUNT_CONFIG.with_changes(open_duration=1.5))
