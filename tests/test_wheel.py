"""The kit installs as a wheel: built offline from this checkout, installed into a fresh venv,
it imports ``course``, ``grading``, ``certificates`` and ``dsu`` from the install and reads the
syllabus (package data) and a data set (course material, found through $DSU_COURSE_ROOT).

The fresh venv gets the wheel only (``--no-deps``); the dependencies come from the main venv's
site-packages on PYTHONPATH (a PYTHONPATH entry does not run the main venv's ``.pth`` files, so
the editable install of this checkout stays out of the way).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("course", "grading", "certificates", "dsu")

PROBE = """
import json, sys
import course, grading, certificates, dsu
from course.syllabus import load_syllabus
from course.datasets import load
from course.queueing import mmc
from certificates.certification import load_rules
syllabus = load_syllabus()
print(json.dumps({
    "files": [m.__file__ for m in (course, grading, certificates, dsu)],
    "episodes": [ep.id for ep in syllabus.episodes()],
    "rows": len(load("specsdm91")),
    "p_wait": round(mmc(9, 1, 10).p_wait, 4),
    "rules": sorted(load_rules().series),
    "lab_config": sorted(p.name for p in __import__("dsu.lab", fromlist=["LAB_CONFIG"]).LAB_CONFIG.glob("*.py")),
}))
"""


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=600, **kwargs)


def test_the_wheel_installs_and_works_outside_the_checkout(tmp_path):
    """Does a wheel of the checkout, installed in a fresh venv, import and load data from the install?"""
    # Built from a copy of the sources: setuptools reuses a build/ folder, whose stale files
    # (a module since moved) would otherwise slip into the wheel.
    source = tmp_path / "src"
    for package in PACKAGES:
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "-w", str(tmp_path / "dist"), str(source), cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("dsu_course-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for package in PACKAGES for p in (REPO / package).rglob("*.py")
               if "__pycache__" not in p.parts}
    assert {n for n in names if n.endswith(".py")} == modules
    for shipped in ("course/syllabus.toml", "course/learner/lab_config/jupyter_server_config.py",
                    "course/notebooks/nbgrader_config.py", "certificates/certification.toml",
                    "dsu/__init__.py", "grading/answer_keys/ep51.py"):
        assert shipped in names, shipped
    assert not any(name.startswith(("series-", "tests/", "shared/")) for name in names)

    venv = tmp_path / "fresh"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    # The main venv's pip installs into the fresh venv: the fresh one has no pip of its own.
    purelib = _run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    _run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--target", purelib, str(wheel))

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DSU_COURSE_ROOT")}
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    env["DSU_COURSE_ROOT"] = str(REPO)
    out = _run(str(python), "-c", PROBE, cwd=tmp_path, env=env).stdout
    found = json.loads(out.strip().splitlines()[-1])
    for file in found["files"]:
        assert Path(file).is_relative_to(purelib), file
    assert {"ep51", "ep13"} <= set(found["episodes"])
    assert found["rows"] > 0
    assert found["p_wait"] == 0.6687
    assert found["rules"]
    assert found["lab_config"] == ["jupyter_server_config.py", "nbgrader_config.py"]

    console = _run(str(python), "-m", "dsu", "syllabus", cwd=tmp_path, env=env).stdout
    assert "ep51" in console.lower()
