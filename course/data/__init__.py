"""Data management: partitioning keys over servers, read models fed from a write model, Dynamo's quorums.

* :mod:`course.data.hashes` — stable MurmurHash3 key hashes (never Python's salted ``hash``);
* :mod:`course.data.partitioners` — modulo-N, ring with virtual nodes, rendezvous, jump, Maglev, bounded loads;
* :mod:`course.data.movement` — keys moved on join/leave and load spread, against theory;
* :mod:`course.data.cqrs` — a write model feeding a read model on the simulation core: lag, refresh cost;
* :mod:`course.data.quorums` — N/R/W: stale-read probability and quorum latency;
* :mod:`course.data.dynamo` — the 2007 Dynamo paper's store: preference lists, sloppy quorum, hinted handoff;
* :mod:`course.data.vclock` — vector clocks; :mod:`course.data.merkle` — Merkle-tree anti-entropy.

Taught in: Ep16 · 1-foundations.
"""
