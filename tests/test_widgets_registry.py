"""Every registered widget: does it build headlessly, survive its whole sweep, and live in a real notebook?"""

from __future__ import annotations

import html
import math

import pytest

from course.syllabus import load_syllabus
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
