"""The grading secret of a course root, and the seed of each student's inputs.

Inputs of the answer keys are drawn from a seed derived from a secret created once per course
root (``<root>/.grading-secret``, mode 0600, never bound into the sandbox), the student id and
the assignment id: the same file graded twice gets the same inputs and the same score, the
seed is printed in the report, and a student cannot predict the inputs at home.

>>> student_seed(b"k" * 32, "ada", "ep51") == student_seed(b"k" * 32, "ada", "ep51")
True
>>> student_seed(b"k" * 32, "ada", "ep51") != student_seed(b"k" * 32, "bob", "ep51")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = ".grading-secret"


def grading_secret(root: Path) -> bytes:
    """The course root's secret (32 random bytes, created 0600 on first use)."""
    path = Path(root) / SECRET_FILE
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} must be readable by its owner only (chmod 600)")
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def student_seed(secret: bytes, student: str, assignment: str) -> int:
    """A 64-bit seed from the secret, the student id and the assignment id (HMAC-SHA256)."""
    mac = hmac.new(secret, f"{assignment}\x00{student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big")


def question_rng(seed: int, grade_id: str):
    """A numpy Generator for one question, independent of the other questions' draws."""
    import numpy as np

    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(grade_id.encode()).digest()[:8], "big")])
