"""Every grading option, declared once with its default, unit and help text.

``dsu grade`` builds its command-line flags from :class:`GradingOptions` (one flag per field,
``cell_timeout`` -> ``--cell-timeout``), and ``grading/README.md`` lists the same table, so
a default lives in exactly one place.

>>> GradingOptions().cell_timeout
60.0
>>> GradingOptions(workers=0)
Traceback (most recent call last):
...
ValueError: workers must be >= 1; got 0
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

SANDBOX_MODES = ("auto", "bubblewrap", "rlimits")


def _option(default, help_text: str, unit: str = ""):
    return field(default=default, metadata={"help": help_text, "unit": unit})


@dataclass(frozen=True)
class GradingOptions:
    """How a batch of submissions is graded (limits apply to each student's kernel)."""

    workers: int = _option(os.cpu_count() or 1, "submissions graded at the same time (processes)")
    cell_timeout: float = _option(60.0, "wall-clock limit per cell; a cell over it costs only its question", "s")
    memory_mb: int = _option(2048, "address-space limit of a student's kernel (RLIMIT_AS)", "MB")
    cpu_seconds: int = _option(600, "CPU-time limit of a student's kernel (RLIMIT_CPU)", "s")
    max_processes: int = _option(64, "processes and threads a student's kernel may run (RLIMIT_NPROC)")
    file_mb: int = _option(64, "largest file a student's kernel may write (RLIMIT_FSIZE)", "MB")
    output_kb: int = _option(1024, "output kept per cell; the rest is cut with a note", "kB")
    kernel_restarts: int = _option(3, "kernel deaths tolerated per notebook before the rest scores 0")
    sandbox: str = _option("auto", "isolation: auto (best available), bubblewrap (refuse without), rlimits (limits only)")
    db_url: str | None = _option(None, "SQLAlchemy URL of the gradebook (default: SQLite in the course root)")
    scratch: str | None = _option(None, "folder for per-student private course roots (default: system temp)")
    scheduler: str | None = _option(None, "grade on Dask: a scheduler address (tcp://host:8786) or local:N "
                                          "(N local worker processes); one task per student (default: --workers "
                                          "local processes)")

    def __post_init__(self):
        for name in ("workers", "memory_mb", "cpu_seconds", "max_processes", "file_mb", "output_kb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be >= 1; got {value!r}")
        if isinstance(self.kernel_restarts, bool) or not isinstance(self.kernel_restarts, int) or self.kernel_restarts < 0:
            raise ValueError(f"kernel_restarts must be an integer >= 0; got {self.kernel_restarts!r}")
        if not isinstance(self.cell_timeout, int | float) or not 0 < self.cell_timeout <= 86_400:
            raise ValueError(f"cell_timeout must lie in (0, 86400] seconds; got {self.cell_timeout!r}")
        object.__setattr__(self, "cell_timeout", float(self.cell_timeout))
        if self.sandbox not in SANDBOX_MODES:
            raise ValueError(f"sandbox must be one of {', '.join(SANDBOX_MODES)}; got {self.sandbox!r}")
        if self.scheduler is not None:
            from grading.dask_grading import parse_scheduler

            parse_scheduler(self.scheduler)  # ValueError naming scheduler and what is allowed


def option_table() -> list[dict]:
    """One row per option (name, flag, default, unit, help) — the reference table in the README."""
    rows = []
    for f in fields(GradingOptions):
        default = f.default if f.name != "workers" else "number of CPUs"
        rows.append({
            "name": f.name,
            "flag": "--" + f.name.replace("_", "-"),
            "default": default,
            "unit": f.metadata["unit"],
            "help": f.metadata["help"],
        })
    return rows


def add_option_arguments(parser) -> None:
    """Add one command-line flag per :class:`GradingOptions` field to an argparse parser."""
    for f in fields(GradingOptions):
        kind = {"int": int, "float": float}.get(str(f.type).split(" ")[0], str)
        unit = f" [{f.metadata['unit']}]" if f.metadata["unit"] else ""
        kwargs = {"type": kind, "default": None, "help": f"{f.metadata['help']}{unit} (default: {f.default})"}
        if f.name == "sandbox":
            kwargs["choices"] = SANDBOX_MODES
        parser.add_argument("--" + f.name.replace("_", "-"), dest=f.name, **kwargs)


def options_from_arguments(args) -> GradingOptions:
    """The :class:`GradingOptions` a parsed command line asks for (unset flags keep defaults)."""
    given = {f.name: getattr(args, f.name) for f in fields(GradingOptions) if getattr(args, f.name, None) is not None}
    return GradingOptions(**given)


def option_table_markdown() -> str:
    """The option reference as a Markdown table (pasted into grading/README.md; a test keeps it in step)."""
    lines = ["| option | default | unit | what it does |", "|---|---|---|---|"]
    lines += [f"| `{r['flag']}` | {r['default']} | {r['unit']} | {r['help']} |" for r in option_table()]
    return "\n".join(lines)
