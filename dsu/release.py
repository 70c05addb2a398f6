"""Generate student versions of episodes with nbgrader (one assignment per episode).

Example:
    dsu release ep51 --root build/nbgrader
    # student notebooks appear in build/nbgrader/release/ep51/
"""

from __future__ import annotations

from pathlib import Path

from course.notebooks.nbgrader_course import DEFAULT_ROOT, generate_assignment, prepare
from course.syllabus import load_syllabus


def add_arguments(parser) -> None:
    parser.add_argument("episodes", nargs="*", help="episode ids (default: all in the syllabus)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="nbgrader course root")


def run(args) -> int:
    episodes = args.episodes or [ep.id for ep in load_syllabus().episodes()]
    root = prepare(args.root, episodes)
    for ep in episodes:
        print(f"released {ep} -> {generate_assignment(root, ep)}")
    return 0
