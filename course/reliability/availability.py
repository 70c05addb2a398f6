"""Availability arithmetic: compositions, nines, downtime, error budgets, MTTF/MTTR.

An availability is the long-run fraction of time (or of requests) that a service works,
a probability in [0, 1]. Two lamps wired one after the other (series) light the room only
if both work; two lamps on separate switches (parallel) light it if either works.

Vocabulary and units:

- ``availability`` — A, a probability in [0, 1] (0.999 is "three nines");
- ``slo`` — the availability objective, a probability in [0, 1);
- ``period`` and other durations — ``datetime.timedelta``;
- ``mttf``, ``mttr``, ``mtbf`` — mean time to failure, to repair, between failures, in any
  one time unit (all three in the same unit).

One convention throughout: A = MTTF / (MTTF + MTTR) and MTBF = MTTF + MTTR (some pages put
MTBF in the numerator; with MTTR much smaller than MTBF the difference is tiny but real).

Independence is an assumption: ``correlated_parallel`` shows how a small common-mode
fraction erodes the nines that redundancy promises.

>>> round(series([0.999] * 5), 4)
0.995
>>> round(k_of_n(3, 5, 0.95), 5)
0.99884
>>> downtime(0.999)
datetime.timedelta(seconds=31536)

Taught in: Ep52 · 1-foundations (and the episode's later notebooks).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import numpy as np
from scipy import stats

from course.intervals import Interval
from course.validation import (
    require_array,
    require_finite_result,
    require_int,
    require_non_negative,
    require_open_unit,
    require_positive,
    require_probability,
    require_rng,
)

__all__ = [
    "series", "parallel", "k_of_n", "k_of_n_heterogeneous",
    "Component", "Series", "Parallel", "KofN",
    "downtime", "nines", "availability_from_downtime",
    "error_budget_requests", "burn_rate", "budget_consumed", "time_to_exhaustion",
    "incidents_within_budget", "dependency_target",
    "correlated_mix", "correlated_parallel", "simulate_correlated_parallel", "MonteCarloEstimate",
    "availability_from_mttf", "availability_from_mtbf", "mtbf", "mttr_for_availability",
]

YEAR = timedelta(days=365)
MONTH = timedelta(days=30)


def _unavailability(availability: float) -> float:
    """1 − A, computed from the decimal the caller wrote.

    0.9999 has no exact binary form, so ``1 - 0.9999`` is 9.999999999998899e-05 and a
    2.5 M-request budget comes out as 249.99999999997 instead of 250. SLOs are written in
    decimal, so subtract in decimal.
    """
    return float(Decimal(1) - Decimal(repr(float(availability))))


def _probabilities(name: str, values) -> np.ndarray:
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a sequence of probabilities in [0, 1]")
    array = require_array(name, values)
    if np.any((array < 0) | (array > 1)):
        raise ValueError(f"{name} must contain only probabilities in [0, 1]")
    return array


def _duration(name: str, value) -> timedelta:
    if not isinstance(value, timedelta):
        raise ValueError(f"{name} must be a datetime.timedelta > 0; got {value!r}")
    if value <= timedelta(0):
        raise ValueError(f"{name} must be a datetime.timedelta > 0; got {value}")
    return value


def series(availabilities: Iterable[float]) -> float:
    """Availability of parts that must all work: A = ∏ Aᵢ.

    >>> round(series([0.999, 0.999, 0.999, 0.999, 0.999]), 6)   # 0.999⁵ ≈ 99.50 %
    0.99501

    Taught in: Ep52 · 1-foundations.
    """
    return float(np.prod(_probabilities("availabilities", availabilities)))


def parallel(availabilities: Iterable[float]) -> float:
    """Availability of redundant parts where any one suffices: A = 1 − ∏ (1 − Aᵢ).

    >>> round(parallel([0.99, 0.99]), 6)    # two 2-nines replicas -> four nines
    0.9999

    Taught in: Ep52 · 1-foundations.
    """
    values = _probabilities("availabilities", availabilities)
    return float(1.0 - np.prod(1.0 - values))


def k_of_n(k: int, n: int, availability: float) -> float:
    """Availability when at least ``k`` of ``n`` identical, independent parts must work.

    Σ_{i=k..n} C(n, i) Aⁱ (1 − A)ⁿ⁻ⁱ, the binomial upper tail. A 3-of-5 quorum of
    95 % nodes is up 99.884 % of the time.

    >>> round(k_of_n(3, 5, 0.95), 6)
    0.998842

    Taught in: Ep52 · 1-foundations.
    """
    # scipy works in floating point, where whole numbers are exact only below 2⁵³ ≈ 9e15.
    n = require_int("n", n, minimum=1, maximum=10**15)
    k = require_int("k", k, minimum=1, maximum=n)
    availability = require_probability("availability", availability)
    return float(stats.binom.sf(k - 1, n, availability))


def _count_distribution(availabilities: np.ndarray, unavailabilities=None) -> np.ndarray:
    """P(exactly j parts up) for j = 0..n, by adding one part at a time (Poisson binomial).

    Pass the parts' unavailabilities when known: 1 − 0.99999999 loses digits that a tree
    of highly available parts needs.
    """
    down = 1 - availabilities if unavailabilities is None else unavailabilities
    counts = np.zeros(len(availabilities) + 1)
    counts[0] = 1.0
    for step, (a, d) in enumerate(zip(availabilities, down), start=1):
        counts[1 : step + 1] = counts[1 : step + 1] * d + counts[:step] * a
        counts[0] *= d
    return counts


def k_of_n_heterogeneous(k: int, availabilities: Iterable[float]) -> float:
    """Availability when at least ``k`` of parts with different availabilities must work.

    Exact: the distribution of the number of working parts is built one part at a time
    (O(n²)), with no enumeration of the 2ⁿ up/down patterns.

    >>> round(k_of_n_heterogeneous(2, [0.99, 0.95, 0.90]), 6)   # 2-of-3 regions
    0.9936

    Taught in: Ep52 · 1-foundations.
    """
    values = _probabilities("availabilities", availabilities)
    k = require_int("k", k, minimum=1, maximum=len(values))
    return float(min(1.0, _count_distribution(values)[k:].sum()))


# --- composition trees -----------------------------------------------------------------


class Block:
    """Common quantities of every node of an availability tree (use a subclass).

    Each block keeps its ``unavailability`` (1 − A) computed directly from its parts, so
    that four 99.99 % replicas in parallel show their 16 nines instead of rounding to 1.
    """

    name: str
    unavailability: float

    @property
    def availability(self) -> float:
        """A, the long-run fraction of time the block works."""
        return 1.0 - self.unavailability

    @property
    def nines(self) -> float:
        """−log₁₀(1 − A); ``inf`` for a block that never fails."""
        return math.inf if self.unavailability == 0 else -math.log10(self.unavailability)

    def downtime(self, period: timedelta = YEAR) -> timedelta:
        """Expected downtime over ``period`` (a timedelta, one year by default)."""
        return _duration("period", period) * self.unavailability

    def describe(self, indent: int = 0) -> str:
        """The tree as indented text: one line per block with its availability and nines."""
        indent = require_int("indent", indent, minimum=0, maximum=100)
        nines_text = "∞" if math.isinf(self.nines) else f"{self.nines:.2f}"
        hours = self.downtime().total_seconds() / 3600
        line = (
            f"{'  ' * indent}{self._label()}: {100 * self.availability:.6g} % "
            f"({nines_text} nines, {hours:.4g} h/yr down)"
        )
        children = [part.describe(indent + 1) for part in getattr(self, "parts", [])]
        return "\n".join([line, *children])

    def _label(self) -> str:
        kind = getattr(self, "kind", "")  # "series", "parallel", "2-of-3"; none for a leaf
        return f"{self.name} ({kind})" if kind else self.name


class Component(Block):
    """A leaf of an availability tree: one part with a known availability.

    >>> Component("database", 0.9995).availability
    0.9995

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, name: str, availability: float):
        self.name = _name(name)
        self._availability = require_probability("availability", availability)
        self.unavailability = _unavailability(self._availability)

    @property
    def availability(self) -> float:
        """The availability given, exactly as typed."""
        return self._availability

    def __repr__(self) -> str:
        return f"Component({self.name!r}, {self.availability!r})"


def _name(name) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string; got {name!r}")
    return name


def _blocks(parts) -> list[Block]:
    if isinstance(parts, str | bytes) or not isinstance(parts, Iterable):
        raise ValueError("parts must be a non-empty list of blocks or availabilities")
    blocks = []
    for index, part in enumerate(parts, start=1):
        if isinstance(part, Block):
            blocks.append(part)
        else:
            try:
                blocks.append(Component(f"part {index}", part))
            except ValueError:
                raise ValueError(
                    f"parts[{index - 1}] must be a block (Component, Series, Parallel, KofN) "
                    f"or an availability in [0, 1]; got {part!r}"
                ) from None
    if not blocks:
        raise ValueError("parts must be a non-empty list of blocks or availabilities")
    return blocks


class Series(Block):
    """Blocks that must all work (a request passes through each of them).

    >>> web = Series([Component("lb", 0.9999), Component("app", 0.999)], name="web")
    >>> round(web.availability, 7)
    0.9989001

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, parts, name: str = "series"):
        self.parts, self.kind = _blocks(parts), "series"
        self.name = _name(name)
        down = np.array([part.unavailability for part in self.parts])
        with np.errstate(divide="ignore"):
            self.unavailability = float(-np.expm1(np.sum(np.log1p(-down))))


class Parallel(Block):
    """Redundant blocks of which any one suffices.

    >>> round(Parallel([0.99, 0.99], name="replicas").availability, 6)
    0.9999

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, parts, name: str = "parallel"):
        self.parts, self.kind = _blocks(parts), "parallel"
        self.name = _name(name)
        self.unavailability = float(np.prod([part.unavailability for part in self.parts]))


class KofN(Block):
    """Blocks of which at least ``k`` must work (a quorum, or capacity spread over n).

    >>> round(KofN(3, [0.95] * 5, name="raft").availability, 6)
    0.998842

    Taught in: Ep52 · 1-foundations.
    """

    def __init__(self, k: int, parts, name: str = "k-of-n"):
        self.parts = _blocks(parts)
        self.k = require_int("k", k, minimum=1, maximum=len(self.parts))
        self.kind = f"{self.k}-of-{len(self.parts)}"
        self.name = _name(name)
        counts = _count_distribution(
            np.array([p.availability for p in self.parts]),
            np.array([p.unavailability for p in self.parts]),
        )
        self.unavailability = float(min(1.0, counts[: self.k].sum()))


# --- nines, downtime, error budgets ----------------------------------------------------


def downtime(availability: float, period: timedelta = YEAR) -> timedelta:
    """Expected downtime over ``period`` (a timedelta; 365 days by default).

    99.9 % is 525.6 min (8.76 h) a year; 99.999 % is 5.26 min a year, 26 s a 30-day month.

    >>> downtime(0.9999) / timedelta(minutes=1)
    52.56
    >>> downtime(0.99, timedelta(days=30)) / timedelta(minutes=1)
    432.0

    Taught in: Ep52 · 1-foundations.
    """
    availability = require_probability("availability", availability)
    return _duration("period", period) * _unavailability(availability)


def availability_from_downtime(allowed_downtime: timedelta, period: timedelta = YEAR) -> float:
    """The availability that allows ``allowed_downtime`` over ``period``.

    >>> availability_from_downtime(timedelta(hours=8.76))
    0.999

    Planned for Ep52 · 1-foundations.
    """
    period = _duration("period", period)
    if not isinstance(allowed_downtime, timedelta) or allowed_downtime < timedelta(0):
        raise ValueError(f"allowed_downtime must be a timedelta >= 0; got {allowed_downtime!r}")
    if allowed_downtime > period:
        raise ValueError("allowed_downtime must not exceed period")
    return 1.0 - allowed_downtime / period


def nines(availability: float) -> float:
    """Number of nines, −log₁₀(1 − A): 0.999 -> 3.0, 0.9995 -> 3.3.

    Returns ``math.inf`` for A = 1 (a block that never fails has infinitely many nines).

    >>> nines(0.999), round(nines(0.9995), 2)
    (3.0, 3.3)

    Taught in: Ep52 · 1-foundations.
    """
    availability = require_probability("availability", availability)
    down = _unavailability(availability)
    return math.inf if down == 0 else -math.log10(down)


def _slo(slo: float) -> float:
    slo = require_probability("slo", slo)
    if slo == 1:
        raise ValueError("slo must be < 1: an objective of 100 % leaves no error budget")
    return slo


def error_budget_requests(slo: float, requests: float) -> float:
    """Failed requests the objective allows: (1 − SLO) × volume.

    >>> error_budget_requests(0.9999, 2_500_000)     # 2.5 M requests a day at 99.99 %
    250.0

    Taught in: Ep52 · 1-foundations.
    """
    slo = _slo(slo)
    return require_non_negative("requests", requests) * _unavailability(slo)


def burn_rate(error_ratio: float, slo: float) -> float:
    """How many times faster than sustainable the error budget is being spent.

    ``error_ratio`` is the observed fraction of bad requests (or of bad minutes). A burn
    rate of 1 spends exactly the budget over the SLO period; 14.4 spends a 30-day budget in
    50 hours.

    >>> round(burn_rate(0.0144, 0.999), 6)
    14.4

    Taught in: Ep52 · 1-foundations.
    """
    error_ratio = require_probability("error_ratio", error_ratio)
    return error_ratio / _unavailability(_slo(slo))


def budget_consumed(burn_rate: float, window: timedelta, period: timedelta = MONTH) -> float:
    """Fraction of the period's error budget spent by burning at ``burn_rate`` for ``window``.

    The classic fast-burn alert: a burn rate of 14.4 for one hour spends 2 % of a 30-day
    budget.

    >>> round(budget_consumed(14.4, timedelta(hours=1)), 6)
    0.02

    Taught in: Ep52 · 1-foundations.
    """
    rate = require_non_negative("burn_rate", burn_rate)
    spent = rate * (_duration("window", window) / _duration("period", period))
    return require_finite_result(spent, "burn_rate", "window / period")


def time_to_exhaustion(burn_rate: float, period: timedelta = MONTH) -> timedelta:
    """How long a full budget lasts at ``burn_rate`` (> 0): period / burn rate.

    >>> time_to_exhaustion(14.4) / timedelta(hours=1)
    50.0

    Taught in: Ep52 · 1-foundations.
    """
    rate = require_positive("burn_rate", burn_rate)
    try:
        return _duration("period", period) / rate
    except OverflowError:  # timedelta holds at most 999,999,999 days
        raise ValueError(
            f"burn_rate must be large enough that period / burn_rate fits in a timedelta "
            f"(under 999,999,999 days); got {rate:g}"
        ) from None


def incidents_within_budget(
    slo: float, time_to_detect: timedelta, time_to_mitigate: timedelta, period: timedelta = MONTH
) -> float:
    """How many full outages fit in the period's budget, each lasting detect + mitigate.

    At 99.9 % over 30 days (43.2 min) with 5 min to detect and 25 min to mitigate, 1.44
    outages: one, and not two.

    >>> round(incidents_within_budget(0.999, timedelta(minutes=5), timedelta(minutes=25)), 6)
    1.44

    Taught in: Ep52 · 1-foundations.
    """
    budget = downtime(_slo(slo), period)
    detect = _duration("time_to_detect", time_to_detect)
    mitigate = _duration("time_to_mitigate", time_to_mitigate)
    return budget / (detect + mitigate)


def dependency_target(slo: float, dependencies: int) -> float:
    """Availability each of ``dependencies`` critical (series) dependencies must reach.

    A^(1/n): the precise form of the "one extra nine" rule. Ten dependencies under a 99.9 %
    service need 99.99 % each.

    >>> round(dependency_target(0.999, 10), 6)
    0.9999

    Taught in: Ep52 · 1-foundations.
    """
    slo = require_probability("slo", slo)
    dependencies = require_int("dependencies", dependencies, minimum=1)
    return slo ** (1.0 / dependencies)


# --- correlated failures ---------------------------------------------------------------


def correlated_mix(independent: float, common_mode: float, correlation: float) -> float:
    """(1 − c)·R_independent + c·R_single: a fraction c of the time the parts share one fate.

    >>> round(correlated_mix(0.999999, 0.999, 0.01), 8)
    0.99998901

    Taught in: Ep52 · 1-foundations (through correlated_parallel) and 3-strategy.
    """
    independent = require_probability("independent", independent)
    common_mode = require_probability("common_mode", common_mode)
    correlation = require_probability("correlation", correlation)
    return (1 - correlation) * independent + correlation * common_mode


def correlated_parallel(availability: float, replicas: int, correlation: float) -> float:
    """Availability of ``replicas`` parallel copies when a fraction ``correlation`` fails together.

    Three 99.9 % replicas promise nine nines if independent; with 1 % common-mode
    failures they deliver about five.

    >>> round(nines(correlated_parallel(0.999, 3, 0.01)), 2)
    5.0

    Taught in: Ep52 · 1-foundations.
    """
    availability = require_probability("availability", availability)
    replicas = require_int("replicas", replicas, minimum=1)
    independent = 1.0 - _unavailability(availability) ** replicas
    return correlated_mix(independent, availability, correlation)


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A simulated probability with its standard error (``mean ± 1.96·standard_error``)."""

    mean: float
    standard_error: float
    trials: int

    def interval(self, confidence: float = 0.95) -> Interval:
        """Normal-approximation confidence interval for the true value (estimate: ``mean``)."""
        z = stats.norm.ppf(0.5 + require_open_unit("confidence", confidence) / 2)
        half = z * self.standard_error
        return Interval(self.mean - half, self.mean + half, estimate=self.mean)


def simulate_correlated_parallel(
    availability: float, replicas: int, correlation: float, trials: int = 100_000, seed=0
) -> MonteCarloEstimate:
    """Monte Carlo of ``correlated_parallel``: draw the up/down state of every replica.

    In each trial, with probability ``correlation`` all replicas share one draw (a common
    cause: a bad deploy, a region outage); otherwise each replica is drawn on its own.
    ``seed`` is an int or a numpy Generator.

    >>> estimate = simulate_correlated_parallel(0.9, 2, 0.3, trials=20_000, seed=1)
    >>> low, high = estimate.interval(0.999)
    >>> bool(low < correlated_parallel(0.9, 2, 0.3) < high)
    True

    Taught in: Ep52 · 1-foundations (the correlated-failure Monte Carlo widget).
    """
    availability = require_probability("availability", availability)
    # numpy draws the Binomial(replicas, A) count with a 64-bit n.
    replicas = require_int("replicas", replicas, minimum=1, maximum=10**15)
    correlation = require_probability("correlation", correlation)
    trials = require_int("trials", trials, minimum=2, maximum=10_000_000)
    rng = require_rng("seed", seed)
    shared = rng.random(trials) < correlation
    common_up = rng.random(trials) < availability
    # The number of independent replicas up is Binomial(replicas, A): drawing the count is
    # the same in distribution as drawing every replica, without a trials × replicas array.
    own_up = rng.binomial(replicas, availability, size=trials) > 0
    up = np.where(shared, common_up, own_up)
    mean = float(up.mean())
    return MonteCarloEstimate(mean, float(up.std(ddof=1) / math.sqrt(trials)), trials)


# --- MTTF, MTTR, MTBF ------------------------------------------------------------------


def availability_from_mttf(mttf: float, mttr: float) -> float:
    """Steady-state availability A = MTTF / (MTTF + MTTR), both in the same time unit.

    >>> availability_from_mttf(999, 1)
    0.999

    Planned for Ep52 · 1-foundations.
    """
    mttf = require_positive("mttf", mttf)
    mttr = require_non_negative("mttr", mttr)
    return mttf / (mttf + mttr)


def availability_from_mtbf(mtbf: float, mttr: float) -> float:
    """A = (MTBF − MTTR) / MTBF, since MTBF = MTTF + MTTR (same time unit, MTTR < MTBF).

    MTBF of 30 days with 30 / 15 / 5 minutes to repair gives 99.93 / 99.97 / 99.988 %.

    >>> [round(100 * availability_from_mtbf(30 * 24 * 60, m), 3) for m in (30, 15, 5)]
    [99.931, 99.965, 99.988]

    Taught in: Ep52 · 1-foundations.
    """
    mtbf = require_positive("mtbf", mtbf)
    mttr = require_non_negative("mttr", mttr)
    if mttr >= mtbf:
        raise ValueError(f"mttr must be < mtbf ({mtbf:g}); got {mttr:g}")
    return (mtbf - mttr) / mtbf


def mtbf(mttf: float, mttr: float) -> float:
    """Mean time between failures, MTBF = MTTF + MTTR (same time unit).

    >>> mtbf(719.5, 0.5)
    720.0

    Planned for Ep52 · 1-foundations.
    """
    total = require_positive("mttf", mttf) + require_non_negative("mttr", mttr)
    return require_finite_result(total, "mttf", "mttr")


def mttr_for_availability(availability: float, mtbf: float) -> float:
    """Longest mean repair time that still meets ``availability``: MTTR = (1 − A)·MTBF.

    With a failure every 30 days (43,200 min), four nines allows 4.32 min per repair.

    >>> round(mttr_for_availability(0.9999, 43_200), 6)
    4.32

    Taught in: Ep52 · 1-foundations.
    """
    availability = require_probability("availability", availability)
    return _unavailability(availability) * require_positive("mtbf", mtbf)
