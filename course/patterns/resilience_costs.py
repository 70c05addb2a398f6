"""Cost of downtime against cost of resilience: is a breaker-bulkhead-fallback stack worth it?

Insurance is worth buying when the premium is less than the losses it is expected to
cover. Resilience patterns are the same bet: they cost engineering time up front and some
running cost every year; they pay back by turning incidents that would take the whole
service down (a cascade) into incidents where it degrades (a fallback page, fewer
recommendations) and loses a smaller share of revenue.

Per year, with incidents at rate ``incidents_per_year`` lasting ``hours_per_incident``:

- expected loss = incidents × hours × revenue per hour × share of revenue lost;
- annual cost = build cost / amortisation years + running cost per year;
- benefit = loss without − loss with the patterns; net benefit = benefit − annual cost;
- break-even incident rate = annual cost / (hours × revenue per hour × (share without −
  share with)): above it the patterns pay for themselves.

Money in one currency (dollars in the examples), time in hours and years. These are
expected values: one bad year can cost far more, which is an argument the averages leave
out (see the notebook).

>>> plan = ResilienceInvestment(revenue_per_hour=50_000, incidents_per_year=6,
...                             hours_per_incident=1.5, loss_share_unprotected=0.9,
...                             loss_share_protected=0.15, build_cost=120_000,
...                             run_cost_per_year=20_000)
>>> plan.expected_loss_unprotected, plan.expected_loss_protected, plan.annual_cost
(405000.0, 67500.0, 60000.0)
>>> plan.net_benefit, round(plan.break_even_incidents_per_year, 3)
(277500.0, 1.067)

Taught in: Ep13 · 3-strategy (the calculator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from course.validation import require_non_negative, require_positive, require_probability

__all__ = ["ResilienceInvestment"]


@dataclass(frozen=True)
class ResilienceInvestment:
    """Expected yearly losses from incidents with and without resilience patterns, and their cost."""

    revenue_per_hour: float
    incidents_per_year: float
    hours_per_incident: float
    loss_share_unprotected: float
    loss_share_protected: float
    build_cost: float
    run_cost_per_year: float
    amortisation_years: float = 3.0

    def __post_init__(self):
        require_non_negative("revenue_per_hour", self.revenue_per_hour)
        require_non_negative("incidents_per_year", self.incidents_per_year)
        require_non_negative("hours_per_incident", self.hours_per_incident)
        unprotected = require_probability("loss_share_unprotected", self.loss_share_unprotected)
        protected = require_probability("loss_share_protected", self.loss_share_protected)
        if protected > unprotected:
            raise ValueError(
                f"loss_share_protected ({protected:g}) must not exceed loss_share_unprotected "
                f"({unprotected:g}): patterns that lose more than none are not a resilience plan"
            )
        require_non_negative("build_cost", self.build_cost)
        require_non_negative("run_cost_per_year", self.run_cost_per_year)
        require_positive("amortisation_years", self.amortisation_years)

    @property
    def incident_hours_per_year(self) -> float:
        return self.incidents_per_year * self.hours_per_incident

    @property
    def expected_loss_unprotected(self) -> float:
        """Revenue lost per year to incidents without the patterns."""
        return self.incident_hours_per_year * self.revenue_per_hour * self.loss_share_unprotected

    @property
    def expected_loss_protected(self) -> float:
        """Revenue lost per year to the same incidents with the patterns (degraded service)."""
        return self.incident_hours_per_year * self.revenue_per_hour * self.loss_share_protected

    @property
    def annual_cost(self) -> float:
        """Amortised build cost plus running cost, per year."""
        return self.build_cost / self.amortisation_years + self.run_cost_per_year

    @property
    def annual_benefit(self) -> float:
        return self.expected_loss_unprotected - self.expected_loss_protected

    @property
    def net_benefit(self) -> float:
        return self.annual_benefit - self.annual_cost

    @property
    def return_on_investment(self) -> float:
        """Net benefit per dollar of annual cost; raises ValueError if the cost is zero."""
        if self.annual_cost == 0:
            raise ValueError("annual cost is 0: return on investment is undefined (anything free pays)")
        return self.net_benefit / self.annual_cost

    @property
    def break_even_incidents_per_year(self) -> float:
        """Incidents per year at which the benefit equals the annual cost."""
        saved_per_incident = (self.hours_per_incident * self.revenue_per_hour
                              * (self.loss_share_unprotected - self.loss_share_protected))
        if saved_per_incident == 0:
            raise ValueError("the patterns save nothing per incident (equal loss shares, or zero "
                             "revenue or duration): there is no break-even incident rate")
        return self.annual_cost / saved_per_incident

    @property
    def payback_years(self) -> float:
        """Years until the build cost is recovered by (benefit − running cost); ValueError if never."""
        yearly = self.annual_benefit - self.run_cost_per_year
        if yearly <= 0:
            raise ValueError("the yearly benefit does not exceed the running cost: the build cost is never paid back")
        return self.build_cost / yearly if self.build_cost else 0.0

    def with_incidents(self, incidents_per_year: float) -> ResilienceInvestment:
        """The same plan at another incident rate (for a sweep)."""
        return ResilienceInvestment(
            self.revenue_per_hour, incidents_per_year, self.hours_per_incident,
            self.loss_share_unprotected, self.loss_share_protected, self.build_cost,
            self.run_cost_per_year, self.amortisation_years,
        )

    def summary(self) -> dict[str, float]:
        """The calculator's numbers in one dict (payback as NaN when never)."""
        try:
            payback = self.payback_years
        except ValueError:
            payback = math.nan
        return {
            "expected_loss_unprotected": self.expected_loss_unprotected,
            "expected_loss_protected": self.expected_loss_protected,
            "annual_cost": self.annual_cost,
            "annual_benefit": self.annual_benefit,
            "net_benefit": self.net_benefit,
            "payback_years": payback,
        }
