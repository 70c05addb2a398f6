"""Hostile-input property test for every public function and model of the quantitative library.

For each public name of the modules below (``__all__``, else the functions and classes the
module defines), hypothesis calls it with arguments drawn by parameter name, in one of three
modes: textbook values (``TYPICAL``), plausible ones (``PLAUSIBLE``), or plausible ones mixed
with hostile ones (NaN, ±inf, negatives, zero, huge numbers, None, strings, empty or ragged
lists). When a call builds a model, its public properties and methods are exercised the same
way, and so are the objects they return. The test fails if anything escapes other than a
ValueError, if a ValueError comes out of numpy, scipy or networkx instead of the library's
own checks, if one call runs past ``CALL_LIMIT_SECONDS``, or if a result holds NaN or
infinity that the table ``DOCUMENTED_NON_FINITE`` does not explain.

Sizes of work (customers, nodes, runs, ...) stay small when plausible; their hostile values
are invalid or absurd (10⁹, 10³⁰), which the library must refuse rather than grind through.
To cover a new module add it to ``MODULE_NAMES``; a new parameter name needs a strategy in
``PLAUSIBLE`` (a guard test fails otherwise).
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
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODULE_NAMES = [
    "course.reliability.availability",
    "course.reliability.lifetimes",
    "course.reliability.markov",
    "course.capacity.performance",
    "course.queueing.markovian",
    "course.capacity.scalability",
    "course.queueing.littles_law",
    "course.queueing.erlang",
    "course.queueing.finite",
    "course.queueing.general",
    "course.queueing.networks",
    "course.theory.information",
    "course.theory.coding",
    "course.theory.graphs",
    "course.simulation",
    "course.datasets",
    "course.reliability.detectors",
    "course.reliability.downtime_costs",
    "course.simulation.replicated",
    "course.simulation.closed",
    "course.capacity.plans",
    "course.events.costs",
]
MODULES = [
    importlib.import_module(name)
    for name in MODULE_NAMES
    if importlib.util.find_spec(name) is not None
]

# Result records: returned by library functions, not built by learners. They are checked
# through the functions that return them, never constructed from random fields.
RESULT_RECORDS = {
    "course.reliability.lifetimes.WeibullFit",
    "course.reliability.availability.MonteCarloEstimate",
    "course.capacity.scalability.USLFit",
    "course.queueing.littles_law.LittlesLaw",
    "course.queueing.networks.AsymptoticBounds",
    "course.queueing.networks.MVASolution",
    "course.theory.coding.HammingDecoded",
    "course.simulation.results.QueueResult",
    "course.simulation.records.NetworkResult",
    "course.reliability.detectors.DetectorQuality",
    "course.simulation.replicated.ReplicatedRun",
    "course.simulation.closed.ClosedRun",
}

# Abstract bases: never instantiated by learners; their subclasses are driven instead.
ABSTRACT_BASES = {
    "course.sim.distributions.Distribution",
}

# Where NaN or infinity is a documented answer, not a bug: name -> (kinds, reason).
# Names are "module.function" or "module.Class.attribute" (any class in the MRO).
DOCUMENTED_NON_FINITE = {
    "course.reliability.availability.nines": ({"inf"}, "A = 1 has infinitely many nines"),
    "course.reliability.availability.Block.nines": ({"inf"}, "a block with A = 1"),
    "course.reliability.lifetimes._Lifetime.hazard": (
        {"inf"}, "Weibull β < 1 at t = 0, or β > 1 at an age so great h(t) passes 1.8e308"),
    "course.reliability.lifetimes._Lifetime.pdf": ({"inf"}, "Weibull β < 1 at t = 0"),
    "course.reliability.lifetimes._Lifetime.cumulative_hazard": (
        {"inf"}, "an age so great that H(t) = (t/η)^β passes 1.8e308 (R(t) = 0 there)"),
    "course.reliability.markov.mean_hitting_times": ({"inf"}, "targets may be unreachable"),
    "course.reliability.markov.ctmc_mean_hitting_times": ({"inf"}, "targets may be unreachable"),
    "course.reliability.markov.mean_return_times": ({"inf"}, "a transient state may never recur"),
    "course.reliability.markov.RepairableSystem.mean_time_to_failure": ({"inf"}, "down states unreachable"),
    "course.capacity.performance.amdahl_limit": ({"inf"}, "s = 0: perfectly parallel work"),
    "course.capacity.scalability.peak_concurrency": ({"inf"}, "β = 0: no peak"),
    "course.capacity.scalability.peak_throughput": ({"inf"}, "α = β = 0: linear scaling"),
    "course.capacity.scalability.USLModel.peak_n": ({"inf"}, "β = 0: no peak"),
    "course.capacity.scalability.USLModel.peak_x": ({"inf"}, "α = β = 0: no ceiling"),
    "course.capacity.scalability.USLModel.ceiling": ({"inf"}, "α = 0: no contention"),
    "course.capacity.scalability.USLModel.optimal_n": ({"inf"}, "α = 0: no contention"),
    "course.capacity.scalability.USLFit": ({"nan", "inf"}, "standard errors NaN with no spare degrees of freedom"),
    "course.capacity.scalability.USLFit.residual_standard_error": ({"nan"}, "no spare degrees of freedom"),
    "course.capacity.scalability.USLFit.confidence_band": ({"nan"}, "no spare degrees of freedom"),
    "course.capacity.scalability.USLFit.r_squared": ({"nan"}, "every measured x equal: R² has TSS = 0"),
    "course.theory.information.kl_divergence": ({"inf"}, "q gives probability 0 to an outcome p can produce"),
    "course.simulation.records.NetworkResult.to_frame": (
        {"nan"}, "service_start, service_end and service_time are NaN unless the visit was served"),
    "course.datasets.load": (
        {"nan"}, "a blank cell: a row whose source states no number (zoom_growth_2020's correction note)"),
    "course.reliability.detectors.phi": (
        {"inf"}, "std = 0 past the mean (the deterministic limit), or a silence so many standard "
                 "deviations (or means) long that φ passes 1.8e308: certainly dead"),
    "course.simulation.replicated.ReplicatedRun": ({"nan"}, "mean_outage is NaN when no outage happened"),
    "course.reliability.detectors.PhiAccrualDetector.phi": (
        {"inf"}, "as phi: a silence past the mean with no spread in the gaps, or absurdly long"),
    "course.reliability.downtime_costs.options_table": ({"inf"}, "nines of an option with A = 1"),
    "course.events.costs.EventSourcingCase.break_even_multiplier": (
        {"inf"}, "no history need at all (nothing to scale), or one so small that cost/benefit passes 1.8e308"),
    "course.events.costs.EventSourcingCase.summary": ({"inf"}, "its break_even_multiplier"),
    "course.simulation.records.NetworkResult.node_summary": (
        {"nan"}, "means and intervals are NaN for a node with no (or fewer than `batches`) visits"),
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
    from course.reliability.lifetimes import Exponential, Weibull

    return st.one_of(
        st.builds(Exponential, st.floats(1e-4, 10)),
        st.builds(Weibull, st.floats(0.1, 0.99), st.floats(1, 1e4)),
        st.builds(Weibull, st.floats(1.01, 8), st.floats(1, 1e4)),
    )


def blocks():
    from course.reliability.availability import Component

    return st.one_of(probability, st.builds(Component, st.just("c"), probability))


def latencies():
    from course.capacity.performance import LognormalLatency

    return st.builds(LognormalLatency, st.floats(0.1, 100), st.floats(0.05, 5))


# Sizes of work (customers, nodes, runs, ...): small when plausible, so simulations stay fast;
# hostile values are invalid ones (negative, fractional, NaN, text) or absurd ones (10⁹,
# 10³⁰) that the library must refuse rather than grind through. Large but valid sizes are a
# question of speed, not of validation, so they are not drawn.
SIZE_HOSTILE = st.one_of(
    st.sampled_from(
        [math.nan, math.inf, -math.inf, -1.0, -1, 0, 0.0, 2.5, 1e308, 5e-324, 10**9, 10**30,
         None, "abc", "", [], [math.nan], [[1.0, 2.0], [3.0]], True, (), {}, object()]
    ),
    st.integers(min_value=-(10**9), max_value=0),
    st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda x: not (1 <= x < 1e9 and float(x).is_integer())
    ),
)
SIZE_NAMES = {"customers", "warmup", "batches", "runs", "nodes", "population", "count", "size"}


@st.composite
def joint_tables(draw):
    rows, columns = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    weights = np.array(draw(st.lists(st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0, 3.0]),
                                              min_size=columns, max_size=columns),
                                     min_size=rows, max_size=rows)))
    if weights.sum() == 0:
        weights[0, 0] = 1.0
    return (weights / weights.sum()).tolist()


# Distributions with zero entries too, so that support mismatches (D(p‖q) = ∞) are reached.
probability_vectors = st.one_of(
    distributions(), st.sampled_from([[1.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5, 0.0], [0.25] * 4])
)


@st.composite
def routing_matrices(draw):
    """Square routing matrices whose rows sum to at most 0.9 (some traffic always leaves)."""
    n = draw(st.sampled_from([1, 1, 2, 2, 3]))
    weights = np.array(draw(st.lists(st.lists(st.sampled_from([0.0, 0.0, 0.2, 0.5, 1.0]),
                                              min_size=n, max_size=n), min_size=n, max_size=n)))
    total = weights.sum(axis=1, keepdims=True)
    leave = np.array(draw(st.lists(st.floats(0.1, 1.0), min_size=n, max_size=n)))[:, None]
    return np.divide(weights * (1 - leave), total, out=np.zeros_like(weights),
                     where=total > 0).tolist()


NODE_NAMES = ["a", "b", "c"]
routing_dicts = st.dictionaries(
    st.sampled_from(NODE_NAMES + ["zz"]),
    st.dictionaries(st.sampled_from(NODE_NAMES), st.sampled_from([0.0, 0.1, 0.4, 1.0, 1.5, -0.1]),
                    max_size=2),
    max_size=3,
)


def _uniform_sampler(rng, size):
    return rng.uniform(0.5, 1.5, size)


def _zero_sampler(rng, size):
    return np.zeros(size)


def _negative_sampler(rng, size):
    return -np.ones(size)


def _wrong_size_sampler(rng, size):
    return np.ones(size + 1)


def _text_sampler(rng, size):
    return ["soon"] * size


SAMPLER_FUNCTIONS = [_uniform_sampler, _zero_sampler, _negative_sampler, _wrong_size_sampler,
                     _text_sampler]


def durations():
    """Distribution objects for service times, gaps and patience (and bare callables)."""
    from course.simulation import (
        Deterministic,
        Empirical,
        Erlang,
        Exponential,
        Gamma,
        Lognormal,
        Sampler,
    )

    return st.one_of(
        st.builds(Exponential, st.floats(0.05, 100)),
        st.builds(Deterministic, st.floats(0.01, 10)),
        st.builds(Lognormal, st.floats(0.01, 10), st.floats(0.1, 3)),
        st.builds(Gamma, st.floats(0.2, 5), st.floats(0.01, 2)),
        st.builds(Erlang, st.integers(1, 5), st.floats(0.01, 10)),
        st.builds(Empirical, st.lists(st.floats(0.01, 10), min_size=1, max_size=5)),
        st.builds(Sampler, st.sampled_from(SAMPLER_FUNCTIONS),
                  st.one_of(st.none(), st.just(1.0))),
        st.sampled_from(SAMPLER_FUNCTIONS),
    )


@st.composite
def simulation_nodes(draw, name=None):
    from course.simulation import Deterministic, Exponential, Node

    servers = draw(st.integers(1, 3))
    return Node(
        name=name or draw(st.sampled_from(NODE_NAMES)),
        servers=servers,
        service=draw(st.one_of(st.builds(Exponential, st.floats(2, 20)), durations())),
        arrivals=draw(st.one_of(st.none(), st.builds(Exponential, st.floats(0.1, 1.0)))),
        capacity=draw(st.one_of(st.none(), st.integers(servers, 8))),
        patience=draw(st.one_of(st.none(), st.builds(Deterministic, st.floats(0.1, 5)))),
    )


@st.composite
def simulation_networks(draw):
    """Small networks that the simulator accepts: a stable one when the drawn one is not."""
    from course.simulation import Exponential, Network, Node

    nodes = [draw(simulation_nodes(name)) for name in NODE_NAMES[: draw(st.integers(1, 3))]]
    try:
        return Network(nodes, draw(st.one_of(st.none(), routing_matrices(), routing_dicts)))
    except ValueError:
        return Network([Node("a", 1, Exponential(2.0), arrivals=Exponential(1.0))])


@st.composite
def graphs(draw):
    import networkx as nx

    n = draw(st.integers(0, 30))
    kind = draw(st.sampled_from(["gnp", "gnp", "star", "path", "directed", "multi", "labels"]))
    if kind == "gnp":
        return nx.gnp_random_graph(n, draw(probability), seed=draw(st.integers(0, 9)))
    if kind == "star":
        return nx.star_graph(n)
    if kind == "path":
        return nx.path_graph(n)
    if kind == "directed":
        return nx.gnp_random_graph(n, 0.2, seed=1, directed=True)
    if kind == "multi":
        return nx.MultiGraph(nx.path_graph(n))
    return nx.relabel_nodes(nx.path_graph(n), {i: f"node-{i}" for i in range(n)})


def dataset_names():
    from course.datasets import registry

    return st.sampled_from(sorted(registry()))


bits = st.lists(st.integers(0, 1), min_size=4, max_size=4)
symbols = st.lists(st.integers(0, 255), min_size=0, max_size=8)
shards = st.one_of(
    st.integers(0, 3).flatmap(lambda width: st.lists(
        st.one_of(st.binary(min_size=width, max_size=width), st.none()), max_size=8)),
    st.lists(st.one_of(st.binary(max_size=3), st.none(), st.integers(-1, 300), label), max_size=8),
)


def heartbeat_arrivals():
    """Sorted heartbeat times: seeded traces a detector can judge, and short hand-made ones."""
    from course.reliability.detectors import heartbeat_trace

    trace = st.builds(heartbeat_trace, st.floats(5, 600), st.integers(0, 9))
    return st.one_of(trace, trace, st.lists(st.floats(0, 1e4), max_size=12).map(sorted))


def redundancy_options():
    from course.reliability.downtime_costs import RedundancyOption

    return st.builds(RedundancyOption, label, st.one_of(st.floats(0.9, 1), st.floats(1e-6, 1)),
                     non_negative)


def _price_times_volume(price, volume):
    return price * volume


def _sum_of_inputs(**inputs):
    return sum(inputs.values())


def _not_a_number(**inputs):
    return "n/a"


TORNADO_MODELS = [_price_times_volume, _sum_of_inputs, _not_a_number]
baselines = st.dictionaries(st.sampled_from(["price", "volume", "x"]), st.floats(-1e4, 1e4),
                            max_size=3)

# Keyword inputs of event_sourcing_net_value: every field, now and then one left out or a stray.
EVENT_SOURCING_FIELDS = [
    "writes_per_day", "event_bytes", "replicas", "storage_price_per_gb_month", "build_hours",
    "upkeep_hours_per_year", "hour_cost", "audits_per_year", "hours_saved_per_audit",
    "temporal_queries_per_year", "hours_saved_per_temporal_query", "replays_per_year",
    "hours_saved_per_replay", "years",
]
event_sourcing_inputs = st.tuples(
    st.fixed_dictionaries({name: st.integers(1, 3) if name in {"replicas", "years"} else non_negative
                           for name in EVENT_SOURCING_FIELDS}),
    st.sampled_from([None, None, None, "years", "hour_cost", "colour"]),
).map(lambda pair: ({key: value for key, value in pair[0].items() if key != pair[1]}
                    | ({"colour": 1.0} if pair[1] == "colour" else {})))


@st.composite
def servers_per_hour(draw):
    """Servers needed per hour: one row of hours, or equally likely scenarios x hours."""
    hours = draw(st.integers(1, 24))
    rows = draw(st.sampled_from([None, 1, 3]))
    need = st.lists(st.integers(0, 40), min_size=hours, max_size=hours)
    return draw(need) if rows is None else draw(st.lists(need, min_size=rows, max_size=rows))


PLAUSIBLE = {
    # probabilities and fractions
    **dict.fromkeys(
        ["availability", "slo", "correlation", "error_ratio", "failure_probability",
         "slow_probability", "serial_fraction", "switchover_success", "independent",
         "common_mode", "target_probability", "target_level", "target_utilization", "alpha",
         "beta", "crossover_probability", "edge_probability", "rewiring_probability",
         "pause_probability", "spread"],
        probability,
    ),
    **dict.fromkeys(["confidence", "quantile", "damping"], st.one_of(open_unit, probability)),
    # p and q are scalars (a coin's bias, a quantile) or whole distributions (D(p‖q)).
    **dict.fromkeys(["p", "q"], st.one_of(open_unit, probability, open_unit, probability_vectors)),
    # rates, times and sizes
    **dict.fromkeys(
        ["arrival_rate", "service_rate", "failure_rate", "repair_rate", "standby_failure_rate",
         "burn_rate", "increment", "hedge_delay", "mean", "cv", "threshold", "mttf", "mttr",
         "mtbf", "peak_load", "capacity_per_server", "rate_sd", "scale",
         "shape", "time_in_system", "L", "W", "value", "offered_load", "target_time", "gamma",
         "arrival_cv", "service_cv", "tolerance", "level", "throughput", "service_time",
         "system_throughput", "think_time", "snr", "bandwidth", "mean_degree", "distance_km",
         "std", "min_std", "time", "now", "base_delay", "jitter", "pause_mean", "interval",
         "duration", "horizon", "cost_per_year", "cost_per_hour_down", "mean_minutes",
         "duration_cv", "incidents_per_month", "reserved_price", "on_demand_price",
         *[name for name in EVENT_SOURCING_FIELDS if name not in {"replicas", "years"}]],
        non_negative,
    ),
    "variance": st.one_of(st.none(), non_negative),
    "decibels": st.floats(-100, 100),
    "rate": st.floats(-0.9, 2.0),
    "capacity": st.one_of(positive, count),
    "t": st.one_of(non_negative, st.lists(non_negative, max_size=6)),
    "requests": st.one_of(non_negative, st.integers(0, 2000)),
    # whole numbers
    **dict.fromkeys(
        ["servers", "max_servers", "units", "required", "repair_crews", "replicas", "fanout",
         "dependencies", "indent", "phases", "edges_per_node", "total_nodes", "years",
         "users", "replications", "months", "record_limit", "reserved"],
        small_int,
    ),
    "k": st.one_of(st.integers(0, 4), small_int),  # often at most the number of parts
    "neighbours": st.one_of(st.sampled_from([2, 4, 6]), small_int),
    "n": st.one_of(small_int, positive, st.lists(st.floats(1, 200), min_size=0, max_size=10),
                   st.lists(st.floats(1, 200), min_size=5, max_size=5, unique=True)),
    "trials": st.integers(0, 3000),
    "seed": st.one_of(st.integers(0, 2**32), st.builds(np.random.default_rng, st.integers(0, 9))),
    "rng": st.builds(np.random.default_rng, st.integers(0, 9)),
    "failures": st.one_of(count, positive_list),
    "right_censored": positive_list,
    **dict.fromkeys(["a", "b"], st.integers(-2, 260)),
    "exponent": st.integers(-2, 600),
    # sizes of work (see SIZE_NAMES)
    **dict.fromkeys(["customers", "warmup", "count", "size"], st.integers(0, 2000)),
    "batches": st.integers(0, 40),
    "runs": st.integers(0, 20),
    "population": st.one_of(st.integers(0, 200), st.lists(st.integers(-1, 200), max_size=5)),
    "nodes": st.one_of(st.integers(0, 300), st.lists(simulation_nodes(), max_size=3)),
    # durations
    **dict.fromkeys(
        ["period", "window", "time_to_detect", "time_to_mitigate", "allowed_downtime"], duration
    ),
    # sequences
    **dict.fromkeys(["availabilities"], probability_list),
    **dict.fromkeys(["birth_rates", "death_rates", "values"], float_list),
    "utilizations": st.one_of(st.lists(st.floats(0, 0.99), min_size=1, max_size=6), float_list),
    # n and x of a fit: five loads and throughputs, so that the two often match.
    "x": st.one_of(st.lists(st.floats(0.1, 1e4), min_size=5, max_size=5), float_list),
    **dict.fromkeys(
        ["visits", "service_times", "demands", "delay_demands", "degrees"],
        st.one_of(positive_list, st.lists(st.sampled_from([0.0, 1.0, 2.0, 0.01]), max_size=6)),
    ),
    "lengths": st.lists(st.integers(0, 6), min_size=1, max_size=5),
    "external_arrivals": st.lists(st.floats(0, 3), min_size=1, max_size=2),
    "service_rates": st.lists(st.floats(1, 100), min_size=1, max_size=2),
    "fractions_removed": st.one_of(probability_list, float_list),
    "server_counts": st.lists(small_int, max_size=6),
    "parts": st.lists(blocks(), min_size=0, max_size=6),
    "transition_matrix": stochastic_matrices(),
    "generator": generator_matrices(),
    "initial": st.one_of(non_negative, distributions()),  # a growth start or a chain's p(0)
    "probabilities": probability_vectors,
    "joint": joint_tables(),
    "routing": st.one_of(routing_matrices(), routing_dicts),
    **dict.fromkeys(["targets", "absorbing"], st.one_of(
        st.lists(st.integers(0, 1), min_size=1, max_size=2), st.lists(st.integers(-1, 5), max_size=4))),
    # codes
    "data": st.one_of(bits, symbols, st.binary(max_size=8)),
    "received": st.one_of(
        st.lists(st.integers(0, 1), min_size=7, max_size=7),
        st.lists(st.one_of(st.none(), st.integers(0, 255)), max_size=10),
    ),
    "shards": shards,
    # labels and models
    "name": st.one_of(label, dataset_names()),
    **dict.fromkeys(["initial_state", "method"], label),
    "strategy": st.sampled_from(["random", "attack", "degree"]),
    "states": st.one_of(st.lists(label, max_size=5),
                        st.integers(1, 5).map(lambda count: list("abcde"[:count]))),
    "up_states": st.one_of(st.lists(label, max_size=5),
                           st.lists(st.sampled_from("ab"), min_size=1, max_size=2, unique=True)),
    "modes": st.lists(lifetimes(), max_size=4),
    **dict.fromkeys(["infant_mortality", "random_failures", "wear_out"], lifetimes()),
    "latency": latencies(),
    "graph": graphs(),
    **dict.fromkeys(["service", "patience"], durations()),
    # a node's arrival process, or a detector's heartbeat arrival times
    "arrivals": st.one_of(st.none(), durations(), heartbeat_arrivals()),
    **dict.fromkeys(["lifetime", "repair_time"], st.one_of(st.none(), durations())),
    "elapsed": st.one_of(non_negative, st.lists(non_negative, max_size=6)),
    "thresholds": st.one_of(st.lists(st.floats(0.1, 20), max_size=4), float_list),
    # a detector's gap model, or a function of keyword inputs (tornado)
    "model": st.one_of(st.sampled_from(["normal", "exponential"]), label,
                       st.sampled_from(TORNADO_MODELS)),
    "baseline": baselines,
    **dict.fromkeys(["cheaper", "safer"], redundancy_options()),
    "options": st.one_of(st.lists(redundancy_options(), max_size=4), float_list),
    "monthly_minutes": st.one_of(st.lists(st.floats(0, 500), max_size=12), float_list),
    "servers_per_hour": st.one_of(servers_per_hour(), float_list),
    "route": st.lists(st.sampled_from(NODE_NAMES + ["zz"]), max_size=4),
    "inputs": event_sourcing_inputs,
    "function": st.sampled_from(SAMPLER_FUNCTIONS),
    "network": simulation_networks(),
    **dict.fromkeys(["keep_waits", "include_warmup"], st.booleans()),
}

FALLBACK = st.one_of(probability, positive, count, label, float_list)


def _exponential(rate):
    from course.simulation import Exponential

    return Exponential(rate)


def _textbook_network():
    from course.simulation import Exponential, Network, Node

    web = Node("a", servers=2, service=Exponential(2.0), arrivals=Exponential(1.0))
    db = Node("b", servers=1, service=Exponential(3.0), capacity=5)
    return Network([web, db], routing={"a": {"b": 0.5}})


# Textbook values, valid together for most functions (a stable queue, a 2-state chain, a
# two-node network...): hypothesis shrinks towards 0, empty lists and short labels, which
# would leave many-argument functions refusing every call and their results unexercised.
TYPICAL = {
    **dict.fromkeys(["arrival_rate", "throughput", "system_throughput"], st.sampled_from([0.5, 0.8, 9.0])),
    **dict.fromkeys(["service_rate", "failure_rate", "repair_rate", "rate"], st.sampled_from([1.0, 0.2])),
    **dict.fromkeys(["servers", "max_servers", "k", "units", "required", "replicas", "phases"],
                    st.sampled_from([1, 2, 10])),
    **dict.fromkeys(["customers", "count"], st.sampled_from([200, 1000])),
    "warmup": st.sampled_from([0, 100]),
    "batches": st.sampled_from([2, 10]),
    "seed": st.sampled_from([0, 1]),
    "capacity": st.sampled_from([5, 20]),
    "t": st.sampled_from([0.5, 2.0, [0.0, 1.0, 10.0]]),
    "n": st.sampled_from([4, [1.0, 2.0, 4.0, 8.0, 16.0]]),
    "x": st.just([1.0, 1.9, 3.4, 5.2, 6.1]),
    "p": st.sampled_from([0.5, 0.99, [0.5, 0.5], [0.9, 0.1]]),
    "q": st.sampled_from([0.5, [0.5, 0.5], [0.25, 0.75]]),
    "confidence": st.sampled_from([0.9, 0.95]),
    "external_arrivals": st.sampled_from([[1.0], [1.0, 0.5]]),
    "service_rates": st.sampled_from([[2.0], [4.0, 3.0]]),
    "routing": st.sampled_from([[[0.0]], [[0.0, 0.5], [0.2, 0.0]], {"a": {"b": 0.5}}]),
    "demands": st.sampled_from([[0.01, 0.02], [0.5]]),
    "think_time": st.sampled_from([0.0, 1.0]),
    "population": st.sampled_from([5, [1, 10]]),
    "generator": st.just([[-1.0, 1.0], [2.0, -2.0]]),
    "transition_matrix": st.just([[0.5, 0.5], [0.2, 0.8]]),
    "initial": st.sampled_from([[1.0, 0.0], 100.0]),
    **dict.fromkeys(["targets", "absorbing"], st.just([1])),
    "states": st.just(["up", "down"]),
    "up_states": st.just(["up"]),
    "nodes": st.one_of(st.sampled_from([10, 100]), st.builds(lambda: _textbook_network().nodes)),
    "network": st.builds(_textbook_network),
    "service": st.sampled_from([2.0, 4.0]).map(_exponential),
    "name": dataset_names(),
    "reserved_price": st.just(0.6),
    "on_demand_price": st.just(1.0),
    "servers_per_hour": st.sampled_from([[4, 4, 6, 10, 6, 4], [[1, 2, 3], [3, 4, 5]]]),
    "thresholds": st.just([1.0, 3.0, 8.0]),
    "spread": st.just(0.2),
    "model": st.sampled_from(["normal", "exponential", _price_times_volume]),
    "baseline": st.just({"price": 2.0, "volume": 10.0}),
}


# Simulations whose work grows with a time span times a rate (events ≈ replicas · horizon ·
# failure rate; requests ≈ users · duration / cycle) rather than with one size: each of
# those arguments is a size of work there, drawn small when plausible and, when hostile,
# only invalid or absurd (10¹², 10³⁰), never large-but-valid, so a call stays far below
# CALL_LIMIT_SECONDS however busy the machine. They override PLAUSIBLE and TYPICAL.
WORK_HOSTILE = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0, -1, 0, 0.0, 1e308, 1e30, 10**30,
                     None, "abc", "", [], [math.nan], True, (), {}, object()]),
    st.floats(max_value=0, allow_infinity=True),
    st.floats(min_value=1e12, allow_infinity=True),
)


def _short_lifetimes():
    """Lifetimes of a replica, means 2 to 1,000 time units (or a sampler that lies about its mean)."""
    from course.simulation import Deterministic, Exponential, Lognormal, Sampler

    return st.one_of(
        st.none(),
        st.builds(Exponential, st.floats(1e-3, 0.5)),
        st.builds(Deterministic, st.floats(2, 50)),
        st.builds(Lognormal, st.floats(2, 100), st.floats(0.1, 3)),
        st.builds(Sampler, st.sampled_from(SAMPLER_FUNCTIONS), st.one_of(st.none(), st.just(2.0))),
    )


def _station_times():
    """Mean seconds per visit of stations a and b (now and then a bad one)."""
    good = st.floats(0.01, 0.5)
    seconds = st.one_of(good, st.sampled_from([0.0, -0.1, math.nan, "fast"]))
    stations = st.fixed_dictionaries({"a": good}, optional={"b": good})
    return st.one_of(stations, stations, stations,
                     st.dictionaries(st.sampled_from(NODE_NAMES), seconds, max_size=3))


_DETECTOR_WINDOW = {"window": st.one_of(st.integers(2, 60), small_int)}
# Arguments that must fit together for a call to get past its checks at all (a trace longer
# than its window, a route through named stations, a discount): not sizes of work, but drawn
# here so that most calls run; the hostile draws of these names are invalid or absurd ones.
_TRACE_REPLAY = {
    **_DETECTOR_WINDOW,
    "arrivals": heartbeat_arrivals(),
    "threshold": st.floats(0.1, 20),
}
_PRICES = {"reserved_price": st.floats(0.1, 0.95), "on_demand_price": st.floats(1.0, 3.0)}
FUNCTION_PLAUSIBLE = {
    "course.simulation.replicated.simulate_replicated": {
        **dict.fromkeys(["units", "required", "repair_crews"], st.integers(1, 4)),
        "failure_rate": st.floats(1e-3, 0.5),
        "repair_rate": st.floats(0.05, 5),
        "horizon": st.floats(1, 200),
        "warmup": st.floats(0, 50),
        "replications": st.integers(2, 5),
        "record_limit": st.integers(0, 20),
        "lifetime": _short_lifetimes(),
    },
    "course.simulation.closed.simulate_closed": {
        "service_times": _station_times(),
        "route": st.sampled_from([["a"], ["a", "a"], ["a", "b"], ["b", "a", "b"], [], ["zz"]]),
        "users": st.integers(1, 5),
        "think_time": st.floats(0, 1),
        "duration": st.floats(0.5, 10),
        "warmup": st.one_of(st.none(), st.floats(0, 5)),
        "batches": st.integers(2, 30),
    },
    "course.reliability.downtime_costs.monthly_downtime_minutes": {
        "months": st.integers(1, 500),
        "incidents_per_month": st.floats(0, 10),
    },
    "course.reliability.detectors.heartbeat_trace": {
        "duration": st.floats(0.1, 1000),
        "interval": st.floats(0.1, 10),
    },
    "course.reliability.detectors.PhiAccrualDetector": _DETECTOR_WINDOW,
    "course.reliability.detectors.evaluate_detector": _TRACE_REPLAY,
    "course.reliability.detectors.threshold_tradeoff": _TRACE_REPLAY,
    "course.reliability.detectors.suspicion_delay": {"threshold": _TRACE_REPLAY["threshold"]},
    "course.reliability.downtime_costs.tornado": {
        "model": st.sampled_from(TORNADO_MODELS),
        "baseline": st.one_of(st.just({"price": 2.0, "volume": 10.0}), baselines),
    },
    "course.capacity.plans.plan_cost": {**_PRICES, "reserved": st.integers(0, 40)},
    "course.capacity.plans.best_reservation": _PRICES,
    "course.capacity.plans.break_even_share": _PRICES,
}

def _damaged(word, actions):
    return [None if action == "erase" else value ^ 1 if action == "flip" else value
            for value, action in zip(word, actions)]


def owner_plausible(owner) -> dict:
    """Plausible arguments of a method that must fit its object (a code's n and k, ...)."""
    kind = type(owner).__name__
    if kind == "ReedSolomon":
        data_words = st.lists(st.integers(0, 255), min_size=owner.k, max_size=owner.k)
        damage = st.lists(st.sampled_from(["keep", "keep", "keep", "erase", "flip"]),
                          min_size=owner.n, max_size=owner.n)
        return {
            "data": data_words,
            "received": st.tuples(data_words, damage).map(
                lambda pair: _damaged(owner.encode(pair[0]), pair[1])),
            "shards": st.integers(0, 4).flatmap(lambda width: st.one_of(
                st.lists(st.binary(min_size=width, max_size=width),
                         min_size=owner.k, max_size=owner.k),
                st.lists(st.one_of(st.none(), st.binary(min_size=width, max_size=width)),
                         min_size=owner.n, max_size=owner.n),
            )),
        }
    if kind == "BatchMeans":
        rest = min(owner.count - owner.seen, 5000)  # the rest, unless that is absurdly many
        return {"values": st.integers(0, 9).map(lambda seed: np.random.default_rng(seed).random(rest))}
    return {}


def argument_strategy(name: str, plausible: dict | None = None):
    strategy = (plausible or PLAUSIBLE).get(name, FALLBACK)
    if name in SIZE_NAMES:
        return st.one_of(strategy, strategy, strategy, SIZE_HOSTILE)
    return plausible_or_hostile(strategy)


# --- enumeration -----------------------------------------------------------------------


def qualified(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def public_names(module) -> list[str]:
    """``__all__``, or else the public functions and classes the module itself defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name for name, obj in vars(module).items()
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]


def public_callables():
    found = {}
    for module in MODULES:
        for name in public_names(module):
            obj = getattr(module, name)
            where = qualified(obj) if callable(obj) else ""
            if callable(obj) and where not in RESULT_RECORDS | ABSTRACT_BASES:
                found.setdefault(where, obj)  # a re-export is driven once
    return list(found.values())


CALLABLES = public_callables()


def in_library(module_name: str) -> bool:
    return any(module_name == name or module_name.startswith(f"{name}.") for name in MODULE_NAMES)


def is_library_object(value) -> bool:
    return in_library(type(value).__module__) and not isinstance(value, type)


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


def draw_arguments(data, function, owner=None) -> dict:
    """Arguments by name: textbook values, plausible ones, or plausible mixed with hostile.

    With one hostile value in four per argument, a function of eight arguments would run
    (and have its result exercised) in one call of ten; so a third of the calls are all
    plausible and a third textbook.
    """
    mode = data.draw(st.sampled_from(["hostile", "plausible", "typical"]), label="mode")
    plausible = {**PLAUSIBLE, **owner_plausible(owner)}
    if mode == "typical":
        plausible = {**plausible, **TYPICAL, **owner_plausible(owner)}
    work = FUNCTION_PLAUSIBLE.get(qualified(function), {}) if hasattr(function, "__qualname__") else {}
    plausible = {**plausible, **work}
    arguments = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD and name in plausible:
            # keyword inputs drawn as a whole dict; when hostile, one of them spoiled
            extra = dict(data.draw(plausible[name], label=name))
            if mode == "hostile" and extra and data.draw(st.booleans(), label=f"spoil {name}"):
                extra[data.draw(st.sampled_from(sorted(extra)), label="spoiled")] = data.draw(HOSTILE)
            arguments.update(extra)
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty and data.draw(st.booleans(), label=f"default {name}"):
            continue
        if mode == "hostile" and name in work:
            strategy = st.one_of(work[name], work[name], work[name], WORK_HOSTILE)
        elif mode == "hostile":
            strategy = argument_strategy(name, plausible)
        else:
            strategy = plausible.get(name, FALLBACK)
        arguments[name] = data.draw(strategy, label=name)
    return arguments


class TooSlow(Exception):
    """A single call ran longer than CALL_LIMIT_SECONDS: unbounded work on hostile input."""


CALL_LIMIT_SECONDS = 10


def _too_slow(signum, frame):
    raise TooSlow(f"a call took more than {CALL_LIMIT_SECONDS} s")


COURSE_DIR = Path(importlib.import_module("course").__file__).resolve().parent


def check_refusal(where: str, error: ValueError) -> None:
    """A refusal must come from the library's own checks, not leak out of numpy or networkx.

    Only the innermost Python frame can be seen: a ValueError that a C function (math.log,
    float()) raises is attributed to the library line that called it.
    """
    frame = error.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    origin = Path(frame.tb_frame.f_code.co_filename).resolve()
    assert COURSE_DIR in origin.parents, (
        f"{where} let a ValueError escape from {origin}:{frame.tb_lineno} instead of "
        f"checking its input: {error}"
    )


def call(data, function, owner=None):
    """Call with drawn arguments; a ValueError is a refusal, anything else propagates.

    A call that runs past CALL_LIMIT_SECONDS fails the test instead of hanging the suite.
    """
    arguments = draw_arguments(data, function, owner)
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(CALL_LIMIT_SECONDS)
    try:
        return True, function(**arguments)
    except ValueError as error:
        check_refusal(getattr(function, "__qualname__", repr(function)), error)
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
            except ValueError as error:
                check_refusal(where, error)
                continue
        elif inspect.isfunction(static):
            ok, result = call(data, getattr(value, attribute), owner=value)
            if not ok:
                continue
        else:
            continue
        check(where, names, result)
        exercise(data, result, depth + 1)


# --- the property ----------------------------------------------------------------------


@pytest.mark.parametrize("function", CALLABLES, ids=qualified)
@settings(
    max_examples=60,
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
    """Is every listed quantitative module present, with its public callables all driven?"""
    present = {module.__name__ for module in MODULES}
    assert present == set(MODULE_NAMES), f"missing: {set(MODULE_NAMES) - present}"
    assert len(CALLABLES) > 150
    driven = {qualified(function) for function in CALLABLES}
    for module in MODULES:
        for name in public_names(module):
            obj = getattr(module, name)
            if callable(obj):
                assert qualified(obj) in driven | RESULT_RECORDS | ABSTRACT_BASES, name


def test_every_parameter_name_has_a_plausible_strategy():
    """Does each public parameter name have a strategy that lets computations actually run?"""
    classes = {qualified(obj): obj for module in MODULES for obj in map(module.__dict__.get, public_names(module))
               if inspect.isclass(obj)}  # result records too: their methods are exercised
    missing = set()
    for function in CALLABLES + list(classes.values()):
        # Result records are never built from drawn fields, only their methods are called.
        targets = [] if qualified(function) in RESULT_RECORDS | ABSTRACT_BASES else [function]
        if inspect.isclass(function):
            targets += [member for _, member in inspect.getmembers(function, inspect.isfunction)
                        if not member.__name__.startswith("_")]
        for target in targets:
            skip = 0 if target is function else 1  # a method's self
            for name in list(inspect.signature(target).parameters)[skip:]:
                if name not in PLAUSIBLE and name not in {"self", "args", "kwargs"}:
                    missing.add(f"{qualified(target)}({name})")
    assert not missing, f"add strategies for: {sorted(missing)}"


def _zeros(rng, size):
    return np.zeros(size)


def _hostile_calls():
    """Calls that once escaped as an infinity, a TypeError, a NaN or a hang (found by probing
    past the draws above): each must now be refused with the library's own ValueError."""
    from course.capacity.performance import LognormalLatency, fanout_quantile
    from course.capacity.plans import best_reservation
    from course.events.costs import EventSourcingCase, event_sourcing_net_value
    from course.reliability import detectors, downtime_costs
    from course.reliability.downtime_costs import RedundancyOption
    from course.simulation import Sampler
    from course.simulation.closed import simulate_closed
    from course.simulation.replicated import simulate_replicated

    case = dict(writes_per_day=1e308, event_bytes=1e308, replicas=3, storage_price_per_gb_month=1.0,
                build_hours=0, upkeep_hours_per_year=0, hour_cost=1, audits_per_year=0,
                hours_saved_per_audit=0, temporal_queries_per_year=0,
                hours_saved_per_temporal_query=0, replays_per_year=0, hours_saved_per_replay=0)
    return {
        "suspicion_delay exponential inf": lambda: detectors.suspicion_delay(3, mean=1e308, model="exponential"),
        "suspicion_delay normal inf": lambda: detectors.suspicion_delay(300, mean=1.0, std=1e308),
        "heartbeat_trace inf": lambda: detectors.heartbeat_trace(10.0, 0, base_delay=1e308, jitter=1e308),
        "evaluate_detector no time judged (NaN per hour)": lambda: detectors.evaluate_detector(
            [0.0, 1.0, 1.0, 1.0], 3.0, window=2),
        "evaluate_detector overflowing gaps": lambda: detectors.evaluate_detector(
            [0.0, 1e308, 1.7e308, 1.75e308], 3.0, window=2),
        "EventSourcingCase overflow": lambda: EventSourcingCase(**case),
        "event_sourcing_net_value missing input": lambda: event_sourcing_net_value(replicas=1),
        "event_sourcing_net_value unknown input": lambda: event_sourcing_net_value(**case, colour=1),
        "monthly_downtime_minutes numpy's lam too large": lambda: downtime_costs.monthly_downtime_minutes(
            1e30, 1.0, 1, seed=0),
        "downtime_cost_per_year inf": lambda: downtime_costs.downtime_cost_per_year(5e-324, 1e308),
        "break_even_cost_per_hour inf": lambda: downtime_costs.break_even_cost_per_hour(
            RedundancyOption("a", 5e-324, 0.0), RedundancyOption("b", 1e-323, 1e308)),
        "options_table inf": lambda: downtime_costs.options_table([RedundancyOption("a", 0.5, 1e308)], 1e308),
        "tornado model without those inputs (TypeError)": lambda: downtime_costs.tornado(
            lambda price, volume: price * volume, {"price": 1.0}),
        "tornado swing overflow": lambda: downtime_costs.tornado(lambda x: x, {"x": 1.7e308}, 0.9),
        "budget_exhausted_share ragged": lambda: downtime_costs.budget_exhausted_share([[1.0, 2.0], [3.0]], 0.9),
        "best_reservation dict (TypeError)": lambda: best_reservation({}, 0.5, 1.0),
        "best_reservation ragged": lambda: best_reservation([[1, 2], [3]], 0.5, 1.0),
        "simulate_closed route a number (TypeError)": lambda: simulate_closed(
            {"a": 0.01}, 5, users=1, think_time=0.0, duration=1.0, seed=0),
        "simulate_closed unsortable station names (TypeError)": lambda: simulate_closed(
            {1: 0.01, None: 0.02}, [1, None], users=2, think_time=0.1, duration=1.0, seed=0),
        "simulate_closed one batch (an internal name blamed)": lambda: simulate_closed(
            {"a": 0.5}, ["a"], users=1, think_time=0.0, duration=0.6, seed=0, batches=1000),
        "simulate_replicated zero lifetimes and repairs (a hang)": lambda: simulate_replicated(
            2, 1, 1.0, 1.0, horizon=10.0, seed=0, replications=2,
            lifetime=Sampler(_zeros, 1.0), repair_time=Sampler(_zeros, 1.0)),
        "fanout_quantile inf": lambda: fanout_quantile(LognormalLatency(1e308, 100), 10**9, 0.999999),
    }


HOSTILE_CALLS = _hostile_calls()


@pytest.mark.parametrize("name", sorted(HOSTILE_CALLS))
def test_hostile_calls_are_refused(name):
    """Is each hostile call found by probing refused by the library's own ValueError, quickly?"""
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(CALL_LIMIT_SECONDS)
    try:
        with pytest.raises(ValueError) as refused:
            HOSTILE_CALLS[name]()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    check_refusal(name, refused.value)
