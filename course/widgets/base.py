"""The base of every course widget: controls → model → figure, with visible errors.

A widget owns a dict of ipywidgets controls, one or more plotly ``FigureWidget`` objects
updated in place (never re-created), and a message line. When a control moves,
:meth:`CourseWidget.refresh` calls :meth:`CourseWidget.update` with the current values; a
``ValueError`` from the model (for example an unstable queue) is shown in the message line
instead of a traceback, in the controls' words (:meth:`CourseWidget.in_words`), while the last
valid figures and tables stay greyed out.

What the browser draws is the kernel's figure: before the widget is first shown its figures
are built in full and sent once (:func:`built_before_display`); afterwards each move is sent
as a plotly.js edit and the complete figure is kept as the state of any later view. Sliders
get a fixed label column and a usable track (:data:`SLIDER_WIDTH`).

Subclasses implement ``controls()``, ``figures()`` and ``update(**values)``.

>>> import ipywidgets as w
>>> class Double(CourseWidget):
...     def controls(self):
...         return {"x": w.FloatSlider(value=1.0, min=-5, max=5)}
...     def update(self, x):
...         if x < 0:
...             raise ValueError("x must be >= 0")
...         self.result = 2 * x
>>> d = Double()
>>> d.set(x=3.0); d.result
6.0
>>> d.set(x=-1.0); d.error
'x must be >= 0'
"""

from __future__ import annotations

import copy
import html
import re
from contextlib import ExitStack, contextmanager

import ipywidgets as widgets
import plotly.graph_objects as go

ERROR_STYLE = "color:#b00020;font-weight:600"
#: While an error shows, the last valid figures and tables stay, greyed out to this opacity.
STALE_OPACITY = 0.3
#: Every slider: a fixed label column and a track of about 240 px (ipywidgets' default
#: 300 px box left long labels a 40–70 px track).
SLIDER_WIDTH = "560px"
DESCRIPTION_WIDTH = "240px"
SLIDERS = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider)


def results_table(rows: list[tuple[str, str]]) -> str:
    """A widget's results as a two-column HTML table of (quantity, value) rows, escaped, values
    bold and right-aligned (styled by the course's ``dsu-results`` class).

    >>> results_table([("p99", "120 ms")])
    "<table class='dsu-results'><tr><td style='padding-right:1em'>p99</td><td style='text-align:right'><b>120 ms</b></td></tr></table>"
    """
    cells = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(name)}</td>"
        f"<td style='text-align:right'><b>{html.escape(value)}</b></td></tr>"
        for name, value in rows
    )
    return f"<table class='dsu-results'>{cells}</table>"


class CourseWidget:
    """Controls driving figures, with errors shown as a message, not a traceback."""

    #: Title shown above the controls.
    title: str = ""

    def __init__(self):
        self.message = widgets.HTML(value="", layout=widgets.Layout(min_height="1.5em"))
        self.message.add_class("dsu-message")
        self.error: str | None = None
        self.inputs: dict[str, widgets.Widget] = self.controls()
        for control in self.inputs.values():
            if isinstance(control, SLIDERS):
                control.layout.width = control.layout.width or SLIDER_WIDTH
                control.style.description_width = DESCRIPTION_WIDTH
        self.figs = list(self.figures())
        self._batch = False
        self._stale: dict | None = None
        #: True once the user interface has been built for display (see :meth:`refresh`).
        self.shown = False
        for control in self.inputs.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    # --- to implement -------------------------------------------------------------
    def controls(self) -> dict[str, widgets.Widget]:
        """Name -> control; names are the keyword arguments of :meth:`update`."""
        raise NotImplementedError

    def figures(self) -> list:
        """The FigureWidgets (and other output widgets) this widget updates in place."""
        return []

    def update(self, **values) -> None:
        """Recompute the model for ``values`` and update the figures in place."""
        raise NotImplementedError

    # --- machinery ----------------------------------------------------------------
    def values(self) -> dict:
        return {name: control.value for name, control in self.inputs.items()}

    def refresh(self) -> None:
        """Run :meth:`update` with the current control values; show any ValueError.

        Before the widget is first shown, the figures are built in full instead of sent as
        edits (see :func:`built_before_display`). Once shown, the open views get the edits
        and the complete figure is synced as well, for views made later (a reopened tab, a
        second display): the browser's own copy, edited by plotly.js messages, loses
        properties (a reopened resilience-cost bar chart lost its line's x values).
        """
        if not self.shown:
            with built_before_display(self.plotly_figures()):
                self._refresh()
        else:
            self._refresh()
            for fig in self.plotly_figures():
                sync_full_state(fig)

    def plotly_figures(self) -> list[go.FigureWidget]:
        """The plotly FigureWidgets among :meth:`figures` (tables and buttons left out)."""
        return [fig for fig in self.figs if isinstance(fig, go.FigureWidget)]

    def _refresh(self) -> None:
        try:
            self.update(**self.values())
        except ValueError as error:
            self.error = self.in_words(str(error))
            self.message.value = f'<span style="{ERROR_STYLE}">⚠ {html.escape(self.error)}</span>'
            self._grey_out()
        else:
            self.error = None
            self.message.value = ""
            self._restore()

    def in_words(self, message: str) -> str:
        """``message`` with each control's code name (``arrival_rate``) replaced by its label.

        Models name their parameters; the learner knows the labels. (Widgets whose controls
        are in other units than the model's raise their own messages before calling it.)

        >>> class Rate(CourseWidget):
        ...     def controls(self):
        ...         return {"arrival_rate": widgets.FloatSlider(value=1.0, description="λ (per s)")}
        ...     def update(self, arrival_rate):
        ...         pass
        >>> Rate().in_words("arrival_rate must be > 0; got 0")
        'λ (per s) must be > 0; got 0'
        """
        for name, control in self.inputs.items():
            label = getattr(control, "description", "")
            if "_" in name and label:
                message = re.sub(rf"\b{re.escape(name)}\b", label, message)
        return message

    def _grey_out(self) -> None:
        """Grey the last valid figures and tables: they no longer answer the controls' values."""
        if self._stale is not None:
            return
        self._stale = {"traces": {}, "html": {}}
        for fig in self.plotly_figures():
            self._stale["traces"][id(fig)] = [trace.opacity for trace in fig.data]
            with fig.batch_update():
                for trace in fig.data:
                    trace.opacity = STALE_OPACITY
        for part in self.figs:
            if isinstance(part, widgets.HTML) and part.value:
                greyed = f'<div class="dsu-stale" style="opacity:{STALE_OPACITY}">{part.value}</div>'
                self._stale["html"][id(part)] = (part.value, greyed)
                part.value = greyed

    def _restore(self) -> None:
        """Undo :meth:`_grey_out` (tables the update did not rewrite get their old text back)."""
        if self._stale is None:
            return
        for fig in self.plotly_figures():
            with fig.batch_update():
                for trace, opacity in zip(fig.data, self._stale["traces"].get(id(fig), [])):
                    trace.opacity = opacity
        for part in self.figs:
            original, greyed = self._stale["html"].get(id(part), (None, None))
            if greyed is not None and part.value == greyed:
                part.value = original
        self._stale = None

    def _on_change(self, change) -> None:
        if not self._batch:
            self.refresh()

    def set(self, **values) -> None:
        """Move several controls at once (one update), as a headless driver or test would."""
        unknown = set(values) - set(self.inputs)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this widget has {sorted(self.inputs)}")
        self._batch = True
        try:
            for name, value in values.items():
                self.inputs[name].value = value
        finally:
            self._batch = False
        self.refresh()

    @property
    def ui(self) -> widgets.Widget:
        """The box to display: title, controls, message line and figures.

        From here on the figures are on their way to a page, so updates travel as edits.
        """
        self.shown = True
        parts = []
        if self.title:
            parts.append(widgets.HTML(f"<b>{html.escape(self.title)}</b>"))
        parts.append(widgets.HBox(list(self.inputs.values()), layout=widgets.Layout(flex_flow="row wrap")))
        parts.append(self.message)
        parts.extend(self.figs)
        box = widgets.VBox(parts)
        box.add_class("dsu-widget")
        return box

    def _ipython_display_(self):
        from IPython.display import display

        display(self.ui)


@contextmanager
def built_before_display(figures):
    """Update FigureWidgets that no page shows yet: their full state is synced once, at the end.

    Why: an edit of a FigureWidget (``batch_update``, ``update_layout``) travels to the
    browser as a plotly.js restyle/relayout message. Before any view exists, the browser's
    widget model applies such a message to its stored figure itself, and a batch touching
    several traces stores ``null`` for every property the batch did not set on a trace (a
    restyle's "reset to default") — so the first display drew placeholders or defaults
    (Ep51's staffing target as a diagonal, Ep13's cost bars labelled 0–3) until the first
    slider move. Here, edits made inside the block are held back (``hold_sync``, which
    sends only the messages' final value, ``None``, that the browser ignores), and the
    figure's complete data and layout are then sent as the state the first view draws.

    >>> fig = go.FigureWidget(data=[go.Bar(x=["a", "b"], y=[0, 0]), go.Scatter(x=[0], y=[0])])
    >>> with built_before_display([fig]):
    ...     with fig.batch_update():
    ...         fig.data[0].y = [3, 4]
    ...         fig.data[1].x, fig.data[1].y = [1, 2], [5, 5]
    >>> fig._widget_data[0]["y"], fig._widget_data[1]["y"]    # the state the first view draws
    ([3, 4], [5, 5])
    """
    with ExitStack() as stack:
        for fig in figures:
            stack.enter_context(fig.hold_sync())
        yield
        for fig in figures:
            sync_full_state(fig)


def sync_full_state(fig: go.FigureWidget) -> None:
    """Send the figure's complete data and layout as the state a new view of it draws."""
    # The attributes FigureWidget syncs as its initial state (set in its __init__).
    fig._widget_data = copy.deepcopy(fig._data)
    fig._widget_layout = copy.deepcopy(fig._layout_obj._props)
