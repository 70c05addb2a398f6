"""Series certificates: who has earned one, signed Open Badges 3.0 credentials, verification and revocation."""
