"""The markdown structure of a notebook: headings, their JupyterLab anchors, and links.

JupyterLab gives every rendered markdown heading an anchor id made of the heading's text
(as displayed, i.e. without the markdown markup) with each space replaced by ``-``: the
heading ``## Little's law`` is reached with the link ``#Little's-law``.

A heading holding a formula has no stable anchor: JupyterLab reads the heading's text after
MathJax typeset the formula when the cell is on screen (``L=λW`` from ``$L = \\lambda W$``),
and before otherwise. :func:`anchor_id` gives the text as typed, and the link checker
refuses links to such headings.

The link checker (:mod:`course.notebooks.links`) and the search index (:mod:`course.learner.search`) both read
notebooks through this module, so they agree on what an anchor is.

>>> anchor_id("The `erlang_c` function")
'The-erlang_c-function'
>>> [(h.level, h.anchor) for h in markdown_headings("# Queues\\n\\n## M/M/1 *one* server")]
[(1, 'Queues'), (2, 'M/M/1-one-server')]

Taught in: every notebook (tables of contents and links between notebooks).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import mistune

# JupyterLab protects these from the markdown parser and restores them verbatim.
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
_PLACEHOLDER = re.compile(r"DSUMATH(\d+)X")
_HREF = re.compile(r"""\bhref\s*=\s*(["'])(.*?)\1""", re.IGNORECASE)


@cache
def _parser():
    return mistune.create_markdown(renderer=None, plugins=["table", "strikethrough"])


@dataclass(frozen=True)
class Heading:
    """A markdown heading: its level (1-6), its displayed text and its anchor id."""

    level: int
    text: str

    @property
    def anchor(self) -> str:
        return self.text.replace(" ", "-")


@dataclass(frozen=True)
class Link:
    """A link written in markdown: its target exactly as written, and the text shown."""

    target: str
    text: str

    @property
    def path(self) -> str:
        """The part before ``#`` (empty for a link within the same notebook), decoded."""
        return unquote(self.target.split("#", 1)[0])

    @property
    def fragment(self) -> str | None:
        """The part after ``#`` decoded, or None when the link has no ``#``."""
        if "#" not in self.target:
            return None
        return unquote(self.target.split("#", 1)[1])

    @property
    def is_external(self) -> bool:
        return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", self.target)) or self.target.startswith("//")


def _protect_math(source: str) -> tuple[str, list[str]]:
    formulas: list[str] = []

    def keep(match: re.Match) -> str:
        formulas.append(match.group(0))
        return f"DSUMATH{len(formulas) - 1}X"

    return _MATH.sub(keep, source), formulas


def _restore_math(text: str, formulas: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: formulas[int(m.group(1))], text)


def _inline_text(tokens: list[dict]) -> str:
    """The text a browser would display for inline tokens (``textContent``)."""
    parts = []
    for token in tokens:
        kind = token["type"]
        if kind in ("text", "codespan"):
            parts.append(html.unescape(token["raw"]))
        elif kind in ("softbreak", "linebreak"):
            parts.append("\n" if kind == "linebreak" else " ")
        elif kind == "inline_html":
            continue  # tags display nothing; the text between them is its own token
        elif "children" in token:
            parts.append(_inline_text(token["children"]))
    return "".join(parts)


def _walk(tokens: list[dict]):
    for token in tokens:
        yield token
        if "children" in token:
            yield from _walk(token["children"])


def parse(source: str) -> tuple[list[dict], list[str]]:
    """Markdown source -> (mistune tokens, protected formulas)."""
    protected, formulas = _protect_math(source)
    return _parser()(protected), formulas


def anchor_id(heading_markdown: str) -> str:
    """The JupyterLab anchor id of a heading written as markdown (without the ``#`` marks)."""
    headings = markdown_headings("# " + heading_markdown)
    return headings[0].anchor if headings else ""


def markdown_headings(source: str) -> list[Heading]:
    """Every heading of a markdown text, in order."""
    tokens, formulas = parse(source)
    return [
        Heading(token["attrs"]["level"], _restore_math(_inline_text(token["children"]), formulas).strip())
        for token in _walk(tokens)
        if token["type"] == "heading"
    ]


def markdown_links(source: str) -> list[Link]:
    """Every link of a markdown text: ``[text](target)``, images and raw HTML ``href``."""
    tokens, formulas = parse(source)
    links = []
    for token in _walk(tokens):
        if token["type"] in ("link", "image"):
            text = _restore_math(_inline_text(token.get("children", [])), formulas)
            links.append(Link(_restore_math(token["attrs"]["url"], formulas), text))
        elif token["type"] in ("inline_html", "block_html"):
            links += [Link(html.unescape(m.group(2)), "") for m in _HREF.finditer(token["raw"])]
    return links


def _block_text(tokens: list[dict]) -> list[str]:
    parts = []
    for token in tokens:
        if token["type"] == "block_code":
            parts.append(token["raw"])
        elif token["type"] in ("paragraph", "heading", "block_text", "table_cell"):
            parts.append(_inline_text(token.get("children", [])))
        elif "children" in token:
            parts += _block_text(token["children"])
    return parts


def markdown_blocks(source: str) -> list[Heading | str]:
    """The top-level blocks of a markdown text in order: a :class:`Heading`, or displayed text.

    >>> markdown_blocks("Intro\\n\\n## Part *one*\\n\\nBody")
    ['Intro', Heading(level=2, text='Part one'), 'Body']
    """
    tokens, formulas = parse(source)
    blocks: list[Heading | str] = []
    for token in tokens:
        if token["type"] == "heading":
            text = _restore_math(_inline_text(token["children"]), formulas).strip()
            blocks.append(Heading(token["attrs"]["level"], text))
        else:
            text = _restore_math("\n".join(p for p in _block_text([token]) if p), formulas)
            if text.strip():
                blocks.append(text)
    return blocks


def broken_link_syntax(source: str) -> list[str]:
    """Displayed text that looks like ``[text](target)`` but is not a link (e.g. a space in
    the target), so the reader sees brackets instead of a link.

    >>> broken_link_syntax("[Go](#Little's law) and [ok](#Little's-law)")
    ["[Go](#Little's law)"]
    """
    tokens, formulas = parse(source)
    shown = [_inline_text(t.get("children", [])) for t in _walk(tokens)
             if t["type"] in ("paragraph", "heading", "block_text", "table_cell")]
    return [_restore_math(m.group(0), formulas) for text in shown
            for m in re.finditer(r"\[[^\[\]]+\]\([^()]*\)", text)]


def markdown_text(source: str) -> str:
    """The displayed text of a markdown source (markup removed, formulas kept), for search.

    >>> print(markdown_text("Use **Little's law** ($L = \\\\lambda W$)."))
    Use Little's law ($L = \\lambda W$).
    """
    tokens, formulas = parse(source)
    return _restore_math("\n".join(p for p in _block_text(tokens) if p), formulas)


def read_notebook(path: Path):
    """A notebook as an nbformat node (version 4)."""
    import nbformat

    return nbformat.read(Path(path), as_version=4)


def notebook_headings(notebook) -> list[Heading]:
    """The headings of every markdown cell of ``notebook``, in order."""
    return [h for cell in notebook.cells if cell.cell_type == "markdown" for h in markdown_headings(cell.source)]


def notebook_anchors(notebook) -> set[str]:
    """The anchor ids a link into ``notebook`` may use."""
    return {h.anchor for h in notebook_headings(notebook)}
