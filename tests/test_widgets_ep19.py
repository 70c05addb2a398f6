"""Episode 19 widgets: do they draw what the architecture models compute, explain bad input, and stay fast?"""

from __future__ import annotations

import math

import numpy as np
import pytest
from widget_contract import widget_contract

from course.architecture.coldstarts import simulate_cold_starts
from course.architecture.prices import LAMBDA_X86_US_EAST_1
from course.architecture.serverless import break_even_rate, faas_monthly_cost
from course.architecture.streaming import stream, window_counts
from course.widgets.ep19 import FaasBreakEven
from course.widgets.ep19_coldstart import COLD_SEED, ColdStartP99
from course.widgets.ep19_watermark import STREAM_EVENTS, STREAM_SEED, WatermarkExplorer

#: widget class -> (a good setting that differs from the default, a bad setting, words of its message)
CASES = {
    FaasBreakEven: ({"duration_ms": 1000.0}, {"memory_mb": 64}, "must be in 128"),
    ColdStartP99: ({"keep_alive": 900}, {"keep_alive": 0}, "must be > 0 s"),
    WatermarkExplorer: ({"lateness_s": 20.0}, {"lateness_s": -5.0}, "must be >= 0 s"),
}

(test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
 test_bad_input_shows_a_message_naming_it_and_no_nan,
 test_every_widget_of_the_episode_is_tested_here) = widget_contract("ep19", CASES)


@pytest.fixture(scope="module")
def built():
    return {cls: cls() for cls in CASES}


def test_break_even_widget_draws_the_price_sheet_and_the_crossing():
    widget = FaasBreakEven()
    widget.set(duration_ms=200.0, memory_mb=1024, server_price_per_hour=0.05, server_capacity=100.0)
    rates = np.array(widget.fig.data[2].x)
    assert widget.fig.data[2].y[60] == pytest.approx(faas_monthly_cost(rates[60], 0.2, 1.0, LAMBDA_X86_US_EAST_1))
    assert widget.fig.data[4].x[0] == pytest.approx(break_even_rate(0.2, 1.0, 0.05, LAMBDA_X86_US_EAST_1))
    widget.set(server_capacity=1.0)     # a server carrying 1 request/s never pays off
    assert math.isinf(widget.view["break_even"]) and widget.fig.data[4].visible is False
    assert "never" in widget.answer.value


def test_cold_start_widget_reports_the_seeded_simulation():
    widget = ColdStartP99()
    widget.set(shape="periodic batch", rate=1.0, keep_alive=300, provisioned=0)
    run = simulate_cold_starts("periodic batch", 1.0, seed=COLD_SEED, keep_alive_s=300.0)
    assert widget.fig.data[-1].y[0] == pytest.approx(run.p99_ms, rel=1e-12)
    assert widget.view["p99_ms"]["periodic batch"] > 3 * widget.view["p99_ms"]["steady"]
    widget.set(provisioned=20)
    assert widget.view["cold_share"]["periodic batch"] == 0.0


def test_watermark_widget_counts_what_the_stream_module_counts():
    widget = WatermarkExplorer()
    widget.set(window_s=10.0, lateness_s=5.0, straggler_share=0.05)
    result = window_counts(stream(STREAM_EVENTS, seed=STREAM_SEED, straggler_share=0.05), 10.0, 5.0)
    assert widget.view["late"] == result.late == len(widget.fig.data[1].x)
    assert f"{result.late} of {STREAM_EVENTS}" in widget.answer.value
    widget.set(lateness_s=40.0)
    assert widget.view["late"] == 0 and widget.view["wrong_windows"] == 0
