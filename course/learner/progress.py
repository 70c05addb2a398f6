"""Your progress, recorded in your workspace: self-checks run and notebooks opened or finished.

Like a logbook, the store only ever appends a line — "exercise ep51-littles-law passed at
10:42" — and what those lines mean (how far you are, what to do next) is worked out when
you ask (:mod:`course.learner.progress_summary`). Lines are never changed or deleted, so a crash in
the middle of a write loses at most that one line.

The logbook is an SQLite file, ``<workspace>/.dsu/progress.sqlite``, in write-ahead-log
mode with a busy timeout: several kernels (two notebooks open at once) can write to it at
the same time, and a kernel killed mid-write leaves it readable.

Which workspace? The one the kernel runs in (a folder above the current directory holding
``.dsu/manifest.json``, i.e. one built by ``dsu build`` / ``dsu lab``), else
``$DSU_WORKSPACE`` or ``./workspace`` of the course repository if it has been built. Nothing
is recorded without a built workspace, nor from inside the course repository outside its
workspace: that is an author running the source notebooks or the tests, not a learner.

A notebook says it was opened (its first code cell calls :func:`mark_opened`) or run to its
end (its last cell calls :func:`mark_finished`) with its id, ``"<episode>/<notebook>"``. The
id is written in the call rather than guessed from the kernel: a kernel learns its notebook's
path only from ``$JPY_SESSION_NAME``, which jupyter_server sets when the kernel starts (not
after a rename, and not under nbval or other front ends). Without an id the calls fall back
to that variable (:func:`session_notebook`). A notebook that does not call them (the
assessments) counts as opened once one of its self-checks ran.

>>> import tempfile
>>> ws = Path(tempfile.mkdtemp())
>>> _ = record_notebook("ep51/1-foundations", "opened", workspace=ws)
>>> _ = record_check("ep51-littles-law", passed=True, attempted=True, workspace=ws)
>>> [(e.kind, e.subject, e.outcome) for e in ProgressStore(ws).events()]
[('notebook', 'ep51/1-foundations', 'opened'), ('check', 'ep51-littles-law', 'passed')]

Taught in: the start page (START-HERE.ipynb) and every notebook's self-checks.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
import warnings
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from course.learner.layout import MANIFEST, find_workspace, is_workspace
from course.paths import course_root
from course.syllabus import load_syllabus

__all__ = ["MANIFEST", "STORE", "Event", "ProgressStore", "find_workspace", "is_workspace",
           "mark_finished", "mark_opened", "notebook_id", "record_check", "record_notebook",
           "recording_workspace"]

STORE = Path(".dsu") / "progress.sqlite"
CHECK_OUTCOMES = ("passed", "failed", "not-attempted")
NOTEBOOK_EVENTS = ("opened", "finished")
#: How long a writer waits for another kernel's write to finish before giving up (seconds).
BUSY_TIMEOUT = 30.0
SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('check', 'notebook')),
    subject TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX events_subject ON events (kind, subject);
PRAGMA user_version = 1;
"""


@dataclass(frozen=True)
class Event:
    """One line of the logbook. ``recorded_at`` is in seconds since the Unix epoch."""

    recorded_at: float
    kind: str
    subject: str
    outcome: str


def _create_store(path: Path) -> None:
    """Create the database next to ``path`` and move it in place in one step.

    Two kernels may start at once: each builds a complete file under a temporary name and
    links it to ``path``; the second link fails harmlessly, so no kernel ever sees a
    half-made database, and WAL mode (stored in the file) is set before anyone writes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".sqlite")
    os.close(fd)
    try:
        with closing(sqlite3.connect(tmp, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(SCHEMA)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: not atomic, but rare
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)


class ProgressStore:
    """The logbook of one workspace.

    >>> import tempfile
    >>> store = ProgressStore(Path(tempfile.mkdtemp()))
    >>> store.events()
    []
    """

    def __init__(self, workspace: Path):
        self.workspace = Path(workspace)
        self.path = self.workspace / STORE

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            _create_store(self.path)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        # FULL: a committed line survives a power cut too, not only a crashed kernel.
        db.execute("PRAGMA synchronous = FULL")
        return db

    def record(self, kind: str, subject: str, outcome: str, recorded_at: float | None = None) -> Event:
        """Append one line to the logbook and return it."""
        allowed = CHECK_OUTCOMES if kind == "check" else NOTEBOOK_EVENTS if kind == "notebook" else None
        if allowed is None:
            raise ValueError(f"kind must be 'check' or 'notebook'; got {kind!r}")
        if outcome not in allowed:
            raise ValueError(f"outcome of a {kind} must be one of {', '.join(allowed)}; got {outcome!r}")
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError(f"subject must be a non-empty string; got {subject!r}")
        event = Event(time.time() if recorded_at is None else float(recorded_at), kind, subject, outcome)
        with closing(self._connect()) as db:
            db.execute(
                "INSERT INTO events (recorded_at, kind, subject, outcome) VALUES (?, ?, ?, ?)",
                (event.recorded_at, event.kind, event.subject, event.outcome),
            )
        return event

    def events(self) -> list[Event]:
        """Every line of the logbook, oldest first."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute("SELECT recorded_at, kind, subject, outcome FROM events ORDER BY id").fetchall()
        return [Event(*row) for row in rows]

    def integrity(self) -> str:
        """SQLite's own check of the file: ``'ok'`` when it is sound."""
        with closing(self._connect()) as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]


def notebook_id(path_or_id: str | os.PathLike) -> str:
    """The id ``"<episode>/<notebook>"`` of a syllabus notebook given by id or by path.

    >>> notebook_id("series-3/ep51-mathematics-of-scale/1-foundations.ipynb")
    'ep51/1-foundations'
    >>> notebook_id("ep51/assessment")
    'ep51/assessment'
    """
    syllabus = load_syllabus()
    text = os.fspath(path_or_id)
    candidates = {f"{nb.episode.id}/{nb.name}": nb for nb in syllabus.notebooks()}
    if text in candidates:
        return text
    if text.endswith(".ipynb"):
        path = Path(text)
        full = (path if path.is_absolute() else Path.cwd() / path).resolve().as_posix()
        for key, nb in candidates.items():
            relative = nb.relative_path.as_posix()
            if text == relative or full.endswith("/" + relative):
                return key
    known = ", ".join(sorted(candidates)) or "(none)"
    raise ValueError(
        f"notebook must be a syllabus notebook id like 'ep51/1-foundations' or its path; "
        f"got {text!r}. Known ids: {known}"
    )


def recording_workspace(cwd: Path | None = None) -> Path | None:
    """The workspace a kernel running in ``cwd`` records to (None: do not record).

    As :func:`find_workspace`, except that a kernel inside the course repository but
    outside any workspace (source notebooks, nbval, doctests) records nothing.
    """
    here = Path(cwd or Path.cwd()).resolve()
    root = course_root()
    found = find_workspace(here)
    if found is not None and (here == found or found in here.parents):
        return found
    if here == root or root in here.parents:
        return None
    return found


def _store_for(workspace: Path | None) -> ProgressStore | None:
    folder = Path(workspace) if workspace is not None else recording_workspace()
    return ProgressStore(folder) if folder is not None else None


def _append(workspace: Path | None, kind: str, subject: str, outcome: str) -> Event | None:
    store = _store_for(workspace)
    if store is None:
        return None
    try:
        return store.record(kind, subject, outcome)
    except sqlite3.Error as error:
        # Progress is a convenience: a full disk must not break the learner's notebook.
        warnings.warn(f"progress not recorded ({store.path}): {error}", RuntimeWarning, stacklevel=3)
        return None


def record_check(exercise_id: str, *, passed: bool, attempted: bool, workspace: Path | None = None) -> Event | None:
    """Record the outcome of a self-check (called by :func:`course.learner.selfcheck.check`).

    Returns the line written, or None when there is no workspace to write to.
    """
    outcome = "passed" if passed else ("failed" if attempted else "not-attempted")
    return _append(workspace, "check", exercise_id, outcome)


def record_notebook(path_or_id: str | os.PathLike, event: str = "opened", workspace: Path | None = None) -> Event | None:
    """Record that a notebook was ``"opened"`` or ``"finished"``.

    ``path_or_id`` is a notebook id such as ``"ep51/1-foundations"`` (what a notebook
    should pass: a kernel does not reliably know its notebook's path) or a path.
    """
    if event not in NOTEBOOK_EVENTS:
        raise ValueError(f"event must be one of {', '.join(NOTEBOOK_EVENTS)}; got {event!r}")
    return _append(workspace, "notebook", notebook_id(path_or_id), event)


def session_notebook() -> str | None:
    """The id of the notebook this kernel was started for, or None when unknown.

    jupyter_server (JupyterLab, Notebook 7) starts a notebook's kernel with the notebook's
    full path in ``$JPY_SESSION_NAME``; other front ends (nbval, VS Code) may not set it, or
    set it to something that is not a course notebook.

    >>> import os
    >>> os.environ["JPY_SESSION_NAME"] = "/home/me/dsu/series-3/ep51-mathematics-of-scale/assessment.ipynb"
    >>> session_notebook()
    'ep51/assessment'
    >>> del os.environ["JPY_SESSION_NAME"]
    >>> session_notebook() is None
    True
    """
    name = os.environ.get("JPY_SESSION_NAME", "")
    if not name.endswith(".ipynb"):
        return None
    try:
        return notebook_id(name)
    except ValueError:  # a scratch notebook of the learner's: not part of the course
        return None


def mark_opened(notebook: str | None = None, workspace: Path | None = None) -> None:
    """Call in a notebook's first code cell: ``mark_opened("ep51/1-foundations")``.

    Without ``notebook``, the notebook the kernel was started for (:func:`session_notebook`)
    is recorded, if it is a course notebook.
    """
    notebook = notebook if notebook is not None else session_notebook()
    if notebook is not None:
        record_notebook(notebook, "opened", workspace)


def mark_finished(notebook: str | None = None, workspace: Path | None = None) -> None:
    """Call in a notebook's last code cell: ``mark_finished("ep51/3-strategy")``.

    Running it means every cell above ran, so a notebook without self-checks is done
    (:mod:`course.learner.progress_summary`). Without ``notebook``, as :func:`mark_opened`.
    """
    notebook = notebook if notebook is not None else session_notebook()
    if notebook is not None:
        record_notebook(notebook, "finished", workspace)
