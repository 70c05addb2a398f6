"""Tests of course/headings.py: headings, JupyterLab anchor ids and links of markdown."""

from __future__ import annotations

import pytest

from course.notebooks.headings import (
    Link,
    anchor_id,
    markdown_blocks,
    markdown_headings,
    markdown_links,
    markdown_text,
)


# Expected ids written by hand from JupyterLab's rule (rendered text, each space -> "-");
# tests/test_browser.py checks the same rule in a real JupyterLab.
@pytest.mark.parametrize(("markdown", "anchor"), [
    ("Little's law", "Little's-law"),
    ("1. Little's law", "1.-Little's-law"),
    ("The `erlang_c` function", "The-erlang_c-function"),
    ("**Bold** and *italic* words", "Bold-and-italic-words"),
    ("See [the notes](notes.ipynb)", "See-the-notes"),
    ("Subscripts $x_1 * y_2$ stay", "Subscripts-$x_1-*-y_2$-stay"),  # as typed: see the module doc
    ("Tom &amp; Jerry", "Tom-&-Jerry"),
    ("M/M/1 (one server)", "M/M/1-(one-server)"),
    ("Trailing hashes ##", "Trailing-hashes"),
])
def test_anchor_ids_follow_jupyterlab(markdown, anchor):
    """Is a heading's anchor its displayed text with spaces replaced by dashes?"""
    assert anchor_id(markdown) == anchor


def test_headings_ignore_code_blocks():
    """Is a '#' line inside a fenced code block not taken for a heading?"""
    source = "# Title\n\n```python\n# a comment\n```\n\n## Part two\n"
    assert [(h.level, h.text) for h in markdown_headings(source)] == [(1, "Title"), (2, "Part two")]


def test_links_of_every_kind():
    """Are markdown links, images and raw HTML hrefs found, with path and fragment decoded?"""
    source = ("[a](#Little's-law) [b](2-implementation.ipynb#Erlang-C) ![c](../img.png)\n\n"
              '<a href="x.ipynb#Top">d</a> [e](https://example.org/page#x) [f](y%20z.ipynb)')
    links = markdown_links(source)
    assert [(link.path, link.fragment, link.is_external) for link in links] == [
        ("", "Little's-law", False),
        ("2-implementation.ipynb", "Erlang-C", False),
        ("../img.png", None, False),
        ("x.ipynb", "Top", False),
        ("https://example.org/page", "x", True),
        ("y z.ipynb", None, False),
    ]
    assert links[1].text == "b"


def test_link_without_fragment():
    """Does a link without '#' have no fragment, and one ending in '#' an empty one?"""
    assert Link("a.ipynb", "").fragment is None
    assert Link("a.ipynb#", "").fragment == ""


def test_blocks_split_text_at_headings():
    """Are top-level blocks returned in order, headings apart from the text around them?"""
    blocks = markdown_blocks("Intro *text*\n\n## One\n\n- item\n- **two**\n\n### Deep\n\n> quoted")
    assert [getattr(b, "text", b) for b in blocks] == ["Intro text", "One", "item\ntwo", "Deep", "quoted"]


def test_text_keeps_formulas_and_drops_markup():
    """Does the displayed text keep formulas verbatim and drop links' targets and markup?"""
    assert markdown_text("Use [Little's law](#x) for $L=\\lambda W$, **always**.") == \
        "Use Little's law for $L=\\lambda W$, always."
