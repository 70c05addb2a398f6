"""Registered data sets shipped in ``shared/data``, checked against their SHA-256 on every load.

>>> df = load("specsdm91")
>>> list(df.columns)
['load_users', 'throughput_scripts_per_hour']
>>> provenance("specsdm91")["published"]
'1994-10'
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from pathlib import Path

import pandas as pd

from course.paths import course_root


def data_dir() -> Path:
    """The course's data sets: ``shared/data`` of the course checkout (:func:`course.paths.course_root`)."""
    return course_root() / "shared" / "data"


def registry() -> dict[str, dict]:
    """Name -> provenance record (file, sha256, title, source, licence, units, ...)."""
    return tomllib.loads((data_dir() / "registry.toml").read_text(encoding="utf-8"))


def provenance(name: str) -> dict:
    """The provenance record of data set ``name``."""
    entries = registry()
    if not isinstance(name, str) or name not in entries:
        raise ValueError(
            f"name must be a registered data set ({', '.join(sorted(entries))}); "
            f"got unknown data set {name!r}"
        )
    return entries[name]


def path(name: str) -> Path:
    """The file of data set ``name`` (a CSV under :func:`data_dir`)."""
    return data_dir() / provenance(name)["file"]


def load(name: str) -> pd.DataFrame:
    """Load data set ``name`` as a DataFrame after checking its SHA-256."""
    record = provenance(name)
    data = (data_dir() / record["file"]).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != record["sha256"]:
        raise ValueError(
            f"data set {name!r} does not match its registered SHA-256 "
            f"(expected {record['sha256'][:12]}…, got {digest[:12]}…): the file was changed"
        )
    return pd.read_csv(io.BytesIO(data))
