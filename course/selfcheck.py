"""Learner shortcut: ``from course.selfcheck import check, expect`` (home: :mod:`course.learner.selfcheck`).

The self-checks under every exercise import from here; a learner's own copies keep doing
so, so this short path stays.

>>> from course.learner import selfcheck
>>> check is selfcheck.check
True
"""

from course.learner.selfcheck import check, expect, expect_raises, expect_that

__all__ = ["check", "expect", "expect_raises", "expect_that"]
