"""Ep51 for real: does `dsu grade` give the instructor's solutions every autograded point of the
Ep51 assessment, score a wrong answer down by exactly its question, and can a learner who passes
then be certified for Series 3 and the certificate verified? And, fast: does the answer key hold
the notebook's data, are the numbers it expects real (the simulation table recomputed) and clear
of knife edges, and does each reasoning question refuse the slip it is built to catch?"""

from __future__ import annotations

import shutil
import statistics

import nbformat
import pytest
from nbgrader.api import Gradebook

from certificates.credential import issue_certificate
from certificates.keys import init_keys
from certificates.verify import verify_certificate
from course.notebooks.nbgrader_course import generate_assignment, prepare
from course.syllabus import load_syllabus
from grading.batch import grade_batch
from grading.course_settings import course_settings
from grading.options import GradingOptions
from grading.reference_submission import solved_submission

pytestmark = [pytest.mark.filterwarnings("ignore:.*not in session")]
slow = pytest.mark.slow
WRONG_Q5 = "def erlang_c_probability(servers, offered_load):\n    return 0.5"


@pytest.fixture(scope="module")
def ep51(tmp_path_factory):
    base = tmp_path_factory.mktemp("ep51")
    root = prepare(base / "root", ["ep51"])
    generate_assignment(root, "ep51")
    source = nbformat.read(root / "source" / "ep51" / "assessment.ipynb", as_version=4)
    release = nbformat.read(root / "release" / "ep51" / "assessment.ipynb", as_version=4)
    submissions = {"solved": solved_submission(source, release),
                   "wrong-q5": solved_submission(source, release, {"ep51-multi-server__a5": WRONG_Q5}),
                   "blank": release}
    subs = base / "subs"
    for student, nb in submissions.items():
        (subs / student / "ep51").mkdir(parents=True)
        nbformat.write(nb, subs / student / "ep51" / "assessment.ipynb")
    report = grade_batch(root, "ep51", GradingOptions(workers=2, cell_timeout=120), submissions=subs,
                         log=lambda line: None)
    return root, base, report


def _grades(root, student):
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        return {g.cell.name: (g.score, g.cell.max_score, g.needs_manual_grade)
                for g in gb.find_submission_notebook("assessment", "ep51", student).grades}


@slow
def test_the_solutions_earn_every_autograded_point(ep51):
    """Do the instructor's solutions pass every test, with nothing flagged or repaired?"""
    root, _, report = ep51
    assert report.ok, report.table()
    grades = _grades(root, "solved")
    autograded = {name: g for name, g in grades.items() if not name.endswith("__essay")}
    assert all(score == most for score, most, _ in autograded.values()), autograded
    total_points = load_syllabus().episode("ep51").assessment_points
    essays = sum(most for name, (_, most, _) in grades.items() if name.endswith("__essay"))
    assert sum(score for score, _, _ in autograded.values()) == total_points - essays
    assert report.outcome("solved").issues == [] and report.outcome("solved").events == []


@slow
def test_a_wrong_answer_costs_exactly_its_question(ep51):
    """Does a constant Erlang C answer lose Q5's points and nothing else?"""
    root, _, _ = ep51
    solved, wrong = _grades(root, "solved"), _grades(root, "wrong-q5")
    lost = {name for name in solved if solved[name][0] != wrong[name][0]}
    assert lost == {"ep51-multi-server__q5"}
    assert wrong["ep51-multi-server__q5"][0] == 0


@slow
def test_an_unanswered_notebook_scores_zero(ep51):
    """Does the untouched release version score 0 with no essay left to grade?"""
    root, _, _ = ep51
    assert all(score == 0 and not pending for score, _, pending in _grades(root, "blank").values())


@slow
def test_a_passing_learner_is_certified_for_series_3(ep51, tmp_path):
    """Once the essays are graded by hand, is 'solved' certified for Series 3 (every Ep51 objective
    assessed) with a certificate that verifies, and is 'wrong-q5' (26 - 4 + 4 = 26/30 = 87 %) too?
    Series 3 holds more episodes than Ep51: with the real syllabus the only rules missed are the
    other episodes' submissions; the certificate is issued for a series made of Ep51 alone."""
    import dataclasses

    from certificates.certification import evaluate

    root, _, _ = ep51
    syllabus = load_syllabus()
    series = syllabus.get_series("series-3")
    ep51_only = dataclasses.replace(syllabus, series=tuple(
        dataclasses.replace(s, episodes=(syllabus.episode("ep51"),)) if s.id == "series-3" else s
        for s in syllabus.series))
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        for student in ("solved", "wrong-q5"):
            gb.update_or_create_student(student, email=f"{student}@example.org")
            for grade in gb.find_submission_notebook("assessment", "ep51", student).grades:
                if grade.cell.name.endswith("__essay"):
                    grade.manual_score, grade.needs_manual_grade = grade.cell.max_score, False
        gb.db.commit()
    others = {ep.id for ep in series.episodes} - {"ep51"}
    for student in ("solved", "wrong-q5"):
        missed = {r.rule for r in evaluate(student, "series-3", root).failed()}
        assert missed == {f"{ep}: submitted" for ep in others}
    keys = init_keys(tmp_path / "keys")
    for student in ("solved", "wrong-q5"):
        issued = issue_certificate(student, "series-3", root, out_dir=tmp_path / "certs", keys=keys,
                                   syllabus=ep51_only)
        result = verify_certificate(issued.json_path, keys, tmp_path / "certs" / "status-list.json",
                                    email=f"{student}@example.org")
        assert result.valid, result.reasons
    shutil.rmtree(tmp_path / "keys")


# --------------------------------------------------------------------------- fast: the key's data

#: Q8's table, as the notebook states it (a test below checks the key holds the same)
BATCH_MEANS = [120.6, 139.6, 137.3, 125.2, 147.1, 121.0, 108.2, 172.3, 115.0, 141.7]


def _assessment_cells() -> dict[str, str]:
    nb = nbformat.read(next(n.path for n in load_syllabus().episode("ep51").notebooks if n.name == "assessment"),
                       as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


def _key():
    from grading.answer_keys import load_answer_key

    return load_answer_key("ep51")


def _verdict(grade_id: str, **answers):
    """The key's verdict on numeric answers, the learner's other answers right."""
    from grading.verdict import verdict

    q = _key().question(grade_id)
    values = {**q.expected(), **answers}
    return verdict(q, [], [{"value": values[name]} for name in q.names])


def test_the_key_holds_the_notebooks_question_data():
    """Does the answer key compute with exactly the data the notebook's parameter cell states?"""
    from grading.answer_keys.ep51 import DATA

    namespace: dict = {"print": lambda *a, **k: None}
    exec(_assessment_cells()["ep51-assessment-parameters"], namespace)
    assert {name: namespace[name] for name in DATA} == DATA
    assert DATA["BATCH_MEANS_MS"] == BATCH_MEANS


def test_the_batch_means_come_from_the_seeded_simulation():
    """Are Q8's batch means the rounded batch means of a real seeded run of the course simulator,
    whose own 95 % interval contains the Allen-Cunneen value and not the M/M/4 one?"""
    import numpy as np

    from course.queueing import allen_cunneen, mmc
    from course.simulation import Gamma, simulate_queue
    from grading.answer_keys.ep51 import DATA, SIMULATION_SEED

    cv, mean = DATA["SIM_SERVICE_CV"], DATA["SIM_SERVICE_TIME"]
    run = simulate_queue(DATA["SIM_ARRIVAL_RATE"], Gamma(shape=1 / cv**2, scale=mean * cv**2), DATA["SIM_SERVERS"],
                         customers=200_000, seed=SIMULATION_SEED, batches=10, keep_waits=True)
    batch_means = [round(1000 * float(piece.mean()), 1) for piece in np.array_split(run.waits, 10)]
    assert batch_means == DATA["BATCH_MEANS_MS"]
    low, high = (1000 * v for v in run.wait_ci)
    assert low <= 1000 * allen_cunneen(DATA["SIM_ARRIVAL_RATE"], 1 / mean, DATA["SIM_SERVERS"], 1.0, cv).wq <= high
    assert not low <= 1000 * mmc(DATA["SIM_ARRIVAL_RATE"], 1 / mean, DATA["SIM_SERVERS"]).wq <= high
    expected = _key().question("ep51-simulation__q8").expected()
    assert abs(expected["ci_low_ms"] - low) < 0.05 and abs(expected["ci_high_ms"] - high) < 0.05  # rounding only


def test_the_expected_numeric_answers():
    """The worked answers of the numeric questions, to the digits the model solutions reach."""
    got = {q.grade_id: q.expected() for q in _key().questions if q.probe == "variables"}
    assert got["ep51-littles-law__q1"] == {"response_time_ms": 310.0, "recommendation_time_ms": 240.0,
                                           "other_time_ms": 208.0}
    assert round(got["ep51-single-server__q4"]["kingman_wait_ms"], 6) == 109.5
    assert round(got["ep51-single-server__q4"]["max_rate_for_budget"], 3) == 29.304
    q6 = got["ep51-multi-server__q6"]
    assert (round(q6["refused_share_no_queue"], 4), q6["smallest_queue"], round(q6["goodput_smallest_queue"], 2)) == \
        (0.1748, 31, 188.14)
    q8 = got["ep51-simulation__q8"]
    assert [round(q8[k], 2) for k in ("ci_low_ms", "ci_high_ms", "allen_cunneen_wq_ms")] == [119.36, 146.24, 136.15]
    assert (q8["mmc_inside"], q8["allen_cunneen_inside"]) == (False, True)
    assert got["ep51-usl__q10"]["peak_users"] == 99 and got["ep51-usl__q10"]["max_users_half_second"] == 10
    assert round(got["ep51-usl__q10"]["response_time_at_80"], 6) == 3.015
    assert got["ep51-capacity-decisions__q12"]["cheapest_pool"] == 18
    assert round(got["ep51-capacity-decisions__q12"]["cheapest_daily_cost"], 2) == 496.69


def test_no_answer_sits_on_a_knife_edge():
    """Do the whole-number answers win by a clear margin, so that rounding or a tolerance never decides?"""
    from course.queueing import mmck
    from course.scalability import usl
    from grading.answer_keys.ep51 import DATA, _day_cost

    c, rate, mu = DATA["GATEWAY_WORKERS"], DATA["GATEWAY_ARRIVAL_RATE"], 1 / DATA["GATEWAY_SERVICE_TIME"]
    refused = {q: mmck(rate, mu, c, c + q).blocking_probability for q in (30, 31)}
    assert refused[30] > 1.03 * DATA["GATEWAY_MAX_REFUSED"] > DATA["GATEWAY_MAX_REFUSED"] > 1.02 * refused[31]
    costs = {n: _day_cost(n) for n in (17, 18, 19)}
    assert costs[19] > 1.01 * costs[18] and costs[17] > 1.01 * costs[18]
    args = DATA["LOADTEST_ALPHA"], DATA["LOADTEST_BETA"], DATA["LOADTEST_GAMMA"]
    response = {n: n / usl(n, *args) - DATA["LOADTEST_THINK_TIME"] for n in (10, 11)}
    assert response[10] < 0.98 * DATA["LOADTEST_TARGET"] and response[11] > 1.02 * DATA["LOADTEST_TARGET"]
    assert usl(99, *args) - max(usl(98, *args), usl(100, *args)) > 1e-4   # a clear peak at 99, not a tie


@pytest.mark.parametrize("grade_id, slip", [
    # Q1: the recommendations service's time with the API's whole arrival rate (126 / 1500 s)
    ("ep51-littles-law__q1", {"recommendation_time_ms": 84.0}),
    # Q1: the time outside the services as the response time less auth and recommendations at full weight
    ("ep51-littles-law__q1", {"other_time_ms": 310.0 - 18.0 - 240.0}),
    # Q4: the colleague's (Ca + Cs)/2 instead of (Ca² + Cs²)/2
    ("ep51-single-server__q4", {"kingman_wait_ms": 82.5}),
    # Q6: the capacity K of the model (workers + queue) instead of the queue slots
    ("ep51-multi-server__q6", {"smallest_queue": 43}),
    # Q8: a normal quantile (1.96) instead of Student t with 9 degrees of freedom
    ("ep51-simulation__q8", {"ci_low_ms": statistics.mean(BATCH_MEANS) - 1.96 * statistics.stdev(BATCH_MEANS) / 10**0.5}),
    # Q10: the USL's real-valued peak instead of a whole number of users
    ("ep51-usl__q10", {"peak_users": 98.99494936611666}),
    # Q12: the cheapest pool of the peak hours alone
    ("ep51-capacity-decisions__q12", {"cheapest_pool": 19}),
])
def test_each_reasoning_question_refuses_its_classic_slip(grade_id, slip):
    """Does the key fail the answer a learner gets by the slip each question is built to catch,
    and pass the right one?"""
    assert _verdict(grade_id).passed
    assert not _verdict(grade_id, **slip).passed


def test_erlang_c_accepts_an_underflowed_tail():
    """Q5: where the probability of waiting lies below the smallest double, does the key accept 0.0
    and a subnormal alike, while a constant answer still fails?"""
    from grading.secret import question_rng
    from grading.verdict import verdict

    q = _key().question("ep51-multi-server__q5")
    cases = q.cases(question_rng(7, q.grade_id))
    tiny = [case for case in cases if not case.raises and q.expected(*case.args) < 1e-100]
    assert tiny, "the drawn cases include probabilities that underflow"
    assert verdict(q, tiny, [{"value": 0.0} for _ in tiny]).passed
    assert verdict(q, tiny, [{"value": 5e-324} for _ in tiny]).passed
    answers = [{"error": ["ValueError", ""]} if c.raises else {"value": 0.0} for c in cases]
    assert not verdict(q, cases, answers).passed
