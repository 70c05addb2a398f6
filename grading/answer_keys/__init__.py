"""Trusted answer keys, one module per assessment (``grading.answer_keys.<assignment>``).

>>> sorted(KNOWN)
['ep13', 'ep14', 'ep15', 'ep16', 'ep17', 'ep18', 'ep19', 'ep51', 'ep52', 'ep53']
"""

from __future__ import annotations

import importlib

from grading.answer_keys.model import AnswerKey, Case, Question

KNOWN = ("ep13", "ep14", "ep15", "ep16", "ep17", "ep18", "ep19", "ep51", "ep52", "ep53")
__all__ = ["AnswerKey", "Case", "Question", "load_answer_key", "KNOWN"]


def load_answer_key(assignment: str, module: str | None = None) -> AnswerKey | None:
    """The key of ``assignment`` (from ``module`` if given, a dotted import path), or None.

    An assignment without a key is graded by its in-notebook tests only (nbgrader's way).
    """
    if module is None:
        if assignment not in KNOWN:
            return None
        module = f"grading.answer_keys.{assignment}"
    key = importlib.import_module(module).ANSWER_KEY
    if key.assignment != assignment:
        raise ValueError(f"answer key {module} is for {key.assignment!r}, not {assignment!r}")
    return key
