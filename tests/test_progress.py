"""Tests of course/progress.py (the logbook), course/progress_summary.py (what it means),
course/progress_view.py (the start page's chart) and `dsu progress`."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import tempfile
import warnings
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.learner import progress
from course.learner.progress import (
    ProgressStore,
    find_workspace,
    notebook_id,
    record_check,
    record_notebook,
)
from course.learner.progress_summary import exercises_in, objective_of_exercise, summarize
from course.learner.progress_view import progress_figure, progress_markdown
from course.syllabus import parse_syllabus

# --- builders ---------------------------------------------------------------------------

SYLLABUS = """
[course]
id = "t"
title = "Test course"

[[series]]
id = "series-1"
number = 1
title = "One"
folder = "series-1"

[[series.episodes]]
id = "ep1"
title = "First"
folder = "ep1-first"
prerequisites = []
assessment_points = 1
[[series.episodes.objectives]]
id = "ep1-alpha"
text = "alpha"
[[series.episodes.objectives]]
id = "ep1-alpha-beta"
text = "alpha beta"
[[series.episodes.notebooks]]
name = "1-a"
title = "A"
minutes = 10
[[series.episodes.notebooks]]
name = "assessment"
title = "Assessment"
minutes = 10

[[series.episodes]]
id = "ep2"
title = "Second"
folder = "ep2-second"
prerequisites = ["ep1"]
assessment_points = 1
[[series.episodes.objectives]]
id = "ep2-gamma"
text = "gamma"
[[series.episodes.notebooks]]
name = "1-a"
title = "A2"
minutes = 10
[[series.episodes.notebooks]]
name = "assessment"
title = "Assessment 2"
minutes = 10

[[series]]
id = "series-2"
number = 2
title = "Two"
folder = "series-2"

[[series.episodes]]
id = "ep3"
title = "Third"
folder = "ep3-third"
prerequisites = []
assessment_points = 1
[[series.episodes.objectives]]
id = "ep3-delta"
text = "delta"
[[series.episodes.notebooks]]
name = "assessment"
title = "Assessment 3"
minutes = 10
"""


def write_notebook(path: Path, *code_cells: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code_cells])
    nbformat.write(nb, path)


def make_course(root: Path):
    """A three-episode course whose ep1/1-a has exercises ep1-alpha-1 and ep1-alpha-beta-1."""
    syllabus = parse_syllabus(SYLLABUS)
    for nb in syllabus.notebooks():
        write_notebook(root / nb.relative_path, "x = 1")
    write_notebook(
        root / "series-1/ep1-first/1-a.ipynb",
        'course.learner.selfcheck.check("ep1-alpha-1", lambda: f(1) == 2)',
        "from course.learner.selfcheck import check\ncheck( 'ep1-alpha-beta-1', lambda: True)\n"
        "check('ep1-alpha-1', lambda: True)  # the same exercise again",
    )
    write_notebook(root / "series-1/ep2-second/1-a.ipynb", 'check("ep2-gamma-1", lambda: True)')
    return syllabus


def make_workspace(folder: Path) -> Path:
    (folder / ".dsu").mkdir(parents=True, exist_ok=True)
    (folder / ".dsu" / "manifest.json").write_text(json.dumps({"delivered": {}}))
    return folder


# --- the logbook ------------------------------------------------------------------------

def test_recorded_lines_come_back_in_order(tmp_path):
    """Does the logbook return every line written, oldest first, with its fields?"""
    store = ProgressStore(tmp_path)
    store.record("notebook", "ep51/1-foundations", "opened", recorded_at=10.0)
    store.record("check", "ep51-littles-law", "failed", recorded_at=11.0)
    store.record("check", "ep51-littles-law", "passed", recorded_at=12.0)
    events = store.events()
    assert [(e.recorded_at, e.kind, e.subject, e.outcome) for e in events] == [
        (10.0, "notebook", "ep51/1-foundations", "opened"),
        (11.0, "check", "ep51-littles-law", "failed"),
        (12.0, "check", "ep51-littles-law", "passed"),
    ]
    assert store.path == tmp_path / ".dsu" / "progress.sqlite"


def test_store_is_in_wal_mode_with_a_busy_timeout(tmp_path):
    """Is the database file in write-ahead-log mode, and do writers wait for each other?"""
    store = ProgressStore(tmp_path)
    store.record("check", "x-1", "passed")
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db = store._connect()
    try:
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    finally:
        db.close()


@pytest.mark.parametrize(("passed", "attempted", "outcome"), [
    (True, True, "passed"), (False, True, "failed"), (False, False, "not-attempted"),
])
def test_check_outcomes(tmp_path, passed, attempted, outcome):
    """Is a self-check recorded as passed, failed or not attempted?"""
    event = record_check("ep51-usl", passed=passed, attempted=attempted, workspace=tmp_path)
    assert event.outcome == outcome
    assert ProgressStore(tmp_path).events()[-1].outcome == outcome


@pytest.mark.parametrize(("kind", "subject", "outcome", "message"), [
    ("quiz", "a", "passed", "kind must be"),
    ("check", "a", "opened", "outcome of a check"),
    ("notebook", "a", "passed", "outcome of a notebook"),
    ("check", "  ", "passed", "subject must be"),
])
def test_bad_lines_are_refused(tmp_path, kind, subject, outcome, message):
    """Does the logbook refuse a line it could not interpret later, naming what is wrong?"""
    with pytest.raises(ValueError, match=message):
        ProgressStore(tmp_path).record(kind, subject, outcome)


def test_notebook_ids_from_paths(tmp_path, monkeypatch):
    """Is a notebook named the same whether given by id, relative, absolute or local path?"""
    relative = "series-3/ep51-mathematics-of-scale/2-implementation.ipynb"
    assert notebook_id("ep51/2-implementation") == "ep51/2-implementation"
    assert notebook_id(relative) == "ep51/2-implementation"
    assert notebook_id(tmp_path / "workspace" / relative) == "ep51/2-implementation"
    # A kernel's current folder is its notebook's folder.
    folder = tmp_path / "series-3" / "ep51-mathematics-of-scale"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert notebook_id("3-strategy.ipynb") == "ep51/3-strategy"


@pytest.mark.parametrize("bad", ["ep51/9-nothing", "ep99/1-foundations", "1-foundations", "other/1-foundations.ipynb"])
def test_unknown_notebooks_are_refused(bad, tmp_path, monkeypatch):
    """Does an unknown notebook raise a ValueError showing the expected form?"""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="ep51/1-foundations"):
        notebook_id(bad)


def test_notebook_events(tmp_path):
    """Are opened/finished recorded under the notebook id, and other events refused?"""
    progress.mark_opened("ep51/1-foundations", workspace=tmp_path)
    progress.mark_finished("series-3/ep51-mathematics-of-scale/1-foundations.ipynb", workspace=tmp_path)
    assert [(e.subject, e.outcome) for e in ProgressStore(tmp_path).events()] == [
        ("ep51/1-foundations", "opened"), ("ep51/1-foundations", "finished")]
    with pytest.raises(ValueError, match="event must be one of opened, finished"):
        record_notebook("ep51/1-foundations", "closed", workspace=tmp_path)


# --- which workspace --------------------------------------------------------------------

def test_the_workspace_the_kernel_runs_in_wins(tmp_path, monkeypatch):
    """Is progress written to the workspace containing the current folder, not $DSU_WORKSPACE's?"""
    mine = make_workspace(tmp_path / "mine")
    other = make_workspace(tmp_path / "other")
    (mine / "series-3").mkdir()
    monkeypatch.setenv("DSU_WORKSPACE", str(other))
    monkeypatch.chdir(mine / "series-3")
    assert find_workspace() == mine.resolve()
    record_check("ep51-usl", passed=True, attempted=True)
    assert len(ProgressStore(mine).events()) == 1
    assert not ProgressStore(other).path.exists()


def test_dsu_workspace_is_used_outside_any_workspace(tmp_path, monkeypatch):
    """Outside a workspace, is $DSU_WORKSPACE used when it has been built, and nothing otherwise?"""
    monkeypatch.chdir(tmp_path)
    built = make_workspace(tmp_path / "built")
    monkeypatch.setenv("DSU_WORKSPACE", str(built))
    assert find_workspace() == built.resolve()
    unbuilt = tmp_path / "unbuilt"
    monkeypatch.setenv("DSU_WORKSPACE", str(unbuilt))
    assert find_workspace() is None
    assert record_check("ep51-usl", passed=True, attempted=True) is None
    assert not unbuilt.exists()


def test_source_notebooks_and_tests_record_nothing(tmp_path, monkeypatch):
    """Inside the course repository but outside its workspace (an author running the source
    notebooks or the tests), is nothing recorded, even into a built default workspace?"""
    from course import REPO_ROOT

    built = make_workspace(tmp_path / "built")
    monkeypatch.setenv("DSU_WORKSPACE", str(built))
    monkeypatch.chdir(REPO_ROOT / "course")
    assert find_workspace() == built.resolve()  # `dsu progress` still reads it ...
    assert progress.recording_workspace() is None  # ... but kernels here do not write to it
    assert record_check("ep51-usl", passed=True, attempted=True) is None
    assert not ProgressStore(built).path.exists()
    monkeypatch.chdir(tmp_path)
    assert progress.recording_workspace() == built.resolve()


def test_selfcheck_records_into_the_workspace(tmp_path, monkeypatch):
    """Does course.learner.selfcheck.check() leave its honest outcome in the workspace's logbook?"""
    from course.learner.selfcheck import check

    workspace = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(workspace)

    def unfinished():
        raise NotImplementedError()

    check("ep51-littles-law-demo", lambda: unfinished(), display=False)
    check("ep51-littles-law-demo", lambda: 1 + 1 == 3, display=False)
    check("ep51-littles-law-demo", lambda: 1 + 1 == 2, display=False)
    outcomes = [e.outcome for e in ProgressStore(workspace).events()]
    assert outcomes == ["not-attempted", "failed", "passed"]


# --- concurrency and crashes ------------------------------------------------------------

def _write_many(workspace: str, writer: int, count: int, barrier) -> None:
    barrier.wait()  # all writers start together, racing to create the file as well
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a lost line would only be a warning: make it fail
        for line in range(count):
            record_check(f"w{writer}-{line}", passed=line % 2 == 0, attempted=True, workspace=Path(workspace))


def test_concurrent_kernels_lose_no_line(tmp_path):
    """Do several processes writing at once, from a file that does not exist yet, lose no line?"""
    context = multiprocessing.get_context("fork")
    writers, count = 4, 40
    barrier = context.Barrier(writers)
    processes = [context.Process(target=_write_many, args=(str(tmp_path), w, count, barrier))
                 for w in range(writers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * writers
    store = ProgressStore(tmp_path)
    subjects = [e.subject for e in store.events()]
    assert sorted(subjects) == sorted(f"w{w}-{i}" for w in range(writers) for i in range(count))
    assert store.integrity() == "ok"
    assert not list((tmp_path / ".dsu").glob(".progress-*")), "temporary files left behind"


def _die_inside_a_write(workspace: str) -> None:
    store = ProgressStore(Path(workspace))
    store.record("check", "committed-before-crash", "passed")
    db = store._connect()
    db.execute("BEGIN IMMEDIATE")  # holds the write lock ...
    db.execute("INSERT INTO events (recorded_at, kind, subject, outcome) VALUES (0, 'check', 'never-committed', 'passed')")
    os.kill(os.getpid(), signal.SIGKILL)  # ... when the kernel dies


def test_a_kernel_killed_mid_write_leaves_the_store_usable(tmp_path):
    """After a kernel is killed holding the write lock, is the committed line kept, the
    half-written one gone, and can the next kernel write at once?"""
    context = multiprocessing.get_context("fork")
    victim = context.Process(target=_die_inside_a_write, args=(str(tmp_path),))
    victim.start()
    victim.join(timeout=60)
    assert victim.exitcode == -signal.SIGKILL
    store = ProgressStore(tmp_path)
    store.record("check", "after-crash", "passed")
    assert [e.subject for e in store.events()] == ["committed-before-crash", "after-crash"]
    assert store.integrity() == "ok"


def test_an_unwritable_store_warns_instead_of_breaking_the_notebook(tmp_path):
    """If the logbook cannot be written, does recording warn and return None, not raise?"""
    store_path = tmp_path / ".dsu" / "progress.sqlite"
    store_path.mkdir(parents=True)  # a folder where the file should be: sqlite cannot open it
    with pytest.warns(RuntimeWarning, match="progress not recorded"):
        assert record_check("ep51-usl", passed=True, attempted=True, workspace=tmp_path) is None


# --- what the logbook means -------------------------------------------------------------

def test_exercises_are_found_in_notebooks(tmp_path):
    """Are check("...") calls found in code cells, each exercise once, in order?"""
    make_course(tmp_path)
    assert exercises_in(tmp_path / "series-1/ep1-first/1-a.ipynb") == ("ep1-alpha-1", "ep1-alpha-beta-1")
    assert exercises_in(tmp_path / "missing.ipynb") == ()


def test_objective_of_exercise_prefers_the_longest_prefix():
    """Is an exercise assigned to the most specific objective whose id starts its id?"""
    objectives = ["ep1-alpha", "ep1-alpha-beta"]
    assert objective_of_exercise("ep1-alpha-beta-1", objectives) == "ep1-alpha-beta"
    assert objective_of_exercise("ep1-alpha-1", objectives) == "ep1-alpha"
    assert objective_of_exercise("ep1-alphabet", objectives) is None
    assert objective_of_exercise("ep1-alpha__q1", objectives) == "ep1-alpha"


def test_summary_counts(tmp_path):
    """Are passed/attempted exercises, opened/done notebooks, objectives and completion right?"""
    syllabus = make_course(tmp_path)
    store = ProgressStore(tmp_path)
    store.record("notebook", "ep1/1-a", "opened")
    store.record("check", "ep1-alpha-1", "not-attempted")
    store.record("check", "ep1-alpha-1", "passed")
    store.record("check", "ep1-alpha-1", "failed")  # passed once stays passed
    store.record("check", "ep1-alpha-beta-1", "failed")
    ep1 = summarize(tmp_path, syllabus).episode("ep1")
    assert (ep1.exercises_passed, ep1.exercises_attempted, len(ep1.exercises)) == (1, 2, 2)
    assert (ep1.notebooks_opened, ep1.notebooks_done, len(ep1.notebooks)) == (1, 0, 2)
    assert ep1.objectives_covered == ("ep1-alpha",)
    # steps: 2 exercises of 1-a + the assessment, which has no question (one step); done: 1
    assert ep1.completion == pytest.approx(1 / 3)

    store.record("check", "ep1-alpha-beta-1", "passed")
    ep1 = summarize(tmp_path, syllabus).episode("ep1")
    # both exercises of 1-a passed: that notebook is done as well
    assert ep1.notebooks[0].done and not ep1.notebooks[1].done
    assert ep1.completion == pytest.approx(2 / 3)
    assert ep1.objectives_covered == ("ep1-alpha", "ep1-alpha-beta")


def test_running_a_self_check_opens_its_notebook(tmp_path):
    """Does running a notebook's self-check (even unattempted) count that notebook as opened?"""
    syllabus = make_course(tmp_path)
    ProgressStore(tmp_path).record("check", "ep2-gamma-1", "not-attempted")
    ep2 = summarize(tmp_path, syllabus).episode("ep2")
    assert [nb.opened for nb in ep2.notebooks] == [True, False]
    assert ep2.exercises_attempted == 0 and ep2.started


def test_every_course_exercise_names_its_objective():
    """Does every self-check exercise of the course start with the id of the objective it
    practises (e.g. "ep51-single-server-mm1-wait"), so that passing it covers that objective?"""
    from course.syllabus import load_syllabus

    syllabus = load_syllabus()
    objectives = list(syllabus.objectives())
    unnamed = [f"{nb.relative_path}: {exercise}" for nb in syllabus.notebooks()
               for exercise in exercises_in(nb.path) if objective_of_exercise(exercise, objectives) is None]
    assert not unnamed, ("exercise ids must start with an objective id of the syllabus "
                         f"({', '.join(objectives)}):\n" + "\n".join(unnamed))


def test_exercises_no_notebook_mentions_still_count(tmp_path):
    """Is a recorded exercise missing from the notebooks counted for the episode it names?"""
    syllabus = make_course(tmp_path)
    ProgressStore(tmp_path).record("check", "ep2-gamma-old", "passed")
    ep2 = summarize(tmp_path, syllabus).episode("ep2")
    assert ep2.exercises == ("ep2-gamma-1", "ep2-gamma-old")
    assert ep2.exercises_passed == 1 and ep2.objectives_covered == ("ep2-gamma",)


def test_next_notebook_follows_syllabus_and_prerequisites(tmp_path):
    """Is the next notebook the first not done of a started episode, else of the first episode
    whose prerequisites are complete, and None when all is done?"""
    syllabus = make_course(tmp_path)
    store = ProgressStore(tmp_path)

    def next_id():
        suggestion = summarize(tmp_path, syllabus).next_notebook()
        return suggestion and suggestion.notebook.id

    assert next_id() == "ep1/1-a"
    store.record("notebook", "ep3/assessment", "opened")  # started ep3, which needs nothing
    assert next_id() == "ep3/assessment"
    store.record("notebook", "ep3/assessment", "finished")
    assert next_id() == "ep1/1-a"
    store.record("notebook", "ep1/1-a", "finished")  # run to its end, but its exercises did not pass
    assert next_id() == "ep1/1-a"
    for exercise in ("ep1-alpha-1", "ep1-alpha-beta-1"):
        store.record("check", exercise, "passed")
    store.record("notebook", "ep2/1-a", "opened")  # ep2 started, but ep1 (its prerequisite) is not complete
    assert next_id() == "ep1/assessment"
    store.record("notebook", "ep1/assessment", "finished")
    assert next_id() == "ep2/1-a"
    store.record("check", "ep2-gamma-1", "passed")
    assert next_id() == "ep2/assessment"
    store.record("notebook", "ep2/assessment", "finished")
    assert next_id() is None
    assert "Every notebook is done" in summarize(tmp_path, syllabus).table()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["check", "notebook"]),
    st.sampled_from(["ep1-alpha-1", "ep1-alpha-beta-1", "ep2-gamma-1", "ep1/1-a", "ep1/assessment", "ep2/1-a"]),
    st.integers(0, 2)), max_size=25))
def test_summary_invariants(lines):
    """Whatever was recorded, is passed <= attempted <= total and completion within [0, 1]?"""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        syllabus = make_course(root)
        store = ProgressStore(root)
        for kind, subject, pick in lines:
            outcomes = ("passed", "failed", "not-attempted") if kind == "check" else ("opened", "finished", "opened")
            if (kind == "check") == ("/" not in subject):
                store.record(kind, subject, outcomes[pick])
        for ep in summarize(root, syllabus).episodes:
            assert 0 <= ep.exercises_passed <= ep.exercises_attempted <= len(ep.exercises)
            assert 0 <= ep.notebooks_done <= len(ep.notebooks)
            assert 0.0 <= ep.completion <= 1.0
            assert set(ep.objectives_covered) <= set(ep.objectives)


def test_table_shows_every_series(tmp_path):
    """Does the printed table show each series, each episode's counts and the next notebook?"""
    syllabus = make_course(tmp_path)
    store = ProgressStore(tmp_path)
    store.record("check", "ep1-alpha-1", "passed")
    store.record("notebook", "ep1/1-a", "opened")
    table = summarize(tmp_path, syllabus).table()
    assert "Series 1 · One" in table and "Series 2 · Two" in table
    ep1_row = next(line for line in table.splitlines() if line.strip().startswith("EP1 "))
    # exercises passed, attempted; questions passed; notebooks opened, done; objectives; done
    assert ep1_row.split() == ["EP1", "1/2", "1/2", "0/0", "1/2", "0/2", "1/2", "33%"]
    assert "Next: A — series-1/ep1-first/1-a.ipynb" in table


# --- the start page's view and the command ----------------------------------------------

def test_progress_figure_and_table_agree(tmp_path):
    """Do the chart's bars carry the same completion and objectives as the summary?"""
    syllabus = make_course(tmp_path)
    ProgressStore(tmp_path).record("check", "ep1-alpha-1", "passed")
    summary = summarize(tmp_path, syllabus)
    fig = progress_figure(summary)
    completion, covered = fig.data
    assert list(completion.x) == ["EP1", "EP2", "EP3"]
    assert list(completion.y) == [33.3, 0.0, 0.0]
    assert list(covered.y) == [50.0, 0.0, 0.0]
    text = progress_markdown(summary, tmp_path)
    assert "| EP1 · First | 1 of 2 | 1 of 2 | 0 of 0 | 1 of 2 | 0 of 2 | 1 of 2 | 33% |" in text
    # the started episode's objectives in words, ticked when covered; no internal ids
    assert "- ✔ alpha\n- ○ alpha beta" in text and "ep1-alpha" not in text
    assert "**Next:** [A](series-1/ep1-first/1-a.ipynb)" in text


def test_dsu_progress_prints_the_table(tmp_path, capsys):
    """Does `dsu progress --workspace` print the real syllabus's table with what was recorded?"""
    from dsu import main

    workspace = make_workspace(tmp_path / "ws")
    record_check("ep51-littles-law-x", passed=True, attempted=True, workspace=workspace)
    assert main(["progress", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip().startswith("EP51"))
    assert row.split()[1].startswith("1/")  # one exercise passed
    assert row.split()[6] == "1/6"  # one of EP51's six objectives covered


def test_dsu_progress_without_workspace(tmp_path, capsys, monkeypatch):
    """Without a built workspace, does `dsu progress` say how to build one (exit code 2)?"""
    monkeypatch.chdir(tmp_path)
    assert main_progress(["--workspace", str(tmp_path / "none")]) == 2
    assert "dsu build" in capsys.readouterr().err


def main_progress(args):
    from dsu import main

    return main(["progress", *args])


# --- what "done" means, for each kind of notebook -----------------------------------------

def write_assessment(path: Path) -> None:
    """An nbgrader assessment: two auto-graded questions, a manually graded essay, a locked cell."""
    def cell(kind, source, **nbgrader):
        new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        made = new(source)
        if nbgrader:
            made.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
        return made

    nb = nbformat.v4.new_notebook(cells=[
        cell("code", "RATE = 2", grade_id="ep1-params", grade=False, solution=False, locked=True),
        cell("code", "def f(x):\n    raise NotImplementedError()", grade_id="ep1-alpha__a1",
             grade=False, solution=True, locked=False),
        cell("code", 'check("ep1-alpha__q1", lambda: f(1) == 2)', grade_id="ep1-alpha__q1",
             grade=True, solution=False, locked=True, points=2),
        cell("code", "assert g() == 3", grade_id="ep1-alpha-beta__q2", grade=True, solution=False,
             locked=True, points=1),
        cell("markdown", "Explain.", grade_id="ep1-alpha-beta__essay", grade=True, solution=True,
             locked=False, points=2),
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_assessment_questions_come_from_its_graded_code_cells(tmp_path):
    """Are an assessment's questions the grade_ids of its auto-graded code cells (not the essay,
    not the solution or locked cells), whether or not a test cell calls check() yet?"""
    from course.learner.progress_summary import questions_in

    write_assessment(tmp_path / "a.ipynb")
    assert questions_in(tmp_path / "a.ipynb") == ("ep1-alpha__q1", "ep1-alpha-beta__q2")
    assert questions_in(tmp_path / "missing.ipynb") == ()


def test_an_episode_reaches_100_percent_and_next_moves_on(tmp_path):
    """Lesson notebook done when its exercises pass, assessment done when its questions' visible
    checks pass: does the episode then reach 100 %, cover its objectives, and does "Next" move
    to the next episode by prerequisites?"""
    syllabus = make_course(tmp_path)
    write_assessment(tmp_path / "series-1/ep1-first/assessment.ipynb")
    store = ProgressStore(tmp_path)
    for exercise in ("ep1-alpha-1", "ep1-alpha-beta-1"):
        store.record("check", exercise, "passed")
    ep1 = summarize(tmp_path, syllabus).episode("ep1")
    assert ep1.questions == ("ep1-alpha__q1", "ep1-alpha-beta__q2")
    assert ep1.completion == pytest.approx(2 / 4) and not ep1.complete
    assert summarize(tmp_path, syllabus).next_notebook().notebook.id == "ep1/assessment"

    store.record("notebook", "ep1/assessment", "finished")  # running it to the end is not enough
    store.record("check", "ep1-alpha__q1", "failed")
    store.record("check", "ep1-alpha__q1", "passed")
    ep1 = summarize(tmp_path, syllabus).episode("ep1")
    assert (ep1.questions_passed, ep1.notebooks_done, ep1.completion) == (1, 1, pytest.approx(3 / 4))
    assert summarize(tmp_path, syllabus).next_notebook().notebook.id == "ep1/assessment"

    store.record("check", "ep1-alpha-beta__q2", "passed")
    progress = summarize(tmp_path, syllabus)
    ep1 = progress.episode("ep1")
    assert ep1.complete and ep1.completion == 1.0
    assert ep1.objectives_covered == ("ep1-alpha", "ep1-alpha-beta")
    suggestion = progress.next_notebook()
    assert suggestion.notebook.id == "ep2/1-a" and "prerequisites (EP1) are done" in suggestion.reason
    row = next(line for line in progress.table().splitlines() if line.strip().startswith("EP1 "))
    assert row.split() == ["EP1", "2/2", "2/2", "2/2", "2/2", "2/2", "2/2", "100%"]


def test_a_notebook_without_self_checks_is_done_when_run_to_its_end(tmp_path):
    """Is a notebook without exercises (a strategy notebook) done once its last cell marked it
    finished, and not merely because it was opened?"""
    syllabus = make_course(tmp_path)
    store = ProgressStore(tmp_path)
    store.record("notebook", "ep3/assessment", "opened")
    ep3 = summarize(tmp_path, syllabus).episode("ep3")
    assert (ep3.notebooks_opened, ep3.notebooks_done, ep3.completion) == (1, 0, 0.0)
    store.record("notebook", "ep3/assessment", "finished")  # what its last cell's mark_finished writes
    ep3 = summarize(tmp_path, syllabus).episode("ep3")
    assert (ep3.notebooks_done, ep3.completion, ep3.complete) == (1, 1.0, True)


def test_the_real_episode_51_completes_and_points_to_episode_13(tmp_path):
    """With every Ep51 self-check exercise, every auto-graded assessment question and the strategy
    notebook done, is Ep51 at 100 % with 6/6 objectives, and is "Next" Ep13's first notebook
    (Ep13 comes first in the syllabus, but needs Ep51)?"""
    from course.learner.progress_summary import questions_in
    from course.syllabus import load_syllabus

    syllabus = load_syllabus()
    ws = make_workspace(tmp_path / "ws")
    before = summarize(ws).next_notebook()
    assert before.notebook.id == "ep51/1-foundations"
    ep51 = syllabus.episode("ep51")
    for nb in ep51.notebooks:
        for exercise in exercises_in(nb.path) if nb.name != "assessment" else questions_in(nb.path):
            record_check(exercise, passed=True, attempted=True, workspace=ws)
        if not exercises_in(nb.path) and nb.name != "assessment":
            record_notebook(f"ep51/{nb.name}", "finished", workspace=ws)
    summary = summarize(ws)
    done = summary.episode("ep51")
    assert done.questions and done.questions_passed == len(done.questions)
    assert not any(q.endswith("__essay") for q in done.questions)  # graded by hand: not self-checked
    assert done.completion == 1.0 and done.notebooks_done == 4
    assert len(done.objectives_covered) == len(done.objectives) == 6
    assert summary.next_notebook().notebook.id == "ep13/1-foundations"
    assert "Next: " + syllabus.episode("ep13").notebooks[0].title in summary.table()


def test_a_kernel_knows_its_notebook_from_jupyter_server(tmp_path, monkeypatch):
    """Does mark_opened() without an id record the notebook named by $JPY_SESSION_NAME (the full
    path jupyter_server gives a notebook's kernel), and ignore a notebook outside the course?"""
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.setenv("JPY_SESSION_NAME", str(ws / "series-1/ep13-resilience/assessment.ipynb"))
    progress.mark_opened(workspace=ws)
    monkeypatch.setenv("JPY_SESSION_NAME", str(ws / "scratch/Untitled.ipynb"))
    progress.mark_opened(workspace=ws)
    monkeypatch.delenv("JPY_SESSION_NAME")
    progress.mark_finished(workspace=ws)
    assert [(e.subject, e.outcome) for e in ProgressStore(ws).events()] == [("ep13/assessment", "opened")]


def test_the_start_page_lists_episodes_in_the_order_to_take_them(tmp_path):
    """Do the chart and the table list Ep51 before Ep13, which needs it, although the syllabus
    lists Ep13 (series 1) first?"""
    from course.syllabus import learning_path, load_syllabus

    syllabus = load_syllabus()
    assert syllabus.episodes()[0].id == "ep13"  # series 1 comes first in the syllabus
    path = [ep.id for ep in learning_path(syllabus)]
    for ep in syllabus.episodes():  # every episode after each of its prerequisites
        assert all(path.index(p) < path.index(ep.id) for p in ep.prerequisites), ep.id
    assert path.index("ep51") < path.index("ep13")
    summary = summarize(make_workspace(tmp_path / "ws"))
    assert list(progress_figure(summary).data[0].x) == [ep.upper() for ep in path]
    text = progress_markdown(summary, tmp_path)
    rows = [text.index(f"| {ep.upper()} ·") for ep in path]
    assert rows == sorted(rows)
