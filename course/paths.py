"""Where the course's own files are: the one place that knows the course root.

The package ships its own data (the syllabus, the lab configuration) and reads it with
:mod:`importlib.resources`. The course *material* — ``series-*/`` notebooks, ``shared/data``
— is not part of the package: it lives in a course checkout, found by :func:`course_root`.

>>> (course_root() / "series-3").is_dir()
True
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming the course checkout when the package is installed elsewhere.
COURSE_ROOT_VARIABLE = "DSU_COURSE_ROOT"


def course_root() -> Path:
    """The course checkout (the folder holding ``series-1``, ``series-3``, ``shared``).

    ``$DSU_COURSE_ROOT`` when set, else the checkout this package sits in (an editable
    install, or running from the repository).
    """
    override = os.environ.get(COURSE_ROOT_VARIABLE)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent
