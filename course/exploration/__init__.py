"""The course's one exploration engine: check a small model of a system under faults.

Tests try the runs someone thought of; an explorer tries them all. You describe a system as
a *model* — an initial state, the actions enabled in a state (the system's own moves and the
faults the environment injects: a crash at this point, a duplicate delivery, a reordering, a
timeout), a transition function and invariants — and the engine

- searches breadth-first, so the first violation comes with a **shortest** counterexample;
- recognises states by a canonical key and visits each once;
- stops at ``max_states`` / ``max_depth`` and then *says* "bounded: not exhaustive";
- walks randomly (seeded) beyond the bound;
- renders a counterexample as a tidy table and a timeline figure.

=====================  ==============================================================
``model``              Model, Action, Invariant, StepInvariant, FinalInvariant,
                       FunctionModel: what a model is
``search``             explore (BFS), random_walks, check (BFS, then walks), shrink
``results``            Exploration, Counterexample, Step: what a search returns
``timeline``           timeline_figure: a counterexample drawn actor by step
``canonical``          freeze: a hashable canonical form of a learner's dicts and sets
``linearizability``   check_register: is a register's history linearizable (Ep16)
``models``             the Ep14 models (idempotent consumer, saga orchestrator) and
                       Ep16's quorum register
=====================  ==============================================================

Ep13's breaker explorer (:mod:`course.patterns.explorer`) is one model on this engine.

>>> from course.exploration import Action, FunctionModel, Invariant, explore
>>> model = FunctionModel(0, lambda n: [Action("c", "+1")] if n < 4 else [],
...                       lambda n, action: n + 1, [Invariant("below 3", lambda n: n < 3)])
>>> result = explore(model)
>>> result.violation.invariant, len(result.violation)
('below 3', 3)

Taught in: Ep14 · 2-implementation; reused by Ep15–17 and Ep19.
"""

from course.exploration.canonical import freeze
from course.exploration.model import (
    Action,
    FinalInvariant,
    FunctionModel,
    Invariant,
    Model,
    StepInvariant,
)
from course.exploration.results import Counterexample, Exploration, Step
from course.exploration.search import check, explore, random_walks, shrink
from course.exploration.timeline import timeline_figure

__all__ = ["Action", "Model", "FunctionModel", "Invariant", "StepInvariant", "FinalInvariant",
           "explore", "random_walks", "check", "Exploration", "Counterexample", "Step",
           "timeline_figure", "freeze", "shrink"]
