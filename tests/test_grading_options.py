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


@pytest.mark.parametrize("args, says", [
    (["--root", "/nonexistent-dsu-root"], "--root /nonexistent-dsu-root: no such folder"),
    (["--root", "not/here"], "no such folder"),
    (["--root", "/etc/hostname"], "not a folder"),
    (["--root", "/tmp"], "not a course root"),
    (["--submissions", "/nonexistent-dsu-subs"], "--submissions /nonexistent-dsu-subs: no such folder"),
    (["--workers", "0"], "workers must be >= 1"),
    (["--cell-timeout", "-5"], "cell_timeout must lie in"),
    (["--workers", "many"], "--workers: invalid int value"),
    (["--all"], "--all only makes sense with --submissions"),
])
def test_dsu_grade_refuses_bad_input_in_one_line(args, says, tmp_path, capsys):
    """Does `dsu grade` answer a bad path or number with one clear line and exit code 2?"""
    from dsu import main

    root = tmp_path / "root"
    root.mkdir()
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    if "--root" not in args:
        args = ["--root", str(root), *args]
    try:
        code = main(["grade", "ep51", *args])
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and says in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
