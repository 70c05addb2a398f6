"""What the exploration engine explores: a *model* of a small system, with faults.

A model is an object with four parts:

- ``initial_state()`` — where every run starts;
- ``actions(state)`` — the :class:`Action` objects enabled in a state, ordinary ones and
  *faults* (a crash at this point, a duplicate delivery, a reordering, a timeout) alike;
- ``step(state, action)`` — the transition function: the state after ``action``;
- ``invariants`` — the properties to check, of three kinds: an :class:`Invariant` must hold
  in every reachable state, a :class:`StepInvariant` on every transition (it sees the state
  before, the action and the state after), a :class:`FinalInvariant` in every *final* state
  (``is_final(state)``; by default, a state where nothing is enabled any more).

Two optional methods make the search cheaper and its output readable: ``key(state)`` (a
canonical, hashable form: two states with equal keys behave alike from then on, so the
search visits one of them) and ``describe(state)`` (one short line for a timeline). The
:class:`Model` base class supplies defaults for all of them; subclass it and override what
your model needs. States should be immutable (frozen dataclasses, tuples): the search keeps
them and hands the same object to several transitions.

>>> class Counter(Model):
...     '''Count to 2; a fault may add 2 at once.'''
...     invariants = (Invariant("never above 2", lambda state: state <= 2),)
...     def initial_state(self):
...         return 0
...     def actions(self, state):
...         if state < 2:
...             yield Action("counter", "add 1")
...             yield Action("counter", "add 2", fault=True)
...     def step(self, state, action):
...         return state + (2 if action.name == "add 2" else 1)
>>> sorted(Counter().key(s) for s in (0, 1))
[0, 1]
>>> Action("broker", "duplicate m1", fault=True)
Action(actor='broker', name='duplicate m1', fault=True)

Taught in: Ep14 · 2-implementation (the checker), reused by Ep15–17 and Ep19.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

__all__ = ["Action", "Invariant", "StepInvariant", "FinalInvariant", "Model", "FunctionModel"]


@dataclass(frozen=True)
class Action:
    """One thing that can happen: who does it (``actor``), what (``name``), and whether it is
    a fault the environment injects (``fault=True``) rather than the system's own move."""

    actor: str
    name: str
    fault: bool = False


@dataclass(frozen=True)
class Invariant:
    """A property of every reachable state: ``holds(state) -> bool``."""

    name: str
    holds: Callable


@dataclass(frozen=True)
class StepInvariant:
    """A property of every transition: ``holds(before, action, after) -> bool``."""

    name: str
    holds: Callable


@dataclass(frozen=True)
class FinalInvariant:
    """A property of every final state (nothing left to do): ``holds(state) -> bool``."""

    name: str
    holds: Callable


class Model:
    """Base class of a model: override ``initial_state``, ``actions``, ``step`` and set
    ``invariants``; ``key``, ``describe`` and ``is_final`` have sensible defaults."""

    invariants: tuple = ()

    def initial_state(self):
        raise NotImplementedError("a model must define initial_state()")

    def actions(self, state) -> Iterable[Action]:
        raise NotImplementedError("a model must define actions(state)")

    def step(self, state, action: Action):
        raise NotImplementedError("a model must define step(state, action)")

    def key(self, state) -> Hashable:
        """The canonical form used to recognise a state seen before (default: the state).

        It must keep everything the future runs and the state invariants depend on: a state
        whose key was seen before is neither expanded nor checked again.
        """
        return state

    def describe(self, state) -> str:
        """One short line for a timeline (default: ``str(state)``)."""
        return str(state)

    def is_final(self, state) -> bool:
        """Is the run over here? (default: no action is enabled any more)."""
        return not any(True for _ in self.actions(state))


class FunctionModel(Model):
    """A model from plain functions, for a quick check in a notebook.

    >>> from course.exploration import explore
    >>> model = FunctionModel(initial=0,
    ...                       actions=lambda n: [Action("clock", "tick")] if n < 3 else [],
    ...                       step=lambda n, action: n + 1,
    ...                       invariants=[Invariant("at most 3", lambda n: n <= 3)])
    >>> explore(model).states
    4
    """

    def __init__(self, initial, actions: Callable, step: Callable, invariants: Iterable = (),
                 key: Callable | None = None, describe: Callable | None = None):
        for name, function in (("actions", actions), ("step", step)):
            if not callable(function):
                raise ValueError(f"{name} must be a callable; got {function!r}")
        self._initial = initial
        self._actions = actions
        self._step = step
        self._key = key
        self._describe = describe
        self.invariants = tuple(invariants)

    def initial_state(self):
        return self._initial

    def actions(self, state):
        return self._actions(state)

    def step(self, state, action):
        return self._step(state, action)

    def key(self, state):
        return state if self._key is None else self._key(state)

    def describe(self, state):
        return str(state) if self._describe is None else self._describe(state)
