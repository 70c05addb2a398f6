"""Strip outputs, execution counts and saved widget state from notebooks.

Keeps ``metadata.nbgrader`` and the outputs of cells marked ``# NBVAL_CHECK_OUTPUT``.

Example:
    dsu clean series-3            # every notebook below series-3/
    dsu clean --check series-1    # exit 1 if anything would change
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="notebooks or folders holding them")
    parser.add_argument("--check", action="store_true", help="report problems, change nothing")


def _notebooks(paths):
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif not path.exists():
            raise ValueError(f"no such notebook or folder: {path}")
        elif path.suffix == ".ipynb":
            yield path
        else:
            raise ValueError(f"{path} is neither a notebook nor a folder")


def run(args) -> int:
    # nbformat: 1.3 s to import, only for this command
    from course.notebooks.notebook_format import clean_file, hygiene_problems

    status = 0
    for nb in _notebooks(args.paths):
        if args.check:
            for problem in hygiene_problems(nb):
                print(problem)
                status = 1
        elif clean_file(nb):
            print(f"cleaned {nb}")
    return status
