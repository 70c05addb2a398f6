"""Tests for the Episode 16 widgets: do they draw what course.data computes, and show errors as messages?"""

from __future__ import annotations

import numpy as np
import pytest

from course.data.cqrs import simulate_read_side
from course.data.hashes import key_hashes, keys
from course.data.partitioners import Ring
from course.data.quorums import stale_read_probability
from course.widgets.ep16 import EXPLORER_KEYS, QuorumExplorer, RingExplorer, quorum_view, ring_view
from course.widgets.ep16_lag import EVENTS, LAG_SEED, ReplicationLagViewer, lag_view


def test_ring_explorer_equals_the_ring_partitioner():
    """Are the bars Ring(s0…s{N-1}, V).shares() and the moved share what Ring itself moves?"""
    widget = RingExplorer()
    widget.set(servers=7, vnodes=40)
    assert widget.error is None
    nodes = [f"s{i}" for i in range(7)]
    ring = Ring(nodes, 40)
    np.testing.assert_allclose(widget.fig.data[0].y, [100 * ring.shares()[n] for n in nodes], rtol=1e-12)
    hashes = key_hashes(keys(EXPLORER_KEYS))
    moved = np.mean(ring.owners(hashes) != ring.with_node("s7").owners(hashes))
    assert widget.view["moved on join"] == pytest.approx(moved, abs=0)
    assert widget.view["keys per server"].sum() == EXPLORER_KEYS


def test_ring_explorer_vnodes_shrink_the_spread_and_modulo_moves_most_keys():
    """From V = 1 to V = 500, does the CV fall below 0.1, and does modulo-N move ≈ N/(N+1)?"""
    one, many = ring_view(10, 1), ring_view(10, 500)
    assert one["load CV"] > 0.5 > 0.1 > many["load CV"]
    assert many["modulo moved on join"] == pytest.approx(10 / 11, abs=0.02)
    with pytest.raises(ValueError, match="vnodes"):
        ring_view(10, 0)
    widget = RingExplorer()
    widget.set(vnodes=0)
    assert widget.error and "no point on the ring" in widget.error


def test_quorum_explorer_stale_reads_and_unavailable_quorums():
    """R + W ≤ N shows a stale-read chance equal to the formula; too many replicas down shows NO."""
    widget = QuorumExplorer()
    widget.set(n=3, r=1, w=1, failures=0, read_after_ms=0.0)
    assert widget.view["stale bound"] == stale_read_probability(3, 1, 1)
    assert widget.view["stale measured"] == pytest.approx(2 / 3, abs=0.03)
    assert "R + W ≤ N" in widget.answer.value
    widget.set(n=3, r=2, w=2, failures=2)
    assert widget.view["read"]["available"] is False and "NO / NO" in widget.answer.value
    widget.set(n=3, r=5, w=2, failures=0)
    assert widget.error and "read quorum R" in widget.error
    assert quorum_view(5, 3, 3, 0)["stale measured"] == 0.0


def test_lag_viewer_draws_the_simulated_lag_and_refuses_an_overloaded_projector():
    """Are the dots the simulation's lags in ms, the alert share correct, and utilisation ≥ 1 a message?"""
    widget = ReplicationLagViewer()
    widget.set(write_rate=50.0, apply_time_ms=10.0, relay_delay_ms=200.0, relay_jitter_ms=0.0, alert_ms=250.0)
    run = simulate_read_side(50.0, 0.01, 0.2, EVENTS / 50.0, LAG_SEED, engine="recursion")
    np.testing.assert_allclose(widget.fig.data[1 - 1].y, 1000 * run.read_lag)
    assert widget.view["share over"] == pytest.approx(float(np.mean(run.read_lag > 0.25)))
    widget.set(apply_time_ms=25.0)
    assert widget.error and "falls behind" in widget.error
    assert lag_view(10.0, 1.0, 0.0, 1e6)["first breach at"] is None
