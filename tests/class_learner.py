"""A simulated learner of the class: what a browser does, over HTTP, against the hub.

Logs in through the hub's login form, asks the hub's REST API for a token, starts the server and
waits until it is ready (timed), then works in that server without a terminal: nbgrader's
assignment list extension fetches and submits (the buttons of JupyterLab's Assignments tab),
the Jupyter contents API reads and saves the notebook (what the editor does).

>>> # learner = Learner(hub.url, "ada", hub.password); learner.log_in(); learner.start_server()
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests


@dataclass
class Learner:
    hub_url: str
    name: str
    password: str
    session: requests.Session = field(default_factory=requests.Session)
    token: str = ""
    #: seconds from the start request to a ready server, as the hub reports it
    start_seconds: float = 0.0

    def log_in(self) -> None:
        """The login form: GET for the XSRF cookie, POST the name and password, keep the cookie."""
        self.session.get(f"{self.hub_url}/hub/login", timeout=60).raise_for_status()
        xsrf = self.session.cookies.get("_xsrf", path="/hub/")
        reply = self.session.post(f"{self.hub_url}/hub/login?next=", timeout=60, allow_redirects=False,
                                  data={"username": self.name, "password": self.password, "_xsrf": xsrf})
        if reply.status_code != 302:
            raise AssertionError(f"{self.name}: login answered {reply.status_code}")
        # the XSRF cookie is tied to the session: the logged-in pages hand out a new one
        self.session.get(f"{self.hub_url}/hub/home", timeout=60).raise_for_status()
        xsrf = self.session.cookies.get("_xsrf", path="/hub/")
        # a token of the learner's own, for the REST API and their server (as JupyterLab's hub extension does)
        reply = self.session.post(f"{self.hub_url}/hub/api/users/{self.name}/tokens", timeout=60,
                                  headers={"X-XSRFToken": xsrf}, json={"note": "class test", "expires_in": 3600})
        reply.raise_for_status()
        self.token = reply.json()["token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request to the hub's REST API with the learner's token."""
        return requests.request(method, f"{self.hub_url}/hub/api{path}", headers=self.headers,
                                timeout=kwargs.pop("timeout", 60), **kwargs)

    def start_server(self, timeout: float = 600.0) -> float:
        """Ask the hub for the learner's server and wait until it is ready; return the seconds taken."""
        begin = time.monotonic()
        reply = self.api("POST", f"/users/{self.name}/server")
        if reply.status_code not in (201, 202):
            raise AssertionError(f"{self.name}: starting the server answered {reply.status_code}: {reply.text}")
        while True:
            server = self.api("GET", f"/users/{self.name}").json()["servers"].get("", {})
            if server.get("ready"):
                self.start_seconds = time.monotonic() - begin
                return self.start_seconds
            if time.monotonic() - begin > timeout:
                raise AssertionError(f"{self.name}: server not ready after {timeout:g} s: {server}")
            time.sleep(0.25)

    def server(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request to the learner's own server, through the hub's proxy."""
        reply = requests.request(method, f"{self.hub_url}/user/{self.name}/{path}", headers=self.headers,
                                 timeout=kwargs.pop("timeout", 120), **kwargs)
        reply.raise_for_status()
        return reply

    def assignments(self, course_id: str) -> list[dict]:
        return self.server("GET", "assignments", params={"course_id": course_id}).json()["value"]

    def fetch(self, course_id: str, assignment_id: str) -> None:
        """The Assignments tab's Fetch button (nbgrader fetch_assignment in the learner's server)."""
        self.server("POST", "assignments/fetch", data={"course_id": course_id, "assignment_id": assignment_id})

    def submit(self, course_id: str, assignment_id: str) -> None:
        """The Assignments tab's Submit button; raises if nbgrader reports a failure."""
        reply = self.server("POST", "assignments/submit",
                            data={"course_id": course_id, "assignment_id": assignment_id}).json()
        if reply.get("success") is False:
            raise AssertionError(f"{self.name}: submit failed: {reply.get('value')}")

    def read_notebook(self, path: str) -> dict:
        return self.server("GET", f"api/contents/{path}", params={"content": 1}).json()["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        self.server("PUT", f"api/contents/{path}", json={"type": "notebook", "format": "json", "content": notebook})
