"""The workspace manifest (``.dsu/manifest.json``): what was delivered, read and written safely.

>>> read_manifest(Path("/nonexistent"))
{'delivered': {}}
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from course.learner.layout import MANIFEST


def sha256(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` in one step: a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def read_manifest(workspace: Path) -> dict:
    """The workspace's manifest (empty when there is none); ValueError if it is not one.

    >>> read_manifest(Path("/nonexistent"))
    {'delivered': {}}
    """
    path = Path(workspace) / MANIFEST
    if not path.exists():
        return {"delivered": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the workspace manifest {path} is unreadable ({error}); "
                         "move it away and run `dsu build` to rebuild it") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("delivered", {}), dict):
        raise ValueError(f"the workspace manifest {path} is not a manifest; "
                         "move it away and run `dsu build` to rebuild it")
    return manifest



def save_manifest(workspace: Path, manifest: dict) -> None:
    write_atomically(workspace / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
