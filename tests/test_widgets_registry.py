"""Every registered widget: does it build headlessly, survive its whole sweep, and live in a real notebook?"""

from __future__ import annotations

import html
import json
import math
import re

import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.utils
import pytest
from browser_support import plain_plotly
from plotly.basewidget import BaseFigureWidget

from course.syllabus import load_syllabus
from course.widgets.base import DESCRIPTION_WIDTH, SLIDER_WIDTH, SLIDERS, STALE_OPACITY
from course.widgets.registry import discover

SPECS = sorted(discover().values(), key=lambda spec: spec.name)
NOTEBOOKS = {nb.relative_path.with_suffix("").as_posix(): nb for nb in load_syllabus().notebooks()}


def _figure_numbers(widget):
    for fig in widget.figs:
        for trace in getattr(fig, "data", ()):
            for attr in ("x", "y", "z"):
                values = getattr(trace, attr, None)
                if values is None:
                    continue
                for row in values:
                    for value in row if hasattr(row, "__len__") and not isinstance(row, str) else [row]:
                        if isinstance(value, float):
                            yield value


def test_widgets_are_registered():
    """Is there at least one widget to drive (the registry is not silently empty)?"""
    assert SPECS


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_widget_lives_in_a_syllabus_notebook(spec):
    """Is the widget's notebook in the syllabus, and does that notebook use the widget's class?"""
    assert spec.notebook in NOTEBOOKS, f"{spec.name}: unknown notebook {spec.notebook}"
    source = NOTEBOOKS[spec.notebook].path.read_text(encoding="utf-8")
    assert spec.factory.__name__ in source, f"{spec.notebook} never uses {spec.factory.__name__}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_widget_survives_its_sweep_with_messages_not_tracebacks(spec):
    """Does every setting of the sweep either update cleanly or show a message — never raise, never plot inf?"""
    widget = spec.factory()
    settings = list(spec.sweep())
    assert settings, f"{spec.name}: empty sweep"
    for setting in settings:
        widget.set(**setting)
        if widget.error:
            assert html.escape(widget.error) in widget.message.value
        else:
            assert widget.message.value == ""
            assert not any(math.isinf(v) for v in _figure_numbers(widget)), f"{spec.name} plots inf at {setting}"


#: widgets with no bad setting their controls can reach, and why
NO_BAD_SETTING = {"ep13-chaos-dashboard": "every control is a bounded slider or a check box"}
#: widgets that draw NaN on purpose, and why
NAN_IS_A_GAP = {"ep13-chaos-dashboard": "a second in which no request finished has no latency quantile: "
                                        "a gap in the line"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_sweep_visits_a_bad_setting_and_ends_on_a_good_one(spec):
    """Does the sweep (what bench/ times) show at least one message, plot no NaN, and leave the
    widget drawn — so a bad setting does not silently turn the rest of the sweep into messages?"""
    widget = spec.factory()
    errors = 0
    for setting in spec.sweep():
        widget.set(**setting)
        errors += widget.error is not None
        if spec.name not in NAN_IS_A_GAP:
            assert not any(math.isnan(v) for v in _figure_numbers(widget)), f"{spec.name} plots NaN at {setting}"
    if spec.name in NO_BAD_SETTING:
        assert errors == 0, f"{spec.name} showed a message: remove it from NO_BAD_SETTING"
    else:
        assert errors >= 1, f"{spec.name}: the sweep never visits a bad setting"
    assert widget.error is None, f"{spec.name}: the sweep ends on a message: {widget.error}"
    assert errors <= len(list(spec.sweep())) // 2, f"{spec.name}: most of the sweep shows messages"


# --------------------------------------------------------------------------- what the page receives


def _plotly_json(value) -> str:
    return json.dumps(plain_plotly(json.loads(json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder))), sort_keys=True)


def _kernel_state(fig) -> dict:
    full = fig.to_plotly_json()
    return {"_widget_data": _plotly_json(full["data"]), "_widget_layout": _plotly_json(full["layout"])}


@pytest.fixture
def sent_states(monkeypatch):
    """Every state message a FigureWidget sends, in order: (figure id, {trait: JSON of its value})."""
    sent: list[tuple[int, dict]] = []
    original = BaseFigureWidget.send_state

    def recording(self, key=None):
        keys = self.keys if key is None else [key] if isinstance(key, str) else list(key)
        sent.append((id(self), {name: _plotly_json(getattr(self, name)) for name in keys}))
        return original(self, key)

    monkeypatch.setattr(BaseFigureWidget, "send_state", recording)
    return sent


def _page_state_at_display(fig, sent) -> tuple[dict, list[str]]:
    """What the browser's widget model holds when a first view is made: the last full data and
    layout sent, and the plotly.js edits sent after them (the model would apply those itself)."""
    state, edits_after = {}, []
    for figure_id, message in sent:
        if figure_id != id(fig):
            continue
        for name, value in message.items():
            if name in ("_widget_data", "_widget_layout"):
                state[name], edits_after = value, []
            elif name.startswith("_py2js_") and value != "null":
                edits_after.append(name)
    return state, edits_after


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_figures_are_complete_before_their_first_display(spec, sent_states):
    """Before display, is the figure the browser would draw first the kernel's figure — after the
    build and after further moves — with no plotly.js edit left for the browser to apply?"""
    widget = spec.factory()
    figures = widget.plotly_figures()
    assert figures, f"{spec.name} has no plotly figure"
    for setting in (None, list(spec.sweep())[-1]):
        if setting is not None:
            widget.set(**setting)
        for fig in figures:
            state, edits_after = _page_state_at_display(fig, sent_states)
            assert state == _kernel_state(fig), f"{spec.name}: the first display would differ ({setting})"
            assert edits_after == [], f"{spec.name}: edits sent ahead of any view: {edits_after}"


def test_after_display_a_move_is_an_edit_and_later_views_get_the_kernels_figure(sent_states):
    """Once shown, does a move send a plotly.js edit to the open views and, for any view made later
    (a reopened tab, a second display), the complete figure as the widget's state?"""
    from course.widgets.ep13 import ResilienceCostCalculator

    calculator = ResilienceCostCalculator()
    calculator.ui  # noqa: B018 — building the box is what marks the widget as shown
    before = len(sent_states)
    calculator.set(incidents_per_year=7.0)
    names = {name for _, message in sent_states[before:] for name, value in message.items() if value != "null"}
    assert "_py2js_update" in names
    state, edits_after = _page_state_at_display(calculator.fig, sent_states)
    assert state == _kernel_state(calculator.fig) and edits_after == []


# --------------------------------------------------------------------------- every control shows its effect


def _step(control):
    """The control's value one step away from where it is (down at the top of its range), or None."""
    if isinstance(control, widgets.Checkbox):
        return not control.value
    if isinstance(control, widgets.Dropdown):
        values = [option[1] if isinstance(option, tuple) else option for option in control.options]
        others = [value for value in values if value != control.value]
        return others[0] if others else None
    if isinstance(control, widgets.FloatLogSlider):
        exponent = math.log(control.value, control.base)
        exponent += control.step if exponent + control.step <= control.max else -control.step
        return control.base ** exponent
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        return control.value + control.step if control.value + control.step <= control.max \
            else control.value - control.step
    if isinstance(control, (widgets.FloatText, widgets.BoundedFloatText)):
        return control.value * 1.1 if control.value else 1.0
    if isinstance(control, widgets.IntText):
        return control.value + 1          # a seed: the next one
    return None


def _everything_shown(widget) -> str:
    """The figures, tables, message and greyed-out controls a learner sees, as one text."""
    shown = [widget.message.value, repr([control.disabled for control in widget.inputs.values()])]
    for part in widget.figs:
        if isinstance(part, go.FigureWidget):
            shown.append(_plotly_json(part.to_plotly_json()))
        elif hasattr(part, "value"):
            shown.append(repr(part.value))
    return "\n".join(shown)


# A file upload needs a file; tests/test_widgets_ep51.py drives the USL explorer's CSV path.
# Typed text has no "one step"; tests/test_widgets_ep52.py drives the composer's tree spec.
NOT_STEPPED = {widgets.FileUpload, widgets.Textarea}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_enabled_control_changes_what_the_learner_sees(spec):
    """From the default settings, does one step of each enabled control change a figure, a table
    or the message (a slider that changes nothing visible misleads)?"""
    widget = spec.factory()
    for name, control in widget.inputs.items():
        if type(control) in NOT_STEPPED or control.disabled:
            continue
        if isinstance(control, widgets.Dropdown) and len(control.options) < 2:
            continue  # nothing to choose (the USL explorer's one registered data set)
        before, value = _everything_shown(widget), control.value
        step = _step(control)
        assert step is not None, f"{spec.name}: no way to step {name} ({type(control).__name__})"
        widget.set(**{name: step})
        assert _everything_shown(widget) != before, f"{spec.name}: one step of {name!r} changes nothing shown"
        widget.set(**{name: value})


# --------------------------------------------------------------------------- readable controls and axes

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: A control set in dollars: "revenue per hour ($)", "build cost ($, over 3 years)".
MONEY = re.compile(r"\(\$[,)]")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_controls_are_labelled_in_words_with_usable_sliders(spec):
    """Is every label plain words (no code names), every slider wide enough, every $ readout money?"""
    widget = spec.factory()
    for name, control in widget.inputs.items():
        label = control.description
        assert label and not SNAKE_CASE.search(label), f"{spec.name}.{name}: label {label!r}"
        if isinstance(control, SLIDERS):
            assert control.layout.width == SLIDER_WIDTH and control.style.description_width == DESCRIPTION_WIDTH
            if MONEY.search(label):
                assert control.readout_format.startswith("$"), f"{spec.name}.{name} reads {control.readout_format}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_log_axes_use_powers_of_ten_and_axes_have_titles(spec):
    """Does every log axis read 10⁻¹² (not "1p"), and every 2-D axis carry a title?"""
    widget = spec.factory()
    for fig in widget.plotly_figures():
        layout = fig.to_plotly_json()["layout"]
        axes = {key: value for key, value in layout.items() if re.fullmatch(r"[xy]axis\d*", key)}
        for key, axis in axes.items():
            if axis.get("type") == "log":
                assert axis.get("exponentformat") == "power", f"{spec.name} {key}"
        titled = [axis for axis in axes.values() if axis.get("title", {}).get("text")]
        assert "scene" in layout or titled, f"{spec.name}: no axis has a title"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_error_messages_name_the_controls_not_the_model(spec):
    """Does every message of the sweep use the learner's words — no code names like max_trips_per_day?"""
    widget = spec.factory()
    for setting in spec.sweep():
        widget.set(**setting)
        if widget.error:
            assert not SNAKE_CASE.search(widget.error), f"{spec.name} at {setting}: {widget.error}"


#: Widgets whose every setting is valid (a simulation with switches and bounded sliders).
NEVER_IN_ERROR = {"ep13-chaos-dashboard"}


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name not in NEVER_IN_ERROR], ids=lambda s: s.name)
def test_an_error_greys_out_the_last_valid_figure_and_table(spec):
    """While a message shows, are the figures and tables greyed out — and restored after?"""
    widget = spec.factory()
    defaults = widget.values()
    for setting in spec.sweep():
        widget.set(**setting)
        if widget.error:
            break
    assert widget.error, f"{spec.name}: its sweep has no bad setting"
    for fig in widget.plotly_figures():
        assert all(trace.opacity == STALE_OPACITY for trace in fig.data)
    tables = [part for part in widget.figs if isinstance(part, widgets.HTML) and part.value]
    assert all("dsu-stale" in part.value for part in tables)
    widget.set(**defaults)
    assert widget.error is None
    for fig in widget.plotly_figures():
        assert all(trace.opacity is None for trace in fig.data)
    assert not any("dsu-stale" in part.value for part in widget.figs if isinstance(part, widgets.HTML))
