"""Tests for course.sim: the one event loop, seeded streams, distributions and numba shim."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import course.patterns
import course.simulation
from course.patterns.timers import TimerQueue
from course.sim import jit
from course.sim.distributions import Lognormal, lognormal_parameters
from course.sim.loop import EventLoop
from course.sim.streams import random_stream, seed_entropy, spawn_generators, stream_generator


def test_events_run_in_time_order_and_ties_first_come_first_served():
    """Are events processed by time, and equal times in the order they were scheduled?"""
    loop = EventLoop()
    log = []
    for label, delay in (("c", 2.0), ("a", 1.0), ("b1", 1.5), ("b2", 1.5)):
        loop.schedule_in(delay, log.append, label)
    assert loop.run(until=1.6) == 3
    assert log == ["a", "b1", "b2"] and loop.now == 1.6
    loop.run(until=10.0)
    assert log[-1] == "c" and loop.events == 4


def test_schedule_at_is_absolute_and_schedule_in_relative():
    """After the clock moved to 5, does schedule_at(7) fire at 7 and schedule_in(7) at 12?"""
    loop = EventLoop()
    fired = []
    loop.run(until=5.0)
    loop.schedule_at(7.0, lambda label: fired.append((label, loop.now)), "at")
    loop.schedule_in(7.0, lambda label: fired.append((label, loop.now)), "in")
    loop.run()
    assert fired == [("at", 7.0), ("in", 12.0)]
    assert loop.now == 12.0  # without until, the clock stays at the last event


def test_callbacks_can_schedule_more_events():
    """Can a callback schedule its own successor (a periodic process)?"""
    loop = EventLoop()
    ticks = []

    def tick(_):
        ticks.append(loop.now)
        loop.schedule_in(1.0, tick)

    loop.schedule_in(0.0, tick)
    loop.run(until=4.5)
    assert ticks == [0.0, 1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("call, message", [
    (lambda loop: loop.schedule_at(4.0, print), "time must be >= now"),
    (lambda loop: loop.schedule_at(math.nan, print), "time must be >= now"),
    (lambda loop: loop.schedule_in(-0.5, print), "delay must be >= 0"),
    (lambda loop: loop.schedule_in(math.nan, print), "delay must be >= 0"),
    (lambda loop: loop.run(until=1.0), "until must be >= now"),
])
def test_the_past_is_refused(call, message):
    """Does scheduling before now, a negative delay or running back in time raise ValueError?"""
    loop = EventLoop()
    loop.run(until=5.0)
    with pytest.raises(ValueError, match=message):
        call(loop)


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
    rng_a, rng_b = spawn_generators(2, 1) + spawn_generators(2, 1)
    stream = random_stream(lambda size: rng_a.exponential(1.0, size), block=64)
    np.testing.assert_array_equal([next(stream) for _ in range(300)], rng_b.exponential(1.0, 300))


@pytest.mark.parametrize("block", [0, -3, 2.5, "8"])
def test_random_stream_refuses_a_bad_block(block):
    """Is a block that is not a whole number >= 1 refused when the stream is made?"""
    with pytest.raises(ValueError, match="block"):
        random_stream(np.random.default_rng(0).random, block=block)


def test_streams_are_picked_by_name_not_by_order():
    """Do differently named streams differ, and equally named ones agree across runs?"""
    assert stream_generator(1, "a").random() == stream_generator(1, "a").random()
    assert stream_generator(1, "a").random() != stream_generator(1, "b").random()
    assert stream_generator(1, "a").random() != stream_generator(2, "a").random()


def test_numbered_streams_are_independent_of_how_many_are_asked_for():
    """Is child stream k the same whether 2 or 8 streams are spawned, and streams distinct?"""
    two = [g.random(3) for g in spawn_generators(11, 2)]
    eight = [g.random(3) for g in spawn_generators(11, 8)]
    np.testing.assert_array_equal(two[1], eight[1])
    assert not np.array_equal(eight[0], eight[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, None])
def test_bad_seeds_are_refused(seed):
    """Does a seed that is not a whole number >= 0 or a Generator raise a ValueError?"""
    with pytest.raises(ValueError, match="seed"):
        seed_entropy(seed)
    with pytest.raises(ValueError, match="seed"):
        spawn_generators(seed, 2)


def test_both_simulators_share_one_set_of_distributions():
    """Are course.patterns' and course.simulation's Exponential, Lognormal, Deterministic one class?"""
    for name in ("Exponential", "Lognormal", "Deterministic"):
        assert getattr(course.patterns, name) is getattr(course.simulation, name)
    assert course.patterns.Exponential(2.0) == course.simulation.Exponential(2.0)


def test_lognormal_parameters_give_the_asked_mean_and_cv():
    """Does (μ, σ) from (mean, CV) give back mean e^(μ+σ²/2) and CV √(e^σ² − 1)?"""
    for mean, cv in [(0.05, 1.5), (100.0, 1.0), (3.0, 0.1)]:
        mu, sigma = lognormal_parameters(mean, cv)
        assert math.isclose(math.exp(mu + sigma**2 / 2), mean, rel_tol=1e-12)
        assert math.isclose(math.sqrt(math.expm1(sigma**2)), cv, rel_tol=1e-12)
        assert Lognormal(mean, cv).sigma == sigma
    with pytest.raises(ValueError, match="cv"):
        lognormal_parameters(1.0, 0.0)


def test_jit_shim_gives_python_functions_without_numba(monkeypatch):
    """With numba missing, does course.sim.jit's njit return the function itself, with .py_func?"""
    monkeypatch.setitem(sys.modules, "numba", None)  # makes `import numba` raise ImportError
    plain = importlib.util.module_from_spec(importlib.util.find_spec("course.sim.jit"))
    plain.__spec__.loader.exec_module(plain)
    assert plain.NUMBA_AVAILABLE is False

    def double(x):
        return 2 * x

    assert plain.njit(cache=True)(double) is double and double.py_func is double
    assert jit.NUMBA_AVAILABLE is True  # the real shim, in this environment


def test_the_pattern_simulator_imports_without_numba_or_scipy():
    """Does `import course.patterns` (and a run) work in a Python where numba and scipy are absent?"""
    code = (
        "import sys\n"
        "sys.modules['numba'] = None\n"
        "sys.modules['scipy'] = None\n"
        "from course.patterns import Client, Dependency, Exponential, Service, Simulation\n"
        "api = Service('api', workers=2, service_time=Exponential(rate=50.0))\n"
        "result = Simulation([api], [Client('users', 20.0, Dependency('api'))], seed=1).run(5.0)\n"
        "print(len(result.requests) > 50)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_the_patterns_package_lists_every_module():
    """Does course.patterns' docstring table name each of its modules (and no gone one)?"""
    folder = Path(course.patterns.__file__).parent
    modules = {path.stem for path in folder.glob("*.py")} - {"__init__"}
    listed = set(re.findall(r"^``(\w+)``\s{2,}", course.patterns.__doc__, flags=re.M))
    assert modules <= listed
    assert listed - modules <= {"arrival_rate", "service_time", "workers", "queue_capacity",
                                "timeout", "latency", "queue_wait", "in_flight", "pool_use",
                                "level"}  # the glossary table's rows
