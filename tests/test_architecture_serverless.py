"""Serverless cost and limits: do the bills, the break-even and the limits match hand arithmetic?"""

from __future__ import annotations

import math

import pytest

from course.architecture.prices import LAMBDA_LIMITS
from course.architecture.prices import LAMBDA_X86_US_EAST_1 as SHEET
from course.architecture.serverless import (
    HOURS_PER_MONTH,
    always_on_monthly_cost,
    billed_duration,
    break_even_rate,
    break_even_with_capacity,
    concurrency_needed,
    cost_per_request,
    faas_monthly_cost,
    invocations_for_job,
    provisioned_monthly_cost,
    servers_needed,
    throttled_share,
)


def test_price_sheets_are_dated_and_name_their_page():
    """Does every price and limit say where and when it was read?"""
    for item in (SHEET, LAMBDA_LIMITS):
        assert "aws.amazon.com" in item.source and item.read_on == "2026-12-05"
    assert SHEET.request_price == pytest.approx(2e-7, rel=1e-12)
    assert LAMBDA_LIMITS.timeout_s == 900 and LAMBDA_LIMITS.concurrent_executions == 1000


def test_duration_is_billed_per_started_millisecond():
    assert billed_duration(0.001) == 0.001
    assert billed_duration(0.0010001) == 0.002
    assert billed_duration(0.1) == 0.1           # 0.1 s is not rounded up by float noise


def test_cost_per_request_by_hand():
    """512 MB for 1 s: 0.2e-6 + 0.5 × 1 × 0.0000166667 USD."""
    assert cost_per_request(1.0, 0.5, SHEET) == pytest.approx(2e-7 + 0.5 * 0.0000166667, rel=1e-12)


def test_the_price_pages_worked_example_without_free_tier():
    """AWS's example: 3M requests of 1 s at 512 MB = 1.5M GB-s; without the free tier 1.5M × price + 3 × $0.20."""
    rate = 3e6 / (HOURS_PER_MONTH * 3600)
    assert faas_monthly_cost(rate, 1.0, 0.5, SHEET) == pytest.approx(1.5e6 * 0.0000166667 + 0.6, rel=1e-9)


def test_break_even_makes_both_bills_equal():
    rate = break_even_rate(0.2, 1.0, 0.05, SHEET, servers=3)
    assert faas_monthly_cost(rate, 0.2, 1.0, SHEET) == pytest.approx(always_on_monthly_cost(0.05, 3), rel=1e-12)
    assert faas_monthly_cost(rate * 0.99, 0.2, 1.0, SHEET) < always_on_monthly_cost(0.05, 3)


def test_break_even_with_capacity_is_the_first_step_or_never():
    assert break_even_with_capacity(0.1, 0.5, 0.10, 100, SHEET) == pytest.approx(
        break_even_rate(0.1, 0.5, 0.10, SHEET), rel=1e-12)
    assert break_even_with_capacity(0.1, 0.5, 0.10, 20, SHEET) == math.inf
    # brute force over a fine grid: the first rate where the function costs at least the servers
    grid = [r / 100 for r in range(1, 20_000)]
    first = next(r for r in grid if faas_monthly_cost(r, 0.1, 0.5, SHEET)
                 >= servers_needed(r, 100) * always_on_monthly_cost(0.10))
    assert first == pytest.approx(break_even_with_capacity(0.1, 0.5, 0.10, 100, SHEET), abs=0.011)


def test_provisioned_concurrency_bill_by_hand():
    # 2 environments × 1 GB × 730 h × 3600 s × 4e-6 + 5/s × 2,628,000 s × (2e-7 + 0.2 × 1e-5)
    standing = 2 * 1.0 * HOURS_PER_MONTH * 3600 * 4e-6
    used = 5 * HOURS_PER_MONTH * 3600 * (2e-7 + 0.2 * 1e-5)
    assert provisioned_monthly_cost(2, 1.0, 5, 0.2, 4e-6, 1e-5, 2e-7) == pytest.approx(standing + used, rel=1e-12)


def test_concurrency_limit_and_time_limit():
    assert concurrency_needed(4000, 0.25) == 1000.0
    assert throttled_share(4000, 0.25) == 0.0
    assert throttled_share(5000, 0.25) == pytest.approx(0.2, rel=1e-12)
    assert invocations_for_job(720) == 1 and invocations_for_job(721) == 2
    assert invocations_for_job(900, margin=1.0) == 1


@pytest.mark.parametrize("call, word", [
    (lambda: cost_per_request(0.1, 0, SHEET), "memory_gb"),
    (lambda: cost_per_request(0.1, 20, SHEET), "memory_gb"),
    (lambda: cost_per_request(-1, 1, SHEET), "duration_s"),
    (lambda: faas_monthly_cost(-1, 0.1, 1, SHEET), "rate_per_s"),
    (lambda: always_on_monthly_cost(0.1, servers=0), "servers"),
    (lambda: always_on_monthly_cost(float("nan")), "server_price_per_hour"),
    (lambda: servers_needed(10, 0), "server_capacity_per_s"),
    (lambda: invocations_for_job(10, margin=0), "margin"),
    (lambda: provisioned_monthly_cost(-1, 1, 1, 0.1, 1e-6, 1e-6, 1e-7), "provisioned"),
])
def test_bad_input_is_refused_by_name(call, word):
    with pytest.raises(ValueError, match=word):
        call()
