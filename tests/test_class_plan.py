"""The 10,000-learner plan: its arithmetic worked by hand, bad inputs refused, and the README's
table the one the code computes from the measured figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading.class_plan import MEASURED, Assumptions, Measured, class_plan

README = Path(__file__).resolve().parent.parent / "grading" / "README.md"


def test_the_arithmetic_by_hand():
    """On round numbers: 2,000 learners, 30 % at the peak -> 600 servers of (200 + 300) x 2 =
    1,000 MB; a 32 GB node at 0.75 keeps 24,576 MB -> 24 learners (16 cores: 0.67 each) -> 25 nodes. 1,800 submissions x
    6 s = 3 worker-hours; 20 workers -> 9 minutes (the writer: 1,800 x 0.15 s = 4.5 -> 5); 8-core 16 GB nodes with 2,500 MB workers hold
    6 -> 4 nodes; 20/6 s = 3.33 results/s at 0.15 s each keeps the writer 50 % busy; it saturates
    at 40 workers."""
    plan = class_plan(Measured(learner_server_mb=200, learner_kernel_mb=300, grading_seconds=6,
                               grading_worker_mb=2500, merge_seconds=0.15),
                      Assumptions(learners=2000, peak_active_share=0.3, learner_headroom=2, node_memory_gb=32,
                                  node_allocatable_share=0.75, submitting_share=0.9, grading_node_cores=8,
                                  grading_node_memory_gb=16, grading_workers=20))
    expected = {
        "learners with a running server at the peak": 600,
        "memory per active learner": 1000.0,
        "learners per node": 24,
        "nodes for the learners' servers": 25,
        "cores per active learner": 0.67,
        "submissions at a deadline": 1800,
        "grading work": 3.0,
        "Dask workers per grading node": 6,
        "grading nodes": 4,
        "minutes of the workers": 9,
        "minutes of the single writer": 5,
        "minutes to grade a deadline": 9,
        "results arriving at the single writer": 3.3,
        "the single writer's busy share": 0.5,
        "workers at which the single writer saturates": 40,
    }
    for quantity, value in expected.items():
        assert plan.value(quantity) == value, quantity


def test_the_readme_table_is_the_computed_plan():
    """Does grading/README.md show exactly the table class_plan() computes from MEASURED?"""
    assert class_plan(MEASURED).markdown() in README.read_text(encoding="utf-8")


@pytest.mark.parametrize(("cls", "kwargs", "name"), [
    (Measured, dict(learner_server_mb=0, learner_kernel_mb=1, grading_seconds=1, grading_worker_mb=1,
                    merge_seconds=1), "learner_server_mb"),
    (Measured, dict(learner_server_mb=1, learner_kernel_mb=1, grading_seconds=-4, grading_worker_mb=1,
                    merge_seconds=1), "grading_seconds"),
    (Assumptions, dict(learners=0), "learners"),
    (Assumptions, dict(peak_active_share=1.5), "peak_active_share"),
    (Assumptions, dict(learner_headroom=0.5), "learner_headroom"),
    (Assumptions, dict(grading_workers=2.5), "grading_workers"),
])
def test_bad_inputs_are_refused_by_name(cls, kwargs, name):
    with pytest.raises(ValueError, match=name):
        cls(**kwargs)
