"""Is this certificate genuine, unchanged, issued by our key and not revoked? With reasons.

:func:`verify_certificate` checks, in order: readable JSON; the Open Badges 3.0 / VC 2.0
shape; the eddsa-jcs-2022 signature, made by the issuer key the verifier trusts; the
issuer named in the credential is that key; the validity dates; the revocation list (itself
signed by the same key); optionally that it was issued to a given e-mail address. Every
failure is a reason in words; no reason means valid.

>>> verify_certificate("not json at all", public_key=bytes(32)).reasons
['the certificate is not JSON: Expecting value at line 1, column 1']
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grading.credential import OB3_CONTEXT, VC2_CONTEXT, identity_hash
from grading.keys import KeyProblem, load_public_key, public_key_bytes_from_did
from grading.proof import ProofError, verify_proof
from grading.status_list import is_revoked, read_json

CLOCK_SKEW_SECONDS = 300


@dataclass
class Verification:
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    credential: dict | None = None

    @property
    def valid(self) -> bool:
        return not self.reasons


def _shape_problems(credential) -> list[str]:
    if not isinstance(credential, dict):
        return ["the certificate is not a JSON object"]
    problems = []
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or contexts[:1] != [VC2_CONTEXT] or OB3_CONTEXT not in contexts:
        problems.append("@context must start with the VC 2.0 context and include the Open Badges 3.0 context")
    types = credential.get("type")
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= set(types):
        problems.append("type must include VerifiableCredential and OpenBadgeCredential")
    issuer = credential.get("issuer")
    if not isinstance(issuer, dict) or not isinstance(issuer.get("id"), str):
        problems.append("issuer must be a profile with an id")
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict):
        problems.append("credentialSubject.achievement is missing")
    else:
        for key in ("id", "name", "description"):
            if not isinstance(achievement.get(key), str):
                problems.append(f"credentialSubject.achievement.{key} is missing")
        if not isinstance(achievement.get("criteria"), dict) or "narrative" not in achievement["criteria"]:
            problems.append("credentialSubject.achievement.criteria.narrative is missing")
    if isinstance(subject, dict) and not isinstance(subject.get("identifier"), list):
        problems.append("credentialSubject.identifier is missing")
    if not isinstance(credential.get("validFrom"), str):
        problems.append("validFrom is missing")
    return problems


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def verify_certificate(certificate: dict | str | Path, public_key: bytes | str | Path | None = None,
                       revocation_list: dict | str | Path | None = None, email: str | None = None,
                       now: datetime | None = None) -> Verification:
    """Verify a certificate (a dict, JSON text or a file path); see the module docstring."""
    result = Verification()
    if isinstance(certificate, Path) or (isinstance(certificate, str) and not certificate.lstrip().startswith(("{", "["))
                                         and Path(certificate).suffix == ".json"):
        try:
            certificate = Path(certificate).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            result.reasons.append(f"cannot read the certificate: {error}")
            return result
    if isinstance(certificate, str):
        try:
            certificate = json.loads(certificate)
        except json.JSONDecodeError as error:
            result.reasons.append(f"the certificate is not JSON: {error.msg} at line {error.lineno}, column {error.colno}")
            return result
    result.credential = certificate if isinstance(certificate, dict) else None
    shape = _shape_problems(certificate)
    if shape:
        result.reasons += [f"not an Open Badges 3.0 credential: {p}" for p in shape]
        return result
    try:
        trusted = public_key if isinstance(public_key, bytes) else load_public_key(public_key)
    except KeyProblem as error:
        result.reasons.append(f"no issuer public key to check against: {error}")
        return result
    try:
        method = verify_proof(certificate, trusted)
    except ProofError as error:
        result.reasons.append(str(error))
        return result
    issuer_id = certificate["issuer"]["id"]
    if issuer_id.startswith("did:key:") and public_key_bytes_from_did(issuer_id) != public_key_bytes_from_did(method):
        result.reasons.append("the issuer named in the certificate is not the key that signed it")
    now = now or datetime.now(UTC)
    try:
        if (_parse_time(certificate["validFrom"]) - now).total_seconds() > CLOCK_SKEW_SECONDS:
            result.reasons.append(f"not valid yet: validFrom is {certificate['validFrom']}")
        if "validUntil" in certificate and _parse_time(certificate["validUntil"]) < now:
            result.reasons.append(f"expired: validUntil was {certificate['validUntil']}")
    except (ValueError, TypeError):
        result.reasons.append("validFrom/validUntil are not ISO 8601 date-times")
    if revocation_list is None:
        result.notes.append("revocation not checked: give --revocation-list (the issuer's published status list)")
    else:
        try:
            status_list = revocation_list if isinstance(revocation_list, dict) else read_json(Path(revocation_list))
            if is_revoked(certificate, status_list, trusted):
                result.reasons.append("revoked by the issuer")
        except ProofError as error:
            result.reasons.append(str(error))
    if email is not None:
        identities = [i for i in certificate["credentialSubject"]["identifier"]
                      if isinstance(i, dict) and i.get("identityType") == "emailAddress"]
        if not any(identity_hash(email, i.get("salt", "")) == i.get("identityHash") for i in identities):
            result.reasons.append(f"not issued to {email}")
    return result
