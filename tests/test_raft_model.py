"""Tests for course.exploration.models.raft: the reference Raft rules pass exhaustive checks
(exact state counts per bound), the naive commit rule is caught by Figure 8, and two other
plausible bugs are caught with short traces."""

from __future__ import annotations

import pytest

from course.coordination.raft import (
    Node,
    Rules,
    adopt_term_keep_role,
    request_vote_without_log_check,
)
from course.exploration import check, explore, random_walks, timeline_figure
from course.exploration.models.raft import (
    FIG8_BOUNDS,
    INVARIANTS,
    RaftModel,
    counterexample_table,
    describe_node,
)

#: bounds -> distinct states of the reference (symmetry-reduced), every search exhaustive.
STATE_COUNTS = [
    ({"max_term": 2, "max_log": 1, "requests": 1}, 551),
    ({"max_term": 3, "max_log": 1, "requests": 1}, 6_132),
    ({"max_term": 2, "max_log": 2, "requests": 2}, 2_434),
    ({"max_term": 3, "max_log": 2, "requests": 2, "timeouts": 3}, 10_302),
    ({"max_term": 2, "max_log": 1, "requests": 1, "crashes": 1}, 3_975),
    ({"max_term": 2, "max_log": 1, "requests": 1, "delays": 1}, 8_379),
    ({"max_term": 2, "max_log": 1, "requests": 1, "lost_replies": True}, 1_643),
    (FIG8_BOUNDS, 19_057),
]


@pytest.mark.parametrize("bounds,states", STATE_COUNTS, ids=[str(b) for b, _ in STATE_COUNTS])
def test_reference_passes_exhaustively_with_the_recorded_state_count(bounds, states):
    result = explore(RaftModel(**bounds))
    assert result.ok and result.exhaustive
    assert result.states == states


def test_naive_commit_rule_is_caught_by_figure_8():
    """The shortest run: x (term 1) reaches a majority under the term-3 leader S1, which
    counts it committed; S2, holding y of term 2, wins term 4 with S1's vote — a leader
    without a committed entry."""
    model = RaftModel("naive", **FIG8_BOUNDS)
    caught = explore(model).violation
    assert caught.invariant == "leader completeness" and len(caught) == 14
    table = counterexample_table(model, caught)
    last = table.iloc[-1]
    assert last["committed"] == "x1@1"
    assert [last[s] for s in ("S1", "S2", "S3")] == ["F4 [x1] c1", "L4 [y2] c0", "F3 [x1] c0"]
    # x was committed by a leader of term 3 while its entry is of term 1: Figure 8's point.
    commit_row = table[table["committed"] == "x1@1"].iloc[0]
    assert commit_row["S1"] == "L3 [x1] c1"


def test_naive_commit_then_overwritten_breaks_state_machine_safety_in_16_steps():
    model = RaftModel("naive", **FIG8_BOUNDS, invariants=("state machine safety",))
    caught = explore(model).violation
    assert caught.invariant == "state machine safety" and len(caught) == 16
    end = counterexample_table(model, caught).iloc[-1]
    assert end["committed"] == "x1@1,y2@1"        # two different entries committed at index 1
    assert end["S1"] == "F4 [y2] c1"              # S1 applied x, and now holds y there


def test_the_same_bound_with_the_reference_rule_only_differs_in_the_commit_rule():
    assert RaftModel("naive").rules == Rules(advance_commit=RaftModel("naive").rules.advance_commit)
    assert RaftModel("reference").rules == RaftModel().rules


def test_no_up_to_date_check_is_caught_in_6_steps():
    caught = explore(RaftModel({"request_vote": request_vote_without_log_check},
                               max_term=2, max_log=1, requests=1)).violation
    assert caught.invariant == "leader completeness" and len(caught) == 6
    assert caught.actions[-1] == "RequestVote S2→S1 t2"


def test_not_stepping_down_on_a_higher_term_is_caught_in_4_steps():
    caught = explore(RaftModel({"on_higher_term": adopt_term_keep_role},
                               max_term=2, max_log=1, requests=1)).violation
    assert caught.invariant == "election safety" and len(caught) == 4
    assert caught.actions == ["timeout", "RequestVote S1→S2 t1", "timeout",
                              "RequestVote S2→S1 t2"]


def test_random_walks_beyond_the_bound_are_seeded_and_find_nothing_in_the_reference():
    model = RaftModel(max_term=5, max_log=3, requests=3, crashes=1, delays=1)
    first = random_walks(model, walks=40, length=60, seed=3)
    again = random_walks(model, walks=40, length=60, seed=3)
    assert first.ok and not first.exhaustive
    assert (first.states, first.transitions) == (again.states, again.transitions)
    checked = check(model, max_states=2_000, walks=20, length=40, seed=1)
    assert checked.ok and checked.bound.startswith("max_states=2000, then random walks")


def test_random_walks_catch_the_missing_log_check():
    model = RaftModel({"request_vote": request_vote_without_log_check}, max_term=3, max_log=2,
                      requests=2)
    walked = random_walks(model, walks=300, length=40, seed=0)
    assert not walked.ok and walked.violation.invariant == "leader completeness"


def test_counterexample_renders_as_a_timeline_figure():
    model = RaftModel({"on_higher_term": adopt_term_keep_role}, max_term=2)
    figure = timeline_figure(explore(model).violation)
    assert [trace.name for trace in figure.data] == ["action", "fault", "violation"]
    assert "election safety" in figure.layout.title.text


def test_symmetric_states_share_a_key():
    model = RaftModel()
    state = model.initial_state()
    a = model.step(state, next(a for a in model.actions(state) if a.actor == "S1"))
    c = model.step(state, next(a for a in model.actions(state) if a.actor == "S3"))
    assert a != c and model.key(a) == model.key(c)


def test_describe_node():
    assert describe_node(Node(2, 3, term=4, role="candidate")) == "S3 C4 [-] c0"
    assert describe_node(Node(0, 3, term=1, log=((1, "x"),)), up=False) == "S1 down t1 [x1]"


@pytest.mark.parametrize("kwargs,needle", [
    ({"max_term": 0}, "max_term"), ({"max_term": 7}, "max_term"), ({"max_log": 5}, "max_log"),
    ({"requests": -1}, "requests"), ({"delays": 3}, "delays"), ({"crashes": 3}, "crashes"),
    ({"timeouts": 99}, "timeouts"), ({"invariants": "log matching"}, "invariants"),
    ({"invariants": ["liveness"]}, "invariants"), ({"rules": "fast"}, "rules"),
    ({"rules": {"vote": print}}, "rules has no rule"),
])
def test_hostile_bounds_are_refused_by_name(kwargs, needle):
    rules = kwargs.pop("rules", None)
    with pytest.raises(ValueError, match=needle):
        RaftModel(rules, **kwargs)


def test_every_invariant_is_named():
    assert [i.name for i in RaftModel().invariants] == list(INVARIANTS)
    with pytest.raises(ValueError, match="counterexample|model"):
        counterexample_table("model", None)
