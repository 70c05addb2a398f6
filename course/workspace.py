"""The learner's workspace: student versions of the notebooks, never overwritten.

``dsu lab`` and ``dsu build`` deliver the student version of every notebook into a
folder of the learner's own (``workspace/`` in the repository, git-ignored; set
``DSU_WORKSPACE`` or ``--workspace`` to put it elsewhere). A manifest in
``.dsu/manifest.json`` remembers the hash of what was delivered, so an update can tell
apart three cases:

* a notebook the learner does not have yet is added;
* a notebook whose upstream version did not change is left alone;
* a notebook that changed upstream is **not** overwritten: the new version is saved
  beside it as ``<name>.upstream-<hash>.ipynb`` and reported.

>>> import tempfile
>>> from pathlib import Path
>>> ws = Path(tempfile.mkdtemp())
>>> update_workspace(ws, {Path("a.ipynb"): b"{}"}).added
[PosixPath('a.ipynb')]
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course import REPO_ROOT

MANIFEST = Path(".dsu") / "manifest.json"
SHARED_ASSETS = ("images", "styles", "data")


def default_workspace() -> Path:
    """The workspace folder: ``$DSU_WORKSPACE`` if set, else ``workspace/`` in the repo."""
    return Path(os.environ.get("DSU_WORKSPACE", REPO_ROOT / "workspace")).expanduser().resolve()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class UpdateReport:
    """What an update did, notebook by notebook (paths relative to the workspace)."""

    added: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    #: (learner's notebook, where the new upstream version was saved)
    changed_upstream: list[tuple[Path, Path]] = field(default_factory=list)

    def summary(self) -> str:
        lines = []
        if self.added:
            lines.append(f"Added {len(self.added)} notebook(s):")
            lines += [f"  + {p}" for p in self.added]
        if self.changed_upstream:
            lines.append("These notebooks changed in the course; your copies were kept as they are.")
            lines.append("A fresh copy of each was saved beside yours:")
            lines += [f"  * {mine}  ->  fresh copy: {fresh}" for mine, fresh in self.changed_upstream]
            lines.append(
                "To start over from the new version, rename or delete yours and rename the fresh copy."
            )
        if not lines:
            lines.append(f"Workspace up to date ({len(self.unchanged)} notebooks).")
        return "\n".join(lines)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _load_manifest(workspace: Path) -> dict:
    path = workspace / MANIFEST
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"delivered": {}}


def _save_manifest(workspace: Path, manifest: dict) -> None:
    _write_atomically(workspace / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())


def _fresh_copy_path(relative: Path, digest: str) -> Path:
    return relative.with_name(f"{relative.stem}.upstream-{digest[:8]}{relative.suffix}")


def update_workspace(workspace: Path, notebooks: dict[Path, bytes]) -> UpdateReport:
    """Deliver ``notebooks`` (relative path -> content) into ``workspace`` without overwriting.

    A file is only ever created, never replaced, except the manifest itself.
    """
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(workspace)
    delivered: dict[str, str] = manifest.setdefault("delivered", {})
    report = UpdateReport()
    for relative, content in sorted(notebooks.items()):
        relative = Path(relative)
        key = relative.as_posix()
        digest = sha256(content)
        target = workspace / relative
        if not target.exists():
            _write_atomically(target, content)
            delivered[key] = digest
            report.added.append(relative)
        elif delivered.get(key) == digest:
            report.unchanged.append(relative)
        else:
            fresh = _fresh_copy_path(relative, digest)
            if not (workspace / fresh).exists():
                _write_atomically(workspace / fresh, content)
            report.changed_upstream.append((relative, fresh))
    _save_manifest(workspace, manifest)
    return report


def student_notebooks(episodes: list[str] | None = None, build_root: Path | None = None) -> dict[Path, bytes]:
    """Generate the student version of every notebook with nbgrader.

    Returns relative workspace path (``series-N/<episode>/<name>.ipynb``) -> notebook bytes.
    """
    from course.syllabus import load_syllabus
    from grading.course_dir import generate_assignment, prepare

    syllabus = load_syllabus()
    selected = [syllabus.episode(e) for e in episodes] if episodes else syllabus.episodes()
    with tempfile.TemporaryDirectory(prefix="dsu-student-") as tmp:
        root = prepare(Path(build_root or tmp), [ep.id for ep in selected])
        result = {}
        for ep in selected:
            release = generate_assignment(root, ep.id)
            for nb in ep.notebooks:
                result[nb.relative_path] = (release / nb.filename).read_bytes()
        return result


def copy_shared_assets(workspace: Path) -> None:
    """Copy the course's shared images, styles and data sets into the workspace.

    These belong to the course, not the learner, so they are refreshed on every build.
    """
    for name in SHARED_ASSETS:
        source = REPO_ROOT / "shared" / name
        if source.is_dir():
            shutil.copytree(source, workspace / "shared" / name, dirs_exist_ok=True)


def write_start_page(workspace: Path) -> Path:
    """(Re)write the start page; a copy the learner edited is saved beside it first."""
    import nbformat

    from course.startpage import START_PAGE, start_page_notebook

    path = workspace / START_PAGE
    content = (nbformat.writes(start_page_notebook()) + "\n").encode()
    manifest = _load_manifest(workspace)
    previous = manifest.get("start_page")
    if path.exists():
        current = sha256(path.read_bytes())
        if current != previous and current != sha256(content):
            backup = path.with_name(f"START-HERE.edited-{current[:8]}.ipynb")
            if not backup.exists():
                shutil.copy2(path, backup)
    _write_atomically(path, content)
    manifest["start_page"] = sha256(content)
    _save_manifest(workspace, manifest)
    return path


def build_workspace(workspace: Path | None = None, episodes: list[str] | None = None) -> UpdateReport:
    """Build or update the learner workspace; return what changed."""
    workspace = Path(workspace or default_workspace())
    report = update_workspace(workspace, student_notebooks(episodes))
    copy_shared_assets(workspace)
    write_start_page(workspace)
    return report
