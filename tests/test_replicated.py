"""course.simulation.replicated: the simulated replicated service against its exact chain."""

from __future__ import annotations

import numpy as np
import pytest

from course.reliability.markov import RepairableGroup
from course.sim.distributions import Deterministic
from course.simulation.replicated import simulate_replicated


@pytest.mark.parametrize(("units", "required", "crews"), [(3, 2, 1), (2, 1, 1), (3, 2, 3), (4, 2, 2)])
def test_interval_covers_the_chains_availability(units, required, crews):
    """Does the 95 % interval of a long seeded run contain RepairableGroup's exact availability?"""
    run = simulate_replicated(units, required, 0.02, 0.5, horizon=20_000, replications=30, seed=52,
                              repair_crews=crews)
    exact = RepairableGroup(units, required, 0.02, 0.5, crews).availability
    assert run.interval.contains(exact)
    assert run.interval.width < 0.01  # not a vacuous interval


def test_the_same_seed_gives_the_same_run_and_more_runs_keep_the_first():
    """Is a run reproducible, and do extra replications leave the first ones' values unchanged?"""
    a = simulate_replicated(3, 2, 0.02, 0.5, horizon=2000, replications=5, seed=1)
    b = simulate_replicated(3, 2, 0.02, 0.5, horizon=2000, replications=8, seed=1)
    assert np.array_equal(a.per_replication, b.per_replication[:5])
    assert a.events == b.events and a.events[0]["event"] == "failure"


def test_one_repair_crew_is_worse_than_independent_repairs():
    """With one crew, are outages longer and availability lower than with a crew per replica?"""
    one = simulate_replicated(3, 2, 0.02, 0.5, horizon=20_000, replications=20, seed=2)
    three = simulate_replicated(3, 2, 0.02, 0.5, horizon=20_000, replications=20, seed=2, repair_crews=3)
    assert one.interval.high < three.interval.low
    assert one.mean_outage > three.mean_outage


def test_event_records_tell_a_consistent_story():
    """Do the records count failed replicas up and down by one, and mark the service down
    exactly when fewer than `required` work?"""
    run = simulate_replicated(3, 2, 0.05, 0.5, horizon=2000, replications=2, seed=9)
    failed = 0
    for record in run.events:
        failed += 1 if record["event"] == "failure" else -1
        assert record["failed"] == failed and record["up"] == (3 - failed >= 2)
    assert any(not r["up"] for r in run.events)


def test_deterministic_repairs_run_and_differ_from_exponential():
    """Can repair times be fixed-length (where the chain cannot go), changing the result?"""
    fixed = simulate_replicated(2, 1, 0.05, 0.5, horizon=20_000, replications=20, seed=3,
                                repair_time=Deterministic(2.0))
    exact_exponential = RepairableGroup(2, 1, 0.05, 0.5, 1).availability
    assert not fixed.interval.contains(exact_exponential)
    assert fixed.availability > exact_exponential  # less variable repairs, fewer overlaps


def test_warmup_and_bad_arguments():
    """Is a warm-up accepted, and are impossible arguments refused by name?"""
    run = simulate_replicated(2, 1, 0.05, 0.5, horizon=500, replications=3, seed=4, warmup=100)
    assert 0 < run.availability <= 1
    for kwargs, name in [(dict(required=3), "required"), (dict(replications=1), "replications"),
                         (dict(horizon=0), "horizon"), (dict(repair_crews=0), "repair_crews"),
                         (dict(horizon=1e12), "horizon")]:
        args = dict(units=2, required=1, failure_rate=0.05, repair_rate=0.5, horizon=100, seed=1)
        args.update(kwargs)
        with pytest.raises(ValueError, match=name):
            simulate_replicated(**args)
    with pytest.raises(ValueError, match="seed"):
        simulate_replicated(2, 1, 0.05, 0.5, horizon=100, seed=-1)


def test_a_lifetime_without_a_mean_is_refused():
    """Is a lifetime sampler with no stated mean refused by name, rather than failing inside?"""
    with pytest.raises(ValueError, match="lifetime"):
        simulate_replicated(2, 1, 0.1, 1.0, horizon=10, seed=1, lifetime=lambda rng, size: rng.random(size))
