"""Helpers for declaring what an assessment forbids.

>>> "erlang_c" in whole_modules("course.queueing.erlang")["course.queueing.erlang"]
True
"""

from __future__ import annotations

import ast
from pathlib import Path

import course


def defined_names(module: str) -> tuple[str, ...]:
    """Every function and class defined at the top level of ``module`` (private ones included)."""
    parts = module.split(".")[1:]
    base = Path(course.__file__).resolve().parent.joinpath(*parts)
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return tuple(sorted(n.name for n in tree.body
                        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)))


def whole_modules(*modules: str) -> dict[str, tuple[str, ...]]:
    """``{module: every function and class it defines}``: the module computes nothing while grading."""
    return {m: defined_names(m) for m in modules}
