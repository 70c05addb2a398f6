"""The code the grader sends into a learner's kernel: it only turns inputs into plain answers.

A probe is a short program built here from an answer key's question and the drawn inputs
(embedded as a JSON literal). In the kernel it calls the learner's functions (or reads the
learner's variables) and serialises what comes back *strictly*: only exact ``int``, ``float``,
``str``, ``bool``, ``None``, ``list``, ``tuple``, ``dict`` (string keys), ``set`` of those, and
numpy scalars and arrays converted by exact type. Anything else (a float subclass, an object
with its own ``__eq__``) is recorded as "not a plain answer". An exception the learner's code
raises is recorded per case as (type name, message). The result leaves the kernel as a JSON
string in a ``display_data`` message of the private type :data:`MIME`; the grading process
parses it (:func:`decode`) and decides (:mod:`grading.verdict`). No expected value and no
comparison ever enters the kernel.

>>> code = probe_source("call", ("double",), [[2], [3]])
>>> "double" in code and MIME in code
True
"""

from __future__ import annotations

import json

MIME = "application/x-dsu-answers+json"

#: Runs in the kernel. Names start with ``_dsu_`` and are deleted at the end.
_PRELUDE = r'''
def _dsu_probe(_dsu_spec):
    import copy as _dsu_copy
    import json as _dsu_json
    import math as _dsu_math
    import sys as _dsu_sys
    _np = _dsu_sys.modules.get("numpy")

    class _NotPlain(Exception):
        pass

    def enc(x):
        t = type(x)
        if x is None or t is bool or t is int or t is str:
            return x
        if t is float:
            return x if _dsu_math.isfinite(x) else {"__float__": repr(x)}
        if t is list or t is tuple:
            return [enc(i) for i in x]
        if t is dict:
            if not all(type(k) is str for k in x):
                raise _NotPlain("a dict whose keys are not all strings")
            return {k: enc(v) for k, v in x.items()}
        if t is set or t is frozenset:
            items = [enc(i) for i in x]
            return {"__set__": sorted(items, key=lambda i: _dsu_json.dumps(i, sort_keys=True))}
        if _np is not None:
            if t is _np.ndarray and x.dtype.kind in "biuf":
                return enc(x.tolist())
            if t in (_np.float64, _np.float32, _np.float16):
                return enc(float(x))
            if t in (_np.int64, _np.int32, _np.int16, _np.int8, _np.uint64, _np.uint32, _np.uint16, _np.uint8):
                return int(x)
            if t is _np.bool_:
                return bool(x)
        raise _NotPlain(f"{t.__module__}.{t.__qualname__}")

    class _Sink:  # what the learner's code prints while probed goes nowhere (not to the grader)
        def write(self, text):
            return len(text)

        def flush(self):
            pass

    def guarded(run):
        saved = _dsu_sys.stdout, _dsu_sys.stderr
        _dsu_sys.stdout = _dsu_sys.stderr = _Sink()
        try:
            value = run()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: it is the learner's answer to this case
            return {"error": [type(error).__name__, str(error)[:300]]}
        finally:
            _dsu_sys.stdout, _dsu_sys.stderr = saved
        try:
            return {"value": enc(value)}
        except _NotPlain as why:
            return {"not_plain": str(why)}
        except RecursionError:
            return {"not_plain": "a structure nested too deeply"}

    g = globals()
    kind, names, cases = _dsu_spec["probe"], _dsu_spec["names"], _dsu_spec["cases"]
    out = []
    if kind == "variables":
        for name in names:
            if name not in g or g[name] is ...:  # `...` is the student version's "not answered yet"
                out.append({"missing": name})
            else:
                out.append(guarded(lambda name=name: g[name]))
    else:
        missing = [name for name in names if not callable(g.get(name))]
        if missing:
            out = [{"missing": missing[0]} for _ in cases]
        elif kind == "call":
            f = g[names[0]]
            out = [guarded(lambda args=args: f(*args)) for args in cases]
        elif kind == "breaker":
            start, step = g[names[0]], g[names[1]]

            def play(steps):
                state, seen = start(), []
                for event, now in steps:
                    before = _dsu_copy.deepcopy(state)
                    new_state, decision = step(state, event, now)
                    if state != before:
                        raise AssertionError(f"{names[1]} modified the state it was given")
                    seen.append([new_state["mode"], decision])
                    state = new_state
                return seen
            out = [guarded(lambda steps=args[0]: play(steps)) for args in cases]
        elif kind == "or_set_merge":
            merge = g[names[0]]

            def as_state(plain):
                return {"entries": {e: {tuple(d) for d in dots} for e, dots in plain["entries"].items()},
                        "context": dict(plain["context"])}

            def merged(a, b):
                a, b = as_state(a), as_state(b)
                before = _dsu_copy.deepcopy((a, b))
                result = merge(a, b)
                if (a, b) != before:
                    raise AssertionError(f"{names[0]} modified its inputs")
                return result
            out = [guarded(lambda args=args: merged(*args)) for args in cases]
    return _dsu_json.dumps(out)
'''


def probe_source(probe: str, names: tuple[str, ...] | list[str], cases: list | None) -> str:
    """Python source that runs one question's probe in the kernel and publishes the answers."""
    spec = json.dumps({"probe": probe, "names": list(names), "cases": cases or []})
    return (_PRELUDE
            + f"\nget_ipython().display_pub.publish({{{MIME!r}: _dsu_probe(__import__('json').loads({spec!r}))}})"
            + "\ndel _dsu_probe\n")


def decode(text: str, expected_count: int) -> list[dict]:
    """The per-case answers of a probe (``expected_count`` of them) from its JSON text.

    Raises ValueError when the text is not what a probe writes (the learner's code got in
    the way): the grader then counts every case of that question as failed.

    >>> decode('[{"value": 1}, {"error": ["ValueError", "no"]}]', 2)
    [{'value': 1}, {'error': ['ValueError', 'no']}]
    """
    answers = json.loads(text)
    if not isinstance(answers, list) or len(answers) != expected_count or not all(
            isinstance(a, dict) and len(a) == 1 and next(iter(a)) in ("value", "error", "not_plain", "missing")
            for a in answers):
        raise ValueError("the probe's answer has the wrong shape")
    return [_unfloat(a) for a in answers]


def _unfloat(x):
    if isinstance(x, dict):
        if set(x) == {"__float__"}:
            return float(x["__float__"])
        return {k: _unfloat(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_unfloat(i) for i in x]
    return x
