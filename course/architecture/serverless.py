"""Serverless functions in money and in limits: cost per invocation against an always-on server.

A function is billed per request and per GB-second of duration (memory × time, rounded up to the
millisecond); a server is billed per hour whether it works or not. So the function's bill grows
with the request rate and the server's does not: the *break-even rate* is the request rate at
which both cost the same. Like a taxi against a leased car: the taxi wins until you drive enough.

Concurrency follows Little's law (concurrent executions = rate × duration), and the provider's
concurrency limit caps the throughput at limit / duration; one invocation cannot outlive the
execution time limit, so a longer job must be cut into pieces.

>>> from course.architecture.prices import LAMBDA_X86_US_EAST_1 as sheet
>>> round(cost_per_request(0.100, 0.5, sheet) * 1e6, 4)   # micro-dollars for 100 ms at 512 MB
1.0333
>>> round(break_even_rate(0.100, 0.5, server_price_per_hour=0.10, sheet=sheet), 2)
26.88

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

import math

from course.architecture.prices import LAMBDA_LIMITS, FunctionLimits, FunctionPriceSheet

#: Hours in the month the providers bill by (365 × 24 / 12).
HOURS_PER_MONTH = 730.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0


def _positive(name: str, value: float, upper: float | None = None) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    if upper is not None and value > upper:
        raise ValueError(f"{name} must be <= {upper:g}; got {value:g}")
    return float(value)


def billed_duration(duration_s: float) -> float:
    """The duration billed (s): rounded up to the next whole millisecond.

    >>> billed_duration(0.0421)
    0.043
    """
    _positive("duration_s", duration_s)
    return math.ceil(round(duration_s * 1000, 9)) / 1000


def cost_per_request(duration_s: float, memory_gb: float, sheet: FunctionPriceSheet) -> float:
    """USD for one invocation: the request price plus memory (GB) × billed duration (s) × GB-second price.

    >>> from course.architecture.prices import LAMBDA_X86_US_EAST_1 as sheet
    >>> round(cost_per_request(1.0, 1.0, sheet) * 1e6, 4)
    16.8667
    """
    _positive("memory_gb", memory_gb, upper=10.24)
    return sheet.request_price + memory_gb * billed_duration(duration_s) * sheet.gb_second_price


def faas_monthly_cost(rate_per_s: float, duration_s: float, memory_gb: float, sheet: FunctionPriceSheet) -> float:
    """USD a month for ``rate_per_s`` requests per second, every one billed (no free tier).

    >>> from course.architecture.prices import LAMBDA_X86_US_EAST_1 as sheet
    >>> round(faas_monthly_cost(10, 0.1, 0.5, sheet), 2)
    27.16
    """
    if not (math.isfinite(rate_per_s) and rate_per_s >= 0):
        raise ValueError(f"rate_per_s must be a finite number >= 0; got {rate_per_s!r}")
    return rate_per_s * SECONDS_PER_MONTH * cost_per_request(duration_s, memory_gb, sheet)


def always_on_monthly_cost(server_price_per_hour: float, servers: int = 1) -> float:
    """USD a month for ``servers`` always-on servers at ``server_price_per_hour`` each.

    >>> always_on_monthly_cost(0.10, servers=2)
    146.0
    """
    _positive("server_price_per_hour", server_price_per_hour)
    if not (isinstance(servers, int) and servers >= 1):
        raise ValueError(f"servers must be an integer >= 1; got {servers!r}")
    return servers * server_price_per_hour * HOURS_PER_MONTH


def break_even_rate(duration_s: float, memory_gb: float, server_price_per_hour: float,
                    sheet: FunctionPriceSheet, servers: int = 1) -> float:
    """Requests per second at which the function's bill equals ``servers`` always-on servers'.

    Below it the function is cheaper; above it the servers are (if they can carry the load:
    see :func:`servers_needed`). Derivation: rate × 3600 × cost_per_request = servers × price.

    >>> from course.architecture.prices import LAMBDA_X86_US_EAST_1 as sheet
    >>> round(break_even_rate(0.1, 0.5, 0.10, sheet, servers=2), 2)
    53.76
    """
    hourly = always_on_monthly_cost(server_price_per_hour, servers) / HOURS_PER_MONTH
    return hourly / 3600.0 / cost_per_request(duration_s, memory_gb, sheet)


def servers_needed(rate_per_s: float, server_capacity_per_s: float) -> int:
    """Always-on servers to carry ``rate_per_s`` when one serves ``server_capacity_per_s`` (at least 1).

    >>> servers_needed(250, 100)
    3
    """
    _positive("server_capacity_per_s", server_capacity_per_s)
    if not (math.isfinite(rate_per_s) and rate_per_s >= 0):
        raise ValueError(f"rate_per_s must be a finite number >= 0; got {rate_per_s!r}")
    return max(1, math.ceil(rate_per_s / server_capacity_per_s - 1e-12))


def provisioned_monthly_cost(provisioned: int, memory_gb: float, rate_per_s: float, duration_s: float,
                             provisioned_gb_second_price: float, duration_gb_second_price: float,
                             request_price: float) -> float:
    """USD a month with ``provisioned`` always-warm environments, all traffic fitting inside them.

    Provisioned concurrency is billed for every second it is configured (memory × environments ×
    price), plus requests and a lower duration price while it runs. The prices are arguments:
    pass them from the provider's page with its date.

    >>> round(provisioned_monthly_cost(2, 1.0, 5, 0.2, 4e-6, 1e-5, 2e-7), 2)
    49.93
    """
    if not (isinstance(provisioned, int) and provisioned >= 0):
        raise ValueError(f"provisioned must be an integer >= 0; got {provisioned!r}")
    for name, value in (("provisioned_gb_second_price", provisioned_gb_second_price),
                        ("duration_gb_second_price", duration_gb_second_price), ("request_price", request_price)):
        _positive(name, value)
    _positive("memory_gb", memory_gb, upper=10.24)
    standing = provisioned * memory_gb * SECONDS_PER_MONTH * provisioned_gb_second_price
    used = rate_per_s * SECONDS_PER_MONTH * (request_price
                                             + memory_gb * billed_duration(duration_s) * duration_gb_second_price)
    return standing + used


def concurrency_needed(rate_per_s: float, duration_s: float) -> float:
    """Mean concurrent executions by Little's law: rate (1/s) × duration (s).

    >>> concurrency_needed(2000, 0.25)
    500.0
    """
    _positive("duration_s", duration_s)
    if not (math.isfinite(rate_per_s) and rate_per_s >= 0):
        raise ValueError(f"rate_per_s must be a finite number >= 0; got {rate_per_s!r}")
    return rate_per_s * duration_s


def throttled_share(rate_per_s: float, duration_s: float, limits: FunctionLimits = LAMBDA_LIMITS) -> float:
    """Share of requests refused when the mean concurrency exceeds the limit (a fluid bound, 0 … 1).

    The limit caps throughput at limit / duration requests per second; the rest is throttled.

    >>> throttled_share(8000, 0.25)
    0.5
    """
    need = concurrency_needed(rate_per_s, duration_s)
    return 0.0 if need <= limits.concurrent_executions else 1.0 - limits.concurrent_executions / need


def invocations_for_job(job_s: float, limits: FunctionLimits = LAMBDA_LIMITS, margin: float = 0.8) -> int:
    """Pieces a job of ``job_s`` seconds must be cut into so each ends within ``margin`` × the time limit.

    >>> invocations_for_job(3600)      # one hour of work, 12-minute pieces under a 15-minute limit
    5
    """
    _positive("job_s", job_s)
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be in (0, 1]; got {margin!r}")
    return math.ceil(job_s / (margin * limits.timeout_s) - 1e-12)


def break_even_with_capacity(duration_s: float, memory_gb: float, server_price_per_hour: float,
                             server_capacity_per_s: float, sheet: FunctionPriceSheet) -> float:
    """The lowest request rate (1/s) at which the function costs as much as enough servers to carry it.

    The servers' bill is a staircase (one more server per ``server_capacity_per_s``), the
    function's a straight line through zero, so they meet on the first step or never. If a fully used server costs more per request than the
    function, the line never reaches the staircase: the answer is ``math.inf`` (the function is
    always cheaper, on price alone).

    >>> from course.architecture.prices import LAMBDA_X86_US_EAST_1 as sheet
    >>> round(break_even_with_capacity(0.1, 0.5, 0.10, 100, sheet), 2)
    26.88
    >>> break_even_with_capacity(0.1, 0.5, 0.10, 20, sheet)
    inf
    """
    _positive("server_capacity_per_s", server_capacity_per_s)
    per_request = cost_per_request(duration_s, memory_gb, sheet)
    hourly = always_on_monthly_cost(server_price_per_hour) / HOURS_PER_MONTH
    line = per_request * 3600.0                     # function USD per hour per (request/s)
    if line * server_capacity_per_s < hourly:
        return math.inf
    # the line is above step k at k x capacity for every k once it is above step 1 at 1 x capacity,
    # so it first meets the staircase on the first step
    return hourly / line
