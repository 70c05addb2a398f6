"""Grading options: declared once, validated, documented, and turned into `dsu grade` flags?"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from grading.options import (
    GradingOptions,
    add_option_arguments,
    option_table_markdown,
    options_from_arguments,
)
from grading.sandbox import isolation_level

README = Path(__file__).resolve().parent.parent / "grading" / "README.md"


def test_the_readme_table_is_the_declared_options():
    """Is the option table of grading/README.md exactly the one generated from GradingOptions?"""
    assert option_table_markdown() in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("field, value", [("workers", 0), ("memory_mb", -1), ("cell_timeout", 0),
                                          ("cell_timeout", float("nan")), ("kernel_restarts", -1),
                                          ("sandbox", "docker"), ("workers", True)])
def test_a_bad_value_names_the_option(field, value):
    """Does an impossible value raise a ValueError that names the option?"""
    with pytest.raises(ValueError, match=field):
        GradingOptions(**{field: value})


def test_flags_round_trip_to_options():
    """Do the generated flags parse into the same options, keeping defaults for the rest?"""
    parser = argparse.ArgumentParser()
    add_option_arguments(parser)
    options = options_from_arguments(parser.parse_args(["--cell-timeout", "5", "--workers", "3", "--sandbox", "rlimits"]))
    assert (options.cell_timeout, options.workers, options.sandbox) == (5.0, 3, "rlimits")
    assert options.memory_mb == GradingOptions().memory_mb


def test_an_unknown_isolation_mode_is_refused():
    """Is an unknown --sandbox mode a ValueError, not a silent fallback?"""
    with pytest.raises(ValueError, match="mode"):
        isolation_level("chroot")
