"""Where a learner's workspace is and the names of the files that make it one.

A workspace is a folder built by ``dsu build`` / ``dsu lab``: it holds the manifest
``.dsu/manifest.json``. Every other learner module finds the workspace through here.

>>> is_workspace(Path("/nonexistent"))
False
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from course.paths import course_root

MANIFEST = Path(".dsu") / "manifest.json"
#: The course map JupyterLab opens on (written by :mod:`course.learner.startpage`).
START_PAGE = "START-HERE.ipynb"


def default_workspace() -> Path:
    """The workspace folder: ``$DSU_WORKSPACE`` if set, else ``workspace/`` in the repo."""
    return Path(os.environ.get("DSU_WORKSPACE") or course_root() / "workspace").expanduser().resolve()


def writable_folder(path: Path | str, option: str) -> Path:
    """``path`` as an absolute folder, created if missing and checked writable before any work.

    A relative ``path`` is resolved against the current folder, once. Raises ValueError naming
    ``option`` when the path is a file, cannot be created or cannot be written.

    >>> import tempfile
    >>> writable_folder(Path(tempfile.mkdtemp()) / "out", "--out").name
    'out'
    """
    folder = Path(path).expanduser()
    folder = (Path.cwd() / folder).resolve() if not folder.is_absolute() else folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{option}: {folder} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ValueError(f"{option}: cannot write to {folder} ({error.strerror or error})") from None
    return folder


def usable_workspace(path: Path | str | None = None) -> Path:
    """The workspace folder (default :func:`default_workspace`), absolute, created and writable.

    >>> usable_workspace("/etc/hostname")
    Traceback (most recent call last):
    ValueError: --workspace: /etc/hostname is not a folder
    """
    return writable_folder(path if path is not None else default_workspace(), "--workspace")


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` is a workspace built by ``dsu build`` (it holds the manifest)."""
    return (Path(folder) / MANIFEST).is_file()


def find_workspace(cwd: Path | None = None) -> Path | None:
    """The workspace progress goes to, or None when there is no built workspace.

    The workspace that contains ``cwd`` (a kernel's current folder is its notebook's
    folder) wins over ``$DSU_WORKSPACE`` / the default one.
    """
    here = Path(cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_workspace(folder):
            return folder
    fallback = default_workspace()
    return fallback if is_workspace(fallback) else None
