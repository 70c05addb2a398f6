"""Tests for course.replication.crdt: the merge laws, each type's specification, and the resurrection bug.

The property tests cover the registers of course.replication.registers too (one history runner for
every type); tests/test_crdt_registers.py has the registers' hand-made cases.

The property tests run random histories on three replicas (updates at a replica, or one
replica merging another's state) and, beside the CRDT, an abstract specification that
records events by unique id: what a replica should show is computed from the events in its
causal past, never from the CRDT's own code.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from course.replication.crdt import (
    Dot,
    GCounter,
    GSet,
    NaiveORSet,
    ORSet,
    PNCounter,
    VersionVector,
    join,
)
from course.replication.registers import LWWRegister, MVRegister

REPLICAS = ("ann", "bob", "cat")
ELEMENTS = ("x", "y")
KINDS = ("gcounter", "pncounter", "gset", "orset", "naive", "lww", "mv")
EMPTY = {"gcounter": GCounter, "pncounter": PNCounter, "gset": GSet, "orset": ORSet,
         "naive": NaiveORSet, "lww": LWWRegister, "mv": MVRegister}

# One step of a history: ("update", replica, (flag, element, number)) or ("merge", into, from).
steps = st.one_of(
    st.tuples(st.just("update"), st.integers(0, 2),
              st.tuples(st.booleans(), st.sampled_from(ELEMENTS), st.integers(1, 3))),
    st.tuples(st.just("merge"), st.integers(0, 2), st.integers(0, 2)),
)
histories = st.lists(steps, max_size=14)


class Spec:
    """The abstract replica: sets of event ids known, merged by union (a causal history)."""

    def __init__(self):
        self.events: set[int] = set()

    def merge(self, other: Spec) -> None:
        self.events |= other.events


def run(kind: str, history):
    """Play ``history`` on three replicas of ``kind``; return (states, specs, event log)."""
    states = [EMPTY[kind]() for _ in REPLICAS]
    specs = [Spec() for _ in REPLICAS]
    log: dict[int, tuple] = {}  # event id -> (what, element/value, number, replica)
    for step in history:
        if step[0] == "merge":
            _, into, source = step
            states[into] = states[into].merge(states[source])
            specs[into].merge(specs[source])
            continue
        _, index, (flag, element, number) = step
        replica, state, spec = REPLICAS[index], states[index], specs[index]
        if kind == "gcounter":
            states[index], event = state.increment(replica, number), ("inc", None, number)
        elif kind == "pncounter":
            if flag:
                states[index], event = state.increment(replica, number), ("inc", None, number)
            else:
                states[index], event = state.decrement(replica, number), ("dec", None, number)
        elif kind == "gset":
            states[index], event = state.add(element), ("add", element, None)
        elif kind in ("orset", "naive"):
            if flag:
                states[index], event = state.add(element, replica), ("add", element, None)
            else:
                # A remove cancels exactly the adds of the element this replica has seen.
                seen = frozenset(e for e in spec.events
                                 if log[e][0] == "add" and log[e][1] == element)
                states[index], event = state.remove(element), ("remove", element, seen)
        elif kind == "lww":
            # Timestamps: number plus a per-replica step, so (timestamp, replica) is unique.
            timestamp = number + 10 * len([e for e in log.values() if e[3] == replica])
            states[index] = state.assign(element, timestamp=timestamp, replica=replica)
            event = ("write", element, timestamp)
        else:  # mv: a write overwrites the writes this replica has seen
            states[index] = state.assign(element, replica)
            event = ("write", element, frozenset(e for e in spec.events if log[e][0] == "write"))
        event_id = len(log)
        log[event_id] = (*event, replica)
        spec.events.add(event_id)
    return states, specs, log


def expected_value(kind: str, spec: Spec, log):
    """What a replica whose causal past is ``spec.events`` must show, by each type's spec."""
    events = [log[e] for e in sorted(spec.events)]
    if kind == "gcounter":
        return sum(number for _, _, number, _ in events)
    if kind == "pncounter":
        return sum(number if what == "inc" else -number for what, _, number, _ in events)
    if kind == "gset":
        return frozenset(element for _, element, _, _ in events)
    if kind in ("orset", "naive"):
        cancelled = set().union(*(seen for what, _, seen, _ in events if what == "remove"))
        return frozenset(log[e][1] for e in spec.events
                         if log[e][0] == "add" and e not in cancelled)
    if kind == "lww":
        writes = [(timestamp, replica, value) for _, value, timestamp, replica in events]
        return max(writes)[2] if writes else None
    overwritten = set().union(*(seen for _, _, seen, _ in events))
    return frozenset(log[e][1] for e in spec.events if e not in overwritten)


def shown_value(kind: str, state):
    return state.values if kind == "mv" else state.value


# --- the merge laws ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories)
def test_merge_is_commutative_associative_idempotent(kind, history):
    """Does merging reachable states obey the three laws, whatever the history?"""
    a, b, c = run(kind, history)[0]
    assert a.merge(b) == b.merge(a)
    assert a.merge(b).merge(c) == a.merge(b.merge(c))
    assert a.merge(a) == a
    # The merge is an upper bound of both inputs: merging either again changes nothing.
    assert a.merge(b).merge(a) == a.merge(b) == a.merge(b).merge(b)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "naive"])
@settings(max_examples=100, deadline=None)
@given(history=histories, index=st.integers(0, 2))
def test_every_update_is_an_inflation(kind, history, index):
    """Does each update of a correct CRDT move its state up the merge order (s ⊔ u(s) = u(s))?"""
    states, _, _ = run(kind, history)
    before = states[index]
    after = run(kind, [*history, ("update", index, (False, "x", 2))])[0][index]
    assert before.merge(after) == after


def test_naive_remove_is_not_an_inflation():
    """Does the naive set's remove move the state *down* — the root of the resurrection?"""
    before = NaiveORSet().add("x", "ann")
    after = before.remove("x")
    assert before.merge(after) != after


# --- each type meets its specification at every replica -----------------------------------


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "naive"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories)
def test_every_replica_shows_what_its_causal_past_implies(kind, history):
    """Does every replica's value equal the specification applied to the events it has seen?"""
    states, specs, log = run(kind, history)
    for state, spec in zip(states, specs):
        assert shown_value(kind, state) == expected_value(kind, spec, log)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "naive"])
@settings(max_examples=80, deadline=None)
@given(history=histories, order=st.permutations(range(3)))
def test_replicas_that_saw_the_same_events_agree(kind, history, order):
    """Do all replicas converge to one state once everyone has merged everyone, in any order?"""
    states, _, _ = run(kind, history)
    merged = [join(states[i] for i in order), join(states), join(reversed(states))]
    assert merged[0] == merged[1] == merged[2]


# --- the resurrection bug ---------------------------------------------------------------


def test_naive_set_resurrects_an_element_removed_after_it_was_seen():
    """Does the tag-less set bring back an element that Ann removed after seeing Bob's add?"""
    bob = NaiveORSet().add("milk", "bob")
    ann = NaiveORSet().merge(bob).remove("milk")   # Ann saw the add, then removed the milk
    assert "milk" not in ann
    assert "milk" in ann.merge(bob)                # Bob's stale copy resurrects it
    # The same story on the OR-Set: Ann's context has seen Bob's dot, so it stays removed.
    bob = ORSet().add("milk", "bob")
    ann = ORSet().merge(bob).remove("milk")
    assert "milk" not in ann.merge(bob) and "milk" not in bob.merge(ann)


def test_hypothesis_finds_a_history_where_the_naive_set_breaks_its_specification():
    """Does a property search find a counterexample for the naive set but none for the OR-Set?"""
    def violates(kind):
        def predicate(history):
            states, specs, log = run(kind, history)
            return any(state.value != expected_value(kind, spec, log)
                       for state, spec in zip(states, specs))
        return predicate

    counterexample = find(histories, violates("naive"),
                          settings=settings(max_examples=2000, database=None))
    # The shrunk history needs an add, a remove and a merge bringing the stale add back.
    kinds = [step[0] if step[0] == "merge" else ("add" if step[2][0] else "remove")
             for step in counterexample]
    assert {"add", "remove", "merge"} <= set(kinds)
    states, specs, log = run("naive", counterexample)
    resurrected = [state.value - expected_value("naive", spec, log)
                   for state, spec in zip(states, specs)]
    assert any(resurrected)  # the naive set shows more than the spec: removed items came back


def test_concurrent_add_and_remove_add_wins():
    """Does an add that the remover never saw survive the remove (add-wins semantics)?"""
    base = ORSet().add("x", "ann")
    ann = base.remove("x")
    bob = base.add("x", "bob")
    assert "x" in ann.merge(bob) and "x" in bob.merge(ann)
    assert bob.dots("x") == {Dot("bob", 1)}


def test_or_set_re_add_at_one_replica_keeps_one_dot():
    """Does re-adding an element replace its observed dots instead of piling them up?"""
    state = ORSet().add("x", "ann").add("x", "ann").add("x", "ann")
    assert state.dots("x") == {Dot("ann", 3)} and state.context == VersionVector({"ann": 3})


# --- counters, registers, version vectors by hand ------------------------------------------


def test_g_counter_merge_takes_maxima_not_sums():
    """Does merging the same counter twice leave its value unchanged?"""
    a = GCounter({"ann": 3, "bob": 1})
    b = GCounter({"ann": 2, "bob": 4, "cat": 1})
    assert a.merge(b).counts == {"ann": 3, "bob": 4, "cat": 1}
    assert a.merge(b).merge(b).value == 8


def test_pn_counter_can_go_negative():
    """Can a PN-Counter hold a negative value after merging decrements?"""
    a = PNCounter().decrement("ann", 3)
    b = PNCounter().increment("bob", 1)
    assert a.merge(b).value == -2


@given(st.lists(st.dictionaries(st.sampled_from(REPLICAS), st.integers(0, 4)),
                min_size=3, max_size=3))
def test_version_vector_merge_is_the_least_upper_bound(counts):
    """Is merge the smallest vector above both inputs, and is <= a partial order?"""
    a, b, c = (VersionVector(item) for item in counts)
    upper = a.merge(b)
    assert a <= upper and b <= upper
    if a <= c and b <= c:
        assert upper <= c
    assert a <= a
    if a <= b and b <= a:
        assert a == b
    if a <= b and b <= c:
        assert a <= c
    assert a.concurrent_with(b) == (not a <= b and not b <= a)


def test_version_vector_contains_dot():
    """Does a vector contain exactly the dots up to its count per replica?"""
    vv = VersionVector({"ann": 2})
    assert [vv.contains(Dot("ann", n)) for n in (1, 2, 3)] == [True, True, False]
    assert not vv.contains(Dot("bob", 1))


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: GCounter().increment("", 1), "replica"),
    (lambda: GCounter().increment(3, 1), "replica"),
    (lambda: GCounter().increment("ann", 0), "amount"),
    (lambda: GCounter({"ann": -1}), "counts"),
    (lambda: PNCounter().decrement("ann", 1.5), "amount"),
    (lambda: GCounter().merge(GSet()), "other must be a GCounter"),
    (lambda: ORSet().merge(NaiveORSet()), "other must be a ORSet"),
    (lambda: ORSet({"x": [Dot("ann", 1)]}), "context has not seen"),
    (lambda: join([]), "at least one"),
    (lambda: join([1.0, 2.0]), "CRDT states"),
    (lambda: GCounter(3.0), "counts must be a mapping"),
    (lambda: GSet(0.0), "elements must be a collection"),
    (lambda: GSet().add(["unhashable"]), "element must be hashable"),
    (lambda: ORSet().add({"a": 1}, "ann"), "element must be hashable"),
    (lambda: ORSet({"x": [("ann", 0)]}, VersionVector({"ann": 1})), "counter"),
    (lambda: ORSet(context={"ann": 1}), "context must be a VersionVector"),
    (lambda: VersionVector().contains(("ann", 1)), "Dot"),
    (lambda: VersionVector().concurrent_with(3.0), "other must be a VersionVector"),
    (lambda: Dot("", 1), "replica"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, message):
    """Does each bad argument raise a ValueError that says what is wrong?"""
    with pytest.raises(ValueError, match=message):
        call()


def test_unhashable_values_are_simply_not_members():
    """Is asking whether a list is in a set answered False rather than raising?"""
    assert ["x"] not in GSet({"x"}) and ["x"] not in ORSet().add("x", "ann")


def test_states_are_immutable_values():
    """Does an update leave the original state untouched?"""
    for empty, update in [
        (GCounter(), lambda s: s.increment("ann")),
        (ORSet(), lambda s: s.add("x", "ann")),
    ]:
        snapshot = repr(empty)
        update(empty)
        assert repr(empty) == snapshot
