"""Revoke an issued certificate: set its bit in the signed status list and note why.

>>> REASONS[:2]
('issued in error', 'academic misconduct')
"""

from __future__ import annotations

import json
from pathlib import Path

from certificates.credential import REGISTRY_FILE, STATUS_LIST_FILE, certificates_dir
from certificates.keys import load_private_key
from certificates.proof import now_utc
from certificates.status_list import read_json, revoke_in

#: Suggested reasons (any text is accepted); the reason stays in the issuer's registry only.
REASONS = ("issued in error", "academic misconduct", "grade changed after review", "requested by the holder")


def revoke_certificate(certificate: str | Path, reason: str, out_dir: Path | None = None,
                       keys: Path | None = None) -> tuple[str, Path]:
    """Revoke by certificate file or credential id; return (credential id, status list path)."""
    folder = certificates_dir(out_dir)
    registry_path, list_path = folder / REGISTRY_FILE, folder / STATUS_LIST_FILE
    if not registry_path.is_file() or not list_path.is_file():
        raise ValueError(f"no issued certificates in {folder}")
    credential_id = str(certificate)
    if Path(certificate).suffix == ".json" and Path(certificate).is_file():
        credential_id = read_json(Path(certificate)).get("id", "")
    registry = json.loads(registry_path.read_text(encoding="utf-8"))
    entry = next((e for e in registry["credentials"] if e["id"] == credential_id), None)
    if entry is None:
        raise ValueError(f"{credential_id!r} was not issued from {folder}")
    if entry.get("revoked"):
        raise ValueError(f"{credential_id} was already revoked on {entry['revoked']['at']}")
    key = load_private_key(keys)
    status_list = revoke_in(read_json(list_path), int(entry["statusListIndex"]), key)
    list_path.write_text(json.dumps(status_list, indent=2) + "\n", encoding="utf-8")
    entry["revoked"] = {"at": now_utc(), "reason": reason}
    registry_path.write_text(json.dumps(registry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return credential_id, list_path
