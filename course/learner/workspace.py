"""The learner's workspace: student versions of the notebooks, never overwritten.

``dsu lab`` and ``dsu build`` deliver the student version of every notebook into a
folder of the learner's own (``workspace/`` in the repository, git-ignored; set
``DSU_WORKSPACE`` or ``--workspace`` to put it elsewhere). A manifest in
``.dsu/manifest.json`` remembers the hash of what was delivered, so an update can tell
apart three cases:

* a notebook the learner does not have yet is added;
* a notebook whose upstream version did not change is left alone;
* a notebook that changed upstream is **not** overwritten: the new version is saved
  beside it as ``<name>.upstream-<hash>.ipynb`` and reported, until the learner resolves it
  (their copy becomes byte-identical to the new version, or they delete the fresh copy after
  merging what they wanted from it).

Student versions are generated with nbgrader only for episodes whose sources changed since
the last build (:mod:`course.learner.student_versions`), so an update with nothing new takes a second.

>>> import tempfile
>>> from pathlib import Path
>>> ws = Path(tempfile.mkdtemp())
>>> update_workspace(ws, {Path("a.ipynb"): b"{}"}).added
[PosixPath('a.ipynb')]
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from course.learner.layout import (
    MANIFEST,
    START_PAGE,
    default_workspace,
    usable_workspace,
    writable_folder,
)
from course.learner.manifest import read_manifest, save_manifest, sha256, write_atomically
from course.learner.startpage import start_page_notebook
from course.learner.student_versions import current_student_notebooks
from course.notebooks.links import with_landing_links
from course.paths import course_root

__all__ = ["MANIFEST", "START_PAGE", "UpdateReport", "build_workspace", "default_workspace",
           "read_manifest", "save_manifest", "update_workspace", "usable_workspace",
           "writable_folder"]

SHARED_ASSETS = ("images", "styles", "data")


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


def _fresh_copy_path(relative: Path, digest: str) -> Path:
    return relative.with_name(f"{relative.stem}.upstream-{digest[:8]}{relative.suffix}")


def update_workspace(workspace: Path, notebooks: dict[Path, bytes]) -> UpdateReport:
    """Deliver ``notebooks`` (relative path -> content) into ``workspace`` without overwriting.

    A file is only ever created, never replaced, except the manifest itself. A fresh copy
    stops being reported once resolved: the learner's copy is byte-identical to the new
    version, or the learner deleted the fresh copy that was saved.
    """
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(workspace)
    delivered: dict[str, str] = manifest.setdefault("delivered", {})
    #: notebook -> digest of the fresh copy saved beside it (to tell "deleted" from "never saved")
    saved_fresh: dict[str, str] = manifest.setdefault("fresh_copies", {})
    report = UpdateReport()
    for relative, content in sorted(notebooks.items()):
        relative = Path(relative)
        key = relative.as_posix()
        digest = sha256(content)
        target = workspace / relative
        fresh = _fresh_copy_path(relative, digest)
        if not target.exists():
            write_atomically(target, content)
            delivered[key] = digest
            saved_fresh.pop(key, None)
            report.added.append(relative)
        elif delivered.get(key) == digest:
            report.unchanged.append(relative)
        elif sha256(target.read_bytes()) == digest or (
                saved_fresh.get(key) == digest and not (workspace / fresh).exists()):
            delivered[key] = digest  # resolved by the learner: nothing left to tell them
            saved_fresh.pop(key, None)
            report.unchanged.append(relative)
        else:
            if not (workspace / fresh).exists():
                write_atomically(workspace / fresh, content)
            saved_fresh[key] = digest
            report.changed_upstream.append((relative, fresh))
    save_manifest(workspace, manifest)
    return report


def copy_shared_assets(workspace: Path) -> None:
    """Copy the course's shared folders (today ``shared/data``: the data sets) into the workspace.

    These belong to the course, not the learner, so they are refreshed on every build.
    """
    for name in SHARED_ASSETS:
        source = course_root() / "shared" / name
        if source.is_dir():
            shutil.copytree(source, workspace / "shared" / name, dirs_exist_ok=True)


def start_page_sources_key() -> str:
    """SHA-256 (hex) of what the start page is made from: the course package's code and the syllabus.

    Hashing every ``course/**/*.py`` is coarse on purpose: a build skips the start page (and
    nbformat's one-second import) only when nothing it could depend on changed.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(f"nbformat {version('nbformat')}".encode())
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")) + [package / "syllabus.toml"]:
        digest.update(f"\n{source.relative_to(package).as_posix()} {sha256(source.read_bytes())}".encode())
    return digest.hexdigest()


def write_start_page(workspace: Path) -> Path:
    """(Re)write the start page; a copy the learner edited is saved beside it first.

    Left alone when it is exactly what the last build wrote from the same sources.
    """
    path = workspace / START_PAGE
    manifest = read_manifest(workspace)
    previous = manifest.get("start_page")
    key = start_page_sources_key()
    if manifest.get("start_page_sources") == key and path.is_file() and sha256(path.read_bytes()) == previous:
        return path
    import nbformat  # a second to import: only when the start page is really rewritten

    content = (nbformat.writes(start_page_notebook()) + "\n").encode()
    if path.exists():
        current = sha256(path.read_bytes())
        if current != previous and current != sha256(content):
            backup = path.with_name(f"START-HERE.edited-{current[:8]}.ipynb")
            if not backup.exists():
                shutil.copy2(path, backup)
    write_atomically(path, content)
    manifest["start_page"] = sha256(content)
    manifest["start_page_sources"] = key
    save_manifest(workspace, manifest)
    return path


def build_workspace(workspace: Path | None = None, episodes: list[str] | None = None,
                    progress: Callable[[str], None] | None = None) -> UpdateReport:
    """Build or update the learner workspace; return what changed.

    Only episodes whose sources changed since the last build go through nbgrader;
    ``progress`` (e.g. ``print``) gets one line per episode and notebook generated.
    """
    workspace = usable_workspace(workspace)
    read_manifest(workspace)  # a corrupt manifest stops the build before any work
    notebooks = current_student_notebooks(workspace, episodes, progress)
    # links to another notebook's heading land on it
    report = update_workspace(workspace, with_landing_links(notebooks))
    copy_shared_assets(workspace)
    write_start_page(workspace)
    return report
