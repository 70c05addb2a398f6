"""CQRS read side: lag against the M/M/1 formula, the two engines agree, alerts, refresh trade-off."""

from __future__ import annotations

import numpy as np
import pytest

from course.data.cqrs import refresh_tradeoff, simulate_read_side


def test_mean_lag_matches_relay_delay_plus_mm1_time_in_system():
    """At λ = 50/s, μ = 100/s, d = 0.2 s: is the measured mean lag within 3 % of 0.2 + 1/50 s (seeded)?"""
    run = simulate_read_side(50.0, 0.01, 0.2, 2000.0, seed=16, engine="recursion")
    assert run.mean_read_lag() == pytest.approx(0.2 + 1 / 50, rel=0.03)
    assert run.percentile(99) > run.percentile(50) >= 0.2


def test_event_loop_and_recursion_give_the_same_times_to_the_last_bit():
    """Does the event-loop simulation equal Lindley's recursion exactly, with relay jitter?"""
    a = simulate_read_side(40.0, 0.02, 0.1, 300.0, seed=3, relay_jitter=0.05)
    b = simulate_read_side(40.0, 0.02, 0.1, 300.0, seed=3, relay_jitter=0.05, engine="recursion")
    assert np.array_equal(a.visible, b.visible) and len(a.read_lag) > 10_000


def test_alert_counts_breaches_and_bad_input_is_named():
    """Does the alert count events over the threshold, and are unstable settings refused by name?"""
    run = simulate_read_side(80.0, 0.01, 0.0, 600.0, seed=5, engine="recursion")
    alert = run.alert(0.2)
    assert alert["events over"] == int((run.read_lag > 0.2).sum()) > 0 and alert["first breach at"] is not None
    assert run.alert(1e9)["first breach at"] is None
    with pytest.raises(ValueError, match="write_rate × apply_time"):
        simulate_read_side(100.0, 0.01, 0.0, 10.0, seed=1)
    with pytest.raises(ValueError, match="engine"):
        simulate_read_side(1.0, 0.01, 0.0, 10.0, seed=1, engine="fast")


def test_refresh_tradeoff_numbers():
    """Full refresh of 10⁶ rows at 1 µs every 60 s: 1/60 CPU-s per s and mean staleness 31 s."""
    t = refresh_tradeoff(1_000_000, 1e-6, 100.0, 1e-3, 60.0)
    assert t["full"]["work per s"] == pytest.approx(1 / 60) and t["full"]["mean staleness"] == 31.0
    assert t["incremental"]["work per s"] == pytest.approx(0.1)
    assert t["incremental"]["mean staleness"] == pytest.approx(0.1 * 1e-3 / (2 * 0.9) + 1e-3)
    with pytest.raises(ValueError, match="interval must be >="):
        refresh_tradeoff(1_000_000, 1e-6, 100.0, 1e-3, 0.5)


def test_full_refresh_staleness_matches_a_simulated_reader():
    """Reads at random times against refreshes every T taking D: is the mean age D + T/2 and the max D + T?"""
    rows, row_cost, interval = 500_000, 2e-6, 30.0          # D = 1 s
    t = refresh_tradeoff(rows, row_cost, 10.0, 1e-3, interval)["full"]
    rng = np.random.default_rng(7)
    reads = rng.uniform(1.0, 3600.0, 200_000)
    started = np.floor((reads - 1.0) / interval) * interval  # the last refresh published by then began here
    age = reads - started
    assert age.mean() == pytest.approx(t["mean staleness"], rel=0.01)
    assert age.max() <= t["max staleness"] and age.min() >= 1.0
