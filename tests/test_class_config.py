"""The class hub's configuration (class/jupyterhub_config.py) refuses bad settings before doing anything.

Each bad environment variable is named in one ValueError, and nothing is created on disk (no
state folder, no exchange, no seed workspace) before every setting has been checked.
"""

from __future__ import annotations

import runpy

import pytest
from traitlets.config import Config

from course import REPO_ROOT

CONFIG = REPO_ROOT / "class" / "jupyterhub_config.py"


def load(monkeypatch, tmp_path, **variables):
    roster = tmp_path / "roster.toml"
    roster.write_text('instructors = ["teacher"]\nlearners = ["ada"]\n', encoding="utf-8")
    settings = {"DSU_CLASS_ROSTER": str(roster), "DSU_CLASS_STATE": str(tmp_path / "state"),
                "DSU_CLASS_COURSE_ROOT": str(tmp_path / "course"), "DSU_CLASS_PASSWORD": "pw"}
    settings.update(variables)
    for name, value in settings.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    config = Config()
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: config})
    return config


@pytest.mark.parametrize(("variables", "named"), [
    ({"DSU_CLASS_PASSWORD": None}, "DSU_CLASS_PASSWORD must be set"),
    ({"DSU_CLASS_PASSWORD": ""}, "DSU_CLASS_PASSWORD must be set"),
    ({"DSU_CLASS_PORT": "0"}, "DSU_CLASS_PORT must be a port from 1 to 65535; got '0'"),
    ({"DSU_CLASS_HUB_PORT": "65536"}, "DSU_CLASS_HUB_PORT must be a port from 1 to 65535"),
    ({"DSU_CLASS_FORMGRADER_PORT": "http"}, "DSU_CLASS_FORMGRADER_PORT must be a port"),
    ({"DSU_CLASS_ROSTER": "/nonexistent/roster.toml"}, "DSU_CLASS_ROSTER /nonexistent/roster.toml: no such file"),
])
def test_a_bad_setting_is_refused_by_name_before_anything_is_created(monkeypatch, tmp_path, variables, named):
    with pytest.raises(ValueError, match=named.replace("(", r"\(")):
        load(monkeypatch, tmp_path, **variables)
    assert not (tmp_path / "state").exists() and not (tmp_path / "course").exists()


@pytest.mark.parametrize("roster", ['instructors = []\nlearners = ["ada"]\n',
                                    'instructors = ["ada"]\nlearners = ["ada", "bob"]\n'])
def test_a_roster_needs_instructors_who_are_not_learners(monkeypatch, tmp_path, roster):
    path = tmp_path / "bad-roster.toml"
    path.write_text(roster, encoding="utf-8")
    with pytest.raises(ValueError, match="instructors must be a non-empty list, disjoint from learners"):
        load(monkeypatch, tmp_path, DSU_CLASS_ROSTER=str(path))
    assert not (tmp_path / "state").exists()
