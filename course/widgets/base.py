"""The base of every course widget: controls → model → figure, with visible errors.

A widget owns a dict of ipywidgets controls, one or more plotly ``FigureWidget`` objects
updated in place (never re-created), and a message line. When a control moves,
:meth:`CourseWidget.refresh` calls :meth:`CourseWidget.update` with the current values; a
``ValueError`` from the model (for example an unstable queue) is shown in the message line
instead of a traceback.

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

import html

import ipywidgets as widgets

ERROR_STYLE = "color:#b00020;font-weight:600"


class CourseWidget:
    """Controls driving figures, with errors shown as a message, not a traceback."""

    #: Title shown above the controls.
    title: str = ""

    def __init__(self):
        self.message = widgets.HTML(value="", layout=widgets.Layout(min_height="1.5em"))
        self.message.add_class("dsu-message")
        self.error: str | None = None
        self.inputs: dict[str, widgets.Widget] = self.controls()
        self.figs = list(self.figures())
        self._batch = False
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
        """Run :meth:`update` with the current control values; show any ValueError."""
        try:
            self.update(**self.values())
        except ValueError as error:
            self.error = str(error)
            self.message.value = f'<span style="{ERROR_STYLE}">⚠ {html.escape(self.error)}</span>'
        else:
            self.error = None
            self.message.value = ""

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
