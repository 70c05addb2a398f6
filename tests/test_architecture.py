"""The packages' import graph: no cycle, the library never imports the CLI or grading, and
no import hidden inside a function unless it is listed below with its reason.

The graph is built from the source with ``ast`` (nothing is imported), from module-level AND
function-level imports, between the modules of ``course``, ``grading``, ``certificates`` and
``dsu``. ``from package import name`` counts as an import of ``package.name`` when that is a
module, else of ``package``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("course", "grading", "certificates", "dsu")

#: (importing module, imported module) -> why the import sits inside a function. Each is a
#: module whose import is slow (nbgrader, nbformat, jupyter_client, numba) and not needed
#: on the path that avoids it; none of them dodges a cycle (the test below checks that the
#: graph stays acyclic with these edges counted).
FUNCTION_LEVEL_ALLOWED = {
    ("dsu.export", "grading.export"):
        "nbgrader's gradebook API takes ~2.5 s to import; only `dsu export` needs it",
    ("dsu.clean", "course.notebooks.notebook_format"):
        "nbformat takes ~1.3 s to import; only `dsu clean` needs it",
    ("grading.batch", "grading.private_root"):
        "nbgrader's gradebook API and SQLAlchemy (seconds): kept out of `import grading.batch`, "
        "which `dsu` does for every command (dsu.grade)",
    ("grading.batch", "grading.merge"): "the gradebook API, as grading.private_root",
    ("grading.worker", "grading.private_root"): "the gradebook API, needed only when a job runs",
    ("grading.batch", "grading.dask_grading"):
        "Dask's distributed (about a second to import) only for `dsu grade --scheduler`; the "
        "embedded default grades with local worker processes",
    ("grading.options", "grading.dask_grading"):
        "--scheduler's address is checked by the Dask module, imported only when the option is given",
    ("grading.dask_grading", "grading.worker"):
        "the task body runs on a Dask worker, which imports the grading pipeline there, not in the client",
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    in_function: bool


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the first-party packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _function_lines(tree: ast.AST) -> set[int]:
    """Line numbers of import statements that sit inside a function body."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    inside.add(sub.lineno)
    return inside


def import_edges(modules: dict[str, Path]) -> list[Edge]:
    """Every import of a first-party module by a first-party module."""
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function = _function_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                while target and target not in modules and "." in target:
                    target = target.rpartition(".")[0]  # import a.b.c of a package a.b
                if target in modules and target.split(".")[0] in PACKAGES:
                    edges.append(Edge(name, target, node.lineno, node.lineno in in_function))
    return edges


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a module importing itself)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:  # Tarjan's algorithm; the graph has ~150 nodes
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


MODULES = module_files()
EDGES = import_edges(MODULES)


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_graph_sees_the_packages_and_their_imports():
    """Does the walk find modules of every package and both kinds of import (a broken walk passes everything)?"""
    assert {"course", "course.learner.workspace", "grading.batch", "dsu"} <= set(MODULES)
    assert Edge("dsu.export", "grading.export", _line_of("dsu/export.py", "from grading.export"), True) in EDGES
    assert any(e.source == "course.learner.workspace" and e.target == "course.learner.layout"
               and not e.in_function for e in EDGES)


def _line_of(relative: str, text: str) -> int:
    lines = (REPO / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_the_cycle_finder_finds_a_cycle():
    """Does cycles() report a three-module loop and nothing for a chain?"""
    loop = [Edge("a", "b", 1, False), Edge("b", "c", 1, True), Edge("c", "a", 1, False)]
    assert cycles(loop) == [["a", "b", "c"]]
    assert cycles(loop[:2]) == []


def test_no_import_cycle_between_modules():
    """Is the import graph (module- and function-level imports) free of cycles?"""
    assert cycles(EDGES) == []


def test_the_library_never_imports_the_cli():
    """Do course, grading and certificates stay free of any import of dsu?"""
    bad = [e for e in EDGES if _top(e.source) != "dsu" and _top(e.target) == "dsu"]
    assert {_top(e.source) for e in EDGES} == set(PACKAGES)
    assert bad == []


def test_the_course_package_never_imports_grading_or_certificates():
    """Does course (what every notebook imports) stand alone, below grading and certificates?"""
    bad = [e for e in EDGES if _top(e.source) == "course" and _top(e.target) in ("grading", "certificates")]
    assert bad == []


def test_grading_never_imports_certificates():
    """Is autograding below certificates (certificates read grades; grading knows nothing of them)?"""
    bad = [e for e in EDGES if _top(e.source) == "grading" and _top(e.target) == "certificates"]
    assert bad == []


def test_function_level_imports_are_listed_with_a_reason():
    """Is every first-party import inside a function on the allow-list (and every entry still used)?"""
    found = {(e.source, e.target) for e in EDGES if e.in_function}
    assert sorted(found - set(FUNCTION_LEVEL_ALLOWED)) == []
    assert sorted(set(FUNCTION_LEVEL_ALLOWED) - found) == []
