# JupyterHub configuration of a DSU class: one JupyterLab server per learner with a workspace built
# by the kit, nbgrader's formgrader as a hub-managed service for the instructors, nbgrader's
# exchange for release -> fetch -> submit -> collect.
#
#   jupyterhub -f class/jupyterhub_config.py          (after `make class-deps`)
#
# Everything that differs between a laptop, the test and a real class comes from the environment
# (defaults in brackets); the roster comes from a TOML file:
#   DSU_CLASS_ROSTER     roster: course_id, instructors, learners [class/roster.example.toml]
#   DSU_CLASS_STATE      the hub's own files: database, cookie secret, seed workspace [build/class]
#   DSU_CLASS_HOMES      one home folder per learner, <homes>/<name> [<state>/homes]
#   DSU_CLASS_EXCHANGE   nbgrader's exchange root [<state>/exchange]
#   DSU_CLASS_COURSE_ROOT the instructors' nbgrader course root (`dsu release`) [build/nbgrader]
#   DSU_CLASS_EPISODES   episodes built into each workspace, comma-separated [all]
#   DSU_CLASS_PASSWORD   the shared password of the test authenticator (required with it)
#   DSU_CLASS_IP, DSU_CLASS_PORT, DSU_CLASS_HUB_PORT, DSU_CLASS_PROXY_API_PORT,
#   DSU_CLASS_FORMGRADER_PORT    loopback address and ports [127.0.0.1, 8000, 8081, 8001, 9999]
#   DSU_CLASS_RUN        a tag copied into every process's environment (the test finds them by it)
#
# The spawner here is jupyterhub's SimpleLocalProcessSpawner (every server a local process of the
# hub's own user, home folders under DSU_CLASS_HOMES: no system users needed) and the
# authenticator the DummyAuthenticator with one shared password: for tests and a trial on one
# machine ONLY, there is no isolation between learners. The production path (Kubernetes,
# KubeSpawner, a course image, a real authenticator) is class/helm-values.yaml; see class/README.md.
import os
import subprocess
import sys
import tomllib
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
env = os.environ.get


def port(name: str, default: int) -> int:
    """A TCP port from the environment variable ``name``: a whole number from 1 to 65535."""
    text = env(name, str(default))
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{name} must be a port from 1 to 65535; got {text!r}")
    return int(text)


PASSWORD = env("DSU_CLASS_PASSWORD", "")
if not PASSWORD:
    raise ValueError("DSU_CLASS_PASSWORD must be set: the test authenticator's shared password")
roster_file = Path(env("DSU_CLASS_ROSTER", HERE / "roster.example.toml"))
if not roster_file.is_file():
    raise ValueError(f"DSU_CLASS_ROSTER {roster_file}: no such file (copy class/roster.example.toml)")
roster = tomllib.loads(roster_file.read_text(encoding="utf-8"))
COURSE_ID = roster.get("course_id", "dsu")
INSTRUCTORS = sorted(roster.get("instructors", []))
LEARNERS = sorted(roster.get("learners", []))
if not INSTRUCTORS or set(INSTRUCTORS) & set(LEARNERS):
    raise ValueError(f"DSU_CLASS_ROSTER {roster_file}: instructors must be a non-empty list, "
                     "disjoint from learners")

STATE = Path(env("DSU_CLASS_STATE", REPO / "build" / "class")).resolve()
HOMES = Path(env("DSU_CLASS_HOMES", STATE / "homes")).resolve()
EXCHANGE = Path(env("DSU_CLASS_EXCHANGE", STATE / "exchange")).resolve()
COURSE_ROOT = Path(env("DSU_CLASS_COURSE_ROOT", REPO / "build" / "nbgrader")).resolve()
EPISODES = [e for e in env("DSU_CLASS_EPISODES", "").split(",") if e]
IP = env("DSU_CLASS_IP", "127.0.0.1")
PORT, HUB_PORT = port("DSU_CLASS_PORT", 8000), port("DSU_CLASS_HUB_PORT", 8081)
PROXY_API_PORT, FORMGRADER_PORT = port("DSU_CLASS_PROXY_API_PORT", 8001), port("DSU_CLASS_FORMGRADER_PORT", 9999)
RUN_TAG = env("DSU_CLASS_RUN", "")
SERVICE = f"formgrader-{COURSE_ID}"
for folder in (STATE, HOMES, COURSE_ROOT):
    folder.mkdir(parents=True, exist_ok=True)
# nbgrader's exchange: everyone writes into inbound/, so the root is world-writable and sticky.
EXCHANGE.mkdir(parents=True, exist_ok=True)
EXCHANGE.chmod(0o1777)

# --- the hub and its proxy (configurable-http-proxy pinned in class/package.json) --------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_bind_url = f"http://{IP}:{HUB_PORT}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://{IP}:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
# stopping the hub stops every learner's server and the proxy with it
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- who is who --------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = PASSWORD
c.Authenticator.allowed_users = set(LEARNERS) | set(INSTRUCTORS)
c.Authenticator.admin_users = set(INSTRUCTORS)
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    "learners": {"users": LEARNERS},
}
c.JupyterHub.load_roles = [
    # instructors open formgrader (a hub service) and may look at a learner's server
    {"name": f"formgrade-{COURSE_ID}", "groups": ["instructors"],
     "scopes": [f"access:services!service={SERVICE}", "admin:servers", "admin:users"]},
]

# --- every learner's own JupyterLab, started in a workspace built by the kit ---------------------
LEARNER_CONFIG = STATE / "learner-config"
LEARNER_CONFIG.mkdir(exist_ok=True)
(LEARNER_CONFIG / "nbgrader_config.py").write_text(f"""\
# nbgrader settings of a learner's server in the DSU class (written by class/jupyterhub_config.py)
import os
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Exchange.root = {str(EXCHANGE)!r}
# the exchange's copy of an assignment: fetched into ~/dsu/assignments/<id>/, submitted from there
c.Exchange.assignment_dir = os.path.expanduser("~/dsu/assignments")
# every local server runs as the hub's user: the submission is filed under the hub's user name
c.CourseDirectory.student_id = os.environ.get("JUPYTERHUB_USER", "*")
""", encoding="utf-8")
# nbgrader's formgrader is the instructors' (a hub service): switched off in learners' servers
(LEARNER_CONFIG / "jupyter_server_config.d").mkdir(exist_ok=True)
(LEARNER_CONFIG / "jupyter_server_config.d" / "dsu-learner.json").write_text(
    '{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": false}}}\n',
    encoding="utf-8")
LAB_CONFIG = REPO / "course" / "learner" / "lab_config"
SEED = STATE / "seed-workspace"
# The student versions are generated once here (nbgrader, seconds per episode); each learner's
# start copies them from this seed instead of running nbgrader again (class/start_singleuser.py).
subprocess.run([str(BIN / "dsu"), "build", "--workspace", str(SEED), *EPISODES], check=True,
               stdout=subprocess.DEVNULL)

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [sys.executable, str(HERE / "start_singleuser.py")]
c.Spawner.default_url = "/lab/tree/START-HERE.ipynb"
c.Spawner.notebook_dir = "~/dsu"
c.Spawner.environment = {
    "PATH": f"{BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_CONFIG_PATH": f"{LEARNER_CONFIG}{os.pathsep}{LAB_CONFIG}",
    "DSU_SEED_WORKSPACE": str(SEED),
    "DSU_WORKSPACE_EPISODES": ",".join(EPISODES),
    "DSU_CLASS_RUN": RUN_TAG,
}
if os.geteuid() == 0:  # the local spawner runs servers as the hub's user; Jupyter refuses root without this
    c.Spawner.args = ["--allow-root"]
# a start costs about 4 s of CPU (workspace build + JupyterLab): twenty learners logging in at
# once on two busy cores wait a minute or more, which is slow, not broken
c.Spawner.start_timeout = 600
c.Spawner.http_timeout = 600

# --- formgrader: the instructors' nbgrader server, a hub-managed service -----------------------
INSTRUCTOR_CONFIG = STATE / "instructor-config"
INSTRUCTOR_CONFIG.mkdir(exist_ok=True)
(INSTRUCTOR_CONFIG / "nbgrader_config.py").write_text(f"""\
# nbgrader settings of the instructors' formgrader service (written by class/jupyterhub_config.py)
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {COURSE_ID!r}
c.CourseDirectory.root = {str(COURSE_ROOT)!r}
c.Exchange.root = {str(EXCHANGE)!r}
# local servers all run as one system user, so a submission's owner never matches its learner
c.CollectApp.check_owner = False
""", encoding="utf-8")
c.JupyterHub.services = [{
    "name": SERVICE,
    "url": f"http://{IP}:{FORMGRADER_PORT}",
    "command": [str(BIN / "jupyterhub-singleuser"), f"--ServerApp.root_dir={COURSE_ROOT}",
                *(["--allow-root"] if os.geteuid() == 0 else [])],
    "cwd": str(COURSE_ROOT),
    "environment": {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",  # formgrader runs alembic from PATH
        "JUPYTER_CONFIG_PATH": f"{INSTRUCTOR_CONFIG}{os.pathsep}{LAB_CONFIG}",
        "JUPYTERHUB_DEFAULT_URL": "/formgrader",
        "DSU_CLASS_RUN": RUN_TAG,
    },
    "oauth_no_confirm": True,
}]
