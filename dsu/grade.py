"""Autograde submissions with nbgrader, each student's code boxed, several at a time.

Checks and repairs every notebook first (broken JSON, deleted or retyped cells, edited tests),
grades each student in a private nbgrader course root inside the sandbox (time, memory, CPU
and process limits, no network, nothing of the machine but the Python installation and the
course package), checks the answers with the assessment's answer key outside the student's
kernel, merges the grades into the gradebook, checks the gradebook and prints one line per
student. With ``--submissions`` only the students in that folder are graded (``--all`` adds
everyone already in the course root).

Example:
    dsu release ep51 --root build/nbgrader
    dsu grade ep51 --root build/nbgrader --submissions collected/ --workers 2
    # collected/<student>/ep51/assessment.ipynb; report in build/nbgrader/reports/ep51.json
    dsu grade ep51 --root build/nbgrader --db-url postgresql://grader@db/dsu --cell-timeout 30
"""

from __future__ import annotations

import os
from pathlib import Path

from course.notebooks.nbgrader_course import DEFAULT_ROOT
from grading.batch import grade_batch
from grading.options import add_option_arguments, options_from_arguments


def add_arguments(parser) -> None:
    parser.add_argument("episode", help="episode id (the nbgrader assignment), e.g. ep51")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="nbgrader course root")
    parser.add_argument("--submissions", type=Path, default=None,
                        help="folder of <student>/<episode>/*.ipynb (default: the root's submitted/); "
                             "only the students found there are graded")
    parser.add_argument("--all", action="store_true", dest="everyone",
                        help="with --submissions, also re-grade every student already in the course root")
    parser.add_argument("--student", action="append", dest="students", metavar="ID",
                        help="grade only this student (repeatable)")
    add_option_arguments(parser)


def checked_folder(flag: str, path: Path, writable: bool) -> Path:
    """``path`` resolved, if it is an existing (writable) folder; ValueError naming ``flag`` otherwise.

    >>> checked_folder("--root", Path("/nonexistent-dsu"), writable=True)
    Traceback (most recent call last):
    ...
    ValueError: --root /nonexistent-dsu: no such folder
    """
    resolved = Path(path).expanduser().resolve()
    shown = f"{flag} {path}" + (f" (= {resolved})" if not Path(path).is_absolute() else "")
    if not resolved.exists():
        raise ValueError(f"{shown}: no such folder")
    if not resolved.is_dir():
        raise ValueError(f"{shown}: not a folder")
    if writable and not os.access(resolved, os.W_OK | os.X_OK):
        raise ValueError(f"{shown}: not writable")
    if not writable and not os.access(resolved, os.R_OK | os.X_OK):
        raise ValueError(f"{shown}: not readable")
    return resolved


def run(args) -> int:
    options = options_from_arguments(args)  # bad numbers: ValueError naming the option
    root = checked_folder("--root", args.root, writable=True)
    if not (root / "nbgrader_config.py").is_file():
        raise ValueError(f"--root {args.root}: not a course root (no nbgrader_config.py); "
                         f"run `dsu release {args.episode} --root {args.root}` first")
    submissions = checked_folder("--submissions", args.submissions, writable=False) if args.submissions else None
    if args.everyone and submissions is None:
        raise ValueError("--all only makes sense with --submissions (without it every student is graded)")
    if submissions is not None and not args.everyone:
        print(f"grading only the students in {args.submissions} (add --all to re-grade everyone in the course root)")
    report = grade_batch(root, args.episode, options, submissions=submissions, students=args.students,
                         everyone=args.everyone)
    print(report.table(scores=False))
    print(f"report: {root / 'reports' / (args.episode + '.json')}")
    return 0 if report.ok else 1
