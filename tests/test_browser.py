"""The learner's journey, in a real JupyterLab driven by headless Chromium.

One JupyterLab server serves a temporary folder holding a learner workspace built with
``course.learner.workspace.build_workspace`` (student versions) and an nbgrader course root for the
instructor. The steps, in order, share the server and the browser page:

1. the start page leads with where to begin (prerequisites first) and the course map,
   objectives in words, all readable without running anything;
2. JupyterLab gives headings the anchor ids the link checker and search expect;
3. 1-foundations, opened from the course map, runs all its cells: every widget and plot
   shows, and there is no error output anywhere;
4. moving a slider changes the plotted data; a bad value shows the widget's message;
5. a self-check gives an honest fail (naming the call and what it returned) then pass, and
   the start page's progress shows it;
6. the start page's search box opens the right notebook at the right heading;
7. the learner completes Ep51 — every exercise solved in its notebook through its real
   self-check, the strategy notebook run to its end, the assessment's visible checks
   recorded by a prepared cell — and the start page and `dsu progress` show 100 % with
   "Next" on Ep13;
8. with JupyterLab's default settings, a link to a heading of a notebook not yet open opens
   it scrolled to that heading;
9. the formgrader loads for the instructor.

The steps run as subtests of one test (see :func:`test_learner_journey`). Screenshots of
every step go to test-artifacts/ (git-ignored), with the step timings in
test-artifacts/browser-timings.json and the server's log in test-artifacts/jupyterlab.log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from browser_support import (
    ARTIFACTS,
    LAB_SETTINGS,
    WIDGET_MIME,
    Lab,
    launch_chromium,
    require_chromium,
    start_lab,
    stop_lab,
    write_lab_settings,
)

from course.learner.progress_summary import objective_of_exercise, questions_in
from course.learner.progress_view import FIGURE_TITLE
from course.learner.startpage import PROGRESS_HEADING, START_PAGE
from course.notebooks.headings import anchor_id
from course.syllabus import learning_path, load_syllabus

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EPISODE = "ep51"
WORKSPACE = "workspace"  # folder of the learner workspace under the server root
SEARCH_QUERY = "little's law"
TIMINGS: dict[str, float] = {}
MODULE_STARTED = [time.monotonic()]


@pytest.fixture(scope="module")
def course_folder(tmp_path_factory):
    """A learner workspace (student versions) and an nbgrader course root, side by side."""
    from course.learner.workspace import build_workspace
    from course.notebooks.nbgrader_course import prepare

    started = MODULE_STARTED[0] = time.monotonic()
    root = tmp_path_factory.mktemp("journey")
    # Every episode: "Next" leads from Ep51 to Ep13, which must be there to open.
    build_workspace(root / WORKSPACE)
    prepare_assessment_cell(root / WORKSPACE / episode().notebook("assessment").relative_path)
    course_root = prepare(root / "course", [EPISODE])
    # An exchange folder of its own, as an instructor would configure (no system-wide one here).
    with open(course_root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"c.Exchange.root = {str(root / 'exchange')!r}\n")
    (root / "exchange").mkdir()
    TIMINGS["build workspace and course root"] = time.monotonic() - started
    return root


@pytest.fixture(scope="module")
def server(course_folder):
    require_chromium()  # before minutes of set-up, not after
    started = time.monotonic()
    # Run from the course root so the formgrader reads its nbgrader_config.py; the course
    # root must lie inside the server's root folder for the formgrader to work.
    lab_server = start_lab(root=course_folder, cwd=course_folder / "course",
                           state=course_folder / ".lab-state",
                           env={"DSU_WORKSPACE": str(course_folder / WORKSPACE)})
    TIMINGS["start JupyterLab"] = time.monotonic() - started
    try:
        yield lab_server
    finally:
        stop_lab(lab_server)
        (ARTIFACTS / "jupyterlab.log").write_text(lab_server.log_tail(200_000))


@pytest.fixture(scope="module")
def lab(server):
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    playwright = sync_playwright().start()
    browser = None
    try:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        TIMINGS["start Chromium"] = time.monotonic() - started
        yield Lab(page, server)
    finally:
        try:
            if browser is not None:
                browser.close()
        finally:
            playwright.stop()
        TIMINGS["set-up and journey, before stopping the server"] = round(time.monotonic() - MODULE_STARTED[0], 2)
        (ARTIFACTS / "browser-timings.json").write_text(json.dumps(TIMINGS, indent=1))


def episode():
    return load_syllabus().episode(EPISODE)


PREPARED_MARK = "# Prepared by the browser test"


def prepare_assessment_cell(path: Path) -> None:
    """Append to the learner's assessment a cell that records what its graded test cells'
    visible checks record when they pass (``check(<grade_id>, ...)``, one per auto-graded
    question): solving the assessment in the browser is not what this journey tests."""
    nb = nbformat.read(path, as_version=4)
    questions = questions_in(path)
    assert questions, f"{path} has no auto-graded question"
    nb.cells.append(nbformat.v4.new_code_cell(
        f"{PREPARED_MARK}: each auto-graded question's visible checks pass.\n"
        "from course.learner.selfcheck import check\n\n"
        f"for grade_id in {list(questions)!r}:\n"
        "    check(grade_id, lambda: True)"))
    nbformat.write(nb, path)


def workspace_path(relative) -> str:
    return f"{WORKSPACE}/{Path(relative).as_posix()}"


FOUNDATIONS = workspace_path(episode().notebooks[0].relative_path)


# --------------------------------------------------------------------------- 1. start page

def step_start_page_leads_with_where_to_begin(lab):
    """Does the start page show, without running anything, where to begin (the episodes in
    prerequisite order, the first one at the top of the window) and the course map with
    objectives in words and a link to every notebook, and name its progress heading truly?"""
    lab.load(f"lab/tree/{WORKSPACE}/{START_PAGE}")
    lab.wait_for_notebook(f"{WORKSPACE}/{START_PAGE}")
    panel = lab.notebook()
    syllabus = load_syllabus()
    assert panel.locator("h1").first.inner_text().rstrip("¶").strip() == syllabus.title
    headings = [h.rstrip("¶").strip() for h in panel.locator("h2, h3, h4").all_inner_texts()]
    assert {"Where to begin", "Course map", PROGRESS_HEADING} <= set(headings)
    assert all(not outputs for outputs in lab.outputs()), "nothing has run: no output yet"
    # Where to begin: one item per episode, in learning order, each linking to its first notebook.
    begin = panel.locator(".jp-MarkdownCell", has=lab.page.locator("h2", has_text="Where to begin")).first
    items = begin.locator("li")
    path = learning_path(syllabus)
    assert [item.inner_text().split(" · ")[0].strip() for item in items.all()] == [ep.id.upper() for ep in path]
    assert path[0].id == EPISODE and EPISODE in {p for ep in path for p in ep.prerequisites}
    first = items.first.locator("a").first
    assert path[0].notebooks[0].relative_path.as_posix() in first.get_attribute("href")
    box = first.bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= lab.page.viewport_size["height"], \
        "the first notebook to open is above the fold"
    for ep in syllabus.episodes():
        assert any(h.startswith(ep.id.upper()) for h in headings), f"{ep.id} missing from the map"
        for nb in ep.notebooks:
            links = panel.locator(f'.jp-MarkdownCell a[href*="{nb.relative_path.as_posix()}"]')
            assert links.count() >= 1, f"no link to {nb.relative_path}"
            assert nb.title in links.all_inner_texts()
        for objective in ep.objectives:
            assert panel.get_by_text(objective.text, exact=True).count() == 1, objective.text
    text = panel.inner_text()
    assert not [o for o in syllabus.objectives() if o in text], "objective ids are internal"
    assert f"run the cell under {PROGRESS_HEADING}" in text
    lab.screenshot("1-start-page")


# --------------------------------------------------------------------------- 2. anchors

ANCHOR_HEADINGS = ["Little's law", "1. The `erlang_c` function", "**Bold** and *italic*",
                   "See [the notes](notes.ipynb)", "M/M/1 (one server)", "Tom &amp; Jerry"]


def step_jupyterlab_anchor_ids_are_the_ones_we_compute(lab, course_folder):
    """Does JupyterLab give each heading the anchor id course.notebooks.headings computes?"""
    scratch = course_folder / "scratch" / "anchors.ipynb"
    scratch.parent.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "\n\n".join(f"## {h}" for h in ANCHOR_HEADINGS))])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, scratch)
    lab.open("scratch/anchors.ipynb")
    ids = lab.notebook().locator(".jp-MarkdownCell h2").evaluate_all(
        "hs => hs.map(h => h.getAttribute('data-jupyter-id') || h.id)")
    assert ids == [anchor_id(h) for h in ANCHOR_HEADINGS]
    lab.screenshot("2-anchor-ids")
    lab.close_current()


# --------------------------------------------------------------------------- 3. run all

def step_foundations_runs_with_every_widget_and_no_error(lab):
    """Opened from the course map, does 1-foundations run all cells, showing every widget
    and plot, with no error or stderr output anywhere?"""
    lab.open(f"{WORKSPACE}/{START_PAGE}")
    link = lab.notebook().locator(f'.jp-MarkdownCell a[href*="{episode().notebooks[0].relative_path.as_posix()}"]').first
    link.click()
    lab.wait_for_notebook(FOUNDATIONS)
    started = time.monotonic()
    lab.run_all()
    TIMINGS["run all cells of 1-foundations"] = round(time.monotonic() - started, 2)
    panel = lab.notebook()
    widget_outputs = sum(WIDGET_MIME in output.get("data", {}) for outputs in lab.outputs() for output in outputs)
    assert widget_outputs > 0, "1-foundations displays no widget"
    # Every widget output became a widget view (not "Loading widget..." or an error) ...
    lab.page.wait_for_function(
        """(n) => document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output > .jupyter-widgets').length === n""",
        arg=widget_outputs, timeout=60_000)
    # ... and every course widget draws its plot, with data in it.
    course_widgets = panel.locator(".dsu-widget")
    assert course_widgets.count() > 0
    lab.page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .dsu-widget'))
            .every(w => Array.from(w.querySelectorAll('.js-plotly-plot')).some(p => p._fullData && p._fullData.length))""",
        timeout=60_000)
    plots = panel.locator(".js-plotly-plot")
    for index in range(plots.count()):
        plot = plots.nth(index)
        data = lab.plot_data(plot)
        assert data and any(trace["x"] or trace["z"] for trace in data), f"plot {index} is empty"
        assert "WebGL is not supported" not in plot.inner_text()
        if any(trace["type"] in ("surface", "scatter3d", "mesh3d") for trace in data):
            assert plot.locator("canvas").count() > 0, f"3-D plot {index} drew nothing"
    assert lab.error_outputs() == []
    assert not [line for line in lab.console if line.startswith("pageerror")], lab.console
    lab.screenshot("3a-foundations-run-all-end")
    course_widgets.last.scroll_into_view_if_needed()  # the last widget: a 3-D surface (WebGL)
    lab.screenshot("3b-foundations-last-widget")


# --------------------------------------------------------------------------- 4. slider

QUEUE_EXPLORER = "Queue explorer"
UTILISATION_LABEL = "utilisation"
BAD_UTILISATION_MESSAGE = "must be < 1"


def slider(widget, label: str):
    """The slider of a course widget whose description contains ``label``."""
    return widget.locator(".widget-slider").filter(has=widget.page.locator(".widget-label", has_text=label)).first


def step_a_slider_moves_the_plot_and_a_bad_value_shows_a_message(lab):
    """In the queue explorer, does one slider step change the plotted data, and does an
    unstable utilisation (ρ = 1) show the widget's ⚠ message instead of a traceback?"""
    lab.open(FOUNDATIONS)
    widget = lab.notebook().locator(".dsu-widget", has_text=QUEUE_EXPLORER).first
    widget.scroll_into_view_if_needed()
    plot = widget.locator(".js-plotly-plot").first
    rho = slider(widget, UTILISATION_LABEL)
    before = lab.plot_data(plot)
    handle = rho.locator(".noUi-handle").first
    handle.focus()
    started = time.monotonic()
    lab.page.keyboard.press("ArrowRight")
    plot.page.wait_for_function(
        "([el, before]) => JSON.stringify(el._fullData.map(t => [t.x, t.y].map(a => a && Array.from(a)))) !== before",
        arg=[plot.element_handle(), json.dumps([[t["x"], t["y"]] for t in before])], polling=5, timeout=10_000)
    TIMINGS["slider step to plot data changed (ms)"] = round(1000 * (time.monotonic() - started), 1)
    after = lab.plot_data(plot)
    marker_before = next(t for t in before if t["name"] == "current ρ")
    marker_after = next(t for t in after if t["name"] == "current ρ")
    assert marker_after["x"][0] == pytest.approx(marker_before["x"][0] + 0.01)
    assert marker_after["y"][0] > marker_before["y"][0]  # W grows with ρ
    assert widget.locator(".dsu-message").inner_text().strip() == ""
    lab.screenshot("4a-slider-moved")

    lab.page.keyboard.press("End")  # ρ = 1: an unstable queue
    message = widget.locator(".dsu-message")
    message.filter(has_text="⚠").wait_for(timeout=10_000)
    assert BAD_UTILISATION_MESSAGE in message.inner_text()
    assert lab.plot_data(plot) == after, "the plot must keep the last valid state"
    assert lab.error_outputs() == []
    lab.screenshot("4b-bad-value-message")
    lab.page.keyboard.press("Home")


# --------------------------------------------------------------------------- 5. self-check

def exercises(source_path: Path) -> list[tuple[int, int, str, str]]:
    """(exercise cell index, check cell index, exercise id, solution code) of each self-check
    exercise of a source notebook: the learner's answer with the solution delimiters removed
    is the correct solution a learner could type."""
    nb = nbformat.read(source_path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        for later in range(index + 1, len(nb.cells)):
            match = re.search(r"""\bcheck\(\s*["']([A-Za-z0-9_-]+)["']""", nb.cells[later].source)
            if nb.cells[later].cell_type == "code" and match:
                solution = "\n".join(line for line in cell.source.splitlines()
                                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
                found.append((index, later, match.group(1), solution))
                break
    return found


def first_function_exercise(source_path: Path):
    """The first exercise whose answer is a function (its student stub raises NotImplementedError;
    a value answer's stub is `name = ...`)."""
    found = [exercise for exercise in exercises(source_path) if "def " in exercise[3]]
    assert found, f"{source_path} has no self-checked function exercise"
    return found[0]


def check_message(lab, index: int) -> str:
    texts = [output.get("data", {}).get("text/plain", "") for output in lab.outputs()[index]]
    return "".join("".join(t) if isinstance(t, list) else t for t in texts)


def start_page_progress(lab):
    """Open the start page, re-run its progress cell; return the notebook panel, the progress
    chart and its bars as {trace name: {x: y}}."""
    lab.open(f"{WORKSPACE}/{START_PAGE}")
    progress_cell = next(i for i, s in enumerate(lab.cell_sources()) if "progress_view import show" in s)
    lab.run_cell(progress_cell)
    panel = lab.notebook()
    figure = panel.locator(".js-plotly-plot").filter(has_text=FIGURE_TITLE).first
    figure.wait_for()
    return panel, figure, {trace["name"]: dict(zip(trace["x"], trace["y"])) for trace in lab.plot_data(figure)}


def step_self_check_is_honest_and_progress_shows_it(lab, course_folder):
    """Does a self-check say "not attempted", then fail on a wrong answer, pass on a right one
    (mentioning hidden tests), and do the start page and `dsu progress` then show it?"""
    exercise_cell, check_cell, exercise, solution = first_function_exercise(episode().notebooks[0].path)
    lab.open(FOUNDATIONS)
    student = lab.cell_sources()[exercise_cell]
    assert "raise NotImplementedError()" in student
    assert "not answered yet" in check_message(lab, check_cell)

    lab.replace_cell_text(exercise_cell, student.replace("raise NotImplementedError()", "return None"))
    lab.run_cell(exercise_cell)
    lab.run_cell(check_cell)
    failed = check_message(lab, check_cell)
    assert failed.startswith(f"✘ {exercise}: visible check 1 of")
    assert re.search(r": \w+\(.*\) returned None, expected ", failed), failed  # the call and its value
    assert lab.error_outputs() == []  # a learner's failed check is a message, not a traceback
    lab.screenshot("5a-self-check-fails")

    lab.replace_cell_text(exercise_cell, solution)
    lab.run_cell(exercise_cell)
    lab.run_cell(check_cell)
    message = check_message(lab, check_cell)
    assert message.startswith(f"✔ {exercise}: all ") and "Hidden tests run when the assessment is graded" in message
    assert lab.error_outputs() == []
    lab.screenshot("5b-self-check-passes")

    # The start page's progress cell, run again, shows the exercise passed.
    panel, figure, bars = start_page_progress(lab)
    objectives = len(episode().objectives)
    # One exercise passed: it covers one objective when its id names one (tests/test_progress.py
    # checks that every exercise of the course does).
    covered = 1 if objective_of_exercise(exercise, [o.id for o in episode().objectives]) else 0
    assert bars["Objectives covered (%)"]["EP51"] == pytest.approx(round(100 * covered / objectives, 1))
    assert bars["Completion (%)"]["EP51"] > 0
    cells = episode_row(panel, "EP51")
    # Episode | exercises passed | attempted | questions passed | notebooks opened | done | objectives | completion
    assert re.fullmatch(r"1 of \d+", cells[1]) and re.fullmatch(r"1 of \d+", cells[2]), cells
    assert cells[4] == f"1 of {len(episode().notebooks)}", cells  # its first cells ran: opened
    assert lab.error_outputs() == []
    figure.scroll_into_view_if_needed()
    lab.screenshot("5c-start-page-progress")

    printed = subprocess.run([sys.executable, "-m", "dsu", "progress", "--workspace",
                              str(course_folder / WORKSPACE)], capture_output=True, text=True, check=True).stdout
    ep_row = next(line for line in printed.splitlines() if line.strip().startswith("EP51"))
    assert ep_row.split()[1].startswith("1/") and ep_row.split()[6] == f"{covered}/{objectives}"


def episode_row(panel, label: str) -> list[str]:
    """The cells of an episode's row in the start page's progress table."""
    return panel.locator(".jp-RenderedMarkdown tr", has_text=label).first.locator("td").all_inner_texts()


# --------------------------------------------------------------------------- 6. search

def step_search_box_opens_the_right_section(lab, course_folder):
    """Does the start page's search box list matching sections, and does clicking the first
    one open its notebook scrolled to its heading?"""
    from course.learner.search import build_index

    expected = build_index(course_folder / WORKSPACE).search(SEARCH_QUERY)[0]
    assert expected.section.anchor, "the best hit should be a section with an anchor"
    lab.open(f"{WORKSPACE}/{START_PAGE}")
    panel = lab.notebook()
    if not panel.locator(".dsu-search input").count():
        progress_cell = next(i for i, s in enumerate(lab.cell_sources()) if "progress_view import show" in s)
        lab.run_cell(progress_cell)
    box = panel.locator(".dsu-search input").first
    box.fill(SEARCH_QUERY)
    box.press("Enter")
    first = panel.locator(".dsu-search .jp-RenderedMarkdown a").first
    first.wait_for()
    assert first.inner_text().startswith(expected.notebook_title)
    lab.screenshot("6a-search-results")
    first.click()
    lab.wait_for_notebook(workspace_path(expected.section.relative_path))
    heading = lab.notebook().locator(f'[data-jupyter-id="{expected.section.anchor}"]').first
    # Scrolled to it: the heading is drawn inside the window, not merely present further down.
    lab.page.wait_for_function("""(el) => { const r = el.getBoundingClientRect();
        return el.offsetParent !== null && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        arg=heading.element_handle(), timeout=10_000)
    lab.screenshot("6b-search-result-opened")


# --------------------------------------------------------------------------- 7. an episode, complete

def code_cells(lab) -> list[int]:
    return lab.page.evaluate("""() => {
        const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
        return Array.from({length: cells.length}, (_, i) => i).filter(i => cells.get(i).type === 'code');
    }""")


def step_learner_completes_the_episode(lab, course_folder):
    """Solving every exercise of Ep51 in its notebook (through the real self-check cells),
    running the strategy notebook to its end and recording the assessment's visible checks,
    does the learner see 100 %, every objective covered and "Next" on Ep13's first notebook,
    on the start page and in `dsu progress`?"""
    ep = episode()
    solved = 0
    for nb in ep.notebooks:
        path = workspace_path(nb.relative_path)
        lab.open(path)
        sources = lab.cell_sources()
        if nb.name == "assessment":
            lab.run_cell(next(i for i, source in enumerate(sources) if source.startswith(PREPARED_MARK)))
            continue
        found = exercises(nb.path)
        if not found:  # a notebook without self-checks is done once run to its end
            started = time.monotonic()
            lab.run_all()
            TIMINGS[f"run all cells of {nb.name}"] = round(time.monotonic() - started, 2)
            continue
        # The set-up: the code cells up to the one that records the notebook as opened.
        opened = next(i for i, source in enumerate(sources) if "mark_opened(" in source)
        for index in [i for i in code_cells(lab) if i <= opened]:
            lab.run_cell(index)
        for exercise_cell, check_cell, exercise, solution in found:
            lab.replace_cell_text(exercise_cell, solution)
            lab.run_cell(exercise_cell)
            lab.run_cell(check_cell)
            message = check_message(lab, check_cell)
            assert message.startswith(f"✔ {exercise}: all "), message
            solved += 1
        assert lab.error_outputs() == []
    assert solved >= 3
    lab.screenshot("7a-last-exercise-passes")

    panel, figure, bars = start_page_progress(lab)
    assert bars["Completion (%)"]["EP51"] == 100 and bars["Objectives covered (%)"]["EP51"] == 100
    cells = episode_row(panel, "EP51")
    notebooks = len(ep.notebooks)
    assert cells[4:] == [f"{notebooks} of {notebooks}", f"{notebooks} of {notebooks}",
                         f"{len(ep.objectives)} of {len(ep.objectives)}", "100%"], cells
    following = load_syllabus().episode("ep13").notebooks[0]
    next_link = panel.locator(".jp-RenderedMarkdown p", has_text="Next:").locator("a").first
    assert next_link.inner_text().strip() == following.title
    assert following.relative_path.as_posix() in next_link.get_attribute("href")
    assert lab.error_outputs() == []
    next_link.scroll_into_view_if_needed()
    lab.screenshot("7b-episode-complete")

    printed = subprocess.run([sys.executable, "-m", "dsu", "progress", "--workspace",
                              str(course_folder / WORKSPACE)], capture_output=True, text=True, check=True).stdout
    ep_row = next(line for line in printed.splitlines() if line.strip().startswith("EP51"))
    assert ep_row.split()[-1] == "100%" and ep_row.split()[6] == f"{len(ep.objectives)}/{len(ep.objectives)}"
    assert f"Next: {following.title} — {following.relative_path.as_posix()}" in printed


# --------------------------------------------------------------------------- 8. links land

TRACKER_SETTINGS = "@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
IN_VIEW = """(id) => {
    const h = document.querySelector(`.jp-NotebookPanel:not(.lm-mod-hidden) [data-jupyter-id="${CSS.escape(id)}"]`);
    if (!h) return false;
    const r = h.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
}"""


SETTLED = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    return w.content.widgets.every(c => !(c.isPlaceholder && c.isPlaceholder()));
}"""


def step_links_to_headings_land(lab, course_folder):
    """With JupyterLab's default settings (cells drawn as they come into view), does a link to
    a heading of another notebook, not open yet, open that notebook with the heading in the
    window — and still there once every cell is drawn — rather than at its top?"""
    state = course_folder / ".lab-state"
    write_lab_settings(state, {TRACKER_SETTINGS: {}})  # the learner's defaults, not the suite's
    try:
        ep13 = load_syllabus().episode("ep13")  # notebooks this journey has not opened yet
        source_path = workspace_path(ep13.notebook("2-implementation").relative_path)
        target_path = workspace_path(ep13.notebook("1-foundations").relative_path)
        source = nbformat.read(course_folder / source_path, as_version=4)
        index, cell = next((i, c) for i, c in enumerate(source.cells)
                           if c.cell_type == "markdown" and "1-foundations.ipynb#cell-id=" in c.source)
        cell_id = re.search(r"\(1-foundations\.ipynb#cell-id=([0-9a-f-]+)\)", cell.source).group(1)
        cells = nbformat.read(course_folder / target_path, as_version=4).cells
        position, target = next((i, c) for i, c in enumerate(cells) if c.get("id") == cell_id)
        assert position > 10, "a heading far below the notebook's top"
        anchor = anchor_id(target.source.splitlines()[0].lstrip("#").strip())
        # A JupyterLab workspace of its own: nothing restored.
        lab.load(f"lab/workspaces/landing/tree/{source_path}")
        lab.wait_for_notebook(source_path)
        lab.select_cell(index)
        lab.notebook().locator(".jp-Cell").nth(index).locator('a[href*="1-foundations.ipynb"]').first.click()
        lab.wait_for_notebook(target_path)
        lab.page.wait_for_function(IN_VIEW, arg=anchor, timeout=30_000)
        lab.page.wait_for_function(SETTLED, timeout=30_000)
        assert lab.page.evaluate(IN_VIEW, anchor), f"{anchor} left the window once every cell was drawn"
        lab.screenshot("8-cross-notebook-link-landed")
    finally:
        write_lab_settings(state, {TRACKER_SETTINGS: LAB_SETTINGS[TRACKER_SETTINGS]})


# --------------------------------------------------------------------------- 9. formgrader

def step_formgrader_loads_for_the_instructor(lab):
    """Does nbgrader's formgrader page load, configured with the course root, listing the episode?"""
    lab.page.goto(lab.server.url("formgrader"), wait_until="domcontentloaded")
    lab.page.get_by_text("Manage Assignments").first.wait_for()
    lab.page.locator("#main-table, table").get_by_text(EPISODE, exact=True).first.wait_for(timeout=30_000)
    log = lab.server.log_tail(200_000)
    assert "not a subdirectory" not in log and "Uncaught exception GET /formgrader" not in log
    lab.screenshot("7-formgrader")


# --------------------------------------------------------------------------- the journey

STEPS = [
    ("1 the start page leads with where to begin", step_start_page_leads_with_where_to_begin),
    ("2 JupyterLab anchors are the ones we compute", step_jupyterlab_anchor_ids_are_the_ones_we_compute),
    ("3 1-foundations runs with every widget and no error", step_foundations_runs_with_every_widget_and_no_error),
    ("4 a slider moves the plot, a bad value shows a message",
     step_a_slider_moves_the_plot_and_a_bad_value_shows_a_message),
    ("5 a self-check is honest and progress shows it", step_self_check_is_honest_and_progress_shows_it),
    ("6 the search box opens the right section", step_search_box_opens_the_right_section),
    ("7 the learner completes an episode", step_learner_completes_the_episode),
    ("8 links to headings land on them", step_links_to_headings_land),
    ("9 the formgrader loads for the instructor", step_formgrader_loads_for_the_instructor),
]


def test_learner_journey(lab, course_folder, subtests):
    """Does every step of the learner's (and the instructor's) journey work in a real browser?

    One test with a subtest per step, so that the steps share one server and page and run
    in order in one process whatever the pytest-xdist distribution mode; a failed step is
    reported as such (with a screenshot) and the next steps still run.
    """
    import inspect

    started = time.monotonic()
    for name, step in STEPS:
        with subtests.test(msg=name):
            step_started = time.monotonic()
            arguments = {"lab": lab, "course_folder": course_folder}
            try:
                step(**{p: arguments[p] for p in inspect.signature(step).parameters})
            except BaseException:
                lab.screenshot(f"FAILED-{name.replace(' ', '-')}")
                raise
            finally:
                TIMINGS[name] = round(time.monotonic() - step_started, 2)
    TIMINGS["journey (all steps)"] = round(time.monotonic() - started, 2)
