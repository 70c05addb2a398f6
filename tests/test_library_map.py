"""README.md's "Library map": every import path and name of its table works, the shortcuts
re-export their homes' objects, and the paths learners were promised are in the table."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"

#: Short paths that must keep working (learners type them; notebooks and older copies use them).
PROMISED = {
    "course.queueing": {"erlang_b", "erlang_c", "mm1", "mmc"},
    "course.scalability": {"usl", "fit_usl"},
    "course.availability": {"k_of_n", "downtime"},
    "course.reliability": {"fit_weibull"},
    "course.performance": {"amdahl", "gustafson"},
    "course.markov": {"ctmc_steady_state", "dtmc_stationary"},
    "course.simulation": {"simulate_mmc"},
}


def library_map() -> dict[str, tuple[list[str], list[str]]]:
    """import path -> (names, homes of a learner shortcut; empty for a home), from the README table."""
    section = README.read_text(encoding="utf-8").split("## Library map", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.fullmatch(r"`course(\.\w+)*`", cells[0]):
            continue
        names = re.findall(r"`(\w+)`", cells[1])
        homes = []
        if cells[2].startswith("learner shortcut"):
            found = re.findall(r"`([\w.]+)`", cells[2])
            first = found[0]
            package = first.rsplit(".", 1)[0]
            homes = [first] + [package + h if h.startswith(".") else h for h in found[1:]]
        rows[cells[0].strip("`")] = (names, homes)
    return rows


MAP = library_map()


def test_the_table_is_read_and_holds_the_promised_paths():
    """Is the table found (a parsing slip would pass everything) with every promised path and name?"""
    assert len(MAP) >= 20
    for path, names in PROMISED.items():
        assert path in MAP, path
        assert names <= set(MAP[path][0]), (path, names - set(MAP[path][0]))


@pytest.mark.parametrize("path", sorted(MAP))
def test_every_name_of_the_table_imports(path):
    """Does ``from <path> import <name>`` work for every name of the row, and does a shortcut
    hand out its home's very objects?"""
    names, homes = MAP[path]
    module = importlib.import_module(path)
    for name in names:
        value = getattr(module, name)
        if homes:
            sources = [importlib.import_module(h) for h in homes]
            assert any(getattr(s, name, None) is value for s in sources), (path, name, homes)
