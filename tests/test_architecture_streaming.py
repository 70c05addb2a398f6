"""Streams, watermarks and the lambda/kappa layers: are windows counted and closed as defined?"""

from __future__ import annotations

import math

import pytest

from course.architecture.lambda_kappa import batch_view, disagreements, kappa, serve, speed_view
from course.architecture.streaming import Event, exact_counts, stream, window_counts, window_start
from course.architecture.styles import STYLES, fold_balance, traffic


def test_a_hand_traced_stream():
    """Window 10 s, lateness 2 s. Arrival order: e(3), e(12) -> watermark 10 closes [0,10);
    e(5) arrives late; e(14), e(25) -> watermark 23 closes [10,20); end closes [20,30)."""
    events = [Event("a", 3, 3.5), Event("a", 12, 12.5), Event("a", 5, 13), Event("a", 14, 15),
              Event("a", 25, 26)]
    result = window_counts(events, window_s=10, lateness_s=2)
    assert result.counts == {0.0: 1, 10.0: 2, 20.0: 1}
    assert result.late_events == [Event("a", 5, 13)]
    assert result.closed_at[0.0] == 10 and result.emitted_at[0.0] == 12.5
    assert result.closed_at[20.0] == math.inf
    assert exact_counts(events, 10) == {0.0: 2, 10.0: 2, 20.0: 1}


def test_a_window_that_never_opened_is_closed_too():
    events = [Event("a", 31, 32), Event("a", 1, 40)]
    assert window_counts(events, 10, 0).late == 1


def test_every_event_is_counted_once_and_more_lateness_never_adds_late_events():
    events = stream(800, seed=4)
    lates = []
    for lateness in (0, 1, 2, 5, 10, 20, 40):
        result = window_counts(events, 10, lateness)
        assert result.on_time + result.late == 800
        lates.append(result.late)
    assert lates == sorted(lates, reverse=True) and lates[0] > 0 and lates[-1] == 0


def test_stream_is_seeded_in_arrival_order_and_delays_are_positive():
    a, b = stream(300, seed=9), stream(300, seed=9)
    assert a == b and a != stream(300, seed=10)
    assert all(x.arrival_time <= y.arrival_time for x, y in zip(a, a[1:]))
    assert all(e.arrival_time > e.event_time for e in a)
    assert window_start(19.999, 10) == 10.0 and window_start(20.0, 10) == 20.0


def test_serving_layer_takes_batch_up_to_the_horizon_and_speed_after():
    events = stream(500, seed=3)
    served = serve(events, 10, 2, batch_horizon_s=100)
    exact, fast = exact_counts(events, 10), speed_view(events, 10, 2)
    assert all(served[s] == exact[s] for s in served if s + 10 <= 100)
    assert all(served[s] == fast[s] for s in served if s + 10 > 100)
    assert batch_view(events, 10, 100) == {s: c for s, c in exact.items() if s < 100}


def test_kappa_replay_equals_the_batch_answer_and_speed_disagrees_where_events_were_late():
    events = stream(500, seed=3)
    assert kappa(events, 10) == exact_counts(events, 10)
    wrong = disagreements(events, 10, 0)
    late = window_counts(events, 10, 0).late_events
    assert set(wrong) == {window_start(e.event_time, 10) for e in late}
    assert sum(exact - fast for fast, exact in wrong.values()) == len(late)


def test_custom_speed_layer_is_used_by_serve():
    events = stream(100, seed=1)
    served = serve(events, 10, 2, batch_horizon_s=0, speed=lambda ev, w, lateness: {0.0: -1})
    assert served == {0.0: -1}


def test_event_styles_traffic_by_hand():
    note = traffic("notification", 100, 3, 16, 1000)
    carried = traffic("state transfer", 100, 3, 16, 1000)
    sourced = traffic("event sourcing", 100, 3, 16, 1000)
    assert note["bus_bytes"] == 4800 and note["callbacks"] == 300 and note["callback_bytes"] == 300_000
    assert carried["bus_bytes"] == 304_800 and carried["callbacks"] == 0 and not carried["replayable"]
    assert sourced["replayable"] and set(STYLES) == {"notification", "state transfer", "event sourcing"}
    assert fold_balance([("deposit", 10), ("withdraw", 3)]) == 7


@pytest.mark.parametrize("call, word", [
    (lambda: stream(0, seed=1), "count"),
    (lambda: stream(10, seed=1, straggler_share=2), "straggler_share"),
    (lambda: window_counts([], 0, 1), "window_s"),
    (lambda: window_counts([], 10, -1), "lateness_s"),
    (lambda: batch_view([], 10, -5), "batch_horizon_s"),
    (lambda: traffic("gossip", 1, 1, 1, 1), "style"),
    (lambda: traffic("notification", -1, 1, 1, 1), "events"),
    (lambda: fold_balance([("refund", 3)]), "events"),
])
def test_bad_input_is_refused_by_name(call, word):
    with pytest.raises(ValueError, match=word):
        call()
