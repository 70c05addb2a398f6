"""DSU course kit: the helper package every notebook imports.

Models (queueing, scalability, ...), simulations, widgets, self-checks and the
tooling behind the ``dsu`` command. Notebooks import from here; they do not copy.
"""

from pathlib import Path

__version__ = "0.1.0"

#: Root of the course repository (the folder holding ``series-1``, ``series-3``, ``shared``).
REPO_ROOT = Path(__file__).resolve().parent.parent
