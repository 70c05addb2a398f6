"""The `dsu` command: is every registered subcommand real, documented and runnable?"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from course import REPO_ROOT
from course.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_subcommand_module_has_help_and_an_example(name):
    """Does each subcommand module exist, with add_arguments, run and an example in its docstring?"""
    module = importlib.import_module(f"course.cli.{COMMANDS[name][0]}")
    assert callable(module.add_arguments) and callable(module.run)
    assert "Example" in (module.__doc__ or ""), f"dsu {name} has no example of real use"


def test_help_lists_every_subcommand():
    """Does `dsu --help` list every registered subcommand?"""
    out = subprocess.run([sys.executable, "-m", "course.cli", "--help"], capture_output=True, text=True, check=True).stdout
    for name in COMMANDS:
        assert name in out


def test_syllabus_command_prints_the_course_map(capsys):
    """Does `dsu syllabus` print every episode of the syllabus?"""
    assert main(["syllabus"]) == 0
    out = capsys.readouterr().out
    assert "EP51" in out and "Course map" in out


def test_bad_input_is_a_message_not_a_traceback(capsys):
    """Does an unknown episode give a one-line error and exit code 2?"""
    assert main(["release", "ep999", "--root", str(REPO_ROOT / "build" / "never")]) == 2
    assert "unknown episode 'ep999'" in capsys.readouterr().err


def test_readme_opens_with_the_two_fresh_machine_commands():
    """Does the README open with exactly `make lab` and `make test`, and do both targets exist?"""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make lab", "make test"]
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nlab:" in makefile and "\ntest:" in makefile
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
