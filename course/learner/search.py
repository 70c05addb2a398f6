"""Search the course: notebooks and their sections, ranked, with links that open them.

Each notebook is cut into sections at its markdown headings. A query is matched against
three fields of every section — the notebook's title, the section's heading (with the
headings above it) and its text (markdown and code) — and ranked with BM25, the scoring
behind most search engines: a word counts more when it is rare in the course and when it
appears in a short section, and a match in a title or heading counts ``TITLE_WEIGHT`` or
``HEADING_WEIGHT`` times a match in the text (the headings above a section count as text).
Finally a section whose own heading *is* what you typed comes first: the score is multiplied
by ``1 + coverage × √precision``, where coverage is the share of the query's words in the
heading and precision the share of the heading's words in the query. "little's law" thus
finds the section "Little's law" before the notebook title "Foundations: Little's law,
single- and multi-server queues".

Words are compared after folding case and accents, dropping apostrophes and plural endings
and meeting British and American spellings halfway, so "little's law", "Little’s laws" and
"littles law" find the same sections, as do "utilisation" and "utilization".

>>> index = SearchIndex([
...     Section("ep51/1-foundations", "Foundations", Path("f.ipynb"), "Little's law", 2, "L = λW."),
...     Section("ep51/1-foundations", "Foundations", Path("f.ipynb"), "Erlang C", 2, "Little text."),
... ])
>>> [hit.heading for hit in index.search("little’s law")]
["Little's law", 'Erlang C']
>>> index.search("little's law")[0].link
"f.ipynb#Little's-law"

A section whose heading's cell has an id links to that cell (``f.ipynb#cell-id=5ec1214a``):
JupyterLab opens a notebook at its top for a link to its heading, but scrolls to a cell
(see :mod:`course.notebooks.links`).

Taught in: the start page's search box and ``dsu search``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from course.learner.layout import find_workspace
from course.notebooks.headings import markdown_blocks, read_notebook
from course.notebooks.links import CELL_FRAGMENT, unfollowable_characters
from course.paths import course_root
from course.syllabus import load_syllabus

TITLE_WEIGHT = 2.0
HEADING_WEIGHT = 3.0
#: BM25's usual constants: term-frequency saturation and length normalisation.
K1 = 1.2
B = 0.75
STOP_WORDS = frozenset(
    "a an and are as at be by for from how in is it its of on or that the this to was what when "
    "where which why with you your".split()
)
_APOSTROPHES = "'’ʼ‘`´"
_FORMULA = re.compile(r"\$|\\\(|\\\[")


def fold(text: str) -> str:
    """Lower case without accents or apostrophes: ``"Little’s Érlang"`` -> ``"littles erlang"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(f"[{_APOSTROPHES}]s\\b", "", plain)  # possessive: "little's" -> "little"
    return re.sub(f"[{_APOSTROPHES}]", "", plain)


def _stem(word: str) -> str:
    # British and American spellings meet: utilisation/utilization, optimise/optimize.
    word = word.replace("isation", "ization")
    if word.endswith(("ise", "ised", "ises")):
        word = word[: word.rindex("is")] + "iz" + word[word.rindex("is") + 2:]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The search terms of a text, in order.

    >>> tokens("Little's laws: the M/M/1 queues’ latencies")
    ['little', 'law', 'm', 'm', '1', 'queue', 'latency']
    """
    return [_stem(word) for word in re.findall(r"[^\W_]+", fold(text)) if word not in STOP_WORDS]


@dataclass(frozen=True)
class Section:
    """A part of a notebook from one heading to the next."""

    notebook_id: str
    notebook_title: str
    relative_path: Path
    heading: str
    level: int
    text: str
    parents: tuple[str, ...] = ()
    #: Id of the cell the heading is in ("" when unknown: the link then names the heading).
    cell_id: str = ""

    @property
    def anchor(self) -> str:
        """The heading's anchor id, or "" when the link should open the notebook at its top:
        text before any heading, the notebook's title (level 1), or a heading whose anchor
        JupyterLab cannot follow (a formula, or characters a browser percent-encodes)."""
        if self.level <= 1 or _FORMULA.search(self.heading):
            return ""
        anchor = self.heading.replace(" ", "-")
        return "" if unfollowable_characters(anchor) else anchor

    @property
    def link(self) -> str:
        """Relative path and the heading's place, in the form JupyterLab scrolls to from
        markdown: its cell (``#cell-id=…``) when known, else its anchor; the notebook's
        title and text before any heading open the notebook at its top."""
        path = self.relative_path.as_posix()
        if self.level >= 2 and self.cell_id:
            return f"{path}#{CELL_FRAGMENT}{self.cell_id}"
        return f"{path}#{self.anchor}" if self.anchor else path


@dataclass(frozen=True)
class SearchHit:
    section: Section
    score: float
    snippet: str

    @property
    def notebook_id(self) -> str:
        return self.section.notebook_id

    @property
    def notebook_title(self) -> str:
        return self.section.notebook_title

    @property
    def heading(self) -> str:
        return self.section.heading

    @property
    def level(self) -> int:
        return self.section.level

    @property
    def link(self) -> str:
        return self.section.link

    @property
    def where(self) -> str:
        """"Notebook title › heading", or the notebook title alone for its title section."""
        if self.level <= 1:
            return self.notebook_title
        return f"{self.notebook_title} › {self.heading}"


@dataclass
class _Document:
    section: Section
    counts: dict[str, Counter] = field(default_factory=dict)
    length: float = 0.0


class SearchIndex:
    """BM25 over notebook sections with weighted title and heading fields."""

    def __init__(self, sections: list[Section]):
        self.sections = list(sections)
        self._documents = []
        frequency: Counter = Counter()
        for section in self.sections:
            doc = _Document(section, {
                "title": Counter(tokens(section.notebook_title)),
                "heading": Counter(tokens(section.heading)),
                "text": Counter(tokens(" ".join((*section.parents, section.text)))),
            })
            doc.length = sum(self._weighted(doc, term) for term in self._terms(doc))
            frequency.update(self._terms(doc))
            self._documents.append(doc)
        self._frequency = frequency
        lengths = [doc.length for doc in self._documents]
        self._average_length = (sum(lengths) / len(lengths)) if lengths else 0.0

    @staticmethod
    def _terms(doc: _Document) -> set[str]:
        return set().union(*doc.counts.values())

    @staticmethod
    def _weighted(doc: _Document, term: str) -> float:
        return (TITLE_WEIGHT * doc.counts["title"][term] + HEADING_WEIGHT * doc.counts["heading"][term]
                + doc.counts["text"][term])

    def _idf(self, term: str) -> float:
        n = len(self._documents)
        containing = self._frequency[term]
        return math.log(1 + (n - containing + 0.5) / (containing + 0.5))

    def score(self, doc: _Document, query_terms: list[str]) -> float:
        total = 0.0
        norm = K1 * (1 - B + B * doc.length / self._average_length) if self._average_length else K1
        for term in set(query_terms):
            tf = self._weighted(doc, term)
            if tf:
                total += self._idf(term) * tf * (K1 + 1) / (tf + norm)
        return total * (1 + heading_match(doc.counts["heading"], query_terms))

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """The best ``limit`` sections for ``query``, best first (ties: course order)."""
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be an integer >= 1; got {limit!r}")
        query_terms = tokens(query)
        if not query_terms:
            return []
        scored = [(self.score(doc, query_terms), position, doc) for position, doc in enumerate(self._documents)]
        scored = [item for item in scored if item[0] > 0]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [SearchHit(doc.section, round(s, 6), snippet(doc.section.text, query_terms))
                for s, _, doc in scored[:limit]]

    def markdown(self, query: str, limit: int = 10) -> str:
        """Results as a markdown list of links (relative to the folder the index was built from)."""
        hits = self.search(query, limit)
        if not hits:
            return f"No section matches *{_escape(query)}*; try fewer or other words."
        lines = []
        for hit in hits:
            where = hit.where
            line = f"- [{_escape(where)}](<{hit.link}>)"
            if hit.snippet:
                line += f" — {_escape(hit.snippet)}"
            lines.append(line)
        return "\n".join(lines)


def heading_match(heading: Counter, query_terms: list[str]) -> float:
    """How exactly a heading says what the query says, from 0 (no word shared) to 1 (same words).

    >>> heading_match(Counter(tokens("Little's law")), tokens("little's law"))
    1.0
    >>> round(heading_match(Counter(tokens("Little's law and queues")), tokens("little's law")), 3)
    0.816
    """
    query = set(query_terms)
    words = set(heading)
    if not query or not words:
        return 0.0
    shared = len(query & words)
    return (shared / len(query)) * math.sqrt(shared / len(words))


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>$|])", r"\\\1", text)


def snippet(text: str, query_terms: list[str], width: int = 140) -> str:
    """The first line of ``text`` that holds a query term, shortened to about ``width`` characters."""
    wanted = set(query_terms)
    for line in text.splitlines():
        if wanted & set(tokens(line)):
            line = " ".join(line.split())
            return line if len(line) <= width else line[: width - 1].rstrip() + "…"
    return ""


def notebook_sections(notebook, notebook_id: str, title: str, relative_path: Path) -> list[Section]:
    """Cut a notebook into sections at its markdown headings."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # the headings above the current one
    current = {"heading": title, "level": 0, "parents": (), "text": [], "cell": ""}

    def close():
        sections.append(Section(notebook_id, title, Path(relative_path), current["heading"],
                                current["level"], "\n".join(current["text"]), current["parents"],
                                current["cell"]))

    for cell in notebook.cells:
        if cell.cell_type == "code":
            current["text"].append(cell.source)
            continue
        if cell.cell_type != "markdown":
            continue
        for block in markdown_blocks(cell.source):
            if isinstance(block, str):
                current["text"].append(block)
                continue
            close()
            stack = [(level, text) for level, text in stack if level < block.level]
            current = {"heading": block.text, "level": block.level,
                       "parents": tuple(text for _, text in stack), "text": [], "cell": cell.get("id", "")}
            stack.append((block.level, block.text))
    close()
    # Text before the first heading is only worth a result when there is some.
    return [s for s in sections if s.level or s.text.strip()]


def default_root() -> Path:
    """Your workspace when it has been built, else the course's source notebooks."""
    return find_workspace() or course_root()


def build_index(root: Path | None = None, syllabus=None) -> SearchIndex:
    """Index every syllabus notebook found under ``root`` (workspace or repository)."""
    root = Path(root or default_root())
    syllabus = syllabus or load_syllabus()
    sections: list[Section] = []
    for nb in syllabus.notebooks():
        path = root / nb.relative_path
        if path.is_file():
            sections += notebook_sections(read_notebook(path), f"{nb.episode.id}/{nb.name}",
                                          nb.title, nb.relative_path)
    return SearchIndex(sections)
