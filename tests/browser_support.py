"""Drive a real JupyterLab in headless Chromium: start and stop the server, open notebooks,
run cells, read outputs and plots back from the page.

Used by tests/test_browser.py. The server runs on a random free port of 127.0.0.1 with a
token; its settings (no news prompt, every cell attached to the page so every output can be
inspected) live in a temporary folder, never in the user's own JupyterLab settings.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from course import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO_ROOT / "test-artifacts"
STDERR_MIME = "application/vnd.jupyter.stderr"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# JupyterLab user settings for the test server: no news or update prompt covering the page;
# windowing off so that cells outside the viewport are in the page too.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    process: subprocess.Popen
    port: int
    token: str
    root: Path
    log: Path

    def url(self, path: str = "lab") -> str:
        separator = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{separator}token={self.token}"

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""


def write_lab_settings(state: Path, settings: dict[str, dict]) -> None:
    """Write JupyterLab user settings (file name -> values) into the test server's settings
    folder. The server reads them at each page load, so a page loaded afterwards uses them."""
    for relative, values in settings.items():
        path = state / "lab-settings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def start_lab(root: Path, cwd: Path, state: Path, env: dict[str, str] | None = None,
              timeout: float = 120.0) -> LabServer:
    """Start JupyterLab serving ``root`` (run from ``cwd``); return once it answers."""
    settings = state / "lab-settings"
    write_lab_settings(state, LAB_SETTINGS)
    port, token = free_port(), secrets.token_hex(16)
    environment = dict(os.environ)
    environment.update({
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "lab-workspaces"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # nbgrader runs `alembic` from PATH when the formgrader creates a gradebook
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    })
    environment.update(env or {})
    log = state / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
    ]
    if os.geteuid() == 0:  # CI containers run as root; JupyterLab refuses that by default
        command.append("--allow-root")
    with open(log, "wb") as handle:
        # Own process group: the kernels it starts can be stopped with it, by its id.
        process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(process, port, token, Path(root), log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("api/status"), timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_lab(server)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def stop_lab(server: LabServer) -> None:
    """Stop the server and its kernels (its process group), politely first."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # kernels left behind, if any
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)


def require_chromium() -> None:
    """Fail loudly (never skip) when Debian's Chromium is missing, saying how to install it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}. Install it with:\n"
            "    sudo apt-get update && sudo apt-get install -y chromium\n"
            "(Playwright cannot download its own browser here.)",
            pytrace=False,
        )


def launch_chromium(playwright):
    """Debian's Chromium, headless."""
    require_chromium()
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class Lab:
    """A JupyterLab page: open documents, run cells, read outputs."""

    def __init__(self, page, server: LabServer, artifacts: Path = ARTIFACTS):
        self.page = page
        self.server = server
        self.artifacts = artifacts
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.console: list[str] = []
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    # --- app -------------------------------------------------------------------------
    def load(self, path: str = "lab") -> None:
        """Load the JupyterLab app (optionally with a document open) and wait until restored."""
        self.page.goto(self.server.url(path), wait_until="domcontentloaded")
        self.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        self.page.evaluate("() => window.jupyterapp.restored")
        self.dismiss_dialogs()

    def command(self, name: str, args: dict | None = None):
        """Run a JupyterLab command (what a menu item or shortcut does) and await it."""
        return self.page.evaluate(
            "([name, args]) => window.jupyterapp.commands.execute(name, args).then(() => null)",
            [name, args or {}],
        )

    def dismiss_dialogs(self) -> None:
        """Accept a "Select Kernel" dialog (the default kernel) and close notifications."""
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count():
            text = dialog.first.inner_text()
            if "Kernel" in text:
                dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
            else:
                raise AssertionError(f"unexpected dialog: {text}")
        for close in self.page.locator(".jp-Notification-Toast-Close, .Toastify__close-button").all():
            close.click()

    def open(self, path: str) -> None:
        """Open a document (path relative to the server root) and wait for its kernel."""
        self.command("docmanager:open", {"path": path})
        self.wait_for_notebook(path)

    def wait_for_notebook(self, path: str, timeout: float = 90_000) -> None:
        """Wait until the current tab is the notebook at ``path`` with an idle kernel."""
        deadline = time.monotonic() + timeout / 1000
        while True:
            self.dismiss_dialogs()
            state = self.page.evaluate("""(path) => {
                const w = window.jupyterapp.shell.currentWidget;
                if (!w || !w.context || w.context.path !== path) return 'not current';
                if (!w.context.isReady) return 'loading';
                const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
                return kernel ? kernel.status : 'no kernel';
            }""", path)
            if state == "idle":
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{path}: notebook not ready ({state}); console:\n" + "\n".join(self.console[-20:]))
            self.page.wait_for_timeout(250)

    def close_current(self) -> None:
        """Close the current tab without saving it (a scratch document)."""
        self.page.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget;
            w.context.model.dirty = false; w.close(); }""")

    # --- cells -----------------------------------------------------------------------
    def notebook(self):
        """Locator of the current notebook's panel."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first

    def run_all(self) -> None:
        """Run every cell of the current notebook and wait until the last one finished."""
        self.command("notebook:run-all-cells")
        self.wait_idle()

    def wait_idle(self, timeout: float = 120_000) -> None:
        self.page.wait_for_function("""() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w.sessionContext.session.kernel;
            const busy = Array.from(w.content.widgets).some(c => c.model.type === 'code'
                && (c.promptNode && c.promptNode.textContent.includes('*')));
            return k.status === 'idle' && !busy;
        }""", timeout=timeout)

    def cell_sources(self) -> list[str]:
        return self.page.evaluate("""() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            return Array.from({length: cells.length}, (_, i) => cells.get(i).sharedModel.getSource());
        }""")

    def select_cell(self, index: int) -> None:
        self.page.evaluate("""(i) => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            nb.activeCellIndex = i; nb.mode = 'command';
            nb.activeCell.node.scrollIntoView({block: 'center'});
        }""", index)

    def replace_cell_text(self, index: int, text: str) -> None:
        """Put ``text`` into a code cell the way a learner would: click, select all, paste."""
        self.select_cell(index)
        editor = self.notebook().locator(".jp-Cell").nth(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        # insert_text is a paste: no auto-indent or bracket closing added to the text
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def run_cell(self, index: int) -> None:
        self.select_cell(index)
        self.command("notebook:run-cell")
        self.wait_idle()

    def outputs(self) -> list[list[dict]]:
        """Every code cell's outputs from the notebook model (index = cell index)."""
        return self.page.evaluate("""() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            return Array.from({length: cells.length}, (_, i) => {
                const c = cells.get(i);
                return c.type === 'code' ? c.outputs.toJSON() : [];
            });
        }""")

    def error_outputs(self) -> list[str]:
        """Tracebacks and stderr anywhere in the current notebook: model and page."""
        found = []
        for index, outputs in enumerate(self.outputs()):
            for output in outputs:
                if output["output_type"] == "error":
                    found.append(f"cell {index}: {output['ename']}: {output['evalue']}")
                elif output["output_type"] == "stream" and output.get("name") == "stderr":
                    found.append(f"cell {index}: stderr: {''.join(output['text'])[:500]}")
        panel = self.notebook()
        for node in panel.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]').all():
            found.append("page: " + node.inner_text()[:500])
        for node in panel.locator(".jp-OutputArea-output").all():
            text = node.inner_text()
            if "Error displaying widget" in text or "Traceback" in text:
                found.append("page: " + text[:500])
        return found

    # --- plots -----------------------------------------------------------------------
    def plot_data(self, plot) -> list[dict]:
        """The data of a plotly graph on the page: x, y (and z) of each trace, as drawn."""
        return plot.evaluate("""el => (el._fullData || el.data || []).map(t => ({
            name: t.name, type: t.type,
            x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null,
            z: t.z ? Array.from(t.z).map(r => Array.isArray(r) || ArrayBuffer.isView(r) ? Array.from(r) : r) : null}))""")

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def plain_plotly(value):
    """Plotly JSON with its base64 arrays (``{"dtype", "bdata", "shape"}``, as ``to_plotly_json``
    writes numpy arrays) turned into plain nested lists, comparable with what a page holds."""
    import base64

    import numpy as np

    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if value.get("shape"):
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array.tolist()
        return {key: plain_plotly(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_plotly(item) for item in value]
    return value
