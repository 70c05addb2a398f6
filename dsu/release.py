"""Generate student versions of episodes with nbgrader (one assignment per episode).

Example:
    dsu release ep51 --root build/nbgrader
    # student notebooks appear in build/nbgrader/release/ep51/
    dsu release ep51 --root build/nbgrader --db-url postgresql://grader@db/dsu   # a class's gradebook
"""

from __future__ import annotations

from pathlib import Path

from course.notebooks.nbgrader_course import DEFAULT_ROOT, generate_assignment, prepare
from course.syllabus import load_syllabus
from grading.course_settings import course_settings


def add_arguments(parser) -> None:
    parser.add_argument("episodes", nargs="*", help="episode ids (default: all in the syllabus)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="nbgrader course root")
    parser.add_argument("--db-url", default=None,
                        help="SQLAlchemy URL of the gradebook, kept in the root's nbgrader_config.py "
                             "(default: the root's, else SQLite in the course root)")


def run(args) -> int:
    episodes = args.episodes or [ep.id for ep in load_syllabus().episodes()]
    db_url = args.db_url
    if db_url is None and (Path(args.root) / "nbgrader_config.py").is_file():
        # a release again keeps the gradebook the root was set up with (a class's PostgreSQL)
        url, _ = course_settings(args.root)
        db_url = None if url == f"sqlite:///{Path(args.root).resolve() / 'gradebook.db'}" else url
    root = prepare(args.root, episodes, db_url=db_url)
    for ep in episodes:
        print(f"released {ep} -> {generate_assignment(root, ep)}")
    return 0
