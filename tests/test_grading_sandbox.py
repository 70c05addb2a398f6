"""The grading sandbox: can student code see, reach or exhaust anything beyond its own box?

These tests run a small Python program inside :func:`grading.sandbox.wrap_command` (the very
wrapper every grading kernel starts in) and read back what it could do. On this machine the
tests run as root (CI), so the root level is what they check; the user-namespace level used
by non-root graders is checked inside a user namespace in which the test appears as uid 1000.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from course import REPO_ROOT
from grading.kernel_manager import describe_exit
from grading.sandbox import (
    BWRAP_ROOT,
    BWRAP_USER,
    COURSE_TARGET,
    RLIMITS_ONLY,
    ResourceLimits,
    SandboxPolicy,
    default_read_only,
    isolation_level,
    kernel_environment,
    wrap_command,
)

PROBE = textwrap.dedent("""
    import json, os, resource, socket, sys
    report = {"uid": os.getuid(), "pid": os.getpid(), "env": sorted(os.environ),
              "repo": sorted(os.listdir(REPO)), "tmp": sorted(os.listdir("/tmp")), "root": sorted(os.listdir("/")),
              "other_checkout": os.path.exists(OTHER),
              "status": {l.split(":")[0]: l.split(":")[1].strip() for l in open("/proc/self/status")
                         if l.startswith(("CapBnd", "CapEff", "NoNewPrivs"))},
              "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
              "as": resource.getrlimit(resource.RLIMIT_AS)[0]}
    def attempt(name, action):
        try:
            action()
            report[name] = "allowed"
        except Exception as error:
            report[name] = type(error).__name__
    attempt("read_source", lambda: open(SECRET).read())
    attempt("write_course", lambda: open(os.path.join(REPO, "course", "planted.py"), "w").write("x"))
    attempt("network", lambda: socket.create_connection(("1.1.1.1", 53), timeout=3))
    attempt("loopback", lambda: socket.create_connection(("127.0.0.1", 22), timeout=3))
    attempt("memory", lambda: bytearray(2_000_000_000))
    attempt("write_work", lambda: open("answer.txt", "w").write("ok"))
    json.dump(report, open(OUT, "w"))
""")


@pytest.fixture
def box(tmp_path_factory):
    """A kernel box (work, home) in a short temp folder, a secret file the probe must not read,
    and a second checkout of the course with its solutions planted under /opt (world-readable)."""
    base = Path(tempfile.mkdtemp(prefix="dsu-t-"))
    os.chmod(base, 0o755)
    for sub in ("work", "home"):
        (base / sub).mkdir(mode=0o777)
        os.chmod(base / sub, 0o777)
    secret_dir = tmp_path_factory.mktemp("sources")
    (secret_dir / "solution.ipynb").write_text("### BEGIN SOLUTION", encoding="utf-8")
    other = Path(tempfile.mkdtemp(prefix="dsu-checkout-", dir="/opt"))
    os.chmod(other, 0o755)
    (other / "solutions.py").write_text("def erlang_c(c, a): ...\n", encoding="utf-8")
    os.chmod(other / "solutions.py", 0o644)
    yield base, secret_dir / "solution.ipynb"
    shutil.rmtree(base, ignore_errors=True)
    shutil.rmtree(other, ignore_errors=True)


PROBE_LIMITS = ResourceLimits(memory_mb=1024, processes=16)


def run_probe(base: Path, secret: Path, level: str, limits=PROBE_LIMITS,
              code: str = PROBE, uid: int | None = 1_999_000_123, timeout: float = 60):
    out = base / "work" / "report.json"
    policy = SandboxPolicy(limits=limits, read_only=default_read_only(), course=COURSE_TARGET,
                           writable=(str(base / "work"), str(base / "home")), uid=uid)
    others = sorted(str(p / "solutions.py") for p in Path("/opt").glob("dsu-checkout-*"))
    header = (f"REPO = {str(REPO_ROOT)!r}\nSECRET = {str(secret)!r}\nOUT = 'report.json'\n"
              f"OTHER = {(others or ['/opt/none'])[0]!r}\n")
    spec = policy.spec(level, str(base / "work"), kernel_environment(str(base / "home")))
    command = wrap_command([sys.executable, "-c", header + code], spec)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, DSU_GRADER_SECRET="do-not-leak"))
    report = json.loads(out.read_text()) if out.exists() and code is PROBE else None
    return result, report


def test_root_grader_gets_full_isolation():
    """Running as root with bubblewrap installed, is the strongest level chosen?"""
    assert os.geteuid() == 0 and shutil.which("bwrap"), "these tests describe the root (CI) machine"
    assert isolation_level("auto") == BWRAP_ROOT
    assert isolation_level("rlimits") == RLIMITS_ONLY


def test_student_code_is_boxed(box):
    """Does the probe run as a fresh unprivileged uid, without capabilities, network, sources,
    another checkout of the course, the grader's environment or write access to the course
    package, within its memory limit, in a root that holds only what was bound into it?"""
    base, secret = box
    result, report = run_probe(base, secret, BWRAP_ROOT)
    assert report is not None, result.stderr
    assert report["uid"] == 1_999_000_123 and report["pid"] == 2
    assert not report["other_checkout"]
    assert not {"home", "opt", "var", "srv", "mnt"} & set(report["root"]), report["root"]
    assert int(report["status"]["CapEff"], 16) == 0 and int(report["status"]["CapBnd"], 16) == 0
    assert report["status"]["NoNewPrivs"] == "1"
    assert report["read_source"] in ("FileNotFoundError", "PermissionError")
    assert report["repo"] == [".venv", "course", "shared"]
    assert report["write_course"] in ("OSError", "PermissionError")
    assert report["network"] == "OSError" and report["loopback"] in ("OSError", "ConnectionRefusedError")
    assert report["memory"] == "MemoryError" and report["as"] == 1024 * 2 ** 20
    assert report["write_work"] == "allowed" and report["nproc"] == 16
    assert "DSU_GRADER_SECRET" not in report["env"]
    # A private /tmp showing only the path to its own box — and, when the repository itself
    # lives under /tmp (a CI clone), the path to the read-only binds of .venv, course/, shared/.
    expected_tmp = {base.name}
    if REPO_ROOT.is_relative_to("/tmp"):
        expected_tmp.add(REPO_ROOT.relative_to("/tmp").parts[0])
    assert set(report["tmp"]) == expected_tmp


def test_process_limit_holds_for_a_fork_bomb_and_dies_with_it(box):
    """Is a fork bomb stopped by RLIMIT_NPROC, and are all its processes gone afterwards?"""
    base, secret = box
    bomb = textwrap.dedent("""
        import os, time
        children = 0
        try:
            while True:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
                children += 1
        except OSError as error:
            open(OUT, "w").write(f"{children} {type(error).__name__}")
    """)
    uid = 1_999_000_321
    result, _ = run_probe(base, secret, BWRAP_ROOT, limits=ResourceLimits(processes=12), code=bomb, uid=uid)
    children, error = (base / "work" / "report.json").read_text().split()
    assert error == "BlockingIOError" and 0 < int(children) < 12
    # bwrap returns as soon as its init in the namespace reports the bomb's exit status; that init
    # (still waiting for the sleepers) then gets --die-with-parent's SIGKILL and the kernel kills
    # every process of the PID namespace: a moment later, longer on a loaded machine. The bound
    # (120 s) is far below the sleepers' 600 s, so passing still proves that the box killed them.
    assert _gone_within(uid, GONE_BOUND) == []  # the PID namespace took the sleeping children along


#: How long a box's processes may take to disappear after it exits or its grader is killed:
#: milliseconds when idle, generous so that a loaded CI machine cannot fail the test.
GONE_BOUND = 120.0


def _gone_within(uid: int, seconds: float) -> list[int]:
    """Poll until no process of ``uid`` is left or ``seconds`` have passed; return those left."""
    deadline = time.monotonic() + seconds
    while (left := _processes_of(uid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _processes_of(uid: int) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                found.append(int(pid))
        except FileNotFoundError:
            continue
    return found


def test_the_box_dies_with_the_grader(box):
    """If the grading process is killed, does everything in the box die too (no stray kernels)?"""
    base, secret = box
    uid = 1_999_000_456
    policy = SandboxPolicy(read_only=default_read_only(), course=COURSE_TARGET, writable=(str(base / "work"),), uid=uid)
    spec = policy.spec(BWRAP_ROOT, str(base / "work"), kernel_environment(str(base / "home")))
    sleeper = subprocess.Popen(wrap_command([sys.executable, "-c", "import time; time.sleep(600)"], spec),
                               start_new_session=True)
    deadline = time.monotonic() + GONE_BOUND
    while not _processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_of(uid), "the boxed process never started"
    sleeper.send_signal(signal.SIGKILL)
    sleeper.wait()
    assert _gone_within(uid, GONE_BOUND) == []


def test_a_crash_is_reported_as_its_signal(box):
    """Does a kernel killed by abort() come back as 'killed by SIGABRT', not a bare number?"""
    base, secret = box
    result, _ = run_probe(base, secret, BWRAP_ROOT, code="import os\nos.abort()")
    assert describe_exit(result.returncode) == "killed by SIGABRT (abort or crash)"


def test_a_non_root_grader_gets_user_namespaces(box, tmp_path):
    """Seen as uid 1000 (inside a user namespace), is bubblewrap's user-namespace level chosen, and
    does it still hide the sources and the network and bind the course package read-only?"""
    base, secret = box
    script = tmp_path / "as_user.py"
    script.write_text(textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from pathlib import Path
        from grading.sandbox import isolation_level
        from test_grading_sandbox import run_probe
        level = isolation_level("auto")
        result, report = run_probe(Path({str(base)!r}), Path({str(secret)!r}), level, uid=None)
        print(json.dumps({{"euid": os.geteuid(), "level": level, "report": report, "stderr": result.stderr}}))
    """))
    os.chmod(base, 0o777)
    for sub in ("work", "home"):
        os.chmod(base / sub, 0o777)
    out = subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", sys.executable, str(script)],
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["euid"] == 1000 and seen["level"] == BWRAP_USER
    report = seen["report"]
    assert report is not None, seen["stderr"]
    assert report["read_source"] in ("FileNotFoundError", "PermissionError")
    assert report["repo"] == [".venv", "course", "shared"]
    assert report["write_course"] in ("OSError", "PermissionError")
    assert report["network"] == "OSError"
    assert int(report["status"]["CapEff"], 16) == 0 and report["status"]["NoNewPrivs"] == "1"
