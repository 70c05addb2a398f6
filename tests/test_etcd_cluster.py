"""A real 3-member etcd cluster on loopback: is a new leader elected after the leader is killed,
in a time between one heartbeat and ten election timeouts, and is nothing left behind?

Needs Debian's etcd-server (/usr/bin/etcd): ``make test`` installs it first (``make etcd-server``).
"""

from __future__ import annotations

import os

import pytest
from process_support import gone, processes_mentioning

from course.coordination.etcd_cluster import ETCD, EtcdCluster
from course.coordination.local_servers import free_ports

# Real servers on loopback: the unit stage of `make test` runs these (its targets etcd-server and
# redis-server install the Debian packages first).
pytestmark = pytest.mark.slow


def assert_cleaned_up(cluster: EtcdCluster, pids: list[int]):
    assert pids and all(gone(pid) for pid in pids)
    assert not processes_mentioning(str(cluster.root))
    assert not cluster.root.exists()


def test_etcd_binary_is_installed():
    assert os.access(ETCD, os.X_OK), "run `make etcd-server` (Debian's etcd-server package)"


def test_killing_the_leader_elects_a_new_one_and_cleans_up():
    cluster = EtcdCluster(heartbeat_ms=100, election_timeout_ms=1000)
    with cluster:
        pids = list(cluster.pids)
        assert len(pids) == 3 and len(processes_mentioning(str(cluster.root))) == 3
        trials = cluster.failover_trials(2)
        pids = list(cluster.pids)               # restarted members have new process ids
    assert list(trials["trial"]) == [0, 1]
    assert (trials["new_leader"] != trials["killed"]).all()
    assert (trials["new_term"] > trials["old_term"]).all()
    # a lower bound only (a follower waits at least its election timeout, a busy machine only
    # makes it later); how late a loaded machine may be is no property of etcd
    assert (trials["failover_s"] > 0.1).all()
    assert_cleaned_up(cluster, pids)


def test_an_exception_inside_the_block_still_stops_every_member():
    cluster = EtcdCluster(heartbeat_ms=50, election_timeout_ms=500)
    with pytest.raises(RuntimeError, match="boom"), cluster:
        pids = list(cluster.pids)
        raise RuntimeError("boom")
    assert_cleaned_up(cluster, pids)


def test_keyboard_interrupt_inside_the_block_still_stops_every_member():
    cluster = EtcdCluster(heartbeat_ms=50, election_timeout_ms=500)
    with pytest.raises(KeyboardInterrupt), cluster:
        pids = list(cluster.pids)
        raise KeyboardInterrupt
    assert_cleaned_up(cluster, pids)


def test_free_ports_are_distinct():
    ports = free_ports(6)
    assert len(set(ports)) == 6 and all(1024 <= p <= 65535 for p in ports)


@pytest.mark.parametrize("kwargs,name", [
    ({"members": 0}, "members"),
    ({"heartbeat_ms": 5}, "heartbeat_ms"),
    ({"heartbeat_ms": 100, "election_timeout_ms": 400}, "election_timeout_ms"),
    ({"startup_timeout_s": "soon"}, "startup_timeout_s"),
])
def test_bad_settings_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        EtcdCluster(**kwargs)
