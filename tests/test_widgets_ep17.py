"""Episode 17 election-timeout explorer: does it draw what the Raft failover model computes,
explain bad input, warn when the timing requirement breaks, and stay fast?"""

from __future__ import annotations

import numpy as np
import pytest

from course.coordination.raft_sim import fast_failover_times
from course.widgets.ep17 import (
    CAP_TIMEOUTS,
    ELECTION_SEED,
    TRIALS,
    ElectionTimeoutExplorer,
    election_view,
)


def numbers(widget) -> np.ndarray:
    found = []
    for fig in widget.plotly_figures():
        for trace in fig.data:
            for attr in ("x", "y"):
                values = getattr(trace, attr, None)
                if values is not None and not isinstance(values[0], str):
                    found.extend(float(v) for v in np.ravel(np.array(values, dtype=float)))
    return np.array(found)


def test_view_is_the_model_output():
    """The widget's numbers are fast_failover_times' for the same setting and seed."""
    view = election_view(150.0, 200.0, 5.0, 0.1)
    frame = fast_failover_times((150.0, 200.0), seed=ELECTION_SEED, trials=TRIALS,
                                delay_ms=(2.5, 7.5), loss=0.1, cap_ms=CAP_TIMEOUTS * 150.0)
    assert np.array_equal(view["times_ms"], np.sort(frame["downtime_ms"].dropna()))
    assert view["split_share"] == pytest.approx((frame["split_votes"] > 0).mean())
    assert view["split_counts"].sum() == pytest.approx(1.0)
    assert view["cdf"][-1] == pytest.approx(1 - view["capped_share"])


def test_more_randomness_fewer_split_votes_faster_leader():
    narrow = election_view(150.0, 151.0, 5.0, 0.0)
    wide = election_view(150.0, 300.0, 5.0, 0.0)
    assert narrow["split_share"] > 0.95 and wide["split_share"] < 0.7
    assert wide["median_ms"] < 300.0 < narrow["median_ms"]
    assert narrow["capped_share"] > wide["capped_share"] == 0.0


def test_no_failover_shorter_than_half_the_smallest_timeout():
    """The leader crashes within its heartbeat interval (half the smallest timeout); the
    followers wait at least the smallest timeout from the last heartbeat."""
    for low in (60.0, 150.0, 400.0):
        assert election_view(low, 2 * low, 5.0, 0.0)["times_ms"][0] >= low / 2


def test_timing_requirement_warning():
    assert election_view(150.0, 300.0, 5.0, 0.0)["timing_ok"]
    assert not election_view(150.0, 300.0, 40.0, 0.0)["timing_ok"]
    widget = ElectionTimeoutExplorer()
    widget.set(delay_ms=40.0)
    assert widget.error is None and "timing requirement" in widget.answer.value


def test_widget_names_failed_elections():
    widget = ElectionTimeoutExplorer()
    widget.set(timeout_max_ms=300.0)
    assert "failed election" in widget.answer.value


@pytest.mark.parametrize("args,needle", [
    ((10.0, 300.0, 5.0, 0.0), "timeout_min_ms"),
    ((150.0, 3000.0, 5.0, 0.0), "timeout_max_ms"),
    ((150.0, 100.0, 5.0, 0.0), "timeout_max_ms must be >="),
    ((150.0, 300.0, 0.0, 0.0), "delay_ms"),
    ((150.0, 300.0, 500.0, 0.0), "delay_ms"),
    ((150.0, 300.0, 5.0, 0.9), "loss"),
])
def test_view_refuses_hostile_input_by_name(args, needle):
    with pytest.raises(ValueError, match=needle):
        election_view(*args)


