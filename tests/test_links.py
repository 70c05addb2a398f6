"""Tests of course/links.py: broken links fail, on synthetic notebooks and on the course itself."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course import REPO_ROOT
from course.notebooks.headings import read_notebook
from course.notebooks.links import (
    check_links,
    links_to_other_notebooks,
    notebook_link_problems,
    structure_problems,
    table_of_contents,
)
from course.syllabus import load_syllabus

md = nbformat.v4.new_markdown_cell


def write(root: Path, relative: str, *sources: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[md(s) for s in sources]), path)
    return path


@pytest.fixture
def course(tmp_path):
    """Two episodes' worth of notebooks linking to each other correctly."""
    write(tmp_path, "s/ep/1-a.ipynb",
          "# Notebook A\n\n- [Little's law](#Little's-law)\n- [M/M/1 (one server)](#M/M/1-(one-server))",
          "## Little's law\n\nSee [B](2-b.ipynb), [its sizing](2-b.ipynb#Sizing-a-pool), "
          "[the other episode](../../t/ep2/1-c.ipynb#Top), [a picture](../../shared/p.png), "
          "[the web](https://example.org/#anything) and <a href=\"2-b.ipynb#Sizing-a-pool\">this</a>.",
          "## M/M/1 (one server)\n\n[Back to the top](#Notebook-A)")
    write(tmp_path, "s/ep/2-b.ipynb", "# B\n\n### Sizing a pool\n\n[A](1-a.ipynb#Little%27s-law)")
    write(tmp_path, "t/ep2/1-c.ipynb", "# Top")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "p.png").write_bytes(b"\x89PNG")
    return tmp_path


def problems_of(root: Path, relative: str) -> list[str]:
    return [p.problem for p in notebook_link_problems(read_notebook(root / relative), Path(relative), root)]


def test_good_links_pass(course):
    """Do links to files, to headings here and in other notebooks, and raw HTML links pass?"""
    for relative in ("s/ep/1-a.ipynb", "s/ep/2-b.ipynb", "t/ep2/1-c.ipynb"):
        assert problems_of(course, relative) == []


@pytest.mark.parametrize(("link", "problem"), [
    ("[x](#No-such-heading)", "no heading with anchor 'No-such-heading' in s/ep/broken.ipynb"),
    ("[x](#little's-law)", "no heading with anchor \"little's-law\""),  # case matters
    ("[x](#Little's law)", "shown as text, not as a link"),
    ("[x](<#Little's law>)", "characters a browser percent-encodes (' ')"),
    ("[x](3-missing.ipynb)", "no file s/ep/3-missing.ipynb"),
    ("[x](2-b.ipynb#Little's-law)", "no heading with anchor \"Little's-law\" in s/ep/2-b.ipynb"),
    ("[x](1-a.ipynb#Pollaczek–Khinchine)", "characters a browser percent-encodes ('–')"),
    ("[x](1-a.ipynb#Pollaczek%E2%80%93Khinchine)", "characters a browser percent-encodes ('–')"),
    ("[x](/s/ep/1-a.ipynb)", "absolute path"),
    ("[x](../../../outside.ipynb)", "leads outside the course folder"),
    ("![x](../../shared/missing.png)", "no file shared/missing.png"),
    ('<a href="2-b.ipynb#Nope">x</a>', "no heading with anchor 'Nope' in s/ep/2-b.ipynb"),
    ("[x]()", "empty link target"),
    ("[x](#Cost-$C(n)$)", "names a heading with a formula"),
])
def test_a_broken_link_is_reported(course, link, problem):
    """Is each kind of broken link reported, with where it points and why it fails?"""
    write(course, "s/ep/broken.ipynb", "# Broken\n\n## Little's law\n\n" + link)
    found = problems_of(course, "s/ep/broken.ipynb")
    assert len(found) == 1, found
    assert problem in found[0]


def test_check_links_reports_missing_notebooks_and_the_start_page(tmp_path):
    """Does the course-wide check report a syllabus notebook missing on disk, and the start
    page's links to it?"""
    syllabus = load_syllabus()
    missing = syllabus.notebooks()[0].relative_path
    problems = check_links(tmp_path, syllabus)
    assert any(p.notebook == missing and "file is missing" in p.problem for p in problems)
    assert any(p.notebook == Path("START-HERE.ipynb") and missing.as_posix() in p.problem
               for p in problems)


def test_table_of_contents_and_links_out(course):
    """Is a cell linking to the notebook's own headings found as its table of contents, and
    are links to other notebooks found?"""
    nb = read_notebook(course / "s/ep/1-a.ipynb")
    assert [link.fragment for link in table_of_contents(nb)] == ["Little's-law", "M/M/1-(one-server)"]
    assert structure_problems(nb, Path("s/ep/1-a.ipynb")) == []
    lonely = read_notebook(course / "t/ep2/1-c.ipynb")
    problems = structure_problems(lonely, Path("t/ep2/1-c.ipynb"))
    assert any("no table of contents" in p for p in problems)
    assert any("no link to another notebook" in p for p in problems)
    assert links_to_other_notebooks(read_notebook(course / "s/ep/2-b.ipynb"))[0].path == "1-a.ipynb"


def test_a_table_of_contents_missing_a_section_is_reported(course):
    """Is a section (## heading) left out of the table of contents reported?"""
    write(course, "s/ep/partial.ipynb", "# P\n\n[One](#One) [Two](#Two) [A](1-a.ipynb)",
          "## One", "## Two", "## Three\n\n### Detail")
    problems = structure_problems(read_notebook(course / "s/ep/partial.ipynb"), Path("s/ep/partial.ipynb"))
    assert problems == ["s/ep/partial.ipynb: the table of contents misses the section(s) 'Three'"]


# --- the course itself ------------------------------------------------------------------

def test_every_link_of_the_course_leads_somewhere():
    """Does every link of every syllabus notebook and of the start page lead to an existing
    notebook, file or heading?"""
    problems = check_links(REPO_ROOT)
    assert not problems, "broken links:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize("entry", load_syllabus().notebooks(), ids=lambda nb: f"{nb.episode.id}/{nb.name}")
def test_every_notebook_has_a_table_of_contents_and_links_out(entry):
    """Does each course notebook have a table of contents of its sections and a link to
    another notebook?"""
    assert entry.path.is_file(), f"{entry.relative_path} is listed in the syllabus but missing"
    assert structure_problems(read_notebook(entry.path), entry.relative_path) == []


# --- links that land on their heading in JupyterLab --------------------------------------

def notebook_bytes(*sources: str) -> bytes:
    return (nbformat.writes(nbformat.v4.new_notebook(cells=[md(s) for s in sources])) + "\n").encode()


def test_links_to_another_notebooks_heading_become_cell_links():
    """Does the workspace copy link to the cell of another notebook's heading (markdown and HTML
    links alike), leaving links within a notebook, to a top, to the web and to unknown
    headings as written, and a notebook without such links byte for byte?"""
    import json

    from course.notebooks.links import with_landing_links

    a = Path("s/ep/1-a.ipynb")
    b = Path("s/ep/2-b.ipynb")
    source_a = ("# A\n\n## Here\n\n[B's pool](2-b.ipynb#Sizing-a-pool), [again](<2-b.ipynb#Sizing-a-pool>), "
                '<a href="2-b.ipynb#Sizing-a-pool">html</a>, [here](#Here), [B](2-b.ipynb), '
                "[lost](2-b.ipynb#Nowhere), [web](https://example.org/x.ipynb#Sizing-a-pool)")
    notebooks = {a: notebook_bytes(source_a), b: notebook_bytes("# B", "### Sizing a pool\n\nText.")}
    rewritten = with_landing_links(notebooks)
    cell_b = json.loads(notebooks[b])["cells"][1]["id"]
    text = "".join(json.loads(rewritten[a])["cells"][0]["source"])
    assert text == source_a.replace("2-b.ipynb#Sizing-a-pool", f"2-b.ipynb#cell-id={cell_b}")
    assert "[web](https://example.org/x.ipynb#Sizing-a-pool)" in text  # not a course link: as written
    assert rewritten[b] == notebooks[b]
    # only the link lines change: the rest is the bytes nbformat writes
    expected = nbformat.reads(notebooks[a].decode(), as_version=4)
    expected.cells[0].source = text
    assert rewritten[a] == (nbformat.writes(expected) + "\n").encode()
    assert with_landing_links(rewritten) == rewritten  # building again changes nothing


def test_cell_links_are_checked(course):
    """Is a #cell-id= link checked to name a cell of its target notebook?"""
    cell = read_notebook(course / "s/ep/2-b.ipynb").cells[0].id
    write(course, "s/ep/cells.ipynb", f"# C\n\n[good](2-b.ipynb#cell-id={cell}) [heading form](2-b.ipynb#heading=Sizing-a-pool)")
    assert problems_of(course, "s/ep/cells.ipynb") == []
    write(course, "s/ep/cells.ipynb", "# C\n\n[bad](2-b.ipynb#cell-id=0000dead)")
    assert problems_of(course, "s/ep/cells.ipynb") == ["no cell with id '0000dead' in s/ep/2-b.ipynb"]


def test_every_link_to_another_notebooks_heading_lands_on_that_heading():
    """In the course, does every link to a heading of another notebook become a link to a cell
    that starts with that very heading (so the heading is what JupyterLab scrolls to)?"""
    from course.notebooks.headings import markdown_headings, markdown_links
    from course.notebooks.links import landing_target, with_landing_links

    syllabus = load_syllabus()
    notebooks = {nb.relative_path: nb.path.read_bytes() for nb in syllabus.notebooks()}
    rewritten = with_landing_links(notebooks)
    landed = 0
    for relative, data in notebooks.items():
        before = nbformat.reads(data.decode(), as_version=4)
        after = nbformat.reads(rewritten[relative].decode(), as_version=4)
        for old, new in zip(before.cells, after.cells):
            for link, changed in zip(markdown_links(old.source), markdown_links(new.source)):
                if link.is_external or not link.path.endswith(".ipynb") or not link.fragment:
                    assert changed.target == link.target
                    continue
                assert changed.target != link.target, f"{relative}: {link.target} was not rewritten"
                target = (relative.parent / link.path)
                cell_id = changed.fragment.removeprefix("cell-id=")
                cell = next(c for c in read_notebook(REPO_ROOT / target).cells if c.get("id") == cell_id)
                first = markdown_headings(cell.source.split("\n\n")[0])
                assert first and first[0].anchor == link.fragment, (relative, link.target, cell.source[:80])
                assert landing_target(link.target, relative, lambda p: None) is None  # unknown target kept
                landed += 1
    assert landed >= 4  # the course does link across notebooks to headings
