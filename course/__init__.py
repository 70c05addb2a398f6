"""DSU course kit: the helper package every notebook imports.

Models (queueing, scalability, ...), simulations, widgets, self-checks and the learner's
tooling (workspace, progress, search). Notebooks import from here; they do not copy. The
``dsu`` command lives in the separate package ``dsu``; README.md's "Library map" lists the
subpackages and the short import paths.
"""

from course.paths import course_root

__version__ = "0.1.0"

#: Root of the course checkout when the package was imported (see :func:`course.paths.course_root`).
REPO_ROOT = course_root()
