"""Build or update the learner workspace (student versions of every notebook).

Never overwrites a notebook you already have: new upstream versions are saved beside yours.

Example:
    dsu build                       # into ./workspace (or $DSU_WORKSPACE)
    dsu build --workspace ~/dsu     # somewhere else
"""

from __future__ import annotations

from pathlib import Path

from course.workspace import build_workspace, default_workspace


def add_arguments(parser) -> None:
    parser.add_argument("--workspace", type=Path, default=None, help="workspace folder (default: $DSU_WORKSPACE or ./workspace)")
    parser.add_argument("episodes", nargs="*", help="episode ids (default: all)")


def run(args) -> int:
    workspace = args.workspace or default_workspace()
    report = build_workspace(workspace, args.episodes or None)
    print(f"Workspace: {workspace}")
    print(report.summary())
    return 0
