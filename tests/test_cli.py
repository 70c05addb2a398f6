"""The `dsu` command: is every registered subcommand real, documented and runnable?"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from course import REPO_ROOT
from dsu import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_subcommand_module_has_help_and_an_example(name):
    """Does each subcommand module exist, with add_arguments, run and an example in its docstring?"""
    module = importlib.import_module(f"dsu.{COMMANDS[name][0]}")
    assert callable(module.add_arguments) and callable(module.run)
    assert "Example" in (module.__doc__ or ""), f"dsu {name} has no example of real use"


def test_help_lists_every_subcommand():
    """Does `dsu --help` list every registered subcommand?"""
    out = subprocess.run([sys.executable, "-m", "dsu", "--help"], capture_output=True, text=True, check=True).stdout
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


def _run_with_config_path(code: str, config_path: str, cwd) -> str:
    env = {k: v for k, v in __import__("os").environ.items() if k != "JUPYTER_CONFIG_PATH"}
    if config_path:
        env["JUPYTER_CONFIG_PATH"] = config_path
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env,
                          check=True, timeout=120)
    return done.stdout + done.stderr


def test_the_learner_lab_config_silences_nbgrader_and_jupyter_lsp(tmp_path):
    """With the config `dsu lab` adds, are nbgrader's "No nbgrader_config.py" warning and jupyter-lsp's
    list of non-installed language servers gone (and present without it, so the test can fail)?"""
    from dsu.lab import LAB_CONFIG, lab_environment

    assert lab_environment()["JUPYTER_CONFIG_PATH"].split(":")[0] == str(LAB_CONFIG)
    nbgrader = "from nbgrader.apps.baseapp import NbGrader; NbGrader().initialize([])"
    assert "No nbgrader_config.py file found" in _run_with_config_path(nbgrader, "", tmp_path)
    assert "No nbgrader_config.py" not in _run_with_config_path(nbgrader, str(LAB_CONFIG), tmp_path)
    lsp = ("import logging, sys\n"
           "from jupyter_core.paths import jupyter_config_path\n"
           "from traitlets.config import Config\n"
           "from traitlets.config.loader import PyFileConfigLoader\n"
           "from jupyter_lsp.manager import LanguageServerManager\n"
           "config = Config()\n"
           "for folder in jupyter_config_path():\n"
           "    try: config.merge(PyFileConfigLoader('jupyter_server_config.py', path=folder).load_config())\n"
           "    except Exception: pass\n"
           "log = logging.getLogger('lsp'); log.addHandler(logging.StreamHandler(sys.stdout)); log.setLevel('INFO')\n"
           "LanguageServerManager(config=config, log=log).init_language_servers()\n")
    assert "Skipped non-installed server(s)" in _run_with_config_path(lsp, "", tmp_path)
    assert "Skipped non-installed" not in _run_with_config_path(lsp, str(LAB_CONFIG), tmp_path)


def test_make_lab_passes_options_and_documents_them():
    """Does `make lab ARGS="..."` reach `dsu lab`, and do `make help` and the README say so?"""
    done = subprocess.run(["make", "-n", "-o", ".venv/.installed", "lab", "ARGS=--no-browser --port 8890"],
                          capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert "dsu lab --no-browser --port 8890" in done.stdout
    help_text = subprocess.run(["make", "-s", "help"], capture_output=True, text=True, cwd=REPO_ROOT).stdout
    assert 'make lab ARGS="--no-browser' in help_text
    assert 'make lab ARGS="--no-browser --port 8890"' in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
