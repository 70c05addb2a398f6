"""Certificates as Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0), issued and signed.

A certificate says: *this issuer* states that *the holder of this e-mail address* earned
*this achievement* (the series), on *this date*, with *this evidence* (each episode's score
and the SHA-256 of the graded submission), and can be revoked *at this list position*.
The e-mail address is not in it, only ``sha256$`` of the address plus a random salt (Open
Badges' IdentityObject), so a certificate can be shown around without exposing it; whoever
knows the address can check the hash (``dsu verify --email``).

>>> identity_hash("Ada@Example.org ", "x")  # = SHA-256 of "ada@example.orgx"
'sha256$b9344695f9a51bfc55518d370a38303e1306c0d5689c7cf89a2750be75dffd6c'
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from certificates.certificate_html import certificate_html
from certificates.certification import Decision, Issuer, SeriesRules, evaluate, load_rules
from certificates.keys import did_key, load_private_key, raw_public
from certificates.proof import add_proof, now_utc
from certificates.status_list import free_index, new_status_list, status_entry
from course import REPO_ROOT
from course.syllabus import Syllabus
from grading.course_settings import course_settings

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DEFAULT_CERTIFICATES_DIR = REPO_ROOT / "build" / "certificates"
STATUS_LIST_FILE, REGISTRY_FILE = "status-list.json", "issued.json"


class NotEligibleError(ValueError):
    """The learner does not meet the rules; the message lists every rule that failed."""

    def __init__(self, decision: Decision):
        self.decision = decision
        failed = "\n".join(f"  - {r.rule}: {r.detail}" for r in decision.failed())
        super().__init__(f"{decision.student} does not meet the rules for a {decision.series} certificate:\n{failed}")


def normalised_email(email: str) -> str:
    return email.strip().lower()


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' salted identity hash: ``sha256$`` + hex SHA-256 of (e-mail + salt)."""
    return "sha256$" + hashlib.sha256((normalised_email(email) + salt).encode("utf-8")).hexdigest()


def certificates_dir(path: Path | str | None = None) -> Path:
    return Path(path or os.environ.get("DSU_CERTIFICATES_DIR") or DEFAULT_CERTIFICATES_DIR)


def build_credential(decision: Decision, rules: SeriesRules, issuer: Issuer, issuer_did: str, email: str,
                     status: dict, name: str | None = None, valid_from: str | None = None) -> dict:
    """The unsigned Open Badges 3.0 credential for a passing ``decision``."""
    salt = secrets.token_hex(16)
    identifiers = [{"type": "IdentityObject", "identityHash": identity_hash(email, salt),
                    "identityType": "emailAddress", "hashed": True, "salt": salt}]
    if name:
        identifiers.append({"type": "IdentityObject", "identityHash": name, "identityType": "name", "hashed": False})
    base = issuer.url.rstrip("/")
    evidence = []
    for ep in decision.evidence:
        files = ", ".join(f"{file} {digest}" for file, digest in ep.files)
        evidence.append({
            "type": ["Evidence"],
            "name": f"{ep.episode} assessment",
            "description": f"{ep.score:g} of {ep.max_score:g} points ({ep.percent:.1f} %)",
            "genre": "Graded assessment",
            "narrative": f"{ep.title}. SHA-256 of the graded submission: {files}",
            "dsu:episode": ep.episode,
            "dsu:score": ep.score,
            "dsu:maxScore": ep.max_score,
            "dsu:submission": [{"dsu:file": file, "dsu:sha256": digest} for file, digest in ep.files],
        })
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT, {"dsu": f"{base}/vocab#"}],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": rules.achievement_name,
        "issuer": {"id": issuer.id or issuer_did, "type": ["Profile"], "name": issuer.name, "url": issuer.url},
        "validFrom": valid_from or now_utc(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "achievement": {
                "id": f"{base}/achievements/{rules.series}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": rules.achievement_name,
                "description": rules.description,
                "criteria": {"narrative": rules.narrative()},
            },
        },
        "evidence": evidence,
        "credentialStatus": status,
    }


@dataclass(frozen=True)
class IssuedCertificate:
    credential: dict
    json_path: Path
    html_path: Path


def _read(path: Path, default):
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else default


def _write(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def issue_certificate(student: str, series_id: str, root: Path, *, email: str | None = None,
                      name: str | None = None, out_dir: Path | None = None, keys: Path | None = None,
                      db_url: str | None = None, rules_path: Path | None = None,
                      syllabus: Syllabus | None = None) -> IssuedCertificate:
    """Check the rules, then sign and write ``<id>.json`` and ``<id>.html``; raise NotEligibleError otherwise."""
    rules = load_rules(rules_path)
    series_rules = rules.for_series(series_id)
    decision = evaluate(student, series_id, root, db_url, series_rules, syllabus)
    if not decision.passed:
        raise NotEligibleError(decision)
    email = email or _email_from_gradebook(root, db_url, student)
    key = load_private_key(keys)
    issuer_did = did_key(raw_public(key.public_key()))
    folder = certificates_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    list_path, registry_path = folder / STATUS_LIST_FILE, folder / REGISTRY_FILE
    if not list_path.is_file():
        _write(list_path, new_status_list(rules.issuer.status_list_url, key))
    registry = _read(registry_path, {"credentials": []})
    index = free_index({int(entry["statusListIndex"]) for entry in registry["credentials"]})
    status = status_entry(rules.issuer.status_list_url, index)
    credential = add_proof(build_credential(decision, series_rules, rules.issuer, issuer_did, email, status, name), key)
    stem = f"{student}-{series_id}-{credential['id'].rsplit(':', 1)[1][:8]}"
    json_path, html_path = folder / f"{stem}.json", folder / f"{stem}.html"
    _write(json_path, credential)
    html_path.write_text(certificate_html(credential), encoding="utf-8")
    registry["credentials"].append({"id": credential["id"], "student": student, "series": series_id,
                                    "statusListIndex": index, "validFrom": credential["validFrom"],
                                    "file": json_path.name, "revoked": None})
    _write(registry_path, registry)
    return IssuedCertificate(credential, json_path, html_path)


def _email_from_gradebook(root: Path, db_url: str | None, student: str) -> str:
    from nbgrader.api import Gradebook, MissingEntry

    url, course_id = course_settings(Path(root), db_url)
    with Gradebook(url, course_id) as gb:
        try:
            email = gb.find_student(student).email
        except MissingEntry:
            email = None
    if not email:
        raise ValueError(f"no e-mail address for {student} in the gradebook: pass --email")
    return email
