"""Build or update the learner workspace, then start JupyterLab on the course start page.

Example:
    dsu lab                          # workspace in <repo>/workspace, browser opens START-HERE.ipynb
    dsu lab --no-browser --port 8899
    make lab ARGS="--no-browser --port 8899"
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from course.learner.layout import START_PAGE
from dsu.build import add_workspace_argument, build_with_progress

#: Jupyter settings for the learner's lab (silences nbgrader's missing-config warning and
#: jupyter-lsp's list of language servers that are not installed).
LAB_CONFIG = Path(str(files("course.learner") / "lab_config"))


def port_number(text: str) -> int:
    """A TCP port from the command line: an integer from 1 to 65535.

    >>> port_number("8899")
    8899
    """
    import argparse

    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535, not {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 1 to 65535, not {port}")
    return port


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    parser.add_argument("--port", type=port_number, default=None,
                        help="port for JupyterLab, 1-65535 (default: 8888 or the next free one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")


def lab_environment() -> dict[str, str]:
    """The environment JupyterLab runs in: this venv first on PATH, the course's Jupyter config added."""
    env = dict(os.environ)
    # nbgrader's formgrader runs `alembic` from PATH when it creates a gradebook.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(LAB_CONFIG), env.get("JUPYTER_CONFIG_PATH")) if p)
    return env


def run(args) -> int:
    workspace = build_with_progress(args.workspace)
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={workspace}", START_PAGE]
    if args.port:
        command.append(f"--port={args.port}")
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:  # containers and CI machines run as root; JupyterLab refuses without this
        command.append("--allow-root")
    print("Starting JupyterLab:", " ".join(command), flush=True)
    return wait_for(subprocess.Popen(command, cwd=workspace, env=lab_environment()))


def wait_for(process) -> int:
    """Wait for JupyterLab to exit and return its exit code.

    Ctrl-C reaches JupyterLab too, which asks whether to shut down and then stops its kernels
    cleanly; so this process keeps waiting instead of killing it (what subprocess.call does)
    and showing a KeyboardInterrupt traceback.
    """
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
