"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite: Ed25519 over RFC 8785 JSON.

What this is, said plainly: a detached Ed25519 signature over the JCS-canonical bytes of
the credential, stored in a ``proof`` block of type ``DataIntegrityProof``. The algorithm is
the ``eddsa-jcs-2022`` cryptosuite of W3C *Data Integrity EdDSA Cryptosuites v1.0*:
``SHA-256(JCS(proof options)) || SHA-256(JCS(credential without proof))`` is signed, and the
signature is stored as multibase base58btc. ``tests/test_certify_proof.py`` reproduces the
W3C test vector of that suite byte for byte.

What it is not: ``eddsa-rdfc-2022``, the cryptosuite Open Badges 3.0 names for linked-data
proofs. That one signs the RDF graph after JSON-LD expansion and RDF Dataset
Canonicalization, which needs the JSON-LD context documents (fetched from the network or
pinned) and an RDF canonicalization library, neither of which this kit has — and terms that
a context does not define silently drop out of the signed graph. JCS signs every byte of the
JSON as written. A verifier that accepts only ``eddsa-rdfc-2022`` will not accept these proofs;
``dsu verify`` (or any ``eddsa-jcs-2022`` implementation) will.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
>>> signed = add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "x"}, key,
...                    created="2024-01-01T00:00:00Z")
>>> signed["proof"]["cryptosuite"], verify_proof(signed) == signed["proof"]["verificationMethod"]
('eddsa-jcs-2022', True)
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.canonical_json import canonical_json
from certificates.keys import (
    base58btc_decode,
    base58btc_encode,
    did_key,
    public_key_bytes_from_did,
    raw_public,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"


class ProofError(ValueError):
    """A proof that does not verify, with the reason in words."""


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signing_input(document: dict, options: dict) -> bytes:
    """SHA-256(JCS(proof options)) || SHA-256(JCS(document)): the 64 bytes Ed25519 signs."""
    return hashlib.sha256(canonical_json(options)).digest() + hashlib.sha256(canonical_json(document)).digest()


def add_proof(document: dict, key: Ed25519PrivateKey, created: str | None = None,
              proof_purpose: str = "assertionMethod") -> dict:
    """A copy of ``document`` with an eddsa-jcs-2022 proof by ``key`` (named by its did:key)."""
    if "proof" in document:
        raise ValueError("the document already carries a proof")
    unsecured = copy.deepcopy(document)
    did = did_key(raw_public(key.public_key()))
    options = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created or now_utc(),
               "verificationMethod": f"{did}#{did.removeprefix('did:key:')}", "proofPurpose": proof_purpose}
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = key.sign(signing_input(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + base58btc_encode(signature)}}


def verify_proof(document: dict, trusted_key: bytes | None = None) -> str:
    """Check the document's eddsa-jcs-2022 proof; return its verificationMethod or raise ProofError.

    With ``trusted_key`` (32 raw bytes), the proof must also be made by that key.
    """
    if not isinstance(document, dict):
        raise ProofError("a credential is a JSON object")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("no proof: the credential is not signed")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof {proof.get('type')!r}/{proof.get('cryptosuite')!r}; "
                         f"expected {PROOF_TYPE}/{CRYPTOSUITE}")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("the proofValue is not a base58btc multibase string")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("the proof names no verificationMethod")
    try:
        signature = base58btc_decode(value[1:])
        if method.startswith("did:key:"):
            signer = public_key_bytes_from_did(method)
        elif trusted_key is not None:
            signer = trusted_key  # an https method is not resolved: it must be the key we were given
        else:
            raise ValueError(f"cannot resolve {method!r} without the issuer's public key")
    except ValueError as error:
        raise ProofError(str(error)) from None
    if trusted_key is not None and signer != trusted_key:
        raise ProofError("signed by a different key than the issuer's public key given to verify it")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in options and options["@context"] != unsecured.get("@context"):
        raise ProofError("the proof's @context differs from the credential's")
    try:
        Ed25519PublicKey.from_public_bytes(signer).verify(signature, signing_input(unsecured, options))
    except (InvalidSignature, ValueError):
        raise ProofError("the signature does not match: the credential was changed after signing") from None
    return method
