"""Ep16's assessment against its answer key, fast: the reference solutions agree with the key
on every question (in tests/test_grading_references.py), the key grades the notebook's own data,
the visible inputs are among the graded cases, drawn cases change with the seed, and plausible
wrong answers lose points. (tests/test_episodes.py grades the whole episode through nbgrader.)"""

from __future__ import annotations

import numpy as np
import pytest
from assessment_support import parameters, reference_namespace

from course.data.hashes import key_hashes
from course.data.partitioners import Maglev
from grading.answer_keys import ep16, load_answer_key

KEY = load_answer_key("ep16")


@pytest.fixture(scope="module")
def reference():
    return reference_namespace("ep16")


def test_the_key_uses_the_notebooks_data():
    """Does the key grade the same question data the learner sees in the parameter cell?"""
    ns = parameters("ep16")
    assert (ns["Q4_FROM"], ns["Q4_TO"], ns["Q8_N"]) == (ep16.Q4_FROM, ep16.Q4_TO, ep16.Q8_N)
    assert (ns["Q6_WALK"], ns["Q6_N"], ns["Q6_R"], ns["Q6_W"]) == (ep16.Q6_WALK, ep16.Q6_N, ep16.Q6_R, ep16.Q6_W)
    assert (ns["Q6_DOWN_AT_PUT"], ns["Q6_DOWN_AT_GET"]) == (ep16.Q6_DOWN_AT_PUT, ep16.Q6_DOWN_AT_GET)
    assert {"reads_per_s": ns["Q10_READS_PER_S"], "writes_per_s": ns["Q10_WRITES_PER_S"],
            "replica_down": ns["Q10_REPLICA_DOWN"], "refused_write_cost": ns["Q10_REFUSED_WRITE_COST"],
            "refused_read_cost": ns["Q10_REFUSED_READ_COST"], "replica_price": ns["Q10_REPLICA_PRICE"]} == ep16.Q10
    assert ns["SECONDS_PER_MONTH"] == ep16.SECONDS_PER_MONTH


def test_the_maglev_reference_is_the_librarys_population():
    """Does the key's Maglev population give the library's tables for the library's offsets and skips?"""
    for nodes, size in ((["a", "b", "c"], 7), ([f"s{i}" for i in range(5)], 101), (["x", "y"], 13)):
        offsets = [int(o) for o in key_hashes(nodes, seed=2) % np.uint64(size)]
        skips = [int(s) for s in key_hashes(nodes, seed=3) % np.uint64(size - 1) + np.uint64(1)]
        assert ep16.maglev_reference(offsets, skips, size) == Maglev(nodes, table_size=size).table.tolist()


def test_the_history_cases_hold_both_verdicts():
    question = KEY.question("ep16-linearizability__q7")
    answers = [question.expected(*c.args) for c in question.cases(np.random.default_rng(5)) if not c.raises]
    assert answers.count(True) >= 10 and answers.count(False) >= 10


VISIBLE = {
    "ep16-cqrs__q1": [([0.0, 0.1, 0.2], [0.5, 0.5, 0.1], [0.2, 0.2, 0.2]), ([], [], [])],
    "ep16-hashing__q3": [([3, 0, 4], [4, 2, 1], 7), ([0, 0], [1, 1], 5), ([2], [2], 3)],
    "ep16-quorums__q5": [([[{"a": 1}, "old"], [{"a": 2}, "new"], [{"b": 1}, "other"]],)],
    "ep16-linearizability__q7": [([["w", "write", 1, 0, 10], ["a", "read", 1, 1, 2], ["b", "read", 0, 3, 4]],)],
}


@pytest.mark.parametrize("grade_id", sorted(VISIBLE))
def test_visible_inputs_are_graded_and_the_rest_is_drawn(grade_id):
    question = KEY.question(grade_id)
    one, other = question.cases(np.random.default_rng(1)), question.cases(np.random.default_rng(2))
    for args in VISIBLE[grade_id]:
        assert any(c.args == args for c in one), args
    assert [c.args for c in one] != [c.args for c in other]


def _fails_some_case(grade_id, function) -> bool:
    question = KEY.question(grade_id)
    for case in question.cases(np.random.default_rng(3)):
        if case.raises:
            continue
        try:
            if not question.matches(function(*case.args), question.expected(*case.args)):
                return True
        except Exception:
            return True
    return False


def test_plausible_wrong_answers_lose_the_points():
    """A checker that ignores real time, lags measured from delivery instead of commit, and
    Maglev filled backend by backend all fail some graded case."""
    def values_only(history):                       # "every read returned a value someone wrote"
        written = {0} | {op[2] for op in history if op[1] == "write"}
        return all(op[2] in written for op in history if op[1] == "read" and op[4] is not None)

    def lag_from_delivery(commit_times, relay_delays, apply_times):   # the lag measured from delivery
        visible, lags = -1.0, []
        for commit, relay, apply in zip(commit_times, relay_delays, apply_times, strict=True):
            visible = max(commit + relay, visible) + apply
            lags.append(visible - (commit + relay))
        return lags

    def greedy_maglev(offsets, skips, size):        # each backend fills its share before the next
        table, share = [-1] * size, -(-size // len(offsets))
        for backend, (offset, skip) in enumerate(zip(offsets, skips, strict=True)):
            j = taken = 0
            while taken < share and -1 in table:
                slot = (offset + j * skip) % size
                if table[slot] < 0:
                    table[slot], taken = backend, taken + 1
                j += 1
        return table

    assert _fails_some_case("ep16-linearizability__q7", values_only)
    assert _fails_some_case("ep16-cqrs__q1", lag_from_delivery)
    assert _fails_some_case("ep16-hashing__q3", greedy_maglev)
