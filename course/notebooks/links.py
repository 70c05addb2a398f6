"""The link checker: every link between notebooks and to headings must lead somewhere.

A course is a web of notebooks: tables of contents, "see also" links, the start page's
course map. A renamed heading or a moved notebook silently breaks a link; this module
finds every markdown link in every syllabus notebook (and the start page) and checks that

* a link to a file (``2-implementation.ipynb``, ``../../shared/images/x.png``) names a
  file that exists, inside the course folder, by a relative path;
* a link to a heading (``#Little's-law``, ``1-foundations.ipynb#Little's-law``) names a
  heading of that notebook, by JupyterLab's anchor id (:mod:`course.notebooks.headings`);
* the anchor can be followed at all: a heading holding a formula has no stable id (JupyterLab
  computes it from the text after MathJax typeset it, or before when the cell was not yet
  on screen); and a browser percent-encodes some characters of a link's
  ``#fragment`` (spaces, non-ASCII letters such as ``λ`` or ``–``, ``"<>```) and JupyterLab
  compares the encoded fragment with the heading's id, so such a link never arrives.

Links to web sites (``https://…``) are not fetched.

**Links that land.** JupyterLab 4 opens a notebook *at its top* when a link names a heading
of another notebook (``3-strategy.ipynb#Headroom``, and its own ``#heading=Headroom`` form
alike): it looks the heading up as soon as the notebook's cells exist, before their
markdown is rendered, finds nothing, and stays at the top (it lands only when that notebook
was already open and rendered). What it does follow at once is a link to a *cell*,
``3-strategy.ipynb#cell-id=5ec1214a``: cells carry their ids from the start, and it
scrolls the cell to the top of the window. Authors keep writing readable heading links
(checked here); :func:`with_landing_links` rewrites those that lead to another notebook into
cell links when ``dsu build`` copies the notebooks into the learner's workspace, and search
results (:mod:`course.learner.search`) link to cells directly. A ``#cell-id=…`` link is checked to
name a cell of its target. A link within the same notebook is left as written: JupyterLab
follows it once the notebook is drawn; with its default settings (cells drawn as they come
into view) a click before that does nothing, and the cells above a far section, measured as
they are drawn, can leave its heading a line or two above the window (JupyterLab 4.6.6).

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

from course.learner.startpage import START_PAGE, start_page_notebook
from course.notebooks.headings import (
    Link,
    broken_link_syntax,
    markdown_headings,
    markdown_links,
    notebook_anchors,
    read_notebook,
)
from course.paths import course_root
from course.syllabus import load_syllabus

#: Characters a browser percent-encodes in a URL fragment (besides non-ASCII and controls).
_ENCODED_IN_FRAGMENT = set(' "<>`')
_MATH_MARKERS = re.compile(r"\$|\\\(|\\\[")
#: JupyterLab's fragment forms: ``#cell-id=<cell id>`` and ``#heading=<anchor>``.
CELL_FRAGMENT = "cell-id="
HEADING_FRAGMENT = "heading="
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
    """Anchor ids and cell ids of notebooks, read once each."""

    def __init__(self):
        self._cache: dict[Path, set[str]] = {}
        self._cells: dict[Path, set[str]] = {}

    def of(self, path: Path) -> set[str]:
        path = path.resolve()
        if path not in self._cache:
            self._cache[path] = notebook_anchors(read_notebook(path))
        return self._cache[path]

    def cells_of(self, path: Path) -> set[str]:
        path = path.resolve()
        if path not in self._cells:
            self._cells[path] = {cell.get("id") for cell in read_notebook(path).cells if cell.get("id")}
        return self._cells[path]


def heading_cells(notebook) -> dict[str, str]:
    """Anchor id of each markdown heading -> id of the cell holding it (first one wins;
    cells without an id, from notebooks older than nbformat 4.5, are left out).

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Headroom", id="c1")])
    >>> heading_cells(nb)
    {'Headroom': 'c1'}
    """
    found: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.get("id"):
            for heading in markdown_headings(cell.source):
                found.setdefault(heading.anchor, cell["id"])
    return found


def _split_fragment(fragment: str) -> tuple[str, str]:
    """``"cell-id=x"`` -> ``("cell", "x")``; ``"heading=H"`` and ``"H"`` -> ``("heading", "H")``."""
    if fragment.startswith(CELL_FRAGMENT):
        return "cell", fragment[len(CELL_FRAGMENT):]
    if fragment.startswith(HEADING_FRAGMENT):
        return "heading", fragment[len(HEADING_FRAGMENT):]
    return "heading", fragment


def _link_problem(link: Link, relative: Path, root: Path, own_anchors: set[str], anchors: _Anchors) -> str | None:
    if link.is_external:
        return None
    if not link.target.strip():
        return "empty link target"
    fragment = link.fragment
    if fragment is not None and fragment.startswith(CELL_FRAGMENT):
        return _cell_link_problem(link, relative, root, fragment[len(CELL_FRAGMENT):], anchors)
    if fragment is not None:
        fragment = _split_fragment(fragment)[1]
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


def _cell_link_problem(link: Link, relative: Path, root: Path, cell_id: str, anchors: _Anchors) -> str | None:
    if not link.path:
        return None if cell_id else "empty cell id"
    target = posixpath.normpath(posixpath.join(relative.parent.as_posix(), link.path))
    full = root / target
    if target.startswith("../") or not full.is_file():
        return f"no file {target}"
    if cell_id not in anchors.cells_of(full):
        return f"no cell with id {cell_id!r} in {target}"
    return None


def landing_target(target: str, notebook_relative: Path, heading_cells_of) -> str | None:
    """The cell link to use instead of the heading link ``target`` written in the notebook at
    ``notebook_relative``, or None to keep it (a link within the notebook, to a web site, to
    no notebook, or to a heading not found). ``heading_cells_of(relative path)`` returns the
    target notebook's :func:`heading_cells` (or None when it is not known).

    >>> cells = {Path("a/3-strategy.ipynb"): {"Headroom": "5ec1214a"}}
    >>> landing_target("3-strategy.ipynb#Headroom", Path("a/1-foundations.ipynb"), cells.get)
    '3-strategy.ipynb#cell-id=5ec1214a'
    >>> landing_target("#Headroom", Path("a/3-strategy.ipynb"), cells.get) is None
    True
    """
    link = Link(target, "")
    if link.is_external or not link.path.endswith(".ipynb") or not link.fragment:
        return None
    kind, anchor = _split_fragment(link.fragment)
    if kind != "heading":
        return None
    relative = Path(posixpath.normpath(posixpath.join(Path(notebook_relative).parent.as_posix(), link.path)))
    cells = heading_cells_of(relative)
    if not cells or anchor not in cells:
        return None
    return f"{target.split('#', 1)[0]}#{CELL_FRAGMENT}{cells[anchor]}"


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def with_landing_links(notebooks: dict[Path, bytes]) -> dict[Path, bytes]:
    """The notebooks (relative path -> ``.ipynb`` bytes) with every link to a heading of
    another of them rewritten to that heading's cell (see the module's docstring), so that
    JupyterLab opens the target scrolled to it. A notebook with no such link keeps its exact
    bytes; the rewrite is deterministic, so building twice gives the same bytes.

    Plain JSON rather than nbformat: a no-op ``dsu build`` must stay fast (nbformat's import
    alone takes about a second), and the bytes written are those ``nbformat.writes`` gives.
    """
    import json

    parsed: dict[Path, dict] = {}

    def notebook(relative: Path) -> dict | None:
        if relative not in notebooks:
            return None
        if relative not in parsed:
            parsed[relative] = json.loads(notebooks[relative].decode("utf-8"))
        return parsed[relative]

    cells_cache: dict[Path, dict[str, str]] = {}

    def heading_cells_of(relative: Path):
        if relative not in cells_cache:
            nb = notebook(relative)
            found: dict[str, str] = {}
            for cell in (nb or {}).get("cells", []):
                if cell.get("cell_type") == "markdown" and cell.get("id"):
                    for heading in markdown_headings(_cell_source(cell)):
                        found.setdefault(heading.anchor, cell["id"])
            cells_cache[relative] = found
        return cells_cache[relative]

    result = dict(notebooks)
    for relative in list(notebooks):
        if b".ipynb#" not in notebooks[relative]:  # cheap: most notebooks link to no heading elsewhere
            continue
        nb = notebook(Path(relative))
        changed = False
        for cell in nb.get("cells", []):
            source = original = _cell_source(cell)
            if cell.get("cell_type") != "markdown" or ".ipynb#" not in source:
                continue
            for link in markdown_links(source):
                new = landing_target(link.target, Path(relative), heading_cells_of)
                if new is not None:
                    # a markdown link ](target) or ](<target>), or an HTML href="target"
                    pattern = re.compile(r"(\]\(\s*<?|\bhref\s*=\s*[\"'])" + re.escape(link.target)
                                         + r"(?=>?[\s)]|[\"'])")
                    source = pattern.sub(lambda m, new=new: m.group(1) + new, source)
            if source != original:
                cell["source"] = source.splitlines(keepends=True)
                changed = True
        if changed:
            text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)
            result[relative] = (text + "\n").encode("utf-8")
    return result


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
    return [nb.relative_path for nb in (syllabus or load_syllabus()).notebooks()]


def check_links(root: Path | None = None, syllabus=None, start_page: bool = True) -> list[LinkProblem]:
    """Every broken link of every syllabus notebook under ``root`` (default: the repository).

    A syllabus notebook missing from ``root`` is itself reported. With ``start_page``,
    the start page generated from the syllabus is checked too, as if saved at ``root``.
    """
    root = Path(root or course_root())
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

