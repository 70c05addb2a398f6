"""Checks of command-line paths, run before any slow work, each failing with a ValueError that
names the option (``dsu`` prints it as one line and exits 2).

>>> existing_folder("/etc/hostname", "--root")
Traceback (most recent call last):
ValueError: --root: /etc/hostname is not a folder
"""

from __future__ import annotations

from pathlib import Path

from course.learner.layout import writable_folder
from grading.course_settings import course_settings

__all__ = ["course_root", "existing_folder", "writable_folder"]


def existing_folder(path: Path | str, option: str) -> Path:
    """``path`` resolved against the current folder; ValueError unless it is an existing folder."""
    folder = (Path.cwd() / Path(path).expanduser()).resolve()
    if not folder.exists():
        raise ValueError(f"{option}: no such folder: {folder}")
    if not folder.is_dir():
        raise ValueError(f"{option}: {folder} is not a folder")
    return folder


def course_root(path: Path | str, db_url: str | None = None, option: str = "--root") -> Path:
    """An nbgrader course root made by ``dsu release``: a folder with nbgrader_config.py and,
    unless ``db_url`` names another database, its gradebook.db."""
    root = existing_folder(path, option)
    if not (root / "nbgrader_config.py").is_file():
        raise ValueError(f"{option}: {root} is not an nbgrader course root (no nbgrader_config.py); "
                         "make one with `dsu release --root ROOT`")
    if db_url is None and not (root / "gradebook.db").is_file():
        url, _ = course_settings(root)
        if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
            raise ValueError(f"{option}: {root} has no gradebook yet ({url[len('sqlite:///'):]}): "
                             "release and grade an episode first")
    return root
