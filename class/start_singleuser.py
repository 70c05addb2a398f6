"""Start a learner's JupyterLab under JupyterHub: build the workspace with the kit, then the server.

JupyterHub runs this as the single-user command (``c.Spawner.cmd``; in the course image it is the
container's command, see class/Dockerfile). It builds ``~/dsu`` the way ``dsu lab`` does
(:func:`course.learner.workspace.build_workspace`: new notebooks added, a notebook the learner
edited never overwritten, a changed one saved beside it as ``*.upstream-<hash>.ipynb``) and then
becomes ``jupyterhub-singleuser`` with the arguments the spawner gave.

Generating student versions runs nbgrader (seconds per episode), which a class of hundreds must
not do at every login. The hub (or the image) builds one *seed* workspace; before building, the
cached student versions and their source keys are copied from it (``$DSU_SEED_WORKSPACE``), so
the build reuses them whenever they are current and runs nbgrader only if they are not.

Environment: ``DSU_WORKSPACE`` (default ``~/dsu``), ``DSU_SEED_WORKSPACE`` (optional),
``DSU_WORKSPACE_EPISODES`` (comma-separated episode ids; default all).

Example (what the spawner runs)::

    DSU_SEED_WORKSPACE=/srv/dsu-seed python class/start_singleuser.py --port=52000
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from course.learner.manifest import read_manifest, save_manifest
from course.learner.student_versions import CACHE
from course.learner.workspace import build_workspace

#: where nbgrader fetches assignments to and submits them from, in the workspace
ASSIGNMENTS = "assignments"


def seed_cache(workspace: Path, seed: Path) -> list[str]:
    """Copy the seed's cached student versions into ``workspace`` where the learner's differ.

    Only the kit's cache (``.dsu/upstream/``) and its source keys change; the learner's own
    notebooks are not touched (the build decides about those). Returns the episode ids copied.

    >>> import tempfile
    >>> seed_cache(Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()))
    []
    """
    seed_sources = read_manifest(seed).get("sources")
    if not isinstance(seed_sources, dict):
        return []
    manifest = read_manifest(workspace)
    sources = manifest.get("sources") if isinstance(manifest.get("sources"), dict) else {}
    copied = []
    for episode, record in sorted(seed_sources.items()):
        if sources.get(episode) == record or not isinstance(record, dict):
            continue
        for relative in record.get("notebooks", {}):
            target = workspace / CACHE / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(seed / CACHE / relative, target)
        sources[episode] = record
        copied.append(episode)
    if copied:
        manifest["sources"] = sources
        save_manifest(workspace, manifest)
    return copied


def main(argv: list[str]) -> None:
    workspace = Path(os.environ.get("DSU_WORKSPACE") or Path.home() / "dsu")
    workspace.mkdir(parents=True, exist_ok=True)
    seed = os.environ.get("DSU_SEED_WORKSPACE")
    if seed and Path(seed).is_dir():
        seed_cache(workspace, Path(seed))
    episodes = [e for e in os.environ.get("DSU_WORKSPACE_EPISODES", "").split(",") if e]
    report = build_workspace(workspace, episodes or None)
    # nbgrader's Assignments tab works in the folder the class's nbgrader config names
    # (Exchange.assignment_dir, ~/dsu/assignments) and fails if it does not exist
    (workspace / ASSIGNMENTS).mkdir(exist_ok=True)
    print(report.summary(), file=sys.stderr, flush=True)
    server = [sys.executable, "-m", "jupyterhub.singleuser", *argv]
    os.execv(sys.executable, server)


if __name__ == "__main__":
    main(sys.argv[1:])
