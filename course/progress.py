"""Learner shortcut: ``from course.progress import mark_opened`` (home: :mod:`course.learner.progress`).

Every notebook's first and last cells call these; a learner's own copies keep calling them
here, so this short path stays.

>>> from course.learner import progress
>>> mark_opened is progress.mark_opened
True
"""

from course.learner.progress import mark_finished, mark_opened

__all__ = ["mark_finished", "mark_opened"]
