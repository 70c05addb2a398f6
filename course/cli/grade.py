"""Autograde submissions with nbgrader, each student's code boxed, several at a time.

Checks and repairs every notebook first (broken JSON, deleted or retyped cells, edited tests),
grades each student in a private nbgrader course root inside the sandbox (time, memory, CPU
and process limits, no network, no view of solutions or other students), merges the grades
into the gradebook, checks the gradebook and prints one line per student.

Example:
    dsu release ep51 --root build/nbgrader
    dsu grade ep51 --root build/nbgrader --submissions collected/ --workers 2
    # collected/<student>/ep51/assessment.ipynb; report in build/nbgrader/reports/ep51.json
    dsu grade ep51 --root build/nbgrader --db-url postgresql://grader@db/dsu --cell-timeout 30
"""

from __future__ import annotations

from pathlib import Path

from grading.course_dir import DEFAULT_ROOT
from grading.options import add_option_arguments, options_from_arguments


def add_arguments(parser) -> None:
    parser.add_argument("episode", help="episode id (the nbgrader assignment), e.g. ep51")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="nbgrader course root")
    parser.add_argument("--submissions", type=Path, default=None,
                        help="folder of <student>/<episode>/*.ipynb (default: the root's submitted/)")
    parser.add_argument("--student", action="append", dest="students", metavar="ID",
                        help="grade only this student (repeatable)")
    add_option_arguments(parser)


def run(args) -> int:
    from grading.batch import grade_batch

    report = grade_batch(args.root, args.episode, options_from_arguments(args),
                         submissions=args.submissions, students=args.students)
    print(report.table())
    print(f"report: {Path(args.root).resolve() / 'reports' / (args.episode + '.json')}")
    return 0 if report.ok else 1
