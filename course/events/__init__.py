"""Event-driven patterns: event sourcing, publish–subscribe delivery, a partitioned log, sagas.

Modules (each small, named for what it holds):

=================  ======================================================================
``store``          EventStore (append with an expected version, ConcurrencyConflictError),
                   ``fold``, the tiny ledger, compensating events, projections rebuilt
``snapshots``      snapshots and the cost of a snapshot interval (SnapshotPolicy)
``upcasting``      reading old events in a new schema (``upcast``)
``delivery``       pub/sub delivery under consumer and broker crashes: a seeded simulation
                   on :mod:`course.sim` (semantics, ordering, dead letters, lag)
``groups``         consumer groups: partition assignment, idle consumers, rebalancing, lag
``replication``    one replicated partition losing its leader: acks, ISR,
                   min.insync.replicas — what is lost, measured
``saga``           a linear saga: steps, its run with compensations, its O(n) state space
``costs``          when event sourcing pays, in money and effort (Ep14 · 3-strategy)
=================  ======================================================================

Glossary (units): ``publish_rate`` and ``consumer_rate`` in messages per second; ``lag`` in
messages; times in seconds; ``version`` counts the events of one stream (1, 2, …),
``position`` the events of the whole store.

>>> from course.events.store import EventStore, fold, ledger_apply
>>> store = EventStore()
>>> _ = store.append("acct", [("opened", {}), ("deposited", {"amount": 7})], expected_version=0)
>>> fold(ledger_apply, store.read("acct"), 0)
7

Taught in: Ep14 · 1-foundations (costs: 3-strategy).
"""
