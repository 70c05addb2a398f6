"""The USL fit explorer: measured throughput, the fitted Universal Scalability Law, its band.

Pick a data set (a registered one such as SPEC SDM91, or a CSV you upload), choose the fit
method — non-linear least squares with γ free, or Gunther's older deviation-from-linearity
fit — and see the fitted curve with its pointwise confidence band and the peak N*. Leave
the highest loads out of the fit to see how well a few small measurements predict the
large ones. A what-if curve with your own α and β (γ from the fit) shows what contention
and coherency do to the peak.

>>> explorer = USLExplorer()
>>> round(explorer.fit.alpha, 4), round(explorer.fit.peak_n)
(0.0277, 97)
>>> explorer.set(leave_out=4); explorer.error.split(":")[0]
'a confidence band needs at least 4 measurements in the fit'

Taught in: Ep51 · 2-implementation.
"""

from __future__ import annotations

import html
import io
import math

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from course.capacity.scalability import USLModel, fit_usl, fit_usl_deviation
from course.datasets import load, provenance
from course.widgets.base import CourseWidget
from course.widgets.registry import register

IMPLEMENTATION = "series-3/ep51-mathematics-of-scale/2-implementation"
#: Registered data sets with a (load, throughput) pair of columns.
USL_DATASETS = {"specsdm91": ("load_users", "throughput_scripts_per_hour")}
#: Axis titles with the units of each data set; an uploaded CSV keeps the units of its columns.
USL_AXES = {"specsdm91": ("load N (simulated users)", "throughput X (scripts per hour)")}
UPLOADED_AXES = ("load N (in your data's units)", "throughput X (in your data's units)")
METHODS = {"non-linear least squares, γ free": "nonlinear",
           "deviation from linearity, γ = X(1)": "deviation"}
_STYLE = {"description_width": "initial"}
_GRID_POINTS = 200


def measurements_from_csv(content: bytes) -> pd.DataFrame:
    """Read an uploaded CSV: the first two numeric columns are load N and throughput X.

    >>> measurements_from_csv(b"n,x\\n1,10\\n2,19\\n4,35\\n").columns.tolist()
    ['load', 'throughput']
    """
    try:
        frame = pd.read_csv(io.BytesIO(content))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"the uploaded file is not a readable CSV ({error})") from None
    numeric = frame.select_dtypes("number")
    if numeric.shape[1] < 2:
        raise ValueError("the uploaded CSV needs two numeric columns: load N, then throughput X")
    return pd.DataFrame({"load": numeric.iloc[:, 0].to_numpy(float),
                         "throughput": numeric.iloc[:, 1].to_numpy(float)})


def _uploaded_bytes(upload) -> bytes | None:
    """The content of the last uploaded file of a FileUpload value (ipywidgets 8), or None."""
    if not upload:
        return None
    item = upload[-1]
    content = item["content"] if isinstance(item, dict) else item.content
    return bytes(content)


@register(
    name="ep51-usl-explorer",
    notebook=IMPLEMENTATION,
    sweep=lambda: (
        [{"method": m, "leave_out": k, "level": lv, "what_if": False}
         for m in METHODS.values() for k in (0, 1, 2, 3) for lv in (0.8, 0.95, 0.99)]
        + [{"what_if": True, "leave_out": 0, "alpha": a / 1000, "beta": b / 100_000}
           for a in (0, 10, 28, 50, 100, 200) for b in (0, 5, 10, 50, 200)]
        + [{"what_if": False, "leave_out": 4},                                  # bad: 3 points
           {"what_if": False, "leave_out": 0, "method": "nonlinear", "level": 0.95}]
    ),
)
class USLExplorer(CourseWidget):
    """Fit the USL to a data set, show the band and the peak, and compare a what-if (α, β)."""

    title = "USL fit explorer: X(N) = γN / (1 + α(N−1) + βN(N−1))"

    def __init__(self, data: dict[str, pd.DataFrame] | None = None):
        """``data``: extra data sets, name → DataFrame with a load and a throughput column."""
        self.datasets = {name: load(name)[list(columns)].set_axis(["load", "throughput"], axis=1)
                         for name, columns in USL_DATASETS.items()}
        for name, frame in (data or {}).items():
            self.datasets[name] = frame.iloc[:, :2].set_axis(["load", "throughput"], axis=1)
        self._fits: dict = {}
        self._drawn_fit = None
        super().__init__()

    def controls(self):
        return {
            "dataset": widgets.Dropdown(options=list(self.datasets), description="data set"),
            "upload": widgets.FileUpload(accept=".csv", multiple=False,
                                         description="or upload CSV (N, X)"),
            "method": widgets.Dropdown(options=list(METHODS.items()), value="nonlinear",
                                       description="fit", style=_STYLE),
            "leave_out": widgets.IntSlider(value=0, min=0, max=5,
                                           description="leave out the top loads", style=_STYLE),
            "level": widgets.FloatSlider(value=0.95, min=0.5, max=0.99, step=0.01,
                                         description="band confidence", style=_STYLE),
            "what_if": widgets.Checkbox(value=False, description="show what-if curve"),
            "alpha": widgets.FloatSlider(value=0.03, min=0.0, max=0.2, step=0.001,
                                         readout_format=".3f", description="what-if α", style=_STYLE),
            "beta": widgets.FloatSlider(value=0.0001, min=0.0, max=0.002, step=0.00001,
                                        readout_format=".5f", description="what-if β", style=_STYLE),
        }

    def figures(self):
        self.answer = widgets.HTML()
        empty = dict(x=[], y=[])
        self.fig = go.FigureWidget(data=[
            go.Scatter(**empty, mode="markers", marker=dict(size=10), name="measured (in the fit)"),
            go.Scatter(**empty, mode="markers", marker=dict(size=10, symbol="x-open"),
                       name="measured (left out)"),
            go.Scatter(**empty, mode="lines", line=dict(width=0), showlegend=False, name="band low"),
            go.Scatter(**empty, mode="lines", line=dict(width=0), fill="tonexty",
                       fillcolor="rgba(31,119,180,0.2)", name="confidence band"),
            go.Scatter(**empty, mode="lines", name="USL fit"),
            go.Scatter(**empty, mode="markers", marker=dict(size=14, symbol="star"), name="fitted peak"),
            go.Scatter(**empty, mode="lines", line=dict(dash="dash"), name="what-if"),
            go.Scatter(**empty, mode="markers", marker=dict(size=12, symbol="diamond"),
                       name="what-if peak"),
        ])
        self.fig.update_layout(title="Throughput against load, with the fitted USL", height=420,
                               xaxis_title=USL_AXES["specsdm91"][0], yaxis_title=USL_AXES["specsdm91"][1],
                               margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.25))
        return [self.answer, self.fig]

    def _data(self, dataset, upload) -> tuple[str, pd.DataFrame]:
        content = _uploaded_bytes(upload)
        if content is not None:
            return "uploaded CSV", measurements_from_csv(content)
        if dataset not in self.datasets:
            raise ValueError(f"dataset must be one of {', '.join(self.datasets)}; got {dataset!r}")
        return dataset, self.datasets[dataset]

    def _fit(self, name, frame, method, leave_out):
        key = (name, len(frame), method, leave_out)
        if key not in self._fits:
            ordered = frame.sort_values("load")
            used = ordered.iloc[: len(ordered) - leave_out]
            if len(used) < 4:
                raise ValueError(
                    "a confidence band needs at least 4 measurements in the fit: 3 coefficients "
                    f"plus one degree of freedom; this fit would use {len(used)} — leave fewer out"
                )
            fitter = fit_usl if method == "nonlinear" else fit_usl_deviation
            self._fits[key] = (fitter(used["load"], used["throughput"]),
                               ordered.iloc[len(ordered) - leave_out:])
        return self._fits[key]

    def update(self, dataset, upload, method, leave_out, level, what_if, alpha, beta):
        name, frame = self._data(dataset, upload)
        fit, left_out = self._fit(name, frame, method, leave_out)
        grid = np.linspace(1.0, 1.5 * float(frame["load"].max()), _GRID_POINTS)
        centre = fit.predict(grid)
        band = fit.confidence_band(grid, level)
        self.inputs["alpha"].disabled = self.inputs["beta"].disabled = not what_if
        what = USLModel(alpha, beta, fit.gamma) if what_if else None
        peak = _peak(fit, grid[-1])
        what_peak = _peak(what, grid[-1]) if what else ([], [])
        self.fit, self.band = fit, band
        # Moving only the what-if sliders leaves the data, fit and band as drawn: skip them.
        fit_key = (name, id(frame), method, leave_out, level)
        with self.fig.batch_update():
            if fit_key != self._drawn_fit:
                x_title, y_title = USL_AXES.get(name, UPLOADED_AXES)
                self.fig.layout.xaxis.title.text, self.fig.layout.yaxis.title.text = x_title, y_title
                self.fig.data[0].x, self.fig.data[0].y = fit.n, fit.x
                self.fig.data[1].x = left_out["load"].to_numpy()
                self.fig.data[1].y = left_out["throughput"].to_numpy()
                self.fig.data[2].x, self.fig.data[2].y = grid, band.low
                self.fig.data[3].x, self.fig.data[3].y = grid, band.high
                self.fig.data[4].x, self.fig.data[4].y = grid, centre
                self.fig.data[5].x, self.fig.data[5].y = peak
            self.fig.data[6].x = grid if what else []
            self.fig.data[6].y = what.predict(grid) if what else []
            self.fig.data[7].x, self.fig.data[7].y = what_peak
        self._drawn_fit = fit_key
        self.answer.value = _summary(name, fit, level, what)


def _peak(model, right_edge):
    """([N*], [X(N*)]) when the model has a finite peak inside the plot, else empty lists."""
    if model is None or not math.isfinite(model.peak_n) or not 1.0 <= model.peak_n <= right_edge:
        return [], []
    return [model.peak_n], [model.peak_x]


def _fmt(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "none (no finite value)"


def _summary(name: str, fit, level: float, what) -> str:
    source = ""
    if name in USL_DATASETS:
        record = provenance(name)
        source = f"<p><i>{html.escape(record['title'])}</i> — source: {html.escape(record['source'])}</p>"
    rows = [
        ("method", "non-linear least squares (γ free)" if fit.method == "nonlinear"
         else "deviation from linearity (γ = X(1))"),
        ("α (contention)", f"{fit.alpha:.5f} ± {_fmt(fit.alpha_se, '.5f')}"),
        ("β (coherency)", f"{fit.beta:.3e} ± {_fmt(fit.beta_se, '.1e')}"),
        ("γ (throughput of one unit)", f"{fit.gamma:.3f} ± {_fmt(fit.gamma_se, '.3f')}"),
        ("peak load N* = √((1 − α)/β)", _fmt(fit.peak_n, ".1f")),
        ("peak throughput X(N*)", _fmt(fit.peak_x, ",.1f")),
        ("ceiling γ/α", _fmt(fit.ceiling, ",.1f")),
        ("band", f"{level:.0%} pointwise confidence (delta method)"),
    ]
    if what is not None:
        rows.append(("what-if peak N*", _fmt(what.peak_n, ".1f")))
    cells = "".join(f"<tr><td style='padding-right:1em'>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>"
                    for k, v in rows)
    return f"{source}<table class='dsu-results'>{cells}</table>"
