"""The lease-lock simulation: does fencing stop the stale holder, and only fencing?"""

from __future__ import annotations

import pytest

from course.coordination.leases import (
    KUBERNETES_DEFAULTS,
    kubernetes_takeover_window,
    simulate_lease_lock,
)


def events(run, actor=None):
    return [r["event"] for r in run.records if actor is None or r["actor"] == actor]


@pytest.mark.parametrize("seed", [0, 1, 2, 17])
def test_a_pause_past_the_lease_gives_a_stale_write_that_fencing_rejects(seed):
    fenced = simulate_lease_lock(fencing=True, seed=seed)
    assert fenced.stale_writes_rejected == 1 and not fenced.corrupted
    rejected = [r for r in fenced.records if r["event"] == "write rejected"][0]
    assert rejected["token"] == 1 and rejected["time_s"] >= 20.0        # A's write after its 15 s pause
    assert [h[0] for h in fenced.holdings] == ["A", "B"]                 # B held the lock meanwhile
    a_end, b_start = fenced.holdings[0][3], fenced.holdings[1][2]
    assert a_end <= b_start <= rejected["time_s"]


@pytest.mark.parametrize("seed", [0, 1, 2, 17])
def test_without_fencing_the_same_write_is_accepted_and_corrupts(seed):
    run = simulate_lease_lock(fencing=False, seed=seed)
    assert run.corrupted and run.stale_writes_rejected == 0
    stale = [r for r in run.writes if r["stale"]]
    assert len(stale) == 1 and stale[0]["token"] == 1 and stale[0]["event"] == "write accepted"


def test_the_two_runs_differ_only_in_the_resource_verdict():
    """Same seed: same events, except accepted vs rejected for the stale write."""
    with_f, without = simulate_lease_lock(fencing=True, seed=5), simulate_lease_lock(fencing=False, seed=5)
    strip = [(r["time_s"], r["actor"]) for r in with_f.records]
    assert strip == [(r["time_s"], r["actor"]) for r in without.records]
    diff = [(a["event"], b["event"]) for a, b in zip(with_f.records, without.records) if a["event"] != b["event"]]
    assert diff == [("write rejected", "write accepted")]


def test_a_short_pause_within_the_lease_is_harmless():
    run = simulate_lease_lock(pause_s=2.0, seed=0)
    assert not run.corrupted and run.stale_writes_rejected == 0 and [h[0] for h in run.holdings] == ["A"]


def test_a_server_clock_jump_expires_the_lease_early_and_a_stale_write_follows():
    run = simulate_lease_lock(pause_s=0.0, clock_jump_s=10.0, clock_jump_at_s=4.0, fencing=True, seed=0)
    assert "clock jumps" in events(run, "lock server")
    assert run.holdings[0][0] == "A" and run.holdings[0][3] == pytest.approx(4.0)
    assert run.stale_writes_rejected >= 1 and not run.corrupted
    assert simulate_lease_lock(pause_s=0.0, clock_jump_s=10.0, fencing=False, seed=0).corrupted


def test_runs_repeat_with_the_same_seed_and_vary_with_another():
    a, b, c = (simulate_lease_lock(seed=s).records for s in (4, 4, 5))
    assert a == b and a != c


def test_holder_learns_it_lost_the_lock_at_its_next_renewal():
    run = simulate_lease_lock(seed=0)
    lost = [r for r in run.records if r["event"].startswith("renewal refused")]
    assert len(lost) == 1 and lost[0]["actor"] == "A"
    assert not any(r["actor"] == "A" and r["event"] == "write sent" and r["time_s"] > lost[0]["time_s"]
                   for r in run.records)


def test_kubernetes_defaults_and_takeover_window():
    assert KUBERNETES_DEFAULTS == {"lease_duration_s": 15.0, "renew_deadline_s": 10.0, "retry_period_s": 2.0}
    assert kubernetes_takeover_window() == (15.0, 17.0)


@pytest.mark.parametrize("kwargs,name", [
    ({"lease_s": 0}, "lease_s"),
    ({"renew_every_s": 12.0}, "renew_every_s"),
    ({"pause_s": -1}, "pause_s"),
    ({"clock_jump_s": -2}, "clock_jump_s"),
    ({"horizon_s": 1e6}, "horizon_s"),
    ({"seed": "x"}, "seed"),
    ({"write_every_s": 1e-9}, "write_every_s"),
    ({"retry_every_s": 1e-6}, "retry_every_s"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        simulate_lease_lock(**kwargs)
