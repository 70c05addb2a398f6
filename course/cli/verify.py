"""Check a certificate: signature, issuer key, dates, revocation (and optionally the holder).

Prints VALID with what the certificate says, or INVALID with every reason, and exits 1.
Without --public-key the key in the keys folder is trusted; without --revocation-list the
revocation status is not checked (and the output says so).

Example:
    dsu verify build/certificates/ada-series-3-1a2b3c4d.json \\
        --public-key issuer-ed25519.pub.pem --revocation-list status-list.json --email ada@example.org
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("certificate", type=Path, help="the certificate JSON file")
    parser.add_argument("--public-key", default=None,
                        help="issuer public key: PEM file, keys folder or did:key (default: the keys folder)")
    parser.add_argument("--revocation-list", type=Path, default=None, help="the issuer's signed status list (JSON)")
    parser.add_argument("--email", default=None, help="also check that it was issued to this e-mail address")


def run(args) -> int:
    from grading.verify import verify_certificate

    result = verify_certificate(args.certificate, args.public_key, args.revocation_list, args.email)
    if not result.valid:
        print(f"INVALID: {args.certificate}")
        for reason in result.reasons:
            print(f"  - {reason}")
        return 1
    credential = result.credential
    print(f"VALID: {credential['name']}")
    print(f"  issued by {credential['issuer'].get('name')} ({credential['issuer']['id']}) on {credential['validFrom']}")
    for evidence in credential.get("evidence", []):
        print(f"  {evidence.get('name')}: {evidence.get('description')}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0
