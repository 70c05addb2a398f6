"""Self-checks: are they honest about what they ran?"""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from course.learner.selfcheck import HIDDEN_NOTE, check, expect, expect_raises, expect_that


def test_passing_checks_say_hidden_tests_run_later():
    """Does a pass say that only visible checks ran?"""
    result = check("demo", lambda: True, display=False, record=False)
    assert result.passed and HIDDEN_NOTE in result.message


def test_not_implemented_is_not_attempted_not_failed():
    """Is a stub that raises NotImplementedError reported as not attempted, not as a failure?"""
    def stub():
        raise NotImplementedError()

    result = check("demo", stub, display=False, record=False)
    assert not result.passed and not result.attempted and "not answered yet" in result.message


def test_failure_names_the_check_and_the_reason():
    """Does a failing assert name which visible check failed and why?"""
    def bad():
        assert 1 == 2, "one is not two"

    result = check("demo", lambda: True, bad, display=False, record=False)
    assert not result.passed and "check 2 of 2 failed: one is not two" in result.message


def test_result_is_shown_once_even_as_the_last_line_of_a_cell(capsys):
    """When check() is a cell's last line, is its message shown once, not twice?"""
    shell = InteractiveShell.instance()
    shell.run_cell("from course.learner.selfcheck import check\ncheck('demo', lambda: True, record=False)")
    out = capsys.readouterr().out
    assert out.count("all 1 visible checks passed") == 1


# --- checks that name the call and what it returned ---------------------------------------

def pool_threads(rate, seconds, utilisation):
    """A learner's answer that rounds up noise: 100 * 0.07 / 0.7 = 10.000000000000002 -> 11."""
    import math

    return math.ceil(rate * seconds / utilisation)


def test_a_failed_expectation_shows_the_call_and_the_value_returned():
    """Does a failing expect() say which call ran, what it returned and what was expected?"""
    result = check("demo", expect("pool_threads(100, 0.2, 1.0)", lambda: pool_threads(100, 0.2, 1.0), 20),
                   expect("pool_threads(100, 0.07, 0.7)", lambda: pool_threads(100, 0.07, 0.7), 10),
                   display=False, record=False)
    assert not result.passed and result.attempted and result.checks_passed == 1
    assert result.message == ("✘ demo: visible check 2 of 2 failed: "
                              "pool_threads(100, 0.07, 0.7) returned 11, expected 10")


def test_floats_compare_with_a_tolerance_and_show_every_digit():
    """Is 0.1 + 0.2 accepted as 0.3, and is a near miss shown with all its digits?"""
    assert check("demo", expect("0.1 + 0.2", lambda: 0.1 + 0.2, 0.3), display=False, record=False).passed
    result = check("demo", expect("f()", lambda: 0.3001, 0.3), display=False, record=False)
    assert result.message.endswith("f() returned 0.3001, expected 0.3")
    loose = check("demo", expect("f()", lambda: 0.3001, 0.3, abs_tol=1e-3), display=False, record=False)
    assert loose.passed


def test_integers_tuples_and_arrays():
    """Are counts exact, tuples (or lists) compared item by item and numpy arrays by shape and value?"""
    import numpy as np

    assert not check("d", expect("n()", lambda: 10.000000000000002, 10), display=False, record=False).passed
    assert check("d", expect("t()", lambda: (1.0, 2.0 + 1e-12), (1.0, 2.0)), display=False, record=False).passed
    assert check("d", expect("t()", lambda: [1.0, 2.0], (1.0, 2.0)), display=False, record=False).passed
    assert not check("d", expect("t()", lambda: (1.0,), (1.0, 2.0)), display=False, record=False).passed
    assert check("d", expect("a()", lambda: np.array([0.5, 1.5]), np.array([0.5, 1.5])),
                 display=False, record=False).passed
    wrong_shape = check("d", expect("a()", lambda: np.array([0.5]), np.array([0.5, 0.5])),
                        display=False, record=False)
    assert "a() returned array([0.5]), expected array([0.5, 0.5])" in wrong_shape.message


def test_predicates_errors_and_stubs():
    """Does expect_that say what was wanted in words, expect_raises what should have been raised,
    an unexpected error which call raised it, and a stub still count as not attempted?"""
    def stub():
        raise NotImplementedError()

    low = check("d", expect_that("b()", lambda: 0.2, lambda v: v < 0.05, "a probability below 0.05"),
                display=False, record=False)
    assert low.message.endswith("b() returned 0.2, expected a probability below 0.05")
    refused = check("d", expect_raises("wait(1.0, 1.0)", lambda: 5.0), display=False, record=False)
    assert refused.message.endswith("wait(1.0, 1.0) returned 5.0, expected it to raise ValueError")
    assert check("d", expect_raises("int('x')", lambda: int("x")), display=False, record=False).passed
    crashed = check("d", expect("g()", lambda: 1 / 0, 1.0), display=False, record=False)
    assert crashed.attempted and "g() raised ZeroDivisionError: division by zero; expected 1.0" in crashed.message
    pending = check("d", expect("stub()", stub, 1), display=False, record=False)
    assert not pending.attempted and "not answered yet" in pending.message


def test_long_values_are_shortened():
    """Is a huge returned value cut to a readable length instead of flooding the notebook?"""
    result = check("d", expect("r()", lambda: list(range(10_000)), []), display=False, record=False)
    assert len(result.message) < 400 and " ... " in result.message


@pytest.mark.parametrize("build, message", [
    (lambda: expect("", lambda: 1, 1), "call must be"),
    (lambda: expect("f()", 1, 1), "thunk must be a function"),
    (lambda: expect("f()", lambda: 1, 1.0, rel_tol=-0.1), "rel_tol must be a number in"),
    (lambda: expect("f()", lambda: 1, 1.0, abs_tol=float("nan")), "abs_tol must be a number in"),
    (lambda: expect_that("f()", lambda: 1, "no", "x"), "predicate must be"),
    (lambda: expect_that("f()", lambda: 1, bool, " "), "wanted must say"),
    (lambda: expect_raises("f()", lambda: 1, "ValueError"), "error must be an exception class"),
])
def test_bad_expectations_are_refused(build, message):
    """Is a badly written check refused with a ValueError naming the parameter?"""
    with pytest.raises(ValueError, match=message):
        build()


def test_a_failed_check_is_an_error_in_the_source_notebooks(tmp_path):
    """In an episode folder of the course repository (where the source notebooks and their
    reference solutions run, under nbval too) does a failed self-check raise, so that nbval
    fails the cell, while a learner's workspace only shows the message?"""
    from course.learner.selfcheck import in_source_notebook
    from course.syllabus import load_syllabus

    folder = load_syllabus().episode("ep51").path
    assert in_source_notebook(folder) and not in_source_notebook(tmp_path)
    with pytest.raises(AssertionError, match="demo: visible check 1 of 1 failed.*reference solution"):
        check("demo", lambda: False, display=False, record=False, strict=True)
    assert not check("demo", lambda: False, display=False, record=False, strict=False).passed
    assert check("demo", lambda: True, display=False, record=False, strict=True).passed


def test_an_answer_still_holding_the_ellipsis_stub_is_not_answered_yet():
    """Is `name = ...` (the student version's stub for a value answer) 'not answered yet', not a failure?"""
    servers_needed = ...
    result = check("demo-stub", expect_that("servers_needed", lambda: servers_needed, lambda v: v > 48,
                                            "more servers than the offered load"), display=False, record=False)
    assert not result.passed and not result.attempted and "not answered yet" in result.message


def test_check_is_strict_while_nbgrader_runs_the_notebook(monkeypatch):
    """Does a failed visible check raise while nbgrader executes the notebook, and only show otherwise?"""
    failing = expect("len('ab')", lambda: len("ab"), 3)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not check("demo-strict", failing, display=False, record=False, strict=None).passed
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="len\\('ab'\\) returned 2, expected 3"):
        check("demo-strict", failing, display=False, record=False)
