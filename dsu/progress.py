"""Show your progress: exercises passed, notebooks opened and done, objectives covered, and
the notebook to open next.

Example:
    dsu progress                     # the workspace you are in, else $DSU_WORKSPACE or <repo>/workspace
    dsu progress --workspace ~/dsu
"""

from __future__ import annotations

from pathlib import Path

from course import REPO_ROOT
from course.learner.layout import default_workspace, find_workspace, is_workspace
from course.learner.manifest import read_manifest
from course.learner.progress_summary import summarize


def add_arguments(parser) -> None:
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace folder (default: the one you are in, else $DSU_WORKSPACE if set, "
                             f"else {REPO_ROOT / 'workspace'})")


def run(args) -> int:
    workspace = (Path.cwd() / args.workspace.expanduser()).resolve() if args.workspace else find_workspace()
    if workspace is None or not is_workspace(workspace):
        where = workspace or default_workspace()
        raise ValueError(f"no workspace at {where}: build one with `dsu build` (or `dsu lab`) first")
    read_manifest(workspace)  # a damaged workspace is an error, not a table of zeros
    print(f"Workspace: {workspace}\n")
    print(summarize(workspace).table())
    return 0
