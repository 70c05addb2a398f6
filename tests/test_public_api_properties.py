"""Hostile-input property test for every public function and model of the quantitative library.

For each name in the ``__all__`` of the modules below, hypothesis calls it with arguments
drawn by parameter name: mostly plausible values, often hostile ones (NaN, ±inf, negatives,
zero, huge numbers, None, strings, empty or ragged lists). When a call builds a model, its
public properties and methods are exercised the same way, and so are the objects they
return. The test fails if anything escapes other than a ValueError, or if a result holds
NaN or infinity that the table ``DOCUMENTED_NON_FINITE`` does not explain.

Modules that do not exist yet are skipped, so the test grows with the library; to cover a
new parameter name, add a strategy to ``PLAUSIBLE``.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import inspect
import math
import numbers
import signal
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODULE_NAMES = [
    "course.availability",
    "course.reliability",
    "course.markov",
    "course.performance",
    "course.queueing",
    "course.scalability",
    "course.littles_law",
]
MODULES = [
    importlib.import_module(name)
    for name in MODULE_NAMES
    if importlib.util.find_spec(name) is not None
]

# Result records: returned by library functions, not built by learners. They are checked
# through the functions that return them, never constructed from random fields.
RESULT_RECORDS = {
    "course.reliability.WeibullFit",
    "course.availability.MonteCarloEstimate",
    "course.scalability.USLFit",
    "course.scalability.Band",
    "course.littles_law.LittlesLaw",
}

# Where NaN or infinity is a documented answer, not a bug: name -> (kinds, reason).
# Names are "module.function" or "module.Class.attribute" (any class in the MRO).
DOCUMENTED_NON_FINITE = {
    "course.availability.nines": ({"inf"}, "A = 1 has infinitely many nines"),
    "course.availability.Block.nines": ({"inf"}, "a block with A = 1"),
    "course.reliability._Lifetime.hazard": ({"inf"}, "Weibull β < 1 at t = 0"),
    "course.reliability._Lifetime.pdf": ({"inf"}, "Weibull β < 1 at t = 0"),
    "course.markov.mean_hitting_times": ({"inf"}, "targets may be unreachable"),
    "course.markov.ctmc_mean_hitting_times": ({"inf"}, "targets may be unreachable"),
    "course.markov.mean_return_times": ({"inf"}, "a transient state may never recur"),
    "course.markov.RepairableSystem.mean_time_to_failure": ({"inf"}, "down states unreachable"),
    "course.performance.amdahl_limit": ({"inf"}, "s = 0: perfectly parallel work"),
    "course.scalability.peak_concurrency": ({"inf"}, "β = 0: no peak"),
    "course.scalability.peak_throughput": ({"inf"}, "α = β = 0: linear scaling"),
    "course.scalability.USLModel.peak_n": ({"inf"}, "β = 0: no peak"),
    "course.scalability.USLModel.peak_x": ({"inf"}, "α = β = 0: no ceiling"),
    "course.scalability.USLModel.ceiling": ({"inf"}, "α = 0: no contention"),
    "course.scalability.USLModel.optimal_n": ({"inf"}, "α = 0: no contention"),
    "course.scalability.USLFit": ({"nan", "inf"}, "standard errors NaN with no spare degrees of freedom"),
    "course.scalability.USLFit.residual_standard_error": ({"nan"}, "no spare degrees of freedom"),
    "course.scalability.USLFit.confidence_band": ({"nan"}, "no spare degrees of freedom"),
}

# --- strategies ------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from(
        [math.nan, math.inf, -math.inf, -1.0, -1, 0, 0.0, -0.0, 1e308, -1e308, 5e-324, 10**30,
         None, "abc", "", [], [math.nan], [[1.0, 2.0], [3.0]], True, (), {}, object()]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**9), max_value=10**9),
)


def plausible_or_hostile(strategy):
    """Three draws in four plausible (so computations run), one hostile."""
    return st.one_of(strategy, strategy, strategy, HOSTILE)


probability = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 0.999, 0.9999]), st.floats(0, 1))
open_unit = st.floats(1e-9, 1 - 1e-9)
positive = st.one_of(st.sampled_from([1e-9, 1.0, 1e6]), st.floats(1e-6, 1e4))
non_negative = st.one_of(st.just(0.0), positive)
small_int = st.integers(min_value=-2, max_value=60)
count = st.integers(min_value=0, max_value=2000)
duration = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650))
label = st.text(min_size=0, max_size=8)
float_list = st.lists(st.floats(-10, 1e4), min_size=0, max_size=12)
positive_list = st.lists(st.floats(1e-3, 1e4), min_size=0, max_size=12)
probability_list = st.lists(probability, min_size=0, max_size=10)


@st.composite
def stochastic_matrices(draw):
    n = draw(st.integers(1, 5))
    weights = np.array(draw(st.lists(st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0, 3.0]),
                                              min_size=n, max_size=n), min_size=n, max_size=n)))
    weights[weights.sum(axis=1) == 0, 0] = 1.0
    return (weights / weights.sum(axis=1, keepdims=True)).tolist()


@st.composite
def generator_matrices(draw):
    n = draw(st.integers(1, 5))
    rates = np.array(draw(st.lists(st.lists(st.sampled_from([0.0, 0.0, 1e-3, 0.5, 2.0, 100.0]),
                                            min_size=n, max_size=n), min_size=n, max_size=n)))
    np.fill_diagonal(rates, 0.0)
    np.fill_diagonal(rates, -rates.sum(axis=1))
    return rates.tolist()


@st.composite
def distributions(draw):
    n = draw(st.integers(1, 5))
    weights = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))) + 1e-3
    return (weights / weights.sum()).tolist()


def lifetimes():
    from course.reliability import Exponential, Weibull

    return st.one_of(
        st.builds(Exponential, st.floats(1e-4, 10)),
        st.builds(Weibull, st.floats(0.1, 0.99), st.floats(1, 1e4)),
        st.builds(Weibull, st.floats(1.01, 8), st.floats(1, 1e4)),
    )


def blocks():
    from course.availability import Component

    return st.one_of(probability, st.builds(Component, st.just("c"), probability))


def latencies():
    from course.performance import LognormalLatency

    return st.builds(LognormalLatency, st.floats(0.1, 100), st.floats(0.05, 5))


PLAUSIBLE = {
    # probabilities and fractions
    **dict.fromkeys(
        ["availability", "slo", "correlation", "error_ratio", "failure_probability",
         "slow_probability", "serial_fraction", "switchover_success", "independent",
         "common_mode", "target_probability", "target_level", "target_utilization", "alpha",
         "beta"],
        probability,
    ),
    **dict.fromkeys(["p", "q", "confidence", "quantile"], st.one_of(open_unit, probability)),
    # rates, times and sizes
    **dict.fromkeys(
        ["arrival_rate", "service_rate", "failure_rate", "repair_rate", "standby_failure_rate",
         "burn_rate", "increment", "hedge_delay", "mean", "cv", "threshold", "mttf", "mttr",
         "mtbf", "requests", "peak_load", "capacity_per_server", "initial", "rate_sd", "scale",
         "shape", "time_in_system", "L", "W", "value", "offered_load", "target_time", "gamma",
         "arrival_cv", "service_cv", "tolerance", "level"],
        non_negative,
    ),
    "rate": st.floats(-0.9, 2.0),
    "capacity": st.one_of(positive, count),
    "t": st.one_of(non_negative, st.lists(non_negative, max_size=6)),
    # whole numbers
    **dict.fromkeys(
        ["k", "servers", "units", "required", "repair_crews", "replicas", "fanout",
         "dependencies", "indent"],
        small_int,
    ),
    "n": st.one_of(small_int, positive, st.lists(st.floats(1, 200), min_size=0, max_size=10)),
    "trials": st.integers(0, 3000),
    "seed": st.one_of(st.integers(0, 2**32), st.just(np.random.default_rng(0))),
    "failures": st.one_of(count, positive_list),
    "right_censored": positive_list,
    # durations
    **dict.fromkeys(
        ["period", "window", "time_to_detect", "time_to_mitigate", "allowed_downtime"], duration
    ),
    # sequences
    **dict.fromkeys(["availabilities"], probability_list),
    **dict.fromkeys(["birth_rates", "death_rates", "x", "utilizations"], float_list),
    "servers_list": st.lists(small_int, max_size=6),
    "parts": st.lists(blocks(), min_size=0, max_size=6),
    "transition_matrix": stochastic_matrices(),
    "generator": generator_matrices(),
    "initial": distributions(),
    **dict.fromkeys(["targets", "absorbing"], st.lists(st.integers(-1, 5), max_size=4)),
    # labels and models
    **dict.fromkeys(["name", "initial_state", "method"], label),
    "states": st.lists(label, max_size=5),
    "up_states": st.lists(label, max_size=5),
    "modes": st.lists(lifetimes(), max_size=4),
    **dict.fromkeys(["infant_mortality", "random_failures", "wear_out"], lifetimes()),
    "latency": latencies(),
}

FALLBACK = st.one_of(probability, positive, count, label, float_list)


def argument_strategy(name: str):
    return plausible_or_hostile(PLAUSIBLE.get(name, FALLBACK))


# --- enumeration -----------------------------------------------------------------------


def qualified(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def public_callables():
    found = []
    for module in MODULES:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if callable(obj) and qualified(obj) not in RESULT_RECORDS:
                found.append(obj)
    return found


CALLABLES = public_callables()


def is_library_object(value) -> bool:
    return type(value).__module__ in MODULE_NAMES and not isinstance(value, type)


def documented_kinds(names) -> set[str]:
    kinds = set()
    for name in names:
        kinds |= DOCUMENTED_NON_FINITE.get(name, (set(), ""))[0]
    return kinds


def attribute_names(cls, attribute: str) -> list[str]:
    return [f"{klass.__module__}.{klass.__qualname__}.{attribute}" for klass in cls.__mro__]


def non_finite(value, depth: int = 0) -> set[str]:
    """Kinds of non-finite number ('nan', 'inf') found in a result, records included."""
    if depth > 4 or value is None or isinstance(value, bool | str | bytes | timedelta):
        return set()
    if isinstance(value, numbers.Number):
        number = complex(value)
        if math.isnan(number.real) or math.isnan(number.imag):
            return {"nan"}
        return {"inf"} if math.isinf(abs(number)) else set()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fc" or value.size == 0:
            return set()
        kinds = {"nan"} if np.isnan(value).any() else set()
        return kinds | ({"inf"} if np.isinf(value).any() else set())
    if isinstance(value, pd.DataFrame):
        return non_finite(value.select_dtypes("number").to_numpy(dtype=float), depth + 1)
    if isinstance(value, pd.Series):
        return non_finite(value.to_numpy(), depth + 1) if value.dtype.kind in "fc" else set()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = set()
        for field in dataclasses.fields(value):
            found |= non_finite(getattr(value, field.name), depth + 1)
        return found - documented_kinds([qualified(type(value))])
    if isinstance(value, tuple | list):
        found = set()
        for item in value:
            found |= non_finite(item, depth + 1)
        if hasattr(value, "_fields"):  # a NamedTuple record
            found -= documented_kinds([qualified(type(value))])
        return found
    return set()


def check(where: str, names: list[str], result) -> None:
    unexplained = non_finite(result) - documented_kinds(names)
    assert not unexplained, f"{where} returned {unexplained} without a documented reason: {result!r}"


def draw_arguments(data, function) -> dict:
    arguments = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty and data.draw(st.booleans(), label=f"default {name}"):
            continue
        arguments[name] = data.draw(argument_strategy(name), label=name)
    return arguments


class TooSlow(Exception):
    """A single call ran longer than CALL_LIMIT_SECONDS: unbounded work on hostile input."""


CALL_LIMIT_SECONDS = 10


def _too_slow(signum, frame):
    raise TooSlow(f"a call took more than {CALL_LIMIT_SECONDS} s")


def call(data, function):
    """Call with drawn arguments; a ValueError is a refusal, anything else propagates.

    A call that runs past CALL_LIMIT_SECONDS fails the test instead of hanging the suite.
    """
    arguments = draw_arguments(data, function)
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(CALL_LIMIT_SECONDS)
    try:
        return True, function(**arguments)
    except ValueError:
        return False, None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def exercise(data, value, depth: int) -> None:
    """Read every public property and call every public method of a library object."""
    if depth > 2 or not is_library_object(value):
        return
    cls = type(value)
    for attribute in sorted(dir(cls)):
        if attribute.startswith("_"):
            continue
        static = inspect.getattr_static(cls, attribute, None)
        where = f"{cls.__name__}.{attribute}"
        names = attribute_names(cls, attribute)
        if isinstance(static, property | functools.cached_property):
            try:
                result = getattr(value, attribute)
            except ValueError:
                continue
        elif inspect.isfunction(static):
            ok, result = call(data, getattr(value, attribute))
            if not ok:
                continue
        else:
            continue
        check(where, names, result)
        exercise(data, result, depth + 1)


# --- the property ----------------------------------------------------------------------


@pytest.mark.parametrize("function", CALLABLES, ids=qualified)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_only_value_errors_and_finite_results(function, data):
    """Does every public callable refuse bad input with ValueError and return finite numbers?"""
    where = qualified(function)
    ok, result = call(data, function)
    if ok:
        check(where, [where], result)
        exercise(data, result, depth=1)


def test_the_table_covers_the_library():
    """Are the four quantitative modules present, with dozens of public callables driven?"""
    present = {module.__name__ for module in MODULES}
    assert {"course.availability", "course.reliability", "course.markov", "course.performance"} <= present
    assert len(CALLABLES) > 60


def test_every_parameter_name_has_a_plausible_strategy():
    """Does each public parameter name have a strategy that lets computations actually run?"""
    missing = set()
    for function in CALLABLES:
        targets = [function]
        if inspect.isclass(function):
            targets += [member for _, member in inspect.getmembers(function, inspect.isfunction)
                        if not member.__name__.startswith("_")]
        for target in targets:
            for name in list(inspect.signature(target).parameters)[1 if target is not function else 0:]:
                if name not in PLAUSIBLE and name not in {"self", "args", "kwargs"}:
                    missing.add(f"{qualified(target)}({name})")
    assert not missing, f"add strategies for: {sorted(missing)}"
