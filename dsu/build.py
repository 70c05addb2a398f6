"""Build or update the learner workspace (student versions of every notebook).

Never overwrites a notebook you already have: new upstream versions are saved beside yours.
Only episodes whose sources changed go through nbgrader again; a build with nothing new
takes about a second.

Example:
    dsu build                       # into <repo>/workspace (or $DSU_WORKSPACE)
    dsu build --workspace ~/dsu     # somewhere else
"""

from __future__ import annotations

from pathlib import Path

from course import REPO_ROOT
from course.learner.workspace import build_workspace, usable_workspace
from course.syllabus import load_syllabus


def add_workspace_argument(parser) -> None:
    parser.add_argument("--workspace", type=Path, default=None,
                        help=f"workspace folder (default: $DSU_WORKSPACE if set, else {REPO_ROOT / 'workspace'})")


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    parser.add_argument("episodes", nargs="*", help="episode ids (default: all)")


def build_with_progress(workspace: Path | None, episodes: list[str] | None = None) -> Path:
    """Check the workspace folder first, build it printing progress, print the summary; return it."""
    folder = usable_workspace(workspace)
    for episode in episodes or []:
        load_syllabus().episode(episode)  # an unknown id is refused before any work
    print(f"Workspace: {folder}", flush=True)
    report = build_workspace(folder, episodes or None, progress=lambda line: print(line, flush=True))
    print(report.summary())
    return folder


def run(args) -> int:
    build_with_progress(args.workspace, args.episodes)
    return 0
