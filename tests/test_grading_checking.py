"""Which cells the checking kernel replays: the learner's code and the locked cells it needs."""

from __future__ import annotations

from nbformat.v4 import new_code_cell

from grading.checking import checking_cells


def _cell(source: str, **nbgrader):
    c = new_code_cell(source)
    if nbgrader:
        c.metadata["nbgrader"] = nbgrader
    return c


def _chosen(cells) -> list[int]:
    ids = {id(c): i for i, c in enumerate(cells)}
    return [ids[id(c)] for c in checking_cells(cells)]


def test_locked_cells_come_only_when_the_learners_code_needs_them_even_through_another_locked_cell():
    cells = [
        _cell("import numpy as np", locked=True),                                      # 0: needed by 2
        _cell("BASE = np.arange(3)", locked=True),                                     # 1: needed by the answer
        _cell("ESSAY_FIGURES = [x ** 2 for x in range(10)]", locked=True),             # 2: needed by nothing
        _cell("def mean_rate(xs):\n    return float(np.mean(xs)) + helper(BASE)", solution=True),  # 3: answer
        _cell("def helper(b):\n    return 0.0 * len(b)"),                              # 4: added by the learner
        _cell("value = mean_rate([1, 2])", solution=True),                             # 5: numeric answer
        _cell("assert mean_rate([1.0]) == 1.0", grade=True, locked=True, points=1),     # 6: the test
    ]
    assert _chosen(cells) == [0, 1, 3, 4]


def test_a_numeric_answer_cell_is_replayed_when_the_learners_function_uses_what_it_binds():
    cells = [_cell("RATE = 3.0\nanswer = RATE * 2", solution=True),
             _cell("def f(x):\n    return x * RATE", solution=True),
             _cell("other = 7", solution=True)]
    assert _chosen(cells) == [0, 1]


def test_a_star_import_may_bind_what_the_learner_reads():
    cells = [_cell("from math import *", locked=True), _cell("x = 1", locked=True),
             _cell("def f():\n    return sqrt(4)", solution=True)]
    assert _chosen(cells) == [0, 2]


def test_an_unparsable_locked_cell_may_read_anything_so_everything_locked_is_replayed():
    cells = [_cell("x = 1", locked=True), _cell("%time y = x", locked=True), _cell("z = 3", locked=True),
             _cell("def f():\n    return y", solution=True)]
    assert _chosen(cells) == [0, 1, 2, 3]
