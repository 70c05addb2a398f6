"""The link checker: every link between notebooks and to headings must lead somewhere.

A course is a web of notebooks: tables of contents, "see also" links, the start page's
course map. A renamed heading or a moved notebook silently breaks a link; this module
finds every markdown link in every syllabus notebook (and the start page) and checks that

* a link to a file (``2-implementation.ipynb``, ``../../shared/images/x.png``) names a
  file that exists, inside the course folder, by a relative path;
* a link to a heading (``#Little's-law``, ``1-foundations.ipynb#Little's-law``) names a
  heading of that notebook, by JupyterLab's anchor id (:mod:`course.headings`);
* the anchor can be followed at all: a heading holding a formula has no stable id (JupyterLab
  computes it from the text after MathJax typeset it, or before when the cell was not yet
  on screen); and a browser percent-encodes some characters of a link's
  ``#fragment`` (spaces, non-ASCII letters such as ``λ`` or ``–``, ``"<>```) and JupyterLab
  compares the encoded fragment with the heading's id, so such a link never arrives.

Links to web sites (``https://…``) are not fetched.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
...     "# Title\\n[Go](#Title) [Lost](#Nowhere)")])
>>> [p.problem for p in notebook_link_problems(nb, Path("a.ipynb"), Path("."))]
["no heading with anchor 'Nowhere' in a.ipynb"]

Taught in: every notebook (tables of contents and links to related notebooks).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from course import REPO_ROOT
from course.headings import (
    Link,
    broken_link_syntax,
    markdown_headings,
    markdown_links,
    notebook_anchors,
    read_notebook,
)

#: Characters a browser percent-encodes in a URL fragment (besides non-ASCII and controls).
_ENCODED_IN_FRAGMENT = set(' "<>`')
_MATH_MARKERS = re.compile(r"\$|\\\(|\\\[")
#: Fewest links to its own headings for a markdown cell to count as a table of contents.
TOC_MIN_LINKS = 2


@dataclass(frozen=True)
class LinkProblem:
    """A link that leads nowhere: where it is, what it says, and why it is broken."""

    notebook: Path
    cell: int
    target: str
    problem: str

    def __str__(self) -> str:
        return f"{self.notebook.as_posix()} cell {self.cell}: ({self.target}) {self.problem}"


def unfollowable_characters(fragment: str) -> str:
    """The characters of ``fragment`` a browser would percent-encode (empty when none).

    >>> unfollowable_characters("Pollaczek–Khinchine")
    '–'
    >>> unfollowable_characters("M/M/1-(one-server)")
    ''
    """
    bad = [ch for ch in fragment if ord(ch) > 126 or ord(ch) < 33 or ch in _ENCODED_IN_FRAGMENT]
    return "".join(dict.fromkeys(bad))


class _Anchors:
    """Anchor ids of notebooks, read once each."""

    def __init__(self):
        self._cache: dict[Path, set[str]] = {}

    def of(self, path: Path) -> set[str]:
        path = path.resolve()
        if path not in self._cache:
            self._cache[path] = notebook_anchors(read_notebook(path))
        return self._cache[path]


def _link_problem(link: Link, relative: Path, root: Path, own_anchors: set[str], anchors: _Anchors) -> str | None:
    if link.is_external:
        return None
    if not link.target.strip():
        return "empty link target"
    fragment = link.fragment
    if fragment is not None and _MATH_MARKERS.search(fragment):
        return (f"anchor {fragment!r} names a heading with a formula: its id changes when "
                "MathJax renders the formula, so link to a heading without one")
    if fragment is not None:
        bad = unfollowable_characters(fragment)
        if bad:
            return (f"anchor {fragment!r} holds characters a browser percent-encodes ({bad!r}), so "
                    "JupyterLab cannot follow it: link to another heading or rename this one")
    if not link.path:  # a heading of this notebook
        if fragment and fragment not in own_anchors:
            return f"no heading with anchor {fragment!r} in {relative.as_posix()}"
        return None
    if link.path.startswith("/"):
        return "absolute path: use a path relative to this notebook"
    target = posixpath.normpath(posixpath.join(relative.parent.as_posix(), link.path))
    if target.startswith("../") or target == "..":
        return f"leads outside the course folder ({target})"
    full = root / target
    if not full.exists():
        return f"no file {target}"
    if fragment and full.suffix == ".ipynb" and fragment not in anchors.of(full):
        return f"no heading with anchor {fragment!r} in {target}"
    return None


def notebook_link_problems(notebook, relative: Path, root: Path, anchors: _Anchors | None = None) -> list[LinkProblem]:
    """Broken links of one notebook; ``relative`` is its path under ``root``."""
    anchors = anchors or _Anchors()
    own = notebook_anchors(notebook)
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for link in markdown_links(cell.source):
            problem = _link_problem(link, Path(relative), Path(root), own, anchors)
            if problem:
                problems.append(LinkProblem(Path(relative), index, link.target, problem))
        for text in broken_link_syntax(cell.source):
            problems.append(LinkProblem(Path(relative), index, text, (
                "shown as text, not as a link: a link target cannot hold spaces "
                "(anchors use '-' for each space)")))
    return problems


def course_notebooks(syllabus=None) -> list[Path]:
    """Relative paths of the syllabus's notebooks (the same in the repository and a workspace)."""
    from course.syllabus import load_syllabus

    return [nb.relative_path for nb in (syllabus or load_syllabus()).notebooks()]


def check_links(root: Path | None = None, syllabus=None, start_page: bool = True) -> list[LinkProblem]:
    """Every broken link of every syllabus notebook under ``root`` (default: the repository).

    A syllabus notebook missing from ``root`` is itself reported. With ``start_page``,
    the start page generated from the syllabus is checked too, as if saved at ``root``.
    """
    from course.startpage import START_PAGE, start_page_notebook

    root = Path(root or REPO_ROOT)
    anchors = _Anchors()
    problems: list[LinkProblem] = []
    for relative in course_notebooks(syllabus):
        path = root / relative
        if not path.is_file():
            problems.append(LinkProblem(relative, -1, "", "the syllabus lists this notebook but the file is missing"))
            continue
        problems += notebook_link_problems(read_notebook(path), relative, root, anchors)
    if start_page:
        problems += notebook_link_problems(start_page_notebook(syllabus), Path(START_PAGE), root, anchors)
    return problems


def table_of_contents(notebook) -> list[Link]:
    """The links of the notebook's table of contents: the first markdown cell with at least
    ``TOC_MIN_LINKS`` links to the notebook's own headings (empty when there is none)."""
    own = notebook_anchors(notebook)
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        inner = [link for link in markdown_links(cell.source)
                 if not link.path and not link.is_external and link.fragment in own]
        if len(inner) >= TOC_MIN_LINKS:
            return inner
    return []


def links_to_other_notebooks(notebook) -> list[Link]:
    """Links to another notebook (``*.ipynb`` by a relative path)."""
    return [link for cell in notebook.cells if cell.cell_type == "markdown"
            for link in markdown_links(cell.source)
            if not link.is_external and link.path.endswith(".ipynb")]


def structure_problems(notebook, relative: Path) -> list[str]:
    """What a course notebook lacks: a table of contents covering its sections (``##``
    headings after it) and a link to another notebook."""
    problems = []
    toc = table_of_contents(notebook)
    if not toc:
        problems.append(f"{relative.as_posix()}: no table of contents (a markdown cell with "
                        f"at least {TOC_MIN_LINKS} links to the notebook's own headings)")
    else:
        listed = {link.fragment for link in toc}
        toc_cell = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
                        and {link.fragment for link in markdown_links(cell.source)} >= listed)
        missing = [h.text for cell in notebook.cells[toc_cell + 1:] if cell.cell_type == "markdown"
                   for h in markdown_headings(cell.source) if h.level == 2 and h.anchor not in listed]
        if missing:
            problems.append(f"{relative.as_posix()}: the table of contents misses the section(s) "
                            + ", ".join(repr(m) for m in missing))
    if not links_to_other_notebooks(notebook):
        problems.append(f"{relative.as_posix()}: no link to another notebook of the course")
    return problems

