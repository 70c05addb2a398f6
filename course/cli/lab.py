"""Build or update the learner workspace, then start JupyterLab on the course start page.

Example:
    dsu lab                          # workspace in ./workspace, browser opens START-HERE.ipynb
    dsu lab --no-browser --port 8899
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.startpage import START_PAGE
from course.workspace import build_workspace, default_workspace


def add_arguments(parser) -> None:
    parser.add_argument("--workspace", type=Path, default=None, help="workspace folder (default: $DSU_WORKSPACE or ./workspace)")
    parser.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: its own choice)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")


def run(args) -> int:
    workspace = Path(args.workspace or default_workspace())
    report = build_workspace(workspace)
    print(f"Workspace: {workspace}")
    print(report.summary())
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={workspace}", START_PAGE]
    if args.port:
        command.append(f"--port={args.port}")
    if args.no_browser:
        command.append("--no-browser")
    if os.geteuid() == 0:  # containers and CI machines run as root; JupyterLab refuses without this
        command.append("--allow-root")
    env = dict(os.environ)
    # nbgrader's formgrader runs `alembic` from PATH when it creates a gradebook.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    print("Starting JupyterLab:", " ".join(command))
    return subprocess.call(command, cwd=workspace, env=env)
