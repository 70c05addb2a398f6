"""A class in a test: a real JupyterHub on loopback, 20 learners, nbgrader's exchange, grading.

The hub is class/jupyterhub_config.py with the local process spawner and the test authenticator.
Twenty learners log in through the login form at the same time, start their servers (each
builds its workspace with the kit), fetch Ep51's assessment through nbgrader's exchange from
their own server, answer in the notebook (contents API) and submit concurrently. The instructor
collects, grades on a Dask cluster into the gradebook, exports, grades the essays of one
learner by hand and certifies them. Every submission must be graded exactly once with the
score its edit earns, nothing lost, the gradebook check clean, and no process of the class
left running after the hub stops.

Measured and printed (and written to build/class-measurements.json): hub time to a running
server per learner (median, p95), submissions per second, grading throughput per worker, the
memory (RSS) of a learner's idle server.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest
import requests
from class_learner import Learner
from distributed import LocalCluster
from hub_support import REPO, running_hub, tagged_processes
from nbgrader.api import Gradebook
from postgres_support import postgres  # noqa: F401 - a fixture

from grading.integrity import integrity_problems
from grading.reference_submission import solved_submission

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*not in session")]

EPISODE = "ep51"
COURSE_ID = "dsu"
LEARNERS = [f"learner{i:02d}" for i in range(int(os.environ.get("DSU_CLASS_TEST_LEARNERS", "20")))]
INSTRUCTOR = "teacher"
#: learner00 hands in the instructor's solutions (and is certified); every other learner answers
#: only the first question, so each autograded score is known in advance: nothing may get lost.
CERTIFIED = LEARNERS[0]
FIRST_ANSWER = "ep51-littles-law__a1"
FIRST_ANSWER_POINTS = 2.0
GRADING_WORKERS = 2
SOURCE = REPO / "series-3" / "ep51-mathematics-of-scale" / "assessment.ipynb"
MEASUREMENTS = REPO / "build" / "class-measurements.json"


def autograded_points(source: Path) -> float:
    """The points of the assessment's autograded (code) test cells: the essays are graded by hand."""
    cells = nbformat.read(source, as_version=4).cells
    return float(sum(c.metadata["nbgrader"]["points"] for c in cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")))

DSU = str(Path(sys.executable).parent / "dsu")
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def run(command: list[str], env=None, cwd=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} -> {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def answer_source(notebook: dict, grade_id: str) -> str:
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def learner_answers(name: str, fetched: dict) -> dict:
    """The notebook ``name`` hands in: the fetched one with their answers typed in."""
    source = nbformat.read(SOURCE, as_version=4)
    release = nbformat.from_dict(copy.deepcopy(fetched))
    solved = solved_submission(source, release)
    if name == CERTIFIED:
        return json.loads(nbformat.writes(solved))
    answered = copy.deepcopy(fetched)
    for cell in answered["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == FIRST_ANSWER:
            cell["source"] = answer_source(json.loads(nbformat.writes(solved)), FIRST_ANSWER) + f"\n# {name}"
    return answered


@pytest.fixture(scope="module")
def gradebook(postgres):  # noqa: F811 - postgres is a fixture
    """The class's gradebook: a database on a private PostgreSQL server."""
    return postgres.create_database("dsu_class")


@pytest.fixture(scope="module")
def hub(tmp_path_factory, gradebook):
    """The instructor's course root (Ep51's student version, the PostgreSQL gradebook), then the hub."""
    folder = tmp_path_factory.mktemp("class")
    run([DSU, "release", EPISODE, "--root", str(folder / "course"), "--db-url", gradebook])
    with running_hub(folder, LEARNERS, [INSTRUCTOR]) as running:
        yield running


@pytest.fixture(scope="module")
def released(hub):
    """The instructor releases Ep51 to the exchange (formgrader's Release button does the same)."""
    run([NBGRADER, "release_assignment", EPISODE], env=hub.instructor_env, cwd=hub.course_root)
    assert (hub.exchange / COURSE_ID / "outbound" / EPISODE / "assessment.ipynb").is_file()
    return hub


def test_formgrader_is_a_service_for_instructors_only(hub):
    teacher = Learner(hub.url, INSTRUCTOR, hub.password)
    teacher.log_in()
    page = teacher.session.get(f"{hub.url}/services/formgrader-{COURSE_ID}/formgrader", timeout=120)
    assert page.status_code == 200 and "formgrader" in page.text.lower()
    # formgrader works on the instructors' course root and its PostgreSQL gradebook
    listed = teacher.session.get(f"{hub.url}/services/formgrader-{COURSE_ID}/formgrader/api/assignments", timeout=120)
    assert listed.status_code == 200
    assert [a["name"] for a in listed.json()] == [EPISODE]
    learner = Learner(hub.url, LEARNERS[-1], hub.password)
    learner.log_in()
    refused = learner.session.get(f"{hub.url}/services/formgrader-{COURSE_ID}/formgrader", timeout=120)
    assert refused.status_code == 403
    with pytest.raises(AssertionError, match="login answered 403"):  # refused: no session cookie
        Learner(hub.url, LEARNERS[0], hub.password + "-wrong").log_in()


def test_a_class_of_learners(released, gradebook, tmp_path):
    hub = released
    learners = [Learner(hub.url, name, hub.password) for name in LEARNERS]
    with ThreadPoolExecutor(max_workers=len(learners)) as pool:
        list(pool.map(Learner.log_in, learners))
        begin = time.monotonic()
        start_seconds = list(pool.map(Learner.start_server, learners))
        all_started = time.monotonic() - begin

        # every server built its workspace with the kit: the start page and Ep51's notebooks
        home = hub.homes / CERTIFIED / "dsu"
        assert (home / "START-HERE.ipynb").is_file()
        assert (home / "series-3" / "ep51-mathematics-of-scale" / "assessment.ipynb").is_file()
        # formgrader is the instructors' service, not part of a learner's server
        assert requests.get(f"{hub.url}/user/{CERTIFIED}/formgrader", headers=learners[0].headers,
                            timeout=60).status_code == 404

        path = f"assignments/{EPISODE}/assessment.ipynb"

        def fetch_and_answer(learner: Learner) -> dict:
            learner.fetch(COURSE_ID, EPISODE)
            listed = {a["assignment_id"]: a["status"] for a in learner.assignments(COURSE_ID)}
            assert listed[EPISODE] == "fetched", listed
            notebook = learner_answers(learner.name, learner.read_notebook(path))
            learner.save_notebook(path, notebook)
            return notebook

        handed_in = dict(zip(LEARNERS, pool.map(fetch_and_answer, learners), strict=True))
        begin = time.monotonic()
        list(pool.map(lambda learner: learner.submit(COURSE_ID, EPISODE), learners))
        submit_seconds = time.monotonic() - begin

    # the memory of each learner's idle server (the single-user process, no kernel running)
    servers, cpu = {}, {}
    hub_mib = psutil.Process(hub.process.pid).memory_info().rss / 2**20
    proxy_mib = sum(psutil.Process(pid).memory_info().rss for pid, command in tagged_processes(hub.tag).items()
                    if "configurable-http-proxy" in command) / 2**20
    for pid in tagged_processes(hub.tag):
        try:
            process = psutil.Process(pid)
            user = process.environ().get("JUPYTERHUB_USER")
            if user in handed_in and "jupyterhub.singleuser" in " ".join(process.cmdline()):
                servers[user] = process.memory_info().rss / 2**20
                # the start script execs into the server: one process from workspace build to submit
                cpu[user] = sum(process.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    assert sorted(servers) == LEARNERS

    # one submission per learner in the exchange; the instructor collects every one, each exactly
    # as the learner saved it
    inbound = sorted(p.name.split("+")[0] for p in (hub.exchange / COURSE_ID / "inbound").iterdir())
    assert inbound == LEARNERS
    run([NBGRADER, "collect", EPISODE], env=hub.instructor_env, cwd=hub.course_root)
    submitted = hub.course_root / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == LEARNERS
    for name, notebook in handed_in.items():
        on_file = json.loads((submitted / name / EPISODE / "assessment.ipynb").read_text(encoding="utf-8"))
        assert answer_source(on_file, FIRST_ANSWER) == answer_source(notebook, FIRST_ANSWER)

    # grading on a Dask cluster (its scheduler's address, as on a real cluster) into PostgreSQL
    db_url = gradebook
    with LocalCluster(n_workers=GRADING_WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        begin = time.monotonic()
        # no --db-url: the course root's configuration names the PostgreSQL gradebook
        graded = run([DSU, "grade", EPISODE, "--root", str(hub.course_root), "--scheduler", cluster.scheduler_address,
                      "--cell-timeout", "120"], check=False)
        grading_seconds = time.monotonic() - begin
    assert graded.returncode == 0, graded.stdout[-4000:] + graded.stderr[-4000:]
    report = json.loads((hub.course_root / "reports" / f"{EPISODE}.json").read_text(encoding="utf-8"))
    students = [o["student"] for o in report["outcomes"]]
    assert sorted(students) == LEARNERS  # each graded once: one outcome per learner, none twice
    assert report["integrity"] == []
    scores = {o["student"]: o["score"] for o in report["outcomes"]}
    assert all(o["status"] == "graded" for o in report["outcomes"])
    assert scores[CERTIFIED] == autograded_points(SOURCE) == 26.0
    assert all(scores[name] == FIRST_ANSWER_POINTS for name in LEARNERS[1:]), scores

    assert integrity_problems(db_url, COURSE_ID, [EPISODE]) == []
    with Gradebook(db_url, COURSE_ID) as gb:
        assert sorted(s.student_id for s in gb.assignment_submissions(EPISODE)) == LEARNERS
        assert {s.student_id: float(s.score) for s in gb.assignment_submissions(EPISODE)} == scores
        # the essays of the learner to certify, graded by hand as in formgrader
        for essay in ("ep51-usl__essay", "ep51-capacity-decisions__essay"):
            grade = gb.find_grade(essay, "assessment", EPISODE, CERTIFIED)
            grade.manual_score, grade.needs_manual_grade = grade.max_score, False
        gb.db.commit()

    # export
    out = tmp_path / "grades"
    run([DSU, "export", EPISODE, "--root", str(hub.course_root), "--out", str(out)])
    exported = (out / "students.csv").read_text(encoding="utf-8")
    assert all(name in exported for name in LEARNERS)

    # certify: the kit's series-3 needs every episode of the series, so `dsu certify` refuses and
    # names the missing ones; a class whose series is Ep51 alone certifies the learner
    keys, certificates = tmp_path / "keys", tmp_path / "certificates"
    run([DSU, "keys", "init", "--keys-dir", str(keys)])
    refused = run([DSU, "certify", CERTIFIED, "--series", "series-3", "--root", str(hub.course_root),
                   "--email", "l0@example.org", "--keys-dir", str(keys),
                   "--out", str(certificates)], check=False)
    assert refused.returncode == 1 and "ep52: submitted" in refused.stderr
    assert f"{EPISODE}: assessment" not in refused.stderr  # Ep51 itself meets every rule
    issued = certify_class_series(hub.course_root, db_url, keys, certificates, tmp_path)
    verified = run([DSU, "verify", str(issued), "--public-key", str(keys / "issuer-ed25519.pub.pem")], check=False)
    assert verified.returncode == 0 and "VALID" in verified.stdout, verified.stdout + verified.stderr

    kernel_mib = kernel_rss_mib(ASSESSMENT_IMPORTS)
    measurements = {
        "learners": len(LEARNERS),
        "cores": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "hub_start_seconds": {"median": statistics.median(start_seconds), "p95": percentile(start_seconds, 0.95),
                              "max": max(start_seconds), "all_ready_seconds": all_started,
                              "note": "all learners started at once; includes building each workspace"},
        "submissions_per_second": len(LEARNERS) / submit_seconds,
        "submit_seconds": submit_seconds,
        "grading": {"workers": GRADING_WORKERS, "seconds": grading_seconds,
                    "submissions_per_second_per_worker": len(LEARNERS) / grading_seconds / GRADING_WORKERS,
                    "seconds_per_submission_per_worker": grading_seconds * GRADING_WORKERS / len(LEARNERS),
                    "engine": "Dask LocalCluster, 1 thread per worker process; PostgreSQL gradebook"},
        "learner_server_rss_mib": {"median": statistics.median(servers.values()), "max": max(servers.values()),
                                   "note": "jupyterhub-singleuser with JupyterLab and nbgrader, idle, no kernel"},
        "hub_rss_mib": hub_mib,
        "proxy_rss_mib": proxy_mib,
        "learner_kernel_rss_mib": {"value": kernel_mib,
                                   "note": "one python3 kernel after the imports of Ep51's assessment "
                                           "(numpy, pandas, scipy, course); a learner's simulations add more"},
        "learner_server_cpu_seconds": {"median": statistics.median(cpu.values()), "max": max(cpu.values()),
                                       "note": "user + system CPU of a learner's server process from the "
                                               "workspace build through fetch, save and submit"},
    }
    MEASUREMENTS.parent.mkdir(parents=True, exist_ok=True)
    MEASUREMENTS.write_text(json.dumps(measurements, indent=1) + "\n", encoding="utf-8")
    print("\nclass measurements:", json.dumps(measurements, indent=1))


#: what Ep51's assessment imports: a learner's kernel working on it holds at least this much
ASSESSMENT_IMPORTS = ("import math, numpy, pandas\nfrom scipy import stats\n"
                      "from course.queueing import allen_cunneen, erlang_b, mmc, mmck\n"
                      "from course.scalability import usl\nfrom course.capacity.costs import CapacityCosts\n"
                      "from course.selfcheck import check")


def kernel_rss_mib(code: str) -> float:
    """RSS (MiB) of a fresh python3 kernel of this environment after running ``code``."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.execute_interactive(code, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        return psutil.Process(manager.provisioner.process.pid).memory_info().rss / 2**20
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def certify_class_series(root: Path, db_url: str, keys: Path, certificates: Path, folder: Path) -> Path:
    """Certify CERTIFIED for a series made of Ep51 alone (the kit's rules plus that series)."""
    from certificates.certification import RULES_RESOURCE
    from certificates.credential import issue_certificate
    from course.syllabus import load_syllabus

    syllabus = load_syllabus()
    ep51 = syllabus.episode(EPISODE)
    series = dataclasses.replace(ep51.series, id="class-ep51", episodes=(ep51,))
    rules = folder / "certification.toml"
    rules.write_text(RULES_RESOURCE.read_text(encoding="utf-8")
                     + '\n[series.class-ep51]\nachievement_name = "DSU class: Ep51"\n'
                       'description = "The mathematics of scale, assessed."\n', encoding="utf-8")
    issued = issue_certificate(CERTIFIED, "class-ep51", root, email="l0@example.org", out_dir=certificates,
                               keys=keys, db_url=db_url, rules_path=rules,
                               syllabus=dataclasses.replace(syllabus, series=(series,)))
    return issued.json_path


def test_the_hub_leaves_no_process_behind(hub):
    """Runs last in this module: the hub's own shutdown stops every server, the service and the proxy."""
    assert tagged_processes(hub.tag)  # the class is running: the check below could fail
    left = hub.stop()
    assert left == {}, left
    assert tagged_processes(hub.tag) == {}
