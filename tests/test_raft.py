"""Tests for course.coordination.raft: each rule of the Raft paper's Figure 2 on small,
hand-checked states, the plug-in points, and hostile input."""

from __future__ import annotations

import itertools

import pytest

from course.coordination.raft import (
    NAIVE_COMMIT,
    REFERENCE,
    AppendEntries,
    AppendReply,
    Node,
    RequestVote,
    Rules,
    VoteReply,
    adopt_term_keep_role,
    advance_commit_index,
    advance_commit_index_naive,
    as_rules,
    client_request,
    handle_append_entries,
    handle_request_vote,
    heartbeat,
    log_is_up_to_date,
    majority,
    new_node,
    receive,
    replicate,
    request_vote_without_log_check,
    restart,
    step_down,
    timeout,
)


def elect(n=3, leader=0, rules=None):
    """A cluster of n fresh nodes where ``leader`` won term 1 with every vote."""
    nodes = [new_node(i, n) for i in range(n)]
    nodes[leader], requests = timeout(nodes[leader])
    for request in requests:
        nodes[request.dest], (reply,) = receive(nodes[request.dest], request, rules)
        nodes[leader], _ = receive(nodes[leader], reply, rules)
    return nodes


def test_majorities_are_floor_half_plus_one():
    assert [majority(n) for n in range(1, 8)] == [1, 2, 2, 3, 3, 4, 4]
    # Two majorities of the same cluster always share a member (what makes one leader a term).
    for n in range(1, 8):
        assert 2 * majority(n) > n


def test_a_timeout_starts_an_election_and_a_majority_makes_a_leader():
    a, requests = timeout(new_node(0, 5))
    assert (a.role, a.term, a.voted_for, a.votes) == ("candidate", 1, 0, frozenset({0}))
    assert [r.dest for r in requests] == [1, 2, 3, 4]
    assert all(isinstance(r, RequestVote) and r.term == 1 for r in requests)
    a, _ = receive(a, VoteReply(1, 1, 0, True))
    assert a.role == "candidate"                  # 2 of 5 is not a majority
    a, _ = receive(a, VoteReply(1, 2, 0, False))
    assert a.role == "candidate"                  # a refusal counts for nothing
    a, _ = receive(a, VoteReply(1, 3, 0, True))
    assert a.role == "leader" and a.next_index == (1,) * 5 and a.match_index == (0,) * 5


def test_a_one_node_cluster_leads_at_its_first_timeout_and_commits_at_once():
    node, messages = timeout(new_node(0, 1))
    assert node.role == "leader" and messages == []
    assert client_request(node, "x").commit_index == 1


def test_one_vote_per_term_and_none_for_a_stale_term():
    voter = new_node(2, 3)
    voter, (first,) = receive(voter, RequestVote(1, 0, 2, 0, 0))
    voter, (second,) = receive(voter, RequestVote(1, 1, 2, 0, 0))
    assert first.granted and not second.granted and voter.voted_for == 0
    voter, (again,) = receive(voter, RequestVote(1, 0, 2, 0, 0))
    assert again.granted                          # a retried request from the same candidate
    voter = voter._replace(term=3, voted_for=None)
    voter, (stale,) = receive(voter, RequestVote(2, 1, 2, 5, 2))
    assert not stale.granted and stale.term == 3


@pytest.mark.parametrize("last_term,last_index,expected", [
    (2, 3, True), (2, 2, True), (2, 1, False), (3, 0, True), (1, 9, False)])
def test_the_up_to_date_check(last_term, last_index, expected):
    """§5.4.1: a later last term wins; with equal last terms, the longer (or equal) log."""
    voter = Node(1, 3, term=3, log=((1, "a"), (2, "b")))
    assert log_is_up_to_date(last_term, last_index, voter) is expected
    _, reply = handle_request_vote(voter, RequestVote(3, 0, 1, last_index, last_term))
    assert reply.granted is expected


def test_without_the_log_check_a_stale_candidate_gets_the_vote():
    voter = Node(1, 3, term=1, log=((1, "x"),))
    assert not handle_request_vote(voter, RequestVote(1, 0, 1, 0, 0))[1].granted
    assert request_vote_without_log_check(voter, RequestVote(1, 0, 1, 0, 0))[1].granted


def test_any_higher_term_makes_a_leader_step_down():
    leader = elect()[0]
    for message in (RequestVote(2, 1, 0, 0, 0), VoteReply(2, 1, 0, False),
                    AppendEntries(2, 1, 0, 0, 0, (), 0), AppendReply(2, 1, 0, False, 0)):
        after, _ = receive(leader, message)
        assert (after.role, after.term) == ("follower", 2), message
    # The broken rule adopts the term but keeps leading.
    kept, _ = receive(leader, AppendReply(2, 1, 0, False, 0),
                      Rules(on_higher_term=adopt_term_keep_role))
    assert (kept.role, kept.term) == ("leader", 2)
    assert step_down(leader, 1) is leader         # an equal term changes nothing


def test_a_candidate_gives_up_to_a_leader_of_its_term():
    candidate, _ = timeout(new_node(1, 3))
    candidate, (reply,) = receive(candidate, AppendEntries(1, 0, 1, 0, 0, (), 0))
    assert candidate.role == "follower" and reply.success


def test_append_entries_consistency_check_and_conflict_truncation():
    follower = Node(1, 3, term=3, log=((1, "a"), (2, "b"), (2, "c")))
    # No entry at index 4: refused, the leader backs up.
    _, reply = handle_append_entries(follower, AppendEntries(3, 0, 1, 4, 3, (), 0))
    assert not reply.success
    # Entry 2 has term 2, not 3: refused.
    _, reply = handle_append_entries(follower, AppendEntries(3, 0, 1, 2, 3, (), 0))
    assert not reply.success
    # Matching at 1; entry 2 conflicts (term 3 vs 2): 2 and everything after go.
    after, reply = handle_append_entries(follower, AppendEntries(3, 0, 1, 1, 1, ((3, "z"),), 0))
    assert after.log == ((1, "a"), (3, "z")) and reply.success and reply.match_index == 2
    # A stale, shorter copy of entries already there must not truncate the log.
    after, reply = handle_append_entries(follower, AppendEntries(3, 0, 1, 1, 1, ((2, "b"),), 0))
    assert after.log == follower.log and reply.match_index == 2
    # A stale term is refused and changes nothing.
    after, reply = handle_append_entries(follower, AppendEntries(2, 0, 1, 0, 0, ((2, "q"),), 9))
    assert after == follower and not reply.success and reply.term == 3


def test_follower_commit_index_is_min_of_leader_commit_and_last_new_entry_never_lower():
    follower = Node(1, 3, term=1, log=((1, "a"), (1, "b"), (1, "c")), commit_index=1)
    after, _ = handle_append_entries(follower, AppendEntries(1, 0, 1, 1, 1, ((1, "b"),), 3))
    assert after.commit_index == 2                # min(3, last new entry 2)
    after, _ = handle_append_entries(follower._replace(commit_index=3),
                                     AppendEntries(1, 0, 1, 0, 0, (), 1))
    assert after.commit_index == 3                # never goes down


def test_replication_round_trip_and_the_back_up_on_refusal():
    a, b, c = elect()
    a = client_request(a, "x")
    a = client_request(a, "y")
    assert a.log == ((1, "x"), (1, "y")) and a.commit_index == 0
    b, (ack,) = receive(b, replicate(a, 1))
    a, out = receive(a, ack)
    assert a.commit_index == 2 and a.match_index[1] == 2 and out == []
    # A leader that thinks C is further than it is: refused, next_index backs up, resent.
    a = a._replace(next_index=(3, 3, 3))
    c, (no,) = receive(c, replicate(a, 2))
    a, (retry,) = receive(a, no)
    assert not no.success and a.next_index[2] == 2 and retry.prev_index == 1
    assert [m.dest for m in heartbeat(a)] == [1, 2]
    assert heartbeat(b) == [] and replicate(b, 0) is None


def test_commit_rules_current_term_versus_naive():
    """Figure 8's core: an entry of an older term on a majority commits only under the
    naive rule; the reference waits for an entry of the current term."""
    leader = Node(0, 5, term=4, role="leader", log=((1, "a"), (2, "b")),
                  next_index=(3,) * 5, match_index=(2, 2, 2, 1, 0), commit_index=1)
    assert advance_commit_index(leader).commit_index == 1
    assert advance_commit_index_naive(leader).commit_index == 2
    grown = leader._replace(log=leader.log + ((4, "c"),), match_index=(3, 3, 3, 1, 0))
    assert advance_commit_index(grown).commit_index == 3   # b commits indirectly with c
    follower = Node(1, 5, term=4, log=((4, "c"),))
    assert advance_commit_index(follower) is follower
    assert advance_commit_index_naive(follower) is follower


def test_stale_replies_are_ignored():
    a = elect()[0]
    a = a._replace(term=2)
    assert receive(a, AppendReply(1, 1, 0, True, 5))[0] == a
    candidate, _ = timeout(new_node(0, 3))
    assert receive(candidate, VoteReply(0, 1, 0, True))[0].votes == frozenset({0})


def test_restart_keeps_term_vote_and_log_only():
    leader = client_request(elect()[0], "x")._replace(commit_index=1)
    after = restart(leader)
    assert (after.term, after.voted_for, after.log) == (leader.term, leader.voted_for, leader.log)
    assert (after.role, after.commit_index, after.votes, after.next_index) == \
        ("follower", 0, frozenset(), ())


def test_a_leader_does_not_time_out_and_non_leaders_ignore_clients():
    leader = elect()[0]
    assert timeout(leader) == (leader, [])
    follower = new_node(1, 3)
    assert client_request(follower, "x") is follower


def test_rules_plug_in_points():
    assert as_rules(None) is REFERENCE and as_rules(NAIVE_COMMIT) is NAIVE_COMMIT
    mine = as_rules({"advance_commit": advance_commit_index_naive})
    assert mine == NAIVE_COMMIT
    calls = []

    def spy(node, message):
        calls.append(message)
        return handle_request_vote(node, message)

    voter, _ = receive(new_node(1, 3), RequestVote(1, 0, 1, 0, 0), {"request_vote": spy})
    assert len(calls) == 1 and voter.voted_for == 0


def test_terms_never_decrease_under_any_message_order():
    """Every permutation of a small set of messages: no node's term ever goes down."""
    messages = [RequestVote(2, 0, 1, 0, 0), AppendEntries(1, 2, 1, 0, 0, ((1, "x"),), 1),
                VoteReply(3, 2, 1, False), AppendEntries(3, 2, 1, 0, 0, (), 0)]
    for order in itertools.permutations(messages):
        node = new_node(1, 3)
        for message in order:
            before = node.term
            node, _ = receive(node, message)
            assert node.term >= before


@pytest.mark.parametrize("call,needle", [
    (lambda: new_node(3, 3), "node_id"),
    (lambda: new_node(0, 0), "n must be"),
    (lambda: new_node(0, 10), "n must be"),
    (lambda: majority(0), "n must be"),
    (lambda: Rules(request_vote=42), "request_vote must be a function"),
    (lambda: as_rules({"vote": print}), "rules has no rule 'vote'"),
    (lambda: as_rules("fast"), "rules must be"),
    (lambda: receive(new_node(0, 3), ("hello",)), "message must be"),
    (lambda: receive({"term": 1}, RequestVote(1, 0, 1, 0, 0)), "node must be a raft Node"),
    (lambda: timeout("S1"), "node must be"),
    (lambda: receive(new_node(1, 3), RequestVote(1, 0, 1, 0, 0),
                     {"request_vote": lambda node, message: True}), "request_vote must return"),
    (lambda: receive(new_node(1, 3), AppendEntries(1, 0, 1, 0, 0, (), 0),
                     {"append_entries": lambda node, message: (node, None)}),
     "append_entries must return"),
    (lambda: receive(new_node(1, 3), RequestVote(2, 0, 1, 0, 0),
                     {"on_higher_term": lambda node, term: None}), "on_higher_term must return"),
])
def test_hostile_input_is_refused_by_name(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()
