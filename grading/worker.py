"""One grading job, run in a worker process: repair, then nbgrader autograde in a private root.

The worker repairs the student's notebooks (:mod:`grading.repair`), lays out a private course
root (:mod:`grading.private_root`), loads the main course's nbgrader configuration pointed at
that root with nbgrader's Execute step swapped for :class:`grading.execute.SandboxedExecute`,
runs nbgrader's own ``Autograde`` converter (through ``NbGraderAPI``, in-process, so a
long-lived worker pays nbgrader's import once) and returns the grades it wrote to the private
gradebook, with the repair findings, as plain data. It never touches the main gradebook.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from grading.kernel_manager import write_sandbox_file
from grading.repair import repair_notebook

AUTOGRADE_STEPS = [
    "grading.execute.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def job_config(job: dict):
    """The traitlets Config for one job: the course's config plus the private root's overrides."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    main_config = Path(job["main_config"])
    if main_config.is_file():
        config.merge(PyFileConfigLoader(main_config.name, path=str(main_config.parent)).load_config())
    root = Path(job["root"])
    overrides = Config()
    overrides.CourseDirectory.root = str(root)
    overrides.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    overrides.CourseDirectory.course_id = job["course_id"]
    overrides.Autograde.autograde_preprocessors = AUTOGRADE_STEPS
    overrides.SandboxedExecute.timeout = int(max(1, round(job["cell_timeout"])))
    overrides.SandboxedExecute.interrupt_on_timeout = True
    overrides.SandboxedExecute.kernel_restarts = job["kernel_restarts"]
    overrides.SandboxedExecute.output_limit = job["output_limit"]
    overrides.SandboxedExecute.events_file = str(root / "events.jsonl")
    overrides.SandboxKernelManager.sandbox_file = str(root / "sandbox.json")
    overrides.SandboxedExecute.answer_key = job.get("answer_key") or ""
    overrides.SandboxedExecute.seed = int(job.get("seed") or 0)
    config.merge(overrides)
    return config


def read_results(root: Path, episode: str, student: str, course_id: str) -> dict:
    """Grades, comments and late penalties nbgrader wrote to a private gradebook."""
    from nbgrader.api import Gradebook

    out = {"grades": [], "comments": [], "late_penalty": {}, "timestamp": None}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id) as gb:
        submission = gb.find_submission(episode, student)
        out["timestamp"] = submission.timestamp.isoformat() if submission.timestamp else None
        for nb in submission.notebooks:
            out["late_penalty"][nb.name] = nb.late_submission_penalty
            for grade in nb.grades:
                out["grades"].append({"notebook": nb.name, "grade_id": grade.cell.name,
                                      "auto_score": grade.auto_score, "max_score": grade.cell.max_score,
                                      "needs_manual_grade": grade.needs_manual_grade})
            for comment in nb.comments:
                out["comments"].append({"notebook": nb.name, "grade_id": comment.cell.name,
                                        "auto_comment": comment.auto_comment})
    return out


def prepare_job(job: dict) -> tuple[Path, dict[str, list[dict]]]:
    """Repair the student's notebooks and lay out the private root; return it and the findings."""
    # nbgrader's gradebook API: seconds, per job only
    from grading.private_root import make_private_root

    folder = Path(job["folder"])
    repaired, issues = {}, {}
    for name, ref in job["references"].items():
        path = folder / f"{name}.ipynb"
        if not path.is_file() or path.is_symlink():
            # Graded as the unanswered release version: the student gets a row and a 0 with the reason.
            repaired[name] = copy.deepcopy(ref.release)
            issues[name] = [{"severity": "rejected", "code": "not_submitted", "grade_id": None, "notebook": name,
                             "message": f"{name}.ipynb was not submitted (or not as a regular file): "
                                        "graded as unanswered, its graded cells score 0"}]
            continue
        work = repair_notebook(path.read_bytes(), ref)
        repaired[name] = work.notebook
        issues[name] = [dict(i.as_dict(), notebook=name) for i in work.issues]
    stamp = folder / "timestamp.txt"
    root = make_private_root(Path(job["scratch"]), Path(job["template"]), job["episode"], job["student"], repaired,
                             Path(job["data_files"]), stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None)
    write_sandbox_file(root / "sandbox.json", job["level"], job["policy"], root / "boxes", job.get("stripped_course"),
                       job.get("numba_cache"))
    return root, issues


def autograde_job(job: dict) -> dict:
    """Repair and autograde one student; return results and findings (never raises for a student)."""
    import warnings

    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    # nbgrader's add_submission builds rows before adding them: SQLAlchemy warns, harmlessly.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    root, issues = prepare_job(job)
    job = dict(job, root=str(root))
    config = job_config(job)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    outcome = api.autograde(job["episode"], job["student"], force=True, create=True)
    result = {"student": job["student"], "root": str(root), "ok": bool(outcome.get("success")), "issues": issues,
              "error": outcome.get("error"), "log": (outcome.get("log") or "")[-4000:], "events": [],
              "verdicts": [], "seed": None}
    events = root / "events.jsonl"
    if events.exists():
        for line in events.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            result["events"] += [dict(e, notebook=record["notebook"]) for e in record["events"]]
            result["verdicts"] += [dict(v, notebook=record["notebook"]) for v in record.get("verdicts", [])]
            if record.get("seed") is not None:
                result["seed"] = record["seed"]
    if result["ok"]:
        result.update(read_results(root, job["episode"], job["student"], job["course_id"]))
    return result
