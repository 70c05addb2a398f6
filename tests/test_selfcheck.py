"""Self-checks: are they honest about what they ran?"""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

from course.selfcheck import HIDDEN_NOTE, check


def test_passing_checks_say_hidden_tests_run_later():
    """Does a pass say that only visible checks ran?"""
    result = check("demo", lambda: True, display=False, record=False)
    assert result.passed and HIDDEN_NOTE in result.message


def test_not_implemented_is_not_attempted_not_failed():
    """Is a stub that raises NotImplementedError reported as not attempted, not as a failure?"""
    def stub():
        raise NotImplementedError()

    result = check("demo", stub, display=False, record=False)
    assert not result.passed and not result.attempted and "not attempted" in result.message


def test_failure_names_the_check_and_the_reason():
    """Does a failing assert name which visible check failed and why?"""
    def bad():
        assert 1 == 2, "one is not two"

    result = check("demo", lambda: True, bad, display=False, record=False)
    assert not result.passed and "check 2 of 2 failed: one is not two" in result.message


def test_result_is_shown_once_even_as_the_last_line_of_a_cell(capsys):
    """When check() is a cell's last line, is its message shown once, not twice?"""
    shell = InteractiveShell.instance()
    shell.run_cell("from course.selfcheck import check\ncheck('demo', lambda: True, record=False)")
    out = capsys.readouterr().out
    assert out.count("all 1 visible checks passed") == 1
