"""Replication: CRDTs (counters, sets, registers), gossip anti-entropy and migrating replicated state."""
