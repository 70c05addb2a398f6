"""Request collapsing (single flight): identical requests in flight share one backend call.

When a popular key is requested many times while the first call is still running, the
gateway can hold the followers and answer all of them with the first call's response.

>>> collapse([0.0, 0.01, 0.02, 0.5], service_time=0.1)
{'requests': 4, 'backend_calls': 2, 'collapsed': 2}

Taught in: Ep15 · 1-foundations.
"""

from __future__ import annotations

import numpy as np

from course.validation import require_positive


def collapse(times, service_time: float) -> dict:
    """Backend calls for requests for ONE key at ``times`` (s) when each call takes ``service_time`` s.

    A request arriving while a call is in flight (``[start, start + service_time)``) joins it.
    """
    service_time = require_positive("service_time", service_time)
    times = np.sort(np.asarray(times, dtype=float))
    calls, busy_until = 0, -np.inf
    for t in times:
        if t >= busy_until:
            calls, busy_until = calls + 1, t + service_time
    return {"requests": int(times.size), "backend_calls": calls, "collapsed": int(times.size) - calls}


def expected_calls(rate: float, service_time: float, duration: float) -> float:
    """Expected backend calls for Poisson requests at ``rate`` per s for ``duration`` s.

    Each call is followed by a busy period of ``service_time``, then an exponential wait for
    the next request: a cycle of ``service_time + 1/rate``, so about
    ``duration / (service_time + 1/rate)`` calls (renewal theory).

    >>> expected_calls(rate=1000.0, service_time=0.1, duration=60.0) < 600
    True
    """
    rate, service_time = require_positive("rate", rate), require_positive("service_time", service_time)
    return require_positive("duration", duration) / (service_time + 1.0 / rate)
