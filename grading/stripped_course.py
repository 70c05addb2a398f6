"""A copy of the ``course`` package with an assessment's forbidden names switched off at the source.

While implementation answers are checked, the kernel imports this copy instead of the real
package (it is bound read-only at the path where the venv's editable install looks for
``course``, so ``import course.queueing.erlang`` just works). Every forbidden function, method of a
forbidden class, or module-level alias is rewritten with :mod:`ast` into a stub that raises
:class:`RuntimeError` ("the course reference for this question is switched off while
grading"): no route — import, ``runpy`` on the file, ``exec`` of the file's source, a default
argument or closure captured at definition time, a copied ``__code__`` — reaches a working
version, because no working version exists in the files the kernel can read. The rest of the
library keeps working. Built once per batch and cached by the hash of the package and the list.

>>> tree = ast.parse("def erlang_c(c, a):\\n    return 1\\n")
>>> "switched off" in ast.unparse(switch_off(tree, {"erlang_c"}, "course.queueing.erlang"))
True
"""

from __future__ import annotations

import ast
import compileall
import hashlib
import json
import os
import py_compile
import shutil
from collections.abc import Mapping
from pathlib import Path

import course

#: The installed course package (an editable install: the checkout's course/).
COURSE = Path(course.__file__).resolve().parent
MESSAGE = "the course reference for this question is switched off while grading: {name}"
#: Never part of the copy: nothing a kernel needs, and progress/search touch the learner's files.
SKIP = ("__pycache__",)


def _stub_body(qualified: str) -> list[ast.stmt]:
    return ast.parse(f"raise RuntimeError({MESSAGE.format(name=qualified)!r})").body


def switch_off(tree: ast.Module, names: set[str], module: str) -> ast.Module:
    """Rewrite ``tree`` (a module of ``course``) so that every name in ``names`` raises when used."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
            node.body = _stub_body(f"{module}.{node.name}")
            node.decorator_list = [d for d in node.decorator_list if _keeps(d)]
        elif isinstance(node, ast.ClassDef) and node.name in names:
            for item in ast.walk(node):
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    item.body = _stub_body(f"{module}.{node.name}.{item.name}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            hit = [t.id for t in targets if isinstance(t, ast.Name) and t.id in names]
            if hit and node.value is not None:
                node.value = ast.parse(f"_dsu_switched_off({module + '.' + hit[0]!r})", mode="eval").body
    if any(isinstance(n, ast.Assign | ast.AnnAssign) for n in tree.body):
        helper = ast.parse(
            "def _dsu_switched_off(name):\n"
            "    def switched_off(*args, **kwargs):\n"
            f"        raise RuntimeError({MESSAGE!r}.format(name=name))\n"
            "    return switched_off\n").body
        at = next((i + 1 for i, n in enumerate(tree.body) if isinstance(n, ast.ImportFrom) and n.module == "__future__"), 0)
        tree.body[at:at] = helper
    return ast.fix_missing_locations(tree)


def _keeps(decorator: ast.expr) -> bool:
    # functools caches and numba's jit would wrap the stub harmlessly; keep property/staticmethod etc.
    text = ast.unparse(decorator)
    return not any(word in text for word in ("jit", "vectorize"))


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def fingerprint(forbidden: Mapping[str, tuple[str, ...]], package: Path = COURSE) -> str:
    """Hash of the package's Python files and the forbidden list: the cache key of a copy."""
    digest = hashlib.sha256(json.dumps({k: sorted(v) for k, v in sorted(forbidden.items())}).encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_stripped_course(forbidden: Mapping[str, tuple[str, ...]], cache: Path, package: Path = COURSE) -> Path:
    """The folder ``<cache>/<hash>/course``: the package with ``forbidden`` switched off (built once).

    ``forbidden`` maps module names (``course.queueing.erlang``) to names; a module that does not exist
    is an error (a key naming a module the kit no longer has would protect nothing).
    """
    unknown = [m for m in forbidden if not _module_path(m, package).is_file()]
    if unknown:
        raise ValueError(f"forbidden names modules that do not exist: {', '.join(unknown)}")
    target = Path(cache) / fingerprint(forbidden, package) / "course"
    if (target.parent / "complete").is_file():
        return target
    staging = target.parent.with_name(target.parent.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(package, staging / "course", ignore=shutil.ignore_patterns(*SKIP, "*.pyc"))
    for path in sorted((staging / "course").rglob("*.py")):
        module = _module_name(path, staging / "course")
        names = set(forbidden.get(module, ()))
        if names:
            tree = switch_off(ast.parse(path.read_text(encoding="utf-8")), names, module)
            missing = names - _defined(tree)
            if missing:
                raise ValueError(f"{module} defines no {', '.join(sorted(missing))}: fix the answer key")
            path.write_text(ast.unparse(tree) + "\n", encoding="utf-8")
    # Bytecode now: the copy is read-only in the sandbox, and every checking kernel would
    # otherwise compile the package from source again.
    compileall.compile_dir(str(staging / "course"), quiet=1, optimize=0,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    for path in (staging / "course").rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    (staging / "complete").write_text("ok\n", encoding="utf-8")
    os.chmod(staging, 0o755)
    try:
        os.rename(staging, target.parent)
    except OSError:  # another batch built the same copy meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _module_path(module: str, package: Path) -> Path:
    parts = module.split(".")[1:]
    base = package.joinpath(*parts)
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


#: What warms numba's cache for a kernel: the compiled simulation kernels the assessments call.
WARM_NUMBA = ("from course.simulation import simulate_mmc\nfrom course.simulation.fast import fcfs_start_times\n"
              "simulate_mmc(2.0, 1.0, 3, customers=2_000, seed=1, warmup=100)\n"
              "fcfs_start_times([0.0, 1.0], [1.0, 1.0], 1)\n")


def warm_numba_cache(cache: Path) -> Path | None:
    """A numba cache with the course's compiled kernels, built once in a trusted subprocess.

    Each kernel gets a private copy in its home (numba only uses a cache folder it can write),
    so a student's kernel loads the compiled code instead of compiling it again (seconds).
    None if numba is not installed or warming fails (kernels then compile, as before).
    """
    import subprocess
    import sys

    target = Path(cache) / f"numba-{fingerprint({}, COURSE)}"
    if (target / "complete").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(target))
    try:
        done = subprocess.run([sys.executable, "-c", WARM_NUMBA], env=env, capture_output=True, timeout=600,
                              cwd=str(target)).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        done = False
    if not done:
        return None
    (target / "complete").write_text("ok\n", encoding="utf-8")
    return target
