"""The search: bounded exhaustive breadth-first exploration, then seeded random walks.

:func:`explore` visits states in order of their distance from the start (breadth-first), so
the first violation it meets comes with a **shortest** counterexample. States are
recognised by the model's canonical ``key`` and visited once. A ``max_states`` or
``max_depth`` bound stops the search early and the result says so
(``exhaustive=False``, ``scope == "bounded: not exhaustive (…)"``): a bounded search that
finds nothing has proved nothing about the states it did not reach.

:func:`random_walks` goes where the bound did not: seeded random runs from the start, each
``length`` steps long; :func:`check` does both — exhaustive if it can, walks beyond the bound
if it cannot.

>>> from course.exploration.model import Action, FunctionModel, Invariant
>>> # A counter that a fault may push by 2: is it ever above 3?
>>> model = FunctionModel(
...     initial=0,
...     actions=lambda n: [Action("c", "+1"), Action("c", "+2", fault=True)] if n < 3 else [],
...     step=lambda n, action: n + (2 if action.fault else 1),
...     invariants=[Invariant("at most 3", lambda n: n <= 3)])
>>> result = explore(model)
>>> result.violation.actions         # the shortest way there: two faults
['+2', '+2']
>>> explore(model, max_states=2).scope
'bounded: not exhaustive (max_states=2)'
>>> random_walks(model, walks=20, length=10, seed=1).violation is not None
True
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from course.exploration.model import FinalInvariant, Invariant, Model, StepInvariant
from course.exploration.results import Counterexample, Exploration, Step
from course.validation import require_int

__all__ = ["explore", "random_walks", "check", "shrink"]


def _split_invariants(model):
    invariants = tuple(getattr(model, "invariants", ()))
    kinds = {Invariant: [], StepInvariant: [], FinalInvariant: []}
    for invariant in invariants:
        if type(invariant) not in kinds:
            raise ValueError(f"model.invariants must hold Invariant, StepInvariant or "
                             f"FinalInvariant objects; got {invariant!r}")
        kinds[type(invariant)].append(invariant)
    return kinds[Invariant], kinds[StepInvariant], kinds[FinalInvariant]


def _require_model(model):
    for name in ("initial_state", "actions", "step"):
        if not callable(getattr(model, name, None)):
            raise ValueError(f"model must have a method {name}(); see course.exploration.Model")


def _key(model, state):
    key = model.key(state) if hasattr(model, "key") else state
    try:
        hash(key)
    except TypeError:
        raise ValueError(f"model.key(state) must be hashable (use tuples, frozensets, frozen "
                         f"dataclasses); got {type(key).__name__}") from None
    return key


def _describe(model, state) -> str:
    return model.describe(state) if hasattr(model, "describe") else str(state)


def _is_final(model, state, actions=None) -> bool:
    overridden = getattr(type(model), "is_final", Model.is_final) is not Model.is_final
    if overridden:
        return bool(model.is_final(state))
    # The default rule, without asking the model for its actions a second time.
    return not (actions if actions is not None else list(model.actions(state)))


def _broken(model, state_invariants, final_invariants, state, final):
    """The first state or final invariant that ``state`` breaks, as (name, kind), or None."""
    for invariant in state_invariants:
        if not invariant.holds(state):
            return invariant.name, "state"
    if final:
        for invariant in final_invariants:
            if not invariant.holds(state):
                return invariant.name, "final"
    return None


def _counterexample(model, name, kind, start, path) -> Counterexample:
    """``path`` is the list of (action, state after) from the start."""
    steps = tuple(Step(number, action.actor, action.name, bool(action.fault),
                       _describe(model, after))
                  for number, (action, after) in enumerate(path, start=1))
    end = path[-1][1] if path else start
    return Counterexample(name, kind, _describe(model, start), steps, end,
                          tuple(action for action, _ in path))


def explore(model, max_states: int = 200_000, max_depth: int | None = None,
            stop_at_first: bool = True, keep_graph: bool = False) -> Exploration:
    """Breadth-first search of ``model``'s reachable states, checking every invariant.

    ``max_states`` caps the distinct states kept, ``max_depth`` the number of actions from
    the start; hitting either makes the result ``exhaustive=False``. With ``stop_at_first``
    the search ends at the first violation (a shortest counterexample); otherwise it goes on
    and keeps the first (shortest) counterexample of each invariant. A state that breaks an
    invariant is not expanded. ``keep_graph=True`` also returns the state graph (for a
    state-space picture; costs memory).

    >>> from course.exploration.model import Action, FunctionModel
    >>> ring = FunctionModel(0, lambda n: [Action("clock", "tick")], lambda n, a: (n + 1) % 5)
    >>> result = explore(ring)
    >>> result.states, result.transitions, result.depth, result.exhaustive
    (5, 5, 4, True)
    """
    _require_model(model)
    # Upper limits keep a typo (10**9) from filling the memory or running for hours.
    require_int("max_states", max_states, minimum=1, maximum=10_000_000)
    if max_depth is not None:
        require_int("max_depth", max_depth, minimum=0, maximum=1_000_000)
    state_invariants, step_invariants, final_invariants = _split_invariants(model)
    start = model.initial_state()
    start_key = _key(model, start)
    # key -> (parent key, action, state): the BFS tree, from which a trace is read back.
    parents = {start_key: (None, None, start)}
    ids = {start_key: 0}
    nodes, edges = [], []
    violations, seen_names = [], set()
    transitions = deepest = finals = 0
    bound = None

    def trace_to(key):
        path = []
        while parents[key][0] is not None:
            parent, action, state = parents[key]
            path.append((action, state))
            key = parent
        return path[::-1]

    def record(name, kind, path):
        if name not in seen_names:
            seen_names.add(name)
            violations.append(_counterexample(model, name, kind, start, path))

    start_actions = list(model.actions(start))
    start_final = _is_final(model, start, start_actions)
    finals += start_final
    if keep_graph:
        nodes.append((0, 0, _describe(model, start), start_final, start))
    broken = _broken(model, state_invariants, final_invariants, start, start_final)
    frontier = deque()
    if broken:
        record(*broken, [])
    else:
        frontier.append((start, start_key, 0, start_actions))
    while frontier and not (stop_at_first and violations):
        state, key, depth, actions = frontier.popleft()
        if max_depth is not None and depth >= max_depth:
            if actions:
                bound = f"max_depth={max_depth}"
            continue
        for action in actions:
            after = model.step(state, action)
            transitions += 1
            for invariant in step_invariants:
                if not invariant.holds(state, action, after):
                    record(invariant.name, "step", trace_to(key) + [(action, after)])
                    break
            else:
                after_key = _key(model, after)
                if after_key in parents:
                    if keep_graph:
                        edges.append((ids[key], ids[after_key], action.actor, action.name,
                                      bool(action.fault)))
                    continue
                if len(parents) >= max_states:
                    bound = f"max_states={max_states}"
                    continue
                after_actions = list(model.actions(after))
                final = _is_final(model, after, after_actions)
                parents[after_key] = (key, action, after)
                ids[after_key] = len(ids)
                finals += final
                deepest = max(deepest, depth + 1)
                if keep_graph:
                    nodes.append((ids[after_key], depth + 1, _describe(model, after), final,
                                  after))
                    edges.append((ids[key], ids[after_key], action.actor, action.name,
                                  bool(action.fault)))
                broken = _broken(model, state_invariants, final_invariants, after, final)
                if broken:
                    record(*broken, trace_to(after_key))
                else:
                    frontier.append((after, after_key, depth + 1, after_actions))
            if stop_at_first and violations:
                break
    if stop_at_first and violations and bound is None:
        # The search did not expand the violating state nor, perhaps, the rest of the space.
        bound = "stopped at the first violation"
    graph = None
    if keep_graph:
        graph = (pd.DataFrame(nodes, columns=["id", "depth", "state", "final", "value"]),
                 pd.DataFrame(edges, columns=["source", "target", "actor", "action", "fault"]))
    return Exploration("breadth-first search", len(parents), transitions, deepest, finals,
                       tuple(violations), bound is None, bound, graph)


def _run(model, actions, state_invariants, step_invariants, final_invariants):
    """Replay ``actions`` from the start, skipping any that is not enabled when its turn comes
    (it depended on an action removed before it): the first violation met as (name, kind,
    path), or None if the run breaks nothing."""
    state, path = model.initial_state(), []
    for action in actions:
        enabled = list(model.actions(state))
        broken = _broken(model, state_invariants, final_invariants, state,
                         _is_final(model, state, enabled))
        if broken:
            return (*broken, path)
        if action not in enabled:
            continue
        after = model.step(state, action)
        path.append((action, after))
        for invariant in step_invariants:
            if not invariant.holds(state, action, after):
                return invariant.name, "step", path
        state = after
    broken = _broken(model, state_invariants, final_invariants, state, _is_final(model, state))
    return (*broken, path) if broken else None


def shrink(model, counterexample: Counterexample) -> Counterexample:
    """A shorter run breaking the same invariant: drop windows of actions (half the trace,
    a quarter, … one action), replaying the rest and skipping what is no longer possible,
    while the run still breaks it. Greedy: short, but not always shortest (breadth-first
    search gives shortest).

    Random walks find long traces; shrinking turns them into ones a person can read.

    >>> from course.exploration.model import Action, FunctionModel, Invariant
    >>> model = FunctionModel(0, lambda n: [Action("c", "+1"), Action("c", "-1")],
    ...                       lambda n, action: n + (1 if action.name == "+1" else -1),
    ...                       [Invariant("below 2", lambda n: n < 2)])
    >>> long = random_walks(model, walks=5, length=30, seed=2, shrink=False).violation
    >>> len(long) > 2, shrink(model, long).actions
    (True, ['+1', '+1'])
    """
    if not isinstance(counterexample, Counterexample) or not counterexample.replay:
        raise ValueError("counterexample must be a Counterexample found by this engine "
                         "(it carries the actions to replay)")
    invariants = _split_invariants(model)
    actions = list(counterexample.replay)
    path = None
    # Drop windows of actions, halving the window down to one action (as delta debugging
    # does): a delivery and its handling often go only together.
    size = max(1, len(actions) // 2)
    while True:
        for first in range(0, len(actions) - size + 1):
            found = _run(model, actions[:first] + actions[first + size:], *invariants)
            if found and found[0] == counterexample.invariant:
                path = found[2]
                actions = [action for action, _ in path]
                break
        else:
            if size == 1:
                break
            size = max(1, size // 2)
            continue
        size = min(size, max(1, len(actions) // 2))
    if path is None:
        return counterexample
    return _counterexample(model, counterexample.invariant, counterexample.kind,
                           model.initial_state(), path)


def random_walks(model, walks: int = 200, length: int = 100, seed: int = 0,
                 stop_at_first: bool = True, shrink: bool = True) -> Exploration:
    """``walks`` seeded random runs of at most ``length`` actions each, checking invariants.

    Each step picks one enabled action uniformly (faults included) with a numpy Generator
    seeded by ``seed``, so the same seed gives the same walks. A walk ends early in a final
    state. Counterexamples are the walks that broke an invariant, cut at the violation and
    (with ``shrink``) shortened by :func:`shrink` — short, not necessarily shortest.
    ``states`` counts the distinct states the walks met; the result is never exhaustive.

    >>> from course.exploration.model import Action, FunctionModel
    >>> ring = FunctionModel(0, lambda n: [Action("clock", "tick")], lambda n, a: (n + 1) % 5)
    >>> walked = random_walks(ring, walks=3, length=7, seed=0)
    >>> walked.states, walked.transitions, walked.scope
    (5, 21, 'bounded: not exhaustive (random walks: 3 x 7 steps, seed 0)')
    """
    _require_model(model)
    require_int("walks", walks, minimum=1, maximum=1_000_000)
    require_int("length", length, minimum=1, maximum=1_000_000)
    require_int("seed", seed, minimum=0)
    state_invariants, step_invariants, final_invariants = _split_invariants(model)
    rng = np.random.default_rng(seed)
    start = model.initial_state()
    seen = {_key(model, start)}
    finals_seen = set()
    violations, names = [], set()
    transitions = longest = 0
    for _ in range(walks):
        state, path = start, []
        broken = None
        for _ in range(length + 1):
            actions = list(model.actions(state))
            final = _is_final(model, state, actions)
            if final:
                finals_seen.add(_key(model, state))
            broken = _broken(model, state_invariants, final_invariants, state, final)
            if broken or not actions or len(path) == length:
                break
            action = actions[int(rng.integers(len(actions)))]
            after = model.step(state, action)
            transitions += 1
            path.append((action, after))
            for invariant in step_invariants:
                if not invariant.holds(state, action, after):
                    broken = (invariant.name, "step")
                    break
            state = after
            seen.add(_key(model, state))
            if broken:
                break
        longest = max(longest, len(path))
        if broken and broken[0] not in names:
            names.add(broken[0])
            found = _counterexample(model, *broken, start, path)
            violations.append(shrink_trace(model, found) if shrink and path else found)
            if stop_at_first:
                break
    bound = f"random walks: {walks} x {length} steps, seed {seed}"
    return Exploration("random walks", len(seen), transitions, longest, len(finals_seen),
                       tuple(violations), False, bound)


def check(model, max_states: int = 200_000, walks: int = 200, length: int | None = None,
          seed: int = 0) -> Exploration:
    """Exhaustive search if the space fits in ``max_states``; else seeded random walks beyond it.

    Returns the breadth-first result when it is exhaustive or found a violation (then the
    counterexample is a shortest one). Otherwise the walks' result (``length`` defaults to
    twice the depth the search reached, at least 50), whose ``bound`` names both limits;
    its ``states`` are those the walks met, ``transitions`` those of both searches.

    >>> from course.exploration.model import Action, FunctionModel
    >>> ring = FunctionModel(0, lambda n: [Action("clock", "tick")], lambda n, a: (n + 1) % 5)
    >>> check(ring).scope
    'exhaustive'
    >>> check(ring, max_states=3, walks=2, length=4).bound
    'max_states=3, then random walks: 2 x 4 steps, seed 0'
    """
    searched = explore(model, max_states=max_states)
    if searched.exhaustive or searched.violations:
        return searched
    if length is None:
        length = max(50, 2 * searched.depth)
    walked = random_walks(model, walks=walks, length=length, seed=seed)
    return Exploration("breadth-first search, then random walks", walked.states,
                       searched.transitions + walked.transitions,
                       max(searched.depth, walked.depth), walked.final_states,
                       walked.violations, False, f"{searched.bound}, then {walked.bound}")


shrink_trace = shrink  # random_walks' ``shrink`` argument hides the function's name there
