"""Tests for course.replication.gossip: seeded anti-entropy rounds converge, at the speed theory predicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from course.replication.crdt import GCounter, GSet, ORSet, join
from course.replication.gossip import AntiEntropy, push_rounds_estimate


def rumour(replicas: int) -> list[GSet]:
    """One replica knows the news, the others know nothing."""
    return [GSet({"news"})] + [GSet() for _ in range(replicas - 1)]


def test_every_replica_ends_equal_to_the_join_of_all_states():
    """After convergence, does every replica hold the merge of every initial state?"""
    states = [ORSet().add(f"item{i}", f"r{i}") for i in range(12)]
    states[3] = states[3].add("shared", "r3").remove("item3")
    run = AntiEntropy(fanout=2, loss=0.3, mode="push-pull", seed=11).run(states)
    assert run.converged
    assert all(state == join(states) for state in run.states)
    assert run.history.replicas_converged.iloc[-1] == 12
    assert run.history.replicas_converged.is_monotonic_increasing  # merges never lose news


def test_push_rounds_grow_like_log2_n_plus_ln_n():
    """Does going from 64 to 512 replicas add log₂ 8 + ln 8 ≈ 5.08 rounds, as Pittel's theorem says?

    The O(1) term of log₂ n + ln n + O(1) cancels in the difference; 150 and 100 runs give a
    standard error of about 0.2 rounds on the difference (both sizes are powers of two, so any
    periodic wobble in log₂ n also cancels).
    """
    small = AntiEntropy(mode="push", seed=1).rounds_to_convergence(rumour(64), trials=150)
    large = AntiEntropy(mode="push", seed=2).rounds_to_convergence(rumour(512), trials=100)
    difference = large.mean() - small.mean()
    standard_error = math.sqrt(small.var(ddof=1) / small.size + large.var(ddof=1) / large.size)
    expected = push_rounds_estimate(512) - push_rounds_estimate(64)
    assert expected == pytest.approx(3 + math.log(8))
    assert abs(difference - expected) < 4 * standard_error + 0.25
    # and the absolute count sits within a couple of rounds of the estimate
    assert abs(large.mean() - push_rounds_estimate(512)) < 2.0


def test_push_pull_beats_push_and_loss_slows_convergence():
    """Is push-pull faster than push, and does losing messages cost extra rounds?"""
    states = rumour(128)
    push = AntiEntropy(mode="push", seed=3).rounds_to_convergence(states, trials=60)
    push_pull = AntiEntropy(mode="push-pull", seed=3).rounds_to_convergence(states, trials=60)
    lossy = AntiEntropy(mode="push-pull", loss=0.5, seed=3).rounds_to_convergence(states, trials=60)
    assert stats.mannwhitneyu(push_pull, push, alternative="less").pvalue < 1e-6
    assert stats.mannwhitneyu(push_pull, lossy, alternative="less").pvalue < 1e-6


def test_lost_messages_match_the_loss_probability():
    """Is the fraction of lost messages consistent with ``loss`` (binomial test)?"""
    run = AntiEntropy(fanout=3, loss=0.25, mode="push-pull", seed=5).run(rumour(200))
    sent, lost = run.history.messages_sent.sum(), run.history.messages_lost.sum()
    assert sent == 2 * 3 * 200 * run.rounds  # push-pull: a push and a reply per contact
    assert stats.binomtest(int(lost), int(sent), 0.25).pvalue > 1e-4


def test_peers_are_distinct_and_never_oneself():
    """Does each replica contact ``fanout`` different peers, none of them itself, uniformly?"""
    gossip = AntiEntropy(fanout=3, seed=6)
    rng = np.random.default_rng(0)
    counts = np.zeros((10, 10))
    for _ in range(400):
        peers = gossip._peers(10, rng)
        assert all(len(set(row)) == 3 and i not in row for i, row in enumerate(peers))
        np.add.at(counts, (np.repeat(np.arange(10), 3), peers.ravel()), 1)
    off_diagonal = counts[~np.eye(10, dtype=bool)]
    assert np.all(np.diag(counts) == 0)
    assert stats.chisquare(off_diagonal).pvalue > 1e-4


def test_same_seed_same_run_and_a_generator_is_accepted():
    """Are runs reproducible from the seed, and does a numpy Generator work as the seed?"""
    states = [GCounter({f"r{i}": i + 1}) for i in range(30)]
    first = AntiEntropy(loss=0.2, seed=9).run(states)
    second = AntiEntropy(loss=0.2, seed=9).run(states)
    assert first.rounds == second.rounds
    assert first.history.equals(second.history)
    assert AntiEntropy(seed=np.random.default_rng(9)).run(states).converged


def test_already_equal_states_converge_in_zero_rounds():
    """Do replicas that already agree report zero rounds and send nothing?"""
    run = AntiEntropy(seed=0).run([GSet({"a"})] * 4)
    assert run.rounds == 0 and len(run.history) == 1


def test_a_run_that_cannot_finish_reports_none():
    """Does a run cut short by max_rounds say it did not converge (and not pretend)?"""
    run = AntiEntropy(loss=0.9, mode="push", seed=0).run(rumour(50), max_rounds=2)
    assert run.rounds is None and not run.converged
    trials = AntiEntropy(loss=0.9, mode="push", seed=0).rounds_to_convergence(
        rumour(50), trials=3, max_rounds=2)
    assert np.isnan(trials).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"fanout": 0}, "fanout"),
    ({"loss": 1.0}, "loss"),
    ({"loss": -0.1}, "loss"),
    ({"mode": "broadcast"}, "mode"),
    ({"seed": -1}, "seed"),
    ({"seed": "abc"}, "seed"),
])
def test_bad_parameters_raise_value_error(kwargs, message):
    """Does each bad parameter raise a ValueError naming it?"""
    with pytest.raises(ValueError, match=message):
        AntiEntropy(**kwargs)


def test_bad_run_arguments_raise_value_error():
    """Are too few replicas, a fanout as large as the group and a zero round limit rejected?"""
    with pytest.raises(ValueError, match="number of states"):
        AntiEntropy().run([GSet()])
    with pytest.raises(ValueError, match="states must be a sequence"):
        AntiEntropy().run(3.0)
    with pytest.raises(ValueError, match="CRDT states"):
        AntiEntropy().run([1.0, 2.0])
    with pytest.raises(ValueError, match="fanout"):
        AntiEntropy(fanout=3).run(rumour(3))
    with pytest.raises(ValueError, match="max_rounds"):
        AntiEntropy().run(rumour(3), max_rounds=0)
    with pytest.raises(ValueError, match="replicas"):
        push_rounds_estimate(1)
