"""Student versions of the course notebooks, generated with nbgrader only when their sources change.

nbgrader takes seconds per episode, so a build remembers, per episode, a *source key*: the
SHA-256 of everything that shapes the student version (the episode's source notebooks and
their paths, the nbgrader configuration, the kit's generator code and nbgrader's version).
The last generated versions are kept in the workspace's ``.dsu/upstream/`` folder; an
episode whose key is unchanged is read from there instead of being generated again.

>>> key = source_key(_syllabus().episodes()[0])
>>> len(key), key == source_key(_syllabus().episodes()[0])
(64, True)
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import course.notebooks.nbgrader_course as nbgrader_course
from course.learner.manifest import read_manifest, save_manifest, sha256, write_atomically
from course.syllabus import load_syllabus

#: Bump when the way student versions are made changes in a way the key cannot see.
GENERATOR_FORMAT = 1
CACHE = Path(".dsu") / "upstream"


def _syllabus():
    return load_syllabus()


def source_key(episode) -> str:
    """The SHA-256 (hex) of everything that changes ``episode``'s student versions."""
    digest = hashlib.sha256(f"format {GENERATOR_FORMAT}; nbgrader {version('nbgrader')}\n".encode())
    for path in nbgrader_course.STUDENT_VERSION_CODE:
        digest.update(sha256(path.read_bytes()).encode())
    for nb in episode.notebooks:
        digest.update(f"\n{nb.relative_path.as_posix()} {nb.filename} ".encode())
        digest.update(sha256(nb.path.read_bytes()).encode())
    return digest.hexdigest()


def student_notebooks(episodes: list[str] | None = None, build_root: Path | None = None,
                      progress: Callable[[str], None] | None = None) -> dict[Path, bytes]:
    """Generate the student version of every notebook of ``episodes`` (default: all) with nbgrader.

    Returns relative workspace path (``series-N/<episode>/<name>.ipynb``) -> notebook bytes;
    ``progress`` gets one line per episode started and per notebook generated.
    """
    syllabus = _syllabus()
    selected = [syllabus.episode(e) for e in episodes] if episodes else syllabus.episodes()
    say = progress or (lambda line: None)
    with tempfile.TemporaryDirectory(prefix="dsu-student-") as tmp:
        root = nbgrader_course.prepare(Path(build_root or tmp), [ep.id for ep in selected])
        result = {}
        for ep in selected:
            say(f"Generating the student version of {ep.id} ({len(ep.notebooks)} notebooks)...")
            release = nbgrader_course.generate_assignment(root, ep.id)
            for nb in ep.notebooks:
                result[nb.relative_path] = (release / nb.filename).read_bytes()
                say(f"  generated {nb.relative_path.as_posix()}")
        return result


def _cached(workspace: Path, episode, key: str, record) -> dict[Path, bytes] | None:
    """The cached student versions of ``episode`` if the record matches ``key`` and them exactly, else None."""
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    digests = record.get("notebooks", {})
    result = {}
    for nb in episode.notebooks:
        path = workspace / CACHE / nb.relative_path
        if not path.is_file():
            return None
        content = path.read_bytes()
        if sha256(content) != digests.get(nb.relative_path.as_posix()):
            return None
        result[nb.relative_path] = content
    return result


def current_student_notebooks(workspace: Path, episodes: list[str] | None = None,
                              progress: Callable[[str], None] | None = None) -> dict[Path, bytes]:
    """The student versions of ``episodes`` (default: all), generating only those whose sources changed.

    Reads and refreshes the cache in ``workspace/.dsu/upstream`` and the source keys in the manifest.
    """
    workspace = Path(workspace)
    syllabus = _syllabus()
    selected = [syllabus.episode(e) for e in episodes] if episodes else syllabus.episodes()
    manifest = read_manifest(workspace)
    records = manifest.get("sources") if isinstance(manifest.get("sources"), dict) else {}
    keys = {ep.id: source_key(ep) for ep in selected}  # before generating: a later edit counts as new
    result: dict[Path, bytes] = {}
    stale = []
    for ep in selected:
        cached = _cached(workspace, ep, keys[ep.id], records.get(ep.id))
        if cached is None:
            stale.append(ep)
        else:
            result.update(cached)
    if not stale:
        return result
    generated = student_notebooks([ep.id for ep in stale], progress=progress)
    for ep in stale:
        for nb in ep.notebooks:
            write_atomically(workspace / CACHE / nb.relative_path, generated[nb.relative_path])
        records[ep.id] = {"key": keys[ep.id], "notebooks": {
            nb.relative_path.as_posix(): sha256(generated[nb.relative_path]) for nb in ep.notebooks}}
    manifest = read_manifest(workspace)
    manifest["sources"] = records
    save_manifest(workspace, manifest)
    result.update(generated)
    return result
