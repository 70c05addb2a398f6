"""What the learner's browser draws is what the kernel meant: every registered widget, in a real JupyterLab.

A JupyterLab (headless Debian Chromium) runs a generated notebook with one cell per widget
of :func:`course.widgets.registry.discover`, ten widgets per page (see ``GROUP_SIZE``). For each widget, the test compares the
figure the page holds (``data`` and ``layout`` of each plotly graph div, what plotly.js was
given) with the kernel's figure (``to_plotly_json()``, printed by the kernel as JSON):

1. right after display, before any interaction — a FigureWidget updated before it was shown
   once reached the browser with ``null`` for every property the update did not touch;
2. after one slider step driven from the browser (focus the slider's handle, press
   ArrowRight; the Little's law solver has number boxes only: ArrowUp, Enter; the cold-start
   widget has drop-downs only: the next option), once the kernel has seen the new value;
3. in a second view of the widget made after that step (a new last cell showing it again,
   as when a tab is reopened): a view made from the browser's own copy of the state, which
   plotly.js edit messages had left without some properties.

A final test checks that every slider has a usable track and shows its label and readout whole.

Only the keys the kernel set are compared (plotly.js adds its defaults in the browser);
numbers with a relative tolerance of 1e-9 (JSON round trips), strings and booleans exactly.
Nothing is timed: each comparison waits (generously) until it holds, and a failure shows
the differences. Screenshots and the page's console go to test-artifacts/.
"""

from __future__ import annotations

import json
import math
import time

import nbformat
import pytest
from browser_support import (
    ARTIFACTS,
    Lab,
    launch_chromium,
    plain_plotly,
    require_chromium,
    start_lab,
    stop_lab,
)

from course.widgets.registry import discover

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NAMES = sorted(discover())
#: Widgets per JupyterLab page. Each plotly FigureWidget ships plotly.js (~5 MB) in its own
#: state, so one page of ~40 widgets pushed ~300 MB through the server (3.5 GB resident) and the
#: browser, and Playwright's driver ran out of memory on a loaded machine: a fresh page per group.
GROUP_SIZE = 10
GROUPS = [NAMES[i:i + GROUP_SIZE] for i in range(0, len(NAMES), GROUP_SIZE)]
NOTEBOOK = "widgets.ipynb"
#: How long the page may take to agree with the kernel: generous, the cores are shared.
AGREE_TIMEOUT = 45.0
REL_TOLERANCE = 1e-9
#: Layout keys not compared: the theme (plotly.js expands it) — not something a widget computes.
SKIPPED_LAYOUT_KEYS = {"template"}

SETUP = """\
import json
import plotly.graph_objects as go
import plotly.utils
from course.widgets.registry import discover

SPECS = discover()
W = {}

def _figures(name):
    return W[name].plotly_figures()  # in page order, also when a widget lays figures out side by side

def _kernel_figures(name):
    print(json.dumps([fig.to_plotly_json() for fig in _figures(name)], cls=plotly.utils.PlotlyJSONEncoder))

def _first_control(name):
    # prints [key, index among the widget's sliders (number boxes, drop-downs), "slider", "number"
    # or "dropdown"]
    for kind, suffixes in (("slider", ("Slider",)), ("number", ("FloatText", "IntText")),
                           ("dropdown", ("Dropdown",))):
        keys = [key for key, c in W[name].inputs.items() if type(c).__name__.endswith(suffixes)]
        for index, key in enumerate(keys):
            control = W[name].inputs[key]
            if control.disabled:
                continue
            if kind == "number":  # a number box has no maximum: it can always step up
                print(json.dumps([key, index, kind]))
                return
            if kind == "dropdown":  # a widget of drop-downs only (a precomputed grid): pick the next option
                if control.index is not None and control.index + 1 < len(control.options):
                    print(json.dumps([key, index, kind]))
                    return
                continue
            # a log slider's max is an exponent: compare its value with base ** max
            top = control.base ** control.max if hasattr(control, "base") else control.max
            if control.value < top:
                print(json.dumps([key, index, kind]))
                return
    print(json.dumps(None))
"""


def widget_cell(name: str) -> str:
    return f"W[{name!r}] = SPECS[{name!r}].factory()\nW[{name!r}]"


@pytest.fixture(scope="module", params=GROUPS, ids=lambda group: f"{group[0]}..{group[-1]}")
def lab(request, tmp_path_factory):
    """A JupyterLab with one group of widgets in a generated notebook, open and run, in headless
    Chromium; ``lab.names`` lists the group's widgets in page order."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    names = request.param
    root = tmp_path_factory.mktemp("widgets")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP)]
                                  + [nbformat.v4.new_code_cell(widget_cell(name)) for name in names])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)
    server = start_lab(root=root, cwd=root, state=root / ".lab-state")
    playwright = sync_playwright().start()
    browser = None
    try:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        lab = Lab(page, server)
        lab.names = names
        lab.load()
        lab.open(NOTEBOOK)
        lab.run_all()
        wait_until_every_widget_drew(lab)
        yield lab
    finally:
        try:  # a browser or driver that died (its connection closed) must not keep the server running
            try:
                if browser is not None:
                    browser.close()
            finally:
                playwright.stop()
        finally:
            stop_lab(server)
            (ARTIFACTS / "browser-widgets-jupyterlab.log").write_text(server.log_tail(200_000))


# --------------------------------------------------------------------------- kernel and page


def wait_until_every_widget_drew(lab: Lab, timeout: float = 300.0) -> None:
    """Wait until every widget of the page drew every one of its plots; else fail naming those
    that did not (with a screenshot)."""
    deadline = time.monotonic() + timeout
    while True:
        drawn = lab.page.evaluate("""() => Array.from(document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .dsu-widget')).map(w => {
            const plots = Array.from(w.querySelectorAll('.js-plotly-plot'));
            return plots.length > 0 && plots.every(p => p._fullData && p._fullData.length > 0);
        })""")
        missing = [name for name, done in zip(lab.names, drawn + [False] * len(lab.names)) if not done]
        if not missing:
            return
        if time.monotonic() > deadline:
            lab.screenshot("FAILED-widgets-not-drawn")
            raise AssertionError(f"{len(drawn)} of {len(lab.names)} widgets on the page after {timeout:.0f} s; "
                                 f"not drawn: {missing}; page errors: {lab.error_outputs()}")
        lab.page.wait_for_timeout(500)



def kernel_output(lab: Lab, code: str) -> str:
    """Run ``code`` in the notebook's kernel (outside any cell) and return what it printed."""
    result = lab.page.evaluate("""async ([code, limit]) => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const future = kernel.requestExecute({code, store_history: false, silent: false});
        let out = '', error = null;
        future.onIOPub = (msg) => {
            if (msg.header.msg_type === 'stream') out += msg.content.text;
            if (msg.header.msg_type === 'error') error = msg.content.ename + ': ' + msg.content.evalue;
        };
        // a kernel that died or never answers must fail the test, not hang it
        const late = new Promise(resolve => setTimeout(() => resolve('late'), limit));
        if (await Promise.race([future.done.then(() => 'done'), late]) === 'late') {
            error = 'no reply from the kernel within ' + limit / 1000 + ' s (kernel ' + kernel.status + ')';
        }
        return {out, error};
    }""", [code, AGREE_TIMEOUT * 1000])
    if result["error"]:
        raise AssertionError(f"kernel error running {code!r}: {result['error']}")
    return result["out"]


def kernel_figures(lab: Lab, name: str) -> list[dict]:
    return plain_plotly(json.loads(kernel_output(lab, f"_kernel_figures({name!r})")))


def page_figures(lab: Lab, index: int) -> list[dict]:
    """``data`` and ``layout`` of each plotly graph of the index-th course widget, as plain JSON."""
    return json.loads(lab.page.evaluate("""(i) => {
        const w = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .dsu-widget')[i];
        const plain = (key, value) => ArrayBuffer.isView(value) ? Array.from(value) : value;
        return JSON.stringify(Array.from(w.querySelectorAll('.js-plotly-plot'))
            .map(p => ({data: p.data, layout: p.layout})), plain);
    }""", index))


def differences(kernel, page, path: str = "") -> list[str]:
    """Where ``page`` disagrees with ``kernel`` on a key the kernel set (numbers within tolerance)."""
    if isinstance(kernel, dict):
        if not isinstance(page, dict):
            return [f"{path}: kernel {_short(kernel)}, page {_short(page)}"]
        found = []
        for key, value in kernel.items():
            if path == "layout" and key in SKIPPED_LAYOUT_KEYS:
                continue
            found += differences(value, page.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(kernel, list):
        if not isinstance(page, list) or len(page) != len(kernel):
            return [f"{path}: kernel {_short(kernel)}, page {_short(page)}"]
        found = []
        for index, (k, p) in enumerate(zip(kernel, page)):
            found += differences(k, p, f"{path}[{index}]")
        return found
    if isinstance(kernel, bool) or isinstance(page, bool) or kernel is None or isinstance(kernel, str):
        return [] if kernel == page else [f"{path}: kernel {_short(kernel)}, page {_short(page)}"]
    if isinstance(kernel, (int, float)):
        if isinstance(page, (int, float)) and math.isclose(kernel, page, rel_tol=REL_TOLERANCE, abs_tol=1e-12):
            return []
        return [f"{path}: kernel {_short(kernel)}, page {_short(page)}"]
    return [] if kernel == page else [f"{path}: kernel {_short(kernel)}, page {_short(page)}"]


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def figure_differences(kernel: list[dict], page: list[dict]) -> list[str]:
    if len(kernel) != len(page):
        return [f"the kernel has {len(kernel)} figures, the page {len(page)}"]
    found = []
    for index, (k, p) in enumerate(zip(kernel, page)):
        found += [f"figure {index}: {d}" for d in differences({"data": k["data"]}, {"data": p["data"]})]
        found += [f"figure {index}: {d}" for d in differences(k.get("layout", {}), p["layout"], "layout")]
    return found


def wait_until_page_agrees(lab: Lab, name: str, index: int | None = None,
                           timeout: float = AGREE_TIMEOUT) -> list[str]:
    """Differences between the kernel's and the page's figures (of the index-th widget on the page,
    by default the widget's own cell), waiting up to ``timeout`` s for none."""
    index = lab.names.index(name) if index is None else index
    kernel = kernel_figures(lab, name)
    deadline = time.monotonic() + timeout
    while True:
        found = figure_differences(kernel, page_figures(lab, index))
        if not found or time.monotonic() > deadline:
            return found
        lab.page.wait_for_timeout(250)


def move_first_control(lab: Lab, name: str) -> str:
    """One step of the widget's first slider that can move right (focus its handle, ArrowRight) —
    or, in a widget without sliders, of its first enabled number box (ArrowUp, Enter) or drop-down
    (the next option, chosen in the page's select element); return the control's name once the
    kernel holds the new value."""
    found = json.loads(kernel_output(lab, f"_first_control({name!r})"))
    assert found, f"{name} has no slider, number box or drop-down to move"
    control, index, kind = found
    read = f"print(repr(W[{name!r}].inputs[{control!r}].value))"
    before = kernel_output(lab, read)
    widget = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .dsu-widget").nth(lab.names.index(name))
    widget.scroll_into_view_if_needed()
    if kind == "slider":
        widget.locator(".widget-slider .noUi-handle").nth(index).focus()
        lab.page.keyboard.press("ArrowRight")
    elif kind == "number":
        widget.locator(".widget-text input").nth(index).focus()
        lab.page.keyboard.press("ArrowUp")
        lab.page.keyboard.press("Enter")
    else:
        select = widget.locator(".widget-dropdown select").nth(index)
        select.select_option(index=select.evaluate("(s) => s.selectedIndex") + 1)
    deadline = time.monotonic() + AGREE_TIMEOUT
    while kernel_output(lab, read) == before:
        assert time.monotonic() < deadline, f"{name}: the kernel never saw {control} move"
        lab.page.wait_for_timeout(100)
    return control


def second_view(lab: Lab, name: str) -> list[str]:
    """Show the widget again in a new last cell — a view made from the browser's copy of the
    widget state after moves, as when a notebook tab is reopened — and compare it with the kernel."""
    cell = lab.page.evaluate("""(source) => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        nb.model.sharedModel.insertCell(nb.model.cells.length, {cell_type: 'code', source});
        return nb.model.cells.length - 1;
    }""", f"W[{name!r}]")
    try:
        lab.run_cell(cell)
        lab.page.wait_for_function(
            """(n) => { const ws = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .dsu-widget');
                return ws.length === n + 1 && Array.from(ws[n].querySelectorAll('.js-plotly-plot')).length > 0 &&
                    Array.from(ws[n].querySelectorAll('.js-plotly-plot')).every(p => p._fullData && p._fullData.length); }""",
            arg=len(lab.names), timeout=AGREE_TIMEOUT * 1000)
        return wait_until_page_agrees(lab, name, index=len(lab.names))
    finally:
        lab.page.evaluate("""(i) => window.jupyterapp.shell.currentWidget.content.model.sharedModel.deleteCell(i)""",
                          cell)


# --------------------------------------------------------------------------- the test


def test_every_widget_shows_the_kernels_figure_before_and_after_a_slider_step(lab, subtests):
    """For every registered widget: does the page's figure equal the kernel's, on first display
    and after one slider step driven from the browser?"""
    for name in lab.names:
        with subtests.test(msg=f"{name}: first display"):
            found = wait_until_page_agrees(lab, name)
            if found:
                lab.screenshot(f"FAILED-widget-{name}-first-display")
            assert not found, f"{name} on first display, {len(found)} differences:\n" + "\n".join(found[:20])
        with subtests.test(msg=f"{name}: after a slider step"):
            control = move_first_control(lab, name)
            found = wait_until_page_agrees(lab, name)
            if found:
                lab.screenshot(f"FAILED-widget-{name}-after-{control}")
            lab.screenshot(f"widget-{name}")  # for a reviewer's eye: the widget after the step
            assert not found, f"{name} after a step of {control}, {len(found)} differences:\n" + "\n".join(found[:20])
        with subtests.test(msg=f"{name}: a second view after the step"):
            found = second_view(lab, name)
            if found:
                lab.screenshot(f"FAILED-widget-{name}-second-view")
            assert not found, f"{name}, second view, {len(found)} differences:\n" + "\n".join(found[:20])
    errors = lab.error_outputs()
    assert errors == [], errors
    assert not [line for line in lab.console if line.startswith("pageerror")], lab.console


#: A slider track shorter than this is hard to set to a value (ipywidgets' default box gave 40–70 px).
MIN_TRACK_PX = 180


def test_every_slider_has_a_usable_track_and_an_unclipped_readout(lab):
    """Is every slider's track at least MIN_TRACK_PX wide, with its label and readout shown whole?"""
    sliders = lab.page.evaluate("""() => Array.from(document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .dsu-widget .widget-slider')).map(s => {
        const track = s.querySelector('.noUi-target, .slider-container');
        const label = s.querySelector('.widget-label');
        const readout = s.querySelector('.widget-readout');
        return {label: label ? label.textContent : '', track: track ? track.getBoundingClientRect().width : 0,
                labelClipped: label ? label.scrollWidth > label.clientWidth + 1 : false,
                readout: readout ? readout.textContent : '',
                readoutClipped: readout ? readout.scrollWidth > readout.clientWidth + 1 : false};
    })""")
    assert sliders, "no slider on the page"
    narrow = [s for s in sliders if s["track"] < MIN_TRACK_PX]
    clipped = [s for s in sliders if s["labelClipped"] or s["readoutClipped"]]
    lab.screenshot("widgets-sliders")
    assert not narrow, f"slider tracks under {MIN_TRACK_PX} px: {narrow}"
    assert not clipped, f"labels or readouts cut off: {clipped}"
