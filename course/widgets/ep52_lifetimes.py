"""Episode 52 explorers: a Weibull fit with and without censoring, correlated failures by Monte Carlo.

:class:`WeibullExplorer` fits Nelson's 70 diesel-generator fans (12 failed, 58 still
running) by maximum likelihood twice — with the running fans as right-censored ages, and
with the failures only — next to the Kaplan–Meier estimate. Ending the study earlier turns
more fans into survivors; the failures-only fit keeps promising short lives.

:class:`CorrelatedFailures` draws the up/down state of n replicas in seeded trials, where a
fraction c of the time they share one fate, and puts the estimate with its 95 % interval
next to the mix formula (1 − c)·R_independent + c·R_single and the independent promise.

>>> explorer = WeibullExplorer()
>>> round(explorer.censored.shape, 4), round(explorer.failures_only.scale)
(1.0584, 3370)

Taught in: Ep52 · 1-foundations.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from scipy import stats

from course.datasets import load, provenance
from course.reliability.availability import correlated_parallel, simulate_correlated_parallel
from course.reliability.lifetimes import fit_weibull
from course.widgets.base import CourseWidget, results_table
from course.widgets.ep52 import FOUNDATIONS, _figure
from course.widgets.registry import register

_STYLE = {"description_width": "initial"}
#: Registered lifetime data sets: (age column, failed column, unit of the ages).
LIFETIME_DATASETS = {"generator_fans": ("hours", "failed", "hours")}


def kaplan_meier(ages, failed) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier survival estimate: (distinct failure ages, R just after each).

    ``ages`` are ages at failure or at censoring, ``failed`` 1 for a failure and 0 for a unit
    still working. At each failure age t, R is multiplied by (1 − dₜ/nₜ), with dₜ failures
    among the nₜ units still at risk (a unit censored at t counts as at risk at t).

    >>> times, survival = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    >>> times.tolist(), survival.round(4).tolist()
    ([1.0, 2.0, 3.0], [0.8, 0.6, 0.3])
    """
    ages = np.asarray(ages, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    if ages.shape != failed.shape or ages.ndim != 1 or ages.size == 0:
        raise ValueError("ages and failed must be 1-D sequences of the same non-zero length")
    times = np.unique(ages[failed])
    at_risk = np.array([(ages >= t).sum() for t in times])
    deaths = np.array([(failed & (ages == t)).sum() for t in times])
    return times, np.cumprod(1 - deaths / at_risk)


def study_ended_at(ages, failed, end: float) -> tuple[np.ndarray, np.ndarray]:
    """The data as a study ending at age ``end`` would have seen it.

    A unit older than ``end`` was still running then: censored at ``end``, whatever
    happened to it later.

    >>> study_ended_at([100, 300, 500], [1, 1, 0], 250)
    (array([100., 250., 250.]), array([ True, False, False]))
    """
    ages = np.asarray(ages, dtype=float)
    failed = np.asarray(failed, dtype=bool)
    return np.minimum(ages, end), failed & (ages <= end)


@register(
    name="ep52-weibull-explorer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"study_end": float(end), "level": 0.95} for end in range(1200, 11600, 400)]
        + [{"study_end": 11500.0, "level": lv} for lv in (0.8, 0.9, 0.99)]
        + [{"study_end": 1000.0}]                  # bad: one failure age only
        + [{"study_end": 11500.0, "level": 0.95}]
    ),
)
class WeibullExplorer(CourseWidget):
    """Fit a Weibull with and without the survivors; end the study earlier to see the bias grow."""

    title = "Weibull fit explorer: right-censored maximum likelihood against 'failures only'"

    def controls(self):
        return {
            "dataset": widgets.Dropdown(options=list(LIFETIME_DATASETS), description="data set"),
            "study_end": widgets.FloatSlider(value=11500.0, min=500.0, max=11500.0, step=100.0,
                                             description="study ends at age (hours)", style=_STYLE),
            "level": widgets.FloatSlider(value=0.95, min=0.5, max=0.99, step=0.01,
                                         description="interval confidence", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Share of fans still running against age: two Weibull fits and the data",
            "age (hours)", "R(t): share still running",
            [go.Scatter(x=[], y=[], mode="lines", line=dict(shape="hv"), name="Kaplan–Meier (data)"),
             go.Scatter(x=[], y=[], mode="lines", name="Weibull, survivors censored (MLE)"),
             go.Scatter(x=[], y=[], mode="lines", line=dict(dash="dash"), name="Weibull, failures only"),
             go.Scatter(x=[], y=[], mode="markers", marker=dict(symbol="line-ns-open", size=10),
                        name="still running (censored)")],
        )
        self.fig.update_yaxes(range=[0, 1.02])
        self._fits: dict = {}
        return [self.answer, self.fig]

    def _fit(self, dataset, end):
        key = (dataset, end)
        if key not in self._fits:
            if dataset not in LIFETIME_DATASETS:
                raise ValueError(f"dataset must be one of {', '.join(LIFETIME_DATASETS)}; got {dataset!r}")
            age_column, failed_column, _ = LIFETIME_DATASETS[dataset]
            frame = load(dataset)
            ages, failed = study_ended_at(frame[age_column], frame[failed_column], end)
            if len(np.unique(ages[failed])) < 2:
                raise ValueError(
                    f"study ends at age (hours) {end:g} leaves {int(failed.sum())} failure(s) at "
                    f"{len(np.unique(ages[failed]))} distinct age(s); a Weibull fit needs failures at "
                    "two different ages at least — end the study later"
                )
            self._fits[key] = (ages, failed, fit_weibull(ages[failed], ages[~failed]),
                               fit_weibull(ages[failed]), kaplan_meier(ages, failed))
        return self._fits[key]

    def update(self, dataset, study_end, level):
        ages, failed, self.censored, self.failures_only, (km_t, km_r) = self._fit(dataset, study_end)
        grid = np.linspace(0.0, 1.3 * 11500.0, 200)
        with self.fig.batch_update():
            self.fig.data[0].x = np.concatenate([[0.0], km_t, [ages.max()]])
            self.fig.data[0].y = np.concatenate([[1.0], km_r, [km_r[-1]]])
            self.fig.data[1].x, self.fig.data[1].y = grid, self.censored.distribution.reliability(grid)
            self.fig.data[2].x, self.fig.data[2].y = grid, self.failures_only.distribution.reliability(grid)
            survivors = ages[~failed]
            self.fig.data[3].x = survivors
            self.fig.data[3].y = np.interp(survivors, grid, self.censored.distribution.reliability(grid))
        record = provenance(dataset)
        rows = [("units", f"{len(ages)}: {int(failed.sum())} failed, {int((~failed).sum())} still running")]
        for name, fit in (("survivors censored", self.censored), ("failures only", self.failures_only)):
            shape, scale = fit.shape_interval(level), fit.scale_interval(level)
            rows += [
                (f"{name}: shape β ({level:.0%} interval)", f"{fit.shape:.4g} ({shape.low:.3g} – {shape.high:.3g})"),
                (f"{name}: scale η, hours ({level:.0%} interval)",
                 f"{fit.scale:,.0f} ({scale.low:,.0f} – {scale.high:,.0f})"),
                (f"{name}: mean life, hours", f"{fit.mean:,.0f}"),
                (f"{name}: B10 life (10 % failed), hours", f"{fit.distribution.quantile(0.10):,.0f}"),
            ]
        self.answer.value = (f"<p><i>{html.escape(record['title'])}</i> — source: "
                             f"{html.escape(record['source'])}</p>" + results_table(rows))


# --------------------------------------------------------------------------- correlated failures

_C_GRID = np.logspace(-4, 0, 81)
_MC_POINTS = (1e-3, 1e-2, 0.1)
AVAILABILITIES = (0.9, 0.99, 0.995, 0.999)


def monte_carlo_unavailability(availability, replicas, correlation, trials, seed, stream=0):
    """(estimate, low, high, failures) of 1 − A by simulation; bounds are a 95 % interval.

    The interval is Clopper–Pearson's exact binomial one: with a handful of failed trials
    the normal approximation (estimate ± 1.96·se) is too narrow and can dip below zero. With
    no failure in ``trials`` draws the estimate is 0 and the upper bound is the "rule of
    three", 3/trials (a 95 % one-sided bound for zero events).

    >>> est, low, high, failures = monte_carlo_unavailability(0.9, 2, 0.3, 20_000, seed=0)
    >>> bool(low < 1 - correlated_parallel(0.9, 2, 0.3) < high), failures > 0
    (True, True)
    """
    rng = np.random.default_rng([int(seed), int(stream)])
    result = simulate_correlated_parallel(availability, replicas, correlation, trials=trials, seed=rng)
    failures = round((1 - result.mean) * trials)
    if failures == 0:
        return 0.0, 0.0, 3.0 / trials, 0
    low = float(stats.beta.ppf(0.025, failures, trials - failures + 1))
    high = float(stats.beta.ppf(0.975, failures + 1, trials - failures)) if failures < trials else 1.0
    return failures / trials, low, high, failures


@register(
    name="ep52-correlated-failures",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"availability": a, "replicas": n, "correlation": c, "seed": 1}
         for a in AVAILABILITIES for n in (1, 2, 3, 5) for c in (1e-4, 1e-2, 0.5)]
        + [{"seed": s} for s in (2, 3)]
        + [{"seed": -1}]                                         # bad: a negative seed
        + [{"availability": 0.99, "replicas": 3, "correlation": 0.01, "seed": 1, "trials": 100_000}]
    ),
)
class CorrelatedFailures(CourseWidget):
    """n replicas that share one fate a fraction c of the time: simulation next to the formulas."""

    title = "Correlated failures: Monte Carlo against (1 − c)·R_independent + c·R_single"

    def controls(self):
        return {
            "availability": widgets.Dropdown(options=[(f"{100 * a:g} %", a) for a in AVAILABILITIES],
                                             value=0.99, description="one replica's availability",
                                             style=_STYLE),
            "replicas": widgets.IntSlider(value=3, min=1, max=5, description="replicas n", style=_STYLE),
            "correlation": widgets.FloatLogSlider(value=0.01, base=10, min=-4, max=0, step=0.1,
                                                  description="common-mode fraction c",
                                                  readout_format=".2g", style=_STYLE),
            "trials": widgets.Dropdown(options=[("10,000", 10_000), ("100,000", 100_000)], value=100_000,
                                       description="trials", style=_STYLE),
            "seed": widgets.IntText(value=1, description="seed", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Unavailability of n parallel replicas against the common-mode fraction c",
            "common-mode fraction c (log scale)", "unavailability 1 − A (log scale)",
            [go.Scatter(x=[], y=[], mode="lines", name="mix formula"),
             go.Scatter(x=[], y=[], mode="lines", line=dict(dash="dash"), name="independent promise (1 − A)ⁿ"),
             go.Scatter(x=[], y=[], mode="markers", marker=dict(size=10),
                        error_y=dict(type="data", symmetric=False, array=[], arrayminus=[]),
                        name="Monte Carlo, 95 % interval"),
             go.Scatter(x=[], y=[], mode="markers", marker=dict(size=11, symbol="triangle-down-open"),
                        name="no failure seen: 95 % upper bound 3/trials")],
        )
        self.fig.update_xaxes(type="log", exponentformat="power")
        self.fig.update_yaxes(type="log", exponentformat="power")
        self._fixed: dict = {}
        return [self.answer, self.fig]

    def update(self, availability, replicas, correlation, trials, seed):
        if trials not in (10_000, 100_000):
            raise ValueError(f"trials must be 10,000 or 100,000; got {trials!r}")
        if not (isinstance(seed, int) and seed >= 0):
            raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
        if not 0 < correlation <= 1:
            raise ValueError(f"common-mode fraction c must lie in (0, 1]; got {correlation:g}")
        single = 1 - availability
        formula = np.array([1 - correlated_parallel(availability, replicas, c) for c in _C_GRID])
        # The fixed points change only with A, n, trials and seed: moving c draws one new point.
        key = (availability, replicas, trials, seed)
        if key not in self._fixed:
            self._fixed = {key: {c: monte_carlo_unavailability(availability, replicas, c, trials, seed, stream=i)
                                 for i, c in enumerate(_MC_POINTS)}}
        by_c = dict(self._fixed[key])
        if float(correlation) not in by_c:
            by_c[float(correlation)] = monte_carlo_unavailability(
                availability, replicas, correlation, trials, seed, stream=len(_MC_POINTS))
        points = sorted(by_c)
        estimates = [by_c[c] for c in points]
        seen = [(c, e) for c, e in zip(points, estimates) if e[3] > 0]
        unseen = [(c, e) for c, e in zip(points, estimates) if e[3] == 0]
        self.independent = single**replicas
        self.formula = 1 - correlated_parallel(availability, replicas, correlation)
        self.estimate = estimates[points.index(float(correlation))]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = _C_GRID, formula
            self.fig.data[1].x, self.fig.data[1].y = [_C_GRID[0], _C_GRID[-1]], [self.independent] * 2
            self.fig.data[2].x = [c for c, _ in seen]
            self.fig.data[2].y = [e[0] for _, e in seen]
            self.fig.data[2].error_y.array = [e[2] - e[0] for _, e in seen]
            self.fig.data[2].error_y.arrayminus = [e[0] - e[1] for _, e in seen]
            self.fig.data[3].x = [c for c, _ in unseen]
            self.fig.data[3].y = [e[2] for _, e in unseen]
        estimate, low, high, failures = self.estimate
        simulated = (f"{estimate:.3g} (95 % interval {low:.3g} – {high:.3g}; {failures} failed trials)"
                     if failures else f"no failure in {trials:,} trials: below {high:.2g} (rule of three)")
        rows = [
            ("independent promise (1 − A)ⁿ", f"{self.independent:.3g} ({-math.log10(self.independent):.2f} nines)"),
            (f"mix formula at c = {correlation:.2g}", f"{self.formula:.3g} ({-math.log10(self.formula):.2f} nines)"),
            (f"Monte Carlo at c = {correlation:.2g}, seed {seed}", simulated),
            ("lost to correlation", f"{self.formula / self.independent:.3g}× the independent unavailability"),
        ]
        self.answer.value = results_table(rows)
