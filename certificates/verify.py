"""Is this certificate genuine, unchanged, issued by our key and not revoked? With reasons.

:func:`verify_certificate` checks, in order: readable JSON; the Open Badges 3.0 / VC 2.0
shape; the eddsa-jcs-2022 signature, made by the issuer key the verifier trusts; the
issuer named in the credential is that key; the validity dates; the revocation list (itself
signed by the same key); optionally that it was issued to a given e-mail address. Every
failure is a reason in words; no reason means valid.

Revocation is checked by default: the status list the certificate names
(``credentialStatus.statusListCredential``) is read from the file given, else from a local
copy found by :func:`find_status_list` (the URL itself when it is a file, else a
``status-list.json`` beside the certificate or in the issuer's certificates folder). With no
copy found the certificate is *not* valid: the result says the status is unknown. Only
``check_revocation=False`` skips the check, and the result notes it.

>>> verify_certificate("not json at all", public_key=bytes(32)).reasons
['the certificate is not JSON: Expecting value at line 1, column 1']
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from certificates.credential import (
    OB3_CONTEXT,
    STATUS_LIST_FILE,
    VC2_CONTEXT,
    certificates_dir,
    identity_hash,
)
from certificates.keys import IssuerKeyError, load_public_key, public_key_bytes_from_did
from certificates.proof import ProofError, verify_proof
from certificates.status_list import MAX_JSON_BYTES, is_revoked, read_json, read_limited

CLOCK_SKEW_SECONDS = 300
#: Reason given when no copy of the certificate's status list can be found.
REVOCATION_UNKNOWN = "revocation status unknown"
REVOKED = "revoked by the issuer"


@dataclass
class Verification:
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    credential: dict | None = None

    @property
    def valid(self) -> bool:
        return not self.reasons

    @property
    def only_revocation_unknown(self) -> bool:
        """Whether the one problem is that no status list was found (a setup error, not a forgery)."""
        return len(self.reasons) == 1 and self.reasons[0].startswith(REVOCATION_UNKNOWN)

    @property
    def revoked(self) -> bool:
        """Whether the issuer's status list marks the certificate revoked."""
        return REVOKED in self.reasons


def status_list_url(credential: dict) -> str | None:
    """The ``statusListCredential`` a certificate names, or None."""
    status = credential.get("credentialStatus") if isinstance(credential, dict) else None
    url = status.get("statusListCredential") if isinstance(status, dict) else None
    return url if isinstance(url, str) and url else None


def _list_id(path: Path) -> str | None:
    try:
        listed = read_json(path)
    except ProofError:
        return None
    return listed.get("id") if isinstance(listed, dict) else None


def find_status_list(credential: dict, certificate_path: Path | None = None,
                     search: list[Path] | None = None) -> tuple[Path | None, list[Path]]:
    """A local copy of the status list ``credential`` points to, and every place looked at.

    The list's URL is used as is when it is a file path (or ``file:`` URL); otherwise a
    ``status-list.json`` whose ``id`` is that URL is looked for beside the certificate, then
    in each folder of ``search`` (default: the issuer's certificates folder,
    ``$DSU_CERTIFICATES_DIR`` or ``build/certificates``).

    >>> find_status_list({"credentialStatus": {}})
    (None, [])
    """
    url = status_list_url(credential)
    if url is None:
        return None, []
    if url.startswith("file://"):
        url = url[len("file://"):]
    if "://" not in url:
        path = Path(url).expanduser()
        return (path if path.is_file() else None), [path]
    folders = ([certificate_path.parent] if certificate_path is not None else []) + list(
        search if search is not None else [certificates_dir()])
    looked = []
    for folder in folders:
        candidate = Path(folder) / STATUS_LIST_FILE
        if candidate in looked:
            continue
        looked.append(candidate)
        if candidate.is_file() and _list_id(candidate) == status_list_url(credential):
            return candidate, looked
    return None, looked


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
                       now: datetime | None = None, check_revocation: bool = True) -> Verification:
    """Verify a certificate (a dict, JSON text or a file path); see the module docstring.

    ``revocation_list``: the issuer's status list (dict or file); None = find a local copy
    (:func:`find_status_list`). ``check_revocation=False`` skips revocation (noted in the result).
    """
    result = Verification()
    certificate_path = None
    if isinstance(certificate, Path) or (isinstance(certificate, str) and not certificate.lstrip().startswith(("{", "["))
                                         and Path(certificate).suffix == ".json"):
        certificate_path = Path(certificate)
        try:
            certificate = read_limited(certificate_path, MAX_JSON_BYTES)
        except (OSError, UnicodeDecodeError, ValueError) as error:
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
    except IssuerKeyError as error:
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
    if not check_revocation:
        result.notes.append("revocation not checked (skipped on request)")
    elif status_list_url(certificate) is None:
        result.reasons.append("the certificate names no status list (credentialStatus.statusListCredential), "
                              "so whether it was revoked cannot be checked")
    else:
        result.reasons += _revocation_problems(certificate, certificate_path, revocation_list, trusted)
    if email is not None:
        identities = [i for i in certificate["credentialSubject"]["identifier"]
                      if isinstance(i, dict) and i.get("identityType") == "emailAddress"]
        if not any(identity_hash(email, i.get("salt", "")) == i.get("identityHash") for i in identities):
            result.reasons.append(f"not issued to {email}")
    return result


def _revocation_problems(certificate: dict, certificate_path: Path | None, revocation_list, trusted: bytes) -> list[str]:
    """Why the certificate fails the revocation check ([] when its bit is clear in a trusted list)."""
    if revocation_list is None:
        revocation_list, looked = find_status_list(certificate, certificate_path)
        if revocation_list is None:
            where = ", ".join(str(p) for p in looked) or "nowhere"
            return [f"{REVOCATION_UNKNOWN}: no copy of the status list {status_list_url(certificate)!r} found "
                    f"(looked at {where}); give the issuer's published list with --revocation-list FILE"]
    try:
        status_list = revocation_list if isinstance(revocation_list, dict) else read_json(Path(revocation_list))
        return [REVOKED] if is_revoked(certificate, status_list, trusted) else []
    except ProofError as error:
        return [str(error)]
