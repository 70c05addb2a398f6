"""numba's ``njit`` when numba is installed, else a stand-in that leaves functions as Python.

The compiled loops of :mod:`course.simulation.fast` and :mod:`course.patterns.fast_kernels`
are decorated with this ``njit``. Without numba (browser-only Python, or a machine where it
does not install) the very same functions run as plain Python: correct, ~100× slower.
Either way ``function.py_func`` is the Python version, as on a numba dispatcher, so tests
can compare the two.

>>> @njit
... def twice(x):
...     return 2 * x
>>> twice(21), twice.py_func(21)
(42, 42)
"""

from __future__ import annotations

__all__ = ["NUMBA_AVAILABLE", "njit"]

try:
    from numba import njit

    NUMBA_AVAILABLE = True
except ImportError:  # the decorated loops still run, as plain Python
    NUMBA_AVAILABLE = False

    def njit(*args, **kwargs):
        """Return a decorator that keeps the function as Python (numba's signature)."""

        def keep_python(function):
            function.py_func = function  # same attribute a numba dispatcher has
            return function

        return keep_python
