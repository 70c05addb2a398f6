"""Cold starts: is the warm-pool simulation seeded, consistent and right on cases worked by hand?"""

from __future__ import annotations

import numpy as np
import pytest

from course.architecture.coldstarts import SHAPES, arrivals, simulate_cold_starts, warm_pool


def test_same_seed_same_run_other_seed_other_run():
    a = simulate_cold_starts("bursty", 1.0, seed=3)
    b = simulate_cold_starts("bursty", 1.0, seed=3)
    c = simulate_cold_starts("bursty", 1.0, seed=4)
    assert np.array_equal(a.response_s, b.response_s) and not np.array_equal(a.arrivals, c.arrivals)


@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_keep_the_mean_rate(shape):
    times = arrivals(shape, 2.0, 1800.0, seed=5)
    assert 0.9 * 3600 < times.size < 1.1 * 3600 and np.all(np.diff(times) >= 0)
    assert times.min() >= 0 and times.max() < 1800


def test_every_cold_request_pays_an_initialisation_and_warm_ones_do_not():
    run = simulate_cold_starts("periodic batch", 1.0, seed=2, service_s=0.05)
    assert np.all(run.response_s[~run.cold] == pytest.approx(0.05))
    assert np.all(run.response_s[run.cold] > 0.05)
    assert run.environments == run.cold.sum()


def test_warm_pool_by_hand():
    """Keep-alive 300 s, 50 ms of work, 0.5 s to initialise: at 0 s cold; at 0.02 s (the first still busy)
    cold again; at 1 s warm; at 400 s cold (idle since 1.05 s: 398.95 s > 300 s)."""
    times = np.array([0.0, 0.02, 1.0, 400.0])
    response, cold, started = warm_pool(times, np.full(4, 0.5), 0.05, 300.0)
    assert cold.tolist() == [True, True, False, True] and started == 3
    assert response.tolist() == pytest.approx([0.55, 0.55, 0.05, 0.55])
    _, cold, started = warm_pool(times, np.full(4, 0.5), 0.05, 300.0, provisioned=1)
    assert cold.tolist() == [False, True, False, False] and started == 2


def test_provisioned_environments_remove_cold_starts_when_they_cover_the_burst():
    cold = simulate_cold_starts("periodic batch", 1.0, seed=1)
    warm = simulate_cold_starts("periodic batch", 1.0, seed=1, provisioned=20)
    assert cold.cold_share > 0.01 and cold.p99_ms > 150
    assert warm.cold_share == 0.0 and warm.p99_ms == pytest.approx(50.0)


def test_a_keep_alive_longer_than_the_gap_keeps_batches_warm():
    short = simulate_cold_starts("periodic batch", 1.0, seed=1, keep_alive_s=300.0)
    long = simulate_cold_starts("periodic batch", 1.0, seed=1, keep_alive_s=900.0)
    second = short.arrivals >= 900          # the second batch, 870 s after the first ended
    assert long.cold[second].sum() * 4 < short.cold[second].sum()   # 1 against 13 at seed 1


@pytest.mark.parametrize("kwargs, word", [
    ({"shape": "lumpy"}, "shape"),
    ({"rate_per_s": 0.0}, "rate_per_s"),
    ({"keep_alive_s": 0.0}, "keep_alive_s"),
    ({"provisioned": -1}, "provisioned"),
    ({"duration_s": 100.0, "shape": "periodic batch"}, "duration_s"),
    ({"rate_per_s": 1000.0, "duration_s": 1e6}, "rate_per_s"),
])
def test_bad_input_is_refused_by_name(kwargs, word):
    args = {"shape": "steady", "rate_per_s": 1.0, "seed": 0} | kwargs
    with pytest.raises(ValueError, match=word):
        simulate_cold_starts(**args)
