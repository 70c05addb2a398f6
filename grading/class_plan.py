"""Sizing a class from measured figures: nodes for the learners' servers, Dask workers for a deadline.

The arithmetic behind the 10,000-learner plan in ``grading/README.md`` ("A class"), kept here so
that a test recomputes the README's table: change a measurement or an assumption and the test
says which line of the README is stale.

Inputs are of two kinds. :class:`Measured` holds figures measured on this kit (where and when
is said next to each); :class:`Assumptions` holds choices and guesses about a class (how many
learners work at the busiest hour, node sizes, how long grading may take), each a parameter.

>>> plan = class_plan(Measured(learner_server_mb=160, learner_kernel_mb=240, grading_seconds=4,
...                            grading_worker_mb=900, merge_seconds=0.1), Assumptions(learners=1000))
>>> plan.value("nodes for the learners' servers"), plan.value("minutes to grade a deadline")
(3, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Measured:
    """Figures measured on the kit (MB = 2**20 bytes, seconds of wall time)."""

    #: a learner's single-user server (jupyterhub-singleuser with JupyterLab and nbgrader), idle
    learner_server_mb: float
    #: peak resident memory of a kernel running the solved Ep51 assessment top to bottom
    learner_kernel_mb: float
    #: one Ep51 submission graded by one Dask worker (median task: repair, sandboxed kernel,
    #: checking kernel, verdicts), on a loaded 2-core machine
    grading_seconds: float
    #: a grading worker at its peak: the worker process plus its sandboxed kernels
    grading_worker_mb: float
    #: the single writer's cost per student: merge into the gradebook, notebooks copied
    merge_seconds: float

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{f.name} must be a number > 0; got {value!r}")


@dataclass(frozen=True)
class Assumptions:
    """Choices about the class and its machines (each can be argued with; change it here)."""

    learners: int = 10_000
    #: share of learners with a running server at the busiest hour (the evening before a deadline)
    peak_active_share: float = 0.25
    #: memory a learner may reach above the measured figures (a second kernel, a bigger simulation)
    learner_headroom: float = 1.5
    #: a Kubernetes node for learners: memory (GB = 2**30 bytes) and the share left for pods
    node_memory_gb: int = 64
    node_cores: int = 16
    node_allocatable_share: float = 0.85
    #: share of learners who submit at one deadline
    submitting_share: float = 0.9
    #: grading nodes: cores (one Dask worker each: a student's kernel runs on one core) and memory
    grading_node_cores: int = 16
    grading_node_memory_gb: int = 64
    #: Dask workers (cores) given to a deadline's grading
    grading_workers: int = 64

    def __post_init__(self):
        for name in ("learners", "node_memory_gb", "node_cores", "grading_node_cores", "grading_node_memory_gb", "grading_workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
        for name in ("peak_active_share", "node_allocatable_share", "submitting_share"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value <= 1:
                raise ValueError(f"{name} must lie in (0, 1]; got {value!r}")
        if not isinstance(self.learner_headroom, int | float) or not 1 <= self.learner_headroom <= 10:
            raise ValueError(f"learner_headroom must lie in [1, 10]; got {self.learner_headroom!r}")


@dataclass(frozen=True)
class PlanRow:
    quantity: str
    arithmetic: str
    value: float | int
    unit: str


@dataclass(frozen=True)
class ClassPlan:
    rows: tuple[PlanRow, ...]

    def value(self, quantity: str) -> float | int:
        """The value of the row named ``quantity`` (KeyError if there is none)."""
        for row in self.rows:
            if row.quantity == quantity:
                return row.value
        raise KeyError(quantity)

    def markdown(self) -> str:
        """The plan as a Markdown table (pasted into grading/README.md; a test keeps it in step)."""
        lines = ["| quantity | arithmetic | value |", "|---|---|---|"]
        lines += [f"| {r.quantity} | {r.arithmetic} | **{_fmt(r.value)}** {r.unit} |".replace("  |", " |")
                  for r in self.rows]
        return "\n".join(lines)


def _fmt(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def class_plan(measured: Measured, assumptions: Assumptions | None = None) -> ClassPlan:
    """Derive node counts, grading time and the single writer's load from ``measured`` figures.

    Memory in MB (2**20 bytes), node memory in GB (2**30 bytes), times in seconds and minutes.
    """
    a = assumptions or Assumptions()
    m = measured
    rows = []

    def row(quantity, arithmetic, value, unit=""):
        rows.append(PlanRow(quantity, arithmetic, value, unit))
        return value

    active = row("learners with a running server at the peak", f"{a.learners:,} × {a.peak_active_share:g}",
                 math.ceil(a.learners * a.peak_active_share))
    per_learner = row("memory per active learner", f"({m.learner_server_mb:g} server + {m.learner_kernel_mb:g} kernel) "
                      f"× {a.learner_headroom:g} headroom",
                      round((m.learner_server_mb + m.learner_kernel_mb) * a.learner_headroom, 1), "MB")
    usable = a.node_memory_gb * 1024 * a.node_allocatable_share
    per_node = row("learners per node", f"⌊{a.node_memory_gb} GB × 1024 × {a.node_allocatable_share:g} ÷ {per_learner:g} MB⌋",
                   math.floor(usable / per_learner))
    nodes = row("nodes for the learners' servers", f"⌈{active:,} ÷ {per_node}⌉", math.ceil(active / per_node))
    row("cores per active learner", f"{a.node_cores} cores ÷ {per_node}", round(a.node_cores / per_node, 2))
    row("memory of the learners' servers at the peak", f"{active:,} × {per_learner:g} MB ÷ 1024",
        round(active * per_learner / 1024, 1), "GB")
    submissions = row("submissions at a deadline", f"{a.learners:,} × {a.submitting_share:g}",
                      math.ceil(a.learners * a.submitting_share))
    worker_hours = row("grading work", f"{submissions:,} × {m.grading_seconds:g} s ÷ 3600",
                       round(submissions * m.grading_seconds / 3600, 1), "worker-hours")
    per_grading_node = row("Dask workers per grading node",
                           f"min({a.grading_node_cores} cores, ⌊{a.grading_node_memory_gb} GB × 1024 ÷ "
                           f"{m.grading_worker_mb:g} MB⌋)",
                           min(a.grading_node_cores, math.floor(a.grading_node_memory_gb * 1024 / m.grading_worker_mb)))
    row("grading nodes", f"⌈{a.grading_workers} workers ÷ {per_grading_node}⌉",
        math.ceil(a.grading_workers / per_grading_node))
    workers_minutes = row("minutes of the workers", f"⌈{submissions:,} × {m.grading_seconds:g} s ÷ "
                          f"{a.grading_workers} workers ÷ 60⌉",
                          math.ceil(submissions * m.grading_seconds / a.grading_workers / 60), "min")
    writer_minutes = row("minutes of the single writer", f"⌈{submissions:,} × {m.merge_seconds:g} s ÷ 60⌉",
                         math.ceil(submissions * m.merge_seconds / 60), "min")
    minutes = row("minutes to grade a deadline", f"max({workers_minutes:,}, {writer_minutes:,})",
                  max(workers_minutes, writer_minutes), "min")
    row("results arriving at the single writer", f"{a.grading_workers} workers ÷ {m.grading_seconds:g} s",
        round(a.grading_workers / m.grading_seconds, 1), "per s")
    row("the single writer's busy share", f"{a.grading_workers} ÷ {m.grading_seconds:g} s × {m.merge_seconds:g} s",
        round(a.grading_workers / m.grading_seconds * m.merge_seconds, 2))
    row("workers at which the single writer saturates", f"⌊{m.grading_seconds:g} s ÷ {m.merge_seconds:g} s⌋",
        math.floor(m.grading_seconds / m.merge_seconds))
    del worker_hours, nodes, minutes  # named for reading; the rows hold them
    return ClassPlan(tuple(rows))


#: The figures the README's plan is built on (2026-12-05, 2 cores shared with other work, load
#: 11-19; bench/measure_class_grading.py, 8 Ep51 submissions on a Dask LocalCluster of 2 workers
#: into PostgreSQL, run three times):
#: * learner_server_mb: jupyterhub-singleuser with JupyterLab and nbgrader, idle, median of the
#:   class test's learners (tests/test_class.py -> build/class-measurements.json);
#: * learner_kernel_mb: the solved Ep51 assessment run in a kernel, peak RSS (169.0 and 156.7 MB);
#: * grading_seconds: CPU seconds of the slowest Ep51 task (worker + its kernels; median 1.46 s):
#:   what a task costs on a core of its own, whatever the load (wall times here were 18 s median
#:   at load 15; bench/bench_grading.py measured 4.0 s per submission per worker on a quiet machine);
#: * grading_worker_mb: the Dask worker process (449.5 MB) plus its sandboxed kernels' summed
#:   peak (217.0 MB: the notebook's kernel and the checking kernel);
#: * merge_seconds: the single writer's CPU seconds per Ep51 student (median), a lower bound:
#:   PostgreSQL's own work is not in it, and its wall time at load 17 was 1.68 s.
MEASURED = Measured(learner_server_mb=158.1, learner_kernel_mb=169.0, grading_seconds=4.16,
                    grading_worker_mb=666.5, merge_seconds=0.153)
