"""Dated, labelled price sheets and documented limits for the serverless cost models.

Every number here carries the page it was read from and the date it was read: cloud prices
change, and a break-even computed from an undated price is not a fact. Prices that the course
could not read from the provider's own page are not in this module; the notebooks pass them as
labelled assumptions instead.

>>> LAMBDA_X86_US_EAST_1.request_price * 1_000_000
0.2
>>> LAMBDA_LIMITS.timeout_s / 60
15.0

Taught in: Ep19 · 1-foundations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionPriceSheet:
    """A function service's on-demand prices: per request (USD) and per GB-second of duration (USD)."""

    name: str
    request_price: float
    gb_second_price: float
    source: str
    read_on: str
    note: str = ""


@dataclass(frozen=True)
class FunctionLimits:
    """Documented limits: the longest invocation (s), default concurrent executions per region, memory (MB)."""

    timeout_s: float
    concurrent_executions: int
    max_memory_mb: int
    source: str
    read_on: str


LAMBDA_X86_US_EAST_1 = FunctionPriceSheet(
    name="AWS Lambda, x86, US East (N. Virginia), first duration tier",
    request_price=0.20 / 1_000_000,
    gb_second_price=0.0000166667,
    source="AWS, 'AWS Lambda Pricing', https://aws.amazon.com/lambda/pricing/ ($0.20 per 1M requests; "
           "$0.0000166667 per GB-second for the first 6 billion GB-seconds a month; the page's worked "
           "example rounds it to $0.00001667)",
    read_on="2026-12-05",
    note="free tier (1M requests and 400,000 GB-seconds a month) left out: it is per account, not per function",
)

LAMBDA_LIMITS = FunctionLimits(
    timeout_s=900.0,
    concurrent_executions=1000,
    max_memory_mb=10_240,
    source="AWS Lambda Developer Guide, 'Configure Lambda function timeout' (maximum 900 seconds) and "
           "'Lambda quotas' (1,000 concurrent executions per Region by default; 10,240 MB), "
           "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    read_on="2026-12-05",
)
