"""Models for the exploration engine: small systems with their faults and invariants.

=====================  ==============================================================
``consumer``           an at-least-once broker and a consumer whose handler you supply:
                       crash points, duplicates, reordering; "each effect applied
                       exactly once", "no money created or lost" (Ep14)
``saga``               a saga orchestrator you supply over compensatable -> pivot ->
                       retriable steps: refusals, crashes, timeouts, duplicate replies;
                       nothing after the pivot compensated, reverse order, all done or
                       all compensated (Ep14)
``quorum``             a register on N replicas with R/W quorums, your read and write
                       decisions: every failure subset and message order, sloppy
                       quorum with hinted handoff; "every history is linearizable"
                       (Ep16)
``idempotency``        a payments API around your idempotency-key store: concurrent
                       duplicates, retries after timeouts, crashes between "charge" and
                       "store response"; "no payment charged twice" (Ep15)
``ratelimit``          a gateway around your rate limiter: non-atomic read-modify-write
                       across instances, restarts of an in-memory limiter; "at most
                       limit allowed in any window" (Ep15)
``raft``               three Raft servers running your rules: every order of elections,
                       calls, lost replies, delays, crashes; election safety, log
                       matching, leader completeness, state machine safety (Ep17)
=====================  ==============================================================

Ep13's circuit-breaker model lives beside the breaker, in :mod:`course.patterns.explorer`.

>>> from course.exploration import explore
>>> from course.exploration.models.consumer import ConsumerModel, idempotent_handler
>>> from course.exploration.models.saga import SagaModel, reference_orchestrator
>>> explore(ConsumerModel(idempotent_handler)).states, explore(SagaModel(reference_orchestrator)).states
(1198, 968)
"""
