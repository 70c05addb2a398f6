"""Export grades as CSV: per student, episode, learning objective, question and test line.

Writes grades.csv (one row per student and graded cell), students.csv, episodes.csv,
objectives.csv, questions.csv (mean, spread, how many failed a visible test, a hidden test,
timed out...) and tests.csv (how many failed at each assert line) — the last two show which
items are too hard or broken. In Python: ``grading.export.export_grades(root).rows``.

Example:
    dsu export --root build/nbgrader --out grades/ ep51
    dsu export --root build/nbgrader --out grades/            # every episode
"""

from __future__ import annotations

from pathlib import Path

from course.notebooks.nbgrader_course import DEFAULT_ROOT
from dsu.checks import course_root, writable_folder


def add_arguments(parser) -> None:
    parser.add_argument("episodes", nargs="*", help="episode ids (default: all in the gradebook)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="nbgrader course root")
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL of the gradebook (default: the root's)")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="folder for the CSV files (default: ./grades)")


def run(args) -> int:
    # nbgrader's gradebook API and pandas: 2.5 s to import, only for this command
    from grading.export import export_grades

    root = course_root(args.root, args.db_url)
    out = writable_folder(args.out, "--out")
    exported = export_grades(root, args.db_url, args.episodes or None)
    if exported.rows.empty:
        raise ValueError(f"no grades for {', '.join(args.episodes) or 'any episode'} in {args.root}")
    for path in exported.write_csv(out):
        print(f"wrote {path}")
    print(exported.per_episode().to_string(index=False))
    return 0
