"""Tests for course.patterns.engine, and the doctests of every course.patterns module."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import course.patterns
from course.patterns.engine import (
    EventLoop,
    TimerQueue,
    random_stream,
    seed_entropy,
    stream_generator,
)

# The simulator's own modules (other course.patterns modules test their own examples).
MODULES = ["breaker", "degradation", "engine", "explorer", "faults", "isolation", "metrics",
           "outcomes", "retry", "runtime", "scenarios", "simulation", "topology", "durations"]


@pytest.mark.parametrize("name", ["__init__"] + MODULES)
def test_docstring_examples_run(name):
    """Does every example in the package's docstrings run and print what it shows?"""
    module = course.patterns if name == "__init__" else importlib.import_module(f"course.patterns.{name}")
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0


def test_events_run_in_time_order_and_ties_first_come_first_served():
    """Are events processed by time, and equal times in the order they were scheduled?"""
    loop = EventLoop()
    log = []
    for label, delay in (("c", 2.0), ("a", 1.0), ("b1", 1.5), ("b2", 1.5)):
        loop.schedule(delay, log.append, label)
    assert loop.run(until=1.6) == 3
    assert log == ["a", "b1", "b2"] and loop.now == 1.6
    loop.run(until=10.0)
    assert log[-1] == "c" and loop.events == 4


def test_callbacks_can_schedule_more_events():
    """Can a callback schedule its own successor (a periodic process)?"""
    loop = EventLoop()
    ticks = []

    def tick(_):
        ticks.append(loop.now)
        loop.schedule(1.0, tick)

    loop.schedule(0.0, tick)
    loop.run(until=4.5)
    assert ticks == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_schedule_at_refuses_the_past():
    """Does scheduling before now raise a ValueError?"""
    loop = EventLoop()
    loop.run(until=5.0)
    with pytest.raises(ValueError, match="time"):
        loop.schedule_at(4.0, print)


def test_timer_queue_fires_only_pending_items_at_their_deadlines():
    """Do timers fire at start + delay for pending items only, keeping one heap entry at most?"""
    loop = EventLoop()
    answered = set()
    fired = []
    timers = TimerQueue(loop, 1.0, lambda item: fired.append((item, loop.now)),
                        lambda item: item not in answered)
    for index in range(5):
        loop.schedule_at(0.1 * index, lambda item: timers.start(item), index)
    loop.schedule_at(0.5, lambda _: answered.update({0, 2}))
    loop.run(until=0.45)
    assert len(loop.heap) == 2  # the timer queue's one entry and the 'answered' event
    loop.run(until=5.0)
    assert [item for item, _ in fired] == [1, 3, 4]
    assert np.allclose([time for _, time in fired], [1.1, 1.3, 1.4])


def test_random_stream_gives_the_same_numbers_as_one_bulk_draw():
    """Does drawing one at a time from blocks equal one bulk draw from the same generator?"""
    stream = random_stream(stream_generator(3, "x").random, block=7)
    one_by_one = [next(stream) for _ in range(30)]
    assert one_by_one == stream_generator(3, "x").random(35)[:30].tolist()


def test_streams_are_picked_by_name_not_by_order():
    """Do differently named streams differ, and equally named ones agree across runs?"""
    assert stream_generator(1, "a").random() == stream_generator(1, "a").random()
    assert stream_generator(1, "a").random() != stream_generator(1, "b").random()
    assert stream_generator(1, "a").random() != stream_generator(2, "a").random()


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, None])
def test_bad_seeds_are_refused(seed):
    """Does a seed that is not a whole number >= 0 or a Generator raise a ValueError?"""
    with pytest.raises(ValueError, match="seed"):
        seed_entropy(seed)
