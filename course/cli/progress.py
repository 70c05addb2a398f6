"""Show your progress: exercises passed, notebooks opened and done, objectives covered, and
the notebook to open next.

Example:
    dsu progress                     # the workspace you are in, else $DSU_WORKSPACE or ./workspace
    dsu progress --workspace ~/dsu
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace folder (default: the one you are in, else $DSU_WORKSPACE or ./workspace)")


def run(args) -> int:
    from course.progress import find_workspace, is_workspace
    from course.progress_summary import summarize

    workspace = args.workspace.expanduser().resolve() if args.workspace else find_workspace()
    if workspace is None or not is_workspace(workspace):
        where = workspace or "$DSU_WORKSPACE or ./workspace"
        raise ValueError(f"no workspace at {where}: build one with `dsu build` (or `dsu lab`) first")
    print(f"Workspace: {workspace}\n")
    print(summarize(workspace).table())
    return 0
