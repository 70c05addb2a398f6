"""Every ``>>>`` example in the docstrings of ``course``, ``grading``, ``certificates`` and ``dsu`` runs and prints what it shows.

One test per module, found by walking the source tree, so a new module's examples are run
without anyone remembering to add a test. A module is skipped only if it is listed in
``NOT_IMPORTABLE`` with the reason it cannot be imported in a test process.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("course", "grading", "certificates", "dsu")

#: Files that are not importable modules of a running kit, and why.
NOT_IMPORTABLE = {
    # Configuration scripts Jupyter executes with get_config() in scope; not modules.
    "course.learner.lab_config.jupyter_server_config": "a Jupyter config script (needs get_config)",
    "course.learner.lab_config.nbgrader_config": "an nbgrader config script (needs get_config)",
    "course.notebooks.nbgrader_config": "an nbgrader config script (needs get_config)",
    # Importing it runs the command line (python -m dsu).
    "dsu.__main__": "the `python -m dsu` entry point: importing it runs the CLI",
}


def module_names() -> list[str]:
    """Dotted names of every .py file under the packages, ``__init__`` as the package."""
    names = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


MODULES = module_names()


def test_the_walk_finds_the_modules_with_examples():
    """Does the walk see the packages, their subpackages and the skipped files (none stale)?"""
    assert {"course", "course.sim.loop", "course.patterns.breaker", "grading.repair.work"} <= set(MODULES)
    assert set(NOT_IMPORTABLE) <= set(MODULES)


@pytest.mark.parametrize("name", [name for name in MODULES if name not in NOT_IMPORTABLE])
def test_docstring_examples_run(name):
    """Does every example in this module's docstrings print what it shows?"""
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in sorted(tests, key=lambda test: test.name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
