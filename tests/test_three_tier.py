"""The three-tier loopback service and its load generator: a short smoke test (a few requests,
then a clean shutdown that leaves no thread or open port behind) and the input checks."""

from __future__ import annotations

import threading
import urllib.error

import pytest

from course.measurement.load import measure
from course.measurement.three_tier import DEFAULT_TIERS, ThreeTierService, Tier, request_once


def test_a_request_visits_every_tier_as_often_as_the_tiers_say():
    before = threading.active_count()
    with ThreeTierService(seed=7) as service:
        url = service.url
        replies = [request_once(url) for _ in range(3)]
        stats = service.stats()
    assert replies[0] == {"tier": "front", "downstream_calls": 1}
    assert {name: s["visits"] for name, s in stats.items()} == {"front": 3, "app": 3, "db": 6}
    # each visit sleeps an exponential time: busy time is positive and below a generous bound
    assert all(0 < s["busy"] < 5.0 for s in stats.values())
    assert threading.active_count() == before
    with pytest.raises(urllib.error.URLError):
        request_once(url)  # the port is closed


def test_measure_counts_a_window_and_leaves_no_thread_behind():
    before = threading.active_count()
    with ThreeTierService(seed=8) as service:
        row = measure(service, users=2, think_time=0.005, duration=0.3, warmup=0.05, seed=8)
    assert threading.active_count() == before
    assert row["completions"] >= 1 and row["throughput"] == row["completions"] / 0.3
    for tier in ("front", "app", "db"):
        assert row[f"demand_{tier}"] == pytest.approx(row[f"busy_{tier}"] / row["completions"])
        assert 0 < row[f"utilization_{tier}"] <= 1
    assert row["response_p50"] <= row["response_p95"] <= row["response_p99"]


def test_nominal_demands_are_visits_times_service_time():
    assert [t.demand for t in DEFAULT_TIERS] == [0.002, 0.005, 0.008]


@pytest.mark.parametrize("kwargs, name", [
    (dict(visits=0, service_time=0.01), "visits"),
    (dict(visits=1, service_time=0.0), "service_time"),
    (dict(visits=1, service_time=2.0), "service_time"),
])
def test_a_bad_tier_is_refused_by_name(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Tier("db", **kwargs)


def test_bad_service_and_load_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="tiers"):
        ThreeTierService(tiers=DEFAULT_TIERS[:2])
    with pytest.raises(ValueError, match="seed"):
        ThreeTierService(seed=-1)
    service = ThreeTierService()
    with pytest.raises(ValueError, match="not running"):
        _ = service.url
    with pytest.raises(ValueError, match="users"):
        measure(service, users=0, think_time=0.1, duration=1.0)
    with pytest.raises(ValueError, match="duration"):
        measure(service, users=1, think_time=0.1, duration=0.0)
    with pytest.raises(ValueError, match="think_time"):
        measure(service, users=1, think_time=-1.0, duration=1.0)
    with pytest.raises(ValueError, match="duration"):
        measure(service, users=1, think_time=0.1, duration=1e6)
    with pytest.raises(ValueError, match="name"):
        Tier("", 1, 0.01)
