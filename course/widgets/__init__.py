"""Interactive calculators: ipywidgets controls driving plotly FigureWidgets in place.

Every widget derives from :class:`course.widgets.base.CourseWidget` and is registered in
:mod:`course.widgets.registry` so that benchmarks and tests can enumerate and drive them
headlessly.
"""
