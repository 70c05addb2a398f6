"""Every answer key agrees with its notebook's reference answers, question by question.

For each assessment with a key: the reference's numeric answers equal the key's expected values,
and each reference function passes every case the key draws (two seeds), refusals included.
(tests/test_episodes.py grades the same through nbgrader and the sandbox, in minutes.)
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from assessment_support import reference_namespace

from grading.answer_keys import KNOWN, load_answer_key

QUESTIONS = [(episode, q) for episode in KNOWN for q in load_answer_key(episode).questions]


@functools.cache
def _reference(episode: str) -> dict:
    return reference_namespace(episode)


@pytest.mark.parametrize("episode, question", [(e, q) for e, q in QUESTIONS if q.probe == "variables"],
                         ids=lambda v: getattr(v, "grade_id", v))
def test_the_reference_numbers_match_the_key(episode, question):
    reference = _reference(episode)
    want = question.expected()
    got = {name: reference[name] for name in question.names}
    assert set(want) == set(question.names)
    assert question.matches(got, want), (got, want)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("episode, question", [(e, q) for e, q in QUESTIONS if q.probe == "call"],
                         ids=lambda v: getattr(v, "grade_id", v))
def test_the_reference_functions_pass_every_drawn_case(episode, question, seed):
    function = _reference(episode)[question.names[0]]
    cases = question.cases(np.random.default_rng(seed))
    assert len([c for c in cases if not c.raises]) >= 3, "too few cases to tell an answer from a guess"
    for case in cases:
        if case.raises:
            with pytest.raises(ValueError):
                function(*case.args)
        else:
            got = function(*case.args)
            got = got.tolist() if isinstance(got, np.ndarray | np.generic) else got  # as the probe sends numpy
            assert question.matches(got, question.expected(*case.args)), case.args[:3]
