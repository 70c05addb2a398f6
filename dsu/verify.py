"""Check a certificate: signature, issuer key, dates, revocation (and optionally the holder).

Prints VALID with what the certificate says, or REVOKED / INVALID with every reason, and exits 1.
Without --public-key the key in the keys folder is trusted. Revocation is always checked
against the status list the certificate names (its credentialStatus.statusListCredential):
give the issuer's published copy with --revocation-list, or let dsu find a status-list.json
beside the certificate or in the issuer's certificates folder ($DSU_CERTIFICATES_DIR or
build/certificates). No list found is an error (exit 2), never VALID; only
--skip-revocation-check verifies without it, and the output says so.

Example:
    dsu verify build/certificates/ada-series-3-1a2b3c4d.json
    dsu verify ada-series-3-1a2b3c4d.json --public-key issuer-ed25519.pub.pem \\
        --revocation-list status-list.json --email ada@example.org
"""

from __future__ import annotations

from pathlib import Path

from certificates.certificate_html import evidence_result
from certificates.status_list import MAX_JSON_BYTES
from certificates.verify import verify_certificate


def add_arguments(parser) -> None:
    parser.add_argument("certificate", type=Path, help="the certificate JSON file")
    parser.add_argument("--public-key", default=None,
                        help="issuer public key: PEM file, keys folder or did:key (default: the keys folder)")
    parser.add_argument("--revocation-list", type=Path, default=None,
                        help="a copy of the issuer's signed status list (JSON) the certificate points to "
                             "(default: status-list.json beside the certificate or in the certificates folder)")
    parser.add_argument("--skip-revocation-check", action="store_true",
                        help="do not check revocation (the output says the status was not checked)")
    parser.add_argument("--email", default=None, help="also check that it was issued to this e-mail address")


def _check_file(path: Path, option: str) -> None:
    """Refuse a missing, unreadable or oversized input before anything reads it."""
    if not path.exists():
        raise ValueError(f"{option}: no such file: {path}")
    if not path.is_file():
        raise ValueError(f"{option}: {path} is not a file")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{option}: {path} is {size / 1e6:.1f} MB; certificates and status lists are a few kB "
                         f"(limit {MAX_JSON_BYTES / 1e6:g} MB)")


def run(args) -> int:
    import sys

    if args.skip_revocation_check and args.revocation_list is not None:
        raise ValueError("give either --revocation-list or --skip-revocation-check, not both")
    _check_file(args.certificate, "certificate")
    if args.revocation_list is not None:
        _check_file(args.revocation_list, "--revocation-list")
    result = verify_certificate(args.certificate, args.public_key, args.revocation_list, args.email,
                                check_revocation=not args.skip_revocation_check)
    if result.only_revocation_unknown:
        print(f"dsu verify: {result.reasons[0]} (or pass --skip-revocation-check)", file=sys.stderr)
        return 2
    if not result.valid:
        print(f"{'REVOKED' if result.revoked else 'INVALID'}: {args.certificate}")
        for reason in result.reasons:
            print(f"  - {reason}")
        return 1
    credential = result.credential
    print(f"VALID: {credential['name']}")
    print(f"  issued by {credential['issuer'].get('name')} ({credential['issuer']['id']}) on {credential['validFrom']}")
    for evidence in credential.get("evidence", []):
        print(f"  {evidence.get('name')}: {evidence_result(evidence)}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0
