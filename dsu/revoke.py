"""Revoke an issued certificate: set its bit in the signed status list, keep the reason.

Afterwards publish the updated status-list.json at the status_list_url of
certificates/certification.toml. `dsu verify` checks that list by default (the copy beside the
certificate, in the certificates folder, or given with --revocation-list) and then reports
the certificate INVALID: revoked by the issuer.

Example:
    dsu revoke build/certificates/ada-series-3-1a2b3c4d.json --reason "issued in error"
    dsu revoke urn:uuid:1a2b3c4d-... --reason "grade changed after review"
"""

from __future__ import annotations

from pathlib import Path

from certificates.revocation import revoke_certificate


def add_arguments(parser) -> None:
    parser.add_argument("certificate", help="certificate JSON file or credential id (urn:uuid:...)")
    parser.add_argument("--reason", required=True, help="why (kept in the issuer's registry, not published)")
    parser.add_argument("--out", type=Path, default=None, help="certificates folder (default: build/certificates)")
    parser.add_argument("--keys-dir", type=Path, default=None, help="issuer keys folder")


def run(args) -> int:
    credential_id, status_list = revoke_certificate(args.certificate, args.reason, args.out, args.keys_dir)
    print(f"revoked {credential_id}; publish {status_list} at the status list URL")
    return 0
