"""Tests of course/search.py and `dsu search`."""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest

from course.learner.search import (
    K1,
    B,
    SearchIndex,
    Section,
    build_index,
    fold,
    notebook_sections,
    tokens,
)
from course.notebooks.headings import notebook_anchors
from course.syllabus import load_syllabus

md = nbformat.v4.new_markdown_cell
code = nbformat.v4.new_code_cell


def section(heading, text="", title="Notebook", level=2, path="n.ipynb"):
    return Section("ep0/n", title, Path(path), heading, level, text)


@pytest.mark.parametrize(("a", "b"), [
    ("little's law", "Little’s law"),
    ("littles law", "Little's Laws"),
    ("Erdős–Rényi", "erdos renyi"),
    ("queues' latencies", "queue latency"),
    ("Pollaczek-Khinchine", "POLLACZEK KHINCHINE"),
    ("utilisation", "utilization"),
    ("optimised servers", "optimized server"),
])
def test_normalisation_makes_spellings_equal(a, b):
    """Do case, accents, apostrophes and plurals not matter?"""
    assert tokens(a) == tokens(b)


def test_fold_keeps_letters_of_other_scripts():
    """Are Greek letters (λ, μ, ρ) kept as searchable words?"""
    assert fold("λ and μ") == "λ and μ"
    assert tokens("ρ = λ/μ") == ["ρ", "λ", "μ"]


def test_bm25_score_matches_a_hand_computation():
    """Is the score the BM25 formula, computed here by hand for a two-section corpus?"""
    index = SearchIndex([section("Alpha", "queue queue other", title="T"),
                         section("Beta", "nothing here", title="T")])
    # One term ("queue") in the text field of doc 0 only: tf = 2, N = 2, n = 1; the heading
    # "Alpha" shares no word with the query, so no heading bonus.
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    # Weighted lengths: doc 0 = title "t" (2) + heading "alpha" (3) + text queue x2 + other = 8;
    # doc 1 = 2 + 3 + "nothing" + "here" = 7  -> average 7.5
    norm = K1 * (1 - B + B * 8 / 7.5)
    expected = idf * 2 * (K1 + 1) / (2 + norm)
    hits = index.search("queues")
    assert len(hits) == 1
    assert hits[0].score == pytest.approx(expected, rel=1e-6)


def test_heading_matches_outrank_text_matches():
    """Does a section titled with the words rank above one that only mentions them?"""
    index = SearchIndex([
        section("Erlang C", "Little's law is used below, with a law of large numbers."),
        section("Little's law", "L equals lambda W."),
        section("Kingman", "unrelated"),
    ])
    assert [hit.heading for hit in index.search("little's law")] == ["Little's law", "Erlang C"]


def test_a_heading_that_is_the_query_comes_first():
    """Does the section whose heading is the query outrank a longer title holding the same
    words, even when that title's section mentions them more often?"""
    index = SearchIndex([
        section("Foundations: Little's law, single- and multi-server queues",
                "Little's law, Little's law and Little's law.", level=1),
        section("Little's law", "L = λW for any stable system."),
    ])
    assert [hit.heading for hit in index.search("little's law")] == [
        "Little's law", "Foundations: Little's law, single- and multi-server queues"]


def test_headings_above_count_as_text():
    """Do the headings above a section count like its text, less than its own heading?"""
    nested = Section("ep0/n", "T", Path("n.ipynb"), "Sizing", 3, "", parents=("Kingman",))
    own = section("Kingman", "")
    hits = SearchIndex([nested, own, section("Other", "x")]).search("kingman")
    assert [hit.heading for hit in hits] == ["Kingman", "Sizing"]


def test_the_course_finds_littles_law():
    """In the course's own notebooks, does "little's law" find the section of that name first?"""
    from course import REPO_ROOT

    hit = build_index(REPO_ROOT).search("little's law")[0]
    assert (hit.notebook_id, hit.heading) == ("ep51/1-foundations", "Little's law")
    # the link names the heading's cell, which JupyterLab scrolls to (see course.notebooks.links)
    path = "series-3/ep51-mathematics-of-scale/1-foundations.ipynb"
    cell = next(c for c in nbformat.read(REPO_ROOT / path, as_version=4).cells
                if c.cell_type == "markdown" and c.source.startswith("## Little's law"))
    assert hit.link == f"{path}#cell-id={cell.id}"


def test_rare_words_weigh_more():
    """Is a section matching a rare query word ranked above one matching a common word?"""
    common = [section(f"S{i}", "server queue") for i in range(5)]
    rare = section("Special", "kingman formula")
    index = SearchIndex([*common, rare])
    assert index.search("queue kingman")[0].heading == "Special"


def test_title_matches_count():
    """Does a match in the notebook's title lift its sections above an equal text match?"""
    index = SearchIndex([section("Intro", "about capacity", title="Queues"),
                         section("Intro", "about capacity", title="Strategy", path="s.ipynb")])
    hits = index.search("strategy capacity")
    assert hits[0].notebook_title == "Strategy" and hits[0].score > hits[1].score


def test_no_match_and_bad_limit():
    """Does a query matching nothing give no result, and a bad limit a ValueError?"""
    index = SearchIndex([section("A", "b")])
    assert index.search("zebra") == []
    assert index.search("the of") == []  # only stop words
    with pytest.raises(ValueError, match="limit must be an integer >= 1"):
        index.search("a", limit=0)


def test_sections_follow_headings():
    """Is a notebook cut at its headings, text and code going to the heading above them?"""
    nb = nbformat.v4.new_notebook(cells=[
        md("# Foundations\n\nIntro text.\n\n## Little's law\n\nL = λW"),
        code("arrival_rate = 2.0  # per second"),
        md("```\n# not a heading\n```\n\n### Sizing a pool\n\nConcurrency."),
        md("## Erlang C"),
    ])
    sections = notebook_sections(nb, "ep51/1-foundations", "Foundations", Path("f.ipynb"))
    assert [(s.level, s.heading, s.parents) for s in sections] == [
        (1, "Foundations", ()),
        (2, "Little's law", ("Foundations",)),
        (3, "Sizing a pool", ("Foundations", "Little's law")),
        (2, "Erlang C", ("Foundations",)),
    ]
    assert "arrival_rate = 2.0" in sections[1].text and "# not a heading" in sections[1].text
    # a section links to the cell holding its heading: JupyterLab scrolls to a cell at once
    assert sections[2].cell_id == nb.cells[2].id and sections[2].link == f"f.ipynb#cell-id={nb.cells[2].id}"
    assert sections[1].link == f"f.ipynb#cell-id={nb.cells[0].id}"
    # every link points at an anchor the notebook really has
    assert {s.anchor for s in sections if s.anchor} <= notebook_anchors(nb)
    assert sections[0].link == "f.ipynb"  # the title: the notebook's top


def test_links_are_usable_in_markdown():
    """Do links keep an anchor JupyterLab can follow, and open the notebook's top otherwise?"""
    assert section("M/M/1 (one server)").link == "n.ipynb#M/M/1-(one-server)"
    # no anchor JupyterLab can follow: the link opens the notebook at its top
    assert section("Pollaczek–Khinchine").link == "n.ipynb"
    assert section("Cost $C(n)$ of n servers").link == "n.ipynb"
    assert section("Episode 51", level=1).link == "n.ipynb"
    index = SearchIndex([section("Little's law", "Little costs $5 per [hour]", path="a b/n.ipynb")])
    text = index.markdown("little's law")
    assert text.startswith("- [Notebook › Little's law](<a b/n.ipynb#Little's-law>)")
    assert "\\$5 per \\[hour\\]" in text
    assert "No section matches" in index.markdown("zebra")


def write_course_notebook(root: Path, relative: Path, *cells) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=list(cells)), path)


def test_index_of_a_workspace_and_the_command(tmp_path, capsys):
    """Does the index read the syllabus's notebooks under a root (skipping missing ones), and
    does `dsu search` print ranked results with their links?"""
    from dsu import main

    ep51 = load_syllabus().episode("ep51")
    first, second = ep51.notebooks[0], ep51.notebooks[1]
    write_course_notebook(tmp_path, first.relative_path, md("# Foundations\n\n## Little's law\n\nL = λW."))
    write_course_notebook(tmp_path, second.relative_path, md("# Implementation\n\n## Simulation\n\nLittle."))
    index = build_index(tmp_path)
    assert {s.notebook_id for s in index.sections} == {"ep51/1-foundations", "ep51/2-implementation"}
    hit = index.search("little’s law")[0]
    cell = nbformat.read(tmp_path / first.relative_path, as_version=4).cells[0].id
    assert hit.link == f"{first.relative_path.as_posix()}#cell-id={cell}"

    assert main(["search", "--root", str(tmp_path), "--limit", "1", "little's", "law"]) == 0
    out = capsys.readouterr().out
    assert f"{first.relative_path.as_posix()}#cell-id={cell}" in out
    assert "Simulation" not in out  # --limit 1
    assert main(["search", "--root", str(tmp_path), "zebra"]) == 1
