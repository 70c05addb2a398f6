"""Where a course root keeps its gradebook, and the environment nbgrader needs to open it.

>>> import tempfile, pathlib
>>> url, course_id = course_settings(pathlib.Path(tempfile.mkdtemp()))
>>> url.startswith("sqlite:///") and url.endswith("gradebook.db"), course_id
(True, 'default_course')
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def use_this_environment() -> None:
    """nbgrader runs ``alembic`` from PATH when it creates a gradebook: put this venv's first."""
    bindir = os.path.dirname(sys.executable)
    if not os.environ.get("PATH", "").startswith(bindir + os.pathsep):
        os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])


def course_settings(root: Path, db_url: str | None = None) -> tuple[str, str]:
    """(gradebook URL, course id) of an nbgrader course root, read from its nbgrader_config.py.

    ``db_url`` (any SQLAlchemy URL) wins over the configuration; SQLite in the root is the default.
    """
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    config_file = root / "nbgrader_config.py"
    course = {}
    if config_file.is_file():
        course = PyFileConfigLoader(config_file.name, path=str(root)).load_config().get("CourseDirectory", {})
    url = db_url or course.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"
    return url, course.get("course_id") or "default_course"
