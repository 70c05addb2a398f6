"""Tests for course.exploration: the engine (search, bounds, walks, traces, timeline)."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.exploration import (
    Action,
    FinalInvariant,
    FunctionModel,
    Invariant,
    Model,
    StepInvariant,
    check,
    explore,
    freeze,
    random_walks,
    timeline_figure,
)


class Grid(Model):
    """A walker on an n x n grid moving right or up; a fault jumps two squares right."""

    def __init__(self, n=4, invariants=()):
        self.n = n
        self.invariants = tuple(invariants)

    def initial_state(self):
        return (0, 0)

    def actions(self, state):
        x, y = state
        if x < self.n - 1:
            yield Action("walker", "right")
        if y < self.n - 1:
            yield Action("walker", "up")
        if x < self.n - 2:
            yield Action("wind", "gust", fault=True)

    def step(self, state, action):
        x, y = state
        return {"right": (x + 1, y), "up": (x, y + 1), "gust": (x + 2, y)}[action.name]


def brute_force_distance(model, target):
    """Shortest number of actions to a state satisfying target, by trying every sequence."""
    for length in range(0, 12):
        for sequence in itertools.product(range(3), repeat=length):
            state, ok = model.initial_state(), True
            for choice in sequence:
                actions = list(model.actions(state))
                if choice >= len(actions):
                    ok = False
                    break
                state = model.step(state, actions[choice])
            if ok and target(state):
                return length
    raise AssertionError("not found")


def test_exhaustive_search_counts_every_state_and_transition():
    """Does BFS of a 4 x 4 grid visit its 16 states and 32 transitions, and call it exhaustive?"""
    result = explore(Grid(4))
    assert result.states == 16
    # right: 3 per row x 4 rows; up: 3 per column x 4; gust: 2 per row x 4.
    assert result.transitions == 12 + 12 + 8
    assert result.exhaustive and result.scope == "exhaustive" and result.ok
    assert result.final_states == 1  # only (3, 3) has no move


def test_depth_is_the_longest_shortest_path():
    """Is depth the largest BFS distance (5 to (3,3) with a gust), checked by brute force?"""
    result = explore(Grid(4))
    assert result.depth == brute_force_distance(Grid(4), lambda s: s == (3, 3)) == 5


def test_first_violation_is_a_shortest_counterexample():
    """Is the trace to x + y >= 4 as short as brute force says (a gust makes it 3, not 4)?"""
    model = Grid(4, [Invariant("x + y below 4", lambda s: s[0] + s[1] < 4)])
    result = explore(model)
    violation = result.violation
    assert violation.invariant == "x + y below 4" and violation.kind == "state"
    assert len(violation) == brute_force_distance(model, lambda s: s[0] + s[1] >= 4) == 3
    assert violation.end_state[0] + violation.end_state[1] == 4
    assert not result.exhaustive and result.bound == "stopped at the first violation"


def test_step_and_final_invariants_are_checked_where_they_apply():
    """Does a step invariant see (before, action, after) and a final one only the end state?"""
    no_gust_from_origin = StepInvariant("no gust from the origin",
                                        lambda before, action, after: not (
                                            before == (0, 0) and action.fault))
    step = explore(Grid(3, [no_gust_from_origin]))
    assert step.violation.kind == "step" and step.violation.actions == ["gust"]
    final = explore(Grid(3, [FinalInvariant("ends at the origin", lambda s: s == (0, 0))]))
    assert final.violation.kind == "final"
    assert final.violation.end_state == (2, 2)
    assert len(final.violation) == 3  # gust, up, up


def test_all_violations_mode_keeps_one_shortest_trace_per_invariant():
    """With stop_at_first=False is every invariant reported once, each with its own shortest trace?"""
    model = Grid(4, [Invariant("x below 2", lambda s: s[0] < 2),
                     Invariant("y below 3", lambda s: s[1] < 3)])
    result = explore(model, stop_at_first=False)
    lengths = {v.invariant: len(v) for v in result.violations}
    assert lengths == {"x below 2": 1, "y below 3": 3}
    assert result.exhaustive  # the search went on to the end


def test_max_states_says_bounded_not_exhaustive():
    """Does a cap below the state count stop the search and say so, instead of passing silently?"""
    result = explore(Grid(4), max_states=5)
    assert result.states == 5
    assert not result.exhaustive
    assert result.scope == "bounded: not exhaustive (max_states=5)"
    assert "bounded: not exhaustive" in str(result)


def test_max_depth_bounds_the_search():
    """Does max_depth=2 keep only states within 2 actions and report the bound?"""
    result = explore(Grid(4), max_depth=2)
    assert result.depth == 2 and not result.exhaustive
    assert result.bound == "max_depth=2"
    model = Grid(4)
    within_two = {state for state in itertools.product(range(4), repeat=2)
                  if brute_force_distance(model, lambda s, state=state: s == state) <= 2}
    assert result.states == len(within_two) == 8  # (3,0) by gust + right, (2,1) by gust + up


def test_canonical_keys_merge_equivalent_states():
    """Does a key that forgets a counter collapse an unbounded run into finitely many states?"""
    model = FunctionModel((0, 0), lambda s: [Action("clock", "tick")],
                          lambda s, a: ((s[0] + 1) % 3, s[1] + 1), key=lambda s: s[0])
    result = explore(model)
    assert result.states == 3 and result.exhaustive


def test_graph_is_returned_on_request():
    """Does keep_graph give one node per state and one edge per transition?"""
    result = explore(Grid(3), keep_graph=True)
    nodes, edges = result.graph
    assert len(nodes) == result.states == 9
    assert len(edges) == result.transitions
    assert set(edges.columns) == {"source", "target", "actor", "action", "fault"}
    assert explore(Grid(3)).graph is None


def test_random_walks_are_seeded_and_find_deep_violations():
    """Do the same seeds give the same walks, and do walks find a violation beyond a small bound?"""
    deep = Grid(8, [Invariant("never at the top right", lambda s: s != (7, 7))])
    bounded = explore(deep, max_states=10)
    assert bounded.ok and not bounded.exhaustive
    first = random_walks(deep, walks=50, length=40, seed=3)
    again = random_walks(deep, walks=50, length=40, seed=3)
    assert first.violation is not None
    assert first.violation.actions == again.violation.actions
    assert first.summary() == again.summary()
    assert not first.exhaustive
    checked = check(deep, max_states=10, walks=50, length=40, seed=3)
    assert checked.violation.actions == first.violation.actions
    assert checked.bound.startswith("max_states=10, then random walks")


def test_check_is_exhaustive_when_the_space_fits():
    """Does check return the exhaustive BFS result when the space fits under max_states?"""
    result = check(Grid(4))
    assert result.exhaustive and result.method == "breadth-first search"


def test_counterexample_table_and_timeline():
    """Is the trace a tidy table (row 0 = start) and a figure with a fault trace?"""
    model = Grid(4, [Invariant("x below 2", lambda s: s[0] < 2)])
    violation = explore(model).violation
    table = violation.table()
    assert table.columns.tolist() == ["step", "actor", "action", "fault", "state"]
    assert table["step"].tolist() == list(range(len(violation) + 1))
    assert table.loc[1, "action"] == "gust" and bool(table.loc[1, "fault"])
    figure = timeline_figure(violation)
    assert [trace.name for trace in figure.data] == ["action", "fault", "violation"]
    assert list(figure.data[2].x) == [len(violation)]
    assert list(figure.data[1].text) == ["gust"]
    with pytest.raises(ValueError, match="counterexample"):
        timeline_figure("not a trace")


@pytest.mark.parametrize("call, name", [
    (lambda: explore(Grid(3), max_states=0), "max_states"),
    (lambda: explore(Grid(3), max_depth=-1), "max_depth"),
    (lambda: random_walks(Grid(3), walks=0), "walks"),
    (lambda: random_walks(Grid(3), length=0), "length"),
    (lambda: random_walks(Grid(3), seed=-1), "seed"),
    (lambda: explore(Grid(3), max_states=10**9), "max_states"),
    (lambda: random_walks(Grid(3), walks=10**9), "walks"),
    (lambda: explore(Grid(3), max_depth=True), "max_depth"),
    (lambda: explore(object()), "model"),
    (lambda: explore(FunctionModel([], lambda s: [], lambda s, a: s)), "hashable"),
    (lambda: explore(Grid(3, ["not an invariant"])), "invariants"),
    (lambda: FunctionModel(0, "no", lambda s, a: s), "actions"),
])
def test_bad_input_raises_a_value_error_naming_the_parameter(call, name):
    """Does each bad argument raise a ValueError that names it?"""
    with pytest.raises(ValueError, match=name):
        call()


def test_freeze_is_canonical():
    """Do equal dicts/sets in any order freeze to equal hashable keys?"""
    a = freeze({"seen": {1, 2}, "log": [("x", 1)], "n": {"b": 1, "a": 2}})
    b = freeze({"n": {"a": 2, "b": 1}, "log": [("x", 1)], "seen": {2, 1}})
    assert a == b and hash(a) == hash(b)
    assert freeze({"seen": {1}}) != freeze({"seen": {2}})


def test_ep13s_breaker_is_one_model_on_the_engine():
    """Is the breaker explorer's model an engine model: same counts, same shortest trace, as a table?"""
    from course.patterns.explorer import SMALL_COUNT_CONFIG, BreakerModel, broken_breaker
    from course.patterns.explorer import explore as explore_breaker

    model = BreakerModel(SMALL_COUNT_CONFIG)
    engine = explore(model)
    ep13 = explore_breaker(model)
    assert (engine.states, engine.transitions, engine.depth) == (ep13.states, ep13.transitions,
                                                                 ep13.depth) == (140, 400, 18)
    assert engine.exhaustive and ep13.complete
    bad = explore(BreakerModel(SMALL_COUNT_CONFIG, machine=broken_breaker)).violation
    assert bad.invariant == "never OPEN -> CLOSED directly"
    assert bad.actions == ["request", "request", "success", "failure", "tick", "tick", "request"]
    assert bad.table()["actor"].tolist()[1:] == ["client", "client", "dependency", "dependency",
                                                 "clock", "clock", "client"]


def test_shrink_cuts_a_random_walk_trace_to_a_short_one():
    """Does shrinking turn a long random-walk trace into a 3-step one (the BFS shortest)?"""
    from course.exploration import shrink

    model = Grid(6, [Invariant("x + y below 3", lambda s: s[0] + s[1] < 3)])
    long = random_walks(model, walks=10, length=30, seed=5, shrink=False).violation
    short = shrink(model, long)
    assert short.invariant == long.invariant
    assert len(short) <= len(long)
    assert len(short) == len(explore(model).violation) == 2  # a gust and a step
    assert random_walks(model, walks=10, length=30, seed=5).violation.actions == short.actions
    with pytest.raises(ValueError, match="counterexample"):
        shrink(model, "trace")


def graph_model(edges, target):
    """A model walking a directed graph from node 0; reaching ``target`` breaks the invariant."""
    return FunctionModel(0, lambda node: [Action("walker", f"{node}->{to}") for to in edges[node]],
                         lambda node, action: int(action.name.split("->")[1]),
                         [Invariant("never at the target", lambda node: node != target)])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(2, 8).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.lists(st.integers(0, n - 1), max_size=3, unique=True),
                         min_size=n, max_size=n), st.integers(1, n - 1))))
def test_bfs_agrees_with_networkx_on_random_graphs(case):
    """On random directed graphs, is the counterexample as long as networkx's shortest path,
    and without one, are the states and transitions exactly the reachable nodes and edges?"""
    n, edges, target = case
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((a, b) for a in range(n) for b in edges[a])
    result = explore(graph_model(edges, target))
    reachable = nx.descendants(graph, 0) | {0}
    if target in reachable:
        assert len(result.violation) == nx.shortest_path_length(graph, 0, target)
        assert result.violation.end_state == target
    else:
        assert result.ok and result.exhaustive
        assert result.states == len(reachable)
        assert result.transitions == sum(len(edges[node]) for node in reachable)
        lengths = nx.single_source_shortest_path_length(graph, 0)
        assert result.depth == max(lengths.values())


def test_graph_nodes_carry_the_state_objects():
    """Does the graph's value column hold the states themselves (for a picture of a field)?"""
    nodes, _ = explore(Grid(3), keep_graph=True).graph
    assert set(nodes["value"]) == {(x, y) for x in range(3) for y in range(3)}
