"""Step 6: flag answers that reach for the grading machinery instead of answering.

Code can try to subvert in-kernel tests: patch a helper the tests call
(``math.isclose = lambda *a, **k: True``), shadow a builtin they use (``abs = ...``), silence
tracebacks (nbgrader #1324), rewrite IPython's hooks, or climb through
``__globals__``/``gc``/``ctypes`` to the kernel. Reading the answer's syntax tree finds those
reaches before anything runs. With an answer key nothing is decided in the kernel, so this is
only a flag for a person: the points stand and a comment asks for review
(:mod:`grading.merge`). Without a key (in-notebook tests) the autograded points are withheld
(manual score 0, "needs manual grade") until a person gives them back in formgrader. Plain
numerical code never uses these.
"""

from __future__ import annotations

import ast
import builtins

from IPython.core.inputtransformer2 import TransformerManager

from grading.repair.work import Repair

AFTER = ("rebuild_structure",)

FORBIDDEN_NAMES = {"get_ipython", "__builtins__", "__import__", "exec", "eval", "compile", "globals",
                   "vars", "setattr", "delattr", "clear_output", "breakpoint"}
FORBIDDEN_MODULES = {"builtins", "ctypes", "gc", "inspect", "importlib", "IPython", "ipykernel",
                     "jupyter_client", "zmq", "traitlets", "unittest", "signal", "atexit",
                     "nbgrader", "nbclient", "pytest", "grading"}
FORBIDDEN_ATTRIBUTES = {
    "__dict__", "__globals__", "__code__", "__builtins__", "__subclasses__", "__base__", "__bases__",
    "__mro__", "__closure__", "__defaults__", "__kwdefaults__", "__getattribute__",
    "__setattr__", "__delattr__", "__import__", "__loader__", "__spec__", "__func__", "__self__",
    "__wrapped__", "__reduce__", "__reduce_ex__", "__traceback__", "f_back", "f_globals", "f_locals",
    "f_builtins", "gi_frame", "tb_frame", "showtraceback", "_showtraceback", "excepthook",
    "displayhook", "settrace", "setprofile", "_getframe", "modules", "run_cell", "user_ns",
    "input_transformers_post", "input_transformers_cleanup", "ast_transformers",
}
#: Magics an answer may use (timing, plotting, help); any other magic is flagged.
ALLOWED_MAGICS = {"time", "timeit", "matplotlib", "precision", "who", "whos", "pinfo", "pinfo2",
                  "psource", "pdef", "pdoc", "capture", "writefile"}
#: Names that give away an attempt even inside a string (``getattr(x, "__globals__")``).
FORBIDDEN_STRINGS = FORBIDDEN_ATTRIBUTES | {"get_ipython", "__builtins__", "__import__"}
_to_python = TransformerManager().transform_cell


def parse(source: str) -> ast.Module | None:
    """The syntax tree of a cell (IPython magics turned into Python first), None if invalid."""
    try:
        return ast.parse(_to_python(source))
    except (SyntaxError, ValueError):
        return None


def _root(node) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node) -> str:
    return ast.unparse(node) if hasattr(ast, "unparse") else "<expression>"


def imports_of(tree: ast.Module | None) -> dict[str, str]:
    """``{alias: module}`` of every import statement in a tree."""
    found: dict[str, str] = {}
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Import):
            for a in node.names:
                found[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                found[a.asname or a.name] = f"{node.module}.{a.name}"
    return found


def top_level_bindings(tree: ast.Module | None) -> set[str]:
    """Names a cell binds at module level (assignments, defs, classes, imports, ``global``)."""
    names: set[str] = set()
    if tree is None:
        return names
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            names.update(node.names)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(imports_of(ast.Module(body=[node], type_ignores=[])))
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
    return names


def loaded_names(tree: ast.Module | None) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} if tree else set()


def _magic_calls(tree: ast.Module) -> tuple[set[int], list[tuple[int, str]]]:
    """``get_ipython()`` calls that IPython generated for ``%magic``/``!shell`` lines: their
    ids (not flagged as such) and the magics outside :data:`ALLOWED_MAGICS` (flagged)."""
    generated, found = set(), []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput")
                and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id == "get_ipython"):
            generated.add(id(node.func.value.func))
            if node.func.attr.startswith("run_"):
                name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "?"
                if name not in ALLOWED_MAGICS:
                    found.append((node.lineno, f"uses the %{name} magic"))
    return generated, found


def _reaches(tree: ast.Module, modules: set[str]) -> list[tuple[int, str]]:
    generated, found = _magic_calls(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES and id(node) not in generated:
            found.append((line, f"uses {node.id}"))
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append((line, f"uses .{node.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                node.value in FORBIDDEN_STRINGS):
            found.append((line, f"names {node.value!r} in a string"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append((line, f"imports {name}"))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute | ast.Subscript) and _root(sub) in modules:
                        found.append((line, f"changes {_dotted(sub)} (a module the tests may use)"))
                        break
    return found


def scan_tampering(work: Repair) -> None:
    """Flag answer cells that reach grading machinery or rebind what the tests rely on."""
    if work.rejected or work.notebook is None:
        return
    fixed_trees = [(ref, parse(ref.source_text or ref.cell["source"]))
                   for ref in work.reference.cells if ref.cell["cell_type"] == "code" and not ref.is_answer]
    modules: dict[str, str] = {}
    for _, tree in fixed_trees:
        modules.update(imports_of(tree))
    # Names the tests read but do not define themselves: builtins or names from read-only cells.
    relied_on: set[str] = set()
    for ref, tree in fixed_trees:
        if ref.kind == "test":
            relied_on |= loaded_names(tree) - top_level_bindings(tree)
    defined_by_fixed = set().union(*(top_level_bindings(t) for _, t in fixed_trees)) if fixed_trees else set()
    protected = relied_on & (set(dir(builtins)) | defined_by_fixed)
    for ref in work.reference.cells:
        if ref.kind != "answer":
            continue
        source = work.notebook["cells"][ref.index]["source"]
        tree = parse(source)
        if tree is None:
            continue
        intended = top_level_bindings(parse(ref.source_text)) if ref.source_text else set()
        student_modules = imports_of(tree)
        reaches = _reaches(tree, set(modules) | set(student_modules))
        for name in sorted((top_level_bindings(tree) - intended) & protected):
            if student_modules.get(name) and student_modules.get(name) == modules.get(name):
                continue  # re-importing the same module under the same name changes nothing
            reaches.append((0, f"rebinds {name!r}, which the tests use"))
        for line, what in reaches:
            where = f"line {line}: " if line else ""
            work.note("flagged", "tampering",
                      f"answer '{ref.grade_id}' {where}{what}; flagged for a person to review",
                      ref.grade_id)
