"""What every episode's widget tests check, from the episode's ``CASES`` table.

``CASES`` maps a widget class to (a good setting that differs from the default, a bad setting,
words its message must contain). :func:`widget_contract` returns four test functions for the
episode's test module to bind to test names:

>>> test_builds, test_redraws, test_bad_input, test_all_tested = widget_contract("ep51", CASES)  # doctest: +SKIP

The sweep of every registered widget (a message for a bad setting, a clean end) is checked once
for all episodes in tests/test_widgets_registry.py.
"""

from __future__ import annotations

import html

import numpy as np
import pytest

from course.widgets.registry import discover


def trace_data(widget) -> list[np.ndarray]:
    """Every x, y, z array of every trace the widget draws (object arrays: None stays None)."""
    return [np.array(getattr(trace, attr), dtype=object)
            for fig in widget.plotly_figures() for trace in fig.data for attr in ("x", "y", "z")
            if getattr(trace, attr, None) is not None]


def numbers(widget) -> np.ndarray:
    """Every number the widget plots, as floats (nested lists of heat maps flattened)."""
    found = []
    for array in trace_data(widget):
        for value in np.ravel(array):
            if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                found.append(float(value))
            elif isinstance(value, (list, tuple, np.ndarray)):
                found.extend(float(v) for v in np.ravel(np.array(value, dtype=float)))
    return np.array(found)


def _same(before: list[np.ndarray], after: list[np.ndarray]) -> bool:
    return len(before) == len(after) and all(
        a.shape == b.shape and all(np.ravel(a) == np.ravel(b)) for a, b in zip(before, after))


def widget_contract(episode: str, cases: dict) -> tuple:
    """The four tests every episode's widgets pass, parametrised over ``cases``."""
    classes = list(cases)
    by_class = pytest.mark.parametrize("widget_class", classes, ids=lambda c: c.__name__)

    @by_class
    def test_widget_builds_headlessly_with_finite_numbers(widget_class):
        """Does the widget build with its defaults, show no message and plot only finite numbers?"""
        widget = widget_class()
        assert widget.error is None and widget.message.value == ""
        assert widget.figs and np.all(np.isfinite(numbers(widget)))
        assert widget.ui is not None

    @by_class
    def test_setting_controls_redraws_the_figures_in_place(widget_class):
        """Does set(...) with the good setting redraw the same figure objects with different data?"""
        widget = widget_class()
        figures = [id(fig) for fig in widget.figs]
        before = trace_data(widget)
        widget.set(**cases[widget_class][0])
        assert widget.error is None, widget.error
        assert [id(fig) for fig in widget.figs] == figures, "figures must be updated, not replaced"
        assert not _same(before, trace_data(widget))

    @by_class
    def test_bad_input_shows_a_message_naming_it_and_no_nan(widget_class):
        """Does the bad setting set .error with the expected words, show it, and plot no NaN?"""
        widget = widget_class()
        _, bad, words = cases[widget_class]
        widget.set(**bad)
        assert widget.error and words in widget.error, widget.error
        assert html.escape(widget.error) in widget.message.value
        assert not np.any(np.isnan(numbers(widget)))

    def test_every_widget_of_the_episode_is_tested_here():
        """Is every registered widget of the episode one of the classes in ``cases``?"""
        registered = {spec.factory for name, spec in discover().items() if name.startswith(f"{episode}-")}
        assert registered == set(classes)

    return (test_widget_builds_headlessly_with_finite_numbers, test_setting_controls_redraws_the_figures_in_place,
            test_bad_input_shows_a_message_naming_it_and_no_nan, test_every_widget_of_the_episode_is_tested_here)
