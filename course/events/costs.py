"""When event sourcing pays: its extra cost in money and effort against the history it answers.

An event-sourced system keeps every change as an event and derives the current state from
them; a CRUD system keeps only the current state. Keeping the log is like keeping every
receipt instead of only your bank balance: it costs a drawer (storage, cheap) and the habit
of filing (engineering: upcasters for schema changes, projections to rebuild, snapshots,
a second way of thinking — expensive). It pays back every time someone asks a question
that only history can answer:

- an **audit** ("who changed this limit, and what did the account look like before?");
- a **temporal query** ("what was the balance on 31 March at 17:00?");
- a **replay** (rebuild a projection after a bug, or feed a new read model from day one).

Without the log each of those is a forensic project (backups, application logs, database
binlogs pieced together by hand); with it, a query or a re-run. The model counts both sides
over a horizon of ``years``:

- storage: ``writes_per_day`` events of ``event_bytes`` bytes, kept on ``replicas`` copies,
  accumulate linearly; the log holds g·m GB at the end of month m (g GB added per month of
  365/12 days) and is billed per GB-month, so M months cost price · g · M(M + 1)/2;
- engineering: ``build_hours`` once plus ``upkeep_hours_per_year``, at ``hour_cost``;
- benefit: per year, the engineer hours each history need saves (hours without the log
  minus hours with it), times how often it arises, at ``hour_cost``.

Money in one currency per unit stated (dollars in the examples), effort in engineer hours,
storage in GB (10⁹ bytes). Expected values with illustrative inputs: replace them with your
own, and read the sensitivity before the verdict.

>>> ledger = EventSourcingCase(writes_per_day=2_000_000, event_bytes=500, replicas=3,
...     storage_price_per_gb_month=0.023, build_hours=480, upkeep_hours_per_year=160,
...     hour_cost=100, audits_per_year=4, hours_saved_per_audit=80,
...     temporal_queries_per_year=50, hours_saved_per_temporal_query=6,
...     replays_per_year=2, hours_saved_per_replay=120, years=3)
>>> round(ledger.storage_cost, 2), ledger.engineering_cost, ledger.benefit
(1397.77, 96000.0, 258000.0)
>>> round(ledger.net_value, 2), round(ledger.break_even_multiplier, 4)
(160602.23, 0.3775)

Taught in: Ep14 · 3-strategy.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass

from course.validation import (
    require_finite_result,
    require_int,
    require_non_negative,
    require_positive,
)

__all__ = ["EventSourcingCase", "DAYS_PER_MONTH", "event_sourcing_net_value"]

#: Days in an average month (365/12): storage is billed per GB-month.
DAYS_PER_MONTH = 365.0 / 12.0
_BYTES_PER_GB = 1e9


@dataclass(frozen=True)
class EventSourcingCase:
    """The extra cost and the benefit of event sourcing over CRUD for one system, over ``years``.

    Parameters (all ≥ 0 unless stated): ``writes_per_day`` (events/day), ``event_bytes``
    (bytes per stored event, > 0), ``replicas`` (copies kept, whole number ≥ 1),
    ``storage_price_per_gb_month`` ($/GB-month), ``build_hours`` (extra engineer hours to build
    it event-sourced), ``upkeep_hours_per_year`` (extra hours a year: upcasters, projections,
    snapshots, replays tooling), ``hour_cost`` ($ per engineer hour), and per history need its
    yearly count and the hours one occurrence saves: audits, temporal queries, replays;
    ``years`` (whole number ≥ 1).

    >>> crud_is_enough = EventSourcingCase(1_000, 300, 3, 0.023, build_hours=200,
    ...     upkeep_hours_per_year=80, hour_cost=100, audits_per_year=0, hours_saved_per_audit=0,
    ...     temporal_queries_per_year=0, hours_saved_per_temporal_query=0,
    ...     replays_per_year=0, hours_saved_per_replay=0, years=2)
    >>> round(crud_is_enough.net_value, 2), crud_is_enough.break_even_multiplier
    (-36000.19, inf)
    """

    writes_per_day: float
    event_bytes: float
    replicas: int
    storage_price_per_gb_month: float
    build_hours: float
    upkeep_hours_per_year: float
    hour_cost: float
    audits_per_year: float
    hours_saved_per_audit: float
    temporal_queries_per_year: float
    hours_saved_per_temporal_query: float
    replays_per_year: float
    hours_saved_per_replay: float
    years: int = 3

    def __post_init__(self):
        require_positive("event_bytes", self.event_bytes)
        require_int("replicas", self.replicas, minimum=1, maximum=100)
        require_int("years", self.years, minimum=1, maximum=100)
        for name in ("writes_per_day", "storage_price_per_gb_month", "build_hours", "upkeep_hours_per_year",
                     "hour_cost", "audits_per_year", "hours_saved_per_audit", "temporal_queries_per_year",
                     "hours_saved_per_temporal_query", "replays_per_year", "hours_saved_per_replay"):
            require_non_negative(name, getattr(self, name))
        # inputs fine one by one can still overflow together (1e308 writes a day of 1e308 bytes)
        require_finite_result([self.cost, self.benefit], "writes_per_day", "event_bytes",
                              "storage_price_per_gb_month", "hour_cost", "build_hours",
                              "upkeep_hours_per_year", "hours_saved_per_*")

    @property
    def months(self) -> int:
        """The horizon in months (12 × years)."""
        return 12 * self.years

    @property
    def gb_added_per_month(self) -> float:
        """GB the log grows by each month, all replicas counted."""
        return self.writes_per_day * DAYS_PER_MONTH * self.event_bytes * self.replicas / _BYTES_PER_GB

    @property
    def stored_gb(self) -> float:
        """GB held at the end of the horizon (nothing is ever deleted from the log)."""
        return self.gb_added_per_month * self.months

    @property
    def storage_cost(self) -> float:
        """$ for keeping the log: month m bills g·m GB, so the horizon costs price · g · M(M+1)/2."""
        months = self.months
        return self.storage_price_per_gb_month * self.gb_added_per_month * months * (months + 1) / 2

    @property
    def engineering_hours(self) -> float:
        """Extra engineer hours over the horizon: the build plus the yearly upkeep."""
        return float(self.build_hours + self.upkeep_hours_per_year * self.years)

    @property
    def engineering_cost(self) -> float:
        """$ of :attr:`engineering_hours` at ``hour_cost``."""
        return self.engineering_hours * self.hour_cost

    @property
    def cost(self) -> float:
        """Total extra $ of the event-sourced design: storage + engineering."""
        return self.storage_cost + self.engineering_cost

    @property
    def hours_saved(self) -> float:
        """Engineer hours the log saves over the horizon (audits + temporal queries + replays)."""
        per_year = (self.audits_per_year * self.hours_saved_per_audit
                    + self.temporal_queries_per_year * self.hours_saved_per_temporal_query
                    + self.replays_per_year * self.hours_saved_per_replay)
        return float(per_year * self.years)

    @property
    def benefit(self) -> float:
        """$ of :attr:`hours_saved` at ``hour_cost``."""
        return self.hours_saved * self.hour_cost

    @property
    def net_value(self) -> float:
        """$ benefit − cost over the horizon: above 0, event sourcing pays."""
        return self.benefit - self.cost

    @property
    def effort_balance_hours(self) -> float:
        """Engineer hours saved − hours spent (effort alone, storage left out)."""
        return self.hours_saved - self.engineering_hours

    @property
    def break_even_multiplier(self) -> float:
        """By how much every history need's yearly count must be scaled for net value 0.

        Below 1: the needs could shrink by that factor and event sourcing would still pay.
        Infinite when there is no history need at all (nothing to scale).
        """
        return self.cost / self.benefit if self.benefit > 0 else math.inf

    def summary(self) -> dict:
        """The inputs and every derived quantity, as one flat dict (a row of a table)."""
        return {**asdict(self), "stored_gb": self.stored_gb, "storage_cost": self.storage_cost,
                "engineering_hours": self.engineering_hours, "engineering_cost": self.engineering_cost,
                "cost": self.cost, "hours_saved": self.hours_saved, "benefit": self.benefit,
                "net_value": self.net_value, "break_even_multiplier": self.break_even_multiplier}


def event_sourcing_net_value(**inputs) -> float:
    """:attr:`EventSourcingCase.net_value` from keyword inputs (the shape a sensitivity sweep wants).

    >>> event_sourcing_net_value(writes_per_day=0, event_bytes=1, replicas=1,
    ...     storage_price_per_gb_month=0, build_hours=10, upkeep_hours_per_year=0, hour_cost=100,
    ...     audits_per_year=1, hours_saved_per_audit=20, temporal_queries_per_year=0,
    ...     hours_saved_per_temporal_query=0, replays_per_year=0, hours_saved_per_replay=0, years=1)
    1000.0
    """
    fields = {field.name: field for field in dataclasses.fields(EventSourcingCase)}
    unknown = sorted(set(inputs) - set(fields))
    missing = [name for name, field in fields.items()
               if name not in inputs and field.default is dataclasses.MISSING]
    if unknown or missing:
        raise ValueError(f"inputs must name each of {', '.join(fields)} (years may be left out); "
                         f"unknown: {unknown or 'none'}, missing: {missing or 'none'}")
    return EventSourcingCase(**inputs).net_value
