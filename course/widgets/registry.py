"""The registry of course widgets, so benchmarks and tests can enumerate and drive them.

Register a widget class next to its definition::

    @register(name="ep51-queue-explorer", notebook="series-3/ep51-mathematics-of-scale/1-foundations",
              sweep=lambda: [{"utilization": u / 100} for u in range(5, 99)])
    class QueueExplorer(CourseWidget): ...

``sweep`` yields keyword arguments for ``widget.set(**kwargs)``: the settings a headless
driver moves through (its slider range), bad values included where the widget must show
an error.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WidgetSpec:
    name: str
    notebook: str
    factory: Callable
    sweep: Callable[[], Iterable[dict]]
    #: "one update" for a calculator; "scenario" for a widget that re-runs a whole simulation
    kind: str = "calculator"


REGISTRY: dict[str, WidgetSpec] = {}


def register(name: str, notebook: str, sweep: Callable[[], Iterable[dict]], kind: str = "calculator"):
    """Class decorator adding a widget to the registry under ``name``."""

    def decorate(factory):
        if name in REGISTRY and REGISTRY[name].factory.__qualname__ != factory.__qualname__:
            raise ValueError(f"widget name {name!r} is registered twice")
        REGISTRY[name] = WidgetSpec(name, notebook, factory, sweep, kind)
        return factory

    return decorate


def discover() -> dict[str, WidgetSpec]:
    """Import every module of ``course.widgets`` so that all widgets register; return the registry."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"course.widgets.{module.name}")
    return REGISTRY
