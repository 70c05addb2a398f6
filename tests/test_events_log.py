"""Consumer groups and a replicated partition: assignment rules, lag, and measured losses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.events.groups import assign, idle_consumers, lag_over_time, moved_partitions
from course.events.replication import loss_table, simulate_leader_failure


@pytest.mark.parametrize("partitions", [1, 3, 4, 7, 12])
@pytest.mark.parametrize("consumers", [1, 2, 4, 5, 13])
@pytest.mark.parametrize("strategy", ["range", "round-robin"])
def test_each_partition_has_exactly_one_owner(partitions, consumers, strategy):
    """Is every partition owned by exactly one consumer, loads within one, extras idle?"""
    assignment = assign(partitions, consumers, strategy)
    owned = sorted(p for parts in assignment.values() for p in parts)
    assert owned == list(range(partitions))
    sizes = [len(parts) for parts in assignment.values()]
    assert max(sizes) - min(sizes) <= 1
    assert len(idle_consumers(assignment)) == max(0, consumers - partitions)


def test_rebalance_moves_only_changed_owners():
    """Does adding a consumer move the partitions whose owner changed, and none when nothing changes?"""
    assert moved_partitions(assign(4, 4), assign(4, 5)) == []       # the fifth consumer is idle
    assert moved_partitions(assign(4, 2), assign(4, 4)) == [1, 2, 3]   # only partition 0 stays
    with pytest.raises(ValueError, match="strategy"):
        assign(4, 2, "sticky")
    with pytest.raises(ValueError, match="partitions"):
        assign(0, 2)


def test_lag_grows_only_where_a_partition_outruns_its_consumer():
    """With 5 partitions and 2 consumers, does the 3-partition consumer fall behind and the other keep up?"""
    run = lag_over_time(publish_rate=500.0, partitions=5, consumers=2, consumer_rate=250.0, duration=10.0)
    # inflow 100/s per partition; c0 owns 3 (83.3/s each), c1 owns 2 (125/s each)
    assert run["owner"] == ["c0", "c0", "c0", "c1", "c1"]
    np.testing.assert_allclose(run["lag"][:3, -1], (100 - 250 / 3) * 10)
    np.testing.assert_allclose(run["lag"][3:, -1], 0.0)
    drained = lag_over_time(100.0, 2, 2, 100.0, duration=4.0, initial_lag=200.0, points=5)
    np.testing.assert_allclose(drained["lag"][0], [200, 150, 100, 50, 0])


def test_acks_all_loses_nothing_with_a_healthy_isr_and_acks_1_loses_the_unreplicated_tail():
    """With all followers in sync, are acked messages lost under acks=1 and 0 but never under acks=all?"""
    for seed in range(5):
        rows = {row["acks"] + "/" + str(row["min.insync.replicas"]): row for row in loss_table(seed=seed)}
        assert rows["all/1"]["acked then lost"] == 0 and rows["all/2"]["acked then lost"] == 0
        assert rows["1/1"]["acked then lost"] > 0
        assert rows["0/1"]["acked then lost"] > rows["1/1"]["acked then lost"]


def test_lost_messages_are_exactly_the_acked_ones_the_new_leader_lacks():
    """Does the count equal a recount from the tidy records, and are lost messages the newest ones?"""
    run = simulate_leader_failure("1", seed=3, publish_rate=1000.0, leader_fails_at=2.0, replication_delay=0.02)
    records = run.records()
    lost = [r for r in records if r["outcome"] == "acked" and not r["on_new_leader"]]
    assert len(lost) == run.summary()["acked then lost"] > 0
    assert min(r["sent_at"] for r in lost) > 1.8      # only the last moments before the failure


def test_min_insync_replicas_turns_silent_loss_into_refused_writes():
    """When the ISR shrinks to the leader, does min.insync=2 refuse writes that min.insync=1 acks and loses?"""
    scenario = dict(follower_cutoffs={1: 1.0, 2: 0.8}, unclean_leader_election=True, publish_rate=1000.0)
    one = simulate_leader_failure("all", 1, seed=1, **scenario).summary()
    two = simulate_leader_failure("all", 2, seed=1, **scenario).summary()
    assert one["ISR at failure"] == "{0}" and one["acked then lost"] > 900
    assert two["acked then lost"] == 0 and two["refused (producer told)"] > 900
    assert one["acked then lost"] == two["refused (producer told)"]
    clean = simulate_leader_failure("all", 1, seed=1, **{**scenario, "unclean_leader_election": False})
    assert clean.summary()["new leader"] == "offline" and clean.summary()["acked then lost"] == 0


def test_replication_rejects_bad_settings():
    """Do bad settings raise ValueErrors naming the parameter?"""
    with pytest.raises(ValueError, match="acks"):
        simulate_leader_failure("2", seed=1)
    with pytest.raises(ValueError, match="min_insync_replicas"):
        simulate_leader_failure("all", 4, seed=1, replicas=3)
    with pytest.raises(ValueError, match="seed"):
        simulate_leader_failure("all", seed=None)


cutoff = st.one_of(st.none(), st.floats(0.0, 2.5))


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(seed=st.integers(0, 1000), first=cutoff, second=cutoff, floor=st.integers(1, 3),
       unclean=st.booleans())
def test_acks_all_loses_only_when_the_floor_is_one_and_election_is_unclean(seed, first, second, floor, unclean):
    """Whatever the followers do: does acks=all lose an acknowledged message only with
    min.insync.replicas=1 and unclean election — never with a clean election, never with a floor >= 2?"""
    cutoffs = {k: v for k, v in ((1, first), (2, second)) if v is not None}
    summary = simulate_leader_failure("all", floor, seed=seed, follower_cutoffs=cutoffs, publish_rate=500.0,
                                      unclean_leader_election=unclean).summary()
    if floor >= 2 or not unclean:
        assert summary["acked then lost"] == 0
    assert summary["acknowledged"] + summary["refused (producer told)"] <= summary["sent"]


def test_absurd_sizes_are_refused_before_any_work():
    """Are a billion consumers or 10^30 messages a second refused by name at once?"""
    with pytest.raises(ValueError, match="consumers"):
        assign(4, 10**9)
    with pytest.raises(ValueError, match="publish_rate"):
        simulate_leader_failure("all", seed=1, publish_rate=1e30)
