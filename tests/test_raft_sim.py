"""Tests for course.coordination.raft_sim: a timed Raft cluster checked against facts that
hold independently of the simulator (quorums, timeouts, terms), the Figure 16 shape, and
the fast approximation against the event simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course.coordination.raft import advance_commit_index_naive
from course.coordination.raft_sim import (
    FIG16_RANGES,
    PAPER_FIG16,
    downtime_cdf,
    failover_times,
    fast_failover_times,
    fig16_sweep,
    simulate,
)
from course.patterns.faults import Crash, Partition


def test_same_seed_same_run_other_seed_other_run():
    a = simulate(5, seed=4, duration_ms=3000, loss=0.1, requests=[(500, "x"), (900, "y")])
    b = simulate(5, seed=4, duration_ms=3000, loss=0.1, requests=[(500, "x"), (900, "y")])
    c = simulate(5, seed=5, duration_ms=3000, loss=0.1, requests=[(500, "x"), (900, "y")])
    pd.testing.assert_frame_equal(a.leaders, b.leaders)
    pd.testing.assert_frame_equal(a.commits, b.commits)
    assert a.messages == b.messages and a.messages != c.messages


@pytest.mark.parametrize("seed", range(5))
def test_three_nodes_with_one_down_still_elect(seed):
    run = simulate(3, seed=seed, duration_ms=3000, faults=[Crash("S1", start=0.0)])
    assert len(run.leaders) >= 1 and "S1" not in set(run.leaders["leader"])


@pytest.mark.parametrize("seed", range(5))
def test_three_nodes_with_two_down_never_elect(seed):
    run = simulate(3, seed=seed, duration_ms=3000,
                   faults=[Crash("S1", start=0.0), Crash("S2", start=0.0)])
    assert run.leaders.empty
    assert len(run.elections) > 5               # S3 keeps trying, term after term
    assert not run.elections["winner"].notna().any()


@pytest.mark.parametrize("seed", range(5))
def test_no_loss_fixed_delay_the_first_leader_comes_after_the_smallest_timeout(seed):
    run = simulate(5, seed=seed, duration_ms=2000, delay_ms=(5.0, 5.0))
    first = run.leaders["time_ms"].iloc[0]
    # A timeout of at least 150 ms, then a request and a reply of 5 ms each.
    assert first >= 150.0 + 2 * 5.0
    assert run.elections["start_ms"].iloc[0] >= 150.0


def test_terms_never_decrease_and_one_leader_per_term():
    run = simulate(5, seed=7, duration_ms=8000, loss=0.2, election_timeout_ms=(150, 160),
                   faults=[Crash("S1", 1.0, 2.0), Crash("S2", 3.0, 3.5),
                           Partition(("S3",), ("S1", "S2", "S4", "S5"), 4.0, 5.0)])
    assert run.leaders["term"].is_monotonic_increasing
    assert run.leaders["term"].is_unique          # election safety, in time
    assert run.elections["term"].is_monotonic_increasing


def test_a_minority_side_of_a_partition_cannot_elect_the_majority_side_can():
    part = Partition(("S1", "S2"), ("S3", "S4", "S5"), start=0.0, end=None)
    run = simulate(5, seed=1, duration_ms=4000, faults=[part])
    assert set(run.leaders["leader"]) <= {"S3", "S4", "S5"} and len(run.leaders) >= 1


def test_leader_crash_gives_a_new_leader_within_a_few_timeouts():
    first = simulate(5, seed=2, duration_ms=600).leaders["leader"].iloc[0]
    run = simulate(5, seed=2, duration_ms=3000, faults=[Crash(first, start=1.0)])
    after = run.leaders[run.leaders["time_ms"] > 1000.0]
    assert len(after) >= 1 and after["leader"].iloc[0] != first
    # Followers notice after one timeout (<= 300 ms) then elect: well within 1 s here.
    assert after["time_ms"].iloc[0] - 1000.0 < 1000.0


def test_commits_follow_requests_and_every_server_agrees_on_committed_entries():
    requests = [(t, f"c{t}") for t in range(400, 4000, 150)]
    run = simulate(5, seed=3, duration_ms=5000, requests=requests, loss=0.05,
                   faults=[Crash("S1", 1.5, 2.5), Crash("S4", 2.0, 3.0)])
    commits = run.commits
    assert commits["index"].is_unique             # no index committed twice (state machine)
    assert len(commits) >= len(requests) // 2
    for node in run.nodes:
        for index in range(1, node.commit_index + 1):
            row = commits[commits["index"] == index].iloc[0]
            assert node.log[index - 1] == (row["term"], row["command"])


def test_requests_without_a_leader_are_recorded_as_unserved():
    run = simulate(3, seed=0, duration_ms=500, requests=[(10, "early")])
    assert run.requests["leader"].isna().all() and run.commits.empty


def test_learner_rules_run_in_the_simulation():
    run = simulate(5, seed=3, duration_ms=3000, requests=[(600, "a"), (800, "b")],
                   rules={"advance_commit": advance_commit_index_naive})
    assert list(run.commits["command"]) == ["a", "b"]


def test_elections_frame_marks_split_votes():
    run = simulate(5, seed=0, duration_ms=3000, election_timeout_ms=(150, 151))
    assert set(run.elections.columns) == {"term", "start_ms", "end_ms", "candidates", "winner",
                                          "split"}
    splits = run.elections[run.elections["split"]]
    assert (splits["candidates"] >= 2).all() and splits["winner"].isna().all()


# -- Figure 16 ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sweep():
    return fig16_sweep(seed=0, trials=300, cap_ms=3000)


def test_more_randomness_gives_faster_elections(sweep):
    """Figure 16's shape, with margins far beyond the noise of 300 trials: the share of
    failovers done within 300 ms rises with randomness; without it, almost none is."""
    within = sweep.assign(fast=sweep["downtime_ms"] <= 300).groupby("range", sort=False)["fast"]
    share = within.mean()
    assert list(share.index) == [f"{a}–{b} ms" for a, b in FIG16_RANGES]
    assert share["150–150 ms"] < 0.1
    assert share["150–150 ms"] + 0.15 < share["150–155 ms"]
    assert share["150–155 ms"] + 0.4 < share["150–175 ms"]
    assert share["150–175 ms"] + 0.04 < share["150–300 ms"]
    # A capped trial (no leader within 3 s) counts as 3 s: the median is over every trial.
    medians = sweep.assign(t=sweep["downtime_ms"].fillna(3000.0)).groupby(
        "range", sort=False)["t"].median()
    assert medians["150–150 ms"] == 3000.0        # most trials: no leader within 3 s
    assert medians["150–155 ms"] > 2 * medians["150–175 ms"]


def test_split_votes_fall_with_randomness(sweep):
    split = sweep.groupby("range", sort=False)["split_votes"].mean()
    assert split["150–150 ms"] > split["150–155 ms"] > split["150–175 ms"] > split["150–300 ms"]


def test_downtime_is_at_least_min_timeout_minus_the_heartbeat(sweep):
    """The leader crashes within its heartbeat interval (75 ms), the followers wait >= 150 ms
    from the last heartbeat: no failover is shorter than 75 ms plus a round trip."""
    assert sweep["downtime_ms"].min() >= 75.0 + 2 * 3.0


def test_cdf_is_monotone_and_reaches_the_uncapped_share(sweep):
    cdf = downtime_cdf(sweep)
    for label, group in cdf.groupby("range", sort=False):
        assert group["downtime_ms"].is_monotonic_increasing
        assert group["share"].is_monotonic_increasing
        done = 1 - sweep[sweep["range"] == label]["capped"].mean()
        assert group["share"].iloc[-1] == pytest.approx(done)


@pytest.mark.parametrize("timeout_range", [(150, 155), (150, 175), (150, 300), (100, 200)])
def test_fast_model_agrees_with_the_event_simulation(timeout_range):
    slow = failover_times(timeout_range, seed=0, trials=300, cap_ms=3000)
    fast = fast_failover_times(timeout_range, seed=0, trials=4000, cap_ms=3000)
    slow_median = slow["downtime_ms"].fillna(3000).median()
    fast_median = fast["downtime_ms"].fillna(3000).median()
    assert fast_median == pytest.approx(slow_median, rel=0.25)
    assert (fast["split_votes"] > 0).mean() == pytest.approx((slow["split_votes"] > 0).mean(),
                                                             abs=0.08)


def test_fast_model_shows_the_same_ordering_and_is_seeded():
    shares = [(fast_failover_times(r, seed=1, trials=2000, cap_ms=2000)["downtime_ms"] <= 300)
              .mean() for r in FIG16_RANGES]
    assert shares[0] < shares[2] < shares[3] < shares[5]
    a = fast_failover_times((150, 200), seed=9, trials=100)
    b = fast_failover_times((150, 200), seed=9, trials=100)
    pd.testing.assert_frame_equal(a, b)


def test_paper_numbers_are_kept_as_the_papers():
    assert PAPER_FIG16["servers"] == 5 and PAPER_FIG16["median_150_155_ms"] == 287
    assert PAPER_FIG16["worst_150_200_ms"] == 513 and PAPER_FIG16["recommended_ms"] == (150, 300)
    assert "USENIX ATC 2014" in PAPER_FIG16["source"]


@pytest.mark.parametrize("call,needle", [
    (lambda: simulate(0, seed=0), "n must be"),
    (lambda: simulate(3, seed=-1), "seed"),
    (lambda: simulate(3, seed=0, election_timeout_ms=(300, 150)), "election_timeout_ms"),
    (lambda: simulate(3, seed=0, election_timeout_ms=150), "election_timeout_ms"),
    (lambda: simulate(3, seed=0, heartbeat_ms=200), "heartbeat_ms"),
    (lambda: simulate(3, seed=0, delay_ms=(-1, 2)), "delay_ms"),
    (lambda: simulate(3, seed=0, loss=1.0), "loss"),
    (lambda: simulate(3, seed=0, loss=-0.1), "loss"),
    (lambda: simulate(3, seed=0, duration_ms=-5), "duration_ms"),
    (lambda: simulate(3, seed=0, faults=["crash S1"]), "faults"),
    (lambda: simulate(3, seed=0, faults=[Crash("S9", 0.0)]), "Crash must name"),
    (lambda: simulate(3, seed=0, requests=[5]), "requests"),
    (lambda: failover_times((150, 300), seed=0, n=2), "n must be >= 3"),
    (lambda: failover_times((150, 300), seed=0, trials=0), "trials"),
    (lambda: fast_failover_times((150, 300), seed=0, trials=0), "trials"),
    (lambda: fig16_sweep((), seed=0), "ranges"),
    (lambda: fig16_sweep(((150,),), seed=0), "ranges item"),
    (lambda: downtime_cdf(pd.DataFrame({"x": [1]})), "sweep"),
])
def test_hostile_input_is_refused_by_name(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


def test_a_numpy_generator_seed_is_accepted():
    run = simulate(3, seed=np.random.default_rng(1), duration_ms=500)
    assert len(run.leaders) == 1


def test_failover_times_are_deterministic_and_the_fast_sweep_keeps_the_shape():
    a = failover_times((150, 175), seed=11, trials=30)
    b = failover_times((150, 175), seed=11, trials=30)
    pd.testing.assert_frame_equal(a, b)
    fast = fig16_sweep(seed=0, trials=1000, cap_ms=3000, method="fast")
    capped = fast.groupby("range", sort=False)["capped"].mean()
    assert capped["150–150 ms"] > 0.7 and capped["150–175 ms"] == 0.0
    with pytest.raises(ValueError, match="method"):
        fig16_sweep(seed=0, method="slow")
    with pytest.raises(ValueError, match="rules must be None"):
        fig16_sweep(seed=0, method="fast", rules={"advance_commit": advance_commit_index_naive})
