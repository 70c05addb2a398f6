"""Revocation: a signed W3C Bitstring Status List, one bit per issued certificate.

Every certificate gets a random position (``statusListIndex``) in a list of 131,072 bits
(the spec's minimum, so that one position says little about who else holds one). Revoking
sets that bit and signs the list again with the issuer key (eddsa-jcs-2022). The list is a
small JSON file (the bits are GZIP-compressed, base64url with multibase prefix ``u``) that
the issuer publishes at ``status_list_url``; ``dsu verify --revocation-list FILE`` reads a
copy of it, checks its signature, then the certificate's bit.

>>> bits = bytearray(LIST_BITS // 8)
>>> set_bit(bits, 10)
>>> bit_is_set(decode_list(encode_list(bits)), 10), bit_is_set(bits, 11)
(True, False)
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.keys import did_key, raw_public
from certificates.proof import ProofError, add_proof, now_utc, verify_proof

LIST_BITS = 131_072
#: Largest certificate or status list read (bytes): both are a few kB, so anything bigger is refused unread.
MAX_JSON_BYTES = 1_000_000
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def encode_list(bits: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode_list(encoded: str) -> bytearray:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:] + "=" * (-len(encoded[1:]) % 4)
    return bytearray(gzip.decompress(base64.urlsafe_b64decode(body)))


def set_bit(bits: bytearray, index: int) -> None:
    bits[index // 8] |= 0x80 >> (index % 8)  # index 0 is the left-most bit


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entry(list_url: str, index: int) -> dict:
    """The ``credentialStatus`` of a certificate at position ``index`` of the list at ``list_url``."""
    return {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(index), "statusListCredential": list_url}


def new_status_list(list_url: str, key: Ed25519PrivateKey, bits: bytes | None = None) -> dict:
    """A signed status list credential holding ``bits`` (default: nothing revoked)."""
    credential = {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_key(raw_public(key.public_key())),
        "validFrom": now_utc(),
        "credentialSubject": {"id": f"{list_url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": encode_list(bits if bits is not None else bytes(LIST_BITS // 8))},
    }
    return add_proof(credential, key)


def free_index(used: set[int]) -> int:
    """A random position not yet given to another certificate."""
    if len(used) >= LIST_BITS:
        raise ValueError("the status list is full")
    while True:
        index = secrets.randbelow(LIST_BITS)
        if index not in used:
            return index


def revoke_in(status_list: dict, index: int, key: Ed25519PrivateKey) -> dict:
    """The status list with bit ``index`` set, signed again."""
    verify_proof(status_list, raw_public(key.public_key()))
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    set_bit(bits, index)
    return new_status_list(status_list["id"], key, bits)


def is_revoked(credential: dict, status_list: dict, trusted_key: bytes) -> bool:
    """Whether ``credential`` is revoked in ``status_list`` (whose signature is checked first)."""
    try:
        verify_proof(status_list, trusted_key)
    except ProofError as error:
        raise ProofError(f"the revocation list cannot be trusted: {error}") from None
    status = credential.get("credentialStatus")
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        raise ProofError("the certificate has no BitstringStatusListEntry credentialStatus")
    if status.get("statusListCredential") != status_list.get("id"):
        raise ProofError(f"the certificate's status is kept in {status.get('statusListCredential')!r}, "
                         f"not in the list given ({status_list.get('id')!r})")
    try:
        index = int(status["statusListIndex"])
        bits = decode_list(status_list["credentialSubject"]["encodedList"])
    except (KeyError, ValueError, TypeError, OSError) as error:
        raise ProofError(f"unreadable status entry or list: {error}") from None
    if not 0 <= index < len(bits) * 8:
        raise ProofError(f"statusListIndex {index} lies outside the list")
    return bit_is_set(bits, index)


def read_json(path: Path) -> dict:
    """The JSON in ``path`` (at most :data:`MAX_JSON_BYTES`); ProofError if unreadable."""
    try:
        return json.loads(read_limited(Path(path), MAX_JSON_BYTES))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ProofError(f"{path}: not readable JSON ({error})") from None


def read_limited(path: Path, limit: int) -> str:
    """The text of ``path``, refusing (ValueError) a file over ``limit`` bytes before reading it.

    >>> read_limited(Path("/dev/null"), 10)
    ''
    """
    path = Path(path)
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"{path} is {size / 1e6:.1f} MB; certificates and status lists are a few kB (limit {limit / 1e6:g} MB)")
    with path.open("rb") as handle:  # a FIFO or device reports size 0: read at most limit + 1 bytes
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path} holds more than {limit / 1e6:g} MB; certificates and status lists are a few kB")
    return data.decode("utf-8")
