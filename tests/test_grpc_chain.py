"""Tests for course.communication.grpc_chain: a real gRPC chain on loopback.

Every assertion is about behaviour (status codes, which hop was cancelled, what deadline a
hop saw, threads and ports released), never about speed: the cores are shared.
"""

from __future__ import annotations

import socket
import threading

import grpc
import pytest

from course.communication.grpc_chain import Chain, four_call_types, measure_hop_overhead


def _port_is_free(port: int) -> bool:
    """Can a new server listen on ``port``? (SO_REUSEADDR: connections of the closed server
    may linger in TIME_WAIT, which does not hold the port; a listening socket does.)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True


def test_a_call_crosses_every_hop_in_order():
    with Chain(hops=3) as chain:
        assert chain.call(timeout_s=30.0) == {"path": [0, 1, 2]}
        records = chain.wait_for_records(3)
    assert [r.outcome for r in records] == ["completed"] * 3


def test_a_cancelled_call_cancels_the_work_below():
    """The client cancels once hop 2 is working (no clock involved): every hop is cancelled."""
    with Chain(hops=3, work_s=[0.0, 0.0, 60.0]) as chain:
        call = chain.call_future()
        chain.wait_until_started(2)
        call.cancel()
        records = chain.wait_for_records(3)
    assert [r.outcome for r in records] == ["cancelled"] * 3
    assert records[2].worked_s < 60.0          # interrupted, not finished


def test_propagated_deadline_ends_the_call_on_every_hop():
    """The last hop would work 60 s; the client's 3 s deadline ends it, and nothing completes."""
    with Chain(hops=3, work_s=[0.0, 0.0, 60.0]) as chain:
        with pytest.raises(grpc.RpcError) as raised:
            chain.call(timeout_s=3.0)
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        # hops 0 and 1 always record; hop 2 records too once the call reached it
        records = chain.wait_for_records(2)
        records = chain.wait_for_records(3) if 2 in chain.started else records
    assert all(r.outcome in ("cancelled", "skipped", "failed") for r in records), records
    assert all(r.worked_s < 60.0 for r in records)
    # Every hop saw a deadline, none (much) more than the client gave: grpc-timeout travels
    # rounded up to its unit and the receiving core rounds to its timer, so a hop reads up
    # to about 10 ms more than was sent (without propagation they read none: next test).
    assert all(r.deadline_s is not None and r.deadline_s <= 3.05 for r in records), records


def test_without_propagation_the_hops_below_work_for_nobody():
    """No deadline passed on, no cancellation: the client gives up, the last hop finishes."""
    with Chain(hops=3, work_s=[0.0, 0.0, 1.0], propagate=False) as chain:
        with pytest.raises(grpc.RpcError) as raised:
            chain.call(timeout_s=0.2)
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        records = chain.wait_for_records(3)
    assert [r.outcome for r in records] == ["completed"] * 3
    assert records[1].deadline_s is None and records[2].deadline_s is None
    assert records[2].worked_s >= 1.0


def test_every_server_thread_and_port_is_released():
    before = threading.active_count()
    with Chain(hops=3, work_s=[0.0, 0.0, 60.0]) as chain:
        ports = list(chain.ports)
        with pytest.raises(grpc.RpcError):
            chain.call(timeout_s=0.5)
        assert not any(_port_is_free(p) for p in ports)
    assert threading.active_count() == before
    assert all(_port_is_free(p) for p in ports)
    with pytest.raises(ValueError, match="open chain"):
        chain.call(timeout_s=1.0)


def test_the_four_call_types():
    assert four_call_types() == {"unary": 49, "server_streaming": [3, 2, 1],
                                 "client_streaming": 10, "bidirectional": [1, 3, 6, 10]}


def test_measure_hop_overhead_returns_a_fit_per_chain_length():
    before = threading.active_count()
    result = measure_hop_overhead(max_hops=3, calls=5, seed=1)
    assert result["hops"] == [1, 2, 3]
    assert len(result["median_ms"]) == 3 and all(m > 0 for m in result["median_ms"])
    assert set(result) == {"hops", "median_ms", "per_hop_ms", "intercept_ms"}
    assert threading.active_count() == before


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"hops": 0}, "hops"), ({"hops": 9}, "hops"), ({"hops": 2, "work_s": [0.0]}, "work_s"),
    ({"work_s": -1.0}, "work_s"), ({"work_s": 61.0}, "work_s")])
def test_chain_refuses_bad_sizes_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Chain(**kwargs)


def test_call_refuses_a_non_positive_timeout():
    with Chain(hops=1) as chain, pytest.raises(ValueError, match="timeout_s"):
        chain.call(timeout_s=0.0)


def test_measure_refuses_bad_sizes():
    with pytest.raises(ValueError, match="max_hops"):
        measure_hop_overhead(max_hops=0)
    with pytest.raises(ValueError, match="calls"):
        measure_hop_overhead(calls=0)
