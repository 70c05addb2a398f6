"""Episode 52 calculators: availability composer, error-budget burn, MTTR against nines.

Each widget is a thin view over :mod:`course.reliability.availability`: the numbers come
from the library, the widget turns control values into model calls and writes the results
into FigureWidgets in place. A spec that does not parse, or a setting that makes no sense,
shows a message naming the control — never a traceback, an infinity or a NaN on screen.

>>> composer = AvailabilityComposer()
>>> composer.set(spec="series(lb=0.9999, parallel(app=0.999, app=0.999))")
>>> round(composer.tree.availability, 9)
0.999899
>>> composer.set(spec="series(lb=1.2)"); composer.error.split(";")[0]
'spec: lb=1.2 must be an availability in [0, 1] (or a percentage such as 99.9%)'

Taught in: Ep52 · 1-foundations. The Weibull fit explorer and the correlated-failure Monte
Carlo live in :mod:`course.widgets.ep52_lifetimes`.
"""

from __future__ import annotations

import html
import math
import re
from datetime import timedelta

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from course.reliability.availability import (
    MONTH,
    YEAR,
    Block,
    Component,
    KofN,
    Parallel,
    Series,
    availability_from_mtbf,
    burn_rate,
    error_budget_requests,
    mttr_for_availability,
    nines,
    time_to_exhaustion,
)
from course.widgets.base import CourseWidget, results_table
from course.widgets.registry import register

FOUNDATIONS = "series-3/ep52-reliability-engineering/1-foundations"
_STYLE = {"description_width": "initial"}
MINUTES_PER_YEAR = YEAR / timedelta(minutes=1)     # 525,600
MINUTES_PER_MONTH = MONTH / timedelta(minutes=1)   # 43,200 (a 30-day month)


def _figure(title: str, x_title: str, y_title: str, traces, height: int = 380) -> go.FigureWidget:
    fig = go.FigureWidget(data=traces)
    fig.update_layout(
        title=title, xaxis_title=x_title, yaxis_title=y_title, height=height,
        margin=dict(l=70, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25),
    )
    return fig


def _duration(minutes: float) -> str:
    """Minutes as the unit a person would say: '26.3 s', '52.6 min', '8.76 h', '3.7 days'."""
    if minutes < 1:
        return f"{60 * minutes:.3g} s"
    if minutes < 120:
        return f"{minutes:.3g} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.3g} h"
    return f"{minutes / 1440:.3g} days"


# --------------------------------------------------------------------------- compact tree spec

_KOFN = re.compile(r"(\d+)\s*of\s*(\d+)$")
_LEAF = re.compile(r"(?:(?P<copies>\d+)\s*\*\s*)?(?:(?P<name>[A-Za-z_][\w\- ]*?)\s*=\s*)?(?P<value>[0-9.eE+\-]+)\s*(?P<pct>%?)$")


def parse_tree(spec: str) -> Block:
    """Build an availability tree from a compact text spec.

    Grammar: a leaf is ``name=availability`` (``db=0.999``, ``db=99.9%``, or a bare number),
    optionally repeated ``3*db=0.99``; a group is ``series(...)``, ``parallel(...)`` or
    ``KofN(...)`` such as ``2of3(...)``, whose parts are separated by commas. Raises a
    ``ValueError`` starting with ``spec:`` that quotes the offending piece.

    >>> tree = parse_tree("series(lb=0.9999, 2of3(3*db=0.99))")
    >>> tree.kind, tree.parts[1].kind, round(tree.availability, 8)
    ('series', '2-of-3', 0.99960203)
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("spec: type a tree such as series(lb=0.9999, parallel(app=0.999, app=0.999))")
    tokens = _tokens(spec)
    blocks, position = _parse_node(tokens, 0)
    if position != len(tokens):
        raise ValueError(f"spec: unexpected {tokens[position][1]!r} after the end of the tree; "
                         "put every part inside one series(...), parallel(...) or KofN(...)")
    if len(blocks) != 1:
        raise ValueError("spec: the tree must have one root; wrap the copies in series(...) or parallel(...)")
    return blocks[0]


def _tokens(spec: str) -> list[tuple[str, str]]:
    tokens, index = [], 0
    while index < len(spec):
        if spec[index].isspace():
            index += 1
            continue
        if spec[index] in "(),":
            tokens.append(({"(": "open", ")": "close", ",": "comma"}[spec[index]], spec[index]))
            index += 1
            continue
        end = index
        while end < len(spec) and spec[end] not in "(),":
            end += 1
        tokens.append(("word", spec[index:end].strip()))
        index = end
    return tokens


def _parse_node(tokens, position) -> tuple[list[Block], int]:
    """One node at ``position``: a group (one block) or a leaf (one or more copies)."""
    if position >= len(tokens) or tokens[position][0] != "word":
        found = "the end" if position >= len(tokens) else repr(tokens[position][1])
        raise ValueError(f"spec: expected a part (name=availability or a group) but found {found}")
    word = tokens[position][1]
    if position + 1 < len(tokens) and tokens[position + 1][0] == "open":
        parts, position = [], position + 2
        while True:
            blocks, position = _parse_node(tokens, position)
            parts.extend(blocks)
            if position >= len(tokens):
                raise ValueError(f"spec: {word}( is never closed; add ')'")
            kind, text = tokens[position]
            position += 1
            if kind == "close":
                return [_group(word, parts)], position
            if kind != "comma":
                raise ValueError(f"spec: expected ',' or ')' inside {word}(...) but found {text!r}")
    return _leaf(word), position + 1


def _group(word: str, parts: list[Block]) -> Block:
    name = word.strip().lower()
    if name == "series":
        return Series(parts)
    if name == "parallel":
        return Parallel(parts)
    match = _KOFN.match(name)
    if match:
        k, n = int(match.group(1)), int(match.group(2))
        if n != len(parts):
            raise ValueError(f"spec: {word}(...) has {len(parts)} parts; it needs exactly {n}")
        if not 1 <= k <= n:
            raise ValueError(f"spec: in {word}, k must lie in 1..{n}")
        return KofN(k, parts, name=f"{k}-of-{n}")
    raise ValueError(f"spec: unknown group {word!r}; use series(...), parallel(...) or KofN(...) such as 2of3(...)")


def _leaf(word: str) -> list[Block]:
    match = _LEAF.match(word)
    if not match:
        raise ValueError(f"spec: {word!r} is not a part; write name=availability, e.g. db=0.999 or db=99.9%")
    try:
        value = float(match.group("value"))
    except ValueError:
        raise ValueError(f"spec: {word} has no readable availability") from None
    if match.group("pct"):
        value /= 100
    copies = int(match.group("copies") or 1)
    if not 1 <= copies <= 50:
        raise ValueError(f"spec: {word} repeats a part {copies} times; use 1 to 50 copies")
    name = (match.group("name") or "part").strip()
    try:
        return [Component(name, value) for _ in range(copies)]
    except ValueError:
        raise ValueError(f"spec: {word} must be an availability in [0, 1] (or a percentage such as "
                         f"99.9%); got {value:g}") from None


def _walk(block: Block, label: str = "1", depth: int = 0):
    """(label, depth, block) for the block and every block below it, depth first."""
    yield label, depth, block
    for index, part in enumerate(getattr(block, "parts", []), start=1):
        yield from _walk(part, f"{label}.{index}", depth + 1)


def _nines_text(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.2f}"


DEFAULT_SPEC = "series(lb=0.9999, parallel(app=0.999, app=0.999), 2of3(3*db=0.995))"


@register(
    name="ep52-availability-composer",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"spec": spec} for spec in (
            DEFAULT_SPEC,
            "series(5*svc=0.999)",
            "parallel(2*replica=0.99)",
            "3of5(5*node=0.95)",
            "series(dns=99.99%, cdn=99.9%, parallel(us=0.999, eu=0.999), 2of3(3*db=0.99))",
            "parallel(4*r=0.9999)",
            "series(a=1, b=0.5)",
            "series(lb=1.2)",                  # bad: not a probability
            "series(lb=0.999",                 # bad: never closed
            "2of3(db=0.99, db=0.99)",          # bad: 2 parts for 3
            "quorum(db=0.99)",                 # bad: unknown group
        )]
        + [{"spec": DEFAULT_SPEC, "target_nines": t / 10} for t in range(10, 71, 5)]
    ),
)
class AvailabilityComposer(CourseWidget):
    """Type a series / parallel / k-of-n tree; read each block's availability, nines and downtime."""

    title = "Availability composer: series(...), parallel(...), 2of3(...) — parts as name=availability"

    def controls(self):
        return {
            "spec": widgets.Textarea(value=DEFAULT_SPEC, description="tree",
                                     layout=widgets.Layout(width="760px", height="60px"), style=_STYLE),
            "target_nines": widgets.FloatSlider(value=3.0, min=1.0, max=7.0, step=0.1,
                                                description="target for the whole tree (nines)",
                                                style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Expected downtime per year of every block of the tree (log scale)",
            "expected downtime per year (minutes, log scale)", "block",
            [go.Bar(x=[1.0], y=["1"], orientation="h", name="downtime per year",
                    hovertemplate="%{y}: %{x:.4g} min/yr<extra></extra>"),
             go.Scatter(x=[1.0, 1.0], y=["1", "1"], mode="lines", line=dict(dash="dash", color="black"),
                        name="allowed by the target")],
            height=420,
        )
        self.fig.update_xaxes(type="log", exponentformat="power")
        return [self.answer, self.fig]

    def update(self, spec, target_nines):
        self.tree = parse_tree(spec)
        allowed = 10.0 ** -target_nines * MINUTES_PER_YEAR
        rows = list(_walk(self.tree))
        labels = [f"{label} {'· ' * depth}{block._label()}" for label, depth, block in rows]
        minutes = [block.unavailability * MINUTES_PER_YEAR for _, _, block in rows]
        with self.fig.batch_update():
            # A block that never fails has no place on a log axis: leave its bar out (None).
            # A category axis draws its first category at the bottom: list the tree bottom-up so
            # the root reads first, at the top (plotly.js rewrites autorange="reversed").
            self.fig.data[0].x = [m if m > 0 else None for m in reversed(minutes)]
            self.fig.data[0].y = labels[::-1]
            self.fig.data[1].x, self.fig.data[1].y = [allowed, allowed], [labels[0], labels[-1]]
            self.fig.layout.height = max(300, 90 + 26 * len(rows))
        header = ("<tr><th style='text-align:left'>block</th><th>availability</th><th>nines</th>"
                  "<th>down per year</th><th>per 30-day month</th></tr>")
        body = "".join(
            f"<tr><td style='padding-right:1em'>{html.escape(text)}</td>"
            f"<td style='text-align:right'>{100 * block.availability:.6g} %</td>"
            f"<td style='text-align:right'>{_nines_text(block.nines)}</td>"
            f"<td style='text-align:right'>{_duration(block.unavailability * MINUTES_PER_YEAR)}</td>"
            f"<td style='text-align:right'>{_duration(block.unavailability * MINUTES_PER_MONTH)}</td></tr>"
            for text, (_, _, block) in zip(labels, rows)
        )
        self.meets_target = self.tree.nines >= target_nines - 1e-9
        verdict = (f"<p>Target {100 * (1 - 10.0 ** -target_nines):.6g} % ({target_nines:g} nines, "
                   f"{_duration(allowed)} a year): the whole tree "
                   f"<b>{'meets it' if self.meets_target else 'falls short'}</b>.</p>")
        self.answer.value = f"{verdict}<table class='dsu-results'>{header}{body}</table>"


# --------------------------------------------------------------------------- error-budget burn

#: The multi-window, multi-burn-rate alerts of Google's SRE workbook ("Alerting on SLOs"), for
#: a 30-day objective: (name, burn-rate threshold, long window, short window).
ALERTS = (
    ("page: 2 % of the budget in 1 h", 14.4, timedelta(hours=1), timedelta(minutes=5)),
    ("page: 5 % of the budget in 6 h", 6.0, timedelta(hours=6), timedelta(minutes=30)),
    ("ticket: 10 % of the budget in 3 days", 1.0, timedelta(days=3), timedelta(hours=6)),
)
SLOS = (0.99, 0.995, 0.999, 0.9995, 0.9999)


def detection_delay(rate: float, threshold: float, long_window: timedelta) -> timedelta | None:
    """When a burn-rate alert fires after a step to a constant burn ``rate`` (from a clean history).

    The long window's average burn climbs as rate·t/window and crosses ``threshold`` at
    t = threshold·window/rate; its short window (shorter) crosses earlier, so the long one
    decides. ``None`` when ``rate`` < ``threshold``: the alert never fires. At detection the
    incident has spent threshold·window/period of the budget — the same for every rate.

    >>> detection_delay(28.8, 14.4, timedelta(hours=1))      # twice the threshold: half the window
    datetime.timedelta(seconds=1800)
    >>> detection_delay(10.0, 14.4, timedelta(hours=1)) is None
    True
    """
    if rate < threshold:
        return None
    return long_window * (threshold / rate)


def _burn_mode(mode: str) -> str:
    if mode not in ("time", "requests"):
        raise ValueError(f"mode must be 'time' or 'requests'; got {mode!r}")
    return mode


@register(
    name="ep52-error-budget-burn",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"slo": s, "error_pct": e, "mode": m, "requests_per_day": 2.5e6, "incident_hours": 4.0}
         for s in SLOS for e in (0.01, 0.1, 1.0, 5.0, 50.0, 100.0) for m in ("time", "requests")]
        + [{"incident_hours": h, "error_pct": 2.0, "slo": 0.999} for h in (0.1, 1.0, 12.0, 72.0)]
        + [{"mode": "requests", "requests_per_day": 0.0, "error_pct": 1.0}]  # bad: no traffic
        + [{"slo": 0.999, "error_pct": 1.0, "mode": "time", "requests_per_day": 2.5e6, "incident_hours": 4.0}]
    ),
)
class ErrorBudgetBurn(CourseWidget):
    """An incident at a constant error ratio: how fast it burns the 30-day budget, which alerts fire when."""

    title = "Error-budget burn: an incident at a constant error ratio against a 30-day SLO"

    def controls(self):
        return {
            "slo": widgets.Dropdown(options=[(f"{100 * s:g} %", s) for s in SLOS], value=0.999,
                                    description="SLO", style=_STYLE),
            "mode": widgets.Dropdown(options=[("time-based (bad minutes)", "time"),
                                              ("request-based (bad requests)", "requests")],
                                     value="time", description="budget in", style=_STYLE),
            "error_pct": widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=2, step=0.05,
                                                description="error ratio during the incident (%)",
                                                readout_format=".3g", style=_STYLE),
            "incident_hours": widgets.FloatLogSlider(value=4.0, base=10, min=-1, max=2.5, step=0.05,
                                                     description="incident lasts (hours)",
                                                     readout_format=".3g", style=_STYLE),
            "requests_per_day": widgets.FloatText(value=2.5e6, description="requests per day",
                                                  style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Budget left during the incident, and when each alert fires",
            "hours since the incident began", "30-day error budget left (%)",
            [go.Scatter(x=[0.0, 1.0], y=[100.0, 100.0], mode="lines", name="budget left"),
             *[go.Scatter(x=[], y=[], mode="markers", marker=dict(size=12, symbol=symbol), name=name)
               for (name, *_), symbol in zip(ALERTS, ("diamond", "square", "circle"))]],
        )
        self.fig.update_yaxes(range=[-105, 105])
        return [self.answer, self.fig]

    def update(self, slo, mode, error_pct, incident_hours, requests_per_day):
        mode = _burn_mode(mode)
        self.inputs["requests_per_day"].disabled = mode != "requests"
        if not 0 <= error_pct <= 100:
            raise ValueError(f"error ratio must lie in [0, 100] %; got {error_pct:g}")
        if not incident_hours > 0:
            raise ValueError(f"incident lasts (hours) must be > 0; got {incident_hours:g}")
        if mode == "requests" and not (math.isfinite(requests_per_day) and requests_per_day > 0):
            raise ValueError(f"requests per day must be > 0 for a request-based budget; got {requests_per_day:g}")
        self.rate = burn_rate(error_pct / 100, slo)
        incident = timedelta(hours=incident_hours)
        self.spent = self.rate * (incident / MONTH)           # fraction of the 30-day budget
        self.detections = {name: detection_delay(self.rate, threshold, window)
                           for name, threshold, window, _ in ALERTS}
        hours = np.linspace(0.0, incident_hours, 200)
        left = 100 * (1 - self.rate * hours / (MONTH / timedelta(hours=1)))
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = hours, np.maximum(left, -100.0)
            for trace, (name, *_rest) in zip(self.fig.data[1:], ALERTS):
                delay = self.detections[name]
                if delay is not None and delay <= incident:
                    at = delay / timedelta(hours=1)
                    trace.x, trace.y = [at], [max(100 * (1 - self.rate * at / 720), -100.0)]
                else:
                    trace.x, trace.y = [], []
        if mode == "requests":
            month_requests = 30 * requests_per_day
            budget = f"{error_budget_requests(slo, month_requests):,.0f} failed requests of {month_requests:,.0f}"
            used = f"{error_pct / 100 * requests_per_day * incident_hours / 24:,.0f} failed requests"
        else:
            budget = f"{_duration((1 - slo) * MINUTES_PER_MONTH)} of bad minutes"
            used = f"{_duration(error_pct / 100 * incident_hours * 60)} of bad-minute equivalents"
        rows = [
            ("30-day error budget", budget),
            ("this incident uses", f"{used} = {100 * self.spent:.4g} % of the budget"),
            ("burn rate (error ratio / (1 − SLO))", f"{self.rate:.4g}"),
            ("a full budget lasts at this rate",
             _duration(time_to_exhaustion(self.rate) / timedelta(minutes=1)) if self.rate > 0 else "for ever"),
        ]
        for name, threshold, window, short in ALERTS:
            delay = self.detections[name]
            if delay is None:
                verdict = f"never fires (burn {self.rate:.3g} < {threshold:g})"
            elif delay > incident:
                verdict = f"would fire after {_duration(delay / timedelta(minutes=1))}: the incident ends first"
            else:
                verdict = (f"fires after {_duration(delay / timedelta(minutes=1))} "
                           f"(budget spent by then {100 * threshold * (window / MONTH):.3g} %)")
            rows.append((f"{name} (burn ≥ {threshold:g} over {_duration(window / timedelta(minutes=1))} "
                         f"and {_duration(short / timedelta(minutes=1))})", verdict))
        self.answer.value = results_table(rows)


# --------------------------------------------------------------------------- MTTR against nines

_MTTR_GRID = np.logspace(-1, 3, 161)            # minutes, 6 s .. 1000 min
_MTBF_CURVES = (7.0, 30.0, 90.0)                # days


@register(
    name="ep52-mttr-nines",
    notebook=FOUNDATIONS,
    sweep=lambda: (
        [{"mtbf_days": d, "mttr_minutes": m, "target": t}
         for d in (1.0, 7.0, 30.0, 365.0) for m in (0.5, 5.0, 30.0, 240.0) for t in (0.999, 0.9999)]
        + [{"mtbf_days": 0.1, "mttr_minutes": 240.0}]          # bad: repair longer than MTBF
        + [{"mtbf_days": 30.0, "mttr_minutes": 30.0, "target": 0.9999}]
    ),
)
class MTTRNines(CourseWidget):
    """A = 1 − MTTR/MTBF: how many nines a repair time buys at a given failure rate."""

    title = "MTTR against nines: A = MTTF/(MTTF + MTTR) = 1 − MTTR/MTBF, with MTBF = MTTF + MTTR"

    def controls(self):
        return {
            "mtbf_days": widgets.FloatLogSlider(value=30.0, base=10, min=-1, max=3, step=0.05,
                                                description="MTBF (days between failures)",
                                                readout_format=".3g", style=_STYLE),
            "mttr_minutes": widgets.FloatLogSlider(value=30.0, base=10, min=-1, max=3, step=0.05,
                                                   description="MTTR (minutes to repair)",
                                                   readout_format=".3g", style=_STYLE),
            "target": widgets.Dropdown(options=[(f"{100 * s:g} %", s) for s in SLOS], value=0.9999,
                                       description="target", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        self.fig = _figure(
            "Nines against mean time to repair, for three failure rates and yours",
            "MTTR (minutes, log scale)", "nines = −log₁₀(1 − A)",
            [*[go.Scatter(x=[], y=[], mode="lines", line=dict(dash="dot"), name=f"MTBF {d:g} days")
               for d in _MTBF_CURVES],
             go.Scatter(x=[], y=[], mode="lines", name="your MTBF"),
             go.Scatter(x=[], y=[], mode="lines", line=dict(dash="dash", color="grey"), name="target"),
             go.Scatter(x=[], y=[], mode="markers", marker=dict(size=13), name="your MTTR")],
        )
        self.fig.update_xaxes(type="log", exponentformat="power")
        self._drawn = None
        return [self.answer, self.fig]

    def update(self, mtbf_days, mttr_minutes, target):
        mtbf = mtbf_days * 1440.0                         # minutes
        if not 0 < mttr_minutes < mtbf:
            raise ValueError(f"MTTR (minutes to repair) must be > 0 and shorter than the MTBF "
                             f"({_duration(mtbf)}); got {_duration(mttr_minutes)}")
        self.availability = availability_from_mtbf(mtbf, mttr_minutes)
        self.max_mttr = mttr_for_availability(target, mtbf)
        own = -np.log10(_MTTR_GRID / mtbf)
        with self.fig.batch_update():
            if self._drawn is None:
                for trace, days in zip(self.fig.data, _MTBF_CURVES):
                    trace.x, trace.y = _MTTR_GRID, -np.log10(_MTTR_GRID / (days * 1440.0))
                self._drawn = True
            self.fig.data[3].x = _MTTR_GRID[_MTTR_GRID < mtbf]
            self.fig.data[3].y = own[_MTTR_GRID < mtbf]
            self.fig.data[4].x, self.fig.data[4].y = [_MTTR_GRID[0], _MTTR_GRID[-1]], [nines(target)] * 2
            self.fig.data[5].x, self.fig.data[5].y = [mttr_minutes], [nines(self.availability)]
        meets = self.availability >= target
        rows = [
            ("MTTF = MTBF − MTTR", _duration(mtbf - mttr_minutes)),
            ("availability A", f"{100 * self.availability:.5g} %"),
            ("nines", f"{nines(self.availability):.3f}"),
            ("expected downtime per year", _duration((1 - self.availability) * MINUTES_PER_YEAR)),
            (f"longest MTTR meeting {100 * target:g} %", _duration(self.max_mttr)),
            ("meets the target?", "yes" if meets else
             f"no — repair {mttr_minutes / self.max_mttr:.3g}× faster, or fail that much less often"),
        ]
        self.answer.value = results_table(rows)
