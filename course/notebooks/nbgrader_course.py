"""An nbgrader course folder built from the syllabus.

nbgrader wants ``source/<assignment>/<notebook>.ipynb`` under a course root; the kit keeps
its notebooks in ``series-N/<episode folder>/``. This module lays the one out from the
other (each episode is one assignment whose id is the episode id) and runs nbgrader's
own command line there.

>>> from pathlib import Path
>>> import tempfile
>>> root = prepare(Path(tempfile.mkdtemp()), ["ep51"])
>>> sorted(p.name for p in (root / "source" / "ep51").glob("*.ipynb"))[:1]
['1-foundations.ipynb']
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from course import REPO_ROOT
from course.syllabus import load_syllabus

CONFIG_TEMPLATE = Path(__file__).with_name("nbgrader_config.py")
#: The files that shape a generated student version besides its notebooks: this module, the
#: configuration and the release preprocessor it names (a path, so nbgrader is not imported).
STUDENT_VERSION_CODE = (CONFIG_TEMPLATE, Path(__file__), Path(__file__).with_name("release_stubs.py"))
DEFAULT_ROOT = REPO_ROOT / "build" / "nbgrader"


def prepare(root: Path = DEFAULT_ROOT, episodes: list[str] | None = None, db_url: str | None = None) -> Path:
    """Lay out (or refresh) an nbgrader course root with the source notebooks of ``episodes``.

    Parameters
    ----------
    root : folder of the nbgrader course (created if missing).
    episodes : episode ids to include; all episodes of the syllabus when None.
    db_url : SQLAlchemy URL of the gradebook; SQLite in ``root/gradebook.db`` when None.
    """
    syllabus = load_syllabus()
    selected = [syllabus.episode(e) for e in episodes] if episodes else syllabus.episodes()
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    for ep in selected:
        target = root / "source" / ep.id
        target.mkdir(parents=True, exist_ok=True)
        for nb in ep.notebooks:
            shutil.copy2(nb.path, target / nb.filename)
    config = CONFIG_TEMPLATE.read_text(encoding="utf-8")
    config += f"\nc.CourseDirectory.root = {str(root)!r}\n"
    if db_url:
        config += f"c.CourseDirectory.db_url = {db_url!r}\n"
    (root / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return root


def nbgrader(root: Path, *args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course root with this environment's Python."""
    env = dict(os.environ)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # nbgrader runs `alembic` from PATH when it creates a gradebook: use this environment's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def generate_assignment(root: Path, episode_id: str) -> Path:
    """Generate the student version of an episode; return its ``release/<episode>`` folder."""
    nbgrader(root, "generate_assignment", episode_id, "--force", "--create")
    return Path(root) / "release" / episode_id
