"""The ``dsu`` command: one small module per subcommand, registered in one table.

Each module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and hands the real
work to library code. ``dsu --help`` lists them; ``dsu CMD --help`` shows an example.

A user's mistake (a bad option, a missing or unwritable path, bad data) is one line on
stderr and exit code 2, never a traceback: library code raises ``ValueError`` (or an
``OSError`` from the file system) and :func:`main` prints it. Only real bugs show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: name -> (module under dsu, one-line help). The single registry of subcommands.
COMMANDS: dict[str, tuple[str, str]] = {
    "clean": ("clean", "strip outputs and widget state from notebooks (keeps nbgrader metadata)"),
    "build": ("build", "build or update the learner workspace without starting JupyterLab"),
    "lab": ("lab", "build or update the learner workspace and start JupyterLab on the start page"),
    "release": ("release", "generate the student version of episodes with nbgrader"),
    "syllabus": ("syllabus", "print the course map from the syllabus"),
    "grade": ("grade", "autograde submissions with nbgrader, sandboxed and in parallel"),
    "export": ("export", "export grades and per-question statistics as CSV"),
    "keys": ("keys", "create or show the certificate issuer's signing key"),
    "certify": ("certify", "issue a signed Open Badges 3.0 certificate to a learner who passed a series"),
    "verify": ("verify", "check a certificate's signature, issuer key and revocation status"),
    "revoke": ("revoke", "add a certificate to the signed revocation list"),
    "progress": ("progress", "show your progress per episode and the notebook to open next"),
    "search": ("search", "search the notebooks by title, headings and text"),
}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``dsu lab: argument --port: ...``), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="dsu", description="DSU course kit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(f"dsu.{module_name}")
        cmd = sub.add_parser(
            name,
            help=help_text,
            description=(module.__doc__ or help_text).strip(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except ValueError as error:
        print(f"dsu {args.command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a path that is missing, a file, unwritable...: the user's to fix
        print(f"dsu {args.command}: {describe_os_error(error)}", file=sys.stderr)
        return 2
    except Exception as error:
        message = database_error_message(error)
        if message is None:
            raise  # a bug: the traceback is what a maintainer needs
        print(f"dsu {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"dsu {args.command}: interrupted", file=sys.stderr)
        return 130


def describe_os_error(error: OSError) -> str:
    """``Permission denied: /proc/x`` rather than ``[Errno 13] Permission denied: '/proc/x'``.

    >>> describe_os_error(FileNotFoundError(2, "No such file or directory", "/missing"))
    'No such file or directory: /missing'
    """
    if error.strerror and error.filename:
        return f"{error.strerror}: {error.filename}"
    return error.strerror or str(error)


def database_error_message(error: Exception) -> str | None:
    """One line for a gradebook that cannot be opened (wrong --root or --db-url), else None.

    SQLAlchemy is only consulted if it was imported: otherwise ``error`` cannot be one of its.
    """
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None or not isinstance(error, exc.OperationalError | exc.ArgumentError | exc.NoSuchModuleError):
        return None
    detail = str(getattr(error, "orig", None) or error).splitlines()[0]
    return f"cannot open the gradebook ({detail}): check --root and --db-url"
